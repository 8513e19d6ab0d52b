from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf


def test_float_weights_are_converted_exactly():
    net = pf.Network.from_layers([([[0.1]], [0.0]), ([[1.0]], [0.0])])
    (w, _), _ = net.exact_weights
    assert w[0, 0] == F(0.1) != F(1, 10)
    assert net.is_float_exact


def test_exact_values_in_every_form():
    net = pf.Network.from_layers([([["1/3", F(2, 3)], [1, 2.5]], ["-1/7", 0]), ([[1, 1]], [0])])
    (w, b), _ = net.exact_weights
    assert list(w.ravel()) == [F(1, 3), F(2, 3), F(1), F(5, 2)]
    assert b[0] == F(-1, 7)
    assert not net.is_float_exact
    # exact forward: h = relu([1/3 + 2/3 - 1/7, 1 + 5/2]) at x = (1, 1)
    assert net.forward([1, 1], exact=True)[0] == F(1) - F(1, 7) + F(7, 2)


def test_pattern_boundary_convention_and_threshold():
    net = pf.Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])], threshold="1/2")
    # bit 1 iff relu(z) > 1/2: at x = 1/2 the first unit sits on the boundary -> 0
    assert net.pattern(["1/2"], exact=True).tolist() == [False, False]
    assert net.pattern([0.75]).tolist() == [True, False]
    neg = net.with_options(threshold=-1)  # relu(z) >= 0 > -1: every bit is 1
    assert neg.pattern([0.0]).tolist() == [True, True]


def test_pattern_layers_and_output_bits():
    net = pf.zoo.random_network([2, 3, 4, 2], seed=1)
    x = np.array([[0.3, -0.2], [1.0, 2.0]])
    full = net.pattern(x)
    only_second = net.with_options(pattern_layers=[1]).pattern(x)
    np.testing.assert_array_equal(only_second, full[:, 3:])
    with_out = net.with_options(include_output=True)
    assert with_out.n_bits == 3 + 4 + 2
    np.testing.assert_array_equal(with_out.pattern(x)[:, -2:], net.forward(x) > 0)
    assert with_out.neuron(7) == (2, 0)
    assert net.neuron(4) == (1, 1)


def test_batched_and_exact_patterns_agree():
    net = pf.zoo.random_network([3, 6, 6, 2], seed=2)
    x = np.random.default_rng(0).normal(size=(50, 3))
    np.testing.assert_array_equal(net.pattern(x), net.pattern(x, exact=True))
    np.testing.assert_allclose(net.forward(x), net.forward(x, exact=True).astype(float))
    assert len(net.preactivations(x[0])) == 3


@pytest.mark.parametrize("exact_weights", [False, True])
def test_save_load_round_trip(tmp_path, exact_weights):
    if exact_weights:
        net = pf.Network.from_layers(
            [([["1/3", 1]], ["-1/7"]), ([["2/9"]], [0])],
            threshold="1/5",
            activation=("leaky_relu", "1/8"),
            include_output=True,
        )
    else:
        net = pf.zoo.random_network([4, 5, 5, 3], seed=3, pattern_layers=[0])
    net.save(tmp_path / "net.npz")
    back = pf.Network.load(tmp_path / "net.npz")
    for (w1, b1), (w2, b2) in zip(net.exact_weights, back.exact_weights):
        assert list(w1.ravel()) == list(w2.ravel()) and list(b1.ravel()) == list(b2.ravel())
    assert back.threshold == net.threshold
    assert back.activations == net.activations
    assert back.pattern_layers == net.pattern_layers
    assert back.include_output == net.include_output


