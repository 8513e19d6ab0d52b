"""Folding by layers: χ with the bits of some hidden layers, against walks of the same
network whose pattern holds only those layers."""

from __future__ import annotations

import numpy as np
import pytest

import polyfold as pf
from polyfold.layers import chi_by_layers, layer_folding, layer_subsets


def _chain(depth: int) -> pf.Network:
    return pf.Network.from_layers([([[1]], [0])] * (depth + 1))


def test_layer_subsets_by_hand():
    assert layer_subsets(_chain(1)) == [(0,)]
    assert layer_subsets(_chain(2)) == [(0,), (1,), (0, 1)]
    assert layer_subsets(_chain(3)) == [(0,), (1,), (2,), (0, 1), (0, 1, 2)]


@pytest.mark.parametrize("seed", range(4))
def test_chi_by_layers_is_the_walk_of_the_restricted_pattern(seed):
    net = pf.zoo.random_network([2, 6, 5, 4, 1], seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        a, b = rng.uniform(-2, 2, size=(2, 2))
        path = pf.walk(net, a, b)
        got = chi_by_layers(path, net, [(0,), (1,), (2,), (0, 2), (0, 1, 2)])
        for subset, chi in got.items():
            restricted = net.with_options(pattern_layers=list(subset))
            assert chi == pf.walk(restricted, a, b).chi, subset


def test_layer_folding_of_all_layers_is_global_folding():
    X, y = pf.datasets.moons(24, seed=2)
    net = pf.zoo.random_network([2, 8, 8, 2], seed=5)
    res = layer_folding(net, X, y, clusters=None, max_pairs=40, seed=1)
    whole = pf.global_folding(net, X, y, clusters=None, max_pairs=40, seed=1)
    full = res.subsets.index((0, 1))
    assert res.phi[full] == whole.phi and res.chi[full] == whole.chi
    assert res.fraction_folded[full] == whole.fraction_folded
    rows = res.table()
    assert [r["layers"] for r in rows] == ["layer 1", "layer 2", "layers 1-2"]


def test_bad_subsets_and_paths():
    net = _chain(2)
    path = pf.walk(net, [-1], [1])
    for bad in ([(2,)], [(-1,)], [()]):
        with pytest.raises(pf.InvalidInputError, match="outside the pattern's layers"):
            chi_by_layers(path, net, bad)
    with pytest.raises(pf.InvalidInputError, match="subsets: expected tuples"):
        chi_by_layers(path, net, [1])
    with pytest.raises(pf.InvalidInputError, match="subsets: expected an integer index"):
        chi_by_layers(path, net, [(0.5,)])
    with pytest.raises(pf.InvalidInputError, match="path: patterns of 3 bits"):
        chi_by_layers(pf.walk(_chain(3), [-1], [1]), net)
    with pytest.raises(pf.InvalidInputError, match="outside the pattern's layers"):
        layer_folding(net, [[0.0], [1.0]], [0, 1], clusters=None, subsets=[(5,)])
