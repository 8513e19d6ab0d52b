r"""Linear regions as exact polyhedra, realizability with certificates, enumeration, graphs.

For a pattern ``π`` of a ReLU network (threshold 0), fixing the bits of the
layers before ``l`` makes layer ``l``'s pre-activations affine in ``x``,
``z_l = M_l x + m_l`` (masking the weights), so

.. math::

    R_π = \{x : M_l[j] x + m_l[j] > 0 \text{ if } π_{lj} = 1,\;
                 M_l[j] x + m_l[j] ≤ 0 \text{ if } π_{lj} = 0\}

is a polyhedron with one inequality per unit. ``π`` is realizable in a domain
``D`` when ``R_π ∩ D`` has non-empty interior (DESIGN.md §1).

Regions are polyhedra only when the pattern fixes each unit's affine piece:
ReLU or leaky ReLU at threshold 0, with every hidden layer in the pattern.
Other settings raise :class:`~polyfold.InvalidInputError`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from ._arith import brief, to_fraction
from ._progress import check_progress, progress_bar
from .domains import Polytope, Slice, as_domain
from .errors import InvalidInputError, check_budget, check_count, check_flag
from .folding import as_patterns
from .lp import Feasibility, interior_point
from .network import Network

__all__ = [
    "Region",
    "enumerate_regions",
    "is_realizable",
    "pattern_key",
    "region",
    "region_graph",
]

ENGINES = ("auto", "planar", "lp")


def pattern_key(pattern: Any) -> str:
    """The pattern as a string of 0/1, the node key of region graphs.

    >>> pattern_key([True, False, True])
    '101'
    """
    return (np.asarray(pattern, dtype=np.uint8) + 48).tobytes().decode("ascii")


def _check_polyhedral(net: Network) -> None:
    if net.threshold != 0 or any(a.name not in ("relu", "leaky_relu") for a in net.activations):
        raise InvalidInputError(
            "net: region polyhedra need ReLU or leaky ReLU units at threshold 0 "
            "(only then does a pattern fix every unit's affine piece)"
        )
    if net.pattern_layers != tuple(range(net.depth)):
        raise InvalidInputError(
            "net: region polyhedra need every hidden layer in the pattern (pattern_layers=None)"
        )


@dataclass(frozen=True, eq=False)
class Region:
    """The polyhedron ``R_π ∩ D`` of one pattern, exactly.

    ``A x < b`` on rows with ``strict`` true, ``A x ≤ b`` elsewhere: one row per
    unit of the pattern (strict for bit 1), then the domain's rows. ``maps[l]``
    is ``(M_l, m_l)`` with ``z_l = M_l x + m_l`` on the region; ``maps[-1]`` is the
    output. All entries are :class:`Fraction`. For a :class:`Slice` domain the
    coordinates are the slice's ``α``.
    """

    pattern: np.ndarray
    A: np.ndarray
    b: np.ndarray
    strict: np.ndarray
    maps: tuple[tuple[np.ndarray, np.ndarray], ...]

    def __repr__(self) -> str:
        return (
            f"Region(pattern {pattern_key(self.pattern)}, {self.A.shape[0]} inequalities in "
            f"{self.A.shape[1]} dimensions, {int(np.sum(self.strict))} strict)"
        )

    @property
    def output_map(self) -> tuple[np.ndarray, np.ndarray]:
        return self.maps[-1]

    def contains(self, x: Any) -> bool:
        """Whether ``x`` (exact) lies in the region (strict rows strictly)."""
        from .network import _exact_matrix

        point = _exact_matrix(x, "x")
        if point.shape != (self.A.shape[1],):
            raise InvalidInputError(
                f"x: expected a point of shape ({self.A.shape[1]},), got {point.shape}"
            )
        slack = self.b - self.A.dot(point)
        return bool(all((s > 0) if st else (s >= 0) for s, st in zip(slack, self.strict)))


def region(net: Network, pattern: Any, domain: Any = None) -> Region:
    """The exact polyhedron and affine maps of ``pattern``, intersected with ``domain``.

    >>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    >>> r = region(net, [1, 0])                     # -x < 0 and y <= 0
    >>> [[str(v) for v in row] for row in r.A], [str(v) for v in r.b], r.strict.tolist()
    ([['-1', '0'], ['0', '1']], ['0', '0'], [True, False])
    """
    work, poly, _ = as_domain(net, domain) if domain is not None else (net, None, None)
    _check_polyhedral(work)
    pi = _as_pattern(work, pattern)
    d = work.n_inputs
    full = work.expand_pattern(pi)
    maps = work.local_maps(full)
    if work.include_output:
        full.append(pi[work.n_bits - work.n_outputs :])
    has_bit = [~m for m in work.linear_units] + [np.ones(work.n_outputs, dtype=bool)]
    rows_a, rows_b, strict = [], [], []
    for layer, bits in enumerate(full):
        big_m, small_m = maps[layer]
        for j in np.flatnonzero(has_bit[layer]):
            bit = bits[j]
            sign = -1 if bit else 1  # bit 1: z > 0 <=> -z < 0; bit 0: z <= 0
            rows_a.append(sign * big_m[j])
            rows_b.append(-sign * small_m[j])
            strict.append(bool(bit))
    a = np.array(rows_a, dtype=object).reshape(len(rows_a), d)
    bb = np.array(rows_b, dtype=object)
    st = np.array(strict, dtype=bool)
    if poly is not None:
        a, bb = np.vstack([a, poly.A]), np.r_[bb, poly.b]
        st = np.r_[st, np.zeros(len(poly.b), dtype=bool)]
    return Region(pi, a, bb, st, tuple(maps))


def _as_pattern(net: Network, pattern: Any) -> np.ndarray:
    rows = [pattern] if isinstance(pattern, str) else np.atleast_2d(np.asarray(pattern))
    pi = as_patterns(rows, "pattern")
    if pi.shape != (1, net.n_bits):
        raise InvalidInputError(
            f"pattern: expected one pattern of {net.n_bits} bits, got shape {pi.shape}"
        )
    return pi[0]


@dataclass(frozen=True, eq=False)
class Realizability:
    """Whether a pattern is realizable in a domain, with the LP's certificate.

    ``witness`` is a point strictly inside the region (input coordinates; for a
    slice, ``alpha`` holds the slice coordinates) whose exact pattern is the
    pattern; ``margin`` the radius of a cube around it inside the region;
    ``farkas`` a Motzkin certificate over the region's rows when empty.
    """

    realizable: bool
    pattern: np.ndarray
    witness: np.ndarray | None
    alpha: np.ndarray | None
    margin: Fraction | None
    farkas: np.ndarray | None

    def __repr__(self) -> str:
        if self.realizable:
            evidence = f"witness={brief(self.witness)}, margin={brief([self.margin])[1:-1]}"
        else:
            evidence = f"farkas={brief(self.farkas)}"
        return (
            f"Realizability(realizable={self.realizable}, pattern "
            f"{pattern_key(self.pattern)}, {evidence})"
        )

    region: Region
    certificate: Feasibility = field(repr=False)

    def __bool__(self) -> bool:
        return self.realizable


def is_realizable(
    net: Network, pattern: Any, domain: Any, *, backend: str = "highs"
) -> Realizability:
    """Whether ``R_π ∩ D`` has non-empty interior, with a witness or a Farkas certificate.

    >>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    >>> from polyfold.domains import Box
    >>> is_realizable(net, "10", Box([-1, -1], [1, 1])).realizable
    True
    >>> r = is_realizable(net, "10", Box([-2, -2], [-1, -1]))   # needs x > 0
    >>> r.realizable, r.farkas is not None
    (False, True)
    """
    reg = region(net, pattern, domain)
    cert = interior_point(reg.A, reg.b, backend=backend)
    alpha = None
    witness = cert.witness
    if witness is not None and isinstance(domain, Slice):
        alpha, witness = witness, domain.to_input(witness)
    return Realizability(
        cert.feasible, reg.pattern, witness, alpha, cert.margin, cert.farkas, reg, cert
    )


# -- enumeration -----------------------------------------------------------------------


@dataclass
class _Budget:
    max_regions: int | None
    deadline: float | None
    progress: Any

    def exhausted(self, count: int) -> bool:
        if self.max_regions is not None and count >= self.max_regions:
            return True
        return self.deadline is not None and time.perf_counter() > self.deadline


def region_graph(
    net: Network,
    domain: Any,
    *,
    engine: str = "auto",
    exact: bool = True,
    max_regions: int | None = None,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> nx.Graph:
    """The region adjacency graph of ``net`` on ``domain`` as a ``networkx.Graph``.

    Nodes are the realizable patterns (keys: 0/1 strings) with attributes
    ``pattern``, ``witness`` (a point strictly inside, exact), ``area`` (2-D,
    exact in exact mode) and ``region`` (the :class:`Region`, built on demand
    by :func:`region`). Edges join regions that share a facet, with ``flips``
    (the units whose boundary it is) and ``facet_point`` (a point on the
    shared facet). ``G.graph`` records ``engine``, ``exact``, ``certified``
    (true only in exact mode: a float graph's regions, areas and facets are not
    proven, and rounding can add a region of area ~1e-33 that does not exist)
    and ``complete``
    (false when ``max_regions``, ``time_budget`` or Ctrl-C stopped the
    enumeration; Ctrl-C also sets ``interrupted``). A stopped enumeration
    returns the regions it finished, with the adjacencies among them (the LP
    engine gives their facets half a second past the budget and says
    ``adjacency_complete=False`` if that was not enough).

    ``engine="planar"`` splits convex polygons (2-D only; all cells of a batch
    are split at once with float array operations, and in exact mode that
    answer is rebuilt and proved in integer arithmetic, falling back to exact
    polygon splitting when the proof fails; ``G.graph["method"]`` says which);
    ``engine="lp"`` splits polyhedra layer by layer with certified LPs (any
    dimension); ``"auto"`` takes the planar engine in 2-D.

    >>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    >>> from polyfold.domains import Box
    >>> G = region_graph(net, Box([-1, -1], [1, 1]))
    >>> sorted(G.nodes), G.number_of_edges()
    (['00', '01', '10', '11'], 4)
    """
    if engine not in ENGINES:
        raise InvalidInputError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    check_flag(exact, "exact")
    check_progress(progress)
    work, poly, sl = as_domain(net, domain)
    _check_polyhedral(work)
    if engine == "auto":
        engine = "planar" if work.n_inputs == 2 else "lp"
    if engine == "planar" and work.n_inputs != 2:
        raise InvalidInputError(
            f"engine: 'planar' needs a 2-D domain, this one has dimension {work.n_inputs}"
        )
    if max_regions is not None:
        max_regions = check_count(max_regions, "max_regions")
    if time_budget is not None:
        time_budget = check_budget(time_budget, "time_budget")
    deadline = None if time_budget is None else time.perf_counter() + time_budget
    budget = _Budget(max_regions, deadline, progress_bar(progress, unit="regions"))
    if engine == "planar":
        graph = _planar_graph(work, poly, exact, budget)
    else:
        from ._lpengine import lp_graph

        graph = lp_graph(work, poly, exact, budget)
    # exact mode proves every region, facet and witness; float mode proves nothing (a
    # sliver of rounding can be reported as a region that does not exist)
    graph.graph.update(engine=engine, exact=exact, certified=exact)
    if sl is not None:
        for _, data in graph.nodes(data=True):
            data["alpha"] = data["witness"]
            data["witness"] = sl.to_input(data["witness"])
    budget.progress.close()
    return graph


def enumerate_regions(net: Network, domain: Any, **options: Any) -> list[str]:
    """The realizable patterns in ``domain`` (keys as 0/1 strings); see :func:`region_graph`."""
    return list(region_graph(net, domain, **options).nodes)


def _fast_planar_graph(net: Network, poly: Polytope, budget: _Budget) -> nx.Graph:
    """Float mode of the planar engine: cells split in vectorised batches."""
    from ._planarfast import fast_planar_cells
    from .planar import _bit_positions, polygon_area

    graph = nx.Graph(complete=True)
    keep, position = _bit_positions(net)
    verts = np.array([[float(x), float(y)] for x, y in poly.vertices_2d()])
    if polygon_area([tuple(v) for v in verts]) < 0:
        verts = verts[::-1]  # counter-clockwise
    single = {u: (u,) for u in range(net.n_bits)}
    limited = budget.max_regions is not None or budget.deadline is not None
    done: list[tuple[Any, np.ndarray, np.ndarray, int]] = []  # cells, bits, keys, how many
    for cells in _interruptible(fast_planar_cells(net, verts), graph):
        bits = cells.bits if keep is None else cells.bits[:, keep]
        keys = np.ascontiguousarray(bits.astype(np.uint8) + 48).view(f"S{bits.shape[1]}").ravel()
        xy, start, count = cells.xy, cells.start, cells.count
        nxt = np.arange(len(xy)) + 1
        nxt[start + count - 1] = start
        cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
        areas = (np.add.reduceat(cross, start) / 2).tolist()
        centres = np.add.reduceat(xy, start, axis=0) / count[:, None]
        labels = np.where(cells.label >= 0, position[np.maximum(cells.label, 0)], -1)
        cells.label = labels  # from here on: pattern positions
        all_units: list[tuple[int, ...]] = [single.get(u, ()) for u in labels.tolist()]
        for v, more in cells.extra.items():  # edges on several units' lines
            extra = {int(position[u]) for u in more}
            all_units[v] = tuple(sorted(set(all_units[v]) | extra))
        n = _fit(budget, graph.number_of_nodes(), len(cells)) if limited else len(cells)
        bounds = np.r_[start, start[-1] + count[-1]].tolist()
        names = keys[:n].astype(str).tolist()
        graph.add_nodes_from(
            (
                names[i],
                {
                    "pattern": bits[i],
                    "witness": centres[i],
                    "area": areas[i],
                    "vertices": xy[bounds[i] : bounds[i + 1]],
                    "edge_units": all_units[bounds[i] : bounds[i + 1]],
                },
            )
            for i in range(n)
        )
        budget.progress.update(n)
        done.append((cells, bits, keys, n))
        if n < len(cells):
            graph.graph["complete"] = False
            break
    _fast_planar_edges(graph, done, position)
    return graph


def _fast_planar_edges(
    graph: nx.Graph, done: list[tuple[Any, np.ndarray, np.ndarray, int]], position: np.ndarray
) -> None:
    """Join regions across labelled edges, vectorised for edges on one unit's line."""
    if not done:
        return
    all_keys = np.concatenate([keys[:n] for _, _, keys, n in done])
    order = np.sort(all_keys)
    edges: list[tuple[str, str, np.ndarray, tuple[int, ...]]] = []
    for cells, bits, keys, n in done:
        last = int(cells.start[n - 1] + cells.count[n - 1]) if n else 0
        owner = np.repeat(np.arange(n), cells.count[:n])
        label = cells.label[:last]
        xy = cells.xy
        nxt = np.arange(last) + 1
        nxt[cells.start[:n] + cells.count[:n] - 1] = cells.start[:n]
        one = np.flatnonzero(label >= 0)
        if cells.extra:
            one = np.array([v for v in one if int(v) not in cells.extra], dtype=np.intp)
        flipped = bits[owner[one]].copy()
        flipped[np.arange(len(one)), label[one]] ^= True
        other = (flipped.astype(np.uint8) + 48).view(f"S{bits.shape[1]}").ravel()
        mine = keys[owner[one]]
        found = np.searchsorted(order, other)
        found = np.minimum(found, len(order) - 1)
        real = (order[found] == other) & (mine < other)  # each edge once, from its smaller end
        at = one[real]
        points = list((xy[at] + xy[nxt[at]]) / 2)
        flips = [(u,) for u in label[at].tolist()]
        edges += zip(
            mine[real].astype(str).tolist(), other[real].astype(str).tolist(), points, flips
        )
        for v, units in cells.extra.items():  # edges on several lines: search the subsets
            if v >= last:
                continue
            i = int(owner[v])
            key = keys[i].decode("ascii")
            units_v = {int(position[u]) for u in units}
            if label[v] >= 0:
                units_v.add(int(label[v]))
            hit = _neighbour(bits[i], frozenset(units_v), graph.nodes)
            if hit is not None and hit[0] > key:
                edges.append((key, hit[0], (xy[v] + xy[nxt[v]]) / 2, hit[1]))
    graph.add_edges_from((a, b, {"flips": f, "facet_point": p}) for a, b, p, f in edges)


