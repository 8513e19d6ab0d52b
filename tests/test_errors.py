"""The argument checks every function shares, and the error types."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfold as pf
from polyfold import errors


def test_the_error_types_are_the_standard_ones_too():
    assert issubclass(pf.InvalidInputError, ValueError)
    assert issubclass(errors.MissingDependencyError, ImportError)
    assert issubclass(pf.UndecidedError, ArithmeticError)
    for kind in (pf.InvalidInputError, errors.MissingDependencyError, pf.UndecidedError):
        assert issubclass(kind, errors.PolyfoldError)


def test_require_names_the_feature_and_the_install():
    assert errors.require("numpy", "x") is np
    with pytest.raises(errors.MissingDependencyError, match="the frobnicator needs nosuch"):
        errors.require("nosuch.module", "the frobnicator")


@pytest.mark.parametrize("good", [True, False, np.bool_(True)])
def test_flags_accept_booleans(good):
    assert errors.check_flag(good, "opt") is bool(good)


@pytest.mark.parametrize("bad", ["yes", "False", 1, 0, None, 1.0])
def test_flags_refuse_everything_else(bad):
    with pytest.raises(pf.InvalidInputError, match="opt: expected True or False"):
        errors.check_flag(bad, "opt")


def test_indices_counts_intervals_and_budgets():
    assert errors.check_index(np.int64(3), "i") == 3 and errors.check_index(-2, "i") == -2
    assert errors.check_count(5, "n", minimum=5) == 5
    assert errors.check_between(1, "q", 0, 1, high_closed=True) == 1.0
    assert errors.check_budget(0, "t") == 0.0
    refused = [
        (errors.check_index, (2.0, "i"), "i: expected an integer index"),
        (errors.check_index, (True, "i"), "i: expected an integer index"),
        (errors.check_count, (4, "n", 5), "n: expected an integer >= 5"),
        (errors.check_count, ("5", "n"), "n: expected an integer >= 1"),
        (errors.check_between, (1, "q", 0, 1), r"q: expected a number in \(0, 1\)"),
        (errors.check_between, (np.nan, "q", 0, 1), r"q: expected a number in \(0, 1\)"),
        (errors.check_budget, (-1, "t"), "t: expected a finite number of seconds"),
        (errors.check_budget, (float("inf"), "t"), "t: expected a finite number of seconds"),
    ]
    for check, args, match in refused:
        with pytest.raises(pf.InvalidInputError, match=match):
            check(*args)


@settings(max_examples=100, deadline=None)
@given(st.fractions(max_denominator=10**12))
def test_rationals_round_trip_through_their_strings(q):
    assert errors.parse_rational(str(q), "x") == q
    assert errors.parse_rational(f"  {q}  ", "x") == q


def test_rationals_by_hand_and_the_refusals():
    assert errors.parse_rational("-2.5", "x") == F(-5, 2)
    assert errors.parse_rational("1e-3", "x") == F(1, 1000)
    for text, match in [
        ("1/0", "cannot read"),
        ("one", "cannot read"),
        ("1e100000", "exponent 100000"),
        ("1" * 100_001, "characters is refused"),
    ]:
        with pytest.raises(pf.InvalidInputError, match=match):
            errors.parse_rational(text, "x")


def test_seeds_are_a_count_or_the_seeds():
    assert errors.check_seeds(3) == [0, 1, 2] and errors.check_seeds(np.int64(1)) == [0]
    assert errors.check_seeds((5, 2)) == [5, 2] and errors.check_seeds(range(2, 4)) == [2, 3]
    for bad in (0, -1, (), [1, -2], [0.5], "3", True, [True]):
        with pytest.raises(pf.InvalidInputError, match="seeds: expected a count n >= 1"):
            errors.check_seeds(bad, "seeds")
