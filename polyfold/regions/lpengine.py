"""The general-dimension region engine: splitting polyhedra layer by layer with LPs.

A cell is a polyhedron ``A x < b`` (open rows; the closure is the region) with a
witness point inside and the next layer's affine map. A unit splits the cell
when both ``cell ∩ {z_j > 0}`` and ``cell ∩ {z_j < 0}`` have interior; the
witness decides one side for free and an LP the other. In exact mode every LP
answer is certified (:func:`polyfold.lp.interior_point`). In float mode the
cells also carry their vertices (qhull once, for the domain) and which rows are
tight at each; a unit then splits a cell iff vertices lie strictly on both
sides, and the children's vertices follow by the double-description update, so
no LP is solved at all (lean float LPs take over if qhull cannot start).

Adjacency: regions ``π`` and ``π ⊕ {k}`` share a facet when the unit-``k`` row
of ``π`` together with its other rows leaves a ``(d−1)``-dimensional piece of
the hyperplane; that is one more LP, in the hyperplane's own coordinates, and
its witness is an exact point on the facet. With vertices, the facet is the
face where the row is tight, kept when it spans ``d − 1`` dimensions, and its
vertex average is the facet point.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from ..domains import Polytope
from ..geometry import FLOAT_TOL, bounding_box, clip_polygon, polygon_area, polytope_vertices
from ..lp import interior_point, solve_float
from ..network import Network
from ._build import Budget, bit_positions, interruptible, neighbour, new_graph, pattern_key

__all__ = ["lp_graph"]

METHODS = {True: "certified LPs", False: "float LPs"}
VERTEX_METHOD = "float vertex tracking"


@dataclass
class _Cell:
    a: np.ndarray  # rows of A x < b (Fraction in exact mode, float otherwise)
    b: np.ndarray
    units: list[int]  # the unit of each row (-1: the domain's)
    pool: np.ndarray  # points strictly inside, the witness first
    bits: list[bool]
    M: np.ndarray
    m: np.ndarray
    # float mode: the vertices and, per vertex, which rows of A x ≤ b are tight there
    verts: np.ndarray | None = None
    tight: np.ndarray | None = None
    # row -> the other units whose boundary is that row's hyperplane on this cell
    ties: dict[int, frozenset[int]] = field(default_factory=dict)

    @property
    def witness(self) -> np.ndarray:
        return self.pool[0]


def _float_interior(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray | None:
    """A point with ``A x < b`` (margin > ``tol`` in ∞-norm), by one float LP; None if none."""
    m, d = a.shape
    a_ub = np.empty((m, d + 1))
    a_ub[:, :d] = a
    a_ub[:, d] = np.abs(a).sum(axis=1)
    cost = np.zeros(d + 1)
    cost[d] = -1.0
    upper = np.full(d + 1, np.inf)
    upper[d] = 1.0
    sol = solve_float(cost, a_ub, b, None, None, np.full(d + 1, -np.inf), upper, "highs")
    if sol is None or sol[-1] <= tol:
        return None
    return sol[:d]


def _float_box(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The bounding box of ``{A x ≤ b}`` (None unless every side is finite)."""
    lo, hi = bounding_box(a, b)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        return None
    return lo, hi


def _interior(a: np.ndarray, b: np.ndarray, exact: bool, tol: float) -> np.ndarray | None:
    if exact:
        res = interior_point(a, b)
        return res.witness if res.feasible else None
    return _float_interior(a, b, tol)


