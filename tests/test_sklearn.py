"""scikit-learn's MLPs imported exactly: the network is the estimator's own last layer."""

from __future__ import annotations

import warnings
from fractions import Fraction as F

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import polyfold as pf


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def test_a_multiclass_classifier_is_its_logits_exactly():
    X, y = pf.datasets.spirals(90, arms=3, seed=0)
    clf = _fit(MLPClassifier(hidden_layer_sizes=(12, 8), random_state=0, max_iter=80), X, y)
    net = pf.from_sklearn(clf)
    assert net.hidden_sizes == (12, 8) and net.n_outputs == 3
    for (w, b), cw, cb in zip(net.exact_weights, clf.coefs_, clf.intercepts_):
        assert w.T.tolist() == [[F(v) for v in row] for row in cw.tolist()]
        assert b.tolist() == [F(v) for v in cb.tolist()]
    logits = net.forward(X)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    assert np.allclose(softmax, clf.predict_proba(X), rtol=0, atol=1e-12)
    assert np.array_equal(np.argmax(logits, axis=1), clf.predict(X))


def test_a_regressor_is_its_prediction_and_options_pass_through():
    X, y = pf.datasets.moons(40, seed=1)
    reg = _fit(
        MLPRegressor(hidden_layer_sizes=(6,), random_state=0, max_iter=50), X, y.astype(float)
    )
    net = pf.from_sklearn(reg, include_output=True)
    assert np.allclose(net.forward(X)[:, 0], reg.predict(X), rtol=0, atol=1e-12)
    assert net.n_bits == 6 + 1  # the output unit's bit joins the pattern


def test_what_it_refuses():
    X, y = pf.datasets.moons(20, seed=0)
    with pytest.raises(pf.InvalidInputError, match="expected a fitted sklearn MLPClassifier"):
        pf.from_sklearn(MLPClassifier())
    with pytest.raises(pf.InvalidInputError, match="only activation='relu'"):
        pf.from_sklearn(
            _fit(MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=5), X, y)
        )
    with pytest.raises(pf.InvalidInputError, match="got LinearRegression"):
        from sklearn.linear_model import LinearRegression

        pf.from_sklearn(LinearRegression().fit(X, y))
