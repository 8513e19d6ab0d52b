"""Exact walks along segments: every linear region a segment crosses, in order.

Along ``x(t) = (1−t)·x1 + t·x2`` every pre-activation is piecewise linear in
``t``. The walk keeps, for all segments of a batch at once, a ragged array of
*knots* (parameters ``t``) on which the current layer is known, and goes layer
by layer:

1. ``z = W h + b`` at the knots (between knots ``z`` is linear, because ``h`` is);
2. every parameter where some ``z_j`` strictly crosses a kink of ``σ`` or a value
   where ``σ(z) = τ`` becomes a new knot; values there come from linear
   interpolation of ``z`` on its interval (the network is never re-run);
3. ``h = σ(z)`` is now linear between knots and each neuron's bit is constant
   on every open interval: it is 1 iff ``σ(z_L) + σ(z_R) > 2τ`` (the midpoint
   rule, exact because ``σ(z)`` is linear there).

Bits of earlier layers are constant on the intervals they were computed on, so
a new knot inherits them. At the end, consecutive intervals with equal
patterns merge into the pieces of the :class:`~polyfold.path.Path`.

Three routes run this algorithm (``method=``):

- ``"certified"`` (the default, exact and float mode): the float64 walk with a
  rigorous bound on its error; every decision is proven from the bounds or
  recomputed exactly where they cannot settle it (``polyfold._certwalk``).
  The answer is the exact walk's; in exact mode the rational breakpoints are
  computed on first access.
- ``"rational"``: all values python-flint rationals, no tolerance anywhere
  (the reference, and the fallback of the certified route).
- ``"float"``: float64 and nothing proven (``path.certified`` is False); the
  path lists, in ``undecided``, the parameters where crossings of different
  units coincide in float64 or fall within ``tol`` of each other.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from . import _certwalk
from ._arith import ExactBackend, FloatBackend, to_fraction
from ._memory import Scratch, WalkTooLarge, check_walk, walk_memory_limit
from ._parallel import collect, submit_all
from ._progress import check_progress, progress_bar
from .activations import Activation
from .errors import InvalidInputError, check_between, check_budget, check_flag
from .folding import chi
from .network import Network, as_points, has_booleans
from .operators import Dense
from .path import Path, gather_layers, join_paths, knot_structure

__all__ = ["Paths", "d_chi", "walk", "walk_many", "walk_polyline"]

_IDENTITY = Activation("identity")
# walk_many walks segments in vectorised passes of about this many knot-units
# (segments x widest layer): enough to amortise the per-layer overhead, few
# enough that the knot arrays stay in cache.
_CHUNK_UNITS = 2048
METHODS = ("certified", "rational", "float")


class Paths(list):
    """The paths of :func:`walk_many`, in order: a list, and whether it is all of them.

    ``complete`` is False when ``time_budget`` or Ctrl-C stopped the walk
    early (``interrupted`` then says which); the list holds the paths of the
    first segments, each one whole and proven.

    Attributes
    ----------
    complete : bool
        Whether every segment was walked.
    interrupted : bool
        Whether Ctrl-C (rather than ``time_budget``) stopped the walk.
    """

    complete: bool = True
    interrupted: bool = False


def walk(
    net: Network,
    x1: Any,
    x2: Any,
    *,
    exact: bool = True,
    method: str = "certified",
    tol: float = 1e-9,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> Path:
    r"""Walk the segment from ``x1`` to ``x2`` and return the regions it crosses.

    The breakpoints ``0 = t_0 < t_1 < … < t_m = 1`` are exactly the parameters
    at which the activation pattern changes; piece ``j`` is the open interval
    ``(t_j, t_{j+1})`` with pattern ``path.patterns[j]``. A bit is 1 iff the
    unit's activation output is strictly above the threshold ``τ``, so a point
    on a boundary has bit 0 there; the pattern *at* each breakpoint is
    ``path.point_patterns``.

    Parameters
    ----------
    net
        The network.
    x1, x2
        End points, each of shape ``(net.n_inputs,)``; in exact mode entries may
        be ints, ``Fraction`` or strings such as ``"1/3"`` as well as floats
        (converted exactly).
    exact
        Exact rational breakpoints (default), or float64 breakpoints.
    method
        ``"certified"`` (default): float64 with rigorous error bounds, exact
        arithmetic only where the bounds cannot decide; the patterns, point
        patterns, touches and flat stretches are proven in both modes, and
        ``path.bounds`` encloses every exact breakpoint. ``"rational"``: the
        all-rational walk (exact mode only). ``"float"``: plain float64,
        nothing proven (float mode only).
    tol
        ``method="float"`` only: events closer than ``tol`` in ``t`` are
        reported in ``path.undecided``.
    time_budget
        Seconds. The segment is then walked in 64 equal parts, one after the
        other; when the budget runs out (or on Ctrl-C) the path of the parts
        finished so far is returned, covering ``[0, j/64]``, with
        ``complete=False``. Its pieces are the exact walk's; flat stretches are
        listed per part. Without a budget the walk is one computation.
    progress
        Layers (or parts) done, on stderr; ``None`` (default): when stderr is
        an interactive terminal and the walk takes more than a second.

    Examples
    --------
    A "tent" network folds the segment ``[0, 1]``: the second layer flips on
    and off again.

    Returns
    -------
    Path
        The pieces, patterns, breakpoints (exact, or certified enclosures),
        flips, touches and degeneracies, with χ and its parts as properties.

    >>> net = Network.from_layers([
    ...     ([[1], [1]], [0, "-1/2"]),     # h1 = relu(x), h2 = relu(x - 1/2)
    ...     ([[1, -2]], ["-1/4"]),        # g = relu(h1 - 2 h2 - 1/4): a tent
    ...     ([[1]], [0]),
    ... ])
    >>> path = walk(net, [0], [1])
    >>> [str(t) for t in path.breakpoints]
    ['0', '1/4', '1/2', '3/4', '1']
    >>> path.patterns.astype(int).tolist()
    [[1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0]]
    >>> path.r1, path.r2, path.chi
    (2, 3, Fraction(1, 3))
    """
    _check_options(net, exact, method, tol)
    p1 = _points(x1, "x1", net, exact, method)
    p2 = _points(x2, "x2", net, exact, method)
    if p1.dtype != p2.dtype:
        p1, p2 = as_points(x1, "x1", net.n_inputs, True), as_points(x2, "x2", net.n_inputs, True)
    if p1.ndim != 1 or p2.ndim != 1:
        raise InvalidInputError(
            f"x1, x2: expected single points of shape ({net.n_inputs},); use walk_many for batches"
        )
    _warn_outside_domain(net, p1, p2)
    check_progress(progress)
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
        bar = progress_bar(progress, total=_PARTS, unit="parts")
        try:
            return _walk_in_parts(net, p1, p2, exact, method, tol, deadline, bar)
        finally:
            bar.close()
    bar = progress_bar(progress, total=net.depth + int(net.include_output), unit="layers")
    try:
        return _route(net, p1[None, :], p2[None, :], exact, method, tol, bar)[0]
    finally:
        bar.close()


_PARTS = 64  # a power of two, so that every part's parameters stay exact in float64


def _walk_in_parts(
    net: Network,
    p1: np.ndarray,
    p2: np.ndarray,
    exact: bool,
    method: str,
    tol: float,
    deadline: float,
    bar: Any,
) -> Path:
    """The walk as ``_PARTS`` consecutive segments, stopping between them past ``deadline``."""
    pts = _cut_points(p1, p2, _PARTS, method)
    parts: list[Path] = []
    interrupted = False
    try:
        for i in range(_PARTS):
            if parts and time.perf_counter() > deadline:
                break
            parts.extend(_route(net, pts[i : i + 1], pts[i + 1 : i + 2], exact, method, tol))
            bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        if not parts:
            raise
    joined = join_paths(parts, scale=_PARTS)
    joined.vertices = None
    if len(parts) < _PARTS:
        joined.complete, joined.interrupted = False, interrupted
    if exact and p1.dtype != object:  # the path's ends are the caller's points
        joined._x1, joined._x2 = p1, p2
    return joined


def walk_many(
    net: Network,
    x1: Any,
    x2: Any,
    *,
    exact: bool = True,
    method: str = "certified",
    tol: float = 1e-9,
    executor: Any = None,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> Paths:
    """Walk many segments ``x1[i] → x2[i]`` at once (one vectorised pass per layer).

    Parameters
    ----------
    net
        The network.
    x1, x2
        Arrays of shape ``(m, net.n_inputs)``: the segments' start and end points.
    exact, method, tol
        As for :func:`walk`: every path equals ``walk(net, x1[i], x2[i], ...)``.
    executor
        A ``concurrent.futures.Executor`` or a ``distributed.Client``: the
        vectorised batches run there (the network reaches each worker once);
        the paths are the same.
    time_budget
        Seconds; when they run out, or on Ctrl-C, the batches finished so far
        are returned.
    progress
        Report the segments walked on stderr (default: in a terminal, on long runs).

    Returns
    -------
    Paths
        A list of ``m`` :class:`~polyfold.path.Path`; ``complete`` is False when a
        budget or Ctrl-C stopped it (``interrupted`` for Ctrl-C).

    Raises
    ------
    InvalidInputError
        For arrays of another shape or of non-finite values, and for bad options.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> [p.n_pieces for p in walk_many(net, [[-1], [1], [2]], [[1], [2], [2]])]
    [2, 1, 1]
    """
    _check_options(net, exact, method, tol)
    p1 = _points(x1, "x1", net, exact, method)
    p2 = _points(x2, "x2", net, exact, method)
    if p1.dtype != p2.dtype:
        p1, p2 = as_points(x1, "x1", net.n_inputs, True), as_points(x2, "x2", net.n_inputs, True)
    if p1.ndim != 2 or p1.shape != p2.shape:
        raise InvalidInputError(
            f"x1, x2: expected two arrays of the same shape (m, {net.n_inputs}), "
            f"got {np.shape(p1)} and {np.shape(p2)}"
        )
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise InvalidInputError(
            "executor: expected a concurrent.futures.Executor or a distributed.Client, "
            f"got {type(executor).__name__}"
        )
    chunk = int(np.clip(_CHUNK_UNITS // max(net.hidden_sizes), 1, 64))
    check_progress(progress)
    deadline = None
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    starts = range(0, p1.shape[0], chunk)
    out = Paths()
    bar = progress_bar(progress, total=p1.shape[0], unit="segments")
    try:
        if executor is None:
            for s in starts:
                if deadline is not None and time.perf_counter() > deadline:
                    out.complete = False
                    break
                out.extend(_route(net, p1[s : s + chunk], p2[s : s + chunk], exact, method, tol))
                bar.update(min(chunk, p1.shape[0] - s))
            return out
        tasks = [(p1[s : s + chunk], p2[s : s + chunk], exact, method, tol) for s in starts]
        futures = submit_all(executor, _route, (net,), tasks)

        def take(batch: list[Path]) -> None:
            out.extend(batch)
            bar.update(len(batch))

        out.complete = collect(futures, take, deadline)
        return out
    except KeyboardInterrupt:
        out.complete, out.interrupted = False, True
        return out
    finally:
        bar.close()


def walk_polyline(
    net: Network,
    points: Any,
    *,
    exact: bool = True,
    method: str = "certified",
    tol: float = 1e-9,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> Path:
    """Walk the polygonal path through ``points``.

    Parameters
    ----------
    net
        The network.
    points
        Shape ``(k, net.n_inputs)``, ``k ≥ 2``: the vertices in order.
    exact, method, tol
        As for :func:`walk`.
    time_budget
        Seconds: the segments are then walked one after the other, and when the
        budget runs out (or on Ctrl-C) the path of those finished is returned.
    progress
        Report progress on stderr.

    Returns
    -------
    Path
        Segment ``i`` covers the parameters ``[i, i+1]``; pieces are joined
        across the vertices (a pattern that continues through a vertex is not
        doubled). ``complete=False`` when stopped early.

    Raises
    ------
    InvalidInputError
        For fewer than two points, points of the wrong size, or bad options.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> path = walk_polyline(net, [[-1], [1], [-1]])
    >>> path.patterns.astype(int).tolist(), [str(t) for t in path.breakpoints]
    ([[0, 1], [1, 0], [0, 1]], ['0', '1/2', '3/2', '2'])
    """
    _check_options(net, exact, method, tol)
    pts = _points(points, "points", net, exact, method)
    if pts.ndim != 2 or pts.shape[0] < 2:
        raise InvalidInputError(
            f"points: expected at least two points of shape (k, {net.n_inputs}), got {pts.shape}"
        )
    check_progress(progress)
    if time_budget is None:
        bar = progress_bar(progress, total=net.depth + int(net.include_output), unit="layers")
        try:
            return join_paths(_route(net, pts[:-1], pts[1:], exact, method, tol, bar))
        finally:
            bar.close()
    deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    pieces: list[Path] = []
    interrupted = False
    try:
        for i in range(len(pts) - 1):
            if pieces and time.perf_counter() > deadline:
                break
            pieces.extend(_route(net, pts[i : i + 1], pts[i + 1 : i + 2], exact, method, tol))
    except KeyboardInterrupt:
        interrupted = True
        if not pieces:
            raise
    joined = join_paths(pieces)
    if len(pieces) < len(pts) - 1:
        joined.complete, joined.interrupted = False, interrupted
    return joined


# -- the algorithm ----------------------------------------------------------------


def _check_options(net: Any, exact: Any, method: Any, tol: Any) -> None:
    if not isinstance(net, Network):
        raise InvalidInputError(f"net: expected a polyfold Network, got {type(net).__name__}")
    smooth = sorted({a.name for a in net.activations if a.smooth})
    if smooth:
        raise InvalidInputError(
            f"net: has {'/'.join(smooth)} units; walks are exact for piecewise-linear "
            "activations only; use polyfold.smooth_walk for certified crossing enclosures"
        )
    check_flag(exact, "exact")
    if not isinstance(method, str) or method not in METHODS:
        raise InvalidInputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if exact and method == "float":
        raise InvalidInputError(
            "method: 'float' proves nothing and gives float breakpoints; use it with exact=False"
        )
    if not exact and method == "rational":
        raise InvalidInputError(
            "method: 'rational' gives exact breakpoints; use it with exact=True"
        )
    tol = check_between(tol, "tol", 0, 1, low_closed=True)


def _warn_outside_domain(net: Network, *points: np.ndarray) -> None:
    """Imported .nnet models clip their inputs: say so when a walk leaves the clipping box."""
    prov = net.provenance
    if not prov or prov.get("format") != "nnet" or "domain" not in prov:
        return
    lo, hi = (np.array([float(v) for v in bound]) for bound in prov["domain"])
    for p in points:
        f = np.array([[float(to_fraction(v)) for v in row] for row in np.atleast_2d(p)])
        if np.any(f < lo) or np.any(f > hi):
            warnings.warn(
                f"the .nnet model {prov.get('source', '')!r} clips its inputs to the box "
                f"{lo.tolist()} .. {hi.tolist()}; this walk leaves that box, where the "
                "network (affine on the clipped inputs) differs from the model",
                stacklevel=3,
            )
            return


def _points(x: Any, name: str, net: Network, exact: bool, method: str) -> np.ndarray:
    """End points: float64 where that is exact and the route starts in floats, else rationals."""
    if exact and method == "certified" and not (isinstance(x, (list, tuple)) and has_booleans(x)):
        try:
            arr = np.asarray(x) if isinstance(x, (np.ndarray, list, tuple)) else None
        except ValueError:
            arr = None  # ragged: as_points says what is wrong
        if arr is not None and arr.dtype.kind in "fiu" and arr.dtype.itemsize <= 8:
            ok = arr.dtype.kind == "f" or bool(np.all(np.abs(arr) <= 2**53))
            if ok:
                return as_points(arr, name, net.n_inputs, False)
    return as_points(x, name, net.n_inputs, exact)


def _route(
    net: Network,
    p1: np.ndarray,
    p2: np.ndarray,
    exact: bool,
    method: str,
    tol: float,
    bar: Any = None,
) -> list[Path]:
    """One batch on the chosen route, each segment walked in parts where the whole would
    not fit in memory (:mod:`polyfold._memory`): the parts' paths join into the same path."""
    try:
        return _route_batch(net, p1, p2, exact, method, tol, bar)
    except WalkTooLarge as too_big:
        if p1.shape[0] > 1:
            return [
                path
                for s in range(p1.shape[0])
                for path in _route(net, p1[s : s + 1], p2[s : s + 1], exact, method, tol)
            ]
        return [_walk_fitting(net, p1[0], p2[0], exact, method, tol, too_big)]


