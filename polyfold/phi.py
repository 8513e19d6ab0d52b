r"""Global folding Φ, exactly and by counting: the variants of the papers, at any scale.

Every χ is ``1 − r1/r2`` with integers ``0 ≤ r1 ≤ r2`` bounded by the number
of bits, so χ takes few distinct rational values. An exact histogram of them
per ordered class pair holds everything Φ needs — medians, maxima, quantiles
— in memory independent of the number of paths, and two histograms merge by
adding counts, in any order, exactly.

Two variants:

- ``"deck"`` (the slide deck's recipe, :func:`~polyfold.globalfold.global_folding`'s
  default): :math:`Φ = \operatorname{median}\{χ(Γ) : χ(Γ) > 0\}` over all paths;
- ``"paper"`` (the TMLR paper's reproducibility material: "the aggregated
  median of maximas of non-zero space folding across all pairs of digits"):
  for each ordered class pair ``(a, b)``, :math:`M_{ab} = \max χ(Γ)` over its
  paths, then :math:`Φ = \operatorname{median}\{M_{ab} : M_{ab} > 0\}`.

The median of an even count is the mean of the two middle values. The two
variants can rank networks differently; a result always says which it is.

Reference: M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*,
TMLR 2025, arXiv:2502.09954.
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ._parallel import collect, submit_all
from ._progress import progress_bar
from .errors import InvalidInputError, check_between, check_budget, check_count, check_flag
from .network import Network, as_points
from .walks import walk_many

__all__ = ["VARIANTS", "ChiCounts", "FoldingAggregate", "PhiResult", "fold_paths"]

VARIANTS = ("deck", "paper")


def check_variant(variant: Any) -> None:
    """Raise :class:`~polyfold.errors.InvalidInputError` unless ``variant`` names a Φ variant."""
    if not isinstance(variant, str) or variant not in VARIANTS:
        raise InvalidInputError(f"variant: expected one of {', '.join(VARIANTS)}, got {variant!r}")


def labelled_points(net: Network, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as float64 points of ``net``'s input size and ``y`` as one finite label per row."""
    pts = as_points(x, "X", net.n_inputs, exact=False)
    if pts.ndim != 2:
        raise InvalidInputError(f"X: expected a 2-D array (m, {net.n_inputs}), got {pts.shape}")
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.shape[0] != pts.shape[0]:
        raise InvalidInputError(
            f"y: expected one label per row of X ({pts.shape[0]}), got shape {labels.shape}"
        )
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise InvalidInputError("y: labels must be finite")
    return pts, labels


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

    Attributes
    ----------
    hist : collections.Counter
        χ value → number of paths.

    Examples
    --------
    >>> c = ChiCounts()
    >>> for v in ["0", "1/3", "1/3", "1/2"]:
    ...     c.add(Fraction(v))
    >>> c.n, c.folded, c.max, c.median_nonzero()
    (4, 3, Fraction(1, 2), Fraction(1, 3))
    """

    hist: Counter[Fraction] = field(default_factory=Counter)

    def add(self, chi: Fraction, count: int = 1) -> None:
        """Count ``count`` paths of value ``chi``.

        Parameters
        ----------
        chi
            One path's χ.
        count
            How many paths have it.
        """
        self.hist[Fraction(chi)] += count

    def merge(self, other: ChiCounts) -> ChiCounts:
        """The counts of both (a new object; neither is changed).

        Parameters
        ----------
        other
            Another histogram.

        Returns
        -------
        ChiCounts
        """
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
        """``median{χ > 0}`` (None when no path folds).

        Returns
        -------
        fractions.Fraction or None
        """
        return _median_of_counts(Counter({v: c for v, c in self.hist.items() if v > 0}))

    def quantile(self, q: Fraction | float) -> Fraction | None:
        """The smallest χ with at least a fraction ``q`` of the paths at or below it.

        Parameters
        ----------
        q
            A level in ``[0, 1]``.

        Returns
        -------
        fractions.Fraction or None
            None for an empty histogram.
        """
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

    Attributes
    ----------
    pairs : dict
        ``(label_a, label_b)`` → :class:`ChiCounts`.
    """

    pairs: dict[tuple[Any, Any], ChiCounts] = field(default_factory=dict)

    def add(self, label_a: Any, label_b: Any, chi: Fraction) -> None:
        """Count one path of value ``chi`` between the classes ``label_a → label_b``.

        Parameters
        ----------
        label_a, label_b
            The ordered class pair of the path (from ``a`` to ``b``).
        chi
            The path's χ.
        """
        self.pairs.setdefault((label_a, label_b), ChiCounts()).add(chi)

    def add_many(self, rows: Iterable[tuple[Any, Any, Fraction]]) -> FoldingAggregate:
        """Count many paths (see :meth:`add`).

        Parameters
        ----------
        rows
            ``(label_a, label_b, χ)`` triples.

        Returns
        -------
        FoldingAggregate
            ``self``, for chaining.
        """
        for a, b, chi in rows:
            self.add(a, b, chi)
        return self

    def merge(self, other: FoldingAggregate) -> FoldingAggregate:
        """The aggregate of both sets of paths (neither is changed).

        Parameters
        ----------
        other
            Another aggregate (of other paths).

        Returns
        -------
        FoldingAggregate
            A new aggregate of both.
        """
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
        """Every path's χ in one histogram.

        Returns
        -------
        ChiCounts
        """
        out = ChiCounts()
        for counts in self.pairs.values():
            out = out.merge(counts)
        return out

    def maxima(self) -> dict[tuple[Any, Any], Fraction]:
        """``M_ab``: the largest χ of each ordered class pair.

        Returns
        -------
        dict
        """
        return {key: c.max for key, c in self.pairs.items() if c.max is not None}

    def phi(self, variant: str = "deck") -> Fraction | None:
        """Φ of ``variant`` (None when nothing folds); see the module docstring.

        Parameters
        ----------
        variant
            ``"deck"`` (median of the non-zero χ) or ``"paper"`` (median of the
            non-zero per-pair maxima).

        Returns
        -------
        fractions.Fraction or None

        Raises
        ------
        InvalidInputError
            For an unknown variant.
        """
        check_variant(variant)
        if variant == "deck":
            return self.pooled().median_nonzero()
        return _median_of_counts(Counter(m for m in self.maxima().values() if m > 0))

    def bootstrap(
        self, variant: str = "deck", resamples: int = 1000, level: float = 0.95, seed: int = 0
    ) -> tuple[Fraction | None, Fraction | None]:
        """A percentile bootstrap interval for Φ of ``variant`` (seeded).

        Each resample draws, for every class pair, as many paths as it had from
        that pair's exact histogram (multinomially) and takes Φ; the interval
        holds the central ``level`` of those Φ (resamples where nothing folds
        have no Φ and are left out). ``(None, None)`` when no resample folds.

        Parameters
        ----------
        variant
            ``"deck"`` or ``"paper"``.
        resamples
            The number of resamples.
        level
            The interval's coverage, in ``(0, 1)``.
        seed
            The random seed.

        Returns
        -------
        tuple
            ``(low, high)``, exact, or ``(None, None)``.
        """
        check_variant(variant)
        resamples = check_count(resamples, "resamples")
        level = check_between(level, "level", 0, 1)
        rng = np.random.default_rng(seed)
        keys = list(self.pairs)
        tables = []
        for key in keys:
            hist = self.pairs[key].hist
            values = sorted(hist)
            counts = np.array([hist[v] for v in values], dtype=np.int64)
            tables.append((values, int(counts.sum()), counts / counts.sum()))
        phis: list[Fraction] = []
        for _ in range(resamples):
            agg = FoldingAggregate()
            for key, (values, n, prob) in zip(keys, tables):
                drawn = rng.multinomial(n, prob)
                agg.pairs[key] = ChiCounts(Counter({v: int(c) for v, c in zip(values, drawn) if c}))
            value = agg.phi(variant)
            if value is not None:
                phis.append(value)
        if not phis:
            return None, None
        phis.sort()
        lo = phis[int(np.floor((1 - level) / 2 * (len(phis) - 1)))]
        hi = phis[int(np.ceil((1 + level) / 2 * (len(phis) - 1)))]
        return lo, hi


