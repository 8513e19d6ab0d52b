"""The front door of region enumeration: :func:`region_graph` picks a route and returns the
one schema of ``polyfold.regions._build``, whichever route answered."""

from __future__ import annotations

import time
from typing import Any

import networkx as nx

from .._progress import check_progress, progress_bar
from ..domains import as_domain
from ..errors import InvalidInputError, check_between, check_budget, check_count, check_flag
from ..geometry import FLOAT_TOL
from ..network import Network
from ._build import Budget, as_numbers, finish
from .arrays import RegionArrays
from .certified import certified_graph
from .lpcertified import certified_lp_graph
from .lpengine import lp_graph
from .polyhedron import check_polyhedral
from .splitting import splitting_graph
from .vectorised import vectorised_arrays, vectorised_graph

__all__ = ["ENGINES", "ROUTES", "enumerate_regions", "region_arrays", "region_graph"]

ENGINES = ("auto", "planar", "lp")

# route -> (engine, modes it runs in)
ROUTES: dict[str, tuple[str, tuple[bool, ...]]] = {
    "certified": ("planar", (True,)),
    "splitting": ("planar", (True, False)),
    "vectorised": ("planar", (False,)),
    "vertex": ("lp", (True, False)),
    "lp": ("lp", (True, False)),
}
_DEFAULT = {
    ("planar", True): "certified",
    ("planar", False): "vectorised",
    ("lp", True): "vertex",
    ("lp", False): "vertex",
}


