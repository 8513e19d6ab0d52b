"""Studies over many small networks: train a grid, measure global folding, keep a table.

Each configuration (depth × width × seed) trains an MLP (ReLU by default; scikit-learn's
``MLPClassifier`` or a torch ``nn.Sequential``) on a seeded train/test split,
imports it exactly and measures Φ on the training data. Rows are appended to a
CSV file as soon as they are finished, so an interrupted study keeps what it
finished, and every trained network is saved beside the table (``.npz``, no
pickle; :func:`load_network` reloads it by row).

Every row records its whole configuration — the data set and a fingerprint of
its values, the split, the training recipe, the folding parameters and the
library version — and ``config_id``, a digest of all of it. Resuming
(``resume=True``, the default) reuses a row only when its ``config_id`` is the
one the call would compute; rows made otherwise stay in the file, are not
reused, and a warning says how many. Rows are typed the same whether computed
or read back. Ctrl-C stops the study between configurations or inside
training (also scikit-learn's, which would otherwise swallow it) and never
saves a half-trained row.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import numpy as np

from ._progress import check_progress
from .errors import InvalidInputError, check_budget, check_count, check_seeds

__all__ = [
    "CONFIG_FIELDS",
    "DATASETS",
    "FIELDS",
    "load_data",
    "load_network",
    "load_tracks",
    "phi_value",
    "study",
    "to_frame",
]

# what a row is measured under: a row is reused only when all of these agree
CONFIG_FIELDS = [
    "data",
    "data_fingerprint",
    "test_fraction",
    "activation",
    "backend",
    "max_iter",
    "threads",
    "track",
    "clusters",
    "pairs",
    "max_pairs",
    "variant",
    "exact",
    "version",
]
FIELDS = [
    "name",
    "depth",
    "width",
    "seed",
    "normalization",
    *CONFIG_FIELDS,
    "config_id",
    "train_accuracy",
    "test_accuracy",
    "phi",
    "phi_float",
    "fraction_folded",
    "mean_regions",
    "paths",
    "undecided",
    "seconds",
    "model",
]
_INT = {"depth", "width", "seed", "max_iter", "threads", "paths", "undecided"}
ACTIVATIONS = ("relu", "tanh", "gelu", "silu", "sigmoid")
_FLOAT = {
    "test_fraction",
    "train_accuracy",
    "test_accuracy",
    "phi_float",
    "mean_regions",
    "seconds",
}
_OPTIONAL_INT = {"clusters", "max_pairs"}  # empty in the CSV for None
_TEST_FRACTION = 0.2
NORMALIZATIONS = ("none", "batchnorm", "dropout", "batchnorm+dropout")
#: The embedded data sets, by name (no download).
DATASETS = ("digits", "moons", "circles", "spirals")


def load_data(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """An embedded data set by name, a ``.npz``/``.csv`` path, or an ``(X, y)`` pair.

    Parameters
    ----------
    data
        A name of :data:`DATASETS`, a file path, or an ``(X, y)`` pair.

    Returns
    -------
    tuple of numpy.ndarray
        ``(X, y)``.

    Raises
    ------
    InvalidInputError
        For an unknown name or an unreadable file.
    """
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


def _fingerprint(x: np.ndarray, y: np.ndarray) -> str:
    """A digest of the data's values (shape, dtype and bytes of X and y)."""
    h = hashlib.sha256()
    for a in (np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y)):
        h.update(repr((a.shape, str(a.dtype))).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def _config_id(
    config: dict[str, Any], depth: int, width: int, seed: int, norm: str, name: str = ""
) -> str:
    cell = {"depth": depth, "width": width, "seed": seed, "normalization": norm, "name": name}
    key = json.dumps({**config, **cell}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """A row read from the CSV with the types a freshly computed row has."""
    out: dict[str, Any] = {}
    for key in FIELDS:
        value = row.get(key, "")
        if key in _INT:
            out[key] = int(value)
        elif key in _FLOAT:
            out[key] = float(value)
        elif key in _OPTIONAL_INT:
            out[key] = None if value in ("", "None") else int(value)
        elif key == "exact":
            out[key] = value in (True, "True")
        else:
            out[key] = "" if value is None else str(value)
    return out


def to_frame(rows: list[dict[str, Any]]) -> Any:
    """The rows as a pandas ``DataFrame`` (pandas must be installed).

    Parameters
    ----------
    rows
        The rows of a study.

    Returns
    -------
    pandas.DataFrame
    """
    from .errors import require

    pd: Any = require("pandas", "to_frame")
    return pd.DataFrame(rows, columns=FIELDS)


def load_network(row: dict[str, Any], out: str | os.PathLike[str]) -> Any:
    """The network a study row was measured on, from the ``.npz`` saved beside ``out``.

    Parameters
    ----------
    row
        A row of a study's table (every trained network is saved beside it).
    out
        The study's output file.

    Returns
    -------
    Network
    """
    from .network import Network

    if not row.get("model"):
        raise InvalidInputError("row: it has no saved model (the study ran without out=)")
    return Network.load(os.path.join(os.path.dirname(os.path.abspath(out)), row["model"]))


@contextmanager
def _ctrl_c_guard() -> Iterator[list[bool]]:
    """Note a Ctrl-C even where a trainer catches it (scikit-learn's fit does)."""
    pressed = [False]
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def handler(signum: int, frame: Any) -> None:
        pressed[0] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


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
    seeds: int | Iterable[int] = (0,),
    normalization: Iterable[str] = ("none",),
    activation: str = "relu",
    networks: dict[str, Any] | None = None,
    track: Iterable[int] | None = None,
    clusters: int | None = 5,
    pairs: str = "between",
    max_pairs: int | None = 500,
    variant: str = "deck",
    exact: bool = True,
    test_fraction: float = _TEST_FRACTION,
    out: str | os.PathLike[str] | None = None,
    resume: bool = True,
    progress: bool | None = None,
    max_iter: int = 300,
    executor: Any = None,
    backend: str = "auto",
    threads: int = 1,
    time_budget: float | None = None,
) -> list[dict[str, Any]]:
    """Train a grid of ReLU MLPs and measure Φ on each; returns one dict per configuration.

    Parameters
    ----------
    data
        ``"digits"``, ``"moons"``, ``"circles"``, ``"spirals"``, a ``.npz``/``.csv``
        path or an ``(X, y)`` pair.
    depths, widths, seeds
        The grid: hidden layers, units per layer, training seeds (each seed also
        seeds the split and the folding measurement; ``seeds=n`` means
        ``0..n−1``).
    normalization
        A grid axis too (torch only): ``"none"``, ``"batchnorm"`` (``BatchNorm1d``
        before each ReLU), ``"dropout"`` (``Dropout(0.2)`` after each ReLU) or
        ``"batchnorm+dropout"`` — the deck's "low sensitivity to batch-norm,
        dropout" compares Φ of the same grid with and without them. Batch-norm
        is folded into the exact affine maps at inference; dropout is the
        identity there.
    activation
        ``"relu"`` (default) or, with the torch backend, ``"tanh"``, ``"gelu"``,
        ``"silu"``, ``"sigmoid"``: Φ then comes from certified smooth walks, and
        ``undecided`` counts the paths left undecided (not in Φ).
    networks
        Networks trained elsewhere, by name: each is measured instead of the
        grid (on the same seeded split, ``seeds[0]``); its row's ``name`` is the
        key, ``depth``/``width`` its own, and ``config_id`` covers its weights.
    track
        Epochs at which to measure folding during training (torch): Φ, the
        folded fraction, regions per path and the test accuracy, by
        :class:`~polyfold.tracking.FoldingTracker`, written to ``<out>_tracks.csv``
        (:func:`load_tracks`) with each row's ``config_id``.
    clusters, pairs, max_pairs, variant, exact
        Passed to :func:`~polyfold.globalfold.global_folding` on the training part.
    test_fraction
        The share held out for ``test_accuracy``.
    out
        A CSV file: every finished row is appended at once, and each trained
        network saved as ``.npz`` in the folder ``<out>_models`` beside it (the
        row's ``model``). A ``.parquet`` copy is written too when pandas and
        pyarrow are installed.
    resume
        Reuse the rows of ``out`` whose configuration (``config_id``) is this
        call's; others are kept in the file but not reused (a warning says so).
    progress
        One line per configuration on stderr (default: in a terminal).
    max_iter
        Training epochs (scikit-learn's ``max_iter``, torch's full-batch steps).
    executor
        Passed to :func:`~polyfold.globalfold.global_folding`.
    backend
        ``"sklearn"`` (``MLPClassifier``), ``"torch"`` (an ``nn.Sequential``
        trained with Adam, seeded) or ``"auto"``: torch when it is installed.
    threads
        Torch's CPU threads while training (1 by default: on small networks
        more threads are slower).
    time_budget
        Seconds: no new configuration is started once it has run out (the
        first always is); the rows finished are returned and saved, and a
        warning says how many are missing.

    Returns
    -------
    list of dict
        One row per configuration, columns ``FIELDS``, typed alike whether
        computed or resumed (``phi`` is the exact rational as a string, empty
        when no path folds; :func:`phi_value` gives the ``Fraction``;
        :func:`to_frame` a ``DataFrame``).

    Raises
    ------
    InvalidInputError
        For bad data or options, or an ``out`` written by an older polyfold
        with other columns.
    KeyboardInterrupt
        On Ctrl-C, after the rows finished are saved; a row being trained is
        never saved.
    """
    from sklearn.model_selection import train_test_split

    from . import __version__
    from .globalfold import global_folding
    from .phi import check_variant
    from .zoo import train_mlp

    if backend not in ("auto", "sklearn", "torch"):
        raise InvalidInputError(f"backend: expected 'auto', 'sklearn' or 'torch', got {backend!r}")
    check_variant(variant)
    threads = check_count(threads, "threads")
    max_iter = check_count(max_iter, "max_iter")
    if isinstance(exact, bool) is False:
        raise InvalidInputError(f"exact: expected True or False, got {exact!r}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)):
        raise InvalidInputError(
            f"test_fraction: expected a number in (0, 1), got {test_fraction!r}"
        )
    if not 0 < test_fraction < 1:
        raise InvalidInputError(
            f"test_fraction: expected a number in (0, 1), got {test_fraction!r}"
        )
    deadline = None
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    wanted = check_progress(progress)
    show = wanted if wanted is not None else bool(sys.stderr.isatty())  # rows take minutes
    if backend == "auto":
        import importlib.util

        backend = "torch" if importlib.util.find_spec("torch") is not None else "sklearn"
    if activation not in ACTIVATIONS:
        raise InvalidInputError(
            f"activation: expected one of {', '.join(ACTIVATIONS)}, got {activation!r}"
        )
    if activation != "relu" and backend != "torch":
        raise InvalidInputError(f"activation: {activation!r} needs backend='torch'")
    epochs_tracked = None if track is None else sorted({check_count(e, "track", 0) for e in track})
    if epochs_tracked is not None and backend != "torch":
        raise InvalidInputError("track: folding during training needs backend='torch'")
    x, y = load_data(data)
    norms = [normalization] if isinstance(normalization, str) else list(normalization)
    if not norms or any(n not in NORMALIZATIONS for n in norms):
        raise InvalidInputError(
            f"normalization: expected some of {', '.join(NORMALIZATIONS)}, got {normalization!r}"
        )
    if backend != "torch" and any(n != "none" for n in norms):
        raise InvalidInputError("normalization: batch-norm and dropout need backend='torch'")
    grid = [
        (d, w, s, nm, "")
        for d in _positive_ints(depths, "depths")
        for w in _positive_ints(widths, "widths")
        for s in check_seeds(seeds)
        for nm in norms
    ]
    if any(d < 1 or w < 1 for d, w, _, _, _ in grid):
        raise InvalidInputError("depths, widths: every network needs at least one unit per layer")
    given: dict[str, Any] = {}
    if networks is not None:
        from .network import Network

        if not isinstance(networks, dict) or not networks:
            raise InvalidInputError("networks: expected a non-empty dict of name -> Network")
        first_seed = check_seeds(seeds)[0]
        grid = []
        for name, net in networks.items():
            if not isinstance(name, str) or not name or not isinstance(net, Network):
                raise InvalidInputError("networks: expected a non-empty dict of name -> Network")
            given[name] = net
            digest = hashlib.sha256()
            for w, b in net.float_layers:
                digest.update(w.tobytes() + b.tobytes())
            tag = f"{name}@{digest.hexdigest()[:16]}"
            grid.append((net.depth, max(net.hidden_sizes), first_seed, "none", tag))
    config: dict[str, Any] = {
        "data": data
        if isinstance(data, str)
        else os.fspath(data)
        if isinstance(data, os.PathLike)
        else "arrays",
        "data_fingerprint": _fingerprint(x, y),
        "test_fraction": float(test_fraction),
        "activation": activation,
        "backend": backend,
        "max_iter": max_iter,
        "threads": threads if backend == "torch" else 1,
        "track": "" if epochs_tracked is None else " ".join(map(str, epochs_tracked)),
        "clusters": clusters,
        "pairs": pairs,
        "max_pairs": max_pairs,
        "variant": variant,
        "exact": exact,
        "version": __version__,
    }
    done: dict[str, dict[str, Any]] = {}
    other = 0
    if out is not None and resume and os.path.exists(out):
        with open(out, newline="") as existing:
            reader = csv.DictReader(existing)
            if reader.fieldnames is not None and list(reader.fieldnames) != FIELDS:
                raise InvalidInputError(
                    f"out: {os.fspath(out)!r} has other columns (written by another polyfold "
                    "version); pass another out= or resume=False to start it afresh"
                )
            for row in reader:
                done[row["config_id"]] = _typed(row)
        ids = {_config_id(config, *cell) for cell in grid}
        other = sum(1 for key in done if key not in ids)
        if other:
            warnings.warn(
                f"study: {other} rows in {os.fspath(out)!r} were measured under another "
                "configuration (data, split, training or folding parameters, or version); "
                "they stay in the file and are not reused",
                stacklevel=2,
            )
    rows: list[dict[str, Any]] = []
    writer = None
    handle: Any = None
    models = None
    if out is not None:
        fresh = not (resume and os.path.exists(out))
        handle = open(out, "w" if fresh else "a", newline="")
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if fresh:
            writer.writeheader()
        models = os.path.splitext(os.fspath(out))[0] + "_models"
    trained = 0  # configurations trained in this call (the first is never cut by the budget)
    try:
        for n, (depth, width, seed, norm, tag) in enumerate(grid, start=1):
            cid = _config_id(config, depth, width, seed, norm, tag)
            name = tag.split("@")[0]
            if cid in done:
                rows.append(done[cid])
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
            tracker = None
            x_tr, x_te, y_tr, y_te = train_test_split(
                x, y, test_size=test_fraction, random_state=seed
            )
            with _ctrl_c_guard() as pressed:
                if name:  # a network trained elsewhere: measured, not trained
                    net = given[name]
                    train_acc = _accuracy(net, x_tr, y_tr)
                    test_acc = _accuracy(net, x_te, y_te)
                elif backend == "torch":
                    tracker = None
                    if epochs_tracked is not None:
                        from .tracking import FoldingTracker

                        tracker = FoldingTracker(
                            x_tr, y_tr, epochs=epochs_tracked, X_test=x_te, y_test=y_te,
                            clusters=clusters, pairs=pairs, variant=variant, seed=seed,
                            max_pairs=max_pairs, exact=exact,
                        )  # fmt: skip
                    net, train_acc, test_acc = _train_torch(
                        x_tr, y_tr, x_te, y_te, depth, width, seed, max_iter, threads, norm,
                        activation, tracker,
                    )  # fmt: skip
                else:
                    clf, net = train_mlp(x_tr, y_tr, (width,) * depth, seed=seed, max_iter=max_iter)
                    train_acc = float(clf.score(x_tr, y_tr))
                    test_acc = float(clf.score(x_te, y_te))
            if pressed[0]:  # the trainer caught Ctrl-C and returned half-trained
                raise KeyboardInterrupt
            res = global_folding(
                net,
                x_tr,
                y_tr,
                clusters=clusters,
                pairs=pairs,
                variant=variant,
                exact=exact,
                seed=seed,
                max_pairs=max_pairs,
                executor=executor,
            )
            if res.interrupted:  # Ctrl-C inside the measurement: not a finished row
                raise KeyboardInterrupt
            model = ""
            if models is not None:
                os.makedirs(models, exist_ok=True)
                stem = name or f"depth{depth}_width{width}_seed{seed}_{norm}"
                file = f"{stem}_{cid}.npz".replace("+", "-").replace(os.sep, "-")
                model = os.path.join(os.path.basename(models), file)
                net.save(os.path.join(os.path.dirname(os.path.abspath(out or "")), model))
            row = {
                "name": name,
                "depth": depth,
                "width": width,
                "seed": seed,
                "normalization": norm,
                **config,
                "config_id": cid,
                "train_accuracy": train_acc,
                "test_accuracy": test_acc,
                "phi": "" if res.phi is None else str(res.phi),
                "phi_float": float(res.phi) if res.phi is not None else float("nan"),
                "fraction_folded": str(res.fraction_folded),
                "mean_regions": float(np.mean(res.regions)),
                "paths": res.n_paths,
                "undecided": 0 if res.undecided is None else len(res.undecided),
                "seconds": time.perf_counter() - start,
                "model": model,
            }
            rows.append(row)
            if writer is not None and handle is not None:
                writer.writerow(row)
                handle.flush()
                if tracker is not None and out is not None:
                    _append_tracks(out, cid, tracker.rows)
            if show:
                print(
                    f"\r[{n}/{len(grid)}] depth {depth} width {width} seed {seed} {norm}: "
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
    threads: int = 1,
    norm: str = "none",
    activation: str = "relu",
    tracker: Any = None,
) -> tuple[Any, float, float]:
    """A ReLU MLP trained full-batch with Adam on the CPU (seeded, with ``threads`` torch
    threads, restored afterwards), imported exactly."""
    import torch
    from torch import nn

    from .interop.torch import from_torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        classes = np.unique(y_tr)
        index = {c: i for i, c in enumerate(classes)}
        dims = [x_tr.shape[1], *[width] * depth]
        parts: list[Any] = []
        for a, b in zip(dims[:-1], dims[1:]):
            parts.append(nn.Linear(a, b))
            if "batchnorm" in norm:
                parts.append(nn.BatchNorm1d(b))
            parts.append(
                {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU}.get(
                    activation, nn.Sigmoid
                )()
            )
            if "dropout" in norm:
                parts.append(nn.Dropout(0.2))
        model = nn.Sequential(*parts, nn.Linear(dims[-1], len(classes)))
        xt = torch.tensor(x_tr, dtype=torch.float32)
        yt = torch.tensor([index[c] for c in y_tr])
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        for epoch in range(epochs + 1):
            if tracker is not None:
                tracker(model, epoch)  # before this epoch's step: epoch 0 is the start
            if epoch == epochs:
                break
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt), yt)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pred_tr = classes[model(xt).argmax(1).numpy()]
            pred_te = classes[model(torch.tensor(x_te, dtype=torch.float32)).argmax(1).numpy()]
    finally:
        torch.set_num_threads(before)
    return from_torch(model), float(np.mean(pred_tr == y_tr)), float(np.mean(pred_te == y_te))


