"""Φ by counting: the deck's and the paper's variants, exact and mergeable."""

from __future__ import annotations

import random
from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold.globalfold import median
from polyfold.phi import ChiCounts, FoldingAggregate


def test_the_two_variants_worked_out_by_hand():
    # pair (0, 1): χ = 1/3, 0, 1/2; pair (1, 0): 1/4; pair (0, 2): 0, 0
    agg = FoldingAggregate().add_many(
        [
            (0, 1, F(1, 3)),
            (0, 1, F(0)),
            (0, 1, F(1, 2)),
            (1, 0, F(1, 4)),
            (0, 2, F(0)),
            (0, 2, F(0)),
        ]
    )
    # deck: the median of the folded paths' χ {1/4, 1/3, 1/2} is 1/3
    assert agg.phi("deck") == F(1, 3)
    # paper: maxima per ordered pair 1/2, 1/4, 0; the median of the non-zero ones is 3/8
    assert agg.maxima() == {(0, 1): F(1, 2), (1, 0): F(1, 4), (0, 2): F(0)}
    assert agg.phi("paper") == F(3, 8)
    assert agg.n_paths == 6 and agg.fraction_folded == F(1, 2)
    assert FoldingAggregate().add_many([(0, 1, F(0))]).phi("paper") is None
    with pytest.raises(pf.InvalidInputError, match="variant"):
        agg.phi("median")