def lp_graph(
    net: Network,
    poly: Polytope,
    exact: bool,
    budget: Budget,
    *,
    vertices: bool = True,
    tol: float = FLOAT_TOL,
) -> nx.Graph:
    """The region graph by splitting polyhedra layer by layer (any dimension).

    Exact mode: certified LPs throughout. Float mode: with ``vertices`` the
    cells track their vertices (no LP; the graph's method says
    ``"float vertex tracking"``) unless qhull cannot start, else float LPs.
    ``tol`` is the relative tolerance of every float decision.

    Parameters
    ----------
    net
        A ReLU or leaky-ReLU network at threshold 0.
    poly
        The domain polytope.
    exact
        Certified LPs (True) or float decisions.
    budget
        Where to stop.
    vertices
        In float mode, track the cells' vertices instead of solving LPs.
    tol
        The relative tolerance of float decisions.

    Returns
    -------
    networkx.Graph
    """
    cells_found, method = _cells(net, poly, exact, budget, vertices, tol)
    a0 = np.array(poly.A, dtype=object if exact else np.float64)
    keep, position = bit_positions(net)
    cells = {}
    graph = new_graph(method)
    planar = None
    if a0.shape[1] == 2:  # 2-D: each region's polygon too, as the planar engines give it
        corners = poly.vertices_2d()
        planar = corners if exact else [(float(x), float(y)) for x, y in corners]
    try:
        for cell in interruptible(cells_found, graph):
            if budget.exhausted(graph.number_of_nodes()):
                graph.graph["complete"] = False
                break
            bits = np.array(cell.bits, dtype=bool)
            if keep is not None:
                bits = bits[keep]
            key = pattern_key(bits)
            graph.add_node(key, pattern=bits, witness=cell.witness)  # typed by finish()
            if planar is not None:
                graph.nodes[key].update(_polygon(cell, planar, position, exact, tol))
            cells[key] = cell
            budget.progress.update(1)
    except _OutOfTime:
        graph.graph["complete"] = False
    deadline = budget.deadline if not graph.graph["complete"] else None
    graph.graph["adjacency_complete"] = _add_facets(graph, cells, position, exact, tol, deadline)
    return graph


def vertex_cells(net: Network, poly: Polytope, tol: float = FLOAT_TOL) -> list[_Cell] | None:
    """Every final cell of the float vertex route (vertices, tight rows, bits), or None
    when qhull cannot start it."""
    found, method = _cells(net, poly, False, Budget(None, None, None), True, tol)
    return list(found) if method == VERTEX_METHOD else None


def _cells(
    net: Network, poly: Polytope, exact: bool, budget: Budget, vertices: bool, tol: float
) -> tuple[Iterator[_Cell], str]:
    """The final cells, depth first (an iterator), and the method that makes them."""
    dtype: Any = object if exact else np.float64
    layers = [
        (np.array(w, dtype=dtype), np.array(b, dtype=dtype))
        for w, b in (net.exact_weights if exact else net.weights)
    ]
    a0 = np.array(poly.A, dtype=dtype)
    b0 = np.array(poly.b, dtype=dtype)
    start = _interior(a0, b0, exact, tol)
    if start is None:  # pragma: no cover - domains are checked to have interior
        raise AssertionError("domain without interior")
    pool = _initial_pool(poly, a0, b0, start, exact)
    n_split = net.depth + (1 if net.include_output else 0)

    def descend(cell: _Cell, layer: int, unit0: int) -> Iterator[_Cell]:
        # depth first, so that a caller who stops early holds only finished regions
        if layer == n_split:
            yield cell
            return
        pieces = [cell]
        linear = net.linear_units[layer] if layer < net.depth else None
        if cell.verts is not None:  # float mode with vertices: splits need no LP
            for j in range(cell.M.shape[0]):
                if linear is not None and linear[j]:
                    pieces = [_with_bit(piece, True) for piece in pieces]
                else:
                    pieces = [
                        c for piece in pieces for c in _split_vertices(piece, j, unit0 + j, tol)
                    ]
        else:
            sides = None if exact else _box_sides(cell, tol)
            for j in range(cell.M.shape[0]):
                if linear is not None and linear[j]:  # a linear unit: no split, on its one piece
                    pieces = [_with_bit(piece, True) for piece in pieces]
                    continue
                if sides is not None and sides[j] != 0:  # the unit misses the cell's box
                    bit = bool(sides[j] > 0)
                    pieces = [_with_bit(piece, bit) for piece in pieces]
                    continue
                if budget.deadline is not None and time.perf_counter() > budget.deadline:
                    raise _OutOfTime  # an exact split is an LP: stop between them, not after
                pieces = [c for piece in pieces for c in _split(piece, j, unit0 + j, exact, tol)]
        for piece in pieces:
            nxt = _advance(piece, net, layers, layer, exact) if layer < net.depth else piece
            yield from descend(nxt, layer + 1, unit0 + cell.M.shape[0])

    root = _Cell(a0, b0, [-1] * len(b0), pool, [], layers[0][0], layers[0][1])
    method = METHODS[exact]
    if not exact and vertices:
        found = polytope_vertices(a0, b0, np.asarray(start, dtype=np.float64), tol)
        if found is not None:
            root.verts, root.tight = found
            method = VERTEX_METHOD
    return descend(root, 0, 0), method


