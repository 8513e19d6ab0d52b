from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf

torch = pytest.importorskip("torch")
nn = torch.nn


def test_sequential_round_trip_with_every_supported_layer():
    torch.manual_seed(0)
    bn = nn.BatchNorm1d(6)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(3, 6),
        bn,
        nn.LeakyReLU(0.125),
        nn.Dropout(0.5),
        nn.Linear(6, 5),
        nn.Hardtanh(),
        nn.Identity(),
        nn.Linear(5, 4),
        nn.ReLU(),
        nn.Linear(4, 2),
    )
    with torch.no_grad():  # non-trivial running statistics
        bn.running_mean.copy_(torch.randn(6))
        bn.running_var.copy_(torch.rand(6) + 0.5)
    model.train()
    net = pf.from_torch(model)
    assert model.training  # the caller's mode is left as it was
    assert net.provenance["verified"] and net.provenance["max_abs_error"] < 1e-4
    assert [a.name for a in net.activations] == ["leaky_relu", "hardtanh", "relu"]
    assert net.activations[0].slope == F(1, 8)
    # Linear weights are taken exactly (float32 values are dyadic rationals)
    _, _, (w3, _), _ = net.exact_weights
    assert w3[0, 0] == F(float(model[8].weight.detach()[0, 0]))


def test_double_precision_model_matches_tightly():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).double()
    net = pf.from_torch(model)
    assert net.provenance["max_abs_error"] < 1e-12


class _Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        return torch.exp(self.lin(x))


class _DataDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        return self.lin(x) if x.sum() > 0 else x


