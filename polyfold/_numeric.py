r"""Float64 rounding constants and bounds, shared by every certified computation.

The certified walk (:mod:`polyfold._certwalk`), the certified planar engine
(:mod:`polyfold.regions.certified`), the smooth walk's interval arithmetic
(:mod:`polyfold.smooth`) and the proven sampled patterns all bound float64
rounding error the same way, with the standard model of floating-point
arithmetic: every operation ``fl(a ∘ b) = (a ∘ b)(1 + δ)``, ``|δ| ≤ u``, and a
sum of ``n`` products, in any order, within ``γ_n Σ|a_k b_k|`` of the exact
value, ``γ_n = n u / (1 − n u)``.

Reference: N. J. Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., SIAM 2002, §2.2 and §3.1 (doi:10.1137/1.9780898718027).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SAFE", "TINY", "U", "dot_factor", "down", "imul", "matvec", "sub", "up"]

U = 2.0**-53
"""The unit roundoff of float64 (round to nearest)."""

TINY = 2.0**-1000
"""An absolute slack covering underflow in products and sums of fewer than 2^70 terms."""

SAFE = 1 + 2.0**-20
"""A relative slack covering the rounding made in evaluating an error bound itself."""


def dot_factor(n: int) -> float:
    """``(4n + 16) u``: a relative bound on an ``n``-term float64 inner product's error.

    It exceeds ``γ_n`` (any summation order) with room for weights and biases
    rounded to float64 on the way in and for the rounding of the bound's own
    evaluation, as long as ``n u < 1/4``.

    >>> dot_factor(1) == 20 * 2.0**-53
    True
    """
    return (4 * n + 16) * U


# -- outward-rounded interval arithmetic (the smooth walk's) -------------------------------


def down(x: Any) -> np.ndarray:
    return np.nextafter(x, -np.inf)


def up(x: Any) -> np.ndarray:
    return np.nextafter(x, np.inf)


def sub(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Tight bounds of ``a − b``: TwoSum tells whether (and which way) the float rounded."""
    s = a - b
    v = s - a
    err = (a - (s - v)) + (-b - v)  # a − b = s + err exactly
    return np.where(err < 0, down(s), s), np.where(err > 0, up(s), s)


def imul(al: Any, ah: Any, bl: Any, bh: Any) -> tuple[np.ndarray, np.ndarray]:
    lows, highs = [], []
    for x, y in ((al, bl), (al, bh), (ah, bl), (ah, bh)):
        p = x * y
        exact = (x == 0) | (y == 0)  # a product with 0 does not round
        lows.append(np.where(exact, 0.0, down(p)))
        highs.append(np.where(exact, 0.0, up(p)))
    return np.minimum.reduce(lows), np.maximum.reduce(highs)


def matvec(
    w: np.ndarray, w_abs: np.ndarray, b: np.ndarray | None, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """An enclosure of ``W x + b`` for ``x`` in the box ``[lo, hi]`` (columns: points)."""
    mid = 0.5 * (lo + hi)
    rad = up(np.maximum(mid - lo, hi - mid))
    centre = w @ mid
    spread = w_abs @ rad
    size = w_abs @ np.abs(mid) + spread
    if b is not None:
        centre = centre + b[:, None]
        size = size + np.abs(b)[:, None]
    # γ_n bounds the rounding of any summation order; (4n + 16) u also covers weights
    # rounded to float64 and the rounding of this very bound
    err = dot_factor(w.shape[1]) * size + TINY
    return down(centre - spread - err), up(centre + spread + err)