_CERTIFIED = "float engine, certified exactly"


def _certified_planar_graph(net: Network, poly: Polytope, budget: _Budget) -> nx.Graph | None:
    """Exact mode, fast: the float engine's cells rebuilt and certified exactly (or None).

    See :mod:`polyfold._planarexact` for the checks and why they prove the graph.
    """
    from ._planarexact import certified_planar_cells
    from .planar import _bit_positions

    try:
        cells = certified_planar_cells(net, poly.vertices_2d())
    except KeyboardInterrupt:  # nothing is certified before the end: no region to return
        return nx.Graph(complete=False, interrupted=True, method=_CERTIFIED)
    if cells is None:
        return None
    keep, position = _bit_positions(net)
    bits = np.ascontiguousarray(cells.bits if keep is None else cells.bits[:, keep])
    names = (bits.astype(np.uint8) + 48).view(f"S{bits.shape[1]}").ravel().astype(str).tolist()
    graph = nx.Graph(complete=True, method=_CERTIFIED)
    vertices = [np.array(v, dtype=object) for v in cells.vertices]
    units = [() if u < 0 else (int(position[u]),) for u in cells.label.tolist()]
    for i, (s, k) in enumerate(zip(cells.start.tolist(), cells.count.tolist())):
        graph.add_node(
            names[i],
            pattern=bits[i],
            witness=np.array(cells.witnesses[i], dtype=object),
            area=cells.areas[i],
            vertices=vertices[s : s + k],
            edge_units=units[s : s + k],
        )
    index = {name: i for i, name in enumerate(names)}
    owner = np.repeat(np.arange(len(names)), cells.count)
    edges = []
    for r in np.flatnonzero(cells.label >= 0).tolist():
        u = int(position[cells.label[r]])
        mine = names[owner[r]]
        other = mine[:u] + ("1" if mine[u] == "0" else "0") + mine[u + 1 :]
        if mine < other and other in index:
            point = np.array(cells.facet_point(r), dtype=object)
            edges.append((mine, other, {"flips": (u,), "facet_point": point}))
    graph.add_edges_from(edges)
    budget.progress.update(len(names))
    return graph