# a segment is cut into at most this many parts to fit in memory
_MAX_PARTS = 2**20


def _walk_fitting(
    net: Network,
    p1: np.ndarray,
    p2: np.ndarray,
    exact: bool,
    method: str,
    tol: float,
    too_big: WalkTooLarge,
) -> Path:
    """The walk of one segment as ``2^k`` consecutive parts, ``k`` as small as fits."""

    def more(err: WalkTooLarge) -> int:  # doublings that should bring it under the limit
        return max(1, int(np.ceil(np.log2(err.needed / max(walk_memory_limit(), 1)))))

    n = 2 ** more(too_big)
    while True:
        if n > _MAX_PARTS or too_big.knots <= 2:  # a part's two ends alone are too many
            raise InvalidInputError(
                f"net: walked in {n:,} parts, a part of this segment still needs more than "
                f"{walk_memory_limit():,} bytes ({too_big}); the layers are too wide to walk "
                "on this machine"
            )
        pts = _cut_points(p1, p2, n, method)
        try:
            parts = [
                path
                for i in range(n)
                for path in _route_batch(
                    net, pts[i : i + 1], pts[i + 1 : i + 2], exact, method, tol
                )
            ]
        except WalkTooLarge as again:
            too_big, n = again, n * 2 ** more(again)
            continue
        joined = join_paths(parts, scale=n)
        joined.vertices = None
        if exact and p1.dtype != object:  # the path's ends are the caller's points
            joined._x1, joined._x2 = p1, p2
        return joined


