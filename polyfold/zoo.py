"""Networks to experiment with: hand-checkable ones, random ones, a trained one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .cantor import cantornet
from .errors import InvalidInputError
from .network import Network

__all__ = ["cantornet", "digits_mlp", "random_network", "tent"]


def tent() -> Network:
    """A 1-input network whose second layer is a tent, so the segment ``0 → 1`` folds.

    ``h1 = relu(x)``, ``h2 = relu(x − ½)``, ``g = relu(h1 − 2 h2 − ¼)``; on
    ``(0, 1)`` the pattern ``(h1, h2, g)`` runs ``100, 101, 111, 110`` with
    breakpoints ``¼, ½, ¾``: ``r1 = 2``, ``r2 = 3``, ``χ = ⅓``.

    >>> tent().hidden_sizes
    (2, 1)
    """
    return Network.from_layers([([[1], [1]], [0, "-1/2"]), ([[1, -2]], ["-1/4"]), ([[1]], [0])])


def random_network(
    sizes: Sequence[int],
    *,
    seed: int = 0,
    bias_std: float = 0.1,
    **options: Any,
) -> Network:
    """A He-initialised network with layer widths ``sizes = (n_in, h_1, …, n_out)``.

    ``W ~ N(0, 2/n_in)``, ``b ~ N(0, bias_std²)``, drawn from
    ``numpy.random.default_rng(seed)``. Extra keywords go to :class:`Network`.

    >>> random_network([2, 3, 3, 1], seed=1).hidden_sizes
    (3, 3)
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise InvalidInputError(
            f"sizes: expected (n_in, hidden…, n_out) with at least one hidden layer, got {sizes}"
        )
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        b = rng.normal(0.0, bias_std, size=n_out)
        layers.append((w, b))
    return Network.from_layers(layers, **options)


def digits_mlp(hidden: Sequence[int] = (32, 16), *, seed: int = 0, max_iter: int = 300) -> Network:
    """A ReLU MLP trained on scikit-learn's bundled 8×8 digits (no download).

    Inputs are the 64 pixel intensities scaled to ``[0, 1]``. Training takes a
    few seconds on a laptop CPU and is deterministic for a given ``seed``.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from .datasets import digits
    from .interop.sklearn import from_sklearn

    x, y = digits()
    clf = MLPClassifier(hidden_layer_sizes=tuple(hidden), random_state=seed, max_iter=max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    return from_sklearn(clf)
