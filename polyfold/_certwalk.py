r"""Certified walks: the float walk with every decision proven, exact work only where needed.

The walk (:mod:`polyfold.walks`) goes layer by layer over a ragged array of
knots. Every answer it gives is decided by a handful of kinds of decision:

1. the position of ``z_j`` relative to each critical value ``c`` of ``σ`` at
   every knot (strictly below, exactly at, strictly above);
2. that a crossing exists strictly inside an interval (opposite strict
   positions at its two knots; ``z_j`` is affine there);
3. the order of the crossings found inside one interval, and which of them
   coincide.

Everything else follows from these: the knots, each unit's cell of ``σ`` on
each interval (hence the bits, flat stretches and touches), and the pieces.

Here the float64 walk runs with a rigorous bound on its error. At a knot
``k`` of layer ``l`` the float value ``z̃`` and the exact pre-activation ``Z``
at the *exact* knot satisfy ``|z̃ − Z| ≤ r`` with

- a layer product ``z = W h + b``: ``r ≤ Σ_i |W_ji| (γ_n max|h̃| + max e_h)
  + u|z̃|`` (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd
  ed., SIAM 2002, §3.1: ``γ_n = nu/(1 − nu)`` holds for any summation order,
  with or without FMA), plus the rounding of weights that are not float64;
- ``h = σ(z)``: ``e_h ≤ |σ'| r`` on the proven cell (both neighbours' slopes
  at a critical value), plus the rounding of a leaky slope;
- a new knot ``z* = z_a + α (z_b − z_a)``: ``α`` is enclosed from the two end
  values of the crossing unit and their radii (``α = A/(A+B)`` is monotone in
  ``A = |z_a − c|`` and ``B = |z_b − c|``); then ``r* ≤ max(r_a, r_b) + Δα
  (|z̃_b − z̃_a| + r_a + r_b)`` plus three roundings, and the crossing unit
  itself is exactly at ``c``;
- knot parameters are carried as enclosures ``[lo, hi]`` computed with
  outward rounding from the enclosures of ``α`` and of the interval's ends.

A position is proven when ``|z̃ − c| > r + |c̃ − c|``. Two crossings in one
interval are proven distinct and ordered when their enclosures are disjoint.
A decision the bounds cannot settle is **repaired**: the knot (or all
crossings of the interval) is recomputed in exact rational arithmetic — its
exact parameter from the exact affine map of the piece it lies on (the cells
of the layers below are proven by then), and the exact pre-activations there.
An exact knot stays exact in every later layer. So every decision is proven,
the knots, cells, bits, flat stretches and touches are those of the
all-rational walk, and the paths are identical to its paths.

Exact breakpoints are not needed for χ or any measure of the patterns; they
are computed when first asked for (:attr:`polyfold.Path.breakpoints`), each as
the root ``t = (c − P_j)/Q_j`` of the crossing unit's exact affine function
``P + tQ`` on its piece, and they lie in the enclosures ``Path.bounds``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
from flint import fmpq

from ._arith import ExactBackend, to_fraction
from ._memory import check_walk, point_chunk
from ._numeric import SAFE as _SAFE
from ._numeric import TINY as _TINY
from ._numeric import U as _U
from .activations import Activation
from .path import Path, gather_layers, knot_structure

if TYPE_CHECKING:
    from .network import Network

__all__ = ["certified_batch", "certified_patterns", "supports"]

_UND = 255  # "undecided" position
_IDENTITY = Activation("identity")


@dataclass
class _LayerConst:
    """What the certificate needs of one layer, computed once per network."""

    op: Any  # the layer's affine operator: apply, forward (with radius), exact_apply
    n_out: int
    act: Activation
    crit: tuple[fmpq, ...]
    cf: np.ndarray  # criticals in float64
    dc: np.ndarray  # |cf − c|, rounded up
    bit_of: np.ndarray  # bit of each position 0..2r
    flat_of: np.ndarray  # positions that are "identically τ with bit 0"
    gabs: np.ndarray  # |σ'| bound at each position (both neighbours' at a critical value)
    lip: float  # the largest |σ'|: where the float value may lie in another cell
    relu0: bool  # ReLU with the single critical value 0 (the common case, done faster)
    cell_lo: np.ndarray  # per position: a float below which the value leaves its cell(s)
    cell_hi: np.ndarray
    serr: float  # rounding of σ relative to |z| (leaky slope)
    slope: np.ndarray  # exact slope of σ's piece per position (object, fmpq)
    icept: np.ndarray  # exact intercept per position
    linear: np.ndarray | None  # linear units (identity, no bit), or None


_CONSTS: weakref.WeakKeyDictionary[Network, list[_LayerConst]] = weakref.WeakKeyDictionary()


def certified_patterns(
    net: Network,
    points: np.ndarray,
    radius: np.ndarray,
    exact_points: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Proven bits ``σ(z) > τ`` of every unit (hidden, then output if in the pattern).

    ``points``: float64 ``(K, d)`` within ``radius[k]`` (max norm) of the exact
    points, which ``exact_points(rows)`` returns as ``fmpq`` arrays. A float
    forward pass with the walk's error bounds decides every bit it can; the
    points where some bit is unproven are evaluated exactly. The points go
    through in chunks that fit in memory (:func:`~polyfold._memory.point_chunk`).
    """
    consts = _consts(net)
    chunk = point_chunk(max(lc.n_out for lc in consts), 128)
    if len(points) > chunk:
        return np.concatenate(
            [
                _certified_chunk(
                    consts,
                    points[lo : lo + chunk],
                    np.asarray(radius)[lo : lo + chunk],
                    _shifted(exact_points, lo),
                )
                for lo in range(0, len(points), chunk)
            ]
        )
    return _certified_chunk(consts, points, radius, exact_points)


