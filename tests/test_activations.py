"""polyfold.activations: the activations, their kinks and threshold crossings."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from polyfold.activations import ACTIVATIONS, SMOOTH, Activation, get_activation
from polyfold.errors import InvalidInputError


def test_parsing_and_slopes():
    assert get_activation("relu") == Activation("relu")
    assert get_activation("leaky_relu").slope == F(1, 100)
    assert get_activation(("leaky_relu", "1/3")).slope == F(1, 3)
    same = Activation("tanh")
    assert get_activation(same) is same
    with pytest.raises(InvalidInputError, match="activation: expected one of"):
        get_activation("softplus")
    with pytest.raises(InvalidInputError, match="slope must be >= 0"):
        get_activation(("leaky_relu", -1))
    with pytest.raises(InvalidInputError, match="act: expected"):
        get_activation(3, name="act")


@pytest.mark.parametrize(
    "spec, tau, critical",
    [
        ("relu", 0, (0,)),
        ("relu", F(1, 2), (0, F(1, 2))),
        ("relu", -1, (0,)),  # σ ≥ 0 > τ: no crossing, only the kink
        (("leaky_relu", F(1, 10)), -1, (-10, 0)),  # the slope piece reaches τ = −1 at z = −10
        ("hardtanh", 0, (-1, 0, 1)),
        ("hardtanh", 2, (-1, 1)),  # never reaches 2
        ("abs", 1, (-1, 0, 1)),
        ("identity", 3, (3,)),
        ("tanh", 0, (0,)),
    ],
)
def test_kinks_and_threshold_crossings(spec, tau, critical):
    act = get_activation(spec)
    assert act.critical(F(tau)) == tuple(F(c) for c in critical)


def test_values_float_and_exact():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    expect = {
        "relu": [0, 0, 0, 0.5, 2],
        "hardtanh": [-1, -0.5, 0, 0.5, 1],
        "abs": [2, 0.5, 0, 0.5, 2],
        "identity": z.tolist(),
    }
    for name, want in expect.items():
        assert np.array_equal(get_activation(name)(z), np.array(want, dtype=float))
        exact = np.array([F(v) for v in z], dtype=object)
        assert [F(v) for v in get_activation(name)(exact)] == [F(v) for v in want]
    leaky = get_activation(("leaky_relu", F(1, 4)))
    assert np.array_equal(leaky(z), [-0.5, -0.125, 0, 0.5, 2])
    assert np.allclose(get_activation("sigmoid")(np.array([0.0])), [0.5])
    assert np.allclose(get_activation("gelu")(np.array([0.0, 10.0])), [0.0, 10.0])


def test_smooth_activations_refuse_exact_values():
    assert set(SMOOTH) <= set(ACTIVATIONS)
    for name in SMOOTH:
        assert get_activation(name).smooth
        with pytest.raises(InvalidInputError, match="exact=False"):
            get_activation(name)(np.array([F(0)], dtype=object))
    assert not get_activation("relu").smooth
