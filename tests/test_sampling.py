"""polyfold.sampling: the published sampling estimator of χ, with proven samples."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfold as pf
from polyfold.errors import InvalidInputError
from polyfold.sampling import MAX_SAMPLES, chi_sampled, sampled_patterns

# one input; layer 1: a = x, b = x − 1/2; layer 2: r = a − 2b − 1/4, which is x − 1/4 below
# x = 1/2 and 3/4 − x above: on for 1/4 < x < 3/4 only. On [1/8, 1] the patterns (a, b, r) are
# 100 | 101 | 111 | 110 with breaks at 1/4, 1/2, 3/4: bit r flips on and off again.
FOLD = pf.Network.from_layers([([[1], [1]], [0, "-1/2"]), ([[1, -2]], ["-1/4"]), ([[1]], [0])])
X1, X2 = [F(1, 8)], [1]


def test_the_estimator_misses_the_fold_with_two_samples():
    walk = pf.walk(FOLD, X1, X2)
    assert walk.bitstrings() == ["100", "101", "111", "110"]
    # r1 = max(1, 2, 1) = 2, r2 = 3: χ = 1/3
    assert walk.chi == F(1, 3)
    # n = 2 sees 100 and 110 only: one flip, χ = 0
    assert [pf.regions.pattern_key(p) for p in sampled_patterns(FOLD, X1, X2, n=2)] == [
        "100",
        "110",
    ]
    assert chi_sampled(FOLD, X1, X2, n=2) == 0
    # n = 3 samples x = 9/16 (in 111): 100, 111, 110 — r1 = 2, r2 = 3
    assert chi_sampled(FOLD, X1, X2, n=3) == F(1, 3)


def test_a_sample_on_a_boundary_takes_the_point_pattern():
    # n = 8 samples x = 1/8, 2/8, ..., 1: exactly on the breaks 1/4, 1/2, 3/4, where the
    # unit on its boundary has bit 0 (x = 1/4: 100; 1/2: 101; 3/4: 110)
    xs = [[F(1, 8) * (i + 1)] for i in range(8)]
    points = [pf.regions.pattern_key(p) for p in FOLD.pattern(xs)]
    assert points == ["100", "100", "101", "101", "111", "110", "110", "110"]
    got = [pf.regions.pattern_key(p) for p in sampled_patterns(FOLD, X1, X2, n=8)]
    assert got == ["100", "101", "111", "110"]
    assert chi_sampled(FOLD, X1, X2, n=8) == pf.walk(FOLD, X1, X2).chi


def test_bad_input():
    with pytest.raises(InvalidInputError, match="n"):
        chi_sampled(FOLD, [0], [1], n=1)
    with pytest.raises(InvalidInputError, match="at most"):
        chi_sampled(FOLD, [0], [1], n=MAX_SAMPLES + 1)
    with pytest.raises(InvalidInputError, match="x1"):
        chi_sampled(FOLD, [0, 0], [1])
    smooth = pf.Network.from_layers([([[1]], [0]), ([[1]], [0])], activation="tanh")
    with pytest.raises(InvalidInputError, match="exact=False"):
        chi_sampled(smooth, [0], [1])
    assert chi_sampled(smooth, [0], [1], exact=False) == 0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 500), st.integers(2, 40))
def test_proven_samples_match_exact_patterns_and_floats_agree_off_boundaries(seed, n):
    net = pf.zoo.random_network([3, 6, 5, 2], seed=seed)
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, 3))
    proven = sampled_patterns(net, x1, x2, n=n)
    e1, e2 = np.array([F(v) for v in x1]), np.array([F(v) for v in x2])
    xs = np.array([e1 + F(i, n - 1) * (e2 - e1) for i in range(n)])
    exact = pf.folding.dedupe(net.pattern(xs, exact=True))
    assert np.array_equal(proven, exact)
    # every sample has the pattern of the walk's piece it lies in, or of the breakpoint it
    # lies on (random float ends: no sample lands on a touch point)
    walk = pf.walk(net, x1, x2)
    seen = {pf.regions.pattern_key(p) for p in walk.patterns}
    seen |= {pf.regions.pattern_key(p) for p in walk.point_patterns}
    assert {pf.regions.pattern_key(p) for p in proven} <= seen


def test_samples_go_through_in_chunks_that_fit_in_memory(monkeypatch):
    # with room for a few points at a time the proven and the float samples are the same
    from polyfold import _memory

    net = pf.zoo.random_network([3, 24, 24, 2], seed=2)
    rng = np.random.default_rng(2)
    a, b = rng.uniform(-2, 2, size=(2, 3))
    proven, floats = (
        pf.sampled_patterns(net, a, b, n=500),
        pf.sampled_patterns(net, a, b, n=500, exact=False),
    )
    monkeypatch.setattr(_memory, "walk_memory_limit", lambda: 24 * 128 * 7)  # 7 points a chunk
    assert np.array_equal(pf.sampled_patterns(net, a, b, n=500), proven)
    assert np.array_equal(pf.sampled_patterns(net, a, b, n=500, exact=False), floats)
    pts = rng.uniform(-2, 2, size=(50, 3))
    monkeypatch.setattr(_memory, "walk_memory_limit", lambda: 10**9)
    whole = net.pattern(pts)
    monkeypatch.setattr(_memory, "walk_memory_limit", lambda: 24 * 128 * 7)
    assert np.array_equal(net.pattern(pts), whole)
    assert np.array_equal(net.pattern(pts, exact=False), whole)
