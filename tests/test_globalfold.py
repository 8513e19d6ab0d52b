from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold.datasets import circles, load_arrays, moons, spirals
from polyfold.globalfold import median

# the tent: on (0, 1) the pattern runs 100 | 1/4 | 101 | 1/2 | 111 | 3/4 | 110
TENT = pf.zoo.tent()


def test_phi_worked_by_hand():
    x = [[0.125], [0.3], [0.6], [0.875], [0.2]]
    y = [0, 0, 1, 1, 1]
    res = pf.global_folding(TENT, x, y, clusters=None)
    # between-class pairs in order: (0,2) 100-101-111 flat, (0,3) 100-101-111-110 chi 1/3,
    # (1,2) 101-111 flat, (1,3) 101-111-110 flat (r1 = r2 = 2), (4 is label 1) (0,4) single
    # region 100, (1,4) 101-100 flat
    assert [tuple(p) for p in res.pairs] == [(0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)]
    assert res.chi == [0, F(1, 3), 0, 0, 0, 0]
    assert res.phi == F(1, 3) and res.fraction_folded == F(1, 6)
    assert list(res.regions) == [3, 4, 1, 2, 3, 2]
    assert res.distribution() == {F(0): 5, F(1, 3): 1}


def test_phi_is_the_median_of_positive_chi():
    assert median([F(1, 3), F(1, 2), F(1, 4), F(2, 3)]) == F(5, 12)
    net = pf.zoo.random_network([2, 8, 8, 8, 1], seed=1, bias_std=0.5)
    x, y = moons(60, seed=1)
    res = pf.global_folding(net, x, y, clusters=3, pairs="all")
    positive = sorted(c for c in res.chi if c > 0)
    if positive:
        assert res.phi == median(positive)
    assert res.fraction_folded == F(len(positive), len(res.chi))
    assert len(res.chi) == 15  # 6 centroids, all pairs
    for (a, b), c in zip(res.pairs, res.chi):
        assert pf.walk(net, res.centroids[a], res.centroids[b], exact=False).chi == c


def test_within_all_cap_and_seed_reproducibility():
    net = pf.zoo.random_network([2, 6, 6, 1], seed=2)
    x, y = spirals(90, arms=3, seed=2)
    between = pf.global_folding(net, x, y, clusters=4)
    within = pf.global_folding(net, x, y, clusters=4, pairs="within")
    everything = pf.global_folding(net, x, y, clusters=4, pairs="all")
    assert len(between.chi) + len(within.chi) == len(everything.chi) == 66
    capped = pf.global_folding(net, x, y, clusters=4, max_pairs=10, seed=5)
    again = pf.global_folding(net, x, y, clusters=4, max_pairs=10, seed=5)
    assert len(capped.chi) == 10 and np.array_equal(capped.pairs, again.pairs)
    assert capped.chi == again.chi


def test_exact_and_float_agree_on_centroid_paths():
    net = pf.zoo.random_network([2, 6, 6, 1], seed=3)
    x, y = circles(80, seed=3)
    a = pf.global_folding(net, x, y, clusters=3, exact=False)
    b = pf.global_folding(net, x, y, clusters=3, exact=True)
    assert a.chi == b.chi and a.phi == b.phi


def test_process_pool_and_dask_give_the_serial_answer():
    net = pf.zoo.random_network([2, 8, 8, 1], seed=4)
    x, y = moons(120, seed=4)
    serial = pf.global_folding(net, x, y, clusters=5, chunk=7)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = pf.global_folding(net, x, y, clusters=5, chunk=7, executor=pool)
    assert pooled.chi == serial.chi and pooled.phi == serial.phi
    assert np.array_equal(pooled.regions, serial.regions)
    distributed = pytest.importorskip("distributed")
    import socket

    # Dask's default dashboard port held by someone else must not matter
    blocker = socket.socket()
    try:
        blocker.bind(("127.0.0.1", 8787))
        blocker.listen(1)
    except OSError:
        pass  # already taken: the same situation
    with (
        blocker,
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
    ):
        with distributed.Client(cluster) as client:
            dasked = pf.global_folding(net, x, y, clusters=5, chunk=7, executor=client)
    assert dasked.chi == serial.chi and np.array_equal(dasked.r2, serial.r2)


def test_triangle_paths():
    net = pf.zoo.random_network([3, 5, 5, 1], seed=5)
    out = pf.triangle_paths(net, [0, 0, 0], [1, 0, 1], [0, 1, -1], fan=4)
    assert len(out["edges"]) == 3 and len(out["fan"]) == 4
    assert out["chi_edges"] == [p.chi for p in out["edges"]]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"y": [0, 1, 0]}, "one label per row"),
        ({"y": [0, 0, 0, 0]}, "two classes"),
        ({"clusters": 3}, "fewer than clusters"),
        ({"X": [[0.1], [np.nan], [0.3], [0.4]]}, "finite"),
        ({"X": [[0.1, 0], [0.2, 0], [0.3, 0], [0.4, 0]]}, r"expected shape \(1,\)"),
        ({"pairs": "some"}, "pairs: expected one of"),
        ({"max_pairs": 0}, "max_pairs"),
        ({"clusters": 0}, "clusters"),
        ({"chunk": 0}, "chunk"),
    ],
)
def test_global_folding_bad_input(kwargs, match):
    args = {"X": [[0.1], [0.2], [0.3], [0.4]], "y": [0, 1, 0, 1], "clusters": None}
    args.update(kwargs)
    with pytest.raises(pf.InvalidInputError, match=match):
        pf.global_folding(TENT, args.pop("X"), args.pop("y"), **args)


