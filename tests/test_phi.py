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


# A 1-D network worked out by hand: a = x, b = x − 1/2 (layer 1); o1 = a − 2b − 1/4 is
# positive on (1/4, 3/4), o2 = a − 2b − 1/8 on (1/8, 7/8) (layer 2). On (0, 1] the patterns
# (a, b, o1, o2) are 1000, 1001, 1011, 1111, 1101, 1100 with breaks at 1/8, 1/4, 1/2, 3/4, 7/8.
_HAND_NET = [([[1], [1]], [0, "-1/2"]), ([[1, -2], [1, -2]], ["-1/4", "-1/8"]), ([[1, 1]], [0])]
# χ of every segment between the points below, from the patterns above (r1 = the largest
# distance from the first pattern, r2 = the number of flips): (start, end) → χ
_HAND_CHI = {
    (F(1, 16), F(13, 16)): F(1, 4),  # 1000 1001 1011 1111 1101: r1 3, r2 4
    (F(1, 16), F(15, 16)): F(2, 5),  # ... 1100: r1 3, r2 5
    (F(3, 16), F(13, 16)): F(1, 3),  # 1001 1011 1111 1101: r1 2, r2 3
    (F(3, 16), F(15, 16)): F(1, 2),  # ... 1100: r1 2, r2 4
    (F(13, 16), F(1, 16)): F(1, 2),  # 1101 1111 1011 1001 1000: r1 2, r2 4
    (F(15, 16), F(1, 16)): F(2, 5),  # 1100 1101 1111 1011 1001 1000: r1 3, r2 5
    (F(13, 16), F(3, 16)): F(1, 3),
    (F(15, 16), F(3, 16)): F(1, 4),
}  # every segment with 5/16 as an end point walks straight away from its start: χ = 0
_HAND_X = [[F(1, 16)], [F(3, 16)], [F(13, 16)], [F(15, 16)], [F(5, 16)]]
_HAND_Y = [0, 0, 1, 1, 2]


def _hand_chi(a, b):
    return _HAND_CHI.get((a, b), F(0))


def test_the_two_variants_disagree_end_to_end_on_a_hand_built_network():
    net = pf.Network.from_layers(_HAND_NET)
    for (a, b), value in _HAND_CHI.items():
        assert pf.walk(net, [a], [b]).chi == value
    deck = pf.global_folding(net, _HAND_X, _HAND_Y, clusters=None)
    # unordered pairs of points of different labels: χ ≠ 0 on 1/4, 2/5, 1/3, 1/2
    assert deck.n_paths == 8 and deck.phi == (F(1, 3) + F(2, 5)) / 2 == F(11, 30)
    paper = pf.global_folding(net, _HAND_X, _HAND_Y, clusters=None, variant="paper")
    # ordered class pairs: M_01 = M_10 = 1/2, the four others 0; the median of {1/2, 1/2}
    assert paper.n_paths == 16 and paper.phi == F(1, 2)
    assert paper.aggregate().phi("deck") == F(11, 30)
    assert paper.aggregate().maxima() == {
        (0, 1): F(1, 2),
        (1, 0): F(1, 2),
        (0, 2): 0,
        (2, 0): 0,
        (1, 2): 0,
        (2, 1): 0,
    }
    # sampled end points: every counted χ is the hand value of its segment
    res = pf.fold_paths(net, _HAND_X, _HAND_Y, paths_per_pair=30, rows=True, seed=2)
    xs = {c: [p[0] for p, lab in zip(_HAND_X, _HAND_Y) if lab == c] for c in (0, 1, 2)}
    maxima: dict = {}
    for a, b, i, j, value in res.rows:
        assert value == _hand_chi(xs[a][i], xs[b][j])
        maxima[(a, b)] = max(maxima.get((a, b), F(0)), value)
    assert res.phi == median([m for m in maxima.values() if m > 0]) == F(1, 2)
    lo, hi = res.bootstrap(300, seed=5)
    assert (lo, hi) == res.bootstrap(300, seed=5) and F(1, 4) <= lo <= hi <= F(1, 2)
    assert deck.bootstrap(300, seed=5) == deck.bootstrap(300, seed=5)