def _fit(budget: _Budget, have: int, n: int) -> int:
    """How many of ``n`` more regions fit in the budget (at least one if any does)."""
    if budget.exhausted(have):
        return 0
    if budget.max_regions is not None:
        return min(n, budget.max_regions - have)
    return n


def _planar_graph(net: Network, poly: Polytope, exact: bool, budget: _Budget) -> nx.Graph:
    if not exact:
        return _fast_planar_graph(net, poly, budget)
    if budget.max_regions is None and budget.deadline is None:
        graph = _certified_planar_graph(net, poly, budget)
        if graph is not None:
            return graph
    from .planar import planar_cells, polygon_area

    graph = nx.Graph(complete=True, method="exact splitting")
    index = {}
    for cell in _interruptible(planar_cells(net, poly.vertices_2d(), exact), graph):
        if budget.exhausted(graph.number_of_nodes()):
            graph.graph["complete"] = False
            break
        key = pattern_key(cell.bits)
        index[key] = cell
        verts = cell.vertices
        # the vertex average is strictly inside a convex polygon with area
        cx = sum(v[0] for v in verts[1:]) + verts[0][0]
        cy = sum(v[1] for v in verts[1:]) + verts[0][1]
        cx, cy = cx / len(verts), cy / len(verts)
        graph.add_node(
            key,
            pattern=np.array(cell.bits, dtype=bool),
            witness=_out_point((cx, cy), exact),
            area=_out_scalar(polygon_area(verts), exact),
            vertices=[_out_point(v, exact) for v in verts],
            edge_units=[tuple(sorted(lab)) for lab in cell.labels],
        )
        budget.progress.update(1)
    for key, cell in index.items():
        bits = np.array(cell.bits, dtype=bool)
        n = len(cell.vertices)
        for i, labels in enumerate(cell.labels):
            if not labels:
                continue
            p, q = cell.vertices[i], cell.vertices[(i + 1) % n]
            other = _neighbour(bits, labels, index)
            if other is None or graph.has_edge(key, other[0]):
                continue
            mid = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)
            graph.add_edge(key, other[0], flips=other[1], facet_point=_out_point(mid, exact))
    return graph


def _interruptible(cells: Any, graph: nx.Graph) -> Any:
    """Yield from ``cells``; on Ctrl-C stop and mark the graph incomplete and interrupted."""
    try:
        yield from cells
    except KeyboardInterrupt:
        graph.graph["complete"] = False
        graph.graph["interrupted"] = True


def _neighbour(
    bits: np.ndarray, labels: frozenset[int], index: dict[str, Any]
) -> tuple[str, tuple[int, ...]] | None:
    """The region across an edge: flip the edge's units (or, if some only touch, a subset)."""
    from itertools import combinations

    units = sorted(labels)
    for size in range(len(units), 0, -1):
        for subset in combinations(units, size):
            flipped = bits.copy()
            flipped[list(subset)] ^= True
            key = pattern_key(flipped)
            if key in index:
                return key, tuple(subset)
    return None


def _out_scalar(v: Any, exact: bool) -> Any:
    return to_fraction(v) if exact else float(v)


def _out_point(p: Any, exact: bool) -> np.ndarray:
    if exact:
        return np.array([_out_scalar(v, True) for v in p], dtype=object)
    return np.array([float(v) for v in p])
