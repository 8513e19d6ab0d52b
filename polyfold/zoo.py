"""Networks to experiment with: hand-checkable ones, random ones, a trained one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .cantor import cantornet
from .errors import InvalidInputError
from .network import Network

__all__ = ["cantornet", "digits_mlp", "he_layer", "random_network", "tent", "train_mlp"]


def tent() -> Network:
    """A 1-input network whose second layer is a tent, so the segment ``0 → 1`` folds.

    ``h1 = relu(x)``, ``h2 = relu(x − ½)``, ``g = relu(h1 − 2 h2 − ¼)``; on
    ``(0, 1)`` the pattern ``(h1, h2, g)`` runs ``100, 101, 111, 110`` with
    breakpoints ``¼, ½, ¾``: ``r1 = 2``, ``r2 = 3``, ``χ = ⅓``.

    Returns
    -------
    Network

    Examples
    --------
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
    ``numpy.random.default_rng(seed)``. Extra keywords go to :class:`~polyfold.network.Network`.

    Parameters
    ----------
    sizes
        Layer widths, input first and output last (at least three entries).
    seed
        The random seed.
    bias_std
        The standard deviation of the biases.
    **options
        Keyword options of :class:`~polyfold.network.Network`.

    Returns
    -------
    Network

    Examples
    --------
    >>> random_network([2, 3, 3, 1], seed=1).hidden_sizes
    (3, 3)
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise InvalidInputError(
            f"sizes: expected (n_in, hidden…, n_out) with at least one hidden layer, got {sizes}"
        )
    rng = np.random.default_rng(seed)
    layers = [he_layer(rng, n_in, n_out, bias_std) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return Network.from_layers(layers, **options)


def he_layer(
    rng: np.random.Generator, n_in: int, n_out: int, bias_std: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """One He-initialised layer: ``W ~ N(0, 2/n_in)``, shape ``(n_out, n_in)``, and
    ``b ~ N(0, bias_std²)``, drawn in that order from ``rng``.

    Parameters
    ----------
    rng
        The generator to draw from.
    n_in, n_out
        The layer's fan-in and width.
    bias_std
        The standard deviation of the biases.

    Returns
    -------
    tuple of numpy.ndarray
        ``(W, b)``.
    """
    w = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
    return w, rng.normal(0.0, bias_std, size=n_out)


def train_mlp(
    x: np.ndarray, y: np.ndarray, hidden: Sequence[int], *, seed: int = 0, max_iter: int = 300
) -> tuple[Any, Network]:
    """A scikit-learn ReLU ``MLPClassifier`` trained on ``(x, y)`` (seeded), and its network.

    Parameters
    ----------
    x
        Inputs, ``(m, d)``.
    y
        Class labels, ``(m,)``.
    hidden
        The hidden layers' widths.
    seed
        The random seed of the initialisation and of the optimiser.
    max_iter
        The number of training epochs at most.

    Returns
    -------
    tuple
        ``(classifier, network)``: the fitted ``MLPClassifier`` and its exact
        network (:func:`~polyfold.interop.sklearn.from_sklearn`).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from .interop.sklearn import from_sklearn

    clf = MLPClassifier(hidden_layer_sizes=tuple(hidden), random_state=seed, max_iter=max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # scikit-learn catches Ctrl-C and warns; studies notice the key press themselves
        warnings.filterwarnings("ignore", message="Training interrupted by user")
        clf.fit(x, y)
    return clf, from_sklearn(clf)


def digits_mlp(hidden: Sequence[int] = (32, 16), *, seed: int = 0, max_iter: int = 300) -> Network:
    """A ReLU MLP trained on scikit-learn's bundled 8×8 digits (no download).

    Inputs are the 64 pixel intensities scaled to ``[0, 1]``. Training takes a
    few seconds on a laptop CPU and is deterministic for a given ``seed``.

    Parameters
    ----------
    hidden
        The hidden layers' widths.
    seed
        The random seed.
    max_iter
        The number of training epochs at most.

    Returns
    -------
    Network
    """
    from .datasets import digits

    x, y = digits()
    return train_mlp(x, y, hidden, seed=seed, max_iter=max_iter)[1]