def test_classes_and_a_named_split():
    net = pf.Network.from_layers(_HAND_NET)
    res = pf.fold_paths(net, _HAND_X, _HAND_Y, paths_per_pair=4, classes=[1, 0])
    assert sorted(res.aggregate.pairs) == [(0, 1), (1, 0)]
    with pytest.raises(pf.InvalidInputError, match="class 3 has no points"):
        pf.fold_paths(net, _HAND_X, _HAND_Y, classes=[0, 3])
    with pytest.raises(pf.InvalidInputError, match="classes"):
        pf.fold_paths(net, _HAND_X, _HAND_Y, classes="01")
    with pytest.raises(pf.InvalidInputError, match="classes"):
        pf.fold_paths(net, _HAND_X, _HAND_Y, classes=[])
    x = np.arange(40, dtype=float)[:, None] / 40
    y = np.repeat([0, 1, 2, 3], 10)
    y[-1] = 4  # one point only: its 20% rounds to no test point
    parts = pf.datasets.split(x, y, test=0.2, seed=3)
    assert all(
        np.array_equal(a, b) for a, b in zip(parts, pf.datasets.split(x, y, test=0.2, seed=3))
    )
    # 2 of each class of 10 (or 9) points, none of the class with one point
    assert len(parts.y_test) == 8 and len(parts.y_train) == 32
    assert sorted(np.unique(parts.y_test).tolist()) == [0, 1, 2, 3]
    assert set(parts.X_test[:, 0]).isdisjoint(parts.X_train[:, 0])
    small = pf.Network.from_layers([([[1]], [0]), ([[1]], [0])])
    with pytest.raises(pf.InvalidInputError, match="class 4 has no points"):
        pf.fold_paths(small, parts.X_test, parts.y_test, classes=range(5))
    for bad in (0, 1, 1.5, "half"):
        with pytest.raises(pf.InvalidInputError, match="test"):
            pf.datasets.split(x, y, test=bad)
    with pytest.raises(pf.InvalidInputError, match="X, y"):
        pf.datasets.split(x, y[:-1])


def test_estimator_report_on_a_data_set():
    net = pf.Network.from_layers(_HAND_NET)
    rep = pf.estimator_report(net, data=(_HAND_X, _HAND_Y), segments=40, ns=(3, 1000), seed=1)
    assert rep.ends.shape == (40, 2)
    labels = np.array(_HAND_Y)
    assert np.all(labels[rep.ends[:, 0]] != labels[rep.ends[:, 1]])
    points = [p[0] for p in _HAND_X]
    assert rep.chi == [_hand_chi(points[i], points[j]) for i, j in rep.ends]
    x = np.array(_HAND_X, dtype=float)
    again = pf.estimator_report(net, x[rep.ends[:, 0]], x[rep.ends[:, 1]], ns=(3, 1000))
    assert again.rows == rep.rows
    assert rep.rows[1].mae == 0 and rep.rows[1].unseen == 0  # 1000 samples see every region
    for kwargs, match in [
        ({"data": (_HAND_X, _HAND_Y), "x1": _HAND_X}, "not both"),
        ({"data": _HAND_X}, "pair"),
        ({}, "x1, x2"),
        ({"data": (_HAND_X, [0] * 5)}, "two classes"),
        ({"data": (_HAND_X, _HAND_Y), "segments": 0}, "segments"),
    ]:
        with pytest.raises(pf.InvalidInputError, match=match):
            pf.estimator_report(net, **kwargs)


def test_layer_folding_worked_out_by_hand():
    # _HAND_NET along 1/16 -> 15/16: layer 1 (a, b) reads 10 10 10 11 11 11 -> 10, 11: χ = 0;
    # layer 2 (o1, o2) reads 00 01 11 11 01 00 -> 00 01 11 01 00: r1 2, r2 4, χ = 1/2;
    # both layers: 1000 1001 1011 1111 1101 1100, χ = 2/5
    net = pf.Network.from_layers(_HAND_NET)
    path = pf.walk(net, [F(1, 16)], [F(15, 16)])
    assert pf.chi_by_layers(path, net) == {(0,): 0, (1,): F(1, 2), (0, 1): F(2, 5)}
    # each layer's χ equals the walk of the network whose pattern is that layer alone
    for layer in (0, 1):
        alone = pf.walk(net.with_options(pattern_layers=[layer]), [F(1, 16)], [F(15, 16)])
        assert alone.chi == pf.chi_by_layers(path, net, [(layer,)])[(layer,)]
    res = pf.layer_folding(net, _HAND_X, _HAND_Y, clusters=None)
    assert [res.label(i) for i in range(3)] == ["layer 1", "layer 2", "layers 1-2"]
    deck = pf.global_folding(net, _HAND_X, _HAND_Y, clusters=None)
    assert res.phi[2] == deck.phi and res.chi[2] == deck.chi  # all layers: the network's own
    assert res.phi[0] is None and res.fraction_folded[0] == 0  # one layer alone never folds
    # layer 2 alone, by hand over the 8 segments of _HAND_X (unordered, between labels)
    points = [p[0] for p in _HAND_X]
    layer2 = [
        pf.chi_by_layers(pf.walk(net, [points[a]], [points[b]]), net, [(1,)])[(1,)]
        for a, b in res.pairs
    ]
    assert res.chi[1] == layer2
    with pytest.raises(pf.InvalidInputError, match="subsets"):
        pf.layer_folding(net, _HAND_X, _HAND_Y, clusters=None, subsets=[(2,)])
    with pytest.raises(pf.InvalidInputError, match="variant"):
        pf.layer_folding(net, _HAND_X, _HAND_Y, variant="max")
