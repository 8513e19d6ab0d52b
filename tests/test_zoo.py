"""The zoo: the hand-built tent, He-initialised networks and trained MLPs."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold import zoo


def test_the_tent_folds_as_its_docstring_says():
    path = pf.walk(zoo.tent(), [0], [1])
    assert path.bitstrings() == ["100", "101", "111", "110"]
    assert list(path.breakpoints) == [0, F(1, 4), F(1, 2), F(3, 4), 1]
    assert (path.r1, path.r2, path.chi) == (2, 3, F(1, 3))


def test_he_layers_draw_weights_then_biases_from_the_generator():
    w, b = zoo.he_layer(np.random.default_rng(7), 3, 4, bias_std=0.5)
    rng = np.random.default_rng(7)
    assert np.array_equal(w, rng.normal(0, np.sqrt(2 / 3), size=(4, 3)))
    assert np.array_equal(b, rng.normal(0, 0.5, size=4))


def test_random_networks_are_he_initialised_and_seeded():
    net = zoo.random_network([400, 300, 1], seed=3, bias_std=0.2)
    (w, b), _ = net.weights
    # W ~ N(0, 2/400) over 120,000 entries, b ~ N(0, 0.04) over 300: within a few standard errors
    assert abs(w.std() - np.sqrt(2 / 400)) < 0.002 and abs(w.mean()) < 0.001
    assert abs(b.std() - 0.2) < 0.03
    same = zoo.random_network([400, 300, 1], seed=3, bias_std=0.2)
    assert all(np.array_equal(p, q) for (p, _), (q, _) in zip(net.weights, same.weights))
    leaky = zoo.random_network([2, 3, 1], seed=1, activation=("leaky_relu", "1/8"))
    assert leaky.activations[0].slope == F(1, 8)
    with pytest.raises(pf.InvalidInputError, match="sizes"):
        zoo.random_network([2, 0, 1])


def test_a_trained_mlp_is_its_classifier_exactly():
    X, y = pf.datasets.moons(80, seed=0)
    clf, net = zoo.train_mlp(X, y, (8,), seed=1, max_iter=50)
    logits = net.forward(X)
    assert np.array_equal(np.argmax(np.c_[-logits[:, 0], logits[:, 0]], axis=1), clf.predict(X))
    _, net2 = zoo.train_mlp(X, y, (8,), seed=1, max_iter=50)
    assert all(np.array_equal(p, q) for (p, _), (q, _) in zip(net.weights, net2.weights))


def test_the_digits_mlp_is_deterministic_and_accurate():
    net = zoo.digits_mlp((16,), seed=0, max_iter=60)
    X, y = pf.datasets.digits()
    assert net.n_inputs == 64 and net.hidden_sizes == (16,) and net.n_outputs == 10
    assert (np.argmax(net.forward(X), axis=1) == y).mean() > 0.9
    again = zoo.digits_mlp((16,), seed=0, max_iter=60)
    assert all(np.array_equal(p, q) for (p, _), (q, _) in zip(net.weights, again.weights))
