"""The sampling estimator of χ that published code uses, with its patterns proven.

The estimator evaluates the activation pattern at ``n`` equally spaced points
``x1 + (i/(n−1))(x2 − x1)`` of a segment, drops consecutive repeats and applies
χ (:func:`polyfold.folding.chi`). It misses every region that falls between
two samples; :func:`~polyfold.walks.walk` gives the exact path to compare with, and
:func:`~polyfold.estimator.estimator_report` does so over many segments at once.

Reference: M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*,
TMLR 2025, arXiv:2502.09954 (the estimator of its reproducibility code, ``n = 11``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq

from ._arith import to_fraction
from ._certwalk import certified_patterns
from ._numeric import SAFE, TINY, U
from .errors import InvalidInputError, check_count, check_flag
from .folding import chi, dedupe
from .network import Network, as_points

__all__ = ["MAX_SAMPLES", "chi_sampled", "sampled_patterns"]

# the most samples one call takes: 10^7 points of a 784-input network are 63 GB of float64
MAX_SAMPLES = 10_000_000


def sampled_patterns(
    net: Network, x1: Any, x2: Any, n: int = 11, *, exact: bool = True
) -> np.ndarray:
    """Patterns at ``n`` equally spaced parameters ``t = i/(n−1)``, repeats dropped.

    Parameters
    ----------
    net
        The network (piecewise linear when ``exact``).
    x1, x2
        The segment's end points.
    n
        Samples, ``2 ≤ n ≤ MAX_SAMPLES`` (published code uses 11).
    exact
        ``True`` (default): the patterns at the exact points
        ``x1 + (i/(n−1))(x2 − x1)``, every bit proven (float64 with rigorous
        error bounds, exact arithmetic where they cannot decide). ``False``:
        plain float64 samples, nothing proven.

    Returns
    -------
    numpy.ndarray
        Bool ``(k, n_bits)``: the distinct consecutive patterns seen, ``k ≤ n``.

    Raises
    ------
    InvalidInputError
        For ``n`` out of range, points of the wrong size, or ``exact=True`` on a
        network with smooth activations (their samples are irrational).
    """
    check_flag(exact, "exact")
    n = check_count(n, "n", minimum=2)
    if n > MAX_SAMPLES:
        raise InvalidInputError(f"n: at most {MAX_SAMPLES:,} samples per call, got {n:,}")
    p1 = as_points(x1, "x1", net.n_inputs, exact)
    p2 = as_points(x2, "x2", net.n_inputs, exact)
    if p1.ndim != 1 or p2.ndim != 1:
        raise InvalidInputError(f"x1, x2: expected single points of shape ({net.n_inputs},)")
    if not exact:
        ts = np.linspace(0.0, 1.0, int(n))
        points = (1 - ts)[:, None] * p1[None, :] + ts[:, None] * p2[None, :]
        return dedupe(net.pattern(points, exact=False))
    if any(a.smooth for a in net.activations):
        raise InvalidInputError(
            "net: smooth activations have irrational values, so their sampled patterns "
            "cannot be computed exactly; pass exact=False (float64, unproven)"
        )
    return dedupe(_proven_samples(net, p1, p2, int(n)))


def _proven_samples(net: Network, p1: np.ndarray, p2: np.ndarray, n: int) -> np.ndarray:
    """Proven patterns at ``x1 + (i/(n−1))(x2 − x1)`` (``p1``, ``p2``: ``fmpq`` arrays)."""
    f1 = np.array([float(to_fraction(v)) for v in p1])
    f2 = np.array([float(to_fraction(v)) for v in p2])
    d = f2 - f1
    ts = np.arange(n) / (n - 1)  # correctly rounded: |t̃ − t| ≤ u t
    points = f1[None, :] + ts[:, None] * d[None, :]
    e_in = 0.0
    if any(Fraction(float(to_fraction(v))) != to_fraction(v) for v in (*p1, *p2)):
        e_in = 2 * U * max(np.abs(f1).max(), np.abs(f2).max())
    # |t̃ − t||d| and three roundings (d, the product, the sum), plus the ends' own error
    radius = (4 * U * np.abs(d).max() + 2 * U * np.abs(points).max(axis=1) + 3 * e_in) * SAFE + TINY
    de = p2 - p1

    def exact_rows(rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), len(p1)), dtype=object)
        for r, i in enumerate(rows):
            out[r] = p1 + fmpq(int(i), n - 1) * de
        return out

    bits = certified_patterns(net, points, radius, exact_rows)
    return bits[:, net.pattern_columns]


def chi_sampled(net: Network, x1: Any, x2: Any, n: int = 11, *, exact: bool = True) -> Fraction:
    """The sampled estimate of χ used by published code.

    Evaluates the patterns at ``t = 0, 1/(n−1), …, 1`` (``n = 11`` in the
    published code), drops consecutive repeats and applies
    :func:`~polyfold.folding.chi`. It misses every region that falls between two
    samples; compare with ``walk(net, x1, x2).chi``.

    Parameters
    ----------
    net, x1, x2, n, exact
        As for :func:`sampled_patterns`; with ``exact=True`` (default) the
        sampled patterns are proven, so a comparison with the exact χ measures
        the estimator and not float noise.

    Returns
    -------
    Fraction
        ``χ`` of the sampled pattern sequence, exactly.

    References
    ----------
    M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*, TMLR 2025,
    arXiv:2502.09954 (the estimator of its reproducibility code).

    On the tent network the exact path from 1/8 to 7/8 is 100, 101, 111, 110
    (χ = 1/3); three samples see only 100, 101, 110 and report 2/3.

    Examples
    --------
    >>> from polyfold import zoo
    >>> net = zoo.tent()
    >>> chi_sampled(net, [0.125], [0.875], n=3), chi_sampled(net, [0.125], [0.875], n=9)
    (Fraction(2, 3), Fraction(1, 3))
    """
    return chi(sampled_patterns(net, x1, x2, n, exact=exact))
