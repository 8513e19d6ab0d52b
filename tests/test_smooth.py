"""Certified crossings for smooth activations, checked by independent high-precision evaluation."""

from fractions import Fraction as F

import mpmath as mp
import numpy as np
import pytest
from catalogue import CASES
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfold as pf

SMOOTH = [("tanh", 0), ("sigmoid", "1/2"), ("gelu", 0), ("silu", 0), ("silu", "-1/10")]


def _mp_sigma(name, z):
    s = 1 / (1 + mp.exp(-z))
    return {
        "tanh": mp.tanh(z),
        "sigmoid": s,
        "gelu": z * (1 + mp.erf(z / mp.sqrt(2))) / 2,
        "silu": z * s,
        "relu": max(z, mp.mpf(0)),
    }[name]


def _mp_g(net, x1, x2, t):
    """σ(z) − τ of every pattern unit at parameter t, in 60-digit arithmetic from the
    exact weights (independent of polyfold's interval code)."""
    with mp.workdps(60):
        t = mp.mpf(t.numerator) / t.denominator if isinstance(t, F) else mp.mpf(t)
        h = [mp.mpf(float(a)) * (1 - t) + mp.mpf(float(b)) * t for a, b in zip(x1, x2)]
        tau = mp.mpf(net.threshold.numerator) / net.threshold.denominator
        values = []
        for i, (w, b) in enumerate(net.exact_weights):
            z = [
                sum(mp.mpf(wij.numerator) / wij.denominator * hj for wij, hj in zip(row, h))
                + mp.mpf(bi.numerator) / bi.denominator
                for row, bi in zip(w, b)
            ]
            if i < net.depth:
                lin = net.linear_units[i]
                h = [
                    zj if lin[j] else _mp_sigma(net.activations[i].name, zj)
                    for j, zj in enumerate(z)
                ]
            else:
                h = z
            values.extend(v - tau for v in h)
        return [values[c] for c in net.pattern_columns]


def _check_against_high_precision(net, x1, x2, path, samples=160):
    # every crossing interval holds a change of its bit
    for c in path.crossings:
        lo, hi = _mp_g(net, x1, x2, c.lo)[c.bit], _mp_g(net, x1, x2, c.hi)[c.bit]
        assert (lo > 0) != (hi > 0) and (hi > 0) == c.rising
    # no change is missed on a dense grid: every bit change between samples lies in a crossing
    ts = [F(k, samples) for k in range(samples + 1)]
    bits = np.array([[v > 0 for v in _mp_g(net, x1, x2, t)] for t in ts])
    for k in range(samples):
        for j in np.flatnonzero(bits[k] != bits[k + 1]):
            assert any(
                c.bit == j and c.lo <= ts[k + 1] and c.hi >= ts[k] for c in path.crossings
            ), (k, j)
    # and the certified pattern sequence visits the sampled patterns in order
    seq = [tuple(p) for p in path.patterns]
    pos = 0
    for row in bits:
        while pos < len(seq) and seq[pos] != tuple(row):
            pos += 1
        assert pos < len(seq), "a sampled pattern is missing from the certified sequence"


def test_hand_worked_tanh_layer():
    # tanh(x − 1/2) > 0 iff x > 1/2, tanh(1/4 − x) > 0 iff x < 1/4
    net = pf.Network.from_layers(
        [([[1], [-1]], ["-1/2", "1/4"]), ([[1, 1]], [0])], activation="tanh"
    )
    path = pf.smooth_walk(net, [0.0], [1.0], width=2.0**-30, min_width=2.0**-40)
    assert path.certified and path.patterns.astype(int).tolist() == [[0, 1], [0, 0], [1, 0]]
    (c1, c2) = path.crossings
    assert (c1.bit, c1.rising, c2.bit, c2.rising) == (1, False, 0, True)
    # at t = 1/4 and 1/2 the pre-activation is exactly 0 and the bit exactly 0 (tanh(0) = 0)
    assert c1.lo < c1.hi == F(1, 4) and c1.hi - c1.lo <= 2.0**-30
    assert c2.lo == F(1, 2) < c2.hi
    assert path.chi == 0


def test_relu_tent_agrees_with_the_exact_walk():
    net = pf.zoo.tent()
    exact = pf.walk(net, [0], [1])
    path = pf.smooth_walk(net, [0.0], [1.0])
    assert path.certified and path.chi == exact.chi == F(1, 3)
    assert np.array_equal(path.patterns, exact.patterns)


