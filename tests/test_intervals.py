"""Hamming intervals and Hamming convexity (Definition 2) against brute-force references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfold as pf
from polyfold.folding import hamming
from polyfold.intervals import in_hamming_interval, is_hamming_convex, path_leaves_interval


def _between(p1, p2, c) -> bool:
    """The metric definition: ``c`` is on a shortest path from ``p1`` to ``p2``."""
    return hamming(p1, c) + hamming(c, p2) == hamming(p1, p2)


def _convex(S, omega) -> bool:
    members = {tuple(s) for s in S}
    return all(
        tuple(w) in members
        for a, b in itertools.combinations(S, 2)
        for w in omega
        if _between(a, b, w)
    )


patterns = st.integers(1, 70).flatmap(
    lambda n: st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=3, max_size=12)
)


@settings(max_examples=60, deadline=None)
@given(patterns)
def test_interval_membership_is_the_metric_one(rows):
    # widths up to 70 bits cross the byte boundaries of the packed representation
    p1, p2, *cands = (np.array(r, dtype=bool) for r in rows)
    got = in_hamming_interval(p1, p2, np.array(cands))
    assert got.tolist() == [_between(p1, p2, c) for c in cands]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.data())
def test_hamming_convexity_against_the_definition(n_bits, data):
    universe = [np.array(b, dtype=bool) for b in itertools.product([0, 1], repeat=n_bits)]
    omega_idx = data.draw(st.sets(st.integers(0, len(universe) - 1), min_size=1))
    omega = [universe[i] for i in sorted(omega_idx)]
    s_idx = data.draw(st.sets(st.sampled_from(sorted(omega_idx)), min_size=1))
    S = [universe[i] for i in sorted(s_idx)]
    result = is_hamming_convex(np.array(S), np.array(omega))
    assert result.convex == _convex(S, omega)
    if not result.convex:  # the evidence: two members and an outsider between them
        a, b, w = result.violation
        members = {tuple(s) for s in S}
        assert tuple(a) in members and tuple(b) in members and tuple(w) not in members
        assert _between(a, b, w) and any(np.array_equal(w, o) for o in omega)
    else:
        assert result.violation is None


def test_the_slides_example_by_hand():
    omega = ["0111", "0001", "1011", "0011", "0101", "1001", "1111"]
    assert not is_hamming_convex(["0111", "0001", "1011"], omega).convex
    # with every intermediate pattern the set is convex
    assert is_hamming_convex(omega, omega).convex
    assert is_hamming_convex(["0011"], omega).convex  # one pattern: trivially


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.lists(st.integers(0, 255), min_size=1, max_size=15))
def test_the_first_piece_outside_the_interval(n_bits, codes):
    rows = [[(c >> k) & 1 for k in range(n_bits)] for c in codes]
    inside = [_between(rows[0], rows[-1], r) for r in rows]
    expected = None if all(inside) else inside.index(False)
    assert path_leaves_interval(rows) == expected


def test_a_walk_leaves_the_interval_where_it_folds():
    path = pf.walk(pf.zoo.tent(), [0], [1])  # 100, 101, 111, 110: 101 and 111 are outside
    assert path.bitstrings() == ["100", "101", "111", "110"]
    assert path_leaves_interval(path) == 1 and path.chi > 0


def test_bad_input():
    with pytest.raises(pf.InvalidInputError, match="patterns of"):
        in_hamming_interval("01", "011", ["01"])
    with pytest.raises(pf.InvalidInputError):
        is_hamming_convex(["01"], ["011"])
