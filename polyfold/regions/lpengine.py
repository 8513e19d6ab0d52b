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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from .domains import Polytope
from .lp import _solve_float, interior_point
from .network import Network
from .planar import _bit_positions


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

    @property
    def witness(self) -> np.ndarray:
        return self.pool[0]


def _float_interior(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """A point with ``A x < b`` (margin > 1e-9 in ∞-norm), by one float LP; None if none."""
    m, d = a.shape
    a_ub = np.empty((m, d + 1))
    a_ub[:, :d] = a
    a_ub[:, d] = np.abs(a).sum(axis=1)
    cost = np.zeros(d + 1)
    cost[d] = -1.0
    upper = np.full(d + 1, np.inf)
    upper[d] = 1.0
    sol = _solve_float(cost, a_ub, b, None, None, np.full(d + 1, -np.inf), upper, "highs")
    if sol is None or sol[-1] <= 1e-9:
        return None
    return sol[:d]


def _float_box(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The bounding box of ``{A x ≤ b}`` by 2d float LPs (None if an LP fails)."""
    d = a.shape[1]
    free = np.full(d, np.inf)
    lo, hi = np.empty(d), np.empty(d)
    for i in range(d):
        for sign, out in ((1.0, lo), (-1.0, hi)):
            c = np.zeros(d)
            c[i] = sign
            sol = _solve_float(c, a, b, None, None, -free, free, "highs")
            if sol is None:
                return None
            out[i] = sol[i]
    return lo, hi


def _interior(a: np.ndarray, b: np.ndarray, exact: bool) -> np.ndarray | None:
    if exact:
        res = interior_point(a, b)
        return res.witness if res.feasible else None
    return _float_interior(a, b)


def lp_graph(net: Network, poly: Polytope, exact: bool, budget: Any) -> nx.Graph:
    dtype: Any = object if exact else np.float64
    layers = [
        (np.array(w, dtype=dtype), np.array(b, dtype=dtype))
        for w, b in (net.exact_weights if exact else net.weights)
    ]
    a0 = np.array(poly.A, dtype=dtype)
    b0 = np.array(poly.b, dtype=dtype)
    start = _interior(a0, b0, exact)
    if start is None:  # pragma: no cover - domains are checked to have interior
        raise AssertionError("domain without interior")
    pool = _initial_pool(poly, a0, b0, start, exact)
    n_split = net.depth + (1 if net.include_output else 0)
    keep, position = _bit_positions(net)

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
                    pieces = [c for piece in pieces for c in _split_vertices(piece, j, unit0 + j)]
        else:
            sides = None if exact else _box_sides(cell)
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
                pieces = [c for piece in pieces for c in _split(piece, j, unit0 + j, exact)]
        for piece in pieces:
            nxt = _advance(piece, net, layers, layer, exact) if layer < net.depth else piece
            yield from descend(nxt, layer + 1, unit0 + cell.M.shape[0])

    root = _Cell(a0, b0, [-1] * len(b0), pool, [], layers[0][0], layers[0][1])
    if not exact:
        found = _polytope_vertices(a0, b0, np.asarray(start, dtype=np.float64))
        if found is not None:
            root.verts, root.tight = found
    cells = {}
    from .regions import _interruptible

    graph = nx.Graph(complete=True)
    try:
        for cell in _interruptible(descend(root, 0, 0), graph):
            if budget.exhausted(graph.number_of_nodes()):
                graph.graph["complete"] = False
                break
            bits = np.array(cell.bits, dtype=bool)
            if keep is not None:
                bits = bits[keep]
            key = "".join("1" if bit else "0" for bit in bits)
            witness = np.array([Fraction(v) for v in cell.witness], dtype=object)
            graph.add_node(key, pattern=bits, witness=witness)
            cells[key] = cell
            budget.progress.update(1)
    except _OutOfTime:
        graph.graph["complete"] = False
    deadline = budget.deadline if not graph.graph["complete"] else None
    graph.graph["adjacency_complete"] = _add_facets(graph, cells, position, exact, deadline)
    return graph


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


def _tight(a: np.ndarray, b: np.ndarray, verts: np.ndarray) -> np.ndarray:
    """Which rows of ``A x ≤ b`` hold with equality (to float tolerance) at each vertex."""
    slack = b[None, :] - verts @ a.T
    return np.abs(slack) <= 1e-9 * (1 + np.abs(verts) @ np.abs(a).T + np.abs(b)[None, :])


def _polytope_vertices(
    a: np.ndarray, b: np.ndarray, inside: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Float mode: the vertices of the bounded ``{A x ≤ b}`` and their tight rows.

    qhull's halfspace intersection from a point inside; None when it fails.
    """
    d = a.shape[1]
    if d == 1:
        col = a[:, 0]
        if not (np.any(col > 0) and np.any(col < 0)):
            return None
        verts = np.array([[np.max(b[col < 0] / col[col < 0])], [np.min(b[col > 0] / col[col > 0])]])
    else:
        from scipy.spatial import HalfspaceIntersection

        try:
            verts = HalfspaceIntersection(np.c_[a, -b], inside).intersections
        except Exception:  # qhull's errors: the LP path takes over
            return None
        verts = np.unique(np.round(verts, 12), axis=0)  # a non-simple vertex comes once per facet
    if len(verts) <= d or not np.all(np.isfinite(verts)):
        return None
    return verts, _tight(a, b, verts)


def _split_vertices(cell: _Cell, j: int, unit: int) -> list[_Cell]:
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
    tol = 1e-9 * (1 + np.abs(verts) @ np.abs(row) + abs(c))
    pos, neg = vals > tol, vals < -tol
    if not (pos.any() and neg.any()):  # one side (bit 1 only if z > 0 somewhere inside)
        return [_with_bit(cell, bool(pos.any()))]
    zero = ~pos & ~neg
    d = verts.shape[1]
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
            )
        )
    return children