def _polygon(
    cell: _Cell, corners: list[Any], position: np.ndarray, exact: bool, tol: float
) -> dict[str, Any]:
    """A 2-D region's polygon (the domain clipped by its rows), area and edge units.

    An edge carries the units whose row vanishes at both its ends (exactly, or
    within ``tol`` of the row's scale in float mode).
    """
    if cell.verts is not None and cell.tight is not None:  # float vertex route: no clipping
        return _vertex_polygon(cell, position)
    rows = [(r, u) for r, u in enumerate(cell.units) if u >= 0 and any(v != 0 for v in cell.a[r])]
    verts = list(corners)
    for r, _ in rows:
        verts = clip_polygon(verts, cell.a[r][0], cell.a[r][1], -cell.b[r])
    edge_units = []
    for i, p in enumerate(verts):
        q = verts[(i + 1) % len(verts)]
        on = []
        for r, u in rows:
            (a0, a1), c = cell.a[r], cell.b[r]
            fp, fq = a0 * p[0] + a1 * p[1] - c, a0 * q[0] + a1 * q[1] - c
            if exact:
                tight = fp == 0 and fq == 0
            else:
                scale = tol * (1 + abs(a0) + abs(a1) + abs(c)) * (1 + max(map(abs, (*p, *q))))
                tight = abs(fp) <= scale and abs(fq) <= scale
            if tight:
                on.append(int(position[u]))
        edge_units.append(tuple(sorted(on)))
    return {"vertices": verts, "area": polygon_area(verts), "edge_units": edge_units}


def _vertex_polygon(cell: _Cell, position: np.ndarray) -> dict[str, Any]:
    """:func:`_polygon` from the vertices the float route tracks: sorted by angle about
    their mean (counter-clockwise); an edge carries the units of rows tight at both ends."""
    assert cell.verts is not None and cell.tight is not None
    verts, tight = cell.verts, cell.tight
    centre = verts.mean(axis=0)
    order = np.argsort(np.arctan2(verts[:, 1] - centre[1], verts[:, 0] - centre[0]))
    verts, tight = verts[order], tight[order]
    nxt = np.roll(np.arange(len(verts)), -1)
    units = np.array(cell.units)
    both = tight & tight[nxt] & (units >= 0)[None, :]
    x, y = verts[:, 0], verts[:, 1]
    area = float(np.sum(x * y[nxt] - x[nxt] * y) / 2)
    count, first = both.sum(axis=1).tolist(), both.argmax(axis=1).tolist()
    edge_units = [
        (int(position[units[f]]),)
        if c == 1
        else tuple(sorted({int(position[u]) for u in units[row]}))
        if c
        else ()
        for c, f, row in zip(count, first, both)
    ]
    return {"vertices": verts, "area": area, "edge_units": edge_units}


class _OutOfTime(Exception):
    """The time budget ran out in the middle of descending a cell."""


def _initial_pool(
    poly: Polytope, a0: np.ndarray, b0: np.ndarray, start: np.ndarray, exact: bool, size: int = 64
) -> np.ndarray:
    """The witness and random points strictly inside the domain (seeded, dyadic)."""
    lo, hi = poly.bounds
    rng = np.random.default_rng(0)
    pts = lo + (hi - lo) * rng.random((size, len(lo)))
    if exact:
        pts = np.vectorize(Fraction, otypes=[object])(pts)
    inside = np.all(np.asarray(pts.dot(a0.T) < b0, dtype=bool), axis=1)
    return np.vstack([np.asarray(start, dtype=pts.dtype)[None, :], pts[inside]])


