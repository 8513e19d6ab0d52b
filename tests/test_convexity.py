from fractions import Fraction as F
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import polyfold as pf
from polyfold.convexity import (
    UnionGeometry,
    check_lemma1,
    is_union_convex,
    search_lemma1_counterexample,
    verify_union_convexity,
)
from polyfold.intervals import in_hamming_interval, is_hamming_convex, path_leaves_interval

P1, P2, P3 = "0111", "0001", "1011"


def test_slides_example_intervals():
    # Intermediate patterns of the three walks, from the slides
    cube = ["".join(b) for b in __import__("itertools").product("01", repeat=4)]

    def interior(a, b):
        inside = in_hamming_interval(a, b, cube)
        return sorted(c for c, ok in zip(cube, inside) if ok and c not in (a, b))

    assert interior(P1, P2) == ["0011", "0101"]
    assert interior(P2, P3) == ["0011", "1001"]
    assert interior(P1, P3) == ["0011", "1111"]


def test_slides_example_convexity_relative_to_omega():
    # the intermediates are not observable: {π1, π2, π3} is convex relative to itself
    assert is_hamming_convex([P1, P2, P3], [P1, P2, P3]).convex
    # once 0011 is realizable it lies between every pair and breaks convexity
    res = is_hamming_convex([P1, P2, P3], [P1, P2, P3, "0011"])
    assert not res.convex
    a, b, w = ("".join(map(str, p.astype(int))) for p in res.violation)
    assert w == "0011" and {a, b} <= {P1, P2, P3}
    assert in_hamming_interval(a, b, [w])[0]


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=1, max_size=10)
    ),
    st.data(),
)
def test_hamming_convexity_against_brute_force(omega, data):
    omega = [list(r) for r in {tuple(r) for r in omega}]
    s = data.draw(st.lists(st.sampled_from(omega), min_size=1, unique_by=tuple))
    expected = True
    for a, b in combinations([*s, s[0]], 2):
        for w in omega:
            between = all(wk in (ak, bk) for wk, ak, bk in zip(w, a, b))
            if between and w not in s:
                expected = False
    res = is_hamming_convex(s, omega)
    assert res.convex == expected
    if not res.convex:
        a, b, w = res.violation
        assert in_hamming_interval(a, b, [w])[0]