@pytest.mark.parametrize(
    ("act", "tau"),
    # (abs at τ = 0 only touches its threshold: that is reported, tested below)
    [("relu", 0), ("relu", "1/10"), (("leaky_relu", "1/8"), 0), ("hardtanh", 0), ("abs", "1/2")],
)
@pytest.mark.parametrize("seed", range(4))
def test_piecewise_linear_networks_agree_with_exact_walks(act, tau, seed):
    net = pf.zoo.random_network([2, 6, 6, 2], seed=seed, activation=act, threshold=tau)
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, 2)) * 2
    exact = pf.walk(net, a, b)
    path = pf.smooth_walk(net, a, b, elementary="float")
    assert path.certified
    assert np.array_equal(path.patterns, exact.patterns)
    changes = [t for t, flips in zip(exact.breakpoints[1:-1], exact.flips) if len(flips)]
    assert len(path.crossings) == len(changes)
    for c, t in zip(path.crossings, changes):
        assert c.lo <= t <= c.hi


@pytest.mark.parametrize(("act", "tau"), SMOOTH)
@pytest.mark.parametrize("seed", range(3))
def test_smooth_crossings_hold_a_sign_change_and_none_is_missed(act, tau, seed):
    net = pf.zoo.random_network([2, 6, 5, 2], seed=seed, activation=act, threshold=tau)
    rng = np.random.default_rng(100 + seed)
    a, b = rng.normal(size=(2, 2)) * 2.5
    path = pf.smooth_walk(net, a, b)
    assert path.certified, (path.unresolved, path.ambiguous)
    _check_against_high_precision(net, a, b, path)


def test_float_elementary_functions_give_the_same_answer():
    net = pf.zoo.random_network([3, 8, 8, 1], seed=7, activation="gelu")
    rng = np.random.default_rng(7)
    for a, b in rng.normal(size=(5, 2, 3)) * 2:
        p, q = pf.smooth_walk(net, a, b), pf.smooth_walk(net, a, b, elementary="float")
        assert np.array_equal(p.patterns, q.patterns)


def test_a_tangency_is_reported_not_guessed():
    # silu(x) + silu(−x) = x·tanh(x/2) ≥ 0 touches 0 at x = 0 only: the tanh unit's bit is
    # 1 except at one point, which no finite bisection can certify
    net = pf.Network.from_layers(
        [([[1], [-1]], [0, 0]), ([[1, 1]], [0]), ([[1]], [0])],
        activation=["silu", "tanh"],
        pattern_layers=[1],
    )
    path = pf.smooth_walk(net, [-1.0], [1.0], min_width=2.0**-20)
    assert not path.certified and path.unresolved
    assert all(lo <= F(1, 2) + F(1, 10**6) and hi >= F(1, 2) - F(1, 10**6)
               for lo, hi, _ in path.unresolved)  # fmt: skip
    assert all(units == (0,) for _, _, units in path.unresolved)
    with pytest.raises(pf.UndecidedError, match="unresolved"):
        _ = path.chi
    assert path.undecided == tuple((lo, hi) for lo, hi, _ in path.unresolved)
    for name in ("r1", "r2", "D", "interaction"):
        with pytest.raises(pf.UndecidedError, match=name):
            getattr(path, name)


@pytest.mark.parametrize("act", ["tanh", "gelu"])
def test_a_smooth_path_is_a_path_in_names_measures_and_reversal(act):
    net = pf.zoo.random_network([2, 6, 6, 1], seed=1, activation=act)
    path = pf.smooth_walk(net, [-1, -1], [1, 1])
    assert path.certified and path.undecided == ()
    p = path.patterns
    assert (path.chi, path.r1, path.r2, path.D) == (
        pf.chi(p),
        pf.r1(p),
        pf.r2(p),
        pf.D(p),
    )
    assert path.L == path.r2 and path.n_pieces == len(p) and path.interaction == pf.interaction(p)
    assert path.bitstrings() == ["".join("1" if b else "0" for b in row) for row in p]
    lo, hi = path.bounds
    assert lo[0] == hi[0] == 0 and lo[-1] == hi[-1] == 1 and all(lo <= hi)
    back = pf.smooth_walk(net, [1, 1], [-1, -1])  # walking backwards: the reversed path
    rev = path.reversed()
    assert np.array_equal(rev.patterns, back.patterns)
    assert [(c.bit, c.rising) for c in rev.crossings] == [(c.bit, c.rising) for c in back.crossings]
    assert all(c.lo <= d.hi and d.lo <= c.hi for c, d in zip(rev.crossings, back.crossings))
    assert rev.reversed().crossings == path.crossings
    assert (rev.starts_on_boundary, rev.ends_on_boundary) == (False, False)
    # the same names as Path mean the same there
    walked = pf.walk(pf.zoo.tent(), [0], [1])
    for name in ("certified", "undecided", "starts_on_boundary", "n_pieces", "chi", "r1", "D"):
        assert hasattr(walked, name) and hasattr(path, name)


