"""Studies over many small networks: train a grid, measure global folding, keep a table.

Each configuration (depth × width × seed) trains a scikit-learn
``MLPClassifier`` with ReLU units on a seeded train/test split, imports it
exactly and measures Φ on the training data. Rows are appended to a CSV file
as soon as they are finished, so an interrupted study keeps what it did and
``resume=True`` (the default) skips the configurations already in the file.
"""

from __future__ import annotations

import csv
import os
import sys
import time
import warnings
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import numpy as np

from ._progress import check_progress
from .errors import InvalidInputError, check_budget

__all__ = ["FIELDS", "load_data", "phi_value", "study"]

FIELDS = [
    "depth",
    "width",
    "seed",
    "backend",
    "train_accuracy",
    "test_accuracy",
    "phi",
    "phi_float",
    "fraction_folded",
    "mean_regions",
    "paths",
    "seconds",
]
DATASETS = ("digits", "moons", "circles", "spirals")


def load_data(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """An embedded data set by name, a ``.npz``/``.csv`` path, or an ``(X, y)`` pair."""
    from . import datasets

    if isinstance(data, tuple) and len(data) == 2:
        x, y = np.asarray(data[0], dtype=np.float64), np.asarray(data[1])
        if x.ndim != 2 or y.shape != (x.shape[0],) or not np.all(np.isfinite(x)):
            raise InvalidInputError(
                "data: expected (X, y) with finite X of shape (m, d) and m labels"
            )
        return x, y
    if isinstance(data, str) and data in DATASETS:
        loaded: tuple[np.ndarray, np.ndarray] = getattr(datasets, data)()
        return loaded
    if isinstance(data, (str, os.PathLike)):
        return datasets.load_arrays(data)
    raise InvalidInputError(
        f"data: expected one of {', '.join(DATASETS)}, a .npz/.csv path or (X, y), got {data!r}"
    )


def _positive_ints(values: Iterable[int], name: str) -> list[int]:
    out = [int(v) for v in values]
    if not out or any(v < 0 for v in out):
        raise InvalidInputError(f"{name}: expected a non-empty list of non-negative integers")
    return out


def study(
    data: Any = "digits",
    *,
    depths: Iterable[int] = (1, 2, 3),
    widths: Iterable[int] = (16,),
    seeds: Iterable[int] = (0,),
    clusters: int | None = 5,
    pairs: str = "between",
    max_pairs: int | None = 500,
    out: str | os.PathLike[str] | None = None,
    resume: bool = True,
    progress: bool | None = None,
    max_iter: int = 300,
    executor: Any = None,
    backend: str = "auto",
    time_budget: float | None = None,
) -> list[dict[str, Any]]:
    """Train a grid of ReLU MLPs and measure Φ on each; returns one dict per configuration.

    Columns: ``FIELDS`` (``phi`` is the exact rational as a string, empty when
    no path folds). With ``out`` every finished row is appended to that CSV
    file at once; with ``resume`` configurations already there are skipped
    and their rows returned as read. A ``.parquet`` copy is written next to
    it when pandas and pyarrow are installed. ``backend`` is ``"sklearn"``
    (``MLPClassifier``), ``"torch"`` (an ``nn.Sequential`` trained with Adam,
    seeded) or ``"auto"``: torch when it is installed, scikit-learn otherwise.
    ``time_budget`` (seconds): no new configuration is started once it has
    run out (the first always is); the rows finished are returned (and saved), and a warning says
    how many are missing (run again with the same ``out`` to resume).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from .globalfold import global_folding
    from .interop.sklearn import from_sklearn

    if backend not in ("auto", "sklearn", "torch"):
        raise InvalidInputError(f"backend: expected 'auto', 'sklearn' or 'torch', got {backend!r}")
    deadline = None
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    wanted = check_progress(progress)
    show = wanted if wanted is not None else bool(sys.stderr.isatty())  # rows take minutes
    if backend == "auto":
        import importlib.util

        backend = "torch" if importlib.util.find_spec("torch") is not None else "sklearn"
    x, y = load_data(data)
    grid = [
        (d, w, s)
        for d in _positive_ints(depths, "depths")
        for w in _positive_ints(widths, "widths")
        for s in _positive_ints(seeds, "seeds")
    ]
    if any(d < 1 or w < 1 for d, w, _ in grid):
        raise InvalidInputError("depths, widths: every network needs at least one unit per layer")
    done: dict[tuple[int, int, int], dict[str, Any]] = {}
    if out is not None and resume and os.path.exists(out):
        with open(out, newline="") as existing:
            for row in csv.DictReader(existing):
                done[(int(row["depth"]), int(row["width"]), int(row["seed"]))] = row
    rows: list[dict[str, Any]] = []
    writer = None
    handle: Any = None
    if out is not None:
        fresh = not (resume and os.path.exists(out))
        handle = open(out, "w" if fresh else "a", newline="")
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if fresh:
            writer.writeheader()
    trained = 0  # configurations trained in this call (the first is never cut by the budget)
    try:
        for n, (depth, width, seed) in enumerate(grid, start=1):
            if (depth, width, seed) in done:
                rows.append(done[(depth, width, seed)])
                continue
            if trained and deadline is not None and time.perf_counter() > deadline:
                warnings.warn(
                    f"study: time_budget ran out after {len(rows)} of {len(grid)} "
                    "configurations; run again with the same out= to resume",
                    stacklevel=2,
                )
                break
            start = time.perf_counter()
            trained += 1
            x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=seed)
            if backend == "torch":
                net, train_acc, test_acc = _train_torch(
                    x_tr, y_tr, x_te, y_te, depth, width, seed, max_iter
                )
            else:
                clf = MLPClassifier(
                    hidden_layer_sizes=(width,) * depth, random_state=seed, max_iter=max_iter
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    clf.fit(x_tr, y_tr)
                net = from_sklearn(clf)
                train_acc, test_acc = float(clf.score(x_tr, y_tr)), float(clf.score(x_te, y_te))
            res = global_folding(
                net,
                x_tr,
                y_tr,
                clusters=clusters,
                pairs=pairs,
                seed=seed,
                max_pairs=max_pairs,
                executor=executor,
            )
            row = {
                "depth": depth,
                "width": width,
                "seed": seed,
                "backend": backend,
                "train_accuracy": train_acc,
                "test_accuracy": test_acc,
                "phi": "" if res.phi is None else str(res.phi),
                "phi_float": float(res.phi) if res.phi is not None else float("nan"),
                "fraction_folded": str(res.fraction_folded),
                "mean_regions": float(np.mean(res.regions)),
                "paths": res.n_paths,
                "seconds": time.perf_counter() - start,
            }
            rows.append(row)
            if writer is not None and handle is not None:
                writer.writerow(row)
                handle.flush()
            if show:
                print(
                    f"\r[{n}/{len(grid)}] depth {depth} width {width} seed {seed}: "
                    f"phi {row['phi'] or '-'}",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if handle is not None:
            handle.close()
        if show:
            print(file=sys.stderr)
    if out is not None:
        _parquet_copy(out)
    return rows


def _train_torch(
    x_tr: np.ndarray,
    y_tr: np.ndarray,
    x_te: np.ndarray,
    y_te: np.ndarray,
    depth: int,
    width: int,
    seed: int,
    epochs: int,
) -> tuple[Any, float, float]:
    """A ReLU MLP trained full-batch with Adam on the CPU (seeded), imported exactly."""
    import torch
    from torch import nn

    from .interop.torch import from_torch

    torch.manual_seed(seed)
    classes = np.unique(y_tr)
    index = {c: i for i, c in enumerate(classes)}
    dims = [x_tr.shape[1], *[width] * depth]
    parts: list[Any] = []
    for a, b in zip(dims[:-1], dims[1:]):
        parts += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*parts, nn.Linear(dims[-1], len(classes)))
    xt = torch.tensor(x_tr, dtype=torch.float32)
    yt = torch.tensor([index[c] for c in y_tr])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred_tr = classes[model(xt).argmax(1).numpy()]
        pred_te = classes[model(torch.tensor(x_te, dtype=torch.float32)).argmax(1).numpy()]
    return from_torch(model), float(np.mean(pred_tr == y_tr)), float(np.mean(pred_te == y_te))


def _parquet_copy(out: str | os.PathLike[str]) -> None:
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        return
    pd.read_csv(out).to_parquet(os.path.splitext(os.fspath(out))[0] + ".parquet")


def phi_value(row: dict[str, Any]) -> Fraction | None:
    """The exact Φ of a study row (``None`` when no path folded)."""
    return Fraction(row["phi"]) if row["phi"] not in ("", None) else None
