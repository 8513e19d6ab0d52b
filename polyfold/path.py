"""The result of a walk: pieces, their patterns, and what happened at breakpoints."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from . import folding

__all__ = ["Path", "gather_layers", "join_paths", "knot_structure"]

# (breakpoints, touches, flat): what a lazily resolved path computes on first access
_Times = tuple[
    np.ndarray, tuple[tuple[Any, np.ndarray], ...], tuple[tuple[Any, Any, np.ndarray], ...]
]


class Path:
    """The linear regions crossed by a segment (or polyline), in order.

    Attributes
    ----------
    breakpoints
        ``t_0 < t_1 < … < t_m``: ``t_0`` and ``t_m`` are the ends (0 and 1 for a
        segment), the others are exactly the parameters where the pattern
        changes. ``Fraction`` entries in exact mode, float64 otherwise. On the
        certified route the exact values are computed on first access (from
        the exact affine map of the piece each breakpoint was found on), so
        measures that need only the patterns cost no rational arithmetic.
    patterns
        Boolean array ``(m, n_bits)``: row ``j`` is the pattern on the open
        piece ``(t_j, t_{j+1})``. Consecutive rows always differ.
    point_patterns
        Boolean array ``(m + 1, n_bits)``: the pattern *at* each breakpoint
        (boundary points have bit 0 for the units on the boundary).
    exact
        Whether the breakpoints are exact rationals (``Fraction``).
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
        Uncertified float walks (``method="float"``) only: parameters where
        crossings of different units were computed to the same float64 value,
        or lie within ``tol`` of each other. A heuristic, not a proof: such a
        path is never ``certified``. Always empty on the other routes.
    method
        The route that produced the path: ``"certified"`` (float walk whose
        every decision was proven from rigorous error bounds, exact arithmetic
        only where the bounds could not decide), ``"rational"`` (the
        all-rational walk) or ``"float"`` (float64, nothing proven).
    bounds
        Certified route: ``(lo, hi)`` float64 arrays with
        ``lo[i] ≤ breakpoints[i] ≤ hi[i]`` proven; ``None`` otherwise.
    repaired
        Certified route: how many knots the error bounds could not settle and
        exact arithmetic decided instead.
    complete, interrupted
        False/True when ``time_budget`` or Ctrl-C stopped the walk early: the
        path then covers ``[0, breakpoints[-1]]`` only, and every piece of it
        is correct.
    """

    def __init__(
        self,
        breakpoints: np.ndarray | None,
        patterns: np.ndarray,
        point_patterns: np.ndarray,
        exact: bool,
        x1: np.ndarray,
        x2: np.ndarray,
        touches: tuple[tuple[Any, np.ndarray], ...] = (),
        flat: tuple[tuple[Any, Any, np.ndarray], ...] = (),
        undecided: tuple[Any, ...] = (),
        vertices: np.ndarray | None = None,
        *,
        method: str | None = None,
        bounds: tuple[np.ndarray, np.ndarray] | None = None,
        repaired: int = 0,
        resolve: Callable[[], _Times] | None = None,
        complete: bool = True,
        interrupted: bool = False,
    ) -> None:
        self.patterns = patterns
        self.point_patterns = point_patterns
        self.exact = exact
        self._x1, self._x2 = x1, x2
        self.undecided = undecided
        self.vertices = vertices
        self.method = method or ("rational" if exact else "float")
        self.bounds = bounds
        self.repaired = repaired
        self.complete = complete
        self.interrupted = interrupted
        self._resolve = resolve
        self._times: _Times | None = None
        if resolve is None:
            if breakpoints is None:
                raise ValueError("Path: breakpoints or resolve is needed")
            self._times = (breakpoints, tuple(touches), tuple(flat))

    def __getstate__(self) -> dict[str, Any]:
        # a lazy path is resolved before it travels (to a process pool or a Dask worker):
        # the exact breakpoints are computed where the walk ran
        self._resolved()
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _resolved(self) -> _Times:
        if self._times is None:
            assert self._resolve is not None
            self._times = self._resolve()
            self._resolve = None
        return self._times

    @property
    def x1(self) -> np.ndarray:
        """The first end point (``Fraction`` entries in exact mode)."""
        self._x1 = _exact_view(self._x1) if self.exact else self._x1
        return self._x1

    @property
    def x2(self) -> np.ndarray:
        self._x2 = _exact_view(self._x2) if self.exact else self._x2
        return self._x2

    @property
    def breakpoints(self) -> np.ndarray:
        return self._resolved()[0]

    @property
    def touches(self) -> tuple[tuple[Any, np.ndarray], ...]:
        return self._resolved()[1]

    @property
    def flat(self) -> tuple[tuple[Any, Any, np.ndarray], ...]:
        return self._resolved()[2]

    @property
    def resolved(self) -> bool:
        """Whether the breakpoints have been computed (always, off the certified exact route)."""
        return self._times is not None

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
        """Whether the combinatorial answer is proven (patterns, flips, point patterns,
        touches and flat stretches are those of the exact walk).

        True on the ``"rational"`` and ``"certified"`` routes; never on an
        uncertified float walk (``method="float"``).
        """
        return self.method != "float"

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
        """``I(k)`` for ``k = 1..n``; see :func:`~polyfold.folding.interaction`.

        Returns
        -------
        list of fractions.Fraction
        """
        return folding.interaction(self.patterns)

    def reversed(self) -> Path:
        """The same path walked from ``x2`` to ``x1`` (``−Γ``).

        Returns
        -------
        Path
            Breakpoints ``1 − t`` in increasing order and the patterns in reverse
            (``r2`` is unchanged; ``r1``, and so χ, is measured from the new start).
        """

        def times() -> _Times:
            breakpoints, touches, flat = self._resolved()
            end = breakpoints[-1]
            tb = np.array([end - v for v in breakpoints[::-1]], dtype=breakpoints.dtype)
            return (
                tb,
                tuple((end - t, b) for t, b in reversed(touches)),
                tuple((end - b, end - a, bits) for a, b, bits in reversed(flat)),
            )

        bounds = None
        if self.bounds is not None:
            lo, hi = self.bounds
            end_f = float(hi[-1])  # the end parameter itself: an integer, exact in float64
            bounds = (_down(end_f - hi[::-1]), _up(end_f - lo[::-1]))
        eager = None if not self.resolved else times()
        return Path(
            None if eager is None else eager[0],
            self.patterns[::-1].copy(),
            self.point_patterns[::-1].copy(),
            self.exact,
            self.x2,
            self.x1,
            () if eager is None else eager[1],
            () if eager is None else eager[2],
            undecided=tuple(self.breakpoints[-1] - t for t in reversed(self.undecided))
            if self.undecided
            else (),
            vertices=None if self.vertices is None else self.vertices[::-1].copy(),
            method=self.method,
            bounds=bounds,
            repaired=self.repaired,
            resolve=times if eager is None else None,
        )

    def degeneracies(self) -> dict[str, Any]:
        """What was unusual about this walk, in one place (empty lists when nothing).

        Returns
        -------
        dict
            ``"simultaneous_flips"`` (breakpoint and the bits flipping together
            there), ``"touches"``, ``"flat"``, ``"starts_on_boundary"``,
            ``"ends_on_boundary"``, ``"single_point"`` (``x1 = x2``) and
            ``"undecided"``.
        """
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
        """The patterns as strings of 0/1 (handy for printing small paths).

        Returns
        -------
        list of str
            One string of ``n_bits`` characters per piece.
        """
        return ["".join("1" if b else "0" for b in row) for row in self.patterns]

    def __repr__(self) -> str:
        mode = "exact" if self.exact else "float"
        return (
            f"Path({self.n_pieces} pieces, {self.n_bits} bits, {mode}, "
            f"chi={self.chi}, r1={self.r1}, r2={self.r2})"
        )


def gather_layers(
    codes: list[np.ndarray],
    points: list[np.ndarray],
    rows: list[np.ndarray],
    old: list[np.ndarray],
    cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Every layer's interval codes and point bits on the final knots, pattern columns only.

    ``rows[l]`` maps the final knots to layer ``l``'s knots and ``old[l]`` says which
    existed at that layer; at a knot born later a unit's bit is its interval's (the unit
    does not kink there).

    Parameters
    ----------
    codes, points
        Per layer: interval codes and point bits on that layer's knots.
    rows, old
        Per layer: the final knots' rows there, and whether they existed then.
    cols
        The pattern columns to keep.

    Returns
    -------
    tuple of numpy.ndarray
        ``(codes, point_bits)``, ``(knots, pattern bits)`` each.
    """
    n_knots = len(rows[0]) if rows else 0
    offsets = np.cumsum([0, *(c.shape[1] for c in codes)])
    all_codes = np.empty((n_knots, len(cols)), dtype=np.uint8)
    all_points = np.empty((n_knots, len(cols)), dtype=bool)
    if len(cols) == 0:
        return all_codes, all_points
    # the kept columns run layer by layer: each run is written once, in place
    every = len(cols) == offsets[-1] and np.array_equal(cols, np.arange(offsets[-1]))
    if every:  # the common case: every column of every layer, in order
        starts, layer_of = offsets[:-1], np.arange(len(codes))
    else:
        layer_of = np.searchsorted(offsets, cols, side="right") - 1
        starts = np.flatnonzero(np.r_[True, layer_of[1:] != layer_of[:-1]])
        layer_of = layer_of[starts]
    for run, (a, b) in enumerate(zip(starts.tolist(), [*starts[1:].tolist(), len(cols)])):
        layer = int(layer_of[run])
        c, p, r, o = codes[layer], points[layer], rows[layer], old[layer]
        if not every:
            local = cols[a:b] - offsets[layer]
            if not (len(local) == c.shape[1] and np.array_equal(local, np.arange(b - a))):
                c, p = c[:, local], p[:, local]  # columns first, on the layer's (fewer) knots
        code, point = all_codes[:, a:b], all_points[:, a:b]
        np.take(c, r, axis=0, out=code, mode="clip")  # r holds valid rows
        np.take(p, r, axis=0, out=point, mode="clip")
        if not o.all():
            born = ~o
            point[born] = code[born] == 1
    return all_codes, all_points