def region_graph(
    net: Network,
    domain: Any,
    *,
    engine: str = "auto",
    exact: bool = True,
    route: str = "auto",
    tol: float = FLOAT_TOL,
    max_regions: int | None = None,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> nx.Graph:
    r"""The region adjacency graph of ``net`` on ``domain`` as a ``networkx.Graph``.

    A node is a realizable pattern ``π`` (key: its 0/1 string), a region
    ``R_π ∩ D`` with non-empty interior; an edge joins ``π`` and ``π ⊕ F`` when
    their closures share a facet — a piece of dimension ``d − 1`` of the
    boundary inside the domain. Regions that touch only in a lower-dimensional
    face (a point in 2-D), or one bit apart with no common facet, are not
    adjacent.

    Parameters
    ----------
    net
        A ReLU or leaky-ReLU network at threshold 0 with every hidden layer in
        its pattern (otherwise the regions are not polyhedra).
    domain
        A :class:`~polyfold.domains.Polytope` (or ``Box``) in input space, or a
        :class:`~polyfold.domains.Slice` (a plane or line through inputs).
    engine
        ``"planar"`` (2-D polygon splitting), ``"lp"`` (polyhedra in any
        dimension) or ``"auto"`` (planar in 2-D).
    exact
        ``True``: every region, facet, witness and area is proven, in exact
        rational arithmetic (``G.graph["certified"]``). ``False``: float64,
        nothing proven (a sliver of rounding can be reported as a region).
    route
        How the engine computes (``"auto"`` picks the fastest that applies):
        ``"certified"`` (planar, exact: the vectorised float answer proved in
        integer arithmetic, falling back to ``"splitting"`` when the proof
        fails); ``"splitting"`` (planar, exact or float: one polygon and unit
        at a time); ``"vectorised"`` (planar, float); ``"vertex"`` (LP engine:
        vertex tracking, no LP; float LPs if qhull cannot start; in exact mode
        the float answer proved in integer arithmetic — every vertex, every edge
        from it, every facet and the region across it, see
        :mod:`polyfold.regions.lpcertified` — falling back to ``"lp"`` when the
        proof fails); ``"lp"`` (LP engine: certified LPs in exact mode, float
        LPs otherwise).
    tol
        The relative tolerance of every float decision: the LP engine's
        (vertex sides, tight rows, LP margins) and the vectorised planar
        engine's (a vertex whose value for a unit is within ``tol`` times the
        unit's largest absolute value on the layer's cells lies on its line).
        Exact mode has no tolerance: the certified routes prove the float
        answer or fall back.
    max_regions, time_budget
        Stop after this many regions or seconds; the regions finished, with
        the adjacencies among them, are returned and ``G.graph["complete"]``
        is False.
    progress
        A progress bar on stderr (default: when stderr is a terminal).

    Returns
    -------
    networkx.Graph
        Nodes: ``pattern`` (bool array), ``witness`` (a point strictly inside,
        in input coordinates; ``alpha`` too on a slice, in its coordinates),
        and on 2-D domains ``area``, ``vertices`` (a ``(k, 2)`` array,
        counter-clockwise, in the domain's coordinates) and ``edge_units``
        (per polygon edge, the pattern positions whose boundary carries it;
        ``()`` on the domain's boundary) — ``None`` in other dimensions.
        Edges: ``flips`` (the positions that differ) and ``facet_point`` (a
        point inside the shared facet). Exact mode: Fractions; float mode:
        floats. ``G.graph``: ``engine``, ``route`` (what ran), ``method`` (in
        words), ``fallback`` (the route that failed first, or None),
        ``exact``, ``certified``, ``complete``, ``interrupted`` (Ctrl-C) and
        ``adjacency_complete`` (False when a stopped LP enumeration ran out of
        time for its facets).

    Raises
    ------
    InvalidInputError
        For a network whose regions are not polyhedra, an unknown engine or
        route, a route of the other engine or mode, or a planar engine on a
        domain that is not 2-D.

    Examples
    --------
    >>> from polyfold.domains import Box
    >>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    >>> G = region_graph(net, Box([-1, -1], [1, 1]))
    >>> sorted(G.nodes), G.number_of_edges(), G.graph["route"], G.nodes["11"]["area"]
    (['00', '01', '10', '11'], 4, 'certified', Fraction(1, 1))
    """
    if engine not in ENGINES:
        raise InvalidInputError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    if route != "auto" and route not in ROUTES:
        raise InvalidInputError(
            f"route: expected 'auto' or one of {', '.join(ROUTES)}, got {route!r}"
        )
    check_flag(exact, "exact")
    check_progress(progress)
    tol = check_between(tol, "tol", 0, 1)
    work, poly, sl = as_domain(net, domain)
    check_polyhedral(work)
    if engine == "auto":
        engine = ROUTES[route][0] if route != "auto" else ("planar" if work.n_inputs == 2 else "lp")
    if engine == "planar" and work.n_inputs != 2:
        raise InvalidInputError(
            f"engine: 'planar' needs a 2-D domain, this one has dimension {work.n_inputs}"
        )
    if route == "auto":
        route = _DEFAULT[(engine, exact)]
    owner, modes = ROUTES[route]
    if owner != engine or exact not in modes:
        mode = "exact" if exact else "float"
        raise InvalidInputError(
            f"route: {route!r} belongs to the {owner} engine in "
            f"{' and '.join('exact' if m else 'float' for m in modes)} mode, not the {engine} "
            f"engine in {mode} mode"
        )
    budget = _budget(max_regions, time_budget, progress)
    fallback = None
    graph: nx.Graph | None = None
    if route == "certified":
        if budget.limited:  # the proof is all-or-nothing: budgets stop the splitting engine
            route = "splitting"
        else:
            graph = certified_graph(work, poly, budget)
            if graph is None:
                route, fallback = "splitting", "certified"
    elif route == "vertex" and exact:
        if budget.limited:  # likewise: budgets stop the exact LP route
            route = "lp"
        else:
            graph = certified_lp_graph(work, poly, budget, tol)
            if graph is None:
                route, fallback = "lp", "vertex"
    if graph is None:
        if route == "splitting":
            graph = splitting_graph(work, poly, exact, budget)
        elif route == "vectorised":
            graph = vectorised_graph(work, poly, budget, tol)
        else:
            graph = lp_graph(work, poly, exact, budget, vertices=route == "vertex", tol=tol)
            if route == "vertex" and graph.graph["method"] != "float vertex tracking":
                route, fallback = "lp", "vertex"
    finish(graph, engine=engine, exact=exact, dim=work.n_inputs, typed=route == "vectorised")
    graph.graph.update(route=route, fallback=fallback)
    if sl is not None:
        for _, data in graph.nodes(data=True):
            data["alpha"] = data["witness"]
            data["witness"] = as_numbers(sl.to_input(data["witness"]), exact)
    budget.progress.close()
    return graph


def enumerate_regions(net: Network, domain: Any, **options: Any) -> list[str]:
    """The realizable patterns in ``domain`` (keys as 0/1 strings); see :func:`region_graph`.

    Parameters
    ----------
    net
        The network.
    domain
        A :class:`~polyfold.domains.Box`, :class:`~polyfold.domains.Polytope` or
        :class:`~polyfold.domains.Slice`.
    **options
        Keyword options of :func:`region_graph`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from polyfold.domains import Box
    >>> sorted(enumerate_regions(Network.from_layers([([[1]], [0]), ([[1]], [0])]), Box([-1], [1])))
    ['0', '1']
    """
    return list(region_graph(net, domain, **options).nodes)


def region_arrays(
    net: Network,
    domain: Any,
    *,
    tol: float = FLOAT_TOL,
    max_regions: int | None = None,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> RegionArrays:
    """The regions of a 2-input network (or a 2-D slice) as arrays, in float64.

    The vectorised float engine of :func:`~polyfold.regions.graph.region_graph`
    (``route="vectorised"``), without building a graph: see
    :class:`~polyfold.regions.arrays.RegionArrays`, and
    :meth:`~polyfold.regions.arrays.RegionArrays.to_graph` for the graph.
    Float arithmetic, nothing proven: for exact regions use ``region_graph``.

    Parameters
    ----------
    net
        A ReLU or leaky-ReLU network at threshold 0 with every hidden layer in
        its pattern.
    domain
        A 2-D :class:`~polyfold.domains.Polytope` (or ``Box``), or a
        :class:`~polyfold.domains.Slice` through three inputs (its coordinates).
    tol, max_regions, time_budget, progress
        As for :func:`~polyfold.regions.graph.region_graph`.

    Returns
    -------
    RegionArrays

    Raises
    ------
    InvalidInputError
        For a network whose regions are not polyhedra, a domain that is not
        2-D, or a bad tolerance or budget.
    """
    check_progress(progress)
    tol = check_between(tol, "tol", 0, 1)
    work, poly, _ = as_domain(net, domain)
    check_polyhedral(work)
    if work.n_inputs != 2:
        raise InvalidInputError(
            f"domain: region_arrays needs a 2-D domain, this one has dimension {work.n_inputs}"
        )
    budget = _budget(max_regions, time_budget, progress)
    try:
        return vectorised_arrays(work, poly, budget, tol)
    finally:
        budget.progress.close()


def _budget(max_regions: Any, time_budget: Any, progress: bool | None) -> Budget:
    """The checked ``max_regions`` and ``time_budget`` as a :class:`Budget` with its bar."""
    if max_regions is not None:
        max_regions = check_count(max_regions, "max_regions")
    if time_budget is not None:
        time_budget = check_budget(time_budget, "time_budget")
    deadline = None if time_budget is None else time.perf_counter() + time_budget
    return Budget(max_regions, deadline, progress_bar(progress, unit="regions"))
