"""The result of a walk: pieces, their patterns, and what happened at breakpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from . import folding

__all__ = ["Path", "join_paths"]


@dataclass(frozen=True, eq=False)
class Path:
    """The linear regions crossed by a segment (or polyline), in order.

    Attributes
    ----------
    breakpoints
        ``t_0 < t_1 < … < t_m``: ``t_0`` and ``t_m`` are the ends (0 and 1 for a
        segment), the others are exactly the parameters where the pattern
        changes. ``Fraction`` entries in exact mode, float64 otherwise.
    patterns
        Boolean array ``(m, n_bits)``: row ``j`` is the pattern on the open
        piece ``(t_j, t_{j+1})``. Consecutive rows always differ.
    point_patterns
        Boolean array ``(m + 1, n_bits)``: the pattern *at* each breakpoint
        (boundary points have bit 0 for the units on the boundary).
    exact
        Whether every number above was computed in rational arithmetic.
    x1, x2
        The end points (for a polyline: its first and last vertex).
    touches
        ``(t, bits)`` for every parameter inside a piece where some unit
        touches the threshold without crossing it: the point's pattern differs
        there although the pieces on both sides agree.
    flat
        ``(t_a, t_b, bits)`` for every sub-interval on which some units'
        pre-activations are identically ``τ`` with bit 0 there (for ReLU at
        ``τ ≥ 0``; an activation with ``σ(τ) > τ`` keeps bit 1 and is not listed).
    undecided
        Float mode: parameters where crossings of different units were
        computed to the same float64 value, or lie within ``tol`` of each
        other, so float64 cannot tell whether they coincide or in which order
        they come; rerun with ``exact=True``.
        Always empty in exact mode.
    """

    breakpoints: np.ndarray
    patterns: np.ndarray
    point_patterns: np.ndarray
    exact: bool
    x1: np.ndarray
    x2: np.ndarray
    touches: tuple[tuple[Any, np.ndarray], ...] = ()
    flat: tuple[tuple[Any, Any, np.ndarray], ...] = ()
    undecided: tuple[Any, ...] = ()
    vertices: np.ndarray | None = field(default=None, repr=False)

    # -- shape ---------------------------------------------------------------------
    @property
    def n_pieces(self) -> int:
        """Number of pieces ``n`` (the length of ``Γ``)."""
        return int(self.patterns.shape[0])

    @property
    def n_bits(self) -> int:
        return int(self.patterns.shape[1])

    @property
    def flips(self) -> tuple[np.ndarray, ...]:
        """For each interior breakpoint, the indices of the bits that change there."""
        diff = self.patterns[1:] != self.patterns[:-1]
        return tuple(np.flatnonzero(row) for row in diff)

    @property
    def simultaneous(self) -> tuple[int, ...]:
        """Indices (into ``breakpoints``) of breakpoints where several bits change at once."""
        return tuple(i + 1 for i, f in enumerate(self.flips) if len(f) > 1)

    @property
    def starts_on_boundary(self) -> bool:
        """Whether ``x1`` itself lies on a boundary (its pattern differs from piece 0's)."""
        return bool(np.any(self.point_patterns[0] != self.patterns[0]))

    @property
    def ends_on_boundary(self) -> bool:
        return bool(np.any(self.point_patterns[-1] != self.patterns[-1]))

    @property
    def certified(self) -> bool:
        """True in exact mode; in float mode, True when nothing was left undecided."""
        return self.exact or not self.undecided

    # -- measures -----------------------------------------------------------------
    @property
    def r1(self) -> int:
        """``max_i d_H(π_1, π_i)``."""
        return folding.r1(self.patterns)

    @property
    def r2(self) -> int:
        """``Σ_i d_H(π_i, π_{i+1})``, the Hamming length ``L`` of the path."""
        return folding.r2(self.patterns)

    @property
    def D(self) -> int:
        """``d_H(π_1, π_n)``, the Hamming distance between the end regions."""
        return folding.D(self.patterns)

    @property
    def L(self) -> int:
        """The Hamming length ``r2``."""
        return self.r2

    @property
    def chi(self) -> Fraction:
        """The space folding measure ``χ = 1 − r1/r2`` (0 when ``r2 = 0``), exactly."""
        return folding.chi(self.patterns)

    def interaction(self) -> list[Fraction]:
        """``I(k)`` for ``k = 1..n``; see :func:`polyfold.interaction`."""
        return folding.interaction(self.patterns)

    def reversed(self) -> Path:
        """The same path walked from ``x2`` to ``x1`` (``−Γ``)."""
        end = self.breakpoints[-1]

        def rev_t(v: Any) -> Any:
            return end - v

        tb = np.array([rev_t(v) for v in self.breakpoints[::-1]], dtype=self.breakpoints.dtype)
        return Path(
            breakpoints=tb,
            patterns=self.patterns[::-1].copy(),
            point_patterns=self.point_patterns[::-1].copy(),
            exact=self.exact,
            x1=self.x2,
            x2=self.x1,
            touches=tuple((rev_t(t), b) for t, b in reversed(self.touches)),
            flat=tuple((rev_t(b), rev_t(a), bits) for a, b, bits in reversed(self.flat)),
            undecided=tuple(rev_t(t) for t in reversed(self.undecided)),
            vertices=None if self.vertices is None else self.vertices[::-1].copy(),
        )

    def degeneracies(self) -> dict[str, Any]:
        """What was unusual about this walk, in one place (empty lists when nothing)."""
        return {
            "simultaneous_flips": [
                (self.breakpoints[i], self.flips[i - 1]) for i in self.simultaneous
            ],
            "touches": list(self.touches),
            "flat": list(self.flat),
            "starts_on_boundary": self.starts_on_boundary,
            "ends_on_boundary": self.ends_on_boundary,
            "single_point": bool(np.array_equal(self.x1, self.x2)),
            "undecided": list(self.undecided),
        }

    def bitstrings(self) -> list[str]:
        """The patterns as strings of 0/1 (handy for printing small paths)."""
        return ["".join("1" if b else "0" for b in row) for row in self.patterns]

    def __repr__(self) -> str:
        mode = "exact" if self.exact else "float"
        return (
            f"Path({self.n_pieces} pieces, {self.n_bits} bits, {mode}, "
            f"chi={self.chi}, r1={self.r1}, r2={self.r2})"
        )


def join_paths(paths: list[Path]) -> Path:
    """Join the paths of consecutive segments ``[i, i+1]`` into one polyline path.

    A pattern that continues through a vertex is not doubled; if the point
    pattern at such a vertex differs, it is recorded as a touch.
    """
    exact = paths[0].exact
    breakpoints: list[Any] = [paths[0].breakpoints[0]]
    patterns: list[np.ndarray] = []
    point_patterns = [paths[0].point_patterns[0]]
    touches: list[tuple[Any, np.ndarray]] = []
    flat: list[tuple[Any, Any, np.ndarray]] = []
    undecided: list[Any] = []
    for i, p in enumerate(paths):
        shift: Any = Fraction(i) if exact else float(i)
        tb = [shift + v for v in p.breakpoints]
        touches += [(shift + t, b) for t, b in p.touches]
        flat += [(shift + a, shift + b, bits) for a, b, bits in p.flat]
        undecided += [shift + t for t in p.undecided]
        for j in range(p.n_pieces):
            if j == 0 and i > 0:
                joint = p.point_patterns[0]
                if np.array_equal(p.patterns[0], patterns[-1]):
                    if np.any(joint != patterns[-1]):
                        touches.append((tb[0], np.flatnonzero(joint != patterns[-1])))
                    continue
                breakpoints.append(tb[0])
                point_patterns.append(joint)
            elif j > 0:
                breakpoints.append(tb[j])
                point_patterns.append(p.point_patterns[j])
            patterns.append(p.patterns[j])
    breakpoints.append(Fraction(len(paths)) if exact else float(len(paths)))
    point_patterns.append(paths[-1].point_patterns[-1])
    vertices = np.array([p.x1 for p in paths] + [paths[-1].x2], dtype=paths[0].x1.dtype)
    return Path(
        breakpoints=np.array(breakpoints, dtype=object if exact else np.float64),
        patterns=np.array(patterns, dtype=bool),
        point_patterns=np.array(point_patterns, dtype=bool),
        exact=exact,
        x1=paths[0].x1,
        x2=paths[-1].x2,
        touches=tuple(touches),
        flat=tuple(flat),
        undecided=tuple(undecided),
        vertices=vertices,
    )