def knot_structure(seg: np.ndarray, codes: np.ndarray, point_bits: np.ndarray) -> tuple[Any, ...]:
    """Where the walks' knots become breakpoints, touches and flat stretches.

    ``codes`` are interval codes per knot (0/1, 2 for "identically τ with bit
    0"), ``point_bits`` the bits at the knots, ``seg`` each knot's segment.
    Returns ``(starts, ends, interval_bits, is_break, touch, flat_rows)``.

    Parameters
    ----------
    seg
        The segment of every knot (knots of one segment are consecutive).
    codes
        Per knot and bit, the interval code to the next knot.
    point_bits
        Per knot and bit, the bit at the knot.

    Returns
    -------
    tuple
        ``(starts, ends, interval_bits, is_break, touch, flat_rows)``.
    """
    n_knots = len(seg)
    interval_bits = codes == 1
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    ends = np.r_[starts[1:], n_knots] - 1  # last knot of each segment
    interior = np.ones(n_knots, dtype=bool)
    interior[starts] = False
    interior[ends] = False
    changed = np.zeros(n_knots, dtype=bool)
    if n_knots > 1:
        changed[1:] = np.any(interval_bits[1:] != interval_bits[:-1], axis=1)
    is_break = ~interior | changed
    touch = interior & ~changed & np.any(point_bits != interval_bits, axis=1)
    flat_rows = np.any(codes == 2, axis=1)
    flat_rows[ends] = False
    return starts, ends, interval_bits, is_break, touch, flat_rows


