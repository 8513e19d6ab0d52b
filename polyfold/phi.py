r"""Global folding Φ, exactly and by counting: the variants of the papers, at any scale.

Every χ is ``1 − r1/r2`` with integers ``0 ≤ r1 ≤ r2`` bounded by the number
of bits, so χ takes few distinct rational values. An exact histogram of them
per ordered class pair holds everything Φ needs — medians, maxima, quantiles
— in memory independent of the number of paths, and two histograms merge by
adding counts, in any order, exactly.

Two variants (DESIGN.md §2):

- ``"deck"`` (the slide deck's recipe, :func:`polyfold.global_folding`'s
  default): :math:`Φ = \operatorname{median}\{χ(Γ) : χ(Γ) > 0\}` over all paths;
- ``"paper"`` (the TMLR paper's reproducibility material: "the aggregated
  median of maximas of non-zero space folding across all pairs of digits"):
  for each ordered class pair ``(a, b)``, :math:`M_{ab} = \max χ(Γ)` over its
  paths, then :math:`Φ = \operatorname{median}\{M_{ab} : M_{ab} > 0\}`.

The median of an even count is the mean of the two middle values. The two
variants can rank networks differently; a result always says which it is.

Reference: M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*,
TMLR 2025.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import InvalidInputError

__all__ = ["VARIANTS", "ChiCounts", "FoldingAggregate"]

VARIANTS = ("deck", "paper")


def _median_of_counts(hist: Counter[Fraction]) -> Fraction | None:
    """The median of a multiset given as value → count (None when empty)."""
    total = sum(hist.values())
    if total == 0:
        return None
    lo_rank, hi_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle value(s)
    seen = 0
    lo = hi = None
    for value in sorted(hist):
        nxt = seen + hist[value]
        if lo is None and lo_rank < nxt:
            lo = value
        if hi_rank < nxt:
            hi = value
            break
        seen = nxt
    assert lo is not None and hi is not None
    return (lo + hi) / 2


@dataclass
class ChiCounts:
    """An exact histogram of χ values (paths, folded paths, maximum).

    >>> c = ChiCounts()
    >>> for v in ["0", "1/3", "1/3", "1/2"]:
    ...     c.add(Fraction(v))
    >>> c.n, c.folded, c.max, c.median_nonzero()
    (4, 3, Fraction(1, 2), Fraction(1, 3))
    """

    hist: Counter[Fraction] = field(default_factory=Counter)

    def add(self, chi: Fraction, count: int = 1) -> None:
        self.hist[Fraction(chi)] += count

    def merge(self, other: ChiCounts) -> ChiCounts:
        """The counts of both (a new object; neither is changed)."""
        return ChiCounts(self.hist + other.hist)

    @property
    def n(self) -> int:
        return sum(self.hist.values())

    @property
    def folded(self) -> int:
        return sum(c for v, c in self.hist.items() if v > 0)

    @property
    def max(self) -> Fraction | None:
        return max(self.hist) if self.hist else None

    def median_nonzero(self) -> Fraction | None:
        """``median{χ > 0}`` (None when no path folds)."""
        return _median_of_counts(Counter({v: c for v, c in self.hist.items() if v > 0}))

    def quantile(self, q: Fraction | float) -> Fraction | None:
        """The smallest χ with at least a fraction ``q`` of the paths at or below it."""
        q = Fraction(q)
        if not 0 <= q <= 1:
            raise InvalidInputError(f"q: expected a number in [0, 1], got {q}")
        total = self.n
        if total == 0:
            return None
        need, seen = q * total, 0
        for value in sorted(self.hist):
            seen += self.hist[value]
            if seen >= need:
                return value
        return max(self.hist)


@dataclass
class FoldingAggregate:
    """χ histograms per ordered class pair ``(label_a, label_b)``: Φ of either variant, exactly.

    Aggregates of disjoint sets of paths merge into the aggregate of their
    union (:meth:`merge`), in any order and grouping.
    """

    pairs: dict[tuple[Any, Any], ChiCounts] = field(default_factory=dict)

    def add(self, label_a: Any, label_b: Any, chi: Fraction) -> None:
        self.pairs.setdefault((label_a, label_b), ChiCounts()).add(chi)

    def add_many(self, rows: Iterable[tuple[Any, Any, Fraction]]) -> FoldingAggregate:
        for a, b, chi in rows:
            self.add(a, b, chi)
        return self

    def merge(self, other: FoldingAggregate) -> FoldingAggregate:
        out = FoldingAggregate(dict(self.pairs))
        for key, counts in other.pairs.items():
            out.pairs[key] = out.pairs[key].merge(counts) if key in out.pairs else counts
        return out

    @property
    def n_paths(self) -> int:
        return sum(c.n for c in self.pairs.values())

    @property
    def fraction_folded(self) -> Fraction:
        n = self.n_paths
        if n == 0:
            raise InvalidInputError("aggregate: no paths")
        return Fraction(sum(c.folded for c in self.pairs.values()), n)

    def pooled(self) -> ChiCounts:
        """Every path's χ in one histogram."""
        out = ChiCounts()
        for counts in self.pairs.values():
            out = out.merge(counts)
        return out

    def maxima(self) -> dict[tuple[Any, Any], Fraction]:
        """``M_ab``: the largest χ of each ordered class pair."""
        return {key: c.max for key, c in self.pairs.items() if c.max is not None}

    def phi(self, variant: str = "deck") -> Fraction | None:
        """Φ of ``variant`` (None when nothing folds); see the module docstring."""
        if variant not in VARIANTS:
            raise InvalidInputError(
                f"variant: expected one of {', '.join(VARIANTS)}, got {variant!r}"
            )
        if variant == "deck":
            return self.pooled().median_nonzero()
        return _median_of_counts(Counter(m for m in self.maxima().values() if m > 0))
