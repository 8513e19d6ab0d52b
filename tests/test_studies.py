"""Studies: configuration-safe resume, typed rows, saved models, and a Ctrl-C that saves
nothing half-done."""

from __future__ import annotations

import os
import signal
import time
import warnings

import numpy as np
import pytest

import polyfold as pf
from polyfold.studies import CONFIG_FIELDS, FIELDS, load_network, study

GRID = {"depths": (1, 2), "widths": (4,), "seeds": (0,), "clusters": 2, "max_pairs": 6}
FAST = {"backend": "sklearn", "max_iter": 30}


def _same(a, b):
    keep = [k for k in FIELDS if k != "seconds"]  # repr: nan equals nan, floats to the bit
    return [{k: repr(r[k]) for k in keep} for r in a] == [{k: repr(r[k]) for k in keep} for r in b]


def test_resume_with_the_same_configuration_reproduces_the_rows_typed(tmp_path):
    out = tmp_path / "s.csv"
    with _no_warning():
        rows = study("moons", out=out, **GRID, **FAST)
    resumed = study("moons", out=out, **GRID, **FAST)
    assert _same(rows, resumed)
    for fresh, back in zip(rows, resumed):  # typed alike, not strings when read back
        assert {k: type(v) for k, v in fresh.items()} == {k: type(v) for k, v in back.items()}
    assert len(out.read_text().splitlines()) == 3  # nothing recomputed, nothing appended
    assert all(rows[0][k] is not None for k in ("data_fingerprint", "config_id", "version"))
    assert rows[0]["data"] == "moons" and rows[0]["test_fraction"] == 0.2


@pytest.mark.parametrize(
    "change",
    [
        {"data": "circles"},
        {"clusters": 3},
        {"max_pairs": 5},
        {"max_iter": 31},
        {"variant": "paper"},
        {"test_fraction": 0.25},
    ],
    ids=lambda c: next(iter(c)),
)
def test_resume_after_a_change_of_configuration_reuses_nothing(tmp_path, change):
    out = tmp_path / "s.csv"
    options = {"data": "moons", **GRID, **FAST}
    first = study(out=out, **options)
    changed = {**options, **change}
    with pytest.warns(UserWarning, match="another configuration"):
        second = study(out=out, **changed)
    assert {r["config_id"] for r in second}.isdisjoint({r["config_id"] for r in first})
    assert len(out.read_text().splitlines()) == 1 + 4  # the old rows stay in the file
    key = next(iter(change))
    assert all(r[key if key in CONFIG_FIELDS else "data"] != first[0][key] for r in second) or (
        key == "data" and second[0]["data_fingerprint"] != first[0]["data_fingerprint"]
    )


def test_the_same_name_with_other_values_is_another_data_set(tmp_path):
    out = tmp_path / "s.csv"
    x, y = pf.datasets.moons(60)
    study((x, y), out=out, **GRID, **FAST)
    with pytest.warns(UserWarning, match="another configuration"):
        study((x + 0.5, y), out=out, **GRID, **FAST)


def test_models_are_saved_beside_the_table_and_reload_by_row(tmp_path):
    out = tmp_path / "s.csv"
    rows = study("moons", out=out, **GRID, **FAST)
    for row in rows:
        assert row["model"] and os.path.exists(tmp_path / row["model"])
        net = load_network(row, out)
        x, y = pf.datasets.moons()
        from sklearn.model_selection import train_test_split

        x_tr, _, y_tr, _ = train_test_split(x, y, test_size=0.2, random_state=row["seed"])
        res = pf.global_folding(net, x_tr, y_tr, clusters=2, max_pairs=6, seed=row["seed"])
        assert ("" if res.phi is None else str(res.phi)) == row["phi"]
    with pytest.raises(pf.InvalidInputError, match="no saved model"):
        load_network(study("moons", **GRID, **FAST)[0], out)


def test_a_file_with_other_columns_is_refused(tmp_path):
    out = tmp_path / "old.csv"
    out.write_text("depth,width,seed,phi\n1,4,0,\n")
    with pytest.raises(pf.InvalidInputError, match="other columns"):
        study("moons", out=out, **GRID, **FAST)


@pytest.mark.parametrize("backend", ["sklearn", "torch"])
def test_ctrl_c_in_training_stops_and_saves_no_half_trained_row(tmp_path, backend, monkeypatch):
    # a real SIGINT in the middle of training; scikit-learn's fit catches KeyboardInterrupt and
    # returns the half-trained network (as its own stochastic solver does), torch's lets it go
    def press_ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs here

    if backend == "torch":
        torch = pytest.importorskip("torch")
        real_step, steps = torch.optim.Adam.step, [0]

        def step(self, *args, **kwargs):
            steps[0] += 1
            if steps[0] == 5:
                press_ctrl_c()
            return real_step(self, *args, **kwargs)

        monkeypatch.setattr(torch.optim.Adam, "step", step)
    else:
        from sklearn.neural_network import MLPClassifier

        real_fit = MLPClassifier.fit

        def fit(self, X, y):
            out = real_fit(self, X, y)
            try:
                press_ctrl_c()
            except KeyboardInterrupt:  # what scikit-learn's solver does with it
                warnings.warn("Training interrupted by user.", stacklevel=2)
            return out

        monkeypatch.setattr(MLPClassifier, "fit", fit)
    out = tmp_path / "s.csv"
    with pytest.raises(KeyboardInterrupt):
        study("moons", out=out, **GRID, backend=backend, max_iter=30)
    assert out.read_text().splitlines() == [",".join(FIELDS)]  # the header, no row
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