@dataclass(frozen=True, eq=False)
class PhiResult:
    """Φ of many sampled paths, kept as exact counts (no per-path storage unless asked).

    ``phi`` is Φ of ``variant``; ``aggregate`` holds the χ histogram of every
    ordered class pair, so the other variant, maxima, quantiles and bootstrap
    intervals come from it without walking again.

    Attributes
    ----------
    phi : fractions.Fraction or None
    variant : str
    aggregate : FoldingAggregate
    paths_per_pair : int
        Paths sampled per class pair.
    complete, interrupted : bool
        Whether every path was walked; whether Ctrl-C stopped it.
    rows : list or None
        Per path ``(label_a, label_b, i, j, χ)`` when kept.
    """

    phi: Fraction | None
    variant: str
    aggregate: FoldingAggregate
    paths_per_pair: int
    complete: bool = True
    interrupted: bool = False
    rows: list[tuple[Any, Any, int, int, Fraction]] | None = None  # (a, b, i, j, χ) on request

    @property
    def n_paths(self) -> int:
        return self.aggregate.n_paths

    @property
    def fraction_folded(self) -> Fraction:
        return self.aggregate.fraction_folded

    def bootstrap(
        self, resamples: int = 1000, level: float = 0.95, seed: int = 0
    ) -> tuple[Fraction | None, Fraction | None]:
        """A seeded percentile bootstrap interval for Φ (:meth:`FoldingAggregate.bootstrap`).

        Parameters
        ----------
        resamples
            The number of resamples.
        level
            The interval's coverage, in ``(0, 1)``.
        seed
            The random seed.

        Returns
        -------
        tuple
            ``(low, high)``, exact, or ``(None, None)``.
        """
        return self.aggregate.bootstrap(self.variant, resamples, level, seed)


