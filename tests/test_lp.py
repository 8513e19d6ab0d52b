"""polyfold.lp: strict feasibility of ``A x < b`` with exact certificates either way."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyfold.errors import InvalidInputError
from polyfold.lp import BACKENDS, interior_point, verify_certificate


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_triangle_is_feasible_with_its_margin(backend):
    # x > 0, y > 0, x + y < 1: an exact witness strictly inside, and its margin (the
    # least slack over the row's 1-norm) positive
    a, b = [[-1, 0], [0, -1], [1, 1]], [0, 0, 1]
    res = interior_point(a, b, backend=backend)
    assert res.feasible and bool(res) and res.farkas is None
    assert all(type(v) is F for v in res.witness)
    assert verify_certificate(a, b, res)
    x, y = res.witness
    assert x > 0 and y > 0 and x + y < 1 and res.margin > 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_parallel_half_planes_that_miss_have_a_farkas_certificate(backend):
    # x < 0 and x > 1 (−x < −1): y = (1, 1) gives y·A = 0 and y·b = −1 ≤ 0
    a, b = [[1, 0], [-1, 0]], [0, -1]
    res = interior_point(a, b, backend=backend)
    assert not res.feasible and res.witness is None
    y = res.farkas
    assert all(v >= 0 for v in y) and sum(y) > 0
    assert verify_certificate(a, b, res)


def test_touching_half_planes_are_infeasible_strictly():
    # x ≤ 0 and x ≥ 0 meet in a line: no interior
    res = interior_point([[1], [-1]], [0, 0])
    assert not res.feasible and [str(v) for v in res.farkas] == ["1/2", "1/2"]


def test_the_exact_backend_on_a_degenerate_system():
    # z < 0 and z > 0 (y unconstrained but for y < 0): infeasible, and the certificate must
    # combine the two z rows — an earlier exact fallback (sympy's simplex) returned (0, 1, 0),
    # which is not one (y·A = (0, 1, 0) ≠ 0)
    a, b = [[0, 0, 1], [0, 1, 0], [0, 0, -1]], [0, 0, 0]
    res = interior_point(a, b, backend="exact")
    assert not res.feasible and verify_certificate(a, b, res)
    assert list(res.farkas) == [F(1, 2), 0, F(1, 2)]


def test_zero_rows():
    assert not interior_point([[0, 0], [1, 0]], [0, 1]).feasible  # 0 < 0 fails
    res = interior_point([[0, 0]], [1])  # 0 < 1 holds everywhere
    assert res.feasible and res.method == "exact"


def test_a_wrong_certificate_is_rejected():
    a, b = [[-1, 0], [0, -1], [1, 1]], [0, 0, 1]
    res = interior_point(a, b)
    forged = type(res)(True, np.array([F(1), F(1)], dtype=object), res.margin, None, "highs")
    assert not verify_certificate(a, b, forged)  # (1, 1) is outside
    bad = interior_point([[1], [-1]], [0, -1])
    flipped = type(bad)(False, None, None, -bad.farkas, "exact")
    assert not verify_certificate([[1], [-1]], [0, -1], flipped)


def test_bad_input_names_the_argument():
    with pytest.raises(InvalidInputError, match="backend"):
        interior_point([[1]], [1], backend="gurobi")
    with pytest.raises(InvalidInputError, match="A, b: expected shapes"):
        interior_point([[1, 0]], [1, 2])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda d: st.tuples(
            st.lists(st.lists(st.integers(-3, 3), min_size=d, max_size=d), min_size=1, max_size=6),
            st.lists(st.integers(-3, 3), min_size=6, max_size=6),
        )
    )
)
def test_every_answer_carries_a_valid_certificate(case):
    a, b = case
    b = b[: len(a)]
    answers = [interior_point(a, b, backend=backend) for backend in ("highs", "exact")]
    for res in answers:
        assert verify_certificate(a, b, res)
    assert answers[0].feasible == answers[1].feasible