def test_study_bad_options():
    for kwargs, match in [
        ({"threads": 0}, "threads"),
        ({"max_iter": 0}, "max_iter"),
        ({"variant": "max"}, "variant"),
        ({"test_fraction": 1}, "test_fraction"),
        ({"exact": "yes"}, "exact"),
    ]:
        with pytest.raises(pf.InvalidInputError, match=match):
            study("moons", **GRID, **{**FAST, **kwargs})


def test_to_frame_when_pandas_is_there():
    pd = pytest.importorskip("pandas")
    frame = pf.studies.to_frame(study("moons", **GRID, **FAST))
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == FIELDS
    assert np.issubdtype(frame["depth"].dtype, np.integer)


class _no_warning:
    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)
        return False


def test_the_same_grid_with_and_without_batch_norm_and_dropout(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "s.csv"
    norms = ("none", "batchnorm", "dropout", "batchnorm+dropout")
    rows = study(
        "moons", out=out, depths=(2,), widths=(6,), clusters=2, max_pairs=6,
        backend="torch", max_iter=40, normalization=norms,
    )  # fmt: skip
    assert [r["normalization"] for r in rows] == list(norms)
    assert len({r["config_id"] for r in rows}) == 4
    bn = load_network(rows[1], out)  # batch-norm folded into exact affine maps: no extra bits
    assert bn.hidden_sizes == load_network(rows[0], out).hidden_sizes == (6, 6)
    again = study(
        "moons", out=out, depths=(2,), widths=(6,), clusters=2, max_pairs=6,
        backend="torch", max_iter=40, normalization=norms,
    )  # fmt: skip
    assert _same(rows, again)
    with pytest.raises(pf.InvalidInputError, match="torch"):
        study("moons", **GRID, **FAST, normalization=("batchnorm",))
    with pytest.raises(pf.InvalidInputError, match="normalization"):
        study("moons", **GRID, **FAST, normalization=("layernorm",))


def test_a_study_measures_networks_trained_elsewhere(tmp_path):
    from sklearn.model_selection import train_test_split

    out = tmp_path / "s.csv"
    mine = pf.zoo.random_network([2, 8, 8, 2], seed=5)
    rows = study("moons", out=out, networks={"mine": mine}, clusters=2, max_pairs=6)
    (row,) = rows
    assert row["name"] == "mine" and (row["depth"], row["width"]) == (2, 8)
    x, y = pf.datasets.moons()
    x_tr, _, y_tr, _ = train_test_split(x, y, test_size=0.2, random_state=0)
    res = pf.global_folding(mine, x_tr, y_tr, clusters=2, max_pairs=6, seed=0)
    assert row["phi"] == ("" if res.phi is None else str(res.phi))
    assert load_network(row, out).exact_weights[0][0].tolist() == mine.exact_weights[0][0].tolist()
    again = study("moons", out=out, networks={"mine": mine}, clusters=2, max_pairs=6)
    assert _same(rows, again)  # the same weights: reused
    other = pf.zoo.random_network([2, 8, 8, 2], seed=6)
    with pytest.warns(UserWarning, match="another configuration"):
        third = study("moons", out=out, networks={"mine": other}, clusters=2, max_pairs=6)
    assert third[0]["config_id"] != row["config_id"]
    with pytest.raises(pf.InvalidInputError, match="networks"):
        study("moons", networks={"mine": "not a network"})


def test_a_study_tracks_folding_during_training(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "s.csv"
    options = {"depths": (2,), "widths": (6,), "clusters": 2, "max_pairs": 6, "backend": "torch"}
    rows = study("moons", out=out, max_iter=20, track=[0, 10, 20], **options)
    tracks = pf.studies.load_tracks(out)
    assert [t["epoch"] for t in tracks] == [0, 10, 20]
    assert {t["config_id"] for t in tracks} == {rows[0]["config_id"]}
    # the last epoch tracked is the trained network the row measured
    assert tracks[-1]["phi"] == rows[0]["phi"]
    assert tracks[-1]["accuracy"] == rows[0]["test_accuracy"]
    with pytest.raises(pf.InvalidInputError, match="track"):
        study("moons", **GRID, **FAST, track=[0])
    with pytest.raises(pf.InvalidInputError, match="no tracks"):
        pf.studies.load_tracks(tmp_path / "none.csv")


def test_seeds_may_be_a_count(tmp_path):
    # study(seeds=2) is the grid over seeds 0 and 1, as study(seeds=(0, 1)) is
    grid = {"depths": (1,), "widths": (4,), "clusters": 2, "max_pairs": 2, "max_iter": 5}
    by_count = study("moons", out=tmp_path / "a.csv", seeds=2, **grid)
    by_list = study("moons", out=tmp_path / "b.csv", seeds=(0, 1), **grid)
    assert [r["seed"] for r in by_count] == [r["seed"] for r in by_list] == [0, 1]
    assert [r["phi"] for r in by_count] == [r["phi"] for r in by_list]