def _cut_points(p1: np.ndarray, p2: np.ndarray, n: int, method: str) -> np.ndarray:
    """The points ``p1 + (i/n)(p2 − p1)``, ``i = 0..n`` (``n`` a power of two): exact on
    the proven routes, and exact in float64 parameters on the float route."""
    if method == "float":
        ts = np.arange(n + 1) / n
        return p1[None, :] + ts[:, None] * (p2 - p1)[None, :]
    e1 = p1 if p1.dtype == object else ExactBackend.array(p1)
    e2 = p2 if p2.dtype == object else ExactBackend.array(p2)
    return np.array(
        [e1 + ExactBackend.scalar(Fraction(i, n)) * (e2 - e1) for i in range(n + 1)],
        dtype=object,
    )


def _route_batch(
    net: Network,
    p1: np.ndarray,
    p2: np.ndarray,
    exact: bool,
    method: str,
    tol: float,
    bar: Any = None,
) -> list[Path]:
    """One batch on the chosen route; the certified route falls back to the rational walk."""
    if method == "float":
        if not net.floats_finite:
            raise InvalidInputError(
                "net: has weights beyond float64's range; method='float' cannot walk it "
                "(use the default certified route, which walks it exactly)"
            )
        return _walk_batch(net, p1, p2, False, tol, bar)
    if method == "certified" and _certwalk.supports(net):
        paths = _certwalk.certified_batch(net, p1, p2, exact, bar=bar)
        if paths is not None:
            return paths
    if p1.dtype != object:  # float64 end points, exactly
        p1, p2 = ExactBackend.array(p1), ExactBackend.array(p2)
    if exact:
        return _walk_batch(net, p1, p2, True, tol, bar)
    return [_float_view(p) for p in _walk_batch(net, p1, p2, True, tol, bar)]