def _split_vertices(cell: _Cell, j: int, unit: int, tol: float) -> list[_Cell]:
    """Float mode: :func:`_split` by the cell's vertices, with no LP (double description).

    The line ``z_j = 0`` cuts the cell iff vertices lie strictly on both sides; the
    children's vertices are those on their side, those on the hyperplane, and the
    hyperplane's crossings of the edges between the two sides (vertex pairs whose
    common tight rows no third vertex shares, and at least d − 1 of them).
    """
    row, c = cell.M[j], cell.m[j]
    verts, tight = cell.verts, cell.tight
    assert verts is not None and tight is not None
    vals = verts @ row + c
    margin = tol * (1 + np.abs(verts) @ np.abs(row) + abs(c))
    pos, neg = vals > margin, vals < -margin
    n_pos, n_neg = np.count_nonzero(pos), np.count_nonzero(neg)
    d = verts.shape[1]
    if not (n_pos and n_neg):  # one side (bit 1 only if z > 0 somewhere inside)
        out = _with_bit(cell, bool(n_pos))
        # the unit's boundary contains a facet only if it vanishes on d vertices
        return [_tie(out, j, unit, False, tol) if len(vals) - n_pos - n_neg >= d else out]
    zero = ~pos & ~neg
    p_idx, n_idx = np.flatnonzero(pos), np.flatnonzero(neg)
    common = tight[p_idx][:, None, :] & tight[n_idx][None, :, :]
    size = common.sum(axis=2)
    cand = np.argwhere(size >= d - 1)
    shared = common[cand[:, 0], cand[:, 1]]  # (pairs, rows)
    holders = tight.astype(np.int32) @ shared.T.astype(np.int32)  # (vertices, pairs)
    edge = (holders == size[cand[:, 0], cand[:, 1]][None, :]).sum(axis=0) == 2
    u, w = p_idx[cand[edge, 0]], n_idx[cand[edge, 1]]
    s = (vals[u] / (vals[u] - vals[w]))[:, None]
    new_verts = verts[u] + s * (verts[w] - verts[u])
    new_tight = shared[edge]
    children = []
    for bit, side in ((True, pos), (False, neg)):
        keep = side | zero
        child_verts = np.vstack([verts[keep], new_verts])
        on_plane = np.r_[zero[keep], np.ones(len(new_verts), dtype=bool)]
        child_tight = np.c_[np.vstack([tight[keep], new_tight]), on_plane]
        new_a, new_b = (-row, c) if bit else (row, -c)
        children.append(
            _Cell(
                np.vstack([cell.a, new_a]),
                np.r_[cell.b, new_b],
                [*cell.units, unit],
                child_verts.mean(axis=0)[None, :],  # strictly inside
                [*cell.bits, bit],
                cell.M,
                cell.m,
                child_verts,
                child_tight,
                cell.ties,
            )
        )
    return children


def _box_sides(cell: _Cell, tol: float) -> np.ndarray | None:
    """Float mode: +1/−1 for units whose pre-activation keeps one sign on the cell's box.

    The margin ``tol·scale`` keeps rounding in the box LPs from deciding a sign.
    """
    box = _float_box(cell.a, cell.b)
    if box is None:
        return None
    lo, hi = box
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    mid = cell.M.dot(centre) + cell.m
    spread = np.abs(cell.M).dot(half)
    margin = tol * (1 + np.abs(cell.M).dot(np.abs(centre) + half) + np.abs(cell.m))
    sides = np.zeros(len(mid), dtype=np.int8)
    sides[mid - spread > margin] = 1
    sides[mid + spread < -margin] = -1
    return sides


def _with_bit(cell: _Cell, bit: bool) -> _Cell:
    return _Cell(
        cell.a,
        cell.b,
        cell.units,
        cell.pool,
        [*cell.bits, bit],
        cell.M,
        cell.m,
        cell.verts,
        cell.tight,
        cell.ties,
    )


def _split(cell: _Cell, j: int, unit: int, exact: bool, tol: float) -> list[_Cell]:
    """The children of ``cell`` by unit ``j``: bit 1 on ``z_j > 0``, bit 0 on ``z_j < 0``.

    Known interior points decide a side for free; an LP is asked only when
    none of them lies strictly on it.
    """
    row, c = cell.M[j], cell.m[j]
    if all(v == 0 for v in row):
        return [_with_bit(cell, bool(c > 0))]
    values = cell.pool.dot(row) + c
    children = []
    for bit in (True, False):
        # bit 1: -row·x < c ; bit 0: row·x < -c
        new_a, new_b = (-row, c) if bit else (row, -c)
        side = np.asarray(values > 0 if bit else values < 0, dtype=bool)
        if side.any():
            pool = cell.pool[side]
        else:
            found = _interior(np.vstack([cell.a, new_a]), np.r_[cell.b, new_b], exact, tol)
            if found is None:
                continue
            pool = np.asarray(found, dtype=cell.pool.dtype)[None, :]
        children.append(
            _Cell(
                np.vstack([cell.a, new_a]),
                np.r_[cell.b, new_b],
                [*cell.units, unit],
                pool,
                [*cell.bits, bit],
                cell.M,
                cell.m,
                ties=cell.ties,
            )
        )
    if len(children) == 1:  # the unit does not cut the cell: its boundary may be a facet's
        children[0] = _tie(children[0], j, unit, exact, tol)
    return children


