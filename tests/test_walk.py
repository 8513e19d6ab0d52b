from fractions import Fraction as F

import numpy as np
import pytest
from catalogue import CASES, Case
from reference import check_affine_on_pieces, check_path_against_reference

import polyfold as pf


def bits(rows):
    return [list(map(int, r)) for r in rows]


def strings(patterns):
    return ["".join(str(int(b)) for b in row) for row in patterns]


# -- hand-worked networks --------------------------------------------------------


def test_tent_folds_with_breakpoints_derived_by_hand():
    # h1 = relu(x), h2 = relu(x - 1/2), g = relu(h1 - 2 h2 - 1/4).
    # On (0, 1/2): g = relu(x - 1/4) switches on at x = 1/4.
    # On (1/2, 1): g = relu(3/4 - x) switches off at x = 3/4; h2 switches on at 1/2.
    path = pf.walk(pf.zoo.tent(), [0], [1])
    assert list(path.breakpoints) == [F(0), F(1, 4), F(1, 2), F(3, 4), F(1)]
    assert strings(path.patterns) == ["100", "101", "111", "110"]
    # distances from 100: 0, 1, 2, 1 -> r1 = 2; steps 1 + 1 + 1 -> r2 = 3.
    assert (path.r1, path.r2, path.D, path.L) == (2, 3, 1, 3)
    assert path.chi == F(1, 3)
    assert [list(f) for f in path.flips] == [[2], [1], [2]]


def test_closed_path_returns_to_its_region():
    # From x = 1/8 (pattern 100) to x = 7/8... no: to a point left of 1/4 again needs a
    # polyline; the tent's own pieces give 100 -> 101 -> 111 -> 101 -> 100 on 1/8 -> 5/8 -> 1/8.
    path = pf.walk_polyline(pf.zoo.tent(), [["1/8"], ["5/8"], ["1/8"]])
    assert strings(path.patterns) == ["100", "101", "111", "101", "100"]
    # r1 = 2 (at 111), r2 = 4 -> chi = 1/2, the closed-path lower bound.
    assert path.chi == F(1, 2)
    assert path.D == 0


def test_one_hidden_layer_never_folds_a_segment():
    # Three lines in the plane: each neuron flips at most once along a segment,
    # so the path is a shortest Hamming path: r1 = r2 and chi = 0.
    net = pf.Network.from_layers([([[1, 0], [0, 1], [1, 1]], [0, 0, "-1/2"]), ([[1, 1, 1]], [0])])
    path = pf.walk(net, [-1, -1], [1, 1])
    # x = y = 2t - 1: neurons 1 and 2 flip at t = 1/2, neuron 3 (x + y = 1/2) at t = 5/8.
    assert list(path.breakpoints) == [F(0), F(1, 2), F(5, 8), F(1)]
    assert strings(path.patterns) == ["000", "110", "111"]
    assert path.chi == 0 and path.r1 == path.r2 == 3


@pytest.mark.parametrize("seed", range(20))
def test_one_hidden_layer_chi_zero_random(seed):
    net = pf.zoo.random_network([3, 12, 2], seed=seed)
    rng = np.random.default_rng(seed)
    path = pf.walk(net, rng.normal(size=3), rng.normal(size=3))
    assert path.chi == 0


# -- the degenerate catalogue, against every walking function -----------------------


def _check_case(case: Case, path: pf.Path, exact: bool) -> None:
    assert strings(path.patterns) == case.patterns, case.name
    if exact or case.float_exact:
        assert [F(v) for v in path.breakpoints] == case.breakpoints, case.name
    else:
        np.testing.assert_allclose(
            np.array(path.breakpoints, dtype=float), [float(v) for v in case.breakpoints]
        )
    if case.point_patterns is not None:
        assert strings(path.point_patterns) == case.point_patterns, case.name
    touches = [t for t, _ in path.touches]
    if exact:
        assert touches == case.touches, case.name
    else:
        assert touches == pytest.approx([float(t) for t in case.touches]), case.name
    assert bool(path.flat) == case.flat, case.name
    assert len(path.simultaneous) == case.simultaneous, case.name
    assert path.certified and not path.undecided, case.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("exact", [True, False], ids=["exact", "float"])
