"""Exact 2-D regions at float speed: the float engine's answer, certified exactly.

The float engine (:mod:`polyfold.regions.vectorised`) gives every cell's pattern, its
vertices in order, and for every edge the unit whose line carries it (or the
domain's boundary). This module rebuilds each cell exactly from that
combinatorial description and proves the result, with no tolerance:

1. **Exact maps.** On a cell the layer-``l`` pre-activations are
   ``G [x, y, 1] / D_l`` with an integer matrix ``G`` that depends only on the
   cell's bits before layer ``l``; one python-flint integer product per layer
   gives ``G`` for every distinct prefix of bits at once.
2. **Exact vertices.** Each vertex is the intersection of the exact lines of
   its two edges (a unit's line under the cell's map, or a domain edge).
3. **Checks.** Floats only filter, with a rigorous bound on their error (a
   float forward pass with an error radius per point and layer); whatever
   they leave undecided is decided in integers. Every vertex satisfies its cell's pattern and the
   domain (closed inequalities); every bit-1 unit is strictly positive at some
   vertex of its cell; every cell is a strictly convex counter-clockwise
   polygon winding once; the patterns are distinct; the exact areas add up to
   the domain's area; and at the midpoint of every labelled edge no unit but
   the edge's own vanishes.

Why that is a proof. Call ``Q_π`` the closed polygon where ``π``'s masked maps
have the signs ``π`` prescribes. The checks give ``P_π ⊆ Q_π ∩ domain``. Two
polygons with distinct patterns cannot share interior: on a common open set
the first unit where the patterns differ would be both ``≥ 0`` and ``≤ 0``,
so identically 0 there and on the whole cell, yet the bit-1 side has a vertex
where it is ``> 0``. So the polygons tile the domain up to measure zero
(areas), every realizable pattern is among them (an open subset of its region
would meet some ``P_π`` in an open set, and the same argument applies), and
``P_π`` is the closure of ``R_π``. At an edge's midpoint only the edge's unit
vanishes, so crossing there flips that bit alone: the edge joins ``π`` and
``π ⊕ {u}``, and every shared boundary is covered by such edges.

A check that fails returns ``None``; the caller then runs the exact splitting
engine (:mod:`polyfold.regions.splitting`), so the answer is exact either way and the
certificate only decides how fast it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import gcd
from typing import Any

import networkx as nx
import numpy as np

from .._numeric import TINY, U
from ..domains import Polytope
from ..geometry import FLOAT_TOL, polygon_area
from ..network import Network
from ._build import (
    Budget,
    bit_positions,
    fill_graph,
    interrupted_graph,
    new_graph,
    pattern_keys,
    paused_gc,
)
from ._exact import Maps, as_integers, forward_bounds, packed_keys
from .vectorised import FastCells, fast_planar_cells, incidence

__all__ = ["METHOD", "CertifiedCells", "certified_graph", "certified_planar_cells"]

METHOD = "float engine, certified exactly"


@dataclass
class CertifiedCells:
    """All cells of the domain, exactly; edges are rows ``r → next[r]`` of ``vertices``.

    Attributes
    ----------
    bits : numpy.ndarray
        ``(cells, split units)``: every cell's bits, linear units included.
    start, count : numpy.ndarray
        Cell ``i`` is rows ``start[i] .. start[i] + count[i] − 1``, one per vertex
        in counter-clockwise order.
    label : numpy.ndarray
        Per row, the split unit whose line the edge to the next row lies on
        (−1 on the domain's boundary).
    X, Y, d : numpy.ndarray
        Row ``r``'s vertex is ``(X[r] / d[r], Y[r] / d[r])`` (integers, ``d > 0``).
    vertices : list of tuple of fractions.Fraction
        The same vertices as fractions.
    areas : list of fractions.Fraction
        The cells' exact areas.
    witnesses : list of tuple of fractions.Fraction
        A point strictly inside each cell.
    """

    bits: np.ndarray  # (cells, split units), linear units included
    start: np.ndarray
    count: np.ndarray
    label: np.ndarray  # split-unit index of each edge's line, −1 on the domain's boundary
    X: np.ndarray  # row r's vertex is (X[r] / d[r], Y[r] / d[r]), integers, d > 0
    Y: np.ndarray
    d: np.ndarray
    vertices: list[tuple[Fraction, Fraction]]  # one per row
    areas: list[Fraction]
    witnesses: list[tuple[Fraction, Fraction]]  # centroid of each cell's first 3 vertices

    def __post_init__(self) -> None:
        # the row after a cell's last row -> the cell's first row (edges close up)
        self._wrap = dict(zip((self.start + self.count).tolist(), self.start.tolist()))

    def facet_point(self, r: int) -> tuple[Fraction, Fraction]:
        """The midpoint of edge ``r`` (a point on the facet it lies on).

        Parameters
        ----------
        r
            A row (the edge from its vertex to the next row's).

        Returns
        -------
        tuple of fractions.Fraction
        """
        n = self._wrap.get(r + 1, r + 1)
        X, Y, d = self.X, self.Y, self.d
        q = 2 * d[r] * d[n]
        return Fraction(X[r] * d[n] + X[n] * d[r], q), Fraction(Y[r] * d[n] + Y[n] * d[r], q)


def certified_planar_cells(net: Any, polygon: list[tuple[Fraction, Fraction]]) -> Any:
    """The exact cells of a 2-input network in a convex polygon, or None if not certified.

    Parameters
    ----------
    net
        A 2-input ReLU or leaky-ReLU network at threshold 0.
    polygon
        The domain's vertices in counter-clockwise order, exact.

    Returns
    -------
    CertifiedCells or None
        None when some check of the certificate fails (the caller then runs an
        exact route).
    """
    domain = _clean_polygon(polygon)
    if domain is None:
        return None
    # near-zero values snapped to the line: exact concurrences come out right, and a wrong
    # snap is caught by the checks below
    cells = _collect(fast_planar_cells(net, np.array(domain, dtype=np.float64), tol=FLOAT_TOL))
    if cells is None or len(cells) == 0:
        return None
    keys = packed_keys(cells.bits)
    if len(np.unique(keys)) != len(cells):
        return None
    n_split = net.depth + (1 if net.include_output else 0)
    offsets = np.cumsum([0] + [w.shape[0] for w, _ in net.weights[:n_split]])
    maps = Maps(net, cells.bits, offsets)
    count, start, label = cells.count, cells.start, cells.label
    n_rows = int(count.sum())
    owner = np.repeat(np.arange(len(count)), count)
    rows = np.arange(n_rows)
    nxt, prv = rows + 1, rows - 1
    nxt[start + count - 1] = start
    prv[start] = start + count - 1
    # each edge's exact line (a, b, c): a x + b y + c = 0
    dom_lines = _domain_lines(domain)
    lines = np.empty((n_rows, 3), dtype=object)
    on_domain = label < 0
    if on_domain.any():
        mid = (cells.xy[on_domain] + cells.xy[nxt[on_domain]]) / 2
        flo = np.array([[float(v) for v in ln] for ln in dom_lines])
        dist = np.abs(mid @ flo[:, :2].T + flo[:, 2]) / np.hypot(flo[:, 0], flo[:, 1])
        lines[on_domain] = dom_lines[np.argmin(dist, axis=1)]
    layer_of = np.searchsorted(offsets, np.maximum(label, 0), side="right") - 1
    for layer in range(n_split):
        sel = ~on_domain & (layer_of == layer)
        lines[sel] = maps.rows(layer, owner[sel], label[sel] - offsets[layer])
    # a line's coefficients share factors (powers of two from the weights' scales): drop them
    g = [gcd(a, b, c) or 1 for a, b, c in lines.tolist()]
    lines //= np.array(g, dtype=object)[:, None]
    # vertex r: where the lines of edges prv[r] and r meet, as (X/d, Y/d) with d > 0
    a1, b1, c1 = lines[prv, 0], lines[prv, 1], lines[prv, 2]
    a2, b2, c2 = lines[:, 0], lines[:, 1], lines[:, 2]
    d = a1 * b2 - a2 * b1
    sign = np.array([(v > 0) - (v < 0) for v in d])
    if not sign.all():
        return None
    X, Y, d = (b1 * c2 - b2 * c1) * sign, (a2 * c1 - a1 * c2) * sign, d * sign
    if not _convex_ccw(X, Y, d, nxt, prv, owner):
        return None
    xy = np.array([(int(x) / int(s), int(y) / int(s)) for x, y, s in zip(X, Y, d)])
    for ln in dom_lines:  # the domain's closed inequalities at every vertex
        if not _all_nonnegative(ln, X, Y, d, xy):
            return None
    # the pattern's closed inequalities, and a strict vertex for every bit-1 unit
    z, rad = forward_bounds(net, xy, 2.0**-52 * np.abs(xy))
    keep, _ = bit_positions(net)
    linear = np.zeros(int(offsets[-1]), dtype=bool) if keep is None else ~keep
    own = np.zeros(z.shape, dtype=bool)  # a vertex lies on its two edges' lines
    for edge in (prv, rows):
        has = label[edge] >= 0
        own[rows[has], label[edge][has]] = True
    bits = cells.bits[owner]
    positive = z > rad
    for r, u in zip(*np.nonzero(np.where(bits, z < rad, z > -rad) & ~own & ~linear)):
        value = maps.value(owner[r], u, X[r], Y[r], d[r])
        if (value < 0) if bits[r, u] else (value > 0):
            return None
        positive[r, u] = value > 0
    per_cell = incidence(count, rows, n_rows)
    seen = np.asarray(per_cell @ (bits & positive).astype(np.float32)) > 0
    for c, u in zip(*np.nonzero(cells.bits & ~seen & ~linear)):
        span = range(int(start[c]), int(start[c] + count[c]))
        if not any(maps.value(c, u, X[r], Y[r], d[r]) > 0 for r in span):
            return None
    # at each labelled edge's midpoint only its own unit vanishes (the signs at the two
    # ends agree or are 0, so the midpoint is 0 only where both ends are), and across
    # it is π ⊕ {u}
    labelled = np.flatnonzero(label >= 0)
    ends = nxt[labelled]
    negative = z < -rad
    maybe = ~(positive[labelled] | positive[ends] | negative[labelled] | negative[ends])
    maybe &= ~linear
    maybe[np.arange(len(labelled)), label[labelled]] = False
    for i, u in zip(*np.nonzero(maybe)):
        p, q, c = labelled[i], ends[i], owner[labelled[i]]
        if maps.value(c, u, X[p], Y[p], d[p]) == 0 and maps.value(c, u, X[q], Y[q], d[q]) == 0:
            return None
    flipped = cells.bits[owner[labelled]]
    flipped[np.arange(len(labelled)), label[labelled]] ^= True
    if not np.all(np.isin(packed_keys(flipped), keys)):
        return None
    # exact areas (shoelace), adding up to the domain's
    num = X * Y[nxt] - X[nxt] * Y  # twice the shoelace term of edge r, over d_r d_nxt[r]
    if _tiling_sum(X, Y, d, num, nxt, xy) != 2 * polygon_area(domain):
        return None
    # witness: the centroid of a cell's first three vertices, inside the (strictly convex)
    # polygon, where every bit-1 unit is > 0 (≥ 0 on the cell and > 0 at a vertex)
    first = [start, start + 1, start + 2]
    den = 3 * d[first[0]] * d[first[1]] * d[first[2]]
    wx = X[first[0]] * d[first[1]] * d[first[2]] + X[first[1]] * d[first[0]] * d[first[2]]
    wx += X[first[2]] * d[first[0]] * d[first[1]]
    wy = Y[first[0]] * d[first[1]] * d[first[2]] + Y[first[1]] * d[first[0]] * d[first[2]]
    wy += Y[first[2]] * d[first[0]] * d[first[1]]
    return CertifiedCells(
        bits=cells.bits,
        start=start,
        count=count,
        label=label,
        X=X,
        Y=Y,
        d=d,
        vertices=_shared_vertices(X, Y, d, xy),
        areas=_cell_areas(num, d, start, count),
        witnesses=[(Fraction(x, q), Fraction(y, q)) for x, y, q in zip(wx, wy, den)],
    )


def _tiling_sum(
    X: np.ndarray, Y: np.ndarray, d: np.ndarray, num: np.ndarray, nxt: np.ndarray, xy: np.ndarray
) -> Fraction:
    """Twice the total area, ``Σ num_r / (d_r d_nxt[r])``, exactly; an edge and its exact
    reverse (two cells' shared side) cancel unsummed. Reverses are found by their float
    end points and confirmed exactly.
    """
    forward = np.ascontiguousarray(np.hstack([xy, xy[nxt]])).view("V32").ravel()
    backward = np.ascontiguousarray(np.hstack([xy[nxt], xy])).view("V32").ravel()
    order = np.argsort(forward, kind="stable")
    at = np.minimum(np.searchsorted(forward[order], backward), len(order) - 1)
    found = forward[order][at] == backward
    p = np.where(found, order[at], 0)  # edge p should run from edge r's end to its start
    q = nxt[p]
    same = found & (X[p] * d[nxt] == X[nxt] * d[p]) & (Y[p] * d[nxt] == Y[nxt] * d[p])
    same &= (X[q] * d == X * d[q]) & (Y[q] * d == Y * d[q])
    total = Fraction(0)
    for r in np.flatnonzero(~same.astype(bool)).tolist():
        total += Fraction(num[r], d[r] * d[nxt[r]])
    return total


# -- pieces ------------------------------------------------------------------------------


def _collect(batches: Any) -> FastCells | None:
    """All float cells in one pool; None when some edge lies on several units' lines."""
    parts = list(batches)
    if any(part.extra for part in parts):
        return None
    counts = [part.count for part in parts]
    xy = np.concatenate([part.xy[: int(part.count.sum())] for part in parts])
    label = np.concatenate([part.label[: int(part.count.sum())] for part in parts])
    count = np.concatenate(counts)
    start = np.cumsum(count) - count
    bits = np.concatenate([part.bits for part in parts])
    return FastCells(xy, label, start, count, bits)


def _clean_polygon(polygon: list[tuple[Fraction, Fraction]]) -> list | None:
    """Counter-clockwise vertices without repeats or straight angles (None if degenerate)."""
    pts = [(Fraction(x), Fraction(y)) for x, y in polygon]
    if polygon_area(pts) < 0:
        pts = pts[::-1]
    changed = True
    while changed and len(pts) >= 3:
        changed = False
        for i in range(len(pts)):
            p, q, r = pts[i - 1], pts[i], pts[(i + 1) % len(pts)]
            cross = (q[0] - p[0]) * (r[1] - q[1]) - (q[1] - p[1]) * (r[0] - q[0])
            if q == p or cross == 0:
                del pts[i]
                changed = True
                break
    return pts if len(pts) >= 3 and polygon_area(pts) > 0 else None


def _domain_lines(pts: list) -> np.ndarray:
    """Integer lines ``a x + b y + c ≥ 0`` inside, one per edge of a CCW polygon."""
    out = np.empty((len(pts), 3), dtype=object)
    for k, (p, q) in enumerate(zip(pts, pts[1:] + pts[:1])):
        dx, dy = q[0] - p[0], q[1] - p[1]
        coef, _ = as_integers(np.array([-dy, dx, dy * p[0] - dx * p[1]], dtype=object))
        out[k] = coef
    return out


def _convex_ccw(X: Any, Y: Any, d: Any, nxt: np.ndarray, prv: np.ndarray, owner: Any) -> bool:
    """Every cell turns strictly left at every vertex and winds once."""
    turn = (
        X[prv] * (Y * d[nxt] - Y[nxt] * d)
        - Y[prv] * (X * d[nxt] - X[nxt] * d)
        + d[prv] * (X * Y[nxt] - X[nxt] * Y)
    )
    if not all(t > 0 for t in turn):
        return False
    # with strict left turns, each "leave upward motion" is one full turn
    up = np.array([v > 0 for v in Y[nxt] * d - Y * d[nxt]])
    leaves = up & ~up[nxt]
    return bool(np.all(np.bincount(owner, weights=leaves) == 1))


def _all_nonnegative(line: Any, X: Any, Y: Any, d: Any, xy: np.ndarray) -> bool:
    a, b, c = (int(v) for v in line)
    approx = a * xy[:, 0] + b * xy[:, 1] + c
    bound = 8 * U * (abs(a) * np.abs(xy[:, 0]) + abs(b) * np.abs(xy[:, 1]) + abs(c)) + TINY
    for r in np.flatnonzero(approx <= bound):
        if a * X[r] + b * Y[r] + c * d[r] < 0:
            return False
    return True


def _shared_vertices(X: np.ndarray, Y: np.ndarray, d: np.ndarray, xy: np.ndarray) -> list:
    """Each row's vertex as Fractions, built once per distinct point (cells share vertices).

    Rows with equal float coordinates share their first row's Fractions when the
    exact points agree too (equal exact points always round to equal floats).
    """
    key = np.ascontiguousarray(xy).view("V16").ravel()
    _, first, back = np.unique(key, return_index=True, return_inverse=True)
    rep = first[back.ravel()]
    same = (X[rep] * d == X * d[rep]) & (Y[rep] * d == Y * d[rep])
    out: list = [None] * len(X)
    for r in np.flatnonzero(rep == np.arange(len(X))).tolist():
        out[r] = (Fraction(X[r], d[r]), Fraction(Y[r], d[r]))
    for r, (t, ok) in enumerate(zip(rep.tolist(), same.tolist())):
        if out[r] is None:
            out[r] = out[t] if ok else (Fraction(X[r], d[r]), Fraction(Y[r], d[r]))
    return out


def _cell_areas(num: np.ndarray, d: np.ndarray, start: np.ndarray, count: np.ndarray) -> list:
    """Each cell's exact area ``½ Σ num_r / (d_r d_{r+1})``, reduced once."""
    nums, dens = num.tolist(), d.tolist()
    out = []
    for s, k in zip(start.tolist(), count.tolist()):
        ds = dens[s : s + k]
        total = 1
        for v in ds:
            total *= v
        n = sum(a * (total // (ds[i] * ds[(i + 1) % k])) for i, a in enumerate(nums[s : s + k]))
        out.append(Fraction(n, 2 * total))
    return out


def certified_graph(net: Network, poly: Polytope, budget: Budget) -> nx.Graph | None:
    """Exact mode, fast: the float engine's cells rebuilt and certified exactly (or None).

    The module docstring gives the checks and why they prove the graph.

    Parameters
    ----------
    net
        A 2-input network (or a slice's composed network).
    poly
        A 2-D polytope.
    budget
        Where to stop (a certified graph is all-or-nothing: any budget is
        refused by the caller).

    Returns
    -------
    networkx.Graph or None
    """
    try:
        cells = certified_planar_cells(net, poly.vertices_2d())
    except KeyboardInterrupt:  # nothing is certified before the end: no region to return
        return interrupted_graph(METHOD)
    if cells is None:
        return None
    keep, position = bit_positions(net)
    bits = np.ascontiguousarray(cells.bits if keep is None else cells.bits[:, keep])
    names = pattern_keys(bits).astype(str).tolist()
    with paused_gc():  # hundreds of thousands of Fractions, no cycles
        graph = _graph_of(cells, bits, names, position)
    budget.progress.update(len(names))
    return graph


def _graph_of(
    cells: CertifiedCells, bits: np.ndarray, names: list[str], position: np.ndarray
) -> nx.Graph:
    """The region graph of certified cells (nodes keyed by ``names``, in the schema's types:
    every vertex, witness and facet point an object array of ``Fraction``)."""
    vertices = np.empty((len(cells.vertices), 2), dtype=object)
    vertices[:, 0] = [v[0] for v in cells.vertices]
    vertices[:, 1] = [v[1] for v in cells.vertices]
    units = [() if u < 0 else (int(position[u]),) for u in cells.label.tolist()]
    nodes = []
    for i, (s, k) in enumerate(zip(cells.start.tolist(), cells.count.tolist())):
        witness = np.empty(2, dtype=object)
        witness[:] = cells.witnesses[i]
        nodes.append(
            (
                names[i],
                {
                    "pattern": bits[i],
                    "witness": witness,
                    "area": cells.areas[i],
                    "vertices": vertices[s : s + k],
                    "edge_units": units[s : s + k],
                },
            )
        )
    index = {name: i for i, name in enumerate(names)}
    owner = np.repeat(np.arange(len(names)), cells.count)
    edges = []
    for r in np.flatnonzero(cells.label >= 0).tolist():
        u = int(position[cells.label[r]])
        mine = names[owner[r]]
        other = mine[:u] + ("1" if mine[u] == "0" else "0") + mine[u + 1 :]
        if mine < other and other in index:
            point = np.empty(2, dtype=object)
            point[:] = cells.facet_point(r)
            edges.append((mine, other, {"flips": (u,), "facet_point": point}))
    return fill_graph(new_graph(METHOD), nodes, edges)