def _float_view(path: Path) -> Path:
    """A rational walk's path with float64 breakpoints (its answer is proven all the same)."""
    return Path(
        np.array([float(t) for t in path.breakpoints]),
        path.patterns,
        path.point_patterns,
        False,
        np.array([float(v) for v in path.x1]),
        np.array([float(v) for v in path.x2]),
        tuple((float(t), b) for t, b in path.touches),
        tuple((float(a), float(b), bits) for a, b, bits in path.flat),
        method="rational",
    )


def _walk_batch(
    net: Network, p1: np.ndarray, p2: np.ndarray, exact: bool, tol: float, bar: Any = None
) -> list[Path]:
    backend = ExactBackend if exact else FloatBackend
    m = p1.shape[0]
    seg = np.repeat(np.arange(m), 2)
    if exact:
        t = np.empty(2 * m, dtype=object)
        t[:] = [backend.scalar(Fraction(i % 2)) for i in range(2 * m)]
        h = np.empty((2 * m, net.n_inputs), dtype=object)
    else:
        t = np.tile(np.array([0.0, 1.0]), m)
        h = np.empty((2 * m, net.n_inputs))
    h[0::2], h[1::2] = p1, p2
    tau = backend.scalar(net.threshold)
    merged = np.zeros(len(t), dtype=bool)  # knots where distinct crossings coincide
    # Per layer: bits on the intervals (0 below τ, 1 above, 2 bit 0 with z ≡ τ) and at
    # the knots, both on that layer's knots; ``rows``/``old`` map the current knots to them.
    codes: list[np.ndarray] = []
    points: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    old: list[np.ndarray] = []
    n_layers = net.depth + (1 if net.include_output else 0)
    before: tuple[Any, ...] | None = None  # the previous layer's knots and values before it
    for i in range(n_layers):
        op = net.operators[i]
        # the float walk's large temporaries live in reused buffers (see _memory.Scratch);
        # small ones are cheaper to allocate than to look up
        big = not exact and h.shape[0] * op.n_out >= _SCRATCH_MIN_ENTRIES
        scratch = _SCRATCH if big else None
        if exact:
            z = op.exact_apply(h)
        else:  # into a buffer that is never h's
            z = _delta_values(op, h, before, scratch, f"z{i % 2}")
            if z is None:
                z = _layer_values(op, h, scratch, f"z{i % 2}")
        act = net.activations[i] if i < net.depth else _IDENTITY
        critical = [backend.scalar(c) for c in act.critical(net.threshold)]
        linear = net.linear_units[i] if i < net.depth else None
        kinked = np.flatnonzero(~linear) if linear is not None and linear.any() else None
        z_before = z
        seg, t, z, parent, coincide, born = _refine(seg, t, z, critical, exact, kinked, scratch)
        is_old = parent < 0
        src = np.where(is_old, -parent - 1, parent)
        merged = np.where(is_old, merged[src], coincide)
        rows = [r[src] for r in rows]
        old = [o[src] & is_old for o in old]
        # a pre-activation identically τ is recorded as flat where its bit is 0 (ReLU at
        # τ ≥ 0); where σ(τ) > τ (leaky ReLU at τ < 0) the bit stays 1
        at_tau = None
        if len(t) > 1:
            if scratch is None:
                at_tau = np.asarray(z == tau, dtype=bool)
            else:
                at_tau = np.equal(z, float(tau), out=scratch.take("at_tau", z.shape, np.bool_))
            if not at_tau.any():  # most layers have no unit exactly at τ anywhere
                at_tau = None
        h, bits = _apply(act, z, tau, exact, in_place=scratch is not None and kinked is None)
        if kinked is not None:
            h[:, linear] = z[:, linear]  # linear units pass z on (and their bits are unused)
        before = None if born is None else (born, z_before, act, linear, kinked)
        # No unit's σ(z) − τ changes sign strictly inside an interval any more, so the
        # midpoint rule σ(z_L) + σ(z_R) > 2τ is the same as "above τ at either end".
        code = np.zeros(bits.shape, dtype=np.uint8)
        if len(t) > 1:
            above = code[:-1].view(np.bool_)  # written in place: 0/1 codes
            np.logical_or(bits[:-1], bits[1:], out=above)
            if at_tau is not None:
                code[:-1][at_tau[:-1] & at_tau[1:] & (code[:-1] == 0)] = 2
        codes.append(code)
        points.append(bits)
        rows.append(np.arange(len(t)))
        old.append(np.ones(len(t), dtype=bool))
        if bar is not None:
            bar.update(1)
    check_walk(len(t), sum(c.shape[1] for c in codes), 8)  # the assembly's codes and bits
    all_codes, all_points = gather_layers(codes, points, rows, old, net.pattern_columns)
    return _assemble(seg, t, all_codes, all_points, merged, p1, p2, exact, tol)