def test_linear_units_and_imported_residual_tanh_model():
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.o = nn.Linear(2, 4), nn.Linear(4, 2), nn.Linear(2, 1)

        def forward(self, x):
            return self.o(torch.tanh(x + self.b(torch.tanh(self.a(x)))))

    torch.manual_seed(0)
    net = pf.from_torch(Block())
    assert net.provenance["verified"] and net.n_bits == 6
    a, b = np.array([-2.0, 1.0]), np.array([2.0, -1.5])
    path = pf.smooth_walk(net, a, b)
    assert path.certified
    _check_against_high_precision(net, a, b, path, samples=100)


@settings(max_examples=15)
@given(
    seed=st.integers(0, 10_000),
    act=st.sampled_from(["tanh", "sigmoid", "gelu", "silu"]),
    scale=st.floats(0.1, 4.0),
)
def test_random_segments_are_certified_with_disjoint_ordered_crossings(seed, act, scale):
    tau = "1/2" if act == "sigmoid" else 0
    net = pf.zoo.random_network([2, 5, 5, 1], seed=seed, activation=act, threshold=tau)
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, 2)) * scale
    path = pf.smooth_walk(net, a, b)
    if not path.certified:  # allowed, but only with the boxes it could not decide
        assert path.unresolved or path.ambiguous
        return
    his = [c.hi for c in path.crossings]
    los = [c.lo for c in path.crossings]
    assert all(h <= lo for h, lo in zip(his, los[1:]))
    assert len(path.patterns) == len(path.crossings) + 1
    for c in path.crossings[:3]:
        lo, hi = _mp_g(net, a, b, c.lo)[c.bit], _mp_g(net, a, b, c.hi)[c.bit]
        assert (lo > 0) != (hi > 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_width": 0}, "min_width"),
        ({"min_width": True}, "min_width"),
        ({"max_boxes": 0}, "max_boxes"),
        ({"elementary": "libm"}, "elementary"),
    ],
)
def test_bad_options(kwargs, match):
    net = pf.zoo.random_network([2, 3, 1], seed=0, activation="tanh")
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.smooth_walk(net, [0, 0], [1, 1], **kwargs)


def test_bad_inputs():
    net = pf.zoo.random_network([2, 3, 1], seed=0, activation="tanh")
    with pytest.raises(pf.InvalidInputError, match="x1"):
        pf.smooth_walk(net, [0, 0, 0], [1, 1])
    with pytest.raises(pf.InvalidInputError, match="x2"):
        pf.smooth_walk(net, [0, 0], [np.nan, 1])
    with pytest.raises(pf.InvalidInputError, match="one point each"):
        pf.smooth_walk(net, [[0, 0]], [[1, 1]])
    with pytest.raises(pf.InvalidInputError, match="Network"):
        pf.smooth_walk("net", [0, 0], [1, 1])


def test_box_budget_reports_what_is_left():
    net = pf.zoo.random_network([2, 8, 8, 1], seed=3, activation="tanh")
    path = pf.smooth_walk(net, [-3.0, -3.0], [3.0, 3.0], max_boxes=3)
    assert not path.certified and path.unresolved and path.boxes > 3


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue_is_answered_exactly_or_reported(case):
    """Every degenerate case: the certified answer is the exact walk's, or nothing is claimed."""
    x1 = np.array([float(F(v)) for v in case.x1])
    x2 = np.array([float(F(v)) for v in case.x2])
    if any(F(a) != F(v) for a, v in zip(x1, case.x1)) or any(
        F(b) != F(v) for b, v in zip(x2, case.x2)
    ):
        pytest.skip("smooth_walk takes float64 endpoints")
    path = pf.smooth_walk(case.net, x1, x2, min_width=2.0**-24)
    exact = pf.walk(case.net, case.x1, case.x2)
    if path.certified:
        assert np.array_equal(path.patterns, pf.dedupe(exact.patterns))
        assert path.chi == exact.chi
    else:
        assert path.unresolved or path.ambiguous
        with pytest.raises(pf.UndecidedError):
            _ = path.chi


