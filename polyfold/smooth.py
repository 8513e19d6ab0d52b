r"""Certified threshold crossings along a segment for smooth activations.

For tanh, sigmoid, GELU or SiLU units the pre-activations are smooth, not
piecewise linear, in ``t``, and their threshold crossings are irrational in
general. :func:`smooth_walk` encloses every crossing of every unit's
``g(t) = σ(z(t)) − τ`` in a certified interval of ``t`` by interval arithmetic
and bisection:

- on a box ``[a, b]`` of ``t``, interval arithmetic gives an enclosure of every
  ``g`` and of its derivative ``g'`` (forward mode along the segment); the
  value enclosure is sharpened by the mean-value form
  ``g(m) + g'([a, b]) · ([a, b] − m)``;
- a unit whose enclosure lies above 0, or at or below 0, keeps its bit on the
  box; a unit whose derivative enclosure does not straddle 0 is monotone there,
  so certain and different bits ``g(a) > 0`` and ``g(b) > 0`` prove exactly
  one change of the bit inside the box and equal bits prove none;
- anything else is bisected, until a unit is decided or the box is narrower
  than ``min_width``: then the unit and the box are reported as *unresolved*
  (a tangency ``g`` touching 0, an identically-τ unit, or crossings closer than
  ``min_width``) instead of guessed. Several units crossing inside one box are
  separated by bisection as well; if they cannot be, their order is reported
  as *ambiguous*.

At threshold ``τ = 0`` a bit needs no ``σ`` at all: tanh, GELU and SiLU are
positive exactly where ``z > 0``, so their bits (and where they change) are
decided on ``z``'s own enclosure, and a sigmoid's bit is always 1. This keeps
units saturated towards 0 — GELU and SiLU far below 0, where ``σ(z)`` is a
tiny negative number whose enclosure cannot leave 0 — from staying unresolved.

Rigour. Interval endpoints are float64. Every arithmetic step is rounded
outwards (one ulp after each operation; matrix–vector products carry the
standard error bound ``γ_n |W| |x|``, which also covers weights that are not
float64 values). The elementary functions are evaluated, with
``elementary="arb"`` (the default), in Arb ball arithmetic (python-flint),
whose balls are rigorous, and rounded outwards; ``elementary="float"`` uses
numpy/scipy instead and widens by ``2**-40`` (relative, and absolute where
terms cancel): faster, and certified only under the assumption that those
functions are that accurate (they are accurate to a few ulp). The extrema of
GELU and SiLU and of every σ' are bracketed once, with the sign change
certified in Arb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from . import folding
from ._arith import as_fmpq, to_fraction
from ._enclosures import act_hull
from ._numeric import down, imul, matvec, sub, up
from .errors import InvalidInputError, UndecidedError, check_between, check_count
from .network import Network, as_points

__all__ = ["Crossing", "SmoothPath", "smooth_walk", "smooth_walk_many"]

_FLAT = 2.0**-36
_INF = np.inf


# -- the walk --------------------------------------------------------------------------


@dataclass(frozen=True)
class Crossing:
    """Pattern bit ``bit`` changes exactly once in ``[lo, hi]``, to ``rising``.

    The bit at ``lo`` is the old one and the bit at ``hi`` the new one, both
    certified, and the bit is monotone in between.

    Attributes
    ----------
    lo, hi : fractions.Fraction
        The parameter interval.
    bit : int
        The pattern bit.
    rising : bool
        Whether the bit becomes 1.
    """

    lo: Fraction
    hi: Fraction
    bit: int
    rising: bool


@dataclass(frozen=True)
class SmoothPath:
    """The certified crossings of a segment through a network with smooth activations.

    A :class:`~polyfold.path.Path` in everything but what only it has: a smooth
    crossing is irrational in general, so each is an interval ``[lo, hi]`` of
    ``t`` certified to hold exactly one change of one bit (``crossings``;
    ``bounds`` gives them as two arrays, like a certified ``Path``'s), not an
    exact breakpoint.

    ``patterns[k]`` is the pattern between crossing ``k − 1`` and crossing ``k``
    (the crossings ordered, their intervals disjoint); it is empty unless the
    path is certified. ``unresolved`` lists ``(lo, hi, bits)`` boxes of ``t``
    where the listed bits could not be decided down to ``min_width``;
    ``ambiguous`` lists boxes holding certified crossings of several bits whose
    order was not separated; ``undecided`` is both, as ``(lo, hi)`` boxes in
    order. Only when nothing is undecided is the path certified: then ``chi``,
    ``r1``, ``r2``, ``D``, ``L`` and ``interaction`` answer exactly; before, they
    raise :class:`~polyfold.errors.UndecidedError` (there is no pattern sequence to
    measure — a ``Path`` always has one). ``starts_on``/``ends_on`` are the bits
    whose boundary holds ``x1``/``x2`` exactly (their change at ``t = 0``/``1``
    is not a crossing of the open pieces, as for :func:`~polyfold.walks.walk`);
    ``starts_on_boundary``/``ends_on_boundary`` say whether there are any.

    Attributes
    ----------
    x1, x2 : numpy.ndarray
        The segment's ends.
    crossings : list of Crossing
        The certified crossings, ordered.
    patterns : numpy.ndarray
        ``(pieces, n_bits)`` (empty unless certified).
    unresolved, ambiguous : list
        ``(lo, hi, bits)`` boxes left undecided.
    boxes : int
        The number of parameter boxes examined.
    elementary : str
        The enclosure of the elementary functions (``"arb"`` or ``"float"``).
    starts_on, ends_on : tuple of int
        The bits whose boundary holds ``x1`` / ``x2``.
    net : Network
    """

    x1: np.ndarray
    x2: np.ndarray
    crossings: list[Crossing]
    patterns: np.ndarray
    unresolved: list[tuple[Fraction, Fraction, tuple[int, ...]]]
    ambiguous: list[tuple[Fraction, Fraction, tuple[int, ...]]]
    boxes: int
    elementary: str
    starts_on: tuple[int, ...]
    ends_on: tuple[int, ...]
    net: Network = field(repr=False)

    method = "smooth"
    exact = False  # the crossings are intervals, not exact breakpoints

    @property
    def certified(self) -> bool:
        return not self.unresolved and not self.ambiguous

    @property
    def undecided(self) -> tuple[tuple[Fraction, Fraction], ...]:
        """Every box left undecided (unresolved or ambiguous), ``(lo, hi)``, in order."""
        boxes = [(lo, hi) for lo, hi, _ in (*self.unresolved, *self.ambiguous)]
        return tuple(sorted(boxes))

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)``: the ends ``0`` and ``1``, and between them each crossing's interval."""
        lo = [Fraction(0), *(c.lo for c in self.crossings), Fraction(1)]
        hi = [Fraction(0), *(c.hi for c in self.crossings), Fraction(1)]
        return np.array(lo, dtype=object), np.array(hi, dtype=object)

    @property
    def starts_on_boundary(self) -> bool:
        return bool(self.starts_on)

    @property
    def ends_on_boundary(self) -> bool:
        return bool(self.ends_on)

    def _measured(self, name: str) -> np.ndarray:
        if not self.certified:
            raise UndecidedError(
                f"{name}: {len(self.unresolved)} unresolved and {len(self.ambiguous)} ambiguous "
                "boxes; see .unresolved and .ambiguous (a smaller min_width may resolve them)"
            )
        return self.patterns

    @property
    def chi(self) -> Fraction:
        """The space folding measure of the certified pattern sequence."""
        return Fraction(folding.chi(self._measured("chi")))

    @property
    def r1(self) -> int:
        return folding.r1(self._measured("r1"))

    @property
    def r2(self) -> int:
        return folding.r2(self._measured("r2"))

    @property
    def L(self) -> int:
        return self.r2

    @property
    def D(self) -> int:
        return folding.D(self._measured("D"))

    @property
    def interaction(self) -> list[Fraction]:
        return folding.interaction(self._measured("interaction"))

    @property
    def n_regions(self) -> int:
        return len(self.patterns)

    @property
    def n_pieces(self) -> int:
        return len(self.patterns)

    @property
    def n_bits(self) -> int:
        return int(self.net.n_bits)

    def bitstrings(self) -> list[str]:
        """The patterns as strings of 0/1.

        Returns
        -------
        list of str
        """
        return ["".join("1" if b else "0" for b in row) for row in self.patterns]

    def reversed(self) -> SmoothPath:
        """The same path walked from ``x2`` to ``x1`` (``t ↦ 1 − t``).

        Returns
        -------
        SmoothPath
        """

        def flip(boxes: list[tuple[Fraction, Fraction, tuple[int, ...]]]) -> list:
            return [(1 - hi, 1 - lo, bits) for lo, hi, bits in reversed(boxes)]

        return SmoothPath(
            self.x2,
            self.x1,
            [Crossing(1 - c.hi, 1 - c.lo, c.bit, not c.rising) for c in reversed(self.crossings)],
            self.patterns[::-1].copy(),
            flip(self.unresolved),
            flip(self.ambiguous),
            self.boxes,
            self.elementary,
            self.ends_on,
            self.starts_on,
            self.net,
        )


class _Enclosure:
    """Interval evaluation of every pattern unit's ``g = σ(z) − τ`` and ``g'`` along a segment."""

    def __init__(self, net: Network, x1: np.ndarray, x2: np.ndarray, elementary: str) -> None:
        self.net, self.elementary = net, elementary
        self.x1 = x1[:, None]
        diff = x2 - x1
        # x2 − x1 rounded: enclose the true difference
        self.d_lo, self.d_hi = down(diff)[:, None], up(diff)[:, None]
        self.layers = [(w, np.abs(w), b) for w, b in net.float_layers]
        tau, tau_f = net.threshold, float(net.threshold)
        exact_tau = Fraction(tau_f) == tau
        self.tau_lo = tau_f if exact_tau else float(down(tau_f))
        self.tau_hi = tau_f if exact_tau else float(up(tau_f))
        self.cols = net.pattern_columns
        # units whose bit is decided by the sign of z itself (module docstring)
        self.by_sign = [_sign_rule(act, tau) for act in net.activations]
        self.x2 = x2
        self._points: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        self._bits: dict[float, np.ndarray] = {}
        self._exact: dict[Fraction, tuple[np.ndarray, np.ndarray]] = {}

    def _run(
        self, a: float, b: float, derivative: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        net = self.net
        t_lo, t_hi = np.array([[a]]), np.array([[b]])
        p_lo, p_hi = imul(t_lo, t_hi, self.d_lo, self.d_hi)
        x_lo, x_hi = down(self.x1 + p_lo), up(self.x1 + p_hi)
        dx_lo, dx_hi = self.d_lo, self.d_hi
        g_lo, g_hi, gd_lo, gd_hi = [], [], [], []
        dz_all: list[tuple[np.ndarray, np.ndarray]] = []
        n_layers = net.depth + (1 if net.include_output else 0)
        for i in range(n_layers):
            w, w_abs, bias = self.layers[i]
            z_lo, z_hi = matvec(w, w_abs, bias, x_lo, x_hi)
            if derivative:
                dz_lo, dz_hi = matvec(w, w_abs, None, dx_lo, dx_hi)
            if i < net.depth:
                act, lin = net.activations[i], net.linear_units[i][:, None]
                h_lo, h_hi = act_hull(act, False, z_lo, z_hi, self.elementary)
                h_lo, h_hi = np.where(lin, z_lo, h_lo), np.where(lin, z_hi, h_hi)
                if derivative:
                    s_lo, s_hi = act_hull(act, True, z_lo, z_hi, self.elementary)
                    dh_lo, dh_hi = imul(s_lo, s_hi, dz_lo, dz_hi)
                    dh_lo, dh_hi = np.where(lin, dz_lo, dh_lo), np.where(lin, dz_hi, dh_hi)
            else:
                h_lo, h_hi = z_lo, z_hi
                if derivative:
                    dh_lo, dh_hi = dz_lo, dz_hi
            glo, ghi = sub(h_lo, self.tau_hi)[0], sub(h_hi, self.tau_lo)[1]
            rule = self.by_sign[i] if i < net.depth else None
            if rule == "sign":  # bit = [z > 0]: g = z carries the same sign and crossings
                glo, ghi = np.where(lin, glo, z_lo), np.where(lin, ghi, z_hi)
            elif rule == "on":  # bit 1 everywhere (sigmoid at τ = 0): a constant g = 1
                glo, ghi = np.where(lin, glo, 1.0), np.where(lin, ghi, 1.0)
            g_lo.append(glo)
            g_hi.append(ghi)
            if derivative:
                gdl, gdh = dh_lo, dh_hi  # g's derivative; dh itself feeds the next layer
                if rule == "sign":
                    gdl, gdh = np.where(lin, dh_lo, dz_lo), np.where(lin, dh_hi, dz_hi)
                elif rule == "on":
                    gdl, gdh = np.where(lin, dh_lo, 0.0), np.where(lin, dh_hi, 0.0)
                gd_lo.append(gdl)
                gd_hi.append(gdh)
                dz_all.append((dz_lo, dz_hi))
                dx_lo, dx_hi = dh_lo, dh_hi
            x_lo, x_hi = h_lo, h_hi
        pick = self.cols
        lo, hi = np.concatenate(g_lo)[pick, 0], np.concatenate(g_hi)[pick, 0]
        if not derivative:
            return lo, hi, None, None
        self.dz_lo = np.concatenate([d[0] for d in dz_all])[pick, 0]
        self.dz_hi = np.concatenate([d[1] for d in dz_all])[pick, 0]
        return lo, hi, np.concatenate(gd_lo)[pick, 0], np.concatenate(gd_hi)[pick, 0]

    def point(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        if t not in self._points:
            lo, hi, _, _ = self._run(t, t, False)
            self._points[t] = (lo, hi)
        return self._points[t]

    def bits(self, t: float) -> np.ndarray:
        """The bits at ``t`` (−1 where unknown); exact arithmetic where floats cannot tell."""
        if t not in self._bits:
            out = _bit(*self.point(t))
            if (out < 0).any():
                out = np.where(out < 0, self._exact_bits(Fraction(t))[0], out)
            self._bits[t] = out
        return self._bits[t]

    def on_boundary(self, t: float) -> np.ndarray:
        """The bits whose ``g`` is exactly 0 at ``t`` (known only where ``g(t)`` is rational)."""
        return self._exact_bits(Fraction(t))[1]

    def _exact_bits(self, t: Fraction) -> tuple[np.ndarray, np.ndarray]:
        if t not in self._exact:
            self._exact[t] = self._exact_bits_uncached(t)
        return self._exact[t]

    def _exact_bits_uncached(self, t: Fraction) -> tuple[np.ndarray, np.ndarray]:
        """Bits at ``t`` from rational arithmetic wherever a value is rational.

        Affine maps of rationals are rational, piecewise-linear activations keep
        them rational, and smooth ones do at 0 (``σ(0)`` is 0 or 1/2); every other
        value is an interval with rational ends. So a start exactly on a
        boundary — ``x1 = 0`` with zero biases, say — gets its exact bit.
        """
        net = self.net
        x: list[Any] = [
            Fraction(float(a)) + t * (Fraction(float(b)) - Fraction(float(a)))
            for a, b in zip(self.x1[:, 0], self.x2)
        ]
        tau = net.threshold
        bits: list[int] = []
        zero: list[bool] = []
        n_layers = net.depth + (1 if net.include_output else 0)
        for i, (w, b) in enumerate(net.exact_weights[:n_layers]):
            z = [_exact_affine(row, bias, x) for row, bias in zip(w, b)]
            act = net.activations[i] if i < net.depth else None
            linear = net.linear_units[i] if i < net.depth else np.ones(len(z), dtype=bool)
            x = [
                zj if linear[j] else _exact_act(act, zj, self.elementary) for j, zj in enumerate(z)
            ]
            rule = self.by_sign[i] if i < net.depth else None
            for j, v in enumerate(x):
                if rule is not None and not linear[j]:
                    v = Fraction(1) if rule == "on" else z[j]  # decided by z's sign alone
                    tau_j = Fraction(0)
                    if isinstance(v, Fraction):
                        bits.append(int(v > tau_j))
                        zero.append(v == tau_j and rule == "sign")
                    else:
                        bits.append(1 if v[0] > 0 else 0 if v[1] <= 0 else -1)
                        zero.append(False)
                    continue
                if isinstance(v, Fraction):
                    bits.append(int(v > tau))
                    zero.append(v == tau and _at_level(act, z[j], tau, bool(linear[j])))
                else:
                    bits.append(1 if v[0] > tau else 0 if v[1] <= tau else -1)
                    zero.append(False)
        return np.array(bits)[self.cols], np.array(zero, dtype=bool)[self.cols]

    def box(self, a: float, b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        lo, hi, d_lo, d_hi = self._run(a, b, True)
        assert d_lo is not None and d_hi is not None
        m = 0.5 * (a + b)
        m_lo, m_hi = self.point(m)
        # mean-value form: g(m) + g'([a, b]) · ([a, b] − m)
        s_lo, s_hi = imul(d_lo, d_hi, down(a - m), up(b - m))
        lo = np.maximum(lo, down(m_lo + s_lo))
        hi = np.minimum(hi, up(m_hi + s_hi))
        return lo, hi, d_lo, d_hi


def _at_level(act: Any, z: Any, tau: Fraction, linear: bool) -> bool:
    """Whether a rational pre-activation sits exactly where the bit's boundary is.

    That is a level or kink value of a piecewise-linear σ (not a point inside a
    flat piece, such as ReLU's ``z < 0``), or 0 for a smooth σ with ``σ(0) = τ``.
    """
    if not isinstance(z, Fraction):
        return False
    if act is None or linear:
        return z == tau
    if act.smooth:
        return z == 0
    return z in act.critical(tau)


def _sign_rule(act: Any, tau: Fraction) -> str | None:
    """How a unit's bit follows from ``z`` alone, at threshold ``τ = 0``.

    tanh, GELU (``z Φ(z)``) and SiLU (``z · sigmoid(z)``) are positive exactly for
    ``z > 0`` and 0 at 0, so ``[σ(z) > 0] = [z > 0]`` (``"sign"``): the bit, and
    where it changes, are decided on ``z``'s enclosure, which stays far from 0
    where ``σ`` saturates towards 0 and its own enclosure cannot leave it. A
    sigmoid is positive everywhere (``"on"``). ``None``: evaluate ``σ``.
    """
    if tau != 0 or not act.smooth:
        return None
    if act.name in ("tanh", "gelu", "silu"):
        return "sign"
    return "on" if act.name == "sigmoid" else None


def _exact_affine(row: np.ndarray, bias: Fraction, x: list[Any]) -> Any:
    """``row · x + bias`` with ``x`` rational or ``(lo, hi)`` rational bounds."""
    lo = hi = bias
    exact = True
    for w, v in zip(row, x):
        if isinstance(v, Fraction):
            lo, hi = lo + w * v, hi + w * v
        else:
            exact = False
            a, b = w * v[0], w * v[1]
            lo, hi = lo + min(a, b), hi + max(a, b)
    return lo if exact else (lo, hi)


_SIGMA_AT_ZERO = {
    "tanh": Fraction(0),
    "sigmoid": Fraction(1, 2),
    "gelu": Fraction(0),
    "silu": Fraction(0),
}


def _exact_act(act: Any, z: Any, elementary: str) -> Any:
    if isinstance(z, Fraction):
        if not act.smooth:
            return to_fraction(act(np.array([as_fmpq(z, "z")], dtype=object))[0])
        if z == 0:
            return _SIGMA_AT_ZERO[act.name]
        zl = zh = np.array([float(z)])
        zl, zh = down(zl), up(zh)
    else:
        zl, zh = down(np.array([float(z[0])])), up(np.array([float(z[1])]))
    lo, hi = act_hull(act, False, zl, zh, elementary)
    return (Fraction(float(lo[0])), Fraction(float(hi[0])))


def _bit(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The bit ``g > 0`` where certain: 1, 0, or −1 where the enclosure cannot tell."""
    return np.where(lo > 0, 1, np.where(hi <= 0, 0, -1))


def smooth_walk(
    net: Network,
    x1: Any,
    x2: Any,
    *,
    width: float = 2.0**-20,
    min_width: float = 2.0**-30,
    max_boxes: int = 20_000,
    elementary: str = "arb",
) -> SmoothPath:
    """Certified enclosures of every threshold crossing along ``[x1, x2]``.

    Works for every activation polyfold knows — tanh, sigmoid, GELU, SiLU and
    the piecewise-linear ones (for which :func:`~polyfold.walks.walk` is exact and
    faster). The module docstring gives the method and its guarantees.

    Parameters
    ----------
    net
        The network.
    x1, x2
        The segment's end points.
    width
        Each crossing's enclosure is narrowed to this width in ``t`` (where
        the bit at the bisection points can be certified).
    min_width
        Boxes still undecided this narrow are reported, not guessed.
    max_boxes
        A budget of boxes; what is left when it runs out is reported unresolved.
    elementary
        ``"arb"`` (default: Arb balls, rigorous) or ``"float"`` (numpy/scipy
        widened by ``2**-40``: faster, certified under an accuracy assumption).

    Returns
    -------
    SmoothPath
        The crossings, the patterns between them, and what was left
        ``unresolved`` or ``ambiguous``; ``certified`` when nothing was.

    Raises
    ------
    InvalidInputError
        For bad widths or budgets, points of the wrong size, or an unknown
        ``elementary``.

    References
    ----------
    F. Johansson, *Arb: efficient arbitrary-precision midpoint-radius interval
    arithmetic*, IEEE Trans. Computers 66(8), 2017, doi:10.1109/TC.2017.2690633;
    M. Lewandowski et al., *The Space Between: On Folding, Symmetries and
    Sampling*, arXiv:2503.08502 (the measure beyond ReLU).

    Examples
    --------
    >>> import polyfold as pf
    >>> net = pf.Network.from_layers(
    ...     [([[1], [-1]], ["-1/2", "1/4"]), ([[1, 1]], [0])], activation="tanh")
    >>> path = smooth_walk(net, [0.0], [1.0])
    >>> path.patterns.astype(int).tolist()
    [[0, 1], [0, 0], [1, 0]]
    >>> quarter, half = Fraction(1, 4), Fraction(1, 2)
    >>> [(c.bit, c.lo <= v <= c.hi) for c, v in zip(path.crossings, (quarter, half))]
    [(1, True), (0, True)]
    >>> path.certified, path.chi
    (True, Fraction(0, 1))
    """
    if not isinstance(net, Network):
        raise InvalidInputError(f"net: expected a polyfold Network, got {type(net).__name__}")
    if elementary not in ("arb", "float"):
        raise InvalidInputError(f"elementary: expected 'arb' or 'float', got {elementary!r}")
    min_width = check_between(min_width, "min_width", 0, 1)
    width = check_between(width, "width", 0, 1, high_closed=True)
    max_boxes = check_count(max_boxes, "max_boxes")
    p1 = as_points(x1, "x1", net.n_inputs, False)
    p2 = as_points(x2, "x2", net.n_inputs, False)
    if p1.ndim != 1 or p2.ndim != 1:
        raise InvalidInputError("x1, x2: expected one point each (shape (d,))")
    enc = _Enclosure(net, p1, p2, elementary)
    n = net.n_bits
    # per bit: (a, b, kind, value) decisions, kind "const" (value = bit) or "cross" (rising)
    decided: list[list[tuple[float, float, str, bool]]] = [[] for _ in range(n)]
    crossings: list[tuple[float, float, int, bool]] = []
    unresolved: list[tuple[float, float, tuple[int, ...]]] = []
    ambiguous: list[tuple[float, float, tuple[int, ...]]] = []
    boundary: dict[float, set[int]] = {0.0: set(), 1.0: set()}
    stack = [(0.0, 1.0, np.ones(n, dtype=bool))]
    boxes = 0
    while stack:
        a, b, watch = stack.pop()
        boxes += 1
        if boxes > max_boxes:
            unresolved.append((a, b, tuple(int(j) for j in np.flatnonzero(watch))))
            continue
        lo, hi, d_lo, d_hi = enc.box(a, b)
        const = watch & ((lo > 0) | (hi <= 0))
        for j in np.flatnonzero(const):
            decided[j].append((a, b, "const", bool(lo[j] > 0)))
        watch = watch & ~const
        if not watch.any():
            continue
        # on a box where g is monotone (even weakly), {g > 0} is an interval reaching an
        # end, so the bits at the two ends tell whether the bit changes, and it does so once
        monotone = (d_lo >= 0) | (d_hi <= 0)
        ba, bb = enc.bits(a), enc.bits(b)
        known = watch & monotone & (ba >= 0) & (bb >= 0)
        same = known & (ba == bb)
        for j in np.flatnonzero(same):
            decided[j].append((a, b, "const", bool(ba[j])))
        crossing = known & (ba != bb)
        # a bit whose pre-activation sits exactly on its boundary at t = 0 (or 1) and is
        # strictly monotone changes exactly there: the path starts (ends) on that boundary
        # and the open piece keeps one bit
        strict = (enc.dz_lo > 0) | (enc.dz_hi < 0)
        for end, inner, flag in ((a, bb, a == 0.0), (b, ba, b == 1.0)):
            if flag and (crossing & strict).any():
                at_end = crossing & strict & enc.on_boundary(end)
                for j in np.flatnonzero(at_end):
                    decided[j].append((a, b, "const", bool(inner[j])))
                    boundary[end].add(int(j))
                crossing = crossing & ~at_end
        open_units = watch & ~known
        # g and g' both within 2^-36 of 0 on the whole box: g is (nearly) identically τ,
        # which bisection cannot settle; report the unit here and go on with the others
        flat = open_units & (hi - lo <= _FLAT) & (d_hi - d_lo <= _FLAT)
        if flat.any():
            unresolved.append((a, b, tuple(int(j) for j in np.flatnonzero(flat))))
            open_units = open_units & ~flat
        if not open_units.any() and crossing.sum() <= 1:
            for j in np.flatnonzero(crossing):
                decided[j].append((a, b, "cross", bool(bb[j])))
                lo_t, hi_t = _narrow(enc, a, b, int(j), bool(ba[j]), width)
                crossings.append((lo_t, hi_t, int(j), bool(bb[j])))
            continue
        keep = open_units | crossing
        if b - a < min_width:
            units = tuple(int(j) for j in np.flatnonzero(keep))
            (unresolved if open_units.any() else ambiguous).append((a, b, units))
            continue
        m = _split_point(enc, a, b, keep)
        stack.append((m, b, keep))
        stack.append((a, m, keep))
    certified = not unresolved and not ambiguous
    patterns = _patterns(decided, crossings, n) if certified else np.zeros((0, n), dtype=bool)
    return SmoothPath(
        x1=p1,
        x2=p2,
        crossings=[Crossing(Fraction(a), Fraction(b), j, r) for a, b, j, r in crossings],
        patterns=patterns,
        unresolved=[(Fraction(a), Fraction(b), u) for a, b, u in unresolved],
        ambiguous=[(Fraction(a), Fraction(b), u) for a, b, u in ambiguous],
        boxes=boxes,
        elementary=elementary,
        starts_on=tuple(sorted(boundary[0.0])),
        ends_on=tuple(sorted(boundary[1.0])),
        net=net,
    )


def _narrow(enc: _Enclosure, a: float, b: float, j: int, start: bool, width: float) -> tuple:
    """Shrink a certified crossing of bit ``j`` (monotone on ``[a, b]``) by bisection."""
    while b - a > width:
        m = 0.5 * (a + b)
        if not a < m < b:
            break
        bit = enc.bits(m)[j]
        if bit < 0:
            break
        if bool(bit) == start:
            a = m
        else:
            b = m
    return a, b


def _split_point(enc: _Enclosure, a: float, b: float, units: np.ndarray) -> float:
    """The midpoint, or a point near it where every unit in play has a certain bit.

    A crossing exactly at a dyadic midpoint would otherwise sit on a box
    boundary for ever; a nudged split puts it inside a box.
    """
    w = b - a
    for frac in (0.5, 0.5 + 1 / 7, 0.5 - 1 / 9, 0.5 + 1 / 5, 0.5 - 1 / 4):
        m = a + frac * w
        if not a < m < b:
            continue
        if np.all(enc.bits(m)[units] >= 0):
            return m
    return a + 0.5 * w


def _patterns(
    decided: list[list[tuple[float, float, str, bool]]],
    crossings: list[tuple[float, float, int, bool]],
    n: int,
) -> np.ndarray:
    """The pattern before the first crossing, then after each one (in order of ``t``)."""
    start = np.zeros(n, dtype=bool)
    for j in range(n):
        first = min(decided[j], key=lambda d: d[0])
        start[j] = first[3] if first[2] == "const" else not first[3]
    crossings.sort(key=lambda c: c[0])
    rows = [start]
    for _, _, j, rising in crossings:
        row = rows[-1].copy()
        if row[j] == rising:  # pragma: no cover - guarded by the sign tests
            raise AssertionError("inconsistent crossing")
        row[j] = rising
        rows.append(row)
    return np.array(rows, dtype=bool)


def _smooth_batch(net: Network, a: np.ndarray, b: np.ndarray, options: dict[str, Any]) -> list:
    return [smooth_walk(net, u, v, **options) for u, v in zip(a, b)]


def smooth_walk_many(
    net: Network, x1: Any, x2: Any, *, executor: Any = None, chunk: int = 16, **options: Any
) -> list[SmoothPath]:
    """:func:`smooth_walk` of every segment ``x1[i] → x2[i]``, in order.

    Parameters
    ----------
    net
        The network.
    x1, x2
        Arrays ``(m, net.n_inputs)``.
    executor
        A ``concurrent.futures.Executor`` or ``distributed.Client``: batches of
        ``chunk`` segments run there (the network reaches each worker once).
    chunk
        Segments per task.
    **options
        Passed to :func:`smooth_walk` (``width``, ``min_width``, ``max_boxes``,
        ``elementary``).

    Returns
    -------
    list of SmoothPath
        One per segment, each exactly what :func:`smooth_walk` returns.

    Examples
    --------
    >>> net = Network.from_layers([([[1]], ["-1/2"]), ([[1]], [0])], activation="tanh")
    >>> [p.n_pieces for p in smooth_walk_many(net, [[0.0], [0.6]], [[1.0], [0.9]])]
    [2, 1]
    """
    from ._parallel import collect, submit_all

    p1 = as_points(x1, "x1", net.n_inputs, False)
    p2 = as_points(x2, "x2", net.n_inputs, False)
    if p1.ndim != 2 or p1.shape != p2.shape:
        raise InvalidInputError(
            f"x1, x2: expected two arrays of the same shape (m, {net.n_inputs})"
        )
    chunk = check_count(chunk, "chunk")
    batches = [(p1[k : k + chunk], p2[k : k + chunk], options) for k in range(0, len(p1), chunk)]
    if executor is None:
        return [p for a, b, o in batches for p in _smooth_batch(net, a, b, o)]
    out: list[SmoothPath] = []
    collect(submit_all(executor, _smooth_batch, (net,), batches), out.extend, None)
    return out
