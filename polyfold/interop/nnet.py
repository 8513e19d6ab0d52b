"""The ``.nnet`` text format (Reluplex, Marabou, the ACAS Xu distribution).

Layout after ``//`` comment lines: ``numLayers, inputSize, outputSize,
maxLayerSize``; the layer sizes; an unused flag; the inputs' minima and maxima;
means and ranges (inputs, then one for the outputs); then, layer by layer, the
weight rows and the biases. The model clips inputs to ``[min, max]``,
normalises them to ``(x − mean)/range`` and de-normalises the outputs to
``y · range + mean``. Both normalisations are affine and are folded exactly
into the first and last layers (the decimal numbers are read as exact
rationals); clipping is not, so the imported network equals the model on the
box ``[min, max]``, which ``net.provenance["domain"]`` holds.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidInputError, parse_rational
from ..network import Network

__all__ = ["load_nnet"]


def _numbers(line: str, lineno: int, name: str) -> list[Fraction]:
    try:
        return [parse_rational(v, name) for v in line.split(",") if v.strip()]  # type: ignore[misc]
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"{name}: line {lineno}: expected comma-separated numbers ({exc})"
        ) from exc


def load_nnet(path: str | os.PathLike[str], *, verify: int = 64, seed: int = 0) -> Network:
    """Read a ``.nnet`` file as an exact :class:`~polyfold.network.Network` (ReLU hidden layers).

    ``net.provenance`` records the input box on which the network equals the
    file's model and, with ``verify > 0``, the largest difference from a direct
    evaluation of the file's model (with its clipping) at random points of it.

    Parameters
    ----------
    path
        The ``.nnet`` file.
    verify
        How many random points to check against the file's model (0: none).
    seed
        The random seed of those points.

    Returns
    -------
    Network

    Raises
    ------
    InvalidInputError
        When the file cannot be read or is not a valid ``.nnet`` model.
    """
    name = os.fspath(path)
    try:
        with open(name) as handle:
            raw = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"path: cannot read {name!r}: {exc}") from exc
    lines = [(i + 1, ln) for i, ln in enumerate(raw) if ln.strip() and not ln.startswith("//")]
    pos = 0

    def take(count: int | None, what: str) -> list[Fraction]:
        nonlocal pos
        if pos >= len(lines):
            raise InvalidInputError(f"path: {name!r} ends early, expected {what}")
        lineno, text = lines[pos]
        pos += 1
        values = _numbers(text, lineno, "path")
        if count is not None and len(values) != count:
            raise InvalidInputError(
                f"path: line {lineno}: expected {count} values ({what}), got {len(values)}"
            )
        return values

    head = take(4, "numLayers, inputSize, outputSize, maxLayerSize")
    if any(v.denominator != 1 or v < 1 for v in head):
        raise InvalidInputError(f"path: {name!r}: the header must hold four positive integers")
    n_layers, n_in, n_out = (int(v) for v in head[:3])
    sizes = [int(v) for v in take(n_layers + 1, "layer sizes")]
    if sizes[0] != n_in or sizes[-1] != n_out or min(sizes) < 1:
        raise InvalidInputError(f"path: {name!r}: layer sizes {sizes} do not match the header")
    if n_layers < 2:
        raise InvalidInputError(f"path: {name!r}: polyfold needs at least one hidden layer")
    take(None, "the unused flag")
    lo = take(n_in, "input minima")
    hi = take(n_in, "input maxima")
    means = take(n_in + 1, "means")
    ranges = take(n_in + 1, "ranges")
    if any(r == 0 for r in ranges):
        raise InvalidInputError(f"path: {name!r}: a normalisation range is zero")
    layers = []
    for n_prev, n_next in zip(sizes[:-1], sizes[1:]):
        w = np.array([take(n_prev, "a weight row") for _ in range(n_next)], dtype=object)
        b = np.array([take(1, "a bias")[0] for _ in range(n_next)], dtype=object)
        layers.append((w, b))
    if pos != len(lines):
        raise InvalidInputError(f"path: {name!r} has {len(lines) - pos} lines after the last bias")
    raw_layers = [(w.copy(), b.copy()) for w, b in layers]
    # fold (x - mean) / range into the first layer and y * range + mean into the last
    w1, b1 = layers[0]
    scale = np.array(ranges[:n_in], dtype=object)
    shift = np.array(means[:n_in], dtype=object)
    layers[0] = (w1 / scale, b1 - (w1 / scale).dot(shift))
    wl, bl = layers[-1]
    layers[-1] = (wl * ranges[n_in], bl * ranges[n_in] + means[n_in])
    net = Network.from_layers(layers)
    report: dict[str, Any] = {"source": name, "format": "nnet", "domain": (lo, hi)}
    if verify:
        rng = np.random.default_rng(seed)
        lo_f, hi_f = np.array(lo, dtype=float), np.array(hi, dtype=float)
        x = lo_f + (hi_f - lo_f) * rng.random((verify, n_in))
        theirs = _evaluate_nnet(raw_layers, lo_f, hi_f, means, ranges, x)
        err = float(np.max(np.abs(net.forward(x) - theirs)))
        report.update(
            verified=err <= 1e-9 * (1 + float(np.max(np.abs(theirs)))),
            max_abs_error=err,
            inputs_checked=verify,
        )
    net.provenance = report
    return net


def _evaluate_nnet(
    layers: list[tuple[np.ndarray, np.ndarray]],
    lo: np.ndarray,
    hi: np.ndarray,
    means: list[Fraction],
    ranges: list[Fraction],
    x: np.ndarray,
) -> np.ndarray:
    """The file's model, directly: clip, normalise, ReLU layers, de-normalise (float64)."""
    n_in = len(lo)
    mean = np.array(means, dtype=float)
    rng = np.array(ranges, dtype=float)
    h = (np.clip(x, lo, hi) - mean[:n_in]) / rng[:n_in]
    for i, (w, b) in enumerate(layers):
        h = h @ np.array(w, dtype=float).T + np.array(b, dtype=float)
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return h * rng[n_in] + mean[n_in]