@pytest.mark.parametrize("method", ["certified", "rational"])
def test_catalogue_walk(case, exact, method):
    if not exact and method == "rational":
        pytest.skip("the rational route gives exact breakpoints")
    path = (
        pf.walk(case.net, case.x1, case.x2, exact=exact, method=method)
        if exact
        else pf.walk(
            case.net, [float(F(v)) for v in case.x1], [float(F(v)) for v in case.x2], exact=False
        )
    )
    _check_case(case, path, exact)
    if exact:
        check_path_against_reference(case.net, path, samples=20)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue_uncertified_float_flags_what_it_cannot_decide(case):
    # the plain float walk proves nothing: never certified, and where crossings of
    # different units coincide it says so in `undecided`
    x1, x2 = [float(F(v)) for v in case.x1], [float(F(v)) for v in case.x2]
    path = pf.walk(case.net, x1, x2, exact=False, method="float")
    assert not path.certified
    assert bool(path.undecided) == case.float_undecided, case.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue_walk_many_and_polyline(case):
    many = pf.walk_many(case.net, [case.x1, case.x1], [case.x2, case.x2])
    for path in many:
        _check_case(case, path, True)
    poly = pf.walk_polyline(case.net, [case.x1, case.x2])
    _check_case(case, poly, True)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue_reversed_walk_is_reversed_path(case):
    fwd = pf.walk(case.net, case.x1, case.x2)
    back = pf.walk(case.net, case.x2, case.x1)
    assert strings(back.patterns) == strings(fwd.patterns)[::-1]
    rev = fwd.reversed()
    assert list(rev.breakpoints) == list(back.breakpoints)
    np.testing.assert_array_equal(rev.point_patterns, back.point_patterns)
    assert [t for t, _ in rev.touches] == [t for t, _ in back.touches]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue_measures_and_sampling(case):
    path = pf.walk(case.net, case.x1, case.x2)
    assert 0 <= path.chi < 1
    # The sampled estimate sees the patterns *at* the samples, boundary points included.
    sampled = pf.sampled_patterns(case.net, case.x1, case.x2, n=3, exact=True)
    x_half = [(F(a) + F(b)) / 2 for a, b in zip(case.x1, case.x2)]
    expected = pf.dedupe(case.net.pattern([case.x1, x_half, case.x2], exact=True))
    np.testing.assert_array_equal(sampled, expected)


def test_start_on_boundary_is_reported():
    path = pf.walk(pf.zoo.tent(), [0], [1])
    assert path.starts_on_boundary and not path.ends_on_boundary
    d = path.degeneracies()
    assert d["starts_on_boundary"] and not d["single_point"]


# -- the independent reference on random networks --------------------------------


@pytest.mark.parametrize(
    "sizes,threshold",
    [
        ([2, 6, 6, 1], 0),
        ([3, 5, 5, 5, 2], 0),
        ([2, 8, 8, 8, 1], "1/10"),
        ([4, 4, 4, 4, 4, 3], 0),
        ([2, 10, 1], "1/7"),
        ([1, 6, 6, 6, 1], 0),
    ],
)
@pytest.mark.parametrize("seed", range(4))
def test_walk_matches_exact_reference(sizes, threshold, seed):
    net = pf.zoo.random_network(sizes, seed=seed, threshold=threshold, bias_std=0.3)
    rng = np.random.default_rng(100 + seed)
    x1, x2 = rng.normal(size=sizes[0]), rng.normal(size=sizes[0])
    path = pf.walk(net, x1, x2)
    check_path_against_reference(net, path, samples=40, seed=seed)
    if threshold == 0:
        check_affine_on_pieces(net, path, seed=seed)