def _exact_view(x: np.ndarray) -> np.ndarray:
    """End points as ``Fraction`` (converted on first access when they came as float64)."""
    if x.dtype == object and all(isinstance(v, Fraction) for v in x.ravel()):
        return x
    out = np.empty(x.shape, dtype=object)
    out.ravel()[:] = [
        Fraction(v) if not hasattr(v, "p") else Fraction(int(v.p), int(v.q)) for v in x.ravel()
    ]
    return out


def _down(x: np.ndarray) -> np.ndarray:
    """One float64 step down: a rounded sum or difference of two floats stays a lower bound."""
    return np.nextafter(np.asarray(x, dtype=np.float64), -np.inf)


def _up(x: np.ndarray) -> np.ndarray:
    return np.nextafter(np.asarray(x, dtype=np.float64), np.inf)


def join_paths(paths: list[Path], *, scale: int = 1) -> Path:
    """Join the paths of consecutive segments ``[i, i+1]`` into one polyline path.

    A pattern that continues through a vertex is not doubled; if the point
    pattern at such a vertex differs, it is recorded as a touch. Lazily
    resolved pieces give a lazily resolved polyline. ``scale = 2^k`` divides
    every parameter by it (exactly, in float64 too): the parts of one segment
    cut at ``i/2^k`` join into that segment's path on ``[0, n/2^k]``.

    Parameters
    ----------
    paths
        One path per segment ``[i, i + 1]`` of a polyline, in order.
    scale
        A power of two dividing every parameter.

    Returns
    -------
    Path
        The polyline's path, parameters in ``[0, len(paths)/scale]``.
    """
    if scale < 1 or scale & (scale - 1):
        raise ValueError("scale: expected a power of two")
    if all(p.resolved for p in paths):
        return _join(paths, [p._resolved() for p in paths], scale)
    shape = _join(paths, [_float_times(p) for p in paths], scale)

    def times() -> _Times:
        joined = _join(paths, [p._resolved() for p in paths], scale)
        return joined._resolved()

    return Path(
        None,
        shape.patterns,
        shape.point_patterns,
        shape.exact,
        shape.x1,
        shape.x2,
        vertices=shape.vertices,
        method=shape.method,
        bounds=shape.bounds,
        repaired=shape.repaired,
        resolve=times,
    )