TRACK_FIELDS = [
    "config_id",
    "epoch",
    "phi",
    "phi_float",
    "fraction_folded",
    "mean_regions",
    "accuracy",
]


def _tracks_path(out: str | os.PathLike[str]) -> str:
    return os.path.splitext(os.fspath(out))[0] + "_tracks.csv"


def _append_tracks(out: str | os.PathLike[str], cid: str, rows: list[dict[str, Any]]) -> None:
    path = _tracks_path(out)
    fresh = not os.path.exists(path)
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TRACK_FIELDS)
        if fresh:
            writer.writeheader()
        for r in rows:
            writer.writerow({"config_id": cid, **r})


def load_tracks(out: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows a study with ``track=`` wrote beside ``out``: folding by epoch, typed.

    Parameters
    ----------
    out
        The study's output file.

    Returns
    -------
    list of dict
    """
    path = _tracks_path(out)
    if not os.path.exists(path):
        raise InvalidInputError(f"out: no tracks beside {os.fspath(out)!r} (run with track=)")
    with open(path, newline="") as handle:
        return [
            {
                "config_id": r["config_id"],
                "epoch": int(r["epoch"]),
                "phi": r["phi"],
                "phi_float": float(r["phi_float"]),
                "fraction_folded": float(r["fraction_folded"]),
                "mean_regions": float(r["mean_regions"]),
                "accuracy": float(r["accuracy"]),
            }
            for r in csv.DictReader(handle)
        ]


def _accuracy(net: Any, x: np.ndarray, y: np.ndarray) -> float:
    """The share of rows whose largest output is their label (labels as output indices)."""
    classes = np.unique(y)
    scores = net.forward(x)
    if scores.shape[1] == len(classes):  # labels map to outputs in sorted order
        return float(np.mean(classes[scores.argmax(axis=1)] == y))
    return float(np.mean(scores.argmax(axis=1) == y))


def _parquet_copy(out: str | os.PathLike[str]) -> None:
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        return
    pd.read_csv(out).to_parquet(os.path.splitext(os.fspath(out))[0] + ".parquet")


def phi_value(row: dict[str, Any]) -> Fraction | None:
    """The exact Φ of a study row (``None`` when no path folded).

    Parameters
    ----------
    row
        A study row.

    Returns
    -------
    fractions.Fraction or None

    Examples
    --------
    >>> phi_value({"phi": "3/10"}), phi_value({"phi": ""})
    (Fraction(3, 10), None)
    """
    return Fraction(row["phi"]) if row["phi"] not in ("", None) else None
