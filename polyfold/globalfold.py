r"""Global folding of a network on a labelled data set.

Cluster the inputs of each label (seeded k-means), take the centroids, walk
the segment between every pair of centroids (of different labels by default)
and summarise the folding measures of those paths:

.. math::

    Φ_N = \operatorname{median}\{ χ(Γ) : χ(Γ) > 0 \}

reported with the fraction of folded paths and every path's ``χ``, ``r1``,
``r2`` and number of regions. ``χ`` values
are exact rationals and so is the median (the mean of the two middle values
for an even count).

Batches of segments go to a ``concurrent.futures.Executor`` when one is given
— a local ``ProcessPoolExecutor``, or a Dask cluster through
``distributed.Client.get_executor()`` (or the ``Client`` itself) — and the
result is the same as the serial one, exactly.

Reference: M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*,
TMLR 2025, arXiv:2502.09954.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ._parallel import collect, submit_all
from ._progress import check_progress, progress_bar
from .errors import InvalidInputError, UndecidedError, check_budget, check_count, check_flag
from .network import Network, as_points
from .phi import FoldingAggregate, check_variant, labelled_points
from .walks import walk, walk_many

__all__ = ["GlobalFolding", "global_folding", "median", "triangle_paths"]

PAIRS = ("between", "within", "all")


def median(values: list[Fraction]) -> Fraction:
    """The exact median (mean of the two middle values for an even count).

    Parameters
    ----------
    values
        A non-empty list of exact numbers.

    Returns
    -------
    fractions.Fraction

    Examples
    --------
    >>> median([Fraction(1, 3), Fraction(1, 2), Fraction(1, 4), Fraction(2, 3)])
    Fraction(5, 12)
    """
    if not values:
        raise InvalidInputError("values: the median of an empty set is undefined")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True, eq=False)
class GlobalFolding:
    """The global folding of a network on a data set.

    ``phi`` is Φ of ``variant`` (``None`` when no path folds): ``"deck"``,
    ``median{χ > 0}``; ``"paper"``, the median of the non-zero per-class-pair
    maxima (:mod:`polyfold.phi`). ``chi``, ``r1``, ``r2`` and ``regions`` have
    one entry per walked pair ``pairs[i] = (a, b)`` of rows of ``centroids``
    (labels in ``centroid_labels``), walked from ``a`` to ``b``.

    Networks with smooth activations (tanh, sigmoid, GELU, SiLU) are walked with
    certified crossings (:func:`~polyfold.smooth.smooth_walk`); a pair whose walk
    leaves a box undecided has no χ: it is listed in ``undecided``, left out of
    ``pairs``, ``chi`` and Φ, and ``complete`` is False.

    Attributes
    ----------
    phi : fractions.Fraction or None
    fraction_folded : fractions.Fraction
        The share of walked pairs with χ > 0.
    chi, r1, r2, regions
        Per walked pair: χ, ``r1``, ``r2`` and the number of pieces.
    pairs : numpy.ndarray
        ``(k, 2)`` rows of ``centroids``.
    centroids, centroid_labels : numpy.ndarray
    exact : bool
        Whether the walks were exact (else certified float walks).
    complete, interrupted : bool
        Whether every pair was walked; whether Ctrl-C stopped it.
    variant : str
    undecided : numpy.ndarray or None
        Pairs without χ (smooth activations).
    """

    phi: Fraction | None
    fraction_folded: Fraction
    chi: list[Fraction]
    r1: np.ndarray
    r2: np.ndarray
    regions: np.ndarray
    pairs: np.ndarray
    centroids: np.ndarray
    centroid_labels: np.ndarray
    exact: bool
    complete: bool = True  # False: time_budget or Ctrl-C stopped it, or paths were undecided
    interrupted: bool = False
    variant: str = "deck"
    # smooth activations: the pairs whose certified walk left boxes undecided (no χ, not counted)
    undecided: np.ndarray | None = None

    @property
    def n_paths(self) -> int:
        return len(self.chi)

    def aggregate(self) -> FoldingAggregate:
        """The exact χ histograms per ordered class pair (Φ of any variant from them).

        Returns
        -------
        FoldingAggregate
        """
        labels = self.centroid_labels
        return FoldingAggregate().add_many(
            (labels[a].item(), labels[b].item(), c) for (a, b), c in zip(self.pairs, self.chi)
        )

    def bootstrap(
        self, resamples: int = 1000, level: float = 0.95, seed: int = 0
    ) -> tuple[Fraction | None, Fraction | None]:
        """A seeded percentile bootstrap interval for Φ of this result's variant.

        The paths of each ordered class pair are resampled from their exact χ
        histogram (:meth:`polyfold.phi.FoldingAggregate.bootstrap`).

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
            ``(low, high)``, exact, or ``(None, None)`` when no resample folds.

        Examples
        --------
        >>> layers = [([[1], [1]], [0, "-1/2"]), ([[1, -2]], ["-1/4"]), ([[1]], [0])]
        >>> x, y = [[0.125], [0.3], [0.6], [0.875]], [0, 0, 1, 1]
        >>> res = global_folding(Network.from_layers(layers), x, y, clusters=None)
        >>> res.bootstrap(200, seed=1)  # one path of four folds: Φ = 1/3 whenever one is drawn
        (Fraction(1, 3), Fraction(1, 3))
        """
        return self.aggregate().bootstrap(self.variant, resamples, level, seed)

    def distribution(self) -> dict[Fraction, int]:
        """How many paths have each value of ``χ``.

        Returns
        -------
        dict
            χ value → count.
        """
        out: dict[Fraction, int] = {}
        for c in self.chi:
            out[c] = out.get(c, 0) + 1
        return dict(sorted(out.items()))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per path (labels, χ, r1, r2, regions), e.g. for a CSV.

        Returns
        -------
        list of dict
        """
        return [
            {
                "a": int(a),
                "b": int(b),
                "label_a": self.centroid_labels[a].item(),
                "label_b": self.centroid_labels[b].item(),
                "chi": str(c),
                "r1": int(r1),
                "r2": int(r2),
                "regions": int(n),
            }
            for (a, b), c, r1, r2, n in zip(self.pairs, self.chi, self.r1, self.r2, self.regions)
        ]


