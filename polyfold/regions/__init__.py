r"""Linear regions: exact polyhedra, realizability with certificates, enumeration and graphs.

The machinery, file by file:

- :mod:`~polyfold.regions.polyhedron` — the polyhedron ``R_π`` of one pattern
  (:func:`~polyfold.regions.polyhedron.region`) and whether it has interior
  in a domain, with a witness or a Farkas certificate
  (:func:`~polyfold.regions.polyhedron.is_realizable`);
- :mod:`~polyfold.regions.graph` — :func:`~polyfold.regions.graph.region_graph`, the front door of
  enumeration: it picks an engine and a route and returns one schema; and
  :func:`~polyfold.regions.graph.region_arrays`, the 2-D float regions as arrays
  (:mod:`~polyfold.regions.arrays`) with the graph on demand;
- ``polyfold.regions._build`` — what every engine shares: the schema,
  budgets, pattern keys, the bit position of each unit;
- the engines: :mod:`~polyfold.regions.splitting` (2-D polygons split one
  unit at a time, exact or float), :mod:`~polyfold.regions.vectorised` (2-D,
  float, all cells of a batch at once), :mod:`~polyfold.regions.certified`
  (2-D, exact: the vectorised answer proved in integer arithmetic),
  :mod:`~polyfold.regions.lpengine` (any dimension: certified LPs, or float
  vertex tracking) and :mod:`~polyfold.regions.lpcertified` (any dimension,
  exact: the vertex-tracking answer proved in integer arithmetic);
- ``polyfold.regions._exact`` — what the two proving routes share: exact
  integer maps of cells and rigorous float filters.

Geometry shared with the rest of the package (polygon clipping and area,
vertex enumeration, bounding boxes) is in :mod:`polyfold.geometry`, LPs with
certificates in :mod:`polyfold.lp`.
"""

from ._build import pattern_key
from .arrays import RegionArrays
from .graph import ENGINES, ROUTES, enumerate_regions, region_arrays, region_graph
from .polyhedron import Realizability, Region, is_realizable, region

__all__ = [
    "ENGINES",
    "ROUTES",
    "Realizability",
    "Region",
    "RegionArrays",
    "enumerate_regions",
    "is_realizable",
    "pattern_key",
    "region",
    "region_arrays",
    "region_graph",
]