@pytest.mark.parametrize("activation", ["leaky_relu", "hardtanh", "abs", ("leaky_relu", "1/3")])
@pytest.mark.parametrize("threshold", [0, "1/5", "-1/5"])
def test_piecewise_linear_activations_match_reference(activation, threshold):
    net = pf.zoo.random_network([2, 6, 6, 1], seed=3, activation=activation, threshold=threshold)
    path = pf.walk(net, [-1.5, 0.5], [1.0, -1.25])
    check_path_against_reference(net, path, samples=30)


def test_walk_many_equals_single_walks():
    net = pf.zoo.random_network([3, 8, 8, 8, 2], seed=7)
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(25, 3)), rng.normal(size=(25, 3))
    x2[3] = x1[3]  # a zero-length segment among them
    for exact in (True, False):
        many = pf.walk_many(net, x1, x2, exact=exact)
        for i, path in enumerate(many):
            single = pf.walk(net, x1[i], x2[i], exact=exact)
            np.testing.assert_array_equal(path.patterns, single.patterns)
            np.testing.assert_array_equal(path.point_patterns, single.point_patterns)
            if exact:
                assert list(path.breakpoints) == list(single.breakpoints)
                continue
            # float64 estimates may differ in the last bits (BLAS sums a batch of rows
            # and a single row in different orders); both enclosures hold the exact value
            (lo1, hi1), (lo2, hi2) = path.bounds, single.bounds
            assert np.all(np.maximum(lo1, lo2) <= np.minimum(hi1, hi2))
            np.testing.assert_allclose(path.breakpoints, single.breakpoints, rtol=0, atol=1e-12)


def test_float_and_exact_agree_on_thousands_of_segments():
    disagreements = undecided = 0
    for seed, sizes in enumerate([[2, 8, 8, 1], [3, 6, 6, 6, 2], [2, 5, 5, 5, 5, 1]]):
        net = pf.zoo.random_network(sizes, seed=seed)
        rng = np.random.default_rng(seed)
        x1, x2 = rng.normal(size=(700, sizes[0])), rng.normal(size=(700, sizes[0]))
        fl = pf.walk_many(net, x1, x2, exact=False)
        ex = pf.walk_many(net, x1, x2, exact=True)
        for a, b in zip(fl, ex):
            same = a.patterns.shape == b.patterns.shape and np.array_equal(a.patterns, b.patterns)
            if a.undecided:
                undecided += 1
                continue
            if not same:
                disagreements += 1
                continue
            np.testing.assert_allclose(
                a.breakpoints, np.array(b.breakpoints, dtype=float), rtol=1e-9, atol=1e-12
            )
    assert disagreements == 0
    assert undecided < 10


def test_float_mode_says_when_it_cannot_decide():
    # Layer 2 has z1 = 3 h - 1 and z2 = 0.7 h - fl(0.7 / 3). In exact arithmetic
    # the two roots differ (fl(0.7/3) is not 0.7 * (1/3)) by about 1e-17, so the
    # exact walk has two breakpoints; float64 computes the same parameter for both
    # and must say that it cannot order them.
    net = pf.Network.from_layers(
        [([[1], [1]], [0, 0]), ([[3, 0], [0, 0.7]], [-1, -0.7 / 3]), ([[1, 1]], [0])]
    )
    exact = pf.walk(net, [0.1], [0.9])
    assert len(exact.breakpoints) == 4
    assert 0 < exact.breakpoints[2] - exact.breakpoints[1] < F(1, 10**15)
    approx = pf.walk(net, [0.1], [0.9], exact=False, method="float")
    assert len(approx.breakpoints) == 3
    assert approx.undecided == pytest.approx((float(exact.breakpoints[1]),))
    assert not approx.certified and exact.certified
    # the certified float walk cannot order them from its error bounds either, so it
    # computes both roots exactly: both breakpoints, proven, float64 values
    proven = pf.walk(net, [0.1], [0.9], exact=False)
    assert proven.certified and proven.repaired > 0
    assert strings(proven.patterns) == strings(exact.patterns)
    lo, hi = proven.bounds
    assert all(float(a) <= t <= float(b) for a, t, b in zip(lo, exact.breakpoints, hi))