def _apply(
    act: Activation, z: np.ndarray, tau: Any, exact: bool, in_place: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``σ(z)`` and the bits ``σ(z) > τ``, with ReLU's common case done in one comparison
    (``in_place``: the float ReLU overwrites ``z`` with ``h``)."""
    if act.name == "relu":
        positive = np.asarray(z > 0, dtype=bool)
        if exact:
            zero: Any = ExactBackend.scalar(Fraction(0))
            h = np.where(positive, z, zero)
        else:  # one pass (z is finite: the walk checks the weights)
            h = np.maximum(z, 0.0, out=z if in_place else None)
        return h, positive if tau == 0 else np.asarray(h > tau, dtype=bool)
    h = act(z)
    return h, np.asarray(h > tau, dtype=bool)


_SCRATCH = Scratch()
_SCRATCH_MIN_ENTRIES = 1 << 14  # 128 KB of float64: where fresh arrays come from the OS


def _buffer(scratch: Scratch | None, name: str, shape: tuple[int, ...], dtype: type) -> Any:
    """A reused buffer of the float walk, or None (numpy allocates) without one."""
    return None if scratch is None else scratch.take(name, shape, dtype)


def _layer_values(op: Any, h: np.ndarray, scratch: Scratch | None, name: str) -> np.ndarray:
    """The float pre-activations ``op(h)``: a dense layer's product into buffer ``name``."""
    if scratch is None or not isinstance(op, Dense):
        return op.apply(h)
    z = np.matmul(h, op._wt, out=scratch.take(name, (h.shape[0], op.n_out), np.float64))
    z += op.bias
    return z


@dataclass
class _Born:
    """The knots a layer's refinement added: ``new_pos`` (their rows) in the knots after
    it, each in interval ``interval`` (left knot) of the knots before it at fraction
    ``alpha``; ``old_pos`` the rows of the knots before; crossing ``c`` was of unit
    ``cross_unit[c]`` in interval ``cross_interval[c]``."""

    new_pos: np.ndarray
    old_pos: np.ndarray
    interval: np.ndarray
    alpha: np.ndarray
    cross_interval: np.ndarray
    cross_unit: np.ndarray


# a dense layer's values at the new knots are interpolated (below) when the previous
# layer's crossing units per new knot average at most its width over this
_DELTA_SPARSITY = 32
# ... and when the product it saves (multiply-adds) outweighs its fixed cost
_DELTA_MIN_WORK = 1 << 23


def _delta_values(
    op: Any, h: np.ndarray, before: tuple[Any, ...] | None, scratch: Any, name: str
) -> np.ndarray | None:
    """A dense layer's float values ``W h + b`` without its product at the new knots.

    Between two knots that existed before the previous layer's refinement, ``h`` is
    linear except in the units that crossed there; so at a new knot at fraction ``α``
    of such an interval ``W h = (1−α)·W h_L + α·W h_R + W_J (h_J − (1−α) h_{L,J} −
    α h_{R,J})``, ``J`` the crossing units: one product on the knots before, then a
    sparse correction. None (do the full product) where the correction is not sparse (a
    dense correction in the crossing inputs was tried: on 784-512³'s first interval,
    crossed by 283 units, its gathers cost more than the product it saves).
    """
    if before is None or scratch is None or not isinstance(op, Dense):
        return None
    born, z_before, act, linear, kinked = before
    n_new, n_in = len(born.new_pos), h.shape[1]
    n_old = len(born.old_pos)
    if n_new * n_in * op.n_out < _DELTA_MIN_WORK:
        return None
    pairs = np.unique(born.cross_interval * n_in + born.cross_unit)  # sorted by interval
    pair_interval, pair_unit = pairs // n_in, pairs % n_in
    counts = np.bincount(pair_interval, minlength=n_old)
    per_knot = counts[born.interval]  # the crossing units of each new knot's interval
    n_pairs = int(per_knot.sum())
    if n_pairs * _DELTA_SPARSITY > n_new * n_in:
        return None
    if act.name == "relu" and kinked is None:  # σ at the knots before, in their buffer
        h_before = np.maximum(z_before, 0.0, out=z_before)
    else:
        h_before = act(z_before)
        if kinked is not None:
            h_before[:, linear] = z_before[:, linear]
    z_old = _layer_values(op, h_before, scratch, "delta")
    z = scratch.take(name, (n_old + n_new, op.n_out), np.float64)
    z[born.old_pos] = z_old
    left, right = z_old[born.interval], z_old[born.interval + 1]
    right -= left
    right *= born.alpha[:, None]
    right += left
    # the correction's entries: new knot r, crossing unit j of its interval k
    first = np.cumsum(counts) - counts  # each interval's first pair
    ends = np.cumsum(per_knot)
    offset = np.arange(n_pairs) - np.repeat(ends - per_knot, per_knot)
    r = np.repeat(np.arange(n_new), per_knot)
    j = pair_unit[np.repeat(first[born.interval], per_knot) + offset]
    k, a = born.interval[r], born.alpha[r]
    hl, hr = h_before[k, j], h_before[k + 1, j]
    coef = h[born.new_pos[r], j] - (hl + a * (hr - hl))
    right += csr_matrix((coef, j, np.r_[0, ends]), shape=(n_new, n_in)) @ op._wt
    z[born.new_pos] = right
    return z


def _refine(
    seg: np.ndarray,
    t: np.ndarray,
    z: np.ndarray,
    critical: list[Any],
    exact: bool,
    units: np.ndarray | None = None,
    scratch: Scratch | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """Insert a knot wherever some ``z_j`` strictly crosses a critical value.

    Only the columns ``units`` are looked at (all when None; linear units never kink).
    With ``scratch`` (float walks) the temporaries and the refined ``z`` are reused
    buffers.

    Returns the refined ``seg``, ``t``, ``z``, ``parent``, ``coincide`` and ``born``.
    ``parent`` is ``-(old index) - 1`` for a knot that existed and, for a new
    knot, the index of the old interval (its left knot) it lies in, whose
    per-interval data it inherits. ``coincide`` marks new knots where several
    crossings were computed to the same parameter (exact coincidences in exact
    mode; in float mode possibly distinct events that float64 cannot separate).
    """
    n_knots = len(t)
    ends = np.flatnonzero(seg[:-1] != seg[1:])  # intervals joining two segments
    cross_k: list[np.ndarray] = []
    cross_j: list[np.ndarray] = []
    cross_c: list[Any] = []
    zc = z if units is None else z[:, units]
    shape, pairs = zc.shape, (max(n_knots - 1, 0), zc.shape[1])
    for c in critical:
        if scratch is None:
            above, below = np.asarray(zc > c, dtype=bool), np.asarray(zc < c, dtype=bool)
            mask = (above[:-1] & below[1:]) | (below[:-1] & above[1:])
        else:  # strictly across c: the signs of z − c differ and neither is zero
            # (a difference of floats is 0 only when they are equal, and keeps its sign)
            zz = zc if c == 0 else np.subtract(zc, c, out=scratch.take("shifted", shape, float))
            negative = np.signbit(zz, out=scratch.take("negative", shape, np.bool_))
            mask = np.not_equal(negative[:-1], negative[1:], out=scratch.take("mask", pairs, bool))
        mask[ends] = False
        k, j = np.nonzero(mask)
        if scratch is not None:
            strict = (zz[k, j] != 0) & (zz[k + 1, j] != 0)
            k, j = k[strict], j[strict]
        cross_k.append(k)
        cross_j.append(j if units is None else units[j])
        cross_c.extend([c] * len(k))
    k_all = np.concatenate(cross_k)
    if k_all.size == 0:
        return seg, t, z, -np.arange(n_knots) - 1, np.zeros(n_knots, dtype=bool), None
    j_all = np.concatenate(cross_j)
    c_all = np.array(cross_c, dtype=object if exact else np.float64)
    dl = z[k_all, j_all] - c_all
    dr = z[k_all + 1, j_all] - c_all
    alpha = dl / (dl - dr)
    t_new = t[k_all] + alpha * (t[k_all + 1] - t[k_all])
    if exact:
        order = np.array(
            sorted(range(len(k_all)), key=lambda i: (k_all[i], t_new[i])), dtype=np.intp
        )
    else:
        order = np.lexsort((t_new, k_all))
    k_s, t_s = k_all[order], t_new[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (k_s[1:] != k_s[:-1]) | np.asarray(t_s[1:] != t_s[:-1], dtype=bool)
    unique_id = np.cumsum(first) - 1  # each crossing's new knot
    k_u, t_u = k_s[first], t_s[first]
    n_new = len(k_u)
    # the layer's arrays and copies (about 53 bytes per entry at the peak in float64)
    check_walk(n_knots + n_new, z.shape[1], 200 if exact else 64)
    a_u = (t_u - t[k_u]) / (t[k_u + 1] - t[k_u]) if exact else alpha[order][first]
    if scratch is None:
        z_new = z[k_u] + a_u[:, None] * (z[k_u + 1] - z[k_u])
    else:
        new_shape = (n_new, z.shape[1])
        left = np.take(z, k_u, axis=0, out=_buffer(scratch, "left", new_shape, np.float64))
        z_new = np.take(z, k_u + 1, axis=0, out=_buffer(scratch, "right", new_shape, np.float64))
        z_new -= left
        z_new *= a_u[:, None]
        z_new += left
    if not exact:  # the crossing neurons sit exactly on their critical value
        z_new[unique_id, j_all[order]] = c_all[order]
    # new knot i goes after old knot k_u[i] and the new knots before it
    new_pos = k_u + 1 + np.arange(n_new)
    old_pos = np.arange(n_knots) + np.searchsorted(k_u, np.arange(n_knots), side="left")
    size = n_knots + n_new
    parent = np.empty(size, dtype=np.intp)
    parent[old_pos], parent[new_pos] = -np.arange(n_knots) - 1, k_u
    seg_out = np.empty(size, dtype=seg.dtype)
    seg_out[old_pos], seg_out[new_pos] = seg, seg[k_u]
    t_out = np.empty(size, dtype=t.dtype)
    t_out[old_pos], t_out[new_pos] = t, t_u
    z_out = _buffer(scratch, "refined", (size, z.shape[1]), np.float64)
    if z_out is None:
        z_out = np.empty((size, z.shape[1]), dtype=z.dtype)
    z_out[old_pos], z_out[new_pos] = z, z_new
    coincide = np.zeros(size, dtype=bool)
    coincide[new_pos] = np.bincount(unique_id, minlength=n_new) > 1
    # where the next dense layer's values may be interpolated (_delta_values)
    born = None if exact else _Born(new_pos, old_pos, k_u, a_u, k_all, j_all)
    return seg_out, t_out, z_out, parent, coincide, born


def _assemble(
    seg: np.ndarray,
    t: np.ndarray,
    codes: np.ndarray,
    point_bits: np.ndarray,
    merged: np.ndarray,
    p1: np.ndarray,
    p2: np.ndarray,
    exact: bool,
    tol: float,
) -> list[Path]:
    """Merge equal consecutive intervals into pieces, per segment."""
    starts, ends, interval_bits, is_break, touch, flat_rows = knot_structure(seg, codes, point_bits)
    t_out = np.array([to_fraction(v) for v in t], dtype=object) if exact else t
    paths = []
    for s, (a, b) in enumerate(zip(starts, ends)):
        rows = np.arange(a, b + 1)
        br = rows[is_break[a : b + 1]]
        tb = t_out[br]
        touches = tuple(
            (t_out[r], np.flatnonzero(point_bits[r] != interval_bits[r]))
            for r in rows[touch[a : b + 1]]
        )
        flats = tuple(
            (t_out[r], t_out[r + 1], np.flatnonzero(codes[r] == 2))
            for r in rows[flat_rows[a : b + 1]]
        )
        undecided: tuple[Any, ...] = ()
        if not exact and b > a:
            close = np.flatnonzero(np.diff(t[a : b + 1]) <= tol)
            flagged = np.union1d(a + close, rows[merged[a : b + 1]])
            undecided = tuple(float(t[r]) for r in flagged)
        paths.append(
            Path(
                tb,
                interval_bits[br[:-1]],
                point_bits[br],
                exact,
                _points_out(p1[s], exact),
                _points_out(p2[s], exact),
                touches,
                flats,
                undecided=undecided,
                method="rational" if exact else "float",
            )
        )
    return paths


def _points_out(p: np.ndarray, exact: bool) -> np.ndarray:
    if not exact:
        return np.array(p, dtype=np.float64)
    return np.array([to_fraction(v) for v in p], dtype=object)


def d_chi(net: Network, x1: Any, x2: Any, *, exact: bool = True) -> Fraction:
    """The symmetrised folding ``d_χ(x1, x2) = ½[χ(Γ(x1, x2)) + χ(Γ(x2, x1))]``.

    Parameters
    ----------
    net
        The network.
    x1, x2
        The segment's end points.
    exact
        As for :func:`walk`.

    Returns
    -------
    Fraction
        Exactly; one walk serves both directions (reversing a path reverses its
        pattern sequence).

    References
    ----------
    M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*, TMLR 2025,
    arXiv:2502.09954.

    Examples
    --------
    >>> from polyfold import zoo
    >>> d_chi(zoo.tent(), [0], [1])
    Fraction(1, 3)
    """
    path = walk(net, x1, x2, exact=exact)
    return (chi(path.patterns) + chi(path.patterns[::-1])) / 2
