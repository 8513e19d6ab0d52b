"""Embedded data: scikit-learn's bundled digits (no download at run time)."""

from __future__ import annotations

import numpy as np

__all__ = ["digits"]


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8×8 handwritten digits bundled with scikit-learn.

    Returns ``(X, y)``: ``X`` float64 of shape ``(1797, 64)`` scaled to
    ``[0, 1]`` (pixel values 0..16 divided by 16, exactly), ``y`` int labels 0..9.

    >>> X, y = digits()
    >>> X.shape, int(y.max())
    ((1797, 64), 9)
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    return np.asarray(data.data, dtype=np.float64) / 16.0, np.asarray(data.target, dtype=np.int64)