def _shifted(
    exact_points: Callable[[np.ndarray], np.ndarray], offset: int
) -> Callable[[np.ndarray], np.ndarray]:
    """``exact_points`` for the rows of a chunk that starts at ``offset``."""
    return lambda rows: exact_points(rows + offset)


def _certified_chunk(
    consts: list[_LayerConst],
    points: np.ndarray,
    radius: np.ndarray,
    exact_points: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    h = points
    rad = np.asarray(radius, dtype=np.float64)
    eh_in: np.ndarray | None = None
    if np.any(rad):
        eh_in = np.repeat(rad[:, None], points.shape[1], axis=1)
    exact_z: dict[int, np.ndarray] = {}
    bits = []
    for i, lc in enumerate(consts):
        z, r = lc.op.forward(h, eh_in)
        pos = _positions(lc, z, r)
        todo = np.any(pos == _UND, axis=1)
        todo[list(exact_z)] = True
        rows = np.flatnonzero(todo)
        if rows.size:
            fresh = [int(k) for k in rows if int(k) not in exact_z]
            if fresh:
                zz = consts[0].op.exact_apply(exact_points(np.array(fresh)))
                for layer in range(1, i + 1):
                    zz = consts[layer].op.exact_apply(_exact_h(consts[layer - 1], zz))
                exact_z.update(zip(fresh, zz))
            if i > 0:
                step = [int(k) for k in rows if int(k) not in fresh]
                if step:
                    prev = np.array([exact_z[k] for k in step], dtype=object)
                    zz = lc.op.exact_apply(_exact_h(consts[i - 1], prev))
                    exact_z.update(zip(step, zz))
            ze = np.empty((len(rows), z.shape[1]), dtype=object)
            for n, k in enumerate(rows):
                ze[n] = exact_z[int(k)]
            pos[rows] = _exact_positions(lc, ze)
            z[rows] = _float_rows(ze)
            r[rows] = 2 * _U * np.abs(z[rows]) + _TINY
        bits.append(lc.bit_of[pos])
        h, eh_in = _h_and_radius(lc, z, r, pos)
    return np.concatenate(bits, axis=1)


def supports(net: Network) -> bool:
    """Whether the certified route handles ``net`` (else the rational walk runs).

    Not handled: weights beyond float64's range, and an activation whose bit
    can be 0 on a stretch where the pre-activation is identically ``τ``
    although ``τ`` is not a critical value (hard-tanh with ``τ > 1``, where
    every bit is always 0).
    """
    if not net.floats_finite:
        return False  # weights beyond float64's range: only exact arithmetic handles them
    tau = net.threshold
    for act in {*net.activations, _IDENTITY}:
        crit = act.critical(tau)
        if tau not in crit and not _exact_sigma(act, tau) > tau:
            return False
    return True


def _exact_sigma(act: Activation, z: Fraction) -> Fraction:
    out = act(np.array([fmpq(z.numerator, z.denominator)], dtype=object))[0]
    return to_fraction(out)


def _consts(net: Network) -> list[_LayerConst]:
    if net in _CONSTS:
        return _CONSTS[net]
    out = []
    tau = net.threshold
    n_layers = net.depth + (1 if net.include_output else 0)
    for i in range(n_layers):
        op = net.operators[i]
        act = net.activations[i] if i < net.depth else _IDENTITY
        crit = act.critical(tau)
        cf = np.array([float(c) for c in crit])
        dc = np.array([0.0 if Fraction(f) == c else 2 * _U * abs(f) for f, c in zip(cf, crit)])
        n_pos = 2 * len(crit) + 1
        bit_of = np.zeros(n_pos, dtype=bool)
        flat_of = np.zeros(n_pos, dtype=bool)
        slope = np.empty(n_pos, dtype=object)
        icept = np.empty(n_pos, dtype=object)
        cell_slope: list[Fraction] = []
        for g in range(len(crit) + 1):  # open cell g lies between crit[g-1] and crit[g]
            lo = crit[g - 1] if g > 0 else (crit[0] - 2 if crit else Fraction(-1))
            hi = crit[g] if g < len(crit) else (crit[-1] + 2 if crit else Fraction(1))
            p1, p2 = lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3
            s1, s2 = _exact_sigma(act, p1), _exact_sigma(act, p2)
            s = (s2 - s1) / (p2 - p1)
            cell_slope.append(s)
            slope[2 * g] = fmpq(s.numerator, s.denominator)
            c0 = s1 - s * p1
            icept[2 * g] = fmpq(c0.numerator, c0.denominator)
            bit_of[2 * g] = s1 > tau
        for q, c in enumerate(crit):
            sig = _exact_sigma(act, c)
            bit_of[2 * q + 1] = sig > tau
            flat_of[2 * q + 1] = c == tau and not sig > tau
            slope[2 * q + 1], icept[2 * q + 1] = slope[2 * q], icept[2 * q]  # z ≡ c: either side
        gabs = np.empty(n_pos)
        for g, s in enumerate(cell_slope):
            gabs[2 * g] = float(abs(s)) * (1 + 4 * _U)
        for q in range(len(crit)):
            gabs[2 * q + 1] = max(gabs[2 * q], gabs[2 * q + 2])
        # the cells of each position, bounded by floats on the safe side of the criticals
        up = np.nextafter(cf + dc, np.inf)  # >= every c
        down = np.nextafter(cf - dc, -np.inf)  # <= every c
        cell_lo = np.full(n_pos, -np.inf)
        cell_hi = np.full(n_pos, np.inf)
        for g in range(len(crit) + 1):  # open cell g: (c_{g-1}, c_g)
            if g > 0:
                cell_lo[2 * g] = up[g - 1]
            if g < len(crit):
                cell_hi[2 * g] = down[g]
        for q in range(len(crit)):  # at c_q: the two neighbouring cells
            if q > 0:
                cell_lo[2 * q + 1] = up[q - 1]
            if q + 1 < len(crit):
                cell_hi[2 * q + 1] = down[q + 1]
        serr = 0.0
        if act.name == "leaky_relu":
            s_f = float(act.slope)
            serr = _U * abs(s_f) + (0.0 if Fraction(s_f) == act.slope else 2 * _U * abs(s_f))
        lin = net.linear_units[i] if i < net.depth else None
        out.append(
            _LayerConst(
                op=op,
                n_out=op.n_out,
                act=act,
                crit=tuple(fmpq(c.numerator, c.denominator) for c in crit),
                cf=cf,
                dc=dc,
                bit_of=bit_of,
                flat_of=flat_of,
                gabs=gabs,
                lip=float(gabs.max()),
                relu0=act.name == "relu" and len(crit) == 1 and crit[0] == 0 and dc[0] == 0,
                cell_lo=cell_lo,
                cell_hi=cell_hi,
                serr=serr,
                slope=slope,
                icept=icept,
                linear=lin if lin is not None and lin.any() else None,
            )
        )
    _CONSTS[net] = out
    return out


# -- exact helpers -------------------------------------------------------------------


def _exact_positions(lc: _LayerConst, z: np.ndarray) -> np.ndarray:
    """Positions of exact values ``z`` (object array) relative to the critical values."""
    g = np.zeros(z.shape, dtype=np.int16)
    at = np.zeros(z.shape, dtype=bool)
    for c in lc.crit:
        g += np.asarray(z > c, dtype=bool)
        at |= np.asarray(z == c, dtype=bool)
    pos = (2 * g + at).astype(np.uint8)
    if lc.linear is not None:
        pos[:, lc.linear] = 0
    return pos


def _exact_h(lc: _LayerConst, z: np.ndarray) -> np.ndarray:
    h = lc.act(z)
    if lc.linear is not None:
        h[:, lc.linear] = z[:, lc.linear]
    return h


def _affine_along(
    consts: list[_LayerConst],
    x1: np.ndarray,
    d: np.ndarray,
    cells: list[np.ndarray],
    layer: int,
    first: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``P, Q`` with ``z_layer(t) = P + t Q`` on pieces with the given cells below.

    ``x1``, ``d``: ``(B, n_inputs)`` object arrays (start and direction of each
    piece's segment); ``cells[l]``: ``(B, N_l)`` positions of the layers below;
    ``first``: layer 0's ``P, Q`` when already known (they depend on the segment only).
    """
    p, q = x1, d
    for i in range(layer + 1):
        lc = consts[i]
        if i == 0 and first is not None:
            p, q = first
        else:
            p, q = lc.op.exact_apply(p), lc.op.exact_apply(q, bias=False)
        if i == layer:
            return p, q
        g, o = lc.slope[cells[i]], lc.icept[cells[i]]
        if lc.linear is not None:
            g[:, lc.linear] = fmpq(1)
            o[:, lc.linear] = fmpq(0)
        p, q = g * p + o, g * q
    raise AssertionError(layer)


class _Exact:
    """Exact knots of one batch: parameter and exact pre-activations of the last layer done."""

    def __init__(self, consts: list[_LayerConst], x1e: np.ndarray, de: np.ndarray) -> None:
        self.consts = consts
        self.x1e, self.de = x1e, de
        self.t: dict[int, fmpq] = {}
        self.z: dict[int, tuple[int, np.ndarray]] = {}
        self.count = 0
        self._first: np.ndarray | None = None  # per segment: layer 0 at t = 0, and its slope

    def first(self, segs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Layer 0's exact ``P, Q`` (``z_0(t) = P + tQ``) of the segments ``segs``."""
        if self._first is None:
            lc = self.consts[0]
            self._first = np.stack(
                [lc.op.exact_apply(self.x1e), lc.op.exact_apply(self.de, bias=False)]
            )
        return self._first[0][segs], self._first[1][segs]

    def parameters(self, segs: np.ndarray, born: np.ndarray, cells: list[np.ndarray]) -> list[fmpq]:
        """Exact parameters of knots born at one layer: ``born[:, 0]`` layer, 1 unit, 2 critical."""
        layer = int(born[0, 0])
        p, q = _affine_along(
            self.consts, self.x1e[segs], self.de[segs], cells, layer, self.first(segs)
        )
        rows = np.arange(len(segs))
        crit = self.consts[layer].crit
        return [
            (crit[int(c)] - p[r, int(j)]) / q[r, int(j)]
            for r, j, c in zip(rows, born[:, 1], born[:, 2])
        ]

    def forward(self, segs: np.ndarray, ts: list[fmpq], upto: int) -> list[np.ndarray]:
        """Exact pre-activations of layers ``0..upto`` at the points ``x(t)``."""
        tt = np.empty(len(ts), dtype=object)
        tt[:] = ts
        p, q = self.first(segs)
        zs = [p + tt[:, None] * q]
        for i in range(1, upto + 1):
            lc = self.consts[i]
            zs.append(lc.op.exact_apply(_exact_h(self.consts[i - 1], zs[-1])))
        return zs


# -- the walk ---------------------------------------------------------------------------


def _positions(lc: _LayerConst, z: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Proven positions of the exact values within ``r`` of ``z``; ``_UND`` where unproven."""
    if len(lc.crit) == 1:
        v = z - lc.cf[0] if lc.cf[0] else z
        m = r + lc.dc[0] if lc.dc[0] else r
        pos = np.full(z.shape, _UND, dtype=np.uint8)
        pos[v > m] = 2
        pos[v < -m] = 0
    else:
        g = np.zeros(z.shape, dtype=np.uint8)
        und = np.zeros(z.shape, dtype=bool)
        for q in range(len(lc.crit)):
            v = z - lc.cf[q]
            m = r + lc.dc[q]
            above, below = v > m, v < -m
            g += above
            und |= ~above & ~below
        pos = 2 * g
        pos[und] = _UND
    if lc.linear is not None:
        pos[:, lc.linear] = 0
    return pos


def _h_and_radius(
    lc: _LayerConst, z: np.ndarray, r: np.ndarray, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``h = σ(z)`` and its radius.

    The exact value lies in the proven cell(s) of ``pos``; where the float
    value provably does too (``z ± r`` inside), σ's slope there bounds the
    error, elsewhere σ's Lipschitz constant does.
    """
    if lc.relu0:  # ReLU at τ = 0: h = max(z, 0), exact 0 wherever z + r < 0
        h = np.maximum(z, 0.0)
        eh = np.where(z + r < 0, 0.0, r)
    else:
        h = lc.act(z)
        inside = (z - r > lc.cell_lo[pos]) & (z + r < lc.cell_hi[pos])
        eh = np.where(inside, lc.gabs[pos], lc.lip) * r
    if lc.serr:
        eh += lc.serr * np.abs(z)
    if lc.linear is not None:
        h[:, lc.linear] = z[:, lc.linear]
        eh[:, lc.linear] = r[:, lc.linear]
    return h, eh


def certified_batch(
    net: Network,
    p1: np.ndarray,
    p2: np.ndarray,
    exact: bool,
    corrupt: Any = None,
    bar: Any = None,
) -> list[Path] | None:
    """Walk segments ``p1[i] → p2[i]`` on the certified route.

    ``p1``, ``p2``: object arrays of ``fmpq`` (exact mode) or float64. Returns
    ``None`` if an internal consistency check fails (the caller then runs the
    rational walk).

    ``corrupt`` is a test hook, ``corrupt(stage, layer, data) -> data``, that
    damages the float walk's own decisions: ``"positions"`` (the sign of
    ``z − c`` at each knot), ``"crossings"`` (the list of intervals and units
    that cross) and ``"knots"`` (the float parameters of the new knots). Each
    is then checked against the proof, and a decision the proof refutes is
    repaired exactly. Without the hook these checks are implied: a proven
    position has the float decision's sign, the proven crossings are the
    float walk's crossings, and a float knot is clipped into its enclosure.
    """
    consts = _consts(net)
    m = p1.shape[0]
    if p1.dtype == object:  # exact end points (they may be rationals that no float64 equals)
        x1f, x2f = _float_rows(p1), _float_rows(p2)
        x1e: np.ndarray | None = p1
        x2e: np.ndarray | None = p2
    else:
        x1f, x2f = p1, p2
        x1e = x2e = None
    seg = np.repeat(np.arange(m), 2)
    tf = np.tile(np.array([0.0, 1.0]), m)
    tlo, thi = tf.copy(), tf.copy()
    kid = np.arange(2 * m)
    n_kids = 2 * m
    born = np.full((2 * m, 3), -1, dtype=np.int64)
    h = np.empty((2 * m, net.n_inputs))
    h[0::2], h[1::2] = x1f, x2f
    eh: np.ndarray | None = None  # radius of h per knot and unit (None: h is exact)
    if x1e is not None:
        for s in range(m):
            if any(Fraction(float(v)) != to_fraction(v) for v in (*p1[s], *p2[s])):
                if eh is None:
                    eh = np.zeros(h.shape)
                eh[2 * s : 2 * s + 2] = 2 * _U * np.abs(h[2 * s : 2 * s + 2])
    ex: _Exact | None = None

    def exact_store() -> _Exact:
        nonlocal ex, x1e, x2e
        if ex is None:
            if x1e is None or x2e is None:
                x1e, x2e = _to_fmpq(x1f), _to_fmpq(x2f)
            ex = _Exact(consts, x1e, x2e - x1e)
        return ex

    pos_l: list[np.ndarray] = []  # per layer: positions at that layer's knots
    ipos_l: list[np.ndarray] = []  # per layer: cells on the intervals (row = left knot)
    rows: list[np.ndarray] = []
    old: list[np.ndarray] = []

    def cells_below(knots: np.ndarray, layer: int) -> list[np.ndarray]:
        return [ipos_l[i][rows[i][knots]] for i in range(layer)]

    def repair(knots: np.ndarray, layer: int) -> np.ndarray:
        """Exact pre-activations of ``layer`` at ``knots``, which stay exact from now on."""
        store = exact_store()
        by_layer: dict[int, list[int]] = {}
        for k in knots:
            key = int(kid[k])
            if key in store.t:
                continue
            store.count += 1
            if born[k, 0] < 0:
                store.t[key] = fmpq(int(tf[k]))
            else:
                by_layer.setdefault(int(born[k, 0]), []).append(int(k))
        for b0, ks in by_layer.items():
            ka = np.array(ks)
            for k, t in zip(ks, store.parameters(seg[ka], born[ka], cells_below(ka, b0))):
                store.t[int(kid[k])] = t
        keys = [int(kid[k]) for k in knots]
        step = [n for n, key in enumerate(keys) if store.z.get(key, (-9,))[0] == layer - 1]
        scratch = [n for n, key in enumerate(keys) if store.z.get(key, (-9,))[0] < layer - 1]
        if step:
            lc_prev, lc = consts[layer - 1], consts[layer]
            zp = np.array([store.z[keys[n]][1] for n in step], dtype=object).reshape(len(step), -1)
            zs = lc.op.exact_apply(_exact_h(lc_prev, zp))
            for r, n in enumerate(step):
                store.z[keys[n]] = (layer, zs[r])
        if scratch:
            ka = knots[scratch]
            zs = store.forward(seg[ka], [store.t[keys[n]] for n in scratch], layer)[layer]
            for r, n in enumerate(scratch):
                store.z[keys[n]] = (layer, zs[r])
        out = np.empty((len(keys), consts[layer].n_out), dtype=object)
        for n, key in enumerate(keys):
            out[n] = store.z[key][1]
        return out

    n_layers = len(consts)
    for i in range(n_layers):
        lc = consts[i]
        z, r = lc.op.forward(h, eh)
        pos = _positions(lc, z, r)
        todo = np.any(pos == _UND, axis=1)
        if ex is not None:
            todo |= np.isin(kid, np.fromiter(ex.t.keys(), dtype=np.int64))
        if corrupt is not None:
            decided = corrupt("positions", i, _float_positions(lc, z))
            todo |= np.any((pos != _UND) & (pos != decided), axis=1)
        todo_k = np.flatnonzero(todo)
        if todo_k.size:
            ze = repair(todo_k, i)
            pos[todo_k] = _exact_positions(lc, ze)
            z[todo_k] = _float_rows(ze)
            r[todo_k] = 2 * _U * np.abs(z[todo_k]) + _TINY
        k_all, j_all, q_all = _crossings(lc, pos, seg)
        # the layer's knots × units arrays: z, r, positions, the new rows and their copies
        # (about 104 bytes per entry at the peak, measured on a CIFAR CNN)
        check_walk(len(tf) + len(k_all), lc.n_out, 128)
        if corrupt is not None:
            claimed = corrupt("crossings", i, (k_all, j_all, q_all))
            if not _same_crossings(claimed, (k_all, j_all, q_all)):
                exact_store().count += 1  # the float walk's list is refuted; the proven one stands
        if k_all.size:
            tn, tlo_n, thi_n, alpha, dalpha = _knot_parameters(
                lc, z, r, tf, tlo, thi, k_all, j_all, q_all
            )
            if corrupt is not None:
                tn = corrupt("knots", i, tn)
                outside = (tn < tlo_n) | (tn > thi_n)
                exact_store().count += int(outside.sum())
            tn = np.clip(tn, tlo_n, thi_n)
            born_n = np.stack([np.full(len(k_all), i), j_all, q_all], axis=1)
            order = np.lexsort((tn, k_all))
            kn, tn, tlo_n, thi_n = k_all[order], tn[order], tlo_n[order], thi_n[order]
            born_n = born_n[order]
            zn, rn = _knot_rows(
                lc, z, r, kn, born_n[:, 1], born_n[:, 2], alpha[order], dalpha[order]
            )
            clash = (kn[1:] == kn[:-1]) & ~(thi_n[:-1] < tlo_n[1:])
            bad_k = np.unique(kn[1:][clash])
            posn = _order_positions(pos, kn, born_n[:, 1], once=len(lc.crit) == 1)
            ids = np.arange(n_kids, n_kids + len(kn))
            n_kids += len(kn)
            if bad_k.size:
                # intervals where a new knot's positions or the crossings' order are unproven
                keep = ~np.isin(kn, bad_k)
                store = exact_store()
                ek, et, ez = _exact_intervals(
                    store, lc, i, bad_k, kn[~keep], born_n[~keep], seg, cells_below
                )
                eids = np.arange(n_kids, n_kids + len(ek))
                n_kids += len(ek)
                for t, zz, e in zip(et, ez, eids):
                    store.t[int(e)] = t
                    store.z[int(e)] = (i, zz)
                store.count += len(ek)
                ezf = _float_rows(ez)
                etf = np.array([float(t) for t in et])
                kn, ids = np.r_[kn[keep], ek], np.r_[ids[keep], eids]
                tn, tlo_n = np.r_[tn[keep], etf], np.r_[tlo_n[keep], np.nextafter(etf, -np.inf)]
                thi_n = np.r_[thi_n[keep], np.nextafter(etf, np.inf)]
                zn = np.concatenate([zn[keep], ezf])
                rn = np.concatenate([rn[keep], 2 * _U * np.abs(ezf) + _TINY])
                posn = np.concatenate([posn[keep], _exact_positions(lc, ez)])
                born_n = np.concatenate([born_n[keep], np.full((len(ek), 3), -2, np.int64)])
                order = _exact_order(kn, tn, ids, store)
                kn, tn, tlo_n, thi_n = kn[order], tn[order], tlo_n[order], thi_n[order]
                zn, rn, posn, born_n, ids = (
                    zn[order],
                    rn[order],
                    posn[order],
                    born_n[order],
                    ids[order],
                )
            n_old, n_new = len(tf), len(kn)
            new_at = kn + 1 + np.arange(n_new)
            old_at = np.arange(n_old) + np.searchsorted(kn, np.arange(n_old), side="left")

            parent = _spread(-np.arange(n_old) - 1, kn, old_at, new_at)
            seg, tf = _spread(seg, seg[kn], old_at, new_at), _spread(tf, tn, old_at, new_at)
            tlo, thi = _spread(tlo, tlo_n, old_at, new_at), _spread(thi, thi_n, old_at, new_at)
            kid, born = _spread(kid, ids, old_at, new_at), _spread(born, born_n, old_at, new_at)
            z, r, pos = (
                _spread(z, zn, old_at, new_at),
                _spread(r, rn, old_at, new_at),
                _spread(pos, posn, old_at, new_at),
            )
            is_old = parent < 0
            src = np.where(is_old, -parent - 1, parent)
            rows = [rr[src] for rr in rows]
            old = [o[src] & is_old for o in old]
        # no interval has a strict crossing any more: its cell follows from its two ends
        if _crossings(lc, pos, seg)[0].size:
            return None  # cannot happen by construction; be safe
        ipos = np.zeros(pos.shape, dtype=np.uint8)
        ipos[:-1] = _interval_cells(pos[:-1], pos[1:])
        pos_l.append(pos)
        ipos_l.append(ipos)
        rows.append(np.arange(len(tf)))
        old.append(np.ones(len(tf), dtype=bool))
        if bar is not None:
            bar.update(1)
        if i + 1 < n_layers:
            h, eh = _h_and_radius(lc, z, r, pos)
    # assemble as the rational walk does: interval codes 0/1/2 (2: flat at τ), point bits;
    # per knot and unit of every layer: the codes, the point bits and their copies
    check_walk(len(tf), sum(lc.n_out for lc in consts), 8)
    codes, points = [], []
    for lc, p, ip in zip(consts, pos_l, ipos_l):
        code = lc.bit_of[ip].astype(np.uint8)
        code[lc.flat_of[ip]] = 2
        pts = lc.bit_of[p]
        if lc.linear is not None:
            code[:, lc.linear] = 0
            pts[:, lc.linear] = False
        codes.append(code)
        points.append(pts)
    all_codes, all_points = gather_layers(codes, points, rows, old, net.pattern_columns)
    shared = _Shared(exact_store, kid, born, seg, tf, ipos_l, rows)
    ends = (p1, p2) if p1.dtype == object and exact else (x1f, x2f)
    return _assemble(
        seg,
        tf,
        tlo,
        thi,
        all_codes,
        all_points,
        ends,
        exact,
        shared,
        0 if ex is None else ex.count,
    )


def _spread(a: np.ndarray, b: np.ndarray, old_at: np.ndarray, new_at: np.ndarray) -> np.ndarray:
    """Old rows ``a`` and new rows ``b`` interleaved at their positions."""
    out = np.empty((len(old_at) + len(new_at), *a.shape[1:]), dtype=a.dtype)
    out[old_at], out[new_at] = a, b
    return out


def _float_positions(lc: _LayerConst, z: np.ndarray) -> np.ndarray:
    """The positions a plain float walk would decide (no radius; ties count as "at")."""
    g = np.zeros(z.shape, dtype=np.uint8)
    at = np.zeros(z.shape, dtype=bool)
    for c in lc.cf:
        g += z > c
        at |= z == c
    pos = 2 * g + at
    if lc.linear is not None:
        pos[:, lc.linear] = 0
    return pos.astype(np.uint8)


def _crossings(
    lc: _LayerConst, pos: np.ndarray, seg: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(interval, unit, critical)`` of every strict crossing between consecutive knots."""
    sa, sb = pos[:-1], pos[1:]
    if len(lc.crit) == 1:  # positions 0, 1, 2: a strict crossing is exactly {0, 2}
        k, j = np.nonzero(((sa ^ sb) == 2) & (seg[:-1] == seg[1:])[:, None])
        return k, j, np.zeros(len(k), dtype=np.int64)
    lo, hi = np.minimum(sa, sb), np.maximum(sa, sb)
    inside = (seg[:-1] == seg[1:])[:, None]
    ks, js, qs = [], [], []
    for q in range(len(lc.crit)):
        mark = 2 * q + 1
        k, j = np.nonzero((lo < mark) & (hi > mark) & inside)
        ks.append(k)
        js.append(j)
        qs.append(np.full(len(k), q, dtype=np.int64))
    return np.concatenate(ks), np.concatenate(js), np.concatenate(qs)


def _same_crossings(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    key_a = sorted(zip(*(x.tolist() for x in a)))
    key_b = sorted(zip(*(x.tolist() for x in b)))
    return key_a == key_b


def _exact_order(kn: np.ndarray, tn: np.ndarray, ids: np.ndarray, store: _Exact) -> np.ndarray:
    """Sort new knots by interval, then parameter: exactly where exact (whole intervals)."""
    keys = []
    for n in range(len(kn)):
        t = store.t.get(int(ids[n]))
        keys.append((int(kn[n]), to_fraction(t) if t is not None else Fraction(float(tn[n]))))
    return np.array(sorted(range(len(kn)), key=lambda n: keys[n]), dtype=np.intp)


def _knot_parameters(
    lc: _LayerConst,
    z: np.ndarray,
    r: np.ndarray,
    tf: np.ndarray,
    tlo: np.ndarray,
    thi: np.ndarray,
    k: np.ndarray,
    j: np.ndarray,
    q: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Float parameters of the crossings ``(k, j, q)``, their enclosures, and ``α`` with its
    uncertainty (for :func:`_knot_rows`).

    With ``A = |Z_a − c|`` and ``B = |Z_b − c|`` at the interval's exact ends,
    the crossing is at ``t* = (1 − α) t_a + α t_b`` with ``α = A/(A + B)``,
    monotone in ``A`` and ``B``: enclosing them encloses ``α`` and ``t*``.
    """
    c = lc.cf[q]
    dl, dr = z[k, j] - c, z[k + 1, j] - c
    span_z = dl - dr
    span_z[span_z == 0] = 1.0  # two ends that both round to c (values below 1e-308)
    # in [0, 1] as the bound below needs (an exact end may round onto the other side)
    alpha = np.clip(dl / span_z, 0.0, 1.0)
    t_new = tf[k] + alpha * (tf[k + 1] - tf[k])
    ea = (r[k, j] + lc.dc[q] + _U * np.abs(dl)) * _SAFE
    eb = (r[k + 1, j] + lc.dc[q] + _U * np.abs(dr)) * _SAFE
    a, b = np.abs(dl), np.abs(dr)
    den = np.maximum((a - ea) + (b + eb), _TINY)
    alo = np.where(a > ea, (a - ea) / den, 0.0)
    ahi = (a + ea) / ((a + ea) + np.maximum(b - eb, 0.0))
    alo = np.clip(alo * (1 - 8 * _U) - _TINY, 0.0, 1.0)
    ahi = np.clip(ahi * (1 + 8 * _U) + _TINY, 0.0, 1.0)
    la, lb, ua, ub = tlo[k], tlo[k + 1], thi[k], thi[k + 1]
    slack_lo = 4 * _U * (np.abs(la) + np.abs(lb)) + _TINY
    slack_hi = 4 * _U * (np.abs(ua) + np.abs(ub)) + _TINY
    t_lo = np.minimum(la + alo * (lb - la), la + ahi * (lb - la)) - slack_lo
    t_hi = np.maximum(ua + alo * (ub - ua), ua + ahi * (ub - ua)) + slack_hi
    t_lo, t_hi = np.maximum(t_lo, la), np.minimum(t_hi, ub)
    dalpha = np.maximum(alpha - alo, ahi - alpha)
    return t_new, t_lo, t_hi, alpha, dalpha


# rows of knots × units computed together in _knot_rows (a block that stays in cache)
_BLOCK_ENTRIES = 1 << 16


def _knot_rows(
    lc: _LayerConst,
    z: np.ndarray,
    r: np.ndarray,
    k: np.ndarray,
    j: np.ndarray,
    q: np.ndarray,
    alpha: np.ndarray,
    dalpha: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Values and radii at the crossings: ``(1 − α) Z_a + α Z_b`` (the layer is affine on
    the interval), the radius covering both ends' radii, ``α``'s uncertainty and the
    rounding; the crossing unit is exactly at its critical value.

    Computed a block of rows at a time, in place, so the ``knots × units`` arrays are
    written once instead of through a temporary per operation.
    """
    n, width = len(k), z.shape[1]
    zn = np.empty((n, width))
    rn = np.empty((n, width))
    step = max(1, _BLOCK_ENTRIES // max(width, 1))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        ka = k[lo:hi]
        za, zb, ra, rb = z[ka], z[ka + 1], r[ka], r[ka + 1]
        diff = np.subtract(zb, za, out=zb)  # zb is a copy (fancy indexing)
        zo, ro = zn[lo:hi], rn[lo:hi]
        np.multiply(diff, alpha[lo:hi, None], out=zo)
        zo += za
        np.abs(diff, out=diff)  # |Z_b − Z_a| from here on
        np.maximum(ra, rb, out=ro)
        ra += rb
        ra += diff
        ra *= dalpha[lo:hi, None]
        ro += ra
        diff *= 2.1 * _U
        ro += diff
        np.abs(zo, out=za)
        za *= 1.1 * _U
        ro += za
        ro *= _SAFE
        ro += _TINY
    rows = np.arange(n)
    zn[rows, j] = lc.cf[q]
    rn[rows, j] = lc.dc[q]
    return zn, rn


def _interval_cells(sa: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """The cell on an interval with end positions ``sa``, ``sb`` and no crossing inside.

    An even position (an open cell) at either end is the interval's; two odd
    ones are the same critical value (a flat stretch) or its two neighbours.
    """
    return np.where(sa & 1, np.where(sb & 1, (sa + sb) >> 1, sb), sa)


# an interval with more new knots than this gets its positions as one block (_block_positions)
_BIG_GROUP = 32


def _order_positions(
    pos: np.ndarray, kn: np.ndarray, jn: np.ndarray, once: bool = False
) -> np.ndarray:
    """Positions at new knots from the ends of their intervals and the crossings' order.

    ``kn``: each new knot's interval, sorted by interval and then parameter
    (the order is proven); ``jn``: the unit crossing there. On an interval a
    unit's ``z`` is affine: a unit without a crossing there stays in its cell,
    and one that crosses moves one position per critical value it passes,
    sitting exactly on it at its own knot. No radius is involved. ``once``:
    each unit crosses at most once per interval (a single critical value).
    """
    n = len(kn)
    out = _interval_cells(pos[kn], pos[kn + 1])
    if once and (n < 2 or not np.any(kn[1:] == kn[:-1])):  # one crossing per interval
        sa = pos[kn, jn].astype(np.int16)
        step = np.sign(pos[kn + 1, jn].astype(np.int16) - sa)
        out[np.arange(n), jn] = np.where(sa & 1, sa + step, sa) + step
        return out
    new_group = np.r_[True, kn[1:] != kn[:-1]]
    first = np.flatnonzero(new_group)
    size = np.diff(np.r_[first, n])
    for g in np.flatnonzero(size > _BIG_GROUP):
        _block_positions(out, pos, kn[first[g]], jn, first[g], first[g] + size[g])
    small = size <= _BIG_GROUP
    if not small.any():
        return out
    # in the small intervals, every pair (knot, crossing): knot before, at or after it
    group = np.cumsum(new_group) - 1
    reps = np.where(small, size, 0)[group]
    pe = np.repeat(np.arange(n), reps)
    pn = first[group][pe] + np.arange(len(pe)) - np.repeat(np.cumsum(reps) - reps, reps)
    width = pos.shape[1]
    flat = pn * width + jn[pe]
    moves = np.zeros(n * width, dtype=np.int16)
    if once:  # no unit crosses twice in an interval: the pairs' cells are distinct
        moves[flat] = 2 * (pn > pe) + (pn == pe)
        cells = flat
    else:
        np.add.at(moves, flat, 2 * (pn > pe) + (pn == pe))
        cells = np.unique(flat)
    rows, units = cells // width, cells % width
    sa = pos[kn[rows], units].astype(np.int16)
    sb = pos[kn[rows] + 1, units].astype(np.int16)
    step = np.sign(sb - sa)
    start = np.where(sa & 1, sa + step, sa)
    out.ravel()[cells] = start + step * moves[cells]
    return out


def _block_positions(
    out: np.ndarray, pos: np.ndarray, k: int, jn: np.ndarray, lo: int, hi: int
) -> None:
    """:func:`_order_positions` on the knots ``lo:hi`` of one interval ``k``, as a block.

    A unit crossing there moves ``2 C − I`` positions at a knot: ``C`` counts its
    crossings up to and including the knot, ``I`` is whether it crosses at the knot —
    a cumulative sum down the knots, ``O(knots × crossing units)`` like the output.
    """
    units, inv = np.unique(jn[lo:hi], return_inverse=True)
    at = np.zeros((hi - lo, len(units)), dtype=np.int16)
    at[np.arange(hi - lo), inv] = 1
    moves = np.cumsum(at, axis=0, dtype=np.int16)
    moves *= 2
    moves -= at
    sa = pos[k, units].astype(np.int16)
    step = np.sign(pos[k + 1, units].astype(np.int16) - sa)
    start = np.where(sa & 1, sa + step, sa)
    moves *= step
    moves += start
    out[lo:hi, units] = moves


def _exact_intervals(
    store: _Exact,
    lc: _LayerConst,
    layer: int,
    bad_k: np.ndarray,
    kn: np.ndarray,
    born: np.ndarray,
    seg: np.ndarray,
    cells_below: Any,
) -> tuple[np.ndarray, list[fmpq], np.ndarray]:
    """All crossings of the intervals ``bad_k`` exactly: parameters, merged, and values."""
    segs = seg[bad_k]
    p, q = _affine_along(
        store.consts,
        store.x1e[segs],
        store.de[segs],
        cells_below(bad_k, layer),
        layer,
        store.first(segs),
    )
    row_of = {int(k): n for n, k in enumerate(bad_k)}
    found: dict[tuple[int, Fraction], fmpq] = {}
    for k, (_, j, c) in zip(kn, born):
        n = row_of[int(k)]
        t = (lc.crit[int(c)] - p[n, int(j)]) / q[n, int(j)]
        found.setdefault((int(k), to_fraction(t)), t)
    keys = sorted(found)
    ek = np.array([k for k, _ in keys], dtype=np.intp)
    et = [found[key] for key in keys]
    ez = np.empty((len(ek), p.shape[1]), dtype=object)
    for n, (k, t) in enumerate(zip(ek, et)):
        ez[n] = p[row_of[int(k)]] + t * q[row_of[int(k)]]
    return ek, et, ez


def _float_rows(ze: np.ndarray) -> np.ndarray:
    """float64 of rationals, correctly rounded (Python's true division of integers is;
    ``Fraction`` and ints through it too)."""
    flat = [
        int(v.p) / int(v.q) if type(v) is fmpq else float(to_fraction(v))
        for v in np.asarray(ze, dtype=object).ravel()
    ]
    return np.array(flat, dtype=np.float64).reshape(np.shape(ze))


def _to_fmpq(a: np.ndarray) -> np.ndarray:
    return ExactBackend.array(a)


@dataclass
class _Shared:
    """What the lazy exact breakpoints of one batch need."""

    store: Any  # () -> _Exact
    kid: np.ndarray
    born: np.ndarray
    seg: np.ndarray
    tf: np.ndarray
    ipos: list[np.ndarray]
    rows: list[np.ndarray]

    def exact_t(self, knots: np.ndarray) -> list[Fraction]:
        store = self.store()
        out: dict[int, fmpq] = {}
        by_layer: dict[int, list[int]] = {}
        for k in knots:
            key = int(self.kid[k])
            if key in store.t:
                out[k] = store.t[key]
            elif self.born[k, 0] < 0:
                out[k] = fmpq(int(self.tf[k]))
            else:
                by_layer.setdefault(int(self.born[k, 0]), []).append(int(k))
        for layer, ks in by_layer.items():
            ka = np.array(ks)
            cells = [self.ipos[i][self.rows[i][ka]] for i in range(layer)]
            ts = store.parameters(self.seg[ka], self.born[ka], cells)
            out.update(zip(ks, ts))
        return [to_fraction(out[int(k)]) for k in knots]


def _assemble(
    seg: np.ndarray,
    tf: np.ndarray,
    tlo: np.ndarray,
    thi: np.ndarray,
    codes: np.ndarray,
    point_bits: np.ndarray,
    ends_xy: tuple[np.ndarray, np.ndarray],
    exact: bool,
    shared: _Shared,
    repaired: int,
) -> list[Path]:
    """Merge equal consecutive intervals into pieces, per segment (as the rational walk)."""
    starts, ends, interval_bits, is_break, touch, flat_rows = knot_structure(seg, codes, point_bits)
    paths = []
    for s, (a, b) in enumerate(zip(starts, ends)):
        rows = np.arange(a, b + 1)
        br = rows[is_break[a : b + 1]]
        tr = rows[touch[a : b + 1]]
        fr = rows[flat_rows[a : b + 1]]
        touch_bits = [np.flatnonzero(point_bits[r] != interval_bits[r]) for r in tr]
        flat_bits = [np.flatnonzero(codes[r] == 2) for r in fr]
        bounds = (tlo[br].copy(), thi[br].copy())
        common: dict[str, Any] = {
            "method": "certified",
            "bounds": bounds,
            "repaired": repaired if s == 0 else 0,
        }
        e1, e2 = ends_xy[0][s], ends_xy[1][s]
        patterns = interval_bits[br[:-1]]
        pts = point_bits[br]
        if not exact:
            paths.append(
                Path(
                    tf[br].copy(),
                    patterns,
                    pts,
                    False,
                    np.array(e1, dtype=np.float64),
                    np.array(e2, dtype=np.float64),
                    tuple((float(tf[r]), bits) for r, bits in zip(tr, touch_bits)),
                    tuple((float(tf[r]), float(tf[r + 1]), bits) for r, bits in zip(fr, flat_bits)),
                    **common,
                )
            )
            continue
        paths.append(
            Path(
                None,
                patterns,
                pts,
                True,
                e1,
                e2,
                resolve=_resolver(shared, br, tr, touch_bits, fr, flat_bits),
                **common,
            )
        )
    return paths


def _resolver(
    shared: _Shared,
    br: np.ndarray,
    tr: np.ndarray,
    touch_bits: list[np.ndarray],
    fr: np.ndarray,
    flat_bits: list[np.ndarray],
) -> Any:
    def resolve() -> Any:
        need = np.unique(np.r_[br, tr, fr, fr + 1]).astype(np.intp)
        ts = dict(zip(need.tolist(), shared.exact_t(need)))
        breakpoints = np.array([ts[int(r)] for r in br], dtype=object)
        touches = tuple((ts[int(r)], bits) for r, bits in zip(tr, touch_bits))
        flat = tuple((ts[int(r)], ts[int(r) + 1], bits) for r, bits in zip(fr, flat_bits))
        return breakpoints, touches, flat

    return resolve
