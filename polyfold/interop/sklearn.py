"""scikit-learn's multi-layer perceptrons."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..network import Network

__all__ = ["from_sklearn"]


def from_sklearn(estimator: Any, **options: Any) -> Network:
    """Import a fitted ``MLPClassifier`` or ``MLPRegressor`` with ReLU hidden layers.

    The weights are copied exactly (float64 → rational). The network's output
    is the estimator's last affine layer (logits, before softmax/logistic);
    ``argmax`` of it is the predicted class for multi-class classifiers.
    Extra keywords go to :class:`~polyfold.network.Network`.

    Parameters
    ----------
    estimator
        A fitted ``MLPClassifier`` or ``MLPRegressor`` (``activation="relu"``).
    **options
        Keyword options of :class:`~polyfold.network.Network`.

    Returns
    -------
    Network

    Raises
    ------
    InvalidInputError
        For another estimator, an unfitted one, or another activation.
    """
    coefs = getattr(estimator, "coefs_", None)
    intercepts = getattr(estimator, "intercepts_", None)
    if coefs is None or intercepts is None:
        raise InvalidInputError(
            "estimator: expected a fitted sklearn MLPClassifier or MLPRegressor "
            f"(with coefs_ and intercepts_), got {type(estimator).__name__}"
        )
    activation = getattr(estimator, "activation", None)
    if activation != "relu":
        raise InvalidInputError(
            f"estimator: only activation='relu' is supported, got activation={activation!r}"
        )
    layers = [
        (np.asarray(w, dtype=np.float64).T, np.asarray(b, dtype=np.float64))
        for w, b in zip(coefs, intercepts)
    ]
    return Network.from_layers(layers, **options)
