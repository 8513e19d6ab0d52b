from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import polyfold as pf

# -- the slides' and hand-worked examples ---------------------------------------------


def test_measures_worked_by_hand():
    gamma = ["0000", "1000", "1100", "1110", "0110", "0010"]
    # d_H from 0000: 0, 1, 2, 3, 2, 1 -> r1 = 3; each step flips one bit -> r2 = 5
    assert (pf.r1(gamma), pf.r2(gamma), pf.D(gamma)) == (3, 5, 1)
    assert pf.chi(gamma) == F(2, 5)
    assert pf.chi(gamma[::-1]) == 1 - F(3, 5)  # from 0010: 0,1,2,3,2,1


def test_chi_zero_for_shortest_paths_and_single_patterns():
    assert pf.chi(["000", "100", "110", "111"]) == 0
    assert pf.chi(["101"]) == 0 and pf.r2(["101"]) == 0


def test_interaction_on_a_path_worked_by_hand():
    gamma = ["00", "10", "11", "01"]
    # chi(G) = 1/3; k = 2: G1 = (00, 10) flat, G2 = (10, 11, 01): r1 = 2 = r2 -> flat
    assert pf.interaction(gamma) == [0, F(1, 3), F(1, 3), 0]
    assert pf.interaction_mean_nonzero(gamma) == F(1, 6)
    assert pf.interaction_mean_nonzero(["00", "01"]) == 0


def test_d_chi_is_symmetric_average():
    net = pf.zoo.random_network([2, 6, 6, 6, 1], seed=5)
    a, b = [0.3, -1.0], [-0.7, 1.2]
    fwd, back = pf.walk(net, a, b), pf.walk(net, b, a)
    assert pf.d_chi(net, a, b) == pf.d_chi(net, b, a) == (fwd.chi + back.chi) / 2


def test_measure_bad_input():
    with pytest.raises(pf.InvalidInputError, match="patterns"):
        pf.chi([])
    with pytest.raises(pf.InvalidInputError, match="0/1"):
        pf.chi([[0, 2]])
    with pytest.raises(pf.InvalidInputError, match="only '0' and '1'"):
        pf.chi(["01", "0x"])
    with pytest.raises(pf.InvalidInputError):
        pf.chi([[0, 1], [1]])
    with pytest.raises(pf.InvalidInputError, match="different lengths"):
        pf.hamming("01", "011")
    net = pf.zoo.tent()
    for n in (1, 0, 2.5, True):
        with pytest.raises(pf.InvalidInputError, match="n: expected"):
            pf.chi_sampled(net, [0], [1], n=n)


# -- properties of every path (DESIGN.md §2) ---------------------------------------------

paths = (
    st.integers(1, 7)
    .flatmap(lambda n_bits: st.lists(arrays(np.bool_, n_bits), min_size=1, max_size=12))
    .map(lambda rows: np.array(rows, dtype=bool))
)


def _facts(gamma):
    gamma = pf.dedupe(gamma)
    chi, r1, L, D = pf.chi(gamma), pf.r1(gamma), pf.r2(gamma), pf.D(gamma)
    assert 0 <= chi < 1
    assert D <= r1 <= L
    assert 2 * r1 <= L + D
    if L:
        assert F(1, 2) * (1 - F(D, L)) <= chi <= 1 - F(D, L)
        assert abs(chi - pf.chi(gamma[::-1])) <= F(D, L)
        if D == 0:
            assert chi >= F(1, 2)  # a closed path
    assert (chi == 0) == (pf.chi(gamma[::-1]) == 0)  # flatness invariance


@given(paths)
def test_facts_hold_for_every_pattern_sequence(gamma):
    _facts(gamma)


@given(paths, st.data())
def test_stability_under_repetition(gamma, data):
    i = data.draw(st.integers(0, len(gamma) - 1))
    repeated = np.insert(gamma, i, gamma[i], axis=0)
    assert pf.chi(repeated) == pf.chi(gamma)
    assert pf.r1(repeated) == pf.r1(gamma) and pf.r2(repeated) == pf.r2(gamma)


@given(
    st.integers(2, 4),
    st.lists(st.integers(2, 6), min_size=1, max_size=4),
    st.integers(0, 10**6),
)
def test_facts_hold_for_network_walks(n_in, hidden, seed):
    net = pf.zoo.random_network([n_in, *hidden, 1], seed=seed, bias_std=0.5)
    rng = np.random.default_rng(seed)
    path = pf.walk(net, rng.normal(size=n_in), rng.normal(size=n_in))
    _facts(path.patterns)
    if len(hidden) == 1:
        assert path.chi == 0


@given(st.integers(0, 10**6), st.sampled_from([[2, 5, 5, 1], [1, 4, 4, 4, 1], [3, 6, 4, 2]]))
def test_sampled_estimator_reaches_the_exact_value(seed, sizes):
    net = pf.zoo.random_network(sizes, seed=seed, bias_std=0.5)
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=sizes[0]), rng.normal(size=sizes[0])
    path = pf.walk(net, x1, x2)
    assume(not path.starts_on_boundary and not path.ends_on_boundary and not path.touches)
    widths = [b - a for a, b in zip(path.breakpoints, path.breakpoints[1:])]
    # a grid finer than half the narrowest piece puts a sample inside every piece
    n = int(1 / (min(widths) / 2)) + 2
    assume(n <= 20000)
    grid = {F(i, n - 1) for i in range(n)}
    assume(not grid & set(path.breakpoints[1:-1]))
    assert pf.chi_sampled(net, x1, x2, n=n, exact=True) == path.chi
    assert pf.chi_sampled(net, x1, x2, n=n) == path.chi


def test_sampled_estimator_misses_regions():
    # The tent between 1/8 and 7/8 (exact chi = 1/3): 3 samples see 100, 101, 110.
    net = pf.zoo.tent()
    assert pf.walk(net, [0.125], [0.875]).chi == F(1, 3)
    assert pf.chi_sampled(net, [0.125], [0.875], n=3) == F(2, 3)
