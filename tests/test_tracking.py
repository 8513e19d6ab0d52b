"""Folding during training: the tracker's rows are global_folding of the checkpoints."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import polyfold as pf

torch = pytest.importorskip("torch")
nn = torch.nn


def _train(model, x, y, epochs, tracker, checkpoints):
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    opt = torch.optim.Adam(model.parameters(), lr=2e-2)
    for epoch in range(epochs + 1):
        if tracker.wants(epoch):
            checkpoints[epoch] = copy.deepcopy(model.state_dict())
        tracker(model, epoch)
        if epoch == epochs:
            break
        opt.zero_grad()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()


def test_tracker_rows_equal_global_folding_of_the_saved_checkpoints():
    torch.manual_seed(0)
    x, y = pf.datasets.moons(80, seed=1)
    model = nn.Sequential(
        nn.Linear(2, 12), nn.ReLU(), nn.Linear(12, 12), nn.ReLU(), nn.Linear(12, 2)
    )
    tracker = pf.FoldingTracker(x, y, epochs=[0, 40], clusters=4, keep_networks=True)
    checkpoints: dict = {}
    _train(model, x, y, 40, tracker, checkpoints)
    assert [r["epoch"] for r in tracker.rows] == [0, 40]
    for row in tracker.rows:
        fresh = copy.deepcopy(model)
        fresh.load_state_dict(checkpoints[row["epoch"]])
        res = pf.global_folding(pf.from_torch(fresh), x, y, clusters=4)
        assert row["phi"] == ("" if res.phi is None else str(res.phi))
        assert row["fraction_folded"] == float(res.fraction_folded)
        with torch.no_grad():
            pred = fresh(torch.tensor(x, dtype=torch.float32)).argmax(1).numpy()
        assert row["accuracy"] == float(np.mean(pred == y))
        assert tracker.networks[row["epoch"]].n_bits == 24
    assert tracker.rows[-1]["accuracy"] > tracker.rows[0]["accuracy"]


def test_tracker_on_a_small_cnn_with_a_held_out_split():
    torch.manual_seed(0)
    X, y = pf.datasets.digits()
    parts = pf.datasets.split(X, y, test=0.2, seed=0)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(192, 10)
    )
    tracker = pf.FoldingTracker(
        parts.X_train[:300],
        parts.y_train[:300],
        X_test=parts.X_test,
        y_test=parts.y_test,
        input_shape=(1, 8, 8),
        every=5,
        clusters=1,
    )
    xt = torch.tensor(parts.X_train, dtype=torch.float32).reshape(-1, 1, 8, 8)
    yt = torch.tensor(parts.y_train)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(11):
        tracker(model, epoch)
        opt.zero_grad()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    assert [r["epoch"] for r in tracker.rows] == [0, 5, 10]
    assert tracker.rows[-1]["accuracy"] > 0.5 and all(r["mean_regions"] >= 1 for r in tracker.rows)


def test_tracker_bad_input():
    x, y = pf.datasets.moons(20)
    for kwargs, match in [
        ({"epochs": [-1]}, "epochs"),
        ({"every": 0}, "every"),
        ({"variant": "max"}, "variant"),
        ({"X_test": x}, "X_test"),
    ]:
        with pytest.raises(pf.InvalidInputError, match=match):
            pf.FoldingTracker(x, y, **kwargs)
    with pytest.raises(pf.InvalidInputError, match="X, y"):
        pf.FoldingTracker(x, y[:-1])
    tracker = pf.FoldingTracker(x, y)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(pf.InvalidInputError, match="X"):
        tracker(model, 0)  # the data has 2 features, the model 3 inputs
