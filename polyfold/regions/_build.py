"""What every region engine shares: the result schema, budgets, pattern keys and bit positions.

Every route to a region graph ends in :func:`finish`, so all of them return
the same shape of answer (the schema is documented in
:func:`~polyfold.regions.graph.region_graph` and pinned by a test over every engine
and mode):

- nodes ``pattern`` (bool array), ``witness`` (a point strictly inside),
  ``area``, ``vertices`` (a ``(k, 2)`` array, counter-clockwise) and
  ``edge_units`` (per polygon edge, the units whose boundary it lies on) —
  the last three on 2-D domains, ``None`` otherwise;
- edges ``flips`` (tuple of pattern positions) and ``facet_point`` (a point
  in the relative interior of the shared facet);
- ``G.graph``: ``engine``, ``route``, ``method``, ``fallback``, ``exact``,
  ``certified``, ``complete``, ``interrupted`` and ``adjacency_complete``.

Exact mode: every number a :class:`~fractions.Fraction` (object arrays);
float mode: ``float`` and float64 arrays.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

import networkx as nx
import numpy as np

from .._arith import to_fraction

__all__ = [
    "EDGE_ATTRIBUTES",
    "GRAPH_ATTRIBUTES",
    "NODE_ATTRIBUTES",
    "Budget",
    "as_numbers",
    "bit_positions",
    "finish",
    "interrupted_graph",
    "interruptible",
    "neighbour",
    "new_graph",
    "pattern_key",
    "pattern_keys",
]

NODE_ATTRIBUTES = ("pattern", "witness", "area", "vertices", "edge_units")
EDGE_ATTRIBUTES = ("flips", "facet_point")
GRAPH_ATTRIBUTES = (
    "engine",
    "route",
    "method",
    "fallback",
    "exact",
    "certified",
    "complete",
    "interrupted",
    "adjacency_complete",
)


def pattern_key(pattern: Any) -> str:
    """The pattern as a string of 0/1, the node key of region graphs.

    >>> pattern_key([True, False, True])
    '101'
    """
    return (np.asarray(pattern, dtype=np.uint8) + 48).tobytes().decode("ascii")


def pattern_keys(bits: np.ndarray) -> np.ndarray:
    """:func:`pattern_key` of every row of a 2-D bool array, as a bytes array (``S{n}``).

    >>> pattern_keys(np.array([[True, False], [False, False]])).astype(str).tolist()
    ['10', '00']
    """
    rows = np.ascontiguousarray(np.asarray(bits, dtype=bool).astype(np.uint8) + 48)
    return rows.view(f"S{rows.shape[1]}").ravel()


def bit_positions(net: Any) -> tuple[np.ndarray | None, np.ndarray]:
    """Which of the units the engines split by carry a bit, and each one's pattern position.

    The units are every hidden unit, then the output units when
    ``net.include_output``; ``None`` means all carry a bit (no linear units).
    """
    n_split = net.depth + (1 if net.include_output else 0)
    linear = [*net.linear_units, np.zeros(net.n_outputs, dtype=bool)][:n_split]
    mask = ~np.concatenate(linear)
    return (None if mask.all() else mask), np.cumsum(mask) - 1


@dataclass
class Budget:
    """Where an enumeration must stop: a region count, a deadline, and its progress bar."""

    max_regions: int | None
    deadline: float | None
    progress: Any

    @property
    def limited(self) -> bool:
        return self.max_regions is not None or self.deadline is not None

    def exhausted(self, count: int) -> bool:
        if self.max_regions is not None and count >= self.max_regions:
            return True
        return self.deadline is not None and time.perf_counter() > self.deadline

    def fit(self, have: int, n: int) -> int:
        """How many of ``n`` more regions fit (0 when the budget is spent)."""
        if self.exhausted(have):
            return 0
        if self.max_regions is not None:
            return min(n, self.max_regions - have)
        return n


def new_graph(method: str) -> nx.Graph:
    """An empty region graph of ``method``, complete until an engine says otherwise."""
    return nx.Graph(method=method, complete=True, interrupted=False, adjacency_complete=True)


def fill_graph(
    graph: nx.Graph,
    nodes: Iterable[tuple[str, dict[str, Any]]],
    edges: Iterable[tuple[str, str, dict[str, Any]]],
) -> nx.Graph:
    """Add ``nodes`` and then ``edges`` between them (both ends added before), as
    ``add_nodes_from``/``add_edges_from`` would, in one pass over networkx's adjacency
    dictionaries (``Graph._node``/``_adj``, the storage its subclassing notes describe),
    with the cyclic collector paused. A graph of another class, or one that already has
    nodes, goes through the public methods."""
    node, adj = getattr(graph, "_node", None), getattr(graph, "_adj", None)
    with paused_gc():
        if type(graph) is not nx.Graph or node is None or adj is None or len(node):
            graph.add_nodes_from(nodes)
            graph.add_edges_from(edges)
            return graph
        for name, attrs in nodes:
            node[name] = attrs
            adj[name] = {}
        for u, v, attrs in edges:
            adj[u][v] = adj[v][u] = attrs
    return graph


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a block builds many small objects
    that hold no cycles (a graph's attribute dictionaries): its collections, each one
    a pass over every live object, otherwise take half of a large graph's build."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def interrupted_graph(method: str) -> nx.Graph:
    """The empty graph of an all-or-nothing route that Ctrl-C stopped before its proof."""
    graph = new_graph(method)
    graph.graph.update(complete=False, interrupted=True)
    return graph


def interruptible(cells: Iterable[Any], graph: nx.Graph) -> Iterator[Any]:
    """Yield from ``cells``; on Ctrl-C stop and mark the graph incomplete and interrupted."""
    try:
        yield from cells
    except KeyboardInterrupt:
        graph.graph["complete"] = False
        graph.graph["interrupted"] = True


def neighbour(
    bits: np.ndarray, labels: frozenset[int], index: Any
) -> tuple[str, tuple[int, ...]] | None:
    """The region across an edge: flip the edge's units (or, if some only touch, a subset)."""
    units = sorted(labels)
    for size in range(len(units), 0, -1):
        for subset in combinations(units, size):
            flipped = np.array(bits, dtype=bool)
            flipped[list(subset)] ^= True
            key = pattern_key(flipped)
            if key in index:
                return key, tuple(subset)
    return None


