r"""Convexity in the Hamming cube (Definition 2), vectorised over bit-packed patterns.

The Hamming interval of two patterns is

.. math::

    I(π_1, π_2) = \{π : d_H(π_1, π) + d_H(π, π_2) = d_H(π_1, π_2)\},

the patterns that agree with ``π1`` wherever ``π1`` and ``π2`` agree. A set
``S`` of realizable patterns (``S ⊆ Ω``) is Hamming-convex relative to ``Ω``
when every realizable pattern of every interval between two members is in
``S``: ``I(π_i, π_j) ∩ Ω ⊆ S``.

Deciding it never loops over pairs in Python: ``ω ∈ I(π_i, π_j)`` iff the
difference sets ``π_i ⊕ ω`` and ``π_j ⊕ ω`` are disjoint, so for each outsider
``ω ∈ Ω \ S`` one boolean matrix product over the members finds a violating
pair if there is one.

Reference: M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*,
TMLR 2025, arXiv:2502.09954.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InvalidInputError
from .folding import as_patterns

__all__ = ["HammingConvexity", "in_hamming_interval", "is_hamming_convex", "path_leaves_interval"]


def _pack(patterns: np.ndarray) -> np.ndarray:
    return np.packbits(patterns, axis=-1)


def in_hamming_interval(p1: Any, p2: Any, candidates: Any) -> np.ndarray:
    """For each candidate pattern, whether it lies in ``I(p1, p2)`` (bit-packed, vectorised).

    Parameters
    ----------
    p1, p2
        The interval's end patterns.
    candidates
        Patterns to test (rows or 0/1 strings).

    Returns
    -------
    numpy.ndarray
        Boolean, one entry per candidate: whether it agrees with ``p1`` and
        ``p2`` wherever they agree.

    Examples
    --------
    >>> in_hamming_interval("0111", "0001", ["0011", "0101", "1111", "0001"]).tolist()
    [True, True, False, True]
    """
    a = as_patterns([p1] if isinstance(p1, str) else np.atleast_2d(p1), "p1")
    b = as_patterns([p2] if isinstance(p2, str) else np.atleast_2d(p2), "p2")
    c = as_patterns(candidates, "candidates")
    if not (a.shape[1] == b.shape[1] == c.shape[1]):
        raise InvalidInputError(
            f"p1, p2, candidates: patterns of different lengths {a.shape[1]}, {b.shape[1]}, "
            f"{c.shape[1]}"
        )
    pa, pb, pc = _pack(a)[0], _pack(b)[0], _pack(c)
    agree = ~(pa ^ pb)
    return np.all(((pc ^ pa) & agree) == 0, axis=1)


@dataclass(frozen=True, eq=False)
class HammingConvexity:
    """The answer of :func:`is_hamming_convex`, with a violating triple when not convex.

    ``violation`` is ``(π_i, π_j, ω)``: two members of ``S`` and a realizable
    pattern of their interval that is not in ``S``.

    Attributes
    ----------
    convex : bool
    violation : tuple of numpy.ndarray or None
        ``(π_i, π_j, ω)`` when not convex.
    """

    convex: bool
    violation: tuple[np.ndarray, np.ndarray, np.ndarray] | None

    def __bool__(self) -> bool:
        return self.convex


def is_hamming_convex(S: Any, omega: Any) -> HammingConvexity:
    """Definition 2: is ``S`` Hamming-convex relative to the realizable set ``Ω``?

    The slides' example: π1 = 0111, π2 = 0001, π3 = 1011 with intermediate
    patterns 0011, 0101 (π1→π2), 0011, 1001 (π2→π3), 0011, 1111 (π1→π3).

    Parameters
    ----------
    S
        The patterns of the set (rows or 0/1 strings).
    omega
        The realizable patterns ``Ω`` (``S ⊆ Ω``).

    Returns
    -------
    HammingConvexity

    Examples
    --------
    >>> omega = ["0111", "0001", "1011", "0011", "0101", "1001", "1111"]
    >>> is_hamming_convex(["0111", "0001", "1011"], omega).convex
    False
    >>> is_hamming_convex(["0111", "0001", "1011"], ["0111", "0001", "1011"]).convex
    True
    >>> r = is_hamming_convex(["0111", "0001"], omega)
    >>> ["".join(map(str, p.astype(int))) for p in r.violation]
    ['0111', '0001', '0011']
    """
    s = as_patterns(S, "S")
    om = as_patterns(omega, "omega")
    if s.shape[1] != om.shape[1]:
        raise InvalidInputError(
            f"S, omega: patterns of different lengths {s.shape[1]} and {om.shape[1]}"
        )
    s_keys = _row_keys(_pack(s))
    om_keys = _row_keys(_pack(om))
    om_set = set(om_keys)
    missing = [i for i, k in enumerate(s_keys) if k not in om_set]
    if missing:
        raise InvalidInputError(
            f"S: pattern {missing[0]} is not in omega (S must be a set of realizable patterns)"
        )
    s_set = set(s_keys)
    outsiders = om[[i for i, k in enumerate(om_keys) if k not in s_set]]
    if outsiders.size == 0:
        return HammingConvexity(True, None)
    # ω can only lie in an interval of two members if it agrees with every bit that all
    # members share
    shared = np.all(s == s[0], axis=0)
    candidates = outsiders[np.all(outsiders[:, shared] == s[0, shared], axis=1)]
    members = s.astype(np.float32)
    for w in candidates:
        diff = members != w  # difference sets of the members from ω
        overlap = diff.astype(np.float32) @ diff.T.astype(np.float32)
        i, j = np.nonzero(overlap == 0)
        if i.size:
            return HammingConvexity(False, (s[i[0]], s[j[0]], w))
    return HammingConvexity(True, None)


def _row_keys(packed: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in packed]


def path_leaves_interval(path: Any) -> int | None:
    """The index of the first piece whose pattern leaves ``I(π_1, π_n)``, or None.

    A walk along a segment stays in the Hamming interval of its end patterns
    exactly when it never flips a bit back; the first piece outside it is where
    folding starts.

    Parameters
    ----------
    path
        A path of patterns (see :func:`~polyfold.folding.as_patterns`).

    Returns
    -------
    int or None

    Examples
    --------
    >>> path_leaves_interval(["00", "10", "11", "01"])  # 10 flips bit 0, shared by 00 and 01
    1
    """
    p = as_patterns(path, "path")
    inside = in_hamming_interval(p[0][None, :], p[-1][None, :], p)
    out = np.flatnonzero(~inside)
    return int(out[0]) if out.size else None
