"""polyfold.domains: polytopes, boxes and slices, and resolving a domain for a network."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold.domains import as_domain
from polyfold.errors import InvalidInputError


def test_a_polytope_is_exact_bounded_and_has_interior():
    tri = pf.Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, "1/2"])
    assert tri.dim == 2 and tri.b[2] == F(1, 2)
    corners = tri.vertices_2d()
    assert set(corners) == {(0, 0), (F(1, 2), 0), (0, F(1, 2))}
    from polyfold.geometry import polygon_area

    assert polygon_area(corners) == F(1, 8)  # counter-clockwise: positive
    assert tri.contains([F(1, 4), F(1, 4)]) and not tri.contains([F(1, 2), F(1, 100)])
    assert tri.contains([0, 0])  # closed
    with pytest.raises(InvalidInputError, match="empty interior"):
        pf.Polytope([[1, 0], [-1, 0]], [0, 0])
    with pytest.raises(InvalidInputError, match="unbounded"):
        pf.Polytope([[1, 0]], [1])
    with pytest.raises(InvalidInputError, match="A, b: expected shapes"):
        pf.Polytope([[1, 0]], [1, 2])
    with pytest.raises(InvalidInputError, match="expected a 2-D polytope"):
        pf.Box([0] * 3, [1] * 3).vertices_2d()


def test_boxes():
    box = pf.Box([-1, 0], [1, "1/3"])
    assert box.dim == 2 and np.allclose(box.bounds[1], [1, 1 / 3])
    assert box.contains([1, F(1, 3)]) and not box.contains([0, F(1, 2)])
    assert polygon_area_of(box) == F(2, 3)
    assert "Box(" in repr(box)
    with pytest.raises(InvalidInputError, match="lo < hi"):
        pf.Box([0, 1], [1, 1])
    with pytest.raises(InvalidInputError, match="same length"):
        pf.Box([0], [1, 1])


def polygon_area_of(poly):
    from polyfold.geometry import polygon_area

    return polygon_area(poly.vertices_2d())


def test_slices_compose_the_network():
    net = pf.zoo.random_network([3, 5, 2], seed=0)
    p0, p1, p2 = [1, 0, 0], [0, 1, 0], [0, 0, "1/2"]
    sl = pf.Slice.through(p0, p1, p2)
    assert sl.dim == 2
    alpha = [F(1, 3), F(1, 4)]
    x = sl.to_input(alpha)
    assert list(x) == [F(5, 12), F(1, 3), F(1, 8)]
    small = sl.compose(net)
    assert np.array_equal(small.forward(alpha, exact=True), net.forward(x, exact=True))
    work, poly, same = as_domain(net, sl)
    assert same is sl and poly is sl.domain and work.n_inputs == 2
    boxed = pf.Slice.through(p0, p1, p2, triangle=False)
    assert isinstance(boxed.domain, pf.Box)
    with pytest.raises(InvalidInputError, match="linearly dependent"):
        pf.Slice.through([0, 0, 0], [1, 1, 1], [2, 2, 2])
    with pytest.raises(InvalidInputError, match="three points"):
        pf.Slice.through([0, 0], [1, 1])
    with pytest.raises(InvalidInputError, match="the network takes 3 inputs"):
        pf.Slice.through([0, 0], [1, 0], [0, 1]).compose(net)


def test_as_domain_checks_the_dimension_and_the_type():
    net = pf.zoo.random_network([2, 3, 1], seed=0)
    work, poly, sl = as_domain(net, pf.Box([0, 0], [1, 1]))
    assert work is net and sl is None and poly.dim == 2
    with pytest.raises(InvalidInputError, match="expected dimension 2"):
        as_domain(net, pf.Box([0], [1]))
    with pytest.raises(InvalidInputError, match="expected a Box, Polytope or Slice"):
        as_domain(net, [[0, 0], [1, 1]])
