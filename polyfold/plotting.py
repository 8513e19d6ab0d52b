"""Figures (matplotlib is imported only when a function here is called)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .path import Path

__all__ = ["hamming_profile"]


def hamming_profile(path: Path, ax: Any = None, *, title: str | None = None) -> Any:
    """Plot ``d_H(π_1, π_i)`` along the path, with ``r1`` and ``r2`` marked.

    The step curve is the distance of each piece's pattern from the first one,
    drawn over the piece's parameter interval; the dashed line is its maximum
    ``r1``; the dotted curve is the Hamming length walked so far, which ends
    at ``r2``. A path that never folds has the two curves on top of each other.
    Returns the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    t = np.array([float(v) for v in path.breakpoints])
    dist = np.count_nonzero(path.patterns != path.patterns[0], axis=1)
    walked = np.r_[0, np.cumsum(np.count_nonzero(path.patterns[1:] != path.patterns[:-1], axis=1))]
    ax.stairs(dist, t, baseline=None, color="C0", linewidth=2, label=r"$d_H(\pi_1, \pi_i)$")
    ax.stairs(walked, t, baseline=None, color="C1", linestyle=":", label="Hamming length walked")
    ax.axhline(path.r1, color="C0", linestyle="--", linewidth=1)
    ax.annotate(
        f"r1 = {path.r1}", (t[0], path.r1), textcoords="offset points", xytext=(2, 3), color="C0"
    )
    ax.annotate(
        f"r2 = {path.r2}", (t[-1], path.r2), textcoords="offset points", xytext=(-40, 3), color="C1"
    )
    ax.set_xlabel("t")
    ax.set_ylabel("Hamming distance")
    ax.set_xlim(t[0], t[-1])
    ax.set_title(title or f"{path.n_pieces} regions, χ = {path.chi}")
    ax.legend(loc="upper left", fontsize="small", frameon=False, bbox_to_anchor=(0, 0.92))
    return ax
