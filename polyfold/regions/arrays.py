"""A lean 2-D region result: the tessellation as arrays, the graph on demand.

:func:`~polyfold.regions.graph.region_arrays` runs the vectorised float engine and returns
:class:`RegionArrays` — packed patterns, one vertex table, per-edge units and
adjacency as index arrays — without a Python object per region. Counting
regions, summing areas, drawing, or walking the adjacency arrays costs nothing
more; :meth:`RegionArrays.to_graph` builds the ``networkx`` graph of
:func:`~polyfold.regions.graph.region_graph` (the same schema) when it is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from ._build import fill_graph, new_graph, pattern_keys

__all__ = ["RegionArrays"]


@dataclass
class RegionArrays:
    """The regions of a 2-D domain as arrays (float64; nothing proven).

    Region ``i`` is the polygon ``vertices[start[i] : start[i] + count[i]]``
    (counter-clockwise); the edge from row ``r`` to the next row of its region
    lies on the line of the unit at pattern position ``edge_unit[r]`` (−1: the
    domain's boundary; rows in ``extra_units`` lie on several units' lines).
    Adjacent regions ``pairs[k] = (i, j)`` (``i < j``) share the facet through
    ``facet_points[k]``, crossing it flips position ``flip[k]`` (−1: several,
    listed in ``extra_flips[k]``).

    Attributes
    ----------
    patterns
        ``(regions, ceil(n_bits / 8))`` uint8: each pattern packed by
        :func:`numpy.packbits` (position 0 is the first byte's high bit).
    n_bits
        Pattern length.
    vertices, start, count, edge_unit, extra_units
        The polygons, as above.
    area, witness
        Each region's area and a point inside it (its vertex mean).
    pairs, flip, extra_flips, facet_points
        The adjacency, as above.
    complete, interrupted
        False / True when a budget or Ctrl-C stopped the enumeration; the
        regions kept are finished, and so are the adjacencies among them.
    """

    patterns: np.ndarray
    n_bits: int
    vertices: np.ndarray
    start: np.ndarray
    count: np.ndarray
    edge_unit: np.ndarray
    area: np.ndarray
    witness: np.ndarray
    pairs: np.ndarray
    flip: np.ndarray
    facet_points: np.ndarray
    extra_units: dict[int, tuple[int, ...]] = field(default_factory=dict)
    extra_flips: dict[int, tuple[int, ...]] = field(default_factory=dict)
    complete: bool = True
    interrupted: bool = False
    method: str = "vectorised float"

    def __len__(self) -> int:
        return len(self.start)

    def bits(self) -> np.ndarray:
        """All patterns as a ``(regions, n_bits)`` bool array.

        Returns
        -------
        numpy.ndarray
        """
        return np.unpackbits(self.patterns, axis=1, count=self.n_bits).astype(bool)

    def keys(self) -> list[str]:
        """The patterns as 0/1 strings (the node keys of :meth:`to_graph`).

        Returns
        -------
        list of str
        """
        return pattern_keys(self.bits()).astype(str).tolist()

    def to_graph(self) -> nx.Graph:
        """The region graph, as :func:`~polyfold.regions.graph.region_graph` returns it (float).

        Returns
        -------
        networkx.Graph
            Nodes keyed by pattern with ``pattern``, ``witness``, ``area``,
            ``vertices`` and ``edge_units``; edges with ``flips`` and ``facet_point``.

        Examples
        --------
        >>> import polyfold as pf
        >>> net = pf.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
        >>> cells = pf.region_arrays(net, pf.Box([-1, -1], [1, 1]))
        >>> G = cells.to_graph()
        >>> len(cells), float(cells.area.sum()), sorted(G.nodes), G.number_of_edges()
        (4, 4.0, ['00', '01', '10', '11'], 4)
        """
        graph = new_graph(self.method)
        graph.graph.update(complete=self.complete, interrupted=self.interrupted)
        bits = self.bits()
        names = pattern_keys(bits).astype(str).tolist()
        units: list[tuple[int, ...]] = [() if u < 0 else (u,) for u in self.edge_unit.tolist()]
        for r, more in self.extra_units.items():
            units[r] = more
        bounds = np.r_[self.start, len(self.vertices)].tolist()
        areas = self.area.tolist()
        nodes = (
            (
                names[i],
                {
                    "pattern": bits[i],
                    "witness": self.witness[i],
                    "area": areas[i],
                    "vertices": self.vertices[bounds[i] : bounds[i + 1]],
                    "edge_units": units[bounds[i] : bounds[i + 1]],
                },
            )
            for i in range(len(names))
        )
        flips: list[tuple[int, ...]] = [(u,) for u in self.flip.tolist()]
        for k, more in self.extra_flips.items():
            flips[k] = more
        edges = (
            (names[i], names[j], {"flips": f, "facet_point": p})
            for (i, j), f, p in zip(self.pairs.tolist(), flips, self.facet_points)
        )
        return fill_graph(graph, nodes, edges)