def _chunk_aggregate(
    net: Network,
    by_class: dict[Any, np.ndarray],
    key: tuple[Any, Any],
    start: int,
    count: int,
    seed: int,
    exact: bool,
    rows: bool,
) -> tuple[FoldingAggregate, list[Any] | None]:
    """One chunk of one class pair: its own seeded end points, walked, counted."""
    xa, xb = by_class[key[0]], by_class[key[1]]
    # the chunk's end points depend only on (seed, pair, start): any worker draws the same
    rng = np.random.default_rng([seed, start, zlib.crc32(repr(key).encode())])
    i = rng.integers(0, len(xa), size=count)
    j = rng.integers(0, len(xb), size=count)
    agg = FoldingAggregate()
    out: list[Any] | None = [] if rows else None
    for ii, jj, path in zip(i, j, walk_many(net, xa[i], xb[j], exact=exact)):
        agg.add(key[0], key[1], path.chi)
        if out is not None:
            out.append((key[0], key[1], int(ii), int(jj), path.chi))
    return agg, out


def fold_paths(
    net: Network,
    X: Any,
    y: Any,
    *,
    paths_per_pair: int = 100,
    pairs: str = "between",
    ordered: bool = True,
    variant: str = "paper",
    classes: Iterable[Any] | None = None,
    seed: int = 0,
    exact: bool = True,
    chunk: int = 512,
    executor: Any = None,
    rows: bool = False,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> PhiResult:
    """Φ over ``paths_per_pair`` paths between data points of every ordered class pair.

    As the TMLR paper: for each ordered pair of classes ``(a, b)``,
    ``paths_per_pair`` segments from a point of class ``a`` to a point of class
    ``b``, both drawn uniformly (seeded, with replacement). Every χ is proven
    (certified walks) and counted exactly (:class:`FoldingAggregate`), so
    memory does not grow with the number of paths.

    Parameters
    ----------
    net
        A piecewise-linear network.
    X, y
        The split the end points come from (the papers use the test set;
        :func:`polyfold.datasets.split` cuts one) and one label per row.
    paths_per_pair
        Paths per ordered class pair.
    pairs
        ``"between"`` (``a ≠ b``, default) or ``"all"`` (also ``a = b``).
    ordered
        ``False`` takes each unordered pair once (``a < b``, or ``a ≤ b`` with
        ``"all"``).
    variant
        ``"paper"`` (default) or ``"deck"`` (module docstring); the other is
        one call away on the result's ``aggregate``.
    classes
        The classes to pair (default: every label in ``y``); a named class with
        no point in ``y`` is an error rather than a pair left out in silence.
    seed
        Seeds the end points (chunk by chunk, so any executor draws the same).
    exact
        Passed to the walks (χ is proven either way).
    chunk
        Paths per task, at most; each chunk of one pair has its own seed.
    executor
        A ``concurrent.futures.Executor`` or a ``distributed.Client``; the
        network and the data reach each worker once, and the result is
        exactly the serial one.
    rows
        Also keep ``(a, b, i, j, χ)`` per path (``i``, ``j`` index the points of
        the two classes).
    time_budget, progress
        Seconds after which (or Ctrl-C when) the chunks finished are returned
        with ``complete=False``; a progress bar on stderr.

    Returns
    -------
    PhiResult
        ``phi`` of ``variant`` (``None`` when nothing folds), the exact
        ``aggregate``, ``complete``/``interrupted``, ``rows`` on request;
        ``bootstrap()`` gives seeded intervals.

    Raises
    ------
    InvalidInputError
        For an unknown variant or pairing, ``paths_per_pair < 1``, a class with
        no points, fewer than two classes for ``"between"``, or bad data.

    References
    ----------
    M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*, TMLR 2025,
    arXiv:2502.09954.

    Examples
    --------
    >>> from polyfold import zoo
    >>> res = fold_paths(zoo.tent(), [[0.0], [0.1], [0.9], [1.0]], [0, 0, 1, 1], paths_per_pair=8)
    >>> res.n_paths, res.variant
    (16, 'paper')
    """
    check_variant(variant)
    if pairs not in ("between", "all"):
        raise InvalidInputError(f"pairs: expected 'between' or 'all', got {pairs!r}")
    paths_per_pair = check_count(paths_per_pair, "paths_per_pair")
    chunk = check_count(chunk, "chunk")
    check_flag(exact, "exact")
    check_flag(rows, "rows")
    deadline = None
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    x, labels = labelled_points(net, X, y)
    present = list(np.unique(labels))
    if classes is None:
        chosen = present
    else:
        if isinstance(classes, (str, bytes)) or not isinstance(classes, Iterable):
            raise InvalidInputError(f"classes: expected a list of class labels, got {classes!r}")
        chosen = list(dict.fromkeys(classes))
        if not chosen:
            raise InvalidInputError("classes: expected at least one class label, got none")
        known = set(present)
        for c in chosen:
            if c not in known:
                raise InvalidInputError(
                    f"classes: class {c!r} has no points in y (the split given as X, y); "
                    f"its labels are {', '.join(repr(v.item()) for v in present)}"
                )
    if len(chosen) < (2 if pairs == "between" else 1):
        raise InvalidInputError("y: pairs='between' needs at least two classes")
    # plain Python labels: they travel to workers and seed the chunks the same everywhere
    by_class = {(c.item() if hasattr(c, "item") else c): x[labels == c] for c in chosen}
    classes = list(by_class)
    check_flag(ordered, "ordered")
    keys = [
        (a, b)
        for i, a in enumerate(classes)
        for j, b in enumerate(classes)
        if (pairs == "all" or a != b) and (ordered or i <= j)
    ]
    tasks = [
        (key, start, min(chunk, paths_per_pair - start))
        for key in keys
        for start in range(0, paths_per_pair, chunk)
    ]
    total = FoldingAggregate()
    kept: list[Any] | None = [] if rows else None
    complete, interrupted = True, False
    bar = progress_bar(progress, total=len(tasks), unit="chunks")

    def take(result: tuple[FoldingAggregate, list[Any] | None]) -> None:
        nonlocal total
        total = total.merge(result[0])
        if kept is not None and result[1] is not None:
            kept.extend(result[1])
        bar.update(1)

    try:
        if executor is None:
            for key, start, count in tasks:
                if total.n_paths and deadline is not None and time.perf_counter() > deadline:
                    complete = False
                    break
                take(_chunk_aggregate(net, by_class, key, start, count, seed, exact, rows))
        else:
            jobs = [(key, start, count, seed, exact, rows) for key, start, count in tasks]
            futures = submit_all(executor, _chunk_aggregate, (net, by_class), jobs)
            complete = collect(futures, take, deadline)
    except KeyboardInterrupt:
        complete, interrupted = False, True
        if not total.n_paths:
            raise
    finally:
        bar.close()
    if kept is not None:
        kept.sort(key=lambda r: (str(r[0]), str(r[1]), r[2], r[3]))
    return PhiResult(
        total.phi(variant), variant, total, paths_per_pair, complete, interrupted, kept
    )