def _tie(cell: _Cell, j: int, unit: int, exact: bool, tol: float) -> _Cell:
    """Note rows of the cell whose hyperplane is also the boundary of unit ``j``.

    Unit ``j`` (pre-activation ``M_j x + m_j`` on the cell) vanishes on the whole
    hyperplane of row ``r`` (``a_r x < b_r``) when ``(M_j, m_j) = λ (a_r, −b_r)``:
    crossing that facet may flip it too (coincident units). Float cosines pick the
    candidates, exact arithmetic confirms them in exact mode — where every row
    whose cosine floats cannot give (overflow, underflow) is a candidate too, so
    no tie is missed.
    """
    rows = [r for r, u in enumerate(cell.units) if u >= 0 and u != unit]
    if not rows:
        return cell
    try:
        with np.errstate(all="ignore"):
            rv = np.c_[
                np.array(cell.a[rows], dtype=np.float64),
                -np.array(cell.b[rows], dtype=np.float64),
            ]
            uv = np.r_[np.array(cell.M[j], dtype=np.float64), float(cell.m[j])]
            rn, un = np.linalg.norm(rv, axis=1), float(np.linalg.norm(uv))
            cos = np.abs(rv @ uv) / (rn * un)
        unsure = ~np.isfinite(cos) | (rn == 0) | (un == 0)
    except OverflowError:  # a rational beyond float64's range: floats cannot filter
        cos, unsure = np.zeros(len(rows)), np.ones(len(rows), dtype=bool)
    hits = cos >= 1 - max(tol, 1e-12)
    ties = None
    for i in np.flatnonzero(hits | unsure if exact else hits & ~unsure).tolist():
        r = rows[i]
        if exact and not _proportional(cell.a[r], -cell.b[r], cell.M[j], cell.m[j]):
            continue
        ties = dict(cell.ties) if ties is None else ties
        ties[r] = ties.get(r, frozenset()) | {unit}
    return cell if ties is None else replace(cell, ties=ties)


def _proportional(a: np.ndarray, c: Any, u: np.ndarray, m: Any) -> bool:
    """Whether ``(u, m) = λ (a, c)`` for some λ ≠ 0, exactly."""
    ref = [*a, c]
    k = next((i for i, v in enumerate(ref) if v != 0), None)
    if k is None:
        return False
    lam = [*u, m][k] / ref[k]
    return lam != 0 and all(x == lam * y for x, y in zip([*u, m], ref))


def _advance(cell: _Cell, net: Network, layers: list[Any], layer: int, exact: bool) -> _Cell:
    """Mask the cell's map by its newest layer's bits and apply the next layer."""
    n_units = cell.M.shape[0]
    bits = cell.bits[-n_units:]
    act = net.activations[layer]
    low = act.slope  # 0 for ReLU
    gain = np.array(
        [Fraction(1) if bit else low for bit in bits]
        if exact
        else [1.0 if bit else float(low) for bit in bits],
        dtype=object if exact else np.float64,
    )
    w, b = layers[layer + 1]
    return _Cell(
        cell.a,
        cell.b,
        cell.units,
        cell.pool,
        cell.bits,
        w.dot(gain[:, None] * cell.M),
        w.dot(gain * cell.m) + b,
        cell.verts,
        cell.tight,
        cell.ties,
    )