# -- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "x1,x2,match",
    [
        ([np.nan, 0], [0, 0], "x1: expected finite"),
        ([0, 0], [np.inf, 0], "x2: expected finite"),
        ([0, 0, 0], [0, 0], r"x1: expected shape \(2,\)"),
        ([[0, 0]], [[1, 1]], "x1, x2: expected single points"),
        (np.array([1j, 0]), [0, 0], "x1: expected real"),
        (np.array([object(), 0], dtype=object), [0, 0], "x1"),
        ("ab", [0, 0], "x1"),
    ],
)
@pytest.mark.parametrize("exact", [True, False])
def test_walk_bad_points(x1, x2, match, exact):
    net = pf.zoo.random_network([2, 3, 1])
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.walk(net, x1, x2, exact=exact)


def test_walk_many_and_polyline_bad_input():
    net = pf.zoo.random_network([2, 3, 1])
    with pytest.raises(pf.InvalidInputError, match="same shape"):
        pf.walk_many(net, np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(pf.InvalidInputError, match="at least two points"):
        pf.walk_polyline(net, [[0, 0]])
    assert pf.walk_many(net, np.zeros((0, 2)), np.zeros((0, 2))) == []
    with pytest.raises(pf.PolyfoldError):
        pf.walk_many(net, np.zeros((3, 3)), np.zeros((3, 3)))


def test_flat_pre_activation_keeps_its_bit_when_sigma_of_tau_is_above_tau():
    # Leaky ReLU (slope 1/2) at threshold tau = -1/4. Unit 2's pre-activation is the
    # constant -1/4 = tau, and sigma(-1/4) = -1/8 > tau, so its bit is 1 on the whole
    # segment: "identically tau" does not mean bit 0 for every activation.
    net = pf.Network.from_layers(
        [([[1], [0]], [0, "-1/4"]), ([[1, 1]], [0])],
        activation=("leaky_relu", "1/2"),
        threshold="-1/4",
    )
    for exact in (True, False):
        path = pf.walk(net, [-1], [1], exact=exact)
        # unit 1: sigma(x) > -1/4 iff x > -1/2 (t = 1/4)
        assert path.bitstrings() == ["01", "11"]
        assert path.point_patterns.astype(int).tolist()[0] == [0, 1]
    assert net.pattern(["-3/4"], exact=True).tolist() == [False, True]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"exact": "yes"}, "exact: expected True or False"),
        ({"exact": None}, "exact"),
        ({"tol": -1.0}, "tol"),
        ({"tol": "small"}, "tol"),
    ],
)
def test_walk_option_values_are_checked(kwargs, match):
    net = pf.zoo.tent()
    for call in (
        lambda: pf.walk(net, [0], [1], **kwargs),
        lambda: pf.walk_many(net, [[0]], [[1]], **kwargs),
        lambda: pf.walk_polyline(net, [[0], [1]], **kwargs),
    ):
        with pytest.raises(pf.InvalidInputError, match=match):
            call()


@pytest.fixture
def interpolated(monkeypatch):
    """The float walk's interpolated dense products (``walks._delta_values``) forced on
    every layer they apply to; the list records, per call, whether they were taken."""
    from polyfold import walks

    monkeypatch.setattr(walks, "_DELTA_MIN_WORK", 0)
    monkeypatch.setattr(walks, "_DELTA_SPARSITY", 1)
    monkeypatch.setattr(walks, "_SCRATCH_MIN_ENTRIES", 0)  # the buffers on every layer
    taken: list[bool] = []
    real = walks._delta_values

    def spy(*args):
        z = real(*args)
        taken.append(z is not None)
        return z

    monkeypatch.setattr(walks, "_delta_values", spy)
    return taken


