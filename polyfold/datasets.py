"""Embedded data (no download at run time) and loaders for a user's arrays.

scikit-learn's bundled 8×8 digits, seeded 2-D toy sets (moons, circles,
spirals), and :func:`load_arrays` for ``.npz``/``.csv`` files.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np

from .errors import InvalidInputError, check_between, check_count

__all__ = ["Split", "circles", "digits", "load_arrays", "moons", "spirals", "split"]


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8×8 handwritten digits bundled with scikit-learn.

    Returns ``(X, y)``: ``X`` float64 of shape ``(1797, 64)`` scaled to
    ``[0, 1]`` (pixel values 0..16 divided by 16, exactly), ``y`` int labels 0..9.

    Returns
    -------
    tuple of numpy.ndarray
        ``(X, y)``.

    Examples
    --------
    >>> X, y = digits()
    >>> X.shape, int(y.max())
    ((1797, 64), 9)
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    return np.asarray(data.data, dtype=np.float64) / 16.0, np.asarray(data.target, dtype=np.int64)


def moons(n: int = 200, *, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), seeded.

    Parameters
    ----------
    n
        The number of points.
    noise
        The standard deviation of the Gaussian noise.
    seed
        The random seed.

    Returns
    -------
    tuple of numpy.ndarray
        ``(X, y)``: float64 ``(n, 2)`` and int labels 0/1.

    Examples
    --------
    >>> X, y = moons(10)
    >>> X.shape, sorted(set(y.tolist()))
    ((10, 2), [0, 1])
    """
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=_count(n), noise=_noise(noise), random_state=seed)
    return x.astype(np.float64), y.astype(np.int64)


def circles(
    n: int = 200, *, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles (scikit-learn's ``make_circles``), seeded.

    Parameters
    ----------
    n
        The number of points.
    noise
        The standard deviation of the Gaussian noise.
    factor
        The inner circle's radius relative to the outer one.
    seed
        The random seed.

    Returns
    -------
    tuple of numpy.ndarray
        ``(X, y)``: float64 ``(n, 2)`` and int labels 0/1.
    """
    from sklearn.datasets import make_circles

    x, y = make_circles(n_samples=_count(n), noise=_noise(noise), factor=factor, random_state=seed)
    return x.astype(np.float64), y.astype(np.int64)


def spirals(
    n: int = 200, *, arms: int = 2, turns: float = 1.5, noise: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``arms`` interleaved spirals of ``n`` points in all, seeded.

    Parameters
    ----------
    n
        The number of points in all.
    arms
        The number of spirals (classes).
    turns
        How many turns each spiral makes.
    noise
        The standard deviation of the Gaussian noise.
    seed
        The random seed.

    Returns
    -------
    tuple of numpy.ndarray
        ``(X, y)``: float64 ``(n, 2)`` and int labels ``0..arms−1``.

    Examples
    --------
    >>> X, y = spirals(9, arms=3)
    >>> X.shape, np.bincount(y).tolist()
    ((9, 2), [3, 3, 3])
    """
    arms = check_count(arms, "arms", minimum=2)
    rng = np.random.default_rng(seed)
    labels = np.arange(_count(n)) % arms
    r = rng.random(len(labels))
    theta = 2 * np.pi * (turns * r + labels / arms)
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    x += _noise(noise) * rng.normal(size=x.shape)
    return x, labels.astype(np.int64)


class Split(NamedTuple):
    """A labelled data set cut in two: ``X_train, y_train, X_test, y_test``.

    Attributes
    ----------
    X_train, y_train : numpy.ndarray
        The training part.
    X_test, y_test : numpy.ndarray
        The test part.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def split(X: Any, y: Any, *, test: float = 0.2, seed: int = 0) -> Split:
    """A seeded split, stratified by class: ``round(test · m_c)`` points of each class to test.

    Each class keeps its share in both parts, so a Φ measured on the test part
    sees every class the training part sees — unless a class is so small that
    its share rounds to nothing; then it has no test points, and
    :func:`~polyfold.phi.fold_paths` with ``classes=`` says so.

    Parameters
    ----------
    X
        Inputs, ``(m, d)``.
    y
        Labels, ``(m,)``.
    test
        The share of each class put in the test part, in ``(0, 1)``.
    seed
        The random seed.

    Returns
    -------
    Split

    Raises
    ------
    InvalidInputError
        When ``X`` and ``y`` do not match or ``test`` is outside ``(0, 1)``.

    Examples
    --------
    >>> X, y = digits()
    >>> parts = split(X, y, test=0.25)
    >>> len(parts.y_test), len(parts.y_train), sorted(set(parts.y_test.tolist())) == list(range(10))
    (450, 1347, True)
    """
    x = np.asarray(X)
    labels = np.asarray(y)
    if x.ndim != 2 or labels.shape != (x.shape[0],):
        raise InvalidInputError(
            f"X, y: expected a 2-D X and one label per row, got {x.shape} and {labels.shape}"
        )
    test = check_between(test, "test", 0, 1)
    rng = np.random.default_rng(seed)
    in_test = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        in_test[members[: round(test * len(members))]] = True
    return Split(x[~in_test], labels[~in_test], x[in_test], labels[in_test])


def load_arrays(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """A user's labelled data: ``.npz`` with arrays ``X`` and ``y``, or ``.csv`` (label last).

    Rows and labels must match and every value must be finite; no pickle is loaded.

    Parameters
    ----------
    path
        A ``.npz`` file with arrays ``X`` and ``y``, or a ``.csv`` file whose
        last column is the label.

    Returns
    -------
    tuple of numpy.ndarray
        ``(X, y)``.

    Raises
    ------
    InvalidInputError
        For another file type, a file that cannot be read, mismatched rows or
        non-finite values.
    """
    name = os.fspath(path)
    try:
        if name.endswith(".npz"):
            with np.load(name, allow_pickle=False) as data:
                if "X" not in data or "y" not in data:
                    raise InvalidInputError(f"path: {name!r} must hold arrays named 'X' and 'y'")
                x, y = np.asarray(data["X"]), np.asarray(data["y"])
        elif name.endswith(".csv"):
            table = np.loadtxt(name, delimiter=",", ndmin=2)
            x, y = table[:, :-1], table[:, -1]
        else:
            raise InvalidInputError(f"path: expected a .npz or .csv file, got {name!r}")
    except (OSError, ValueError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise InvalidInputError(f"path: cannot read {name!r}: {exc}") from exc
    if x.ndim != 2 or x.shape[0] == 0 or x.dtype.kind not in "fiu":
        raise InvalidInputError(
            f"X: expected a non-empty 2-D numeric array, got {x.shape} {x.dtype}"
        )
    if y.shape != (x.shape[0],):
        raise InvalidInputError(
            f"y: expected {x.shape[0]} labels (one per row of X), got {y.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise InvalidInputError("X: expected finite values, found NaN or inf")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise InvalidInputError("y: expected integer class labels")
        y = y.astype(np.int64)
    return x.astype(np.float64), y


def _count(n: int) -> int:
    return check_count(n, "n")


def _noise(noise: float) -> float:
    if not np.isfinite(noise) or noise < 0:
        raise InvalidInputError(f"noise: expected a finite value >= 0, got {noise!r}")
    return float(noise)
