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


@pytest.mark.parametrize(
    "model,match",
    [
        (
            nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1)),
            "unsupported module Sigmoid",
        ),
        (nn.Sequential(nn.MaxPool1d(2)), "unsupported module MaxPool1d"),
        (nn.Sequential(nn.Linear(2, 3)), "at least one activation"),
        (nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), "affine layer before"),
        (nn.Sequential(nn.Linear(2, 2), nn.Hardtanh(0, 2), nn.Linear(2, 1)), "Hardtanh"),
    ],
)
def test_unsupported_models(model, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.from_torch(model)
    with pytest.raises(pf.InvalidInputError, match=r"torch\.nn\.Module"):
        pf.from_torch("not a module")


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