def test_walk_leaving_its_interval():
    # 100, 101, 111, 110: I(100, 110) fixes bits 0 and 2, and 101 already flips bit 2
    path = pf.walk(pf.zoo.tent(), [0], [1])
    assert path_leaves_interval(path) == 1
    assert path_leaves_interval(["000", "100", "110"]) is None


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: is_hamming_convex(["01"], ["00"]), "not in omega"),
        (lambda: is_hamming_convex([], ["00"]), "S"),
        (lambda: is_hamming_convex(["01"], ["010"]), "different lengths"),
        (lambda: in_hamming_interval("01", "011", ["01"]), "different lengths"),
    ],
)
def test_hamming_bad_input(call, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        call()


NET2 = pf.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
SQUARE = pf.Box([-1, -1], [1, 1])


def test_union_convexity_by_hand():
    geo = UnionGeometry(NET2, SQUARE)
    half = is_union_convex(NET2, ["00", "10"], SQUARE, geometry=geo)  # y <= 0
    assert half.convex and set(half.separators) == {"01", "11"}
    c, gamma = half.separators["11"]
    assert gamma == 0 and list(c) == [0, -1]  # -y >= 0 on the half, <= 0 on 11
    ell = is_union_convex(NET2, ["00", "10", "01"], SQUARE, geometry=geo)
    assert not ell.convex and ell.path.bitstrings()[ell.outside_piece] == "11"
    for res, s in ((half, ["00", "10"]), (ell, ["00", "10", "01"])):
        assert verify_union_convexity(geo, s, res)
    # a doctored certificate fails the exact check
    bad = pf.convexity.UnionConvexity(
        True, separators={"01": (np.array([F(1), F(0)]), F(0)), "11": half.separators["11"]}
    )
    assert not verify_union_convexity(geo, ["00", "10"], bad)


def test_union_convexity_bad_input():
    geo = UnionGeometry(NET2, SQUARE)
    with pytest.raises(pf.InvalidInputError, match="not realizable"):
        is_union_convex(NET2, ["00"], pf.Box([1, 1], [2, 2]))
    with pytest.raises(pf.InvalidInputError, match="2 bits"):
        is_union_convex(NET2, ["000"], SQUARE, geometry=geo)
    with pytest.raises(pf.InvalidInputError):
        is_union_convex(NET2, [], SQUARE, geometry=geo)


def _arrangement(d, n, seed):
    rng = np.random.default_rng(seed)
    w = rng.integers(-5, 6, size=(n, d))
    while np.any(np.all(w == 0, axis=1)):
        w = rng.integers(-5, 6, size=(n, d))
    b = rng.integers(-3, 4, size=n) / 4
    return pf.Network.from_layers([(w, b), ([[1] * n], [0])])


def _lemma1_sweep(d, counts, box):
    exhaustive = subsets = 0
    for seed in range(50):
        net = _arrangement(d, counts[seed % len(counts)], seed)
        geo = UnionGeometry(net, box)
        small = len(geo.keys) <= 20
        rep = check_lemma1(net, box, geometry=geo, subsets="all" if small else 2000, seed=seed)
        assert rep.disagreements == [] and rep.undecided == []
        assert rep.agree == rep.checked
        exhaustive += small
        subsets += rep.checked
    return exhaustive, subsets


def test_lemma1_on_fifty_arrangements_of_lines():
    exhaustive, subsets = _lemma1_sweep(2, [3, 4, 5, 6], SQUARE)
    assert exhaustive >= 40 and subsets > 10**5


def test_lemma1_on_fifty_arrangements_of_planes():
    exhaustive, subsets = _lemma1_sweep(3, [3, 4, 5], pf.Box([-1] * 3, [1] * 3))
    assert exhaustive >= 30 and subsets > 10**4


@pytest.mark.parametrize("seed", range(4))
def test_all_subsets_bitmask_path_matches_per_subset_path(seed):
    net = _arrangement(2, 3 + seed % 2, seed)
    geo = UnionGeometry(net, SQUARE)
    fast = check_lemma1(net, SQUARE, geometry=geo)  # the vectorised path
    convex = agree = checked = 0
    for size in range(1, len(geo.keys) + 1):  # one subset at a time
        for s in combinations(geo.keys, size):
            e = is_union_convex(net, list(s), SQUARE, geometry=geo, evidence=False).convex
            h = is_hamming_convex(list(s), geo.keys).convex
            checked, convex, agree = checked + 1, convex + e, agree + (e == h)
    assert (fast.checked, fast.convex, fast.agree) == (checked, convex, agree)


def test_lemma1_evidence_verifies_on_an_arrangement():
    net = _arrangement(2, 3, 1)
    geo = UnionGeometry(net, SQUARE)
    for size in (1, 2, 3):
        for s in combinations(geo.keys, size):
            res = is_union_convex(net, list(s), SQUARE, geometry=geo)
            assert verify_union_convexity(geo, list(s), res)


def test_counterexample_for_two_hidden_layers_is_found_and_reverified():
    found = search_lemma1_counterexample(hidden=(2, 2), seeds=3)
    assert found is not None
    omega = found.geometry.omega
    hamming = is_hamming_convex(found.S, omega)
    euclid = is_union_convex(found.net, found.S, found.domain, geometry=found.geometry)
    assert hamming.convex != euclid.convex
    assert verify_union_convexity(found.geometry, found.S, euclid)
    if not euclid.convex:  # the segment's end points are in the union, a piece is not
        a, b = euclid.segment
        path = pf.walk(found.net, a, b)
        assert path.bitstrings()[euclid.outside_piece] not in found.S


def test_check_lemma1_refuses_a_combinatorial_explosion_and_stops_on_budget():
    import polyfold.convexity as cv

    net = pf.zoo.random_network([2, 4, 4, 1], seed=0)
    box = pf.Box([-1, -1], [1, 1])
    n = pf.region_graph(net, box).number_of_nodes()
    if n > 12:
        with pytest.raises(pf.InvalidInputError, match="subsets=2000"):
            cv.check_lemma1(net, box)
    report = cv.check_lemma1(net, box, subsets=50, time_budget=0)
    assert not report.complete and report.checked < 50
    full = cv.check_lemma1(net, box, subsets=20)
    assert full.complete and full.checked + len(full.undecided) == 20


def test_a_lemma1_report_stopped_early_does_not_hold():
    import polyfold.convexity as cv

    net = pf.zoo.random_network([2, 4, 4, 1], seed=0)
    report = cv.check_lemma1(net, pf.Box([-1, -1], [1, 1]), subsets=50, time_budget=0)
    assert not report.complete and not report.holds