def as_numbers(values: Any, exact: bool) -> np.ndarray:
    """An array of Fractions (exact) or float64; arrays already so are kept as they are."""
    if isinstance(values, np.ndarray):
        if not exact and values.dtype == np.float64:
            return values
        if exact and values.dtype == object and all(type(v) is Fraction for v in values.flat):
            return values
    arr = np.asarray(values, dtype=object)
    if exact:
        return np.vectorize(to_fraction, otypes=[object])(arr) if arr.size else arr
    return np.array(arr, dtype=np.float64)


def finish(graph: nx.Graph, *, engine: str, exact: bool, dim: int, typed: bool = False) -> nx.Graph:
    """Bring an engine's graph to the one schema (module docstring), in place.

    Numbers become Fractions (exact) or floats (float mode) where an engine
    left them otherwise; attributes an engine did not compute are ``None``;
    every graph attribute is set. Patterns, ``flips`` and ``edge_units`` are
    the engines' own (bool arrays, tuples of ints), checked by the schema test.
    ``typed``: the engine already gave every attribute its schema type (the
    vectorised float engine does), so only the graph attributes are set.
    """
    planar = dim == 2
    for _, data in () if typed else graph.nodes(data=True):
        data["witness"] = as_numbers(data["witness"], exact)
        if planar and data.get("vertices") is not None:
            data["vertices"] = as_numbers(data["vertices"], exact).reshape(-1, 2)
            area = data["area"]
            data["area"] = to_fraction(area) if exact else float(area)
        else:
            data["area"] = data["vertices"] = data["edge_units"] = None
    for _, _, data in () if typed else graph.edges(data=True):
        data["facet_point"] = as_numbers(data["facet_point"], exact)
    graph.graph.update(engine=engine, exact=exact, certified=exact)
    for key, default in (("complete", True), ("interrupted", False), ("adjacency_complete", True)):
        graph.graph.setdefault(key, default)
    return graph
