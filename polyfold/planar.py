"""The 2-D splitting engine's public names, where they were before :mod:`polyfold.regions`.

:class:`Cell` and :func:`planar_cells` live in :mod:`polyfold.regions.splitting`;
:func:`clip_polygon` and :func:`polygon_area` in :mod:`polyfold.geometry`.
"""

from .geometry import clip_polygon, polygon_area
from .regions.splitting import Cell, planar_cells

__all__ = ["Cell", "clip_polygon", "planar_cells", "polygon_area"]
