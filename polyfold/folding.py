r"""The space folding measure and its relatives, on paths of activation patterns.

For a path ``Γ = (π_1, …, π_n)`` of patterns in the Hamming cube:

.. math::

    r_1(Γ) = \max_i d_H(π_1, π_i), \qquad
    r_2(Γ) = \sum_{i<n} d_H(π_i, π_{i+1}), \qquad
    χ(Γ) = 1 - r_1(Γ)/r_2(Γ) \quad (χ = 0 \text{ when } r_2 = 0),

with ``D = d_H(π_1, π_n)`` and ``L = r_2``. Every quantity is a ratio of
integer counts, so it is returned exactly (``int`` or ``Fraction``) whichever
arithmetic produced the patterns.

Reference: M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*,
TMLR 2025, arXiv:2502.09954.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidInputError

if TYPE_CHECKING:
    pass

__all__ = [
    "D",
    "as_patterns",
    "chi",
    "dedupe",
    "hamming",
    "interaction",
    "interaction_mean_nonzero",
    "r1",
    "r2",
]


def as_patterns(patterns: Any, name: str = "patterns") -> np.ndarray:
    """A path given as a :class:`~polyfold.path.Path`, 0/1 rows or bit strings → bool ``(n, N)``.

    Parameters
    ----------
    patterns
        A :class:`~polyfold.path.Path`, an array of 0/1 rows (one per pattern), or
        a list of equal-length strings of ``0``/``1``.
    name
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        Boolean array of shape ``(n, N)``: ``n`` patterns of ``N`` bits.

    Raises
    ------
    InvalidInputError
        When the rows differ in length, hold other values than 0/1, or the
        input is empty.

    Examples
    --------
    >>> as_patterns(["011", "001"]).astype(int).tolist()
    [[0, 1, 1], [0, 0, 1]]
    """
    if hasattr(patterns, "patterns") and hasattr(patterns, "breakpoints"):
        return np.asarray(patterns.patterns, dtype=bool)
    if (
        isinstance(patterns, (list, tuple))
        and patterns
        and all(isinstance(p, str) for p in patterns)
    ):
        if any(set(p) - {"0", "1"} for p in patterns):
            raise InvalidInputError(f"{name}: bit strings may contain only '0' and '1'")
        patterns = [[c == "1" for c in p] for p in patterns]
    try:
        arr = np.asarray(patterns)
    except ValueError as exc:
        raise InvalidInputError(f"{name}: rows of different lengths") from exc
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise InvalidInputError(
            f"{name}: expected a non-empty sequence of equal-length patterns (2-D), "
            f"got shape {arr.shape}"
        )
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind not in "iuf" or not np.all((arr == 0) | (arr == 1)):
        raise InvalidInputError(f"{name}: pattern entries must be 0/1 or booleans")
    return arr.astype(bool)


def hamming(a: Any, b: Any) -> int:
    """``d_H(a, b)``: the number of positions where two patterns differ.

    Parameters
    ----------
    a, b
        Two patterns of the same length (0/1 arrays or bit strings).

    Returns
    -------
    int
        ``d_H(a, b) = Σ_k |a_k − b_k|``.

    Examples
    --------
    >>> hamming("0111", "0001")
    2
    """
    pa = as_patterns([a] if isinstance(a, str) else np.atleast_2d(a), "a")[0]
    pb = as_patterns([b] if isinstance(b, str) else np.atleast_2d(b), "b")[0]
    if pa.shape != pb.shape:
        raise InvalidInputError(f"a, b: patterns of different lengths {pa.size} and {pb.size}")
    return int(np.count_nonzero(pa != pb))


def dedupe(patterns: Any) -> np.ndarray:
    """Drop consecutive repeats (χ and its parts do not change).

    Parameters
    ----------
    patterns
        A path of patterns (see :func:`as_patterns`).

    Returns
    -------
    numpy.ndarray
        The patterns with every run of equal consecutive patterns kept once.
    """
    p = as_patterns(patterns)
    keep = np.r_[True, np.any(p[1:] != p[:-1], axis=1)]
    return p[keep]


def r1(patterns: Any) -> int:
    """``max_i d_H(π_1, π_i)``: how far the path gets from its start.

    Parameters
    ----------
    patterns
        A path ``Γ = (π_1, …, π_n)`` of patterns (see :func:`as_patterns`).

    Returns
    -------
    int
        ``r1(Γ) = max_i d_H(π_1, π_i)``.

    Examples
    --------
    >>> r1(["00", "10", "11", "01"])
    2
    """
    p = as_patterns(patterns)
    return int(np.max(np.count_nonzero(p != p[0], axis=1)))


def r2(patterns: Any) -> int:
    """``Σ d_H(π_i, π_{i+1})``: the Hamming length ``L`` of the path.

    Parameters
    ----------
    patterns
        A path ``Γ = (π_1, …, π_n)`` of patterns (see :func:`as_patterns`).

    Returns
    -------
    int
        ``r2(Γ) = Σ_{i<n} d_H(π_i, π_{i+1})``.

    Examples
    --------
    >>> r2(["00", "10", "11", "01"])
    3
    """
    p = as_patterns(patterns)
    return int(np.count_nonzero(p[1:] != p[:-1]))


def D(patterns: Any) -> int:
    """``d_H(π_1, π_n)``.

    Parameters
    ----------
    patterns
        A path ``Γ = (π_1, …, π_n)`` of patterns (see :func:`as_patterns`).

    Returns
    -------
    int
        The Hamming distance between the first and the last pattern.

    Examples
    --------
    >>> D(["00", "10", "11", "01"])
    1
    """
    p = as_patterns(patterns)
    return int(np.count_nonzero(p[0] != p[-1]))


def chi(patterns: Any) -> Fraction:
    """The space folding measure ``χ(Γ) = 1 − r1/r2`` [1]_ (``0`` when ``r2 = 0``).

    Parameters
    ----------
    patterns
        A path ``Γ = (π_1, …, π_n)`` of patterns (see :func:`as_patterns`):
        for a walk, the patterns of its pieces in order.

    Returns
    -------
    fractions.Fraction
        ``χ(Γ) = 1 − r1(Γ)/r2(Γ)`` in ``[0, 1)``, exactly; ``0`` for a path that
        never changes pattern.

    References
    ----------
    .. [1] Lewandowski et al., "On space folds of ReLU neural networks",
       TMLR 2025, arXiv:2502.09954.

    Examples
    --------
    >>> chi(["00", "10", "11", "01"])
    Fraction(1, 3)
    >>> chi(["0", "1"])
    Fraction(0, 1)
    """
    p = as_patterns(patterns)
    length = r2(p)
    if length == 0:
        return Fraction(0)
    return 1 - Fraction(r1(p), length)


def interaction(patterns: Any) -> list[Fraction]:
    """The interaction coefficients ``I(k) = χ(Γ) − χ(Γ_1) − χ(Γ_2)``, ``k = 1..n``.

    ``Γ_1 = (π_1..π_k)`` and ``Γ_2 = (π_k..π_n)`` share the connecting pattern
    ``π_k``; entry ``k − 1`` of the list is ``I(k)``. ``I(1) = I(n) = 0``.

    Parameters
    ----------
    patterns
        A path ``Γ = (π_1, …, π_n)`` of patterns (see :func:`as_patterns`).

    Returns
    -------
    list of fractions.Fraction
        ``n`` coefficients; entry ``k − 1`` is ``I(k)``.

    Examples
    --------
    >>> [str(v) for v in interaction(["00", "10", "11", "01"])]
    ['0', '1/3', '1/3', '0']
    """
    p = as_patterns(patterns)
    n = p.shape[0]
    steps = np.count_nonzero(p[1:] != p[:-1], axis=1)
    prefix_len = np.r_[0, np.cumsum(steps)]
    prefix_r1 = np.maximum.accumulate(np.count_nonzero(p != p[0], axis=1))
    total = chi(p)
    out = []
    for k in range(n):
        len1, len2 = int(prefix_len[k]), int(prefix_len[-1] - prefix_len[k])
        chi1 = 1 - Fraction(int(prefix_r1[k]), len1) if len1 else Fraction(0)
        if len2:
            chi2 = 1 - Fraction(int(np.max(np.count_nonzero(p[k:] != p[k], axis=1))), len2)
        else:
            chi2 = Fraction(0)
        out.append(total - chi1 - chi2)
    return out


def interaction_mean_nonzero(patterns: Any) -> Fraction:
    """``Ī_nz = 1/(n − k0) · Σ_{k>k0} I(k)`` with ``k0 = min{k : I(k) ≠ 0}``.

    Returns ``0`` when every ``I(k)`` is zero (nothing interacts).

    Parameters
    ----------
    patterns
        A path ``Γ = (π_1, …, π_n)`` of patterns (see :func:`as_patterns`).

    Returns
    -------
    fractions.Fraction
        ``Ī_nz``, exactly.

    Examples
    --------
    >>> interaction_mean_nonzero(["00", "10", "11", "01"])  # k0 = 2: (1/3 + 0) / 2
    Fraction(1, 6)
    """
    values = interaction(patterns)
    nonzero = [k for k, v in enumerate(values, start=1) if v != 0]
    if not nonzero:
        return Fraction(0)
    k0, n = nonzero[0], len(values)
    return Fraction(sum(values[k0:], Fraction(0))) / (n - k0)


_MOVED = {
    "MAX_SAMPLES": "sampling",
    "sampled_patterns": "sampling",
    "chi_sampled": "sampling",
    "d_chi": "walks",
}


def __getattr__(name: str) -> Any:
    """The measures that evaluate a network live beside what they evaluate it with:
    the sampler in :mod:`polyfold.sampling`, ``d_chi`` in :mod:`polyfold.walks`;
    their old names here still work."""
    if name in _MOVED:
        from importlib import import_module

        return getattr(import_module(f"polyfold.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