@pytest.mark.parametrize("seed", range(5))
def test_counting_equals_the_stored_rows_and_merges_in_any_order(seed):
    rng = random.Random(seed)
    values = [F(0)] + [1 - F(r1, r2) for r2 in range(1, 7) for r1 in range(1, r2 + 1)]
    rows = [(rng.randrange(3), rng.randrange(3), rng.choice(values)) for _ in range(500)]
    whole = FoldingAggregate().add_many(rows)
    positive = [c for _, _, c in rows if c > 0]
    assert whole.phi("deck") == median(positive)
    maxima = {}
    for a, b, c in rows:
        maxima[(a, b)] = max(maxima.get((a, b), F(0)), c)
    assert whole.phi("paper") == median([m for m in maxima.values() if m > 0])
    parts = [FoldingAggregate().add_many(rows[i : i + 37]) for i in range(0, 500, 37)]
    rng.shuffle(parts)
    merged = FoldingAggregate()
    for part in parts:
        merged = merged.merge(part)
    assert merged.pairs.keys() == whole.pairs.keys()
    assert all(merged.pairs[k].hist == whole.pairs[k].hist for k in whole.pairs)
    counts = ChiCounts()
    for _, _, c in rows:
        counts.add(c)
    ordered = sorted(c for _, _, c in rows)
    assert counts.quantile(F(1, 2)) == ordered[(len(ordered) + 1) // 2 - 1]
    assert counts.quantile(1) == ordered[-1] and counts.quantile(0) == ordered[0]


def test_global_folding_reports_its_variant_and_walks_ordered_pairs_for_the_paper():
    net = pf.zoo.random_network([2, 8, 8, 1], seed=4)
    x, y = pf.datasets.moons(80, seed=4)
    deck = pf.global_folding(net, x, y, clusters=4)
    paper = pf.global_folding(net, x, y, clusters=4, variant="paper")
    assert deck.variant == "deck" and paper.variant == "paper"
    assert paper.n_paths == 2 * deck.n_paths  # both directions of every pair
    assert np.array_equal(paper.pairs[deck.n_paths :], deck.pairs[:, ::-1])
    assert deck.phi == deck.aggregate().phi("deck")
    assert paper.phi == paper.aggregate().phi("paper")
    labels = paper.centroid_labels
    by_pair: dict = {}
    for (a, b), c in zip(paper.pairs, paper.chi):
        key = (labels[a].item(), labels[b].item())
        by_pair[key] = max(by_pair.get(key, F(0)), c)
    nonzero = [m for m in by_pair.values() if m > 0]
    assert paper.phi == (median(nonzero) if nonzero else None)
    with pytest.raises(pf.InvalidInputError, match="variant"):
        pf.global_folding(net, x, y, clusters=4, variant="max")


def _job():
    net = pf.zoo.random_network([2, 8, 8, 1], seed=3)
    x, y = pf.datasets.moons(90, seed=3)
    y = np.where(x[:, 0] > 1.2, 2, y)  # three classes
    return net, x, y


def test_fold_paths_is_the_same_serially_on_a_pool_and_on_dask():
    from concurrent.futures import ProcessPoolExecutor

    net, x, y = _job()
    serial = pf.fold_paths(net, x, y, paths_per_pair=25, chunk=7, rows=True)
    assert serial.n_paths == 6 * 25 and serial.complete
    # the rows are the paths that were counted
    recount = FoldingAggregate().add_many((a, b, c) for a, b, _, _, c in serial.rows)
    assert all(recount.pairs[k].hist == serial.aggregate.pairs[k].hist for k in recount.pairs)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = pf.fold_paths(net, x, y, paths_per_pair=25, chunk=7, executor=pool)
    assert pooled.phi == serial.phi
    assert all(
        pooled.aggregate.pairs[k].hist == serial.aggregate.pairs[k].hist
        for k in serial.aggregate.pairs
    )
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dasked = pf.fold_paths(net, x, y, paths_per_pair=25, chunk=7, executor=client)
    assert dasked.phi == serial.phi and dasked.n_paths == serial.n_paths


def test_fold_paths_bootstrap_is_reproducible_and_brackets_phi():
    net, x, y = _job()
    res = pf.fold_paths(net, x, y, paths_per_pair=40, variant="deck")
    assert res.phi == res.aggregate.phi("deck")
    lo, hi = res.bootstrap(200, seed=1)
    assert (lo, hi) == res.bootstrap(200, seed=1)
    if res.phi is not None:
        assert lo <= hi


def test_fold_paths_bad_input():
    net, x, y = _job()
    for kwargs, match in [
        ({"paths_per_pair": 0}, "paths_per_pair"),
        ({"variant": "max"}, "variant"),
        ({"pairs": "within"}, "pairs"),
        ({"chunk": 0}, "chunk"),
        ({"rows": "yes"}, "rows"),
    ]:
        with pytest.raises(pf.InvalidInputError, match=match):
            pf.fold_paths(net, x, y, **kwargs)
    with pytest.raises(pf.InvalidInputError, match="two classes"):
        pf.fold_paths(net, x, np.zeros(len(x), dtype=int))
    unordered = pf.fold_paths(net, x, y, paths_per_pair=5, ordered=False)
    assert sorted(unordered.aggregate.pairs) == [(0, 1), (0, 2), (1, 2)]
    assert len(pf.fold_paths(net, x, y, paths_per_pair=5, pairs="all").aggregate.pairs) == 9
    res = pf.fold_paths(net, x, y, paths_per_pair=50, time_budget=0)
    assert not res.complete and 0 < res.n_paths < 300


def test_estimator_report_against_a_loop_over_chi_sampled():
    net = pf.zoo.random_network([3, 10, 10, 10, 1], seed=7)
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    rep = pf.estimator_report(net, a, b, ns=(3, 11, 101))
    for n in (3, 11, 101):
        loop = [pf.chi_sampled(net, a[i], b[i], n=n) for i in range(30)]
        assert rep.sampled[n] == loop  # the same proven sampled chi, segment by segment
    exact = [pf.walk(net, a[i], b[i]).chi for i in range(30)]
    assert rep.chi == exact
    for row in rep.rows:
        assert row.mae == sum(abs(s - c) for s, c in zip(rep.sampled[row.n], exact)) / 30
        assert 0 <= row.unseen <= 1 and row.over + row.under <= 1
    assert rep.rows[-1].unseen <= rep.rows[0].unseen
    assert len(rep.table()) == 3
    with pytest.raises(pf.InvalidInputError, match="ns"):
        pf.estimator_report(net, a, b, ns=(1,))