@pytest.mark.parametrize("act", ["gelu", "silu", "tanh", "sigmoid"])
@pytest.mark.parametrize("shift", [40, 1000])
def test_saturated_units_are_decided_by_the_sign_of_z(act, shift):
    # unit 0: z = x − shift, saturated far below 0 on [0, 1] (GELU and SiLU within 1e-300 of
    # 0 there, where their own enclosure cannot leave 0); unit 1 crosses at x = 1/2
    net = pf.Network.from_layers([([[1], [1]], [-shift, "-1/2"]), ([[1, 1]], [0])], activation=act)
    path = pf.smooth_walk(net, [0.0], [1.0])
    assert path.certified and path.unresolved == []
    if act == "sigmoid":  # σ > 0 = τ everywhere: both bits are 1 all along
        assert path.bitstrings() == ["11"] and path.crossings == []
    else:  # [σ(z) > 0] = [z > 0]
        assert path.bitstrings() == ["00", "01"]
        (c,) = path.crossings
        assert c.bit == 1 and c.rising and c.lo <= F(1, 2) <= c.hi


def test_global_folding_on_a_smooth_network_takes_certified_walks():
    net = pf.zoo.random_network([2, 6, 6, 2], seed=3, activation="tanh")
    x, y = pf.datasets.moons(60, seed=3)
    res = pf.global_folding(net, x, y, clusters=3)
    assert res.complete and len(res.undecided) == 0 and res.n_paths == 9
    for (a, b), value in zip(res.pairs, res.chi):
        assert pf.smooth_walk(net, res.centroids[a], res.centroids[b]).chi == value


def test_global_folding_lists_the_undecided_smooth_paths():
    # the tangency of test_a_tangency_is_reported_not_guessed: every segment through x = 0
    # has a bit no bisection can certify
    net = pf.Network.from_layers(
        [([[1], [-1]], [0, 0]), ([[1, 1]], [0]), ([[1], [-1]], [0, 0])],
        activation=["silu", "tanh"],
        pattern_layers=[1],
    )
    x = [[-1.0], [0.25], [0.5], [0.75]]
    res = pf.global_folding(net, x, [0, 0, 1, 1], clusters=None)
    # pairs between the labels: (0, 2) and (0, 3) cross x = 0, (1, 2) and (1, 3) do not
    assert res.undecided.tolist() == [[0, 2], [0, 3]] and res.pairs.tolist() == [[1, 2], [1, 3]]
    assert not res.complete and res.chi == [0, 0]
    with pytest.raises(pf.UndecidedError, match="none of the 4"):
        pf.global_folding(net, [[-1.0], [-0.5], [0.5], [0.75]], [0, 0, 1, 1], clusters=None)


@pytest.mark.slow
def test_a_trained_gelu_digits_network_is_certified_where_saturated_units_blocked_it():
    # 64-16x4-10 GELU trained on digits: before units were decided by the sign of z, 7 of these
    # 15 segments stayed unresolved on units saturated towards 0 from below
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.set_num_threads(1)
    torch.manual_seed(0)
    X, y = pf.datasets.digits()
    dims = [64, 16, 16, 16, 16]
    parts = []
    for a, b in zip(dims[:-1], dims[1:]):
        parts += [nn.Linear(a, b), nn.GELU()]
    model = nn.Sequential(*parts, nn.Linear(16, 10))
    xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(1000):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    net = pf.from_torch(model.eval())
    rng = np.random.default_rng(0)
    for _ in range(15):
        i, j = rng.integers(0, len(X), 2)
        path = pf.smooth_walk(net, X[i], X[j], min_width=2.0**-45)
        assert path.certified, (i, j, path.unresolved[:2])


def test_smooth_walk_many_is_smooth_walk_of_each_segment_serially_and_on_a_pool():
    from concurrent.futures import ProcessPoolExecutor

    net = pf.zoo.random_network([2, 5, 5, 1], seed=2, activation="silu")
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 7, 2))
    one = [pf.smooth_walk(net, u, v) for u, v in zip(a, b)]
    many = pf.smooth_walk_many(net, a, b, chunk=3)
    with ProcessPoolExecutor(2) as pool:
        pooled = pf.smooth_walk_many(net, a, b, chunk=3, executor=pool)
    for p, q, r in zip(one, many, pooled):
        assert p.crossings == q.crossings == r.crossings
        assert np.array_equal(p.patterns, q.patterns) and np.array_equal(p.patterns, r.patterns)
    with pytest.raises(pf.InvalidInputError, match="x1, x2"):
        pf.smooth_walk_many(net, a, b[:3])