def _centroids(
    x: np.ndarray, y: np.ndarray, clusters: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    classes = np.unique(y)
    if clusters is None:
        return x, y
    if isinstance(clusters, bool) or not isinstance(clusters, (int, np.integer)) or clusters < 1:
        raise InvalidInputError(f"clusters: expected a positive integer or None, got {clusters!r}")
    from sklearn.cluster import KMeans

    centres, labels = [], []
    for label in classes:
        members = x[y == label]
        if len(members) < clusters:
            raise InvalidInputError(
                f"clusters: label {label!r} has {len(members)} points, "
                f"fewer than clusters={clusters}"
            )
        km = KMeans(n_clusters=int(clusters), random_state=seed, n_init=4).fit(members)
        centres.append(km.cluster_centers_)
        labels.append(np.full(int(clusters), label))
    return np.vstack(centres), np.concatenate(labels)


def _pairs(labels: np.ndarray, mode: str) -> np.ndarray:
    i, j = np.triu_indices(len(labels), k=1)
    if mode == "between":
        keep = labels[i] != labels[j]
    elif mode == "within":
        keep = labels[i] == labels[j]
    else:
        keep = np.ones(len(i), dtype=bool)
    return np.stack([i[keep], j[keep]], axis=1)


def centroid_segments(
    net: Network,
    X: Any,
    y: Any,
    *,
    clusters: int | None,
    pairs: str,
    variant: str,
    ordered: bool | None,
    seed: int,
    max_pairs: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The centroids, their labels and the pairs of rows :func:`global_folding` walks.

    ``ordered=None`` means both directions for ``variant="paper"``, one for
    ``"deck"``; ``max_pairs`` keeps a seeded uniform sample.
    """
    if pairs not in PAIRS:
        raise InvalidInputError(f"pairs: expected one of {', '.join(PAIRS)}, got {pairs!r}")
    check_variant(variant)
    x, labels = labelled_points(net, X, y)
    if pairs == "between" and len(np.unique(labels)) < 2:
        raise InvalidInputError("y: pairs='between' needs at least two classes")
    centres, centre_labels = _centroids(x, labels, clusters, seed)
    if ordered is None:
        ordered = variant == "paper"
    check_flag(ordered, "ordered")
    todo = _pairs(centre_labels, pairs)
    if ordered:
        todo = np.concatenate([todo, todo[:, ::-1]])
    if len(todo) == 0:
        raise InvalidInputError(f"pairs: no pairs of kind {pairs!r} in this data")
    if max_pairs is not None and len(todo) > check_count(max_pairs, "max_pairs"):
        keep = np.random.default_rng(seed).choice(len(todo), size=int(max_pairs), replace=False)
        todo = todo[np.sort(keep)]
    return centres, centre_labels, todo


def _fold_chunk(
    net: Network, a: np.ndarray, b: np.ndarray, exact: bool
) -> list[tuple[Any, ...] | None]:
    """Walk a batch of segments; the unit of work sent to an executor.

    Smooth activations take certified crossings (:func:`~polyfold.smooth.smooth_walk`);
    a path left undecided there has no χ and gives ``None``.
    """
    if any(act.smooth for act in net.activations):
        from .smooth import smooth_walk_many

        return [
            (p.chi, p.r1, p.r2, p.n_pieces) if p.certified else None
            for p in smooth_walk_many(net, a, b)
        ]
    return [(p.chi, p.r1, p.r2, p.n_pieces) for p in walk_many(net, a, b, exact=exact)]


def global_folding(
    net: Network,
    X: Any,
    y: Any,
    *,
    clusters: int | None = 10,
    pairs: str = "between",
    variant: str = "deck",
    ordered: bool | None = None,
    seed: int = 0,
    exact: bool = True,
    max_pairs: int | None = None,
    executor: Executor | Any = None,
    chunk: int = 128,
    progress: bool | None = None,
    time_budget: float | None = None,
) -> GlobalFolding:
    """Φ and the folding of the segments between class centroids.

    Parameters
    ----------
    X, y
        Inputs ``(m, d)`` and one label per row.
    clusters
        k-means centroids per label (seeded by ``seed``); ``None`` walks between
        the points themselves.
    pairs
        ``"between"`` (centroids of different labels, the default), ``"within"``
        (same label) or ``"all"``.
    variant
        ``"deck"`` (default): Φ = median{χ > 0} over the paths; ``"paper"``:
        the median of the non-zero maxima of χ per ordered class pair
        (:mod:`polyfold.phi`).
    ordered
        Walk every pair in both directions (χ is not symmetric); default:
        True for ``variant="paper"``, False for ``"deck"``.
    exact
        Passed to :func:`~polyfold.walks.walk_many`. Both modes take the certified route, so
        every pattern, and hence every χ, is proven either way (χ is an exact
        ratio of counts); ``exact=False`` only means float64 breakpoints,
        which Φ does not use.
    max_pairs
        Walk at most this many pairs, a seeded uniform sample.
    executor
        A ``concurrent.futures.Executor`` to run batches of ``chunk`` segments
        on, or a ``distributed.Client`` (the network is then scattered to the
        workers once instead of travelling with every batch).
    time_budget
        Seconds; when they run out (or on Ctrl-C) the pairs walked so far (at
        least the first batch) give the result, marked ``complete=False``.
    progress
        Report the batches done on stderr (tqdm's bar when installed); ``None``
        (default): when stderr is an interactive terminal and the run is long.

    Returns
    -------
    GlobalFolding

    Examples
    --------
    >>> net = Network.from_layers([([[1], [1]], [0, "-1/2"]), ([[1, -2]], ["-1/4"]), ([[1]], [0])])
    >>> res = global_folding(net, [[0.125], [0.3], [0.6], [0.875]], [0, 0, 1, 1], clusters=None)
    >>> res.phi, res.fraction_folded, [str(c) for c in res.chi]
    (Fraction(1, 3), Fraction(1, 4), ['0', '1/3', '0', '0'])
    """
    check_flag(exact, "exact")
    check_progress(progress)
    chunk = check_count(chunk, "chunk")
    centres, centre_labels, todo = centroid_segments(
        net, X, y, clusters=clusters, pairs=pairs, variant=variant, ordered=ordered, seed=seed,
        max_pairs=max_pairs,
    )  # fmt: skip
    batches = [todo[k : k + chunk] for k in range(0, len(todo), int(chunk))]
    deadline = None
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    bar = progress_bar(progress, total=len(batches), unit="batches")
    results: list[Any] = []
    complete, interrupted = True, False
    try:
        if executor is None:
            for t in batches:
                if results and deadline is not None and time.perf_counter() > deadline:
                    complete = False
                    break
                results.append(_fold_chunk(net, centres[t[:, 0]], centres[t[:, 1]], exact))
                bar.update(1)
        else:
            tasks = [(centres[t[:, 0]], centres[t[:, 1]], exact) for t in batches]
            futures = submit_all(executor, _fold_chunk, (net,), tasks)

            def take(batch: Any) -> None:
                results.append(batch)
                bar.update(1)

            complete = collect(futures, take, deadline)
    except KeyboardInterrupt:
        complete, interrupted = False, True
        if not results:
            raise
    finally:
        bar.close()
    todo = todo[: sum(len(r) for r in results)]
    every = [r for batch in results for r in batch]
    undecided = todo[[r is None for r in every]] if every else todo[:0]
    todo = todo[[r is not None for r in every]] if every else todo
    flat = [r for r in every if r is not None]
    if not flat:
        raise UndecidedError(
            f"global_folding: none of the {len(every)} smooth walks was certified; "
            "see smooth_walk's unresolved boxes"
        )
    chis = [Fraction(r[0]) for r in flat]
    positive = [c for c in chis if c > 0]
    labels = centre_labels
    phi = (
        FoldingAggregate()
        .add_many((labels[a].item(), labels[b].item(), c) for (a, b), c in zip(todo, chis))
        .phi(variant)
    )
    return GlobalFolding(
        phi=phi,
        fraction_folded=Fraction(len(positive), len(chis)),
        chi=chis,
        r1=np.array([r[1] for r in flat]),
        r2=np.array([r[2] for r in flat]),
        regions=np.array([r[3] for r in flat]),
        pairs=todo,
        centroids=centres,
        centroid_labels=centre_labels,
        exact=exact,
        complete=complete and len(undecided) == 0,
        interrupted=interrupted,
        variant=variant,
        undecided=undecided,
    )


def triangle_paths(
    net: Network, a: Any, b: Any, c: Any, *, fan: int = 8, exact: bool = True
) -> dict[str, Any]:
    """Walks inside the triangle ``abc``: its three edges and a fan from ``a``.

    The fan has ``fan`` segments from ``a`` to equally spaced interior points of
    the edge ``bc``. Returns the paths and their χ; for the regions of the
    triangle itself use ``region_graph(net, Slice.through(a, b, c))``.

    One unit ``x > 0``: only the edge ``ab`` crosses ``x = 0`` (``c`` lies on it).

    Parameters
    ----------
    net
        The network.
    a, b, c
        The triangle's corners.
    fan
        The number of segments of the fan.
    exact
        Exact walks (default) or certified float walks.

    Returns
    -------
    dict
        ``"edges"`` (paths ``ab``, ``bc``, ``ca``), ``"fan"``, and their χ as
    ``"chi_edges"`` and ``"chi_fan"``.

    Examples
    --------
    >>> out = triangle_paths(Network.from_layers([([[1, 0]], [0]), ([[1]], [0])]),
    ...                      [-1, 0], [1, 0], [0, 1], fan=3)
    >>> [p.n_pieces for p in out["edges"]], [p.n_pieces for p in out["fan"]]
    ([2, 1, 1], [2, 2, 2])
    """
    fan = check_count(fan, "fan", minimum=0)
    pa, pb, pc = (
        as_points(p, name, net.n_inputs, exact) for p, name in ((a, "a"), (b, "b"), (c, "c"))
    )
    edges = [
        walk(net, pa, pb, exact=exact),
        walk(net, pb, pc, exact=exact),
        walk(net, pc, pa, exact=exact),
    ]
    targets = []
    for k in range(1, fan + 1):
        s: Any = Fraction(k, fan + 1) if exact else k / (fan + 1)
        if exact:
            from flint import fmpq

            s = fmpq(s.numerator, s.denominator)
        targets.append((1 - s) * pb + s * pc)
    fan_paths = walk_many(net, np.array([pa] * fan), np.array(targets), exact=exact) if fan else []
    return {
        "edges": edges,
        "fan": fan_paths,
        "chi_edges": [p.chi for p in edges],
        "chi_fan": [p.chi for p in fan_paths],
    }