def _box_sides(cell: _Cell) -> np.ndarray | None:
    """Float mode: +1/−1 for units whose pre-activation keeps one sign on the cell's box.

    The margin ``1e-9·scale`` keeps rounding in the box LPs from deciding a sign.
    """
    box = _float_box(cell.a, cell.b)
    if box is None:
        return None
    lo, hi = box
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    mid = cell.M.dot(centre) + cell.m
    spread = np.abs(cell.M).dot(half)
    margin = 1e-9 * (1 + np.abs(cell.M).dot(np.abs(centre) + half) + np.abs(cell.m))
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
    )


def _split(cell: _Cell, j: int, unit: int, exact: bool) -> list[_Cell]:
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
            found = _interior(np.vstack([cell.a, new_a]), np.r_[cell.b, new_b], exact)
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
            )
        )
    return children


def _advance(cell: _Cell, net: Network, layers: list[Any], layer: int, exact: bool) -> _Cell:
    """Mask the cell's map by its newest layer's bits and apply the next layer."""
    n_units = cell.M.shape[0]
    bits = cell.bits[-n_units:]
    act = net.activations[layer]
    low = act.slope if act.name == "leaky_relu" else Fraction(0)
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
    )


def _add_facets(
    graph: nx.Graph,
    cells: dict[str, _Cell],
    position: np.ndarray,
    exact: bool,
    deadline: float | None = None,
) -> bool:
    """Join ``π`` and ``π ⊕ {k}`` when they share a (d−1)-dimensional facet.

    A facet of a final cell lies on one of the rows its splits added; the cell's
    own rows (in its own arithmetic) give the facet LP. ``position`` maps a
    unit to its bit in the pattern. Past ``deadline`` (a stopped enumeration
    only) it stops and returns False: some adjacencies may be missing.
    """
    for key, cell in cells.items():
        if deadline is not None and time.perf_counter() > deadline + _FACET_GRACE:
            return False
        for r, full_unit in enumerate(cell.units):
            if full_unit < 0:
                continue
            unit = int(position[full_unit])
            other = key[:unit] + ("1" if key[unit] == "0" else "0") + key[unit + 1 :]
            if other not in cells or other < key:
                continue
            if cell.verts is not None and cell.tight is not None:
                point = _vertex_facet_point(cell.verts[cell.tight[:, r]], cell.a.shape[1])
            else:
                point = _facet_point(cell.a, cell.b, r, exact)
            if point is not None:
                graph.add_edge(key, other, flips=(unit,), facet_point=point)
    return True


# after the budget ran out, the finished regions' facets get this much longer (seconds)
_FACET_GRACE = 0.5


def _vertex_facet_point(face: np.ndarray, d: int) -> np.ndarray | None:
    """Float mode: the vertex average of a face if it spans ``d − 1`` dimensions."""
    if len(face) < d:
        return None
    spread = face[1:] - face[0]
    if d > 1 and np.linalg.matrix_rank(spread, tol=1e-9 * (1 + np.abs(face).max())) != d - 1:
        return None
    return face.mean(axis=0)


def _facet_point(a: np.ndarray, b: np.ndarray, k: int, exact: bool) -> np.ndarray | None:
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
    y: np.ndarray | None
    if not free:
        ok = all(v > 0 for v in sub_b)
        y = np.array([], dtype=object)
    elif exact:
        res = interior_point(sub_a, sub_b)
        ok, y = res.feasible, res.witness
    else:
        y = _float_interior(sub_a, sub_b)
        ok = y is not None
    if not ok or y is None:
        return None
    x = np.empty(a.shape[1], dtype=a.dtype)
    x[free] = y
    x[p] = (rhs - row[free].dot(y)) / row[p]
    return np.array([Fraction(v) for v in x], dtype=object) if exact else x
