r"""Folding during training: Φ, the folded fraction, regions per path and accuracy by epoch.

A :class:`FoldingTracker` is called from a user's own torch training loop at
the epochs it is asked for; each call imports the model as it is then
(exactly, :func:`~polyfold.interop.torch.from_torch`), measures
:func:`~polyfold.globalfold.global_folding` on the same data with the same centroids'
recipe, and records a row. The deck: "On CIFAR100, we observed a steady
increase in global folding during the training process."

>>> import torch
>>> from torch import nn
>>> X, y = __import__("polyfold").datasets.moons(60)
>>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
>>> tracker = FoldingTracker(X, y, epochs=[0, 2], clusters=2)
>>> for epoch in range(3):
...     _ = tracker(model, epoch)  # before the epoch's steps: epochs 0 and 2 are measured
>>> [row["epoch"] for row in tracker.rows]
[0, 2]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import InvalidInputError, check_count
from .phi import check_variant, labelled_points

__all__ = ["FoldingTracker"]


class FoldingTracker:
    """Record global folding of a torch model at chosen epochs of its training.

    Parameters
    ----------
    X, y
        The data Φ is measured on (and the accuracy, unless ``X_test``).
    epochs
        The epochs to measure at (an iterable of integers), or ``every=k``.
    every
        Measure at every ``k``-th epoch (0, k, 2k, …) when ``epochs`` is None.
    X_test, y_test
        Where the accuracy is measured (default: ``X, y``).
    input_shape
        For convolutional models: one input's shape without the batch axis
        (rows of ``X`` are flattened inputs).
    keep_networks
        Keep each measured epoch's exact network in ``networks``.
    clusters, pairs, variant, seed, max_pairs, exact
        Passed to :func:`~polyfold.globalfold.global_folding`.

    Attributes
    ----------
    rows
        One dict per measured epoch: ``epoch``, ``phi`` (exact, a string, empty
        when nothing folds), ``phi_float``, ``fraction_folded``, ``mean_regions``,
        ``accuracy``.
    networks
        Epoch → :class:`~polyfold.network.Network`, with ``keep_networks``.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        *,
        epochs: Iterable[int] | None = None,
        every: int = 1,
        X_test: Any = None,
        y_test: Any = None,
        input_shape: tuple[int, ...] | None = None,
        keep_networks: bool = False,
        clusters: int | None = 5,
        pairs: str = "between",
        variant: str = "deck",
        seed: int = 0,
        max_pairs: int | None = None,
        exact: bool = True,
    ) -> None:
        check_variant(variant)
        self.every = check_count(every, "every")
        self.epochs = None if epochs is None else {check_count(e, "epochs", 0) for e in epochs}
        self.x = np.asarray(X, dtype=np.float64)
        self.y = np.asarray(y)
        if self.x.ndim != 2 or self.y.shape != (self.x.shape[0],):
            raise InvalidInputError("X, y: expected a 2-D X and one label per row")
        if (X_test is None) != (y_test is None):
            raise InvalidInputError("X_test, y_test: give both or neither")
        self.x_test = self.x if X_test is None else np.asarray(X_test, dtype=np.float64)
        self.y_test = self.y if y_test is None else np.asarray(y_test)
        self.input_shape = input_shape
        self.keep_networks = bool(keep_networks)
        self.options: dict[str, Any] = {
            "clusters": clusters,
            "pairs": pairs,
            "variant": variant,
            "seed": seed,
            "max_pairs": max_pairs,
            "exact": exact,
        }
        self.rows: list[dict[str, Any]] = []
        self.networks: dict[int, Any] = {}

    def wants(self, epoch: int) -> bool:
        """Whether ``epoch`` is one to measure.

        Parameters
        ----------
        epoch
            The epoch (0-based).

        Returns
        -------
        bool
        """
        if self.epochs is not None:
            return epoch in self.epochs
        return epoch % self.every == 0

    def __call__(self, model: Any, epoch: int) -> dict[str, Any] | None:
        """Measure ``model`` if ``epoch`` is wanted; returns the row (None otherwise)."""
        epoch = check_count(epoch, "epoch", 0)
        if not self.wants(epoch):
            return None
        import torch

        from .globalfold import global_folding
        from .interop.torch import from_torch

        net = from_torch(model, input_shape=self.input_shape)
        labelled_points(net, self.x, self.y)  # the data fits the model: a clear error if not
        res = global_folding(net, self.x, self.y, **self.options)
        was_training = model.training
        model.eval()
        with torch.no_grad():
            batch = torch.tensor(self.x_test, dtype=torch.float32)
            if self.input_shape is not None:
                batch = batch.reshape(-1, *self.input_shape)
            scores = model(batch).numpy()
        model.train(was_training)
        classes = np.unique(self.y)
        accuracy = float(np.mean(classes[scores.argmax(axis=1)] == self.y_test))
        row = {
            "epoch": epoch,
            "phi": "" if res.phi is None else str(res.phi),
            "phi_float": float("nan") if res.phi is None else float(res.phi),
            "fraction_folded": float(res.fraction_folded),
            "mean_regions": float(np.mean(res.regions)),
            "accuracy": accuracy,
        }
        self.rows.append(row)
        if self.keep_networks:
            self.networks[epoch] = net
        return row
