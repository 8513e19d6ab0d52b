"""The slides' "Transformer – fcnn after the attention head": folding of a transformer's MLP
along segments between the inputs the attention block hands it."""

from __future__ import annotations

import numpy as np
import pytest

import polyfold as pf
from polyfold.interop.torch import layer_inputs, transformer_mlp

torch = pytest.importorskip("torch")
nn = torch.nn


def _block(activation: str) -> tuple[object, object]:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(
        d_model=8,
        nhead=2,
        dim_feedforward=16,
        dropout=0.0,
        activation=activation,
        batch_first=True,
    ).double()
    tokens = torch.randn(3, 5, 8, dtype=torch.float64)  # 3 sequences of 5 tokens
    return layer, tokens


def test_the_mlp_block_is_the_one_the_layer_runs():
    layer, tokens = _block("gelu")
    x = layer_inputs(layer, layer.linear1, tokens)
    assert x.shape == (15, 8)  # every position of every sequence
    mlp = transformer_mlp(layer)
    net = pf.from_torch(mlp)
    assert net.provenance["verified"] and [a.name for a in net.activations] == ["gelu"]
    with torch.no_grad():
        ref = layer.linear2(torch.nn.functional.gelu(layer.linear1(torch.tensor(x)))).numpy()
    assert np.max(np.abs(net.forward(x) - ref)) < 1e-12
    assert mlp[0] is layer.linear1 and mlp[2] is layer.linear2  # the same parameters


def test_gelu_mlp_folding_by_the_smooth_walk():
    layer, tokens = _block("gelu")
    x = layer_inputs(layer, layer.linear1, tokens)
    net = pf.from_torch(transformer_mlp(layer))
    for i, j in ((0, 7), (3, 12)):
        sp = pf.smooth_walk(net, x[i], x[j])
        assert sp.certified
        assert 0 <= sp.chi < 1
        # between consecutive certified crossings the units' signs are the walk's patterns
        ends = [0.0, *(float(v) for c in sp.crossings for v in (c.lo, c.hi)), 1.0]
        mids = [(a + b) / 2 for a, b in zip(ends[0::2], ends[1::2])]
        pts = np.array([x[i] + t * (x[j] - x[i]) for t in mids])
        z = net.preactivations(pts)[0]
        assert np.array_equal(z > 0, sp.patterns)


def test_relu_mlp_folding_by_the_exact_walk():
    layer, tokens = _block("relu")
    x = layer_inputs(layer, layer.linear1, tokens)
    net = pf.from_torch(transformer_mlp(layer))
    path = pf.walk(net, x[0], x[9])
    assert path.certified and path.exact
    assert path.chi == pf.walk(net.to_dense(), x[0], x[9]).chi
    assert pf.chi_sampled(net, x[0], x[9], n=2) <= 1


def test_bad_input():
    with pytest.raises(pf.InvalidInputError, match="linear1"):
        transformer_mlp(nn.Linear(2, 2))
    layer, tokens = _block("relu")
    with pytest.raises(pf.InvalidInputError, match="did not run"):
        layer_inputs(layer, nn.Linear(8, 8), tokens)