class _Product(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        return torch.relu(self.lin(x)) * x


@pytest.mark.parametrize(
    "model,match",
    [
        (nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1), nn.Linear(3, 1)), "Softmax"),
        (nn.Sequential(nn.Linear(2, 3)), "no activation"),
        (nn.Sequential(nn.Linear(2, 2), nn.Hardtanh(0, 2), nn.Linear(2, 1)), "Hardtanh"),
        (nn.Sequential(nn.Linear(2, 2), nn.GELU("tanh"), nn.Linear(2, 1)), "erf"),
        (_Unsupported(), "unsupported operation 'exp'"),
        (_DataDependent(), "cannot trace _DataDependent"),
        (_Product(), "unsupported operation 'mul'"),
    ],
)
def test_unsupported_models(model, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.from_torch(model)
    with pytest.raises(pf.InvalidInputError, match=r"torch\.nn\.Module"):
        pf.from_torch("not a module")


class _Residual(nn.Module):
    """Two residual blocks ``h + W2 relu(W1 h)`` with functional ReLUs and a scaled skip."""

    def __init__(self, width=4):
        super().__init__()
        self.inp = nn.Linear(3, width)
        self.a1, self.b1 = nn.Linear(width, width), nn.Linear(width, width)
        self.a2, self.b2 = nn.Linear(width, width), nn.Linear(width, width)
        self.out = nn.Linear(width, 2)

    def forward(self, x):
        h = torch.relu(self.inp(x))
        h = torch.relu(h + self.b1(torch.relu(self.a1(h))))
        h = h - 0.5 * self.b2(nn.functional.relu(self.a2(h)))
        return self.out(h)


def test_residual_network_round_trip_and_pattern():
    torch.manual_seed(3)
    model = _Residual()
    net = pf.from_torch(model)
    assert net.provenance["verified"] and net.provenance["max_abs_error"] < 1e-5
    # the pattern is exactly the model's ReLU units: 4 per ReLU call, 4 calls
    assert net.n_bits == 16 and net.provenance["linear_units"] > 0
    # the bits are the model's own: the signs of its ReLU inputs
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    with torch.no_grad():
        xt = torch.tensor(x, dtype=torch.float32)
        h0 = torch.relu(model.inp(xt))
        z1 = model.a1(h0)
        z2 = h0 + model.b1(torch.relu(z1))
        h2 = torch.relu(z2)
        z3 = model.a2(h2)
        theirs = torch.cat([model.inp(xt), z1, z2, z3], dim=1).numpy() > 0
    ours = net.pattern(x)
    # the chain orders units by depth, not by call: compare the bits as a set of columns
    assert sorted(map(tuple, ours.T.astype(int))) == sorted(map(tuple, theirs.T.astype(int)))
    # walks: exact and float agree; every piece's midpoint has the piece's pattern
    a, b = rng.normal(size=(2, 3)) * 2
    path = pf.walk(net, a, b)
    assert np.array_equal(path.patterns, pf.walk(net, a, b, exact=False).patterns)
    for k in range(len(path.patterns)):
        mid = (path.breakpoints[k] + path.breakpoints[k + 1]) / 2
        point = [F(u) * (1 - mid) + F(v) * mid for u, v in zip(a, b)]
        assert np.array_equal(net.pattern(point, exact=True), path.patterns[k])


class _Dense(nn.Module):
    """A DenseNet-style concatenation of the input with a hidden layer."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 5)
        self.o = nn.Linear(7, 2)

    def forward(self, x):
        return self.o(torch.cat([torch.relu(self.a(x)), x], dim=1))


def test_concatenated_skip_regions_agree_between_engines():
    torch.manual_seed(4)
    net = pf.from_torch(_Dense())
    assert net.provenance["verified"] and net.n_bits == 5
    box = pf.Box([-2, -2], [2, 2])
    planar = pf.region_graph(net, box)
    lp = pf.region_graph(net, box, engine="lp")
    assert set(planar.nodes) == set(lp.nodes) and set(map(frozenset, planar.edges)) == set(
        map(frozenset, lp.edges)
    )
    assert sum(d["area"] for _, d in planar.nodes(data=True)) == 16
    for key, data in planar.nodes(data=True):
        assert pf.regions.pattern_key(net.pattern(data["witness"], exact=True)) == key
        reg = pf.region(net, key, box)
        assert reg.contains(data["witness"])


def test_max_pooling_bits_record_the_winner():
    torch.manual_seed(5)
    model = nn.Sequential(
        nn.Conv1d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool1d(3), nn.Flatten(), nn.Linear(4, 2)
    )
    net = pf.from_torch(model, input_shape=(1, 6))
    assert net.provenance["verified"]
    # 12 conv units; per window of 3: one comparison and two carried values, then one more
    # comparison and one carried value
    assert net.hidden_sizes == (12, 12, 8) and net.n_bits == 12 + 4 + 4
    x = np.array([[0.3, -1.0, 2.0, 0.5, 0.1, -0.4]])
    conv = torch.relu(model[0](torch.tensor(x, dtype=torch.float32)[:, None, :]))[0].detach()
    bits = net.pattern(x)[0]
    first = bits[12:16]  # round one: is the window's first entry above its second?
    windows = conv.numpy().reshape(2, 2, 3).reshape(4, 3)
    assert first.tolist() == (windows[:, 0] > windows[:, 1]).tolist()


def test_smooth_activations_import_and_refuse_exact_walks():
    torch.manual_seed(6)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 3), nn.GELU(), nn.Linear(3, 1))
    net = pf.from_torch(model)
    assert net.provenance["verified"] and [a.name for a in net.activations] == ["tanh", "gelu"]
    with pytest.raises(pf.InvalidInputError, match="smooth_walk"):
        pf.walk(net, [0, 0], [1, 1])
    with pytest.raises(pf.InvalidInputError, match="exact=False"):
        net.forward([0, 0], exact=True)


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_checkpoints_are_loaded_weights_only(tmp_path, capsys):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    good = tmp_path / "good.pt"
    torch.save({"state_dict": model.state_dict()}, good)
    fresh = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    pf.interop.load_state_dict(fresh, good)
    assert torch.equal(fresh[0].weight, model[0].weight)
    assert pf.from_torch(fresh).provenance["verified"]
    evil = tmp_path / "evil.pt"
    torch.save({"w": _Evil()}, evil)
    with pytest.raises(pf.InvalidInputError, match="weights-only"):
        pf.interop.load_state_dict(fresh, evil)
    assert "must never run" not in capsys.readouterr().out
    whole = tmp_path / "whole.pt"
    torch.save(model, whole)  # a pickled module, not a state dict
    with pytest.raises(pf.InvalidInputError, match="weights-only"):
        pf.interop.load_state_dict(fresh, whole)
    other = tmp_path / "other.pt"
    torch.save(nn.Linear(5, 5).state_dict(), other)
    with pytest.raises(pf.InvalidInputError, match="does not fit"):
        pf.interop.load_state_dict(fresh, other)
    (tmp_path / "cut.pt").write_bytes(good.read_bytes()[:40])
    with pytest.raises(pf.InvalidInputError, match="weights-only"):
        pf.interop.load_state_dict(fresh, tmp_path / "cut.pt")


def test_study_with_torch_backend():
    rows = pf.studies.study(
        "moons",
        depths=(2,),
        widths=(8,),
        seeds=(0,),
        clusters=3,
        max_pairs=20,
        backend="torch",
        max_iter=50,
    )
    assert rows[0]["backend"] == "torch" and rows[0]["test_accuracy"] > 0.5
    assert np.isfinite(rows[0]["mean_regions"])


def test_convolutions_and_pooling_become_exact_dense_maps():
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.BatchNorm2d(3),
        nn.Conv2d(3, 2, 2),
        nn.LeakyReLU(0.1),
        nn.Flatten(),
        nn.Linear(18, 4),
        nn.ReLU(),
        nn.Linear(4, 3),
    )
    with torch.no_grad():
        model[3].running_mean.copy_(torch.randn(3))
        model[3].running_var.copy_(torch.rand(3) + 0.5)
    net = pf.from_torch(model, input_shape=(1, 8, 8))
    assert net.provenance["verified"] and net.hidden_sizes == (192, 18, 4)
    # output channel 0 at (0, 0) sees input (0, 0) through kernel tap (1, 1) (padding 1)
    (w1, b1), *_ = net.exact_weights
    assert w1[0, 0] == F(float(model[0].weight.detach()[0, 0, 1, 1]))
    assert b1[0] == F(float(model[0].bias.detach()[0]))
    # a walk through the CNN: float and exact agree
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 64))
    exact, fast = pf.walk(net, a, b), pf.walk(net, a, b, exact=False)
    assert fast.undecided or np.array_equal(exact.patterns, fast.patterns)


def test_average_pooling_weights_are_exact_quarters():
    torch.manual_seed(2)
    lin = nn.Linear(4, 3)
    model = nn.Sequential(nn.AvgPool2d(2), nn.Flatten(), lin, nn.ReLU(), nn.Linear(3, 1))
    net = pf.from_torch(model, input_shape=(1, 4, 4))
    (w, _), _ = net.exact_weights
    assert w[0, 0] == F(float(lin.weight.detach()[0, 0])) / 4


@pytest.mark.parametrize(
    "model,shape,match",
    [
        (
            nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1)),
            None,
            "input_shape",
        ),
        (
            nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1)),
            (4, 4),
            r"needs a \(channels, 2-D\) input",
        ),
        (
            nn.Sequential(
                nn.Conv1d(2, 3, 3, stride=2),
                nn.ReLU(),
                nn.AvgPool1d(2),
                nn.Flatten(),
                nn.Linear(3, 2),
            ),
            (2, 11),
            "expects 3 features, gets 6",
        ),
        (
            nn.Sequential(
                nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(32, 1),
            ),
            (1, 4, 4),
            "zero padding",
        ),
        (
            nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Linear(2, 1)),
            (1, 4, 4),
            "add nn.Flatten",
        ),
    ],
)
def test_convolution_errors(model, shape, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.from_torch(model, input_shape=shape)


def test_batchnorm_without_running_statistics_is_refused():
    model = nn.Sequential(
        nn.Linear(2, 3), nn.BatchNorm1d(3, track_running_stats=False), nn.ReLU(), nn.Linear(3, 1)
    )
    with pytest.raises(pf.InvalidInputError, match="BatchNorm1d needs running statistics"):
        pf.from_torch(model)
