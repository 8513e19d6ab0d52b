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

__all__ = ["SAFE", "TINY", "U", "dot_factor"]

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