def _add_facets(
    graph: nx.Graph,
    cells: dict[str, _Cell],
    position: np.ndarray,
    exact: bool,
    tol: float,
    deadline: float | None = None,
) -> bool:
    """Join ``π`` and ``π ⊕ F`` when their closures share a (d−1)-dimensional facet.

    A facet of a final cell lies on one of the rows its splits added; the cell's
    own rows (in its own arithmetic) give a point in the facet's relative
    interior. Crossing flips the row's unit — and, when other units' boundaries
    coincide with the row's hyperplane on the cell (``cell.ties``), the
    neighbour is found as the planar engines find it: those units flipped too,
    or the largest subset of them whose flip is a region. ``position``
    maps a unit to its bit in the pattern. Past ``deadline`` (a stopped
    enumeration only) it stops and returns False: some adjacencies may be
    missing.
    """
    for key, cell in cells.items():
        if deadline is not None and time.perf_counter() > deadline + _FACET_GRACE:
            return False
        bits = graph.nodes[key]["pattern"]
        for r, full_unit in enumerate(cell.units):
            if full_unit < 0:
                continue
            unit = int(position[full_unit])
            single = key[:unit] + ("1" if key[unit] == "0" else "0") + key[unit + 1 :]
            tied = {int(position[u]) for u in cell.ties.get(r, ())} - {unit}
            if not tied and (single not in cells or single < key):
                continue  # no region across, or found from the other side
            if cell.verts is not None and cell.tight is not None:
                point = _vertex_facet_point(cell.verts[cell.tight[:, r]], cell.a.shape[1], tol)
            else:
                point = _facet_point(cell.a, cell.b, r, exact, tol)
            if point is None:
                continue
            hit: tuple[str, tuple[int, ...]] | None
            if tied:
                hit = neighbour(bits, frozenset(tied | {unit}), cells)
            else:
                hit = (single, (unit,))
            if hit is not None and not graph.has_edge(key, hit[0]):
                graph.add_edge(key, hit[0], flips=hit[1], facet_point=point)
    return True


# after the budget ran out, the finished regions' facets get this much longer (seconds)
_FACET_GRACE = 0.5


def _vertex_facet_point(face: np.ndarray, d: int, tol: float) -> np.ndarray | None:
    """Float mode: the vertex average of a face if it spans ``d − 1`` dimensions."""
    if len(face) < d:
        return None
    spread = face[1:] - face[0]
    if d > 1 and np.linalg.matrix_rank(spread, tol=tol * (1 + np.abs(face).max())) != d - 1:
        return None
    return face.mean(axis=0)


def _facet_point(
    a: np.ndarray, b: np.ndarray, k: int, exact: bool, tol: float
) -> np.ndarray | None:
    """A point in the relative interior of ``{row k = b_k, other rows strict}``, or None.

    Solves ``x_p`` from row ``k`` (``a_kp ≠ 0``) and substitutes it into the other
    rows, so the question is again "does ``A' y < b'`` have a solution" in
    ``d − 1`` coordinates, decided (and certified in exact mode) like any other.
    """
    row, rhs = a[k], b[k]
    p = int(np.argmax(np.abs(np.array(row, dtype=np.float64))))
    others = [i for i in range(len(b)) if i != k]
    free = [i for i in range(a.shape[1]) if i != p]
    # x_p = (rhs - row_free · y) / row_p
    sub_a = a[others][:, free] - np.outer(a[others, p], row[free]) / row[p]
    sub_b = b[others] - a[others, p] * rhs / row[p]
    # a row on the facet's own hyperplane (a coincident unit's) becomes 0 < 0: the facet
    # lies on it, it constrains nothing there
    if exact:
        own = [all(v == 0 for v in r_) and c_ == 0 for r_, c_ in zip(sub_a, sub_b)]
    else:
        scale = tol * (1 + np.abs(a).max() + np.abs(b).max())
        own = [
            bool(np.all(np.abs(r_) <= scale) and abs(c_) <= scale) for r_, c_ in zip(sub_a, sub_b)
        ]
    if any(own):
        keep = ~np.array(own, dtype=bool)
        sub_a, sub_b = sub_a[keep], sub_b[keep]
    y: np.ndarray | None
    if not free:
        ok = all(v > 0 for v in sub_b)
        y = np.array([], dtype=object)
    elif exact:
        res = interior_point(sub_a, sub_b)
        ok, y = res.feasible, res.witness
    else:
        y = _float_interior(sub_a, sub_b, tol)
        ok = y is not None
    if not ok or y is None:
        return None
    x = np.empty(a.shape[1], dtype=a.dtype)
    x[free] = y
    x[p] = (rhs - row[free].dot(y)) / row[p]
    return np.array([Fraction(v) for v in x], dtype=object) if exact else x