def test_loaders(tmp_path):
    x, y = moons(20, seed=0)
    np.savez(tmp_path / "d.npz", X=x, y=y)
    x2, y2 = load_arrays(tmp_path / "d.npz")
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    np.savetxt(tmp_path / "d.csv", np.c_[x, y], delimiter=",")
    x3, y3 = load_arrays(tmp_path / "d.csv")
    assert np.allclose(x, x3) and np.array_equal(y, y3)
    np.savez(tmp_path / "bad.npz", X=x, y=y[:-1])
    with pytest.raises(pf.InvalidInputError, match="labels"):
        load_arrays(tmp_path / "bad.npz")
    x[0, 0] = np.inf
    np.savez(tmp_path / "inf.npz", X=x, y=y)
    with pytest.raises(pf.InvalidInputError, match="finite"):
        load_arrays(tmp_path / "inf.npz")
    with pytest.raises(pf.InvalidInputError, match=r"\.npz or \.csv"):
        load_arrays(tmp_path / "d.txt")
    (tmp_path / "broken.npz").write_bytes(b"garbage")
    with pytest.raises(pf.InvalidInputError, match="cannot read"):
        load_arrays(tmp_path / "broken.npz")


def test_study_writes_rows_as_it_goes_and_resumes(tmp_path):
    from polyfold.studies import phi_value, study

    out = tmp_path / "study.csv"
    grid = {"depths": (1, 2), "widths": (6,), "seeds": (0,), "clusters": 3, "max_pairs": 30}
    rows = study("moons", out=out, **grid)
    assert [(r["depth"], r["width"]) for r in rows] == [(1, 6), (2, 6)]
    for r in rows:
        assert r["paths"] == 9 and 0 <= r["test_accuracy"] <= 1
        if r["depth"] == 1:  # one hidden layer never folds a segment
            assert phi_value(r) is None and r["fraction_folded"] == "0"
    lines = out.read_text().splitlines()
    assert len(lines) == 3
    # interrupted after the first row: resuming computes only the missing one
    out.write_text("\n".join(lines[:2]) + "\n")
    resumed = study("moons", out=out, **grid)
    assert len(out.read_text().splitlines()) == 3
    assert [r["phi"] for r in resumed] == [r["phi"] for r in rows]


def test_study_cli_and_figure(tmp_path, capsys):
    from polyfold.cli import main

    out, png = tmp_path / "s.csv", tmp_path / "s.png"
    args = [
        "study",
        "--data",
        "circles",
        "--depths",
        "1",
        "2",
        "--widths",
        "4",
        "--clusters",
        "2",
        "--max-pairs",
        "10",
        "--out",
        str(out),
        "--png",
        str(png),
    ]
    assert main(args) == 0
    assert "fraction_folded" in capsys.readouterr().out and png.stat().st_size > 1000
    assert main(["study", "--data", "nonexistent.txt", "--depths", "1"]) == 2


def test_walk_many_on_executors_gives_the_same_paths(capsys):
    net = pf.zoo.random_network([3, 6, 6, 1], seed=6)
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(70, 3)), rng.normal(size=(70, 3))
    serial = pf.walk_many(net, a, b)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = pf.walk_many(net, a, b, executor=pool)
    assert [list(p.breakpoints) for p in pooled] == [list(p.breakpoints) for p in serial]
    assert all(np.array_equal(p.patterns, q.patterns) for p, q in zip(pooled, serial))
    res = pf.global_folding(TENT, [[0.1], [0.9]], [0, 1], clusters=None, progress=True)
    assert res.chi == [F(1, 3)] and "batch" in capsys.readouterr().err


def test_chi_distribution_figure():
    import matplotlib

    matplotlib.use("Agg")
    from polyfold.plotting import chi_distribution

    res = pf.global_folding(TENT, [[0.125], [0.3], [0.6], [0.875]], [0, 0, 1, 1], clusters=None)
    ax = chi_distribution(res)
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == [1, 3] and "Φ = 1/3" in ax.get_legend().get_texts()[0].get_text()


def test_boolean_options_reject_truthy_strings():
    with pytest.raises(pf.InvalidInputError, match="exact: expected True or False"):
        pf.global_folding(TENT, [[0.1], [0.9]], [0, 1], clusters=None, exact="no")
    with pytest.raises(pf.InvalidInputError, match="exact"):
        pf.region_graph(TENT, pf.Box([0], [1]), exact="true")
    with pytest.raises(pf.InvalidInputError, match="exact"):
        pf.chi_sampled(TENT, [0], [1], exact=1)


def test_global_folding_time_budget_gives_the_first_pairs_marked_incomplete():
    net = pf.zoo.random_network([2, 8, 8, 1], seed=4)
    x, y = moons(120, seed=4)
    full = pf.global_folding(net, x, y, clusters=5, chunk=7)
    part = pf.global_folding(net, x, y, clusters=5, chunk=7, time_budget=0)
    assert full.complete and not part.complete
    assert part.n_paths == 7 and part.chi == full.chi[:7]
    assert np.array_equal(part.pairs, full.pairs[:7])
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = pf.global_folding(net, x, y, clusters=5, chunk=7, executor=pool, time_budget=60)
    assert pooled.complete and pooled.chi == full.chi


def test_study_time_budget_stops_between_configurations(tmp_path):
    out = tmp_path / "s.csv"
    grid = {"depths": (1, 2), "widths": (4,), "max_iter": 20, "max_pairs": 5, "clusters": 2}
    with pytest.warns(UserWarning, match="1 of 2 configurations"):
        rows = pf.studies.study("moons", out=out, backend="sklearn", time_budget=0, **grid)
    assert len(rows) == 1
    again = pf.studies.study("moons", out=out, backend="sklearn", **grid)
    assert len(again) == 2 and str(again[0]["depth"]) == str(rows[0]["depth"])