def test_load_rejects_other_files(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(pf.InvalidInputError, match="path"):
        pf.Network.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(pf.InvalidInputError, match="not a polyfold network"):
        pf.Network.load(tmp_path / "other.npz")


@pytest.mark.parametrize(
    "layers,options,match",
    [
        ([([[1.0]], [0.0])], {}, "at least one hidden layer"),
        ([([[np.nan]], [0.0]), ([[1.0]], [0.0])], {}, r"layers\[0\] W: expected finite"),
        ([([[1.0]], [np.inf]), ([[1.0]], [0.0])], {}, r"layers\[0\] b: expected finite"),
        ([(np.array([[1j]]), [0.0]), ([[1.0]], [0.0])], {}, "complex"),
        ([(np.array([[None]], dtype=object), [0.0]), ([[1.0]], [0.0])], {}, "real number"),
        ([([[1.0, 2.0]], [0.0]), ([[1.0, 1.0]], [0.0])], {}, "expected 1 columns"),
        ([([[1.0]], [0.0, 1.0]), ([[1.0]], [0.0])], {}, r"b: expected shape \(1,\)"),
        ([([1.0], [0.0]), ([[1.0]], [0.0])], {}, "2-D"),
        ([([["x"]], [0]), ([[1]], [0])], {}, "cannot read 'x'"),
        ([([[1]], [0]), ([[1]], [0])], {"activation": "softplus"}, "activation: expected one of"),
        ([([[1]], [0]), ([[1]], [0])], {"pattern_layers": [3]}, "pattern_layers"),
        ([([[1]], [0]), ([[1]], [0])], {"threshold": "abc"}, "threshold"),
        ([([[1]], [0]), ([[1]], [0])], {"activation": ["relu", "relu"]}, "one entry per hidden"),
        ("nonsense", {}, "list of"),
    ],
)
def test_bad_networks(layers, options, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.Network.from_layers(layers, **options)


def test_errors_share_one_root_and_are_value_errors():
    assert issubclass(pf.InvalidInputError, pf.PolyfoldError)
    assert issubclass(pf.InvalidInputError, ValueError)


def test_linear_units_pass_values_on_without_bits(tmp_path):
    # unit 1 of the hidden layer is linear: y = relu(x0) + (x0 - x1)
    net = pf.Network.from_layers([([[1, 0], [1, -1]], [0, 0]), ([[1, 1]], [0])], linear_units=[[1]])
    assert net.n_bits == 1 and net.hidden_sizes == (2,)
    assert net.forward([F(-2), F(1)], exact=True)[0] == -3
    assert net.pattern([[1.0, 5.0], [-1.0, -5.0]]).tolist() == [[True], [False]]
    path = pf.walk(net, [-1, 0], [1, 0])
    assert list(path.breakpoints) == [0, F(1, 2), 1]  # the linear unit never kinks
    net.save(tmp_path / "lin.npz")
    back = pf.Network.load(tmp_path / "lin.npz")
    assert back.linear_units[0].tolist() == [False, True]
    assert net.with_options(threshold=1).linear_units[0].tolist() == [False, True]
    reg = pf.region(net, [1])
    assert reg.A.shape == (1, 2)  # one row: the linear unit bounds nothing
    with pytest.raises(pf.InvalidInputError, match="linear_units"):
        pf.Network.from_layers([([[1]], [0]), ([[1]], [0])], linear_units=[[0]])
    with pytest.raises(pf.InvalidInputError, match=r"linear_units\[0\]"):
        pf.Network.from_layers([([[1]], [0]), ([[1]], [0])], linear_units=[[3]])
    with pytest.raises(pf.InvalidInputError, match="one list"):
        pf.Network.from_layers([([[1]], [0]), ([[1]], [0])], linear_units=[[0], [0]])


def test_pattern_bits_and_expansions_are_checked():
    net = pf.zoo.tent()
    assert net.neuron(2) == (1, 0)
    for bad in (3, -1):
        with pytest.raises(pf.InvalidInputError, match="bit: expected 0 <= bit < 3"):
            net.neuron(bad)
    with pytest.raises(pf.InvalidInputError, match="bit: expected an integer"):
        net.neuron(1.0)
    assert [m.tolist() for m in net.expand_pattern([1, 0, 1])] == [[True, False], [True]]
    with pytest.raises(pf.InvalidInputError, match=r"pattern: expected 3 bits, got shape \(2,\)"):
        net.expand_pattern([1, 0])


def test_float64_layers_keep_their_floats_and_skip_the_exactness_check():
    # weights given as float arrays are exact as they stand: the operators use them
    # directly, and the answers equal those of the same network given as Fractions
    rng = np.random.default_rng(3)
    layers = [(rng.normal(size=(5, 2)), rng.normal(size=5)), (rng.normal(size=(1, 5)), [0.25])]
    net = pf.Network.from_layers(layers)
    as_fractions = pf.Network.from_layers(
        [([[F(v) for v in row] for row in w], [F(v) for v in b]) for w, b in layers]
    )
    assert net.operators[0].exact is None  # float64 in: nothing to check
    assert net.operators[1].exact is not None  # a list of floats: checked as before
    assert as_fractions.operators[0].exact is not None
    assert net.is_float_exact and as_fractions.is_float_exact
    for (wf, bf), (wg, bg) in zip(net.float_layers, as_fractions.float_layers):
        np.testing.assert_array_equal(wf, wg)
        np.testing.assert_array_equal(bf, bg)
    a = pf.walk(net, [-3, 1], [2, -1])
    b = pf.walk(as_fractions, [-3, 1], [2, -1])
    assert list(a.breakpoints) == list(b.breakpoints)
    layers[0][0][0, 0] = 99.0  # the network copied its floats
    assert net.float_layers[0][0][0, 0] != 99.0
    w32 = layers[0][0].astype(np.float32)  # float32 values are float64 values too
    f32 = pf.Network.from_layers([(w32, layers[0][1]), layers[1]])
    assert f32.operators[0].exact is None and f32.float_layers[0][0].dtype == np.float64
    assert f32.exact_weights[0][0][0, 1] == F(float(w32[0, 1]))
