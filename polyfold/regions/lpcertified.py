"""Exact regions in any dimension at float speed: the vertex route's answer, certified.

The LP engine's float vertex route (``polyfold.regions.lpengine.vertex_cells``)
gives every cell's pattern, its vertices and which rows are tight at each. This
module rebuilds each cell exactly from that combinatorial description and proves
the result with no tolerance. Floats only filter, with a rigorous bound on their
error (``polyfold.regions._exact.forward_bounds``); whatever they leave
undecided is decided in integers.

Write ``C_π`` for the closed polyhedron where the domain's inequalities hold and
every unit ``u`` (under the masked maps of ``π``, exact integer rows from
``polyfold.regions._exact.Maps``) has the sign its bit prescribes:
``z_u ≥ 0`` for bit 1, ``z_u ≤ 0`` for bit 0. The checks:

1. **Vertices.** Each float vertex becomes the exact solution of ``d``
   independent rows tight there; it must satisfy every inequality of ``C_π``
   (closed), and its exact tight set ``T(v)`` is recorded. So every point kept
   is a vertex of ``C_π`` (``d`` independent tight rows).
2. **Witness.** The mean ``w`` of a cell's vertices satisfies every
   inequality with a non-zero gradient strictly, and a unit whose map vanishes
   identically on the cell has bit 0. So ``w`` is an interior point of
   ``C_π``, its pattern is ``π``, and ``C_π`` is the closure of the region
   ``R_π`` (a full-dimensional convex set). The patterns are distinct.
3. **Every vertex (Balinski).** From each vertex, every edge of ``C_π`` (the
   extreme rays of its tangent cone: ``T(v) ∖ {i}`` at a simple vertex, exact
   null vectors of ``d − 1`` tight rows at a non-simple one) ends at a kept
   vertex. The graph of a polytope is connected, so the kept vertices are all
   of ``C_π``'s (M. L. Balinski, *On the graph structure of convex polyhedra
   in n-space*, Pacific J. Math. 11(2), 1961, doi:10.2140/pjm.1961.11.431), and
   its facets are exactly the tight sets of affine dimension ``d − 1``.
4. **Every facet.** A facet ``F`` that no domain row carries is crossed at its
   vertex mean ``q`` (relative interior): a unit whose value at ``q`` is not 0
   keeps its sign near ``q``, so only the units vanishing on ``F`` can flip. If
   that is one unit, the region across is ``π`` with that bit flipped;
   otherwise the exact pattern just beyond ``q`` is computed by a forward pass
   with first-order (lexicographic) signs along ``q − w``. The region across
   must be a found cell; the edge joins them, with ``q`` as its facet point.

Why that is a proof. By (2) the cells are regions with disjoint interiors. By
(3) and (4) every facet of every found cell inside the domain is shared with
a found cell — and the whole facet is, since the pattern beyond is the same at
every point of its relative interior. So the boundary of the union ``U`` of
the found cells, inside the domain, lies in faces of dimension ``d − 2`` or
less: a set that cannot separate the domain's (connected) interior. Hence
``U`` is the whole domain, every region of the domain is found (its interior
meets some ``C_π`` in an open set, where both patterns hold), and the
adjacencies are every shared facet. Regions that touch only in a face of
dimension ``d − 2`` or less are not adjacent, as everywhere in polyfold.

A check that fails returns ``None``; the caller then runs the exact LP route
(:func:`~polyfold.regions.lpengine.lp_graph`), so the answer is exact either
way and the certificate only decides how fast it came.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import comb, gcd, lcm
from typing import Any

import networkx as nx
import numpy as np
from flint import fmpz_mat

from .._arith import float_array
from .._numeric import SAFE, TINY, U, dot_factor
from ..domains import Polytope
from ..geometry import FLOAT_TOL
from ..network import Network
from ._build import Budget, bit_positions, interrupted_graph, new_graph, pattern_key
from ._exact import Maps, as_integers, forward_bounds, packed_keys
from .lpengine import vertex_cells

__all__ = ["METHOD", "certified_lp_graph"]

METHOD = "float vertex tracking, certified exactly"

# a non-simple vertex with more (d − 1)-subsets of tight rows than this is not certified
# (the caller's exact LP route takes over)
_MAX_SUBSETS = 20_000


def certified_lp_graph(
    net: Network, poly: Polytope, budget: Budget, tol: float = FLOAT_TOL
) -> nx.Graph | None:
    """Exact mode, fast: the float vertex route's cells certified exactly (or None).

    The module docstring gives the checks and why they prove the graph.

    Parameters
    ----------
    net
        A ReLU or leaky-ReLU network at threshold 0.
    poly
        The domain polytope.
    budget
        Where to stop (all-or-nothing: refused by the caller).
    tol
        The float vertex route's relative tolerance.

    Returns
    -------
    networkx.Graph or None
        None when some check fails (the caller then runs the certified LPs).
    """
    try:
        cells = vertex_cells(net, poly, tol)
        proof = None if cells is None or not cells else _certify(net, poly, cells)
    except KeyboardInterrupt:  # nothing is certified before the end: no region to return
        return interrupted_graph(METHOD)
    if proof is None:
        return None
    graph = _graph(net, proof, poly.dim)
    budget.progress.update(graph.number_of_nodes())
    return graph


@dataclass
class _Proof:
    """A certified answer: per cell its bits, vertices (``X / D``), tight sets and witness."""

    bits: np.ndarray  # (cells, split units)
    X: np.ndarray  # (vertices, d) integers (object)
    D: np.ndarray  # (vertices,) positive integers
    owner: np.ndarray  # the cell of each vertex
    tight: list[frozenset[int]]  # per vertex: constraint ids (domain rows, then md + unit)
    md: int
    witnesses: list[np.ndarray]
    polygons: list[list[int]] | None  # 2-D: each cell's vertices in counter-clockwise order
    edges: list[tuple[int, int, tuple[int, ...], np.ndarray]]  # cell, cell, flips, point


def _certify(net: Network, poly: Polytope, cells: list[Any]) -> _Proof | None:
    d = poly.dim
    bits = np.array([c.bits for c in cells], dtype=bool)
    keys = packed_keys(bits)
    if len(np.unique(keys)) != len(cells):
        return None
    n_split = net.depth + (1 if net.include_output else 0)
    offsets = np.cumsum([0] + [w.shape[0] for w, _ in net.weights[:n_split]])
    keep, _ = bit_positions(net)
    linear = np.zeros(int(offsets[-1]), dtype=bool) if keep is None else ~keep
    maps = Maps(net, bits, offsets)
    dom = _domain_rows(poly)
    md = len(dom)

    # 1. exact vertices: d tight rows each, solved in integers
    owner_l: list[int] = []
    chosen: list[list[int]] = []
    for i, cell in enumerate(cells):
        ids = np.array([r if r < md else md + u for r, u in enumerate(cell.units)])
        for v in range(len(cell.verts)):
            on = np.flatnonzero(cell.tight[v])
            pick = _independent(cell.a[on], on, d) if len(on) > d else on
            if pick is None or len(pick) < d:
                return None
            owner_l.append(i)
            chosen.append(ids[pick].tolist())
    owner = np.array(owner_l, dtype=np.intp)
    cids = np.array(chosen, dtype=np.int64).reshape(len(owner), d)
    rows = _Rows(maps, bits, dom, md)
    mats = rows.get(np.repeat(owner, d), cids.ravel()).reshape(len(owner), d, d + 1)
    hom = _null_vectors(mats)  # (vertices, d + 1): X_1..X_d, D
    if hom is None:
        return None
    pts = np.array((hom[:, :d] / hom[:, d : d + 1]).tolist(), dtype=np.float64).reshape(-1, d)
    hom, owner, pts = _dedupe(hom, owner, pts)
    X, D = hom[:, :d], hom[:, d]

    # ... each satisfying its cell's closed inequalities; exact tight sets; vanishing units
    tight_pairs, vanishing = _check_points(
        net, maps, rows, bits, linear, dom, owner, X, D, pts, strict=False
    )
    if tight_pairs is None:
        return None
    tight: list[set[int]] = [set() for _ in range(len(owner))]
    for v, c in tight_pairs:
        tight[v].add(c)
    tight_f = [frozenset(t) for t in tight]
    if any(len(t) < d for t in tight_f):
        return None

    per_cell: list[list[int]] = [[] for _ in cells]
    for v, c in enumerate(owner.tolist()):
        per_cell[c].append(v)
    if any(len(vs) <= d for vs in per_cell):
        return None

    # 3. every edge from every vertex ends at a kept vertex
    neighbours = _balinski(rows, owner, tight_f, per_cell, d)
    if neighbours is None:
        return None

    # 2. (after 3: it uses the edges) witnesses strictly inside: the centroid of a simple
    # vertex and its d neighbours (a full-dimensional simplex in the cell), else the mean
    # of all the cell's vertices
    spans = []
    for vs in per_cell:
        simple = next((v for v in vs if len(tight_f[v]) == d), None)
        spans.append(vs if simple is None else [simple, *neighbours[simple]])
    wh = np.array([_mean(X, D, vs) for vs in spans], dtype=object)  # (cells, d + 1)
    wpts = np.array((wh[:, :d] / wh[:, d : d + 1]).tolist(), dtype=np.float64).reshape(-1, d)
    strict = _check_points(
        net,
        maps,
        rows,
        bits,
        linear,
        dom,
        np.arange(len(cells)),
        wh[:, :d],
        wh[:, d],
        wpts,
        strict=True,
        vanishing=vanishing,
    )
    if strict[0] is None:
        return None

    # 4. every facet inside the domain has a found cell across
    index = {k.tobytes(): i for i, k in enumerate(keys)}
    edges = _facets(
        net, bits, X, D, tight_f, per_cell, neighbours, wh, vanishing, index, md, d, offsets
    )
    if edges is None:
        return None
    polygons = None
    if d == 2:
        polygons = _polygons(X, D, per_cell, neighbours)
        if polygons is None:
            return None
    witnesses = [np.array([Fraction(x, w[d]) for x in w[:d]], dtype=object) for w in wh]
    return _Proof(bits, X, D, owner, tight_f, md, witnesses, polygons, edges)


# -- exact rows ---------------------------------------------------------------------------


def _domain_rows(poly: Polytope) -> np.ndarray:
    """Integer rows ``c`` with ``c · (x, 1) ≥ 0`` for each domain inequality ``A_r x ≤ b_r``."""
    out = np.empty((len(poly.b), poly.dim + 1), dtype=object)
    for r in range(len(poly.b)):
        n, _ = as_integers(np.array([*(-poly.A[r]), poly.b[r]], dtype=object))
        g = gcd(*n) or 1
        out[r] = [v // g for v in n]
    return out


class _Rows:
    """Exact constraint rows ``c · (x, 1) ≥ 0`` of cells, by id: domain rows first, then
    ``md + u`` for split unit ``u`` (sign-adjusted by the cell's bit); cached."""

    def __init__(self, maps: Maps, bits: np.ndarray, dom: np.ndarray, md: int) -> None:
        self.maps, self.bits, self.dom, self.md = maps, bits, dom, md
        self.cache: dict[tuple[int, int], np.ndarray] = {}

    def get(self, cells: np.ndarray, ids: np.ndarray) -> np.ndarray:
        out = np.empty((len(cells), self.maps.k), dtype=object)
        on_dom = ids < self.md
        if on_dom.any():
            out[on_dom] = self.dom[ids[on_dom]]
        unit = ~on_dom
        if unit.any():
            c, u = cells[unit], ids[unit] - self.md
            g = self.maps.split_rows(c, u)
            neg = ~self.bits[c, u]
            g[neg] = -g[neg]
            out[unit] = g
        return out

    def one(self, cell: int, cid: int) -> np.ndarray:
        key = (cell, cid)
        row = self.cache.get(key)
        if row is None:
            row = self.cache[key] = self.get(np.array([cell]), np.array([cid]))[0]
        return row


def _independent(a: np.ndarray, rows: np.ndarray, d: int) -> np.ndarray | None:
    """``d`` of ``rows`` whose float rows are independent (pivoted QR), or None."""
    from scipy.linalg import qr

    m = np.asarray(a, dtype=np.float64)
    m = m / np.maximum(np.linalg.norm(m, axis=1), 1e-300)[:, None]
    _, r, piv = qr(m.T, pivoting=True)
    if abs(r[d - 1, d - 1]) < 1e-9:
        return None
    return rows[np.sort(piv[:d])]


def _minors(m: np.ndarray) -> np.ndarray:
    """Signed maximal minors of a stack of ``k × (k + 1)`` integer matrices, exactly:
    ``out[:, j] = (−1)^j det(m without column j)``, so ``m · out = 0``.

    Laplace expansion from the bottom row up, each minor of the lower rows built once.
    """
    n, k, cols = m.shape
    minors: dict[tuple[int, ...], Any] = {(): np.ones(n, dtype=object)}
    for size in range(1, k + 1):
        row = m[:, k - size]
        level = {}
        for subset in combinations(range(cols), size):
            total: Any = 0
            for i, j in enumerate(subset):
                term = row[:, j] * minors[subset[:i] + subset[i + 1 :]]
                total = total + term if i % 2 == 0 else total - term
            level[subset] = total
        minors = level
    out = np.empty((n, cols), dtype=object)
    everything = tuple(range(cols))
    for j in range(cols):
        det = minors[everything[:j] + everything[j + 1 :]]
        out[:, j] = det if j % 2 == 0 else -det
    return out


def _null_vectors(mats: np.ndarray) -> np.ndarray | None:
    """The homogeneous solution ``(X, D)``, ``D > 0``, of each ``d × (d + 1)`` system
    (signed maximal minors); None when a system is singular."""
    d = mats.shape[1]
    out = _minors(mats)
    den = out[:, d]
    positive = np.array([v > 0 for v in den], dtype=bool)
    if not all(positive | np.array([v < 0 for v in den], dtype=bool)):
        return None
    out[~positive] = -out[~positive]
    return out


def _dedupe(
    hom: np.ndarray, owner: np.ndarray, pts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per distinct (cell, exact point). Equal exact points have equal (correctly
    rounded) floats ``pts``, so only rows with equal floats are compared, exactly."""
    key = np.ascontiguousarray(np.c_[owner.astype(np.float64), pts]).view(
        f"V{8 * (pts.shape[1] + 1)}"
    )
    _, first, back = np.unique(key.ravel(), return_index=True, return_inverse=True)
    rep = first[back.ravel()]
    keep = rep == np.arange(len(owner))
    d = pts.shape[1]
    for v in np.flatnonzero(~keep).tolist():
        r = int(rep[v])
        if any(hom[v, j] * hom[r, d] != hom[r, j] * hom[v, d] for j in range(d)):
            keep[v] = True  # equal floats, different points: both stay
    return hom[keep], owner[keep], pts[keep]


def _mean(X: np.ndarray, D: np.ndarray, vs: list[int]) -> list[int]:
    """The mean of vertices ``vs`` as an integer homogeneous point ``(W, Dw)``, ``Dw > 0``."""
    den = lcm(*(int(D[v]) for v in vs))
    w = [sum(int(X[v, j]) * (den // int(D[v])) for v in vs) for j in range(X.shape[1])]
    out = [*w, den * len(vs)]
    g = gcd(*out)
    return [v // g for v in out]


# -- checks at points ---------------------------------------------------------------------


def _check_points(
    net: Network,
    maps: Maps,
    rows: _Rows,
    bits: np.ndarray,
    linear: np.ndarray,
    dom: np.ndarray,
    owner: np.ndarray,
    X: np.ndarray,
    D: np.ndarray,
    pts: np.ndarray,
    *,
    strict: bool,
    vanishing: dict[int, set[int]] | None = None,
) -> tuple[list[tuple[int, int]] | None, dict[int, set[int]]]:
    """Every constraint of each point's cell at the points ``X / D`` (float ``pts``).

    Closed (``strict=False``): every value ``≥ 0``; returns the (point, id) pairs where
    a constraint with a non-zero row is exactly 0, and per cell the units whose row is
    identically 0 there. Strict: every value ``> 0``, except a unit vanishing on the
    cell, which must have bit 0. ``None`` in the first place when a check fails.
    """
    md = len(dom)
    vanishing = {} if vanishing is None else vanishing
    out: list[tuple[int, int]] = []
    # the domain's rows: a float filter, then integers
    # (the rows' and products' rounding, and the points' own 2u: see forward_bounds)
    with np.errstate(all="ignore"):
        fd = float_array(dom)
        val = pts @ fd[:, :-1].T + fd[:, -1]
        size = np.abs(pts) @ np.abs(fd[:, :-1]).T + np.abs(fd[:, -1])
        bound = (dot_factor(pts.shape[1] + 1) + 4 * U) * SAFE * size + TINY
    if np.any(val < -bound):
        return None, vanishing
    for p, r in zip(*np.nonzero(~(val > bound))):  # not decided (NaN and inf included)
        exact = sum(int(c) * int(x) for c, x in zip(dom[r][:-1], X[p])) + int(dom[r][-1]) * int(
            D[p]
        )
        if exact < 0 or (strict and exact == 0):
            return None, vanishing
        if exact == 0:
            out.append((int(p), int(r)))
    # the units: z ≥ 0 for bit 1, z ≤ 0 for bit 0 (under the pattern's maps)
    radius = 2.0**-52 * np.abs(pts) + TINY
    z, rad = forward_bounds(net, pts, radius)
    sign = np.where(bits[owner], 1.0, -1.0)
    sz = z * sign
    ok = sz > rad
    if np.any((sz < -rad) & ~linear):
        return None, vanishing
    p_idx, u_idx = np.nonzero(~ok & ~linear)
    if len(p_idx):
        g = rows.get(owner[p_idx], md + u_idx.astype(np.int64))
        hom = np.c_[X[p_idx], D[p_idx]]
        values = (g * hom).sum(axis=1)
        for p, u, value, row in zip(p_idx.tolist(), u_idx.tolist(), values.tolist(), g):
            if value > 0:
                continue
            if value < 0:
                return None, vanishing
            cell = int(owner[p])
            if all(c == 0 for c in row):  # the unit's map vanishes on the whole cell
                if strict and bits[cell, u]:
                    return None, vanishing
                if not strict:
                    vanishing.setdefault(cell, set()).add(u)
                continue
            if strict:
                return None, vanishing
            out.append((p, md + u))
    return out, vanishing


# -- every vertex, every facet -------------------------------------------------------------


def _balinski(
    rows: _Rows,
    owner: np.ndarray,
    tight: list[frozenset[int]],
    per_cell: list[list[int]],
    d: int,
) -> list[list[int]] | None:
    """Per vertex, the kept vertices at the other end of its edges; None if an edge ends
    at no kept vertex (so a vertex is missing) or a vertex is too degenerate to check."""
    index: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    for v, t in enumerate(tight):
        if comb(len(t), d - 1) > _MAX_SUBSETS:
            return None
        cell = int(owner[v])
        for q in combinations(sorted(t), d - 1):
            index[(cell, q)].append(v)
    out: list[list[int]] = []
    for v, t in enumerate(tight):
        cell = int(owner[v])
        ends: list[int] = []
        if len(t) == d:  # simple: the edges drop one tight row each
            order = sorted(t)
            for i in range(d):
                q = tuple(order[:i] + order[i + 1 :])
                found = [u for u in index[(cell, q)] if u != v]
                if len(found) != 1:
                    return None
                ends.append(found[0])
        else:
            rays = _rays(rows, cell, sorted(t), d)
            if rays is None or len(rays) < d:
                return None
            for zero in rays:
                q = tuple(sorted(zero))[: d - 1]
                found = [u for u in index[(cell, q)] if u != v and zero <= tight[u]]
                if len(found) != 1:
                    return None
                ends.append(found[0])
        out.append(ends)
    return out


def _rays(rows: _Rows, cell: int, tight: list[int], d: int) -> list[frozenset[int]] | None:
    """The extreme rays of a non-simple vertex's tangent cone ``{y : g_j · y ≥ 0, j ∈ T}``,
    each as the set of tight rows it lies on (those of rank ``d − 1``)."""
    grads = np.array([rows.one(cell, c)[:d] for c in tight], dtype=object)
    found: set[frozenset[int]] = set()
    for q in combinations(range(len(tight)), d - 1):
        sub = grads[list(q)]
        y = _minors(sub[None, :, :].reshape(1, d - 1, d))[0]
        if all(v == 0 for v in y):
            continue
        s = grads.dot(y)
        if all(v >= 0 for v in s):
            pass
        elif all(v <= 0 for v in s):
            s = -s
        else:
            continue
        found.add(frozenset(tight[i] for i in range(len(tight)) if s[i] == 0))
    return list(found)


def _facets(
    net: Network,
    bits: np.ndarray,
    X: np.ndarray,
    D: np.ndarray,
    tight: list[frozenset[int]],
    per_cell: list[list[int]],
    neighbours: list[list[int]],
    wh: np.ndarray,
    vanishing: dict[int, set[int]],
    index: dict[bytes, int],
    md: int,
    d: int,
    offsets: np.ndarray,
) -> list[tuple[int, int, tuple[int, ...], np.ndarray]] | None:
    """Every facet of every cell inside the domain, with the found cell across (or None)."""
    layer_of = np.searchsorted(offsets, np.arange(int(offsets[-1])), side="right") - 1
    edges = []
    done: set[tuple[int, int]] = set()
    for cell, vs in enumerate(per_cell):
        holders: dict[int, list[int]] = defaultdict(list)
        for v in vs:
            for c in tight[v]:
                holders[c].append(v)
        faces: dict[frozenset[int], list[int]] = defaultdict(list)
        for c, on in holders.items():
            faces[frozenset(on)].append(c)
        dead = vanishing.get(cell, set())
        for face, ids in faces.items():
            if any(c < md for c in ids):
                continue  # on the domain's boundary
            if not _is_facet(face, tight, X, D, d):
                continue
            units = sorted(c - md for c in ids)
            first = min(int(layer_of[u]) for u in units)
            later = sorted(u for u in dead if layer_of[u] > first)
            if len(units) == 1 and not later:
                other = bits[cell].copy()
                other[units[0]] ^= True
                point = None
            else:
                point = _mean(X, D, _facet_span(face, ids, tight, neighbours, d))
                other = _beyond(net, point, wh[cell], d)
            j = index.get(packed_keys(other[None, :])[0].tobytes())
            if j is None or j == cell:
                return None
            pair = (min(cell, j), max(cell, j))
            if pair in done:
                continue
            done.add(pair)
            if point is None:
                point = _mean(X, D, _facet_span(face, ids, tight, neighbours, d))
            flips = tuple(np.flatnonzero(bits[cell] != bits[j]).tolist())
            q = np.array([Fraction(x, point[d]) for x in point[:d]], dtype=object)
            edges.append((cell, j, flips, q))
    return edges


def _facet_span(
    face: frozenset[int],
    ids: list[int],
    tight: list[frozenset[int]],
    neighbours: list[list[int]],
    d: int,
) -> list[int]:
    """Vertices of a facet whose mean is in its relative interior: a simple vertex and
    its ``d − 1`` neighbours along the facet's edges (a ``(d − 1)``-simplex), or all."""
    for v in face:
        if len(tight[v]) == d:
            order = sorted(tight[v])  # edge k of a simple vertex drops order[k]
            return [v, *(u for k, u in enumerate(neighbours[v]) if order[k] not in ids)]
    return sorted(face)


def _is_facet(
    face: frozenset[int], tight: list[frozenset[int]], X: np.ndarray, D: np.ndarray, d: int
) -> bool:
    """Whether the face with these vertices spans ``d − 1`` dimensions (exactly)."""
    if len(face) < d:
        return False
    if any(len(tight[v]) == d for v in face):  # a simple vertex: every tight row is a facet's
        return True
    hom = [[*X[v].tolist(), D[v]] for v in face]
    return int(fmpz_mat(len(hom), d + 1, [int(x) for row in hom for x in row]).rank()) == d


def _beyond(net: Network, point: list[int], inside: np.ndarray, d: int) -> np.ndarray:
    """The split bits just beyond ``point`` away from ``inside`` (exact, first-order signs)."""
    q = np.array([Fraction(x, point[d]) for x in point[:d]], dtype=object)
    w = np.array([Fraction(int(x), int(inside[d])) for x in inside[:d]], dtype=object)
    h, dh = q, q - w
    n_split = net.depth + (1 if net.include_output else 0)
    out = []
    for layer, (wt, b) in enumerate(net.exact_weights[:n_split]):
        z, dz = wt.dot(h) + b, wt.dot(dh)
        bit = np.array([v > 0 or (v == 0 and s > 0) for v, s in zip(z, dz)], dtype=bool)
        if layer < net.depth:
            lin = net.linear_units[layer]
            bit |= lin
            slope = net.activations[layer].slope
            gain = np.array([Fraction(1) if on else slope for on in bit], dtype=object)
            h, dh = gain * z, gain * dz
        out.append(bit)
    return np.concatenate(out)


def _polygons(
    X: np.ndarray, D: np.ndarray, per_cell: list[list[int]], neighbours: list[list[int]]
) -> list[list[int]] | None:
    """2-D: each cell's vertices in counter-clockwise order, walking its edges."""
    out = []
    for vs in per_cell:
        if any(len(neighbours[v]) != 2 for v in vs):
            return None
        ring = [vs[0]]
        prev, cur = -1, vs[0]
        while True:
            a, b = neighbours[cur]
            nxt = b if a == prev else a
            if nxt == vs[0]:
                break
            ring.append(nxt)
            prev, cur = cur, nxt
            if len(ring) > len(vs):
                return None
        if len(ring) != len(vs):
            return None
        if _twice_area(X, D, ring) < 0:
            ring = ring[::-1]
        out.append(ring)
    return out


def _twice_area(X: np.ndarray, D: np.ndarray, ring: list[int]) -> Fraction:
    total = Fraction(0)
    for i, v in enumerate(ring):
        u = ring[(i + 1) % len(ring)]
        total += Fraction(
            int(X[v, 0]) * int(X[u, 1]) - int(X[u, 0]) * int(X[v, 1]), int(D[v] * D[u])
        )
    return total


# -- the graph ----------------------------------------------------------------------------


def _graph(net: Network, proof: _Proof, d: int) -> nx.Graph:
    keep, position = bit_positions(net)
    bits = proof.bits if keep is None else proof.bits[:, keep]
    names = [pattern_key(b) for b in bits]
    graph = new_graph(METHOD)
    md = proof.md
    for i, name in enumerate(names):
        data: dict[str, Any] = {"pattern": bits[i], "witness": proof.witnesses[i]}
        if proof.polygons is not None:
            ring = proof.polygons[i]
            verts = np.array(
                [[Fraction(int(x), int(proof.D[v])) for x in proof.X[v]] for v in ring],
                dtype=object,
            )
            units = []
            for k, v in enumerate(ring):
                u = ring[(k + 1) % len(ring)]
                both = (proof.tight[v] & proof.tight[u]) - set(range(md))
                units.append(tuple(sorted(int(position[c - md]) for c in both)))
            data.update(
                vertices=verts,
                area=_twice_area(proof.X, proof.D, ring) / 2,
                edge_units=units,
            )
        graph.add_node(name, **data)
    for a, b, flips, point in proof.edges:
        pos = tuple(sorted(int(position[u]) for u in flips))
        graph.add_edge(names[a], names[b], flips=pos, facet_point=point)
    return graph