@pytest.mark.parametrize(
    "activation, threshold",
    [("relu", 0), ("relu", "1/10"), ("leaky_relu", 0), ("hardtanh", "-1/5"), ("abs", "1/5")],
)
def test_float_walk_interpolated_products_give_the_exact_walks_patterns(
    activation, threshold, interpolated
):
    # a dense layer's values at the knots the previous layer added come from the knots
    # before plus a correction in the units that crossed: the same walk as the exact one
    net = pf.zoo.random_network(
        [3, 12, 12, 12, 2], seed=5, activation=activation, threshold=threshold, bias_std=0.3
    )
    rng = np.random.default_rng(1)
    x1, x2 = 2 * rng.normal(size=(30, 3)), 2 * rng.normal(size=(30, 3))
    batch = pf.walk_many(net, x1, x2, exact=False, method="float")  # one batch of 30
    single = [pf.walk(net, a, b, exact=False, method="float") for a, b in zip(x1, x2)]
    ex = pf.walk_many(net, x1, x2, exact=True, method="rational")
    assert sum(interpolated) >= 10  # it ran on the later layers
    for a, b in [*zip(batch, ex), *zip(single, ex)]:
        if a.undecided:
            continue
        np.testing.assert_array_equal(a.patterns, b.patterns)
        np.testing.assert_array_equal(a.point_patterns, b.point_patterns)
        np.testing.assert_allclose(
            a.breakpoints, np.array(b.breakpoints, dtype=float), rtol=1e-9, atol=1e-12
        )


def test_float_walk_interpolated_products_with_linear_units(interpolated):
    base = pf.zoo.random_network([2, 10, 10, 10, 1], seed=2)
    masks = [[0, 3, 6, 9]] * 3  # every third unit passes its value on
    net = pf.Network.from_layers(base.weights, linear_units=masks)
    x1, x2 = [-2.0, 1.5], [2.0, -1.0]
    a = pf.walk(net, x1, x2, exact=False, method="float")
    b = pf.walk(net, x1, x2, method="rational")
    assert any(interpolated)
    np.testing.assert_array_equal(a.patterns, b.patterns)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue_float_walk_with_interpolated_products(case, monkeypatch):
    # the degenerate cases (touches, flat stretches, coincidences) come out the same
    # with the interpolated products as with every product computed
    x1, x2 = [float(F(v)) for v in case.x1], [float(F(v)) for v in case.x2]
    full = pf.walk(case.net, x1, x2, exact=False, method="float")
    from polyfold import walks

    monkeypatch.setattr(walks, "_DELTA_MIN_WORK", 0)
    monkeypatch.setattr(walks, "_DELTA_SPARSITY", 1)
    monkeypatch.setattr(walks, "_SCRATCH_MIN_ENTRIES", 0)
    path = pf.walk(case.net, x1, x2, exact=False, method="float")
    np.testing.assert_array_equal(path.patterns, full.patterns)
    np.testing.assert_array_equal(path.point_patterns, full.point_patterns)
    np.testing.assert_allclose(path.breakpoints, full.breakpoints, rtol=1e-12, atol=1e-15)
    assert bool(path.undecided) == bool(full.undecided), case.name


def test_scratch_buffers_are_reused_views_up_to_their_limit():
    from polyfold._memory import Scratch

    s = Scratch(limit=1 << 12)
    a = s.take("a", (4, 8), np.float64)
    assert a.shape == (4, 8) and a.dtype == np.float64
    b = s.take("a", (2, 8), np.float64)
    assert np.shares_memory(a, b)  # the same buffer again
    assert not np.shares_memory(a, s.take("b", (4, 8), np.float64))
    big = s.take("a", (64, 16), np.float64)  # beyond the limit: a fresh array, not kept
    assert big.shape == (64, 16) and not np.shares_memory(big, a)
    assert np.shares_memory(s.take("a", (4, 8), np.float64), a)
    assert s.take("a", (4, 8), np.bool_).dtype == np.bool_
