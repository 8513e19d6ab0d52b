"""The embedded data sets, the stratified split and user data files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polyfold as pf
from polyfold import datasets


def test_digits_are_sklearns_pixels_over_16_exactly():
    X, y = datasets.digits()
    from sklearn.datasets import load_digits

    raw = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.tolist() == raw.target.tolist()
    assert np.array_equal(X * 16, raw.data) and X.min() == 0 and X.max() == 1


@pytest.mark.parametrize(
    "make", [datasets.moons, datasets.circles, datasets.spirals], ids=lambda f: f.__name__
)
def test_toy_sets_are_seeded_and_balanced(make):
    X, y = make(60, seed=4)
    again, y2 = make(60, seed=4)
    other, _ = make(60, seed=5)
    assert X.shape == (60, 2) and np.array_equal(X, again) and np.array_equal(y, y2)
    assert not np.array_equal(X, other)
    assert np.all(np.isfinite(X)) and np.bincount(y).min() >= 60 // len(set(y.tolist())) - 1


def test_spirals_by_arms():
    X, y = datasets.spirals(30, arms=5, noise=0.0)
    assert np.bincount(y).tolist() == [6] * 5
    # noise-free: the point at radius r of arm k has angle 2π (1.5 r + k/5), modulo 2π
    radius, angle = np.hypot(*X.T), np.arctan2(X[:, 1], X[:, 0])
    offset = np.angle(np.exp(1j * (angle - 2 * np.pi * (1.5 * radius + y / 5))))
    assert np.allclose(offset, 0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 4), min_size=2, max_size=60),
    st.floats(0.05, 0.95),
    st.integers(0, 2**16),
)
def test_split_is_stratified_and_a_partition(labels, test, seed):
    y = np.array(labels)
    X = np.arange(len(y) * 2, dtype=float).reshape(-1, 2)
    parts = datasets.split(X, y, test=test, seed=seed)
    rows = np.concatenate([parts.X_train[:, 0], parts.X_test[:, 0]]) // 2
    assert sorted(rows.tolist()) == list(range(len(y)))  # every row once
    for c in set(labels):
        assert (parts.y_test == c).sum() == round(test * (y == c).sum())
    assert np.array_equal(y[(parts.X_test[:, 0] // 2).astype(int)], parts.y_test)
    again = datasets.split(X, y, test=test, seed=seed)
    assert np.array_equal(again.X_test, parts.X_test)


def test_user_files_round_trip(tmp_path):
    X, y = datasets.moons(20, seed=0)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    np.savetxt(tmp_path / "d.csv", np.column_stack([X, y]), delimiter=",")
    for name in ("d.npz", "d.csv"):
        got_x, got_y = datasets.load_arrays(tmp_path / name)
        assert np.allclose(got_x, X, rtol=0, atol=1e-15) and got_y.tolist() == y.tolist()


def test_bad_files(tmp_path):
    np.savez(tmp_path / "no_y.npz", X=np.zeros((3, 2)))
    np.savez(tmp_path / "short.npz", X=np.zeros((3, 2)), y=np.zeros(2))
    np.savez(tmp_path / "nan.npz", X=np.array([[np.nan, 0.0]]), y=np.zeros(1))
    (tmp_path / "bad.csv").write_text("1,2,x\n")
    (tmp_path / "data.txt").write_text("1,2,0\n")
    cases = {
        "no_y.npz": "must hold arrays named 'X' and 'y'",
        "short.npz": "y",
        "nan.npz": "finite",
        "bad.csv": "cannot read",
        "data.txt": "expected a .npz or .csv file",
        "missing.npz": "cannot read",
    }
    for name, match in cases.items():
        with pytest.raises(pf.InvalidInputError, match=match):
            datasets.load_arrays(tmp_path / name)
    with pytest.raises(pf.InvalidInputError, match="n:"):
        datasets.moons(0)
