r"""Folding layer by layer: χ and Φ with the bits of one layer, or of the first ``k`` layers.

The slide deck: "consider a subset of layers – different underlying
tessellation". Restricting a pattern to a subset ``S`` of the hidden layers
gives a coarser tessellation (the regions of ``S``'s units only); a path's
pattern sequence under ``S`` is its full sequence with the other bits dropped
and consecutive repeats merged, so one exact walk per segment serves every
subset. :func:`layer_folding` reports, for each single layer and each prefix
``{1, …, k}``, Φ and the fraction of folded paths over the same segments as
:func:`~polyfold.globalfold.global_folding` (its centroids, pairs and variants).

Reference: M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*,
TMLR 2025, arXiv:2502.09954.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import InvalidInputError, check_flag, check_index
from .folding import as_patterns, chi, dedupe
from .globalfold import centroid_segments
from .network import Network
from .phi import FoldingAggregate
from .walks import walk_many

__all__ = ["LayerFolding", "chi_by_layers", "layer_folding", "layer_subsets"]


def layer_subsets(net: Network) -> list[tuple[int, ...]]:
    """Each hidden layer alone, then each prefix of two or more layers (0-based).

    Parameters
    ----------
    net
        The network.

    Returns
    -------
    list of tuple of int

    Examples
    --------
    >>> layer_subsets(Network.from_layers([([[1]], [0]), ([[1]], [0]), ([[1]], [0]), ([[1]], [0])]))
    [(0,), (1,), (2,), (0, 1), (0, 1, 2)]
    """
    depth = net.depth
    return [(i,) for i in range(depth)] + [tuple(range(k)) for k in range(2, depth + 1)]


def _columns(net: Network, subset: tuple[int, ...]) -> np.ndarray:
    layer_of = np.array([net.neuron(k)[0] for k in range(net.n_bits)], dtype=np.int64)
    return np.flatnonzero(np.isin(layer_of, subset))


def chi_by_layers(path: Any, net: Network, subsets: Any = None) -> dict[tuple[int, ...], Fraction]:
    """χ of one walked path with the bits of each subset of layers (default: :func:`layer_subsets`).

    Parameters
    ----------
    path
        A walked path of ``net`` (or its patterns).
    net
        The network.
    subsets
        Tuples of 0-based hidden layers.

    Returns
    -------
    dict
        χ per subset, exactly.

    Raises
    ------
    InvalidInputError
        For a subset naming a layer outside the pattern, or a path of another
        pattern length.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [1]], [0, "-1/2"]), ([[1, -2]], ["-1/4"]), ([[1]], [0])])
    >>> from polyfold import walk
    >>> chi_by_layers(walk(net, [0.125], [0.875]), net)
    {(0,): Fraction(0, 1), (1,): Fraction(1, 2), (0, 1): Fraction(1, 3)}
    """
    chosen = _chosen(net, subsets)
    patterns = as_patterns(path, "path")
    if patterns.shape[1] != net.n_bits:
        raise InvalidInputError(
            f"path: patterns of {patterns.shape[1]} bits, but net's have {net.n_bits}"
        )
    return {s: chi(dedupe(patterns[:, _columns(net, s)])) for s in chosen}


def _chosen(net: Network, subsets: Any) -> list[tuple[int, ...]]:
    """The subsets of layers asked for (default :func:`layer_subsets`), checked."""
    if subsets is None:
        return layer_subsets(net)
    chosen = []
    for s in subsets:
        try:
            subset = tuple(check_index(i, "subsets") for i in s)
        except TypeError as exc:
            raise InvalidInputError(f"subsets: expected tuples of layers, got {s!r}") from exc
        if not subset or any(i not in net.pattern_layers for i in subset):
            raise InvalidInputError(
                f"subsets: {subset} names a layer outside the pattern's layers {net.pattern_layers}"
            )
        chosen.append(subset)
    return chosen


@dataclass(frozen=True, eq=False)
class LayerFolding:
    """Φ and the folded fraction per subset of layers, over one set of segments.

    ``subsets[i]`` (0-based hidden layers) has ``phi[i]`` (``None`` when no
    path folds under it), ``fraction_folded[i]`` and ``chi[i]`` (one χ per
    segment, in the order of ``pairs``, rows of ``centroids``). ``full`` is the
    index of the subset of all layers (the network's own Φ).

    Attributes
    ----------
    subsets : list of tuple of int
    phi : list
        Φ per subset (``None`` when nothing folds).
    fraction_folded : list of fractions.Fraction
    chi : list of list of fractions.Fraction
    pairs, centroids, centroid_labels : numpy.ndarray
        The segments, as in :class:`~polyfold.globalfold.GlobalFolding`.
    variant : str
        The Φ variant.
    """

    subsets: list[tuple[int, ...]]
    phi: list[Fraction | None]
    fraction_folded: list[Fraction]
    chi: list[list[Fraction]]
    pairs: np.ndarray
    centroids: np.ndarray
    centroid_labels: np.ndarray
    variant: str

    def label(self, i: int) -> str:
        """``"layer 2"`` or ``"layers 1-3"`` (1-based, as a reader counts).

        Parameters
        ----------
        i
            The index of a subset.

        Returns
        -------
        str
        """
        s = self.subsets[i]
        return f"layer {s[0] + 1}" if len(s) == 1 else f"layers 1-{s[-1] + 1}"

    def table(self) -> list[dict[str, Any]]:
        """One row per subset: label, Φ (exact, as a string), its float, the folded fraction.

        Returns
        -------
        list of dict
        """
        rows = []
        for i, phi in enumerate(self.phi):
            rows.append(
                {
                    "layers": self.label(i),
                    "phi": "" if phi is None else str(phi),
                    "phi_float": float("nan") if phi is None else float(phi),
                    "fraction_folded": float(self.fraction_folded[i]),
                }
            )
        return rows


def layer_folding(
    net: Network,
    X: Any,
    y: Any,
    *,
    clusters: int | None = 10,
    pairs: str = "between",
    variant: str = "deck",
    ordered: bool | None = None,
    seed: int = 0,
    max_pairs: int | None = None,
    subsets: Any = None,
    exact: bool = True,
) -> LayerFolding:
    """Φ with each layer's bits alone and with each prefix of layers, on the same segments.

    Parameters
    ----------
    net
        A network with at least one hidden layer in its pattern.
    X, y, clusters, pairs, variant, ordered, seed, max_pairs, exact
        As for :func:`~polyfold.globalfold.global_folding`: the same centroids and pairs,
        walked once each.
    subsets
        Which subsets of hidden layers (0-based tuples); default
        :func:`layer_subsets` (each layer, then each prefix of two or more).

    Returns
    -------
    LayerFolding
        Φ, the folded fraction and every segment's χ per subset.

    Raises
    ------
    InvalidInputError
        For a subset naming a layer the network does not have or that is not in
        its pattern, and for anything :func:`~polyfold.globalfold.global_folding` refuses.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [1]], [0, "-1/2"]), ([[1, -2]], ["-1/4"]), ([[1]], [0])])
    >>> res = layer_folding(net, [[0.125], [0.875]], [0, 1], clusters=None)
    >>> [(res.label(i), res.phi[i]) for i in range(len(res.subsets))]
    [('layer 1', None), ('layer 2', Fraction(1, 2)), ('layers 1-2', Fraction(1, 3))]
    """
    check_flag(exact, "exact")
    chosen = _chosen(net, subsets)
    centres, centre_labels, todo = centroid_segments(
        net, X, y, clusters=clusters, pairs=pairs, variant=variant, ordered=ordered, seed=seed,
        max_pairs=max_pairs,
    )  # fmt: skip
    paths = walk_many(net, centres[todo[:, 0]], centres[todo[:, 1]], exact=exact)
    chis = [[chi(dedupe(p.patterns[:, _columns(net, s)])) for p in paths] for s in chosen]
    keys = [(centre_labels[a].item(), centre_labels[b].item()) for a, b in todo]
    phis, folded = [], []
    for values in chis:
        agg = FoldingAggregate().add_many((a, b, c) for (a, b), c in zip(keys, values))
        phis.append(agg.phi(variant))
        folded.append(agg.fraction_folded)
    return LayerFolding(chosen, phis, folded, chis, todo, centres, centre_labels, variant)