def _float_times(p: Path) -> _Times:
    """Stand-in times of a lazy path (its certified float enclosures' lower ends)."""
    assert p.bounds is not None
    return p.bounds[0], (), ()


def _join(paths: list[Path], times: list[_Times], scale: int = 1) -> Path:
    exact = paths[0].exact
    k: Any = Fraction(1, scale) if exact else 1.0 / scale
    breakpoints: list[Any] = [times[0][0][0] * k]
    patterns: list[np.ndarray] = []
    point_patterns = [paths[0].point_patterns[0]]
    touches: list[tuple[Any, np.ndarray]] = []
    flat: list[tuple[Any, Any, np.ndarray]] = []
    undecided: list[Any] = []
    lo: list[float] = []
    hi: list[float] = []
    certified = all(p.bounds is not None for p in paths)
    for i, (p, (p_t, p_touches, p_flat)) in enumerate(zip(paths, times)):
        shift: Any = Fraction(i) if exact else float(i)
        tb = [(shift + v) * k for v in p_t]
        touches += [((shift + t) * k, b) for t, b in p_touches]
        flat += [((shift + a) * k, (shift + b) * k, bits) for a, b, bits in p_flat]
        undecided += [(shift + t) * k for t in p.undecided]
        kept = [0] if i == 0 else []
        for j in range(p.n_pieces):
            if j == 0 and i > 0:
                joint = p.point_patterns[0]
                if np.array_equal(p.patterns[0], patterns[-1]):
                    if np.any(joint != patterns[-1]):
                        touches.append((tb[0], np.flatnonzero(joint != patterns[-1])))
                    continue
                breakpoints.append(tb[0])
                point_patterns.append(joint)
                kept.append(0)
            elif j > 0:
                breakpoints.append(tb[j])
                point_patterns.append(p.point_patterns[j])
                kept.append(j)
            patterns.append(p.patterns[j])
        if certified:
            assert p.bounds is not None
            lo += list(_down(i + p.bounds[0][kept]) / scale)
            hi += list(_up(i + p.bounds[1][kept]) / scale)
    breakpoints.append(Fraction(len(paths), scale) if exact else len(paths) / scale)
    point_patterns.append(paths[-1].point_patterns[-1])
    lo.append(len(paths) / scale)
    hi.append(len(paths) / scale)
    vertices = np.array([p.x1 for p in paths] + [paths[-1].x2], dtype=paths[0].x1.dtype)
    return Path(
        np.array(breakpoints, dtype=object if exact else np.float64),
        np.array(patterns, dtype=bool),
        np.array(point_patterns, dtype=bool),
        exact,
        paths[0].x1,
        paths[-1].x2,
        tuple(touches),
        tuple(flat),
        undecided=tuple(undecided),
        vertices=vertices,
        method=paths[0].method,
        bounds=(np.array(lo), np.array(hi)) if certified else None,
        repaired=sum(p.repaired for p in paths),
    )
