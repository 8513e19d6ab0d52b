"""polyfold.geometry: polygon clipping and area, vertex enumeration, tight rows, bounding boxes."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from polyfold.geometry import (
    bounding_box,
    clip_polygon,
    polygon_area,
    polytope_vertices,
    tight_rows,
)

SQUARE = [(F(0), F(0)), (F(2), F(0)), (F(2), F(2)), (F(0), F(2))]


def test_clipping_a_square_exactly():
    # keep x + y ≤ 1: the triangle (0,0), (1,0), (0,1)
    tri = clip_polygon(SQUARE, F(1), F(1), F(-1))
    assert tri == [(0, 0), (1, 0), (0, 1)] and polygon_area(tri) == F(1, 2)
    # a line through a vertex keeps it once; a line missing the polygon keeps all or nothing
    assert clip_polygon(SQUARE, F(1), F(1), F(-4)) == SQUARE
    assert clip_polygon(SQUARE, F(1), F(0), F(1)) == []
    assert polygon_area(SQUARE) == 4 and polygon_area(SQUARE[::-1]) == -4


@settings(max_examples=60, deadline=None)
@given(st.tuples(*[st.integers(-4, 4)] * 3).filter(lambda v: v[0] or v[1]))
def test_the_two_sides_of_a_line_tile_the_polygon(line):
    a0, a1, c = (F(v) for v in line)
    inside = clip_polygon(SQUARE, a0, a1, c)
    outside = clip_polygon(SQUARE, -a0, -a1, -c)
    area = (polygon_area(inside) if len(inside) > 2 else 0) + (
        polygon_area(outside) if len(outside) > 2 else 0
    )
    assert area == 4
    for x, y in inside:
        assert a0 * x + a1 * y + c <= 0


def test_vertices_and_tight_rows_of_a_cube_and_a_simplex():
    a = np.vstack([np.eye(3), -np.eye(3)])
    b = np.ones(6)
    verts, tight = polytope_vertices(a, b, np.zeros(3))
    assert len(verts) == 8 and np.all(tight.sum(axis=1) == 3)
    assert np.array_equal(np.abs(verts), np.ones((8, 3)))
    assert np.array_equal(tight, tight_rows(a, b, verts))
    # the 1-D case needs no qhull
    v, t = polytope_vertices(np.array([[1.0], [-1.0]]), np.array([2.0, 1.0]), np.array([0.0]))
    assert sorted(v.ravel().tolist()) == [-1.0, 2.0] and t.sum() == 2
    # an unbounded set is refused
    assert polytope_vertices(np.array([[1.0, 0.0]]), np.array([1.0]), np.zeros(2)) is None


def test_bounding_boxes():
    lo, hi = bounding_box([[1, 1], [-1, 0], [0, -1]], [1, 0, 0])
    assert np.allclose(lo, [0, 0]) and np.allclose(hi, [1, 1])
    lo, hi = bounding_box([[-1, 0], [0, -1]], [0, 0])  # the positive quadrant
    assert np.allclose(lo, [0, 0]) and np.all(np.isinf(hi))
