"""The sampling estimator's report against an independent recount from walks and samples."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold.estimator import estimator_report


def _recount(net, x1, x2, n):
    """mae, missed, unseen, over, under from pf.walk and pf.chi_sampled, one segment at a time."""
    exact, sampled, unseen, total = [], [], 0, 0
    for a, b in zip(x1, x2):
        path = pf.walk(net, a, b)
        exact.append(path.chi)
        sampled.append(pf.chi_sampled(net, a, b, n=n))
        ea, eb = (np.array([F(v) for v in p], dtype=object) for p in (a, b))
        pts = np.array([ea + F(i, n - 1) * (eb - ea) for i in range(n)], dtype=object)
        seen = {row.tobytes() for row in net.pattern(pts).astype(bool)}
        regions = {row.tobytes() for row in path.patterns}
        unseen += len(regions - seen)
        total += len(regions)
    m = len(exact)
    folded = [i for i, c in enumerate(exact) if c > 0]
    return {
        "mae": sum((abs(s - e) for s, e in zip(sampled, exact)), F(0)) / m,
        "missed": F(sum(sampled[i] == 0 for i in folded), len(folded)) if folded else None,
        "unseen": F(unseen, total),
        "over": F(sum(s > e for s, e in zip(sampled, exact)), m),
        "under": F(sum(s < e for s, e in zip(sampled, exact)), m),
        "chi": exact,
        "sampled": sampled,
    }


def test_the_tent_by_hand():
    # 100 | 101 | 111 | 110 with breakpoints 1/4, 1/2, 3/4 on [0, 1]. On [1/8, 7/8] three
    # samples (x = 1/8, 1/2, 7/8) see 100, then 101 (x = 1/2 is on the breakpoint of bit 1,
    # whose bit is 0 there), then 110: the jump 101 -> 110 skips 111 (never seen, one region
    # of four) and counts two flips, so the sampled chi is 1 - 1/3 = 2/3, an over-estimate
    rep = estimator_report(pf.zoo.tent(), [[0.125]], [[0.875]], ns=(3, 9))
    assert rep.chi == [F(1, 3)]
    three, nine = rep.rows
    assert rep.sampled[3] == [F(2, 3)] and three.over == 1
    assert (three.n, three.mae, three.unseen) == (3, F(1, 3), F(1, 4))
    assert (nine.mae, nine.unseen, nine.missed) == (0, 0, 0)


@pytest.mark.parametrize("seed", range(3))
def test_report_equals_an_independent_recount(seed):
    net = pf.zoo.random_network([2, 8, 8, 2], seed=seed)
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(-2, 2, size=(2, 6, 2))
    rep = estimator_report(net, x1, x2, ns=(3, 11))
    for row in rep.rows:
        ref = _recount(net, x1, x2, row.n)
        assert rep.chi == ref["chi"] and rep.sampled[row.n] == ref["sampled"]
        for key in ("mae", "missed", "unseen", "over", "under"):
            assert getattr(row, key) == ref[key], key


def test_segments_between_labels_of_a_data_set():
    X, y = pf.datasets.moons(40, seed=1)
    net = pf.zoo.random_network([2, 6, 2], seed=0)
    rep = estimator_report(net, data=(X, y), ns=(5,), segments=12, seed=3)
    assert rep.ends.shape == (12, 2) and all(y[i] != y[j] for i, j in rep.ends)
    again = estimator_report(net, data=(X, y), ns=(5,), segments=12, seed=3)
    assert np.array_equal(rep.ends, again.ends) and rep.chi == again.chi
    table = rep.table(str)
    assert table[0]["n"] == 5 and isinstance(table[0]["mae"], str)


def test_bad_input():
    net = pf.zoo.tent()
    with pytest.raises(pf.InvalidInputError, match="ns: expected an integer >= 2"):
        estimator_report(net, [[0.0]], [[1.0]], ns=(1,))
    with pytest.raises(pf.InvalidInputError, match="not both"):
        estimator_report(net, [[0.0]], [[1.0]], data=([[0.0]], [0]))
    with pytest.raises(pf.InvalidInputError, match="same shape"):
        estimator_report(net, [[0.0]], [[1.0], [0.5]])
    smooth = pf.Network.from_layers([([[1]], [0]), ([[1]], [0])], activation="tanh")
    with pytest.raises(pf.InvalidInputError, match="smooth"):
        estimator_report(smooth, [[0.0]], [[1.0]])
