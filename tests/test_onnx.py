from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

import polyfold as pf

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

DATA = Path(__file__).parent / "data"
ACAS = sorted(DATA.glob("ACASXU_*.onnx"))


@pytest.mark.parametrize("path", ACAS, ids=[p.name for p in ACAS])
def test_acasxu_imports_and_matches_onnxruntime(path):
    net = pf.from_onnx(path)
    assert net.hidden_sizes == (50,) * 6 and net.n_inputs == 5 and net.n_outputs == 5
    assert net.provenance["verified"] and net.provenance["max_abs_error"] < 1e-4


def test_acasxu_walks_and_slices():
    net = pf.from_onnx(ACAS[0])
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-0.5, 0.5, size=(2, 20, 5))
    fast = pf.walk_many(net, a, b, exact=False)
    exact = pf.walk_many(net, a[:5], b[:5])
    for p, q in zip(fast[:5], exact):
        assert p.undecided or np.array_equal(p.patterns, q.patterns)
    chis = [p.chi for p in fast]
    assert all(0 <= c < 1 for c in chis)
    corners = rng.uniform(-0.3, 0.3, size=(3, 5))
    small = pf.Slice.through(*(corners.mean(0) + 0.2 * (corners - corners.mean(0))))
    G = pf.region_graph(net, small)  # exact
    assert sum(d["area"] for _, d in G.nodes(data=True)) == F(1, 2)
    for key, data in G.nodes(data=True):
        assert pf.regions.pattern_key(net.pattern(data["witness"], exact=True)) == key
    assert set(pf.region_graph(net, small, exact=False).nodes) == set(G.nodes)
    large = pf.region_graph(net, pf.Slice.through(*corners), exact=False)
    assert len(large) > 1000


def _as_onnx_array(v):
    """Integer arrays (shapes) stay int64; everything else becomes float32, as exporters write."""
    arr = np.asarray(v)
    return arr.astype(np.int64) if arr.dtype.kind in "iu" else arr.astype(np.float32)


def _model(nodes, inits, shape_in, n_out, path):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape_in)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n_out])],
        [numpy_helper.from_array(_as_onnx_array(v), k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def test_every_supported_operator(tmp_path):
    # x (1x2x1) -> Reshape -> Sub(c - x) -> Gemm(transB, alpha 2, beta 1/2) -> BatchNorm
    # -> LeakyRelu(1/4) -> Identity -> MatMul -> Add -> Relu -> Flatten -> MatMul -> y
    w1 = np.array([[1.0, -2.0], [0.5, 1.0], [0.0, 3.0]])  # Gemm B with transB: (out, in)
    inits = {
        "shape": np.array([1, 2]),
        "c": np.array([0.5, -1.0]),
        "B": w1,
        "C": np.array([1.0, 0.0, -2.0]),
        "scale": np.array([2.0, 1.0, 0.5]),
        "bias": np.array([0.0, 1.0, -1.0]),
        "mean": np.array([1.0, 0.0, 0.0]),
        "var": np.array([3.0, 0.0, 1.0]),
        "W2": np.ones((3, 2)),
        "b2": np.array([0.25, -0.5]),
        "W3": np.array([[1.0], [-1.0]]),
    }
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["r"]),
        helper.make_node("Sub", ["c", "r"], ["s"]),
        helper.make_node("Gemm", ["s", "B", "C"], ["g"], transB=1, alpha=2.0, beta=0.5),
        helper.make_node(
            "BatchNormalization", ["g", "scale", "bias", "mean", "var"], ["bn"], epsilon=1.0
        ),
        helper.make_node("LeakyRelu", ["bn"], ["l"], alpha=0.25),
        helper.make_node("Identity", ["l"], ["i"]),
        helper.make_node("MatMul", ["i", "W2"], ["m"]),
        helper.make_node("Add", ["m", "b2"], ["a"]),
        helper.make_node("Relu", ["a"], ["h"]),
        helper.make_node("Flatten", ["h"], ["f"], axis=1),
        helper.make_node("MatMul", ["f", "W3"], ["y"]),
    ]
    path = _model(nodes, inits, [1, 2, 1], 1, tmp_path / "all.onnx")
    net = pf.from_onnx(path)
    assert net.provenance["verified"], net.provenance
    assert [a.name for a in net.activations] == ["leaky_relu", "relu"]
    assert net.activations[0].slope == F(1, 4)
    # first layer by hand: bn(2 B (c - x) + C/2), bn(v) = scale (v - mean) / sqrt(var + 1) + bias
    (w, b), *_ = net.exact_weights
    factor = [F(2) / 2, F(1) / 1, F(1, 2) / F(np.sqrt(2.0))]
    assert w[0, 0] == factor[0] * 2 * -1 and b[0] == factor[0] * (
        2 * (F(1, 2) * 1 + 1 * 2) + F(1, 2) - 1
    )


def test_skip_connection_becomes_linear_units(tmp_path):
    # y = relu(x W) + x W: the identity branch is carried by linear units without bits
    skip = _model(
        [
            helper.make_node("MatMul", ["x", "W"], ["m"]),
            helper.make_node("Relu", ["m"], ["h"]),
            helper.make_node("Add", ["h", "m"], ["y"]),
        ],
        {"W": np.array([[1.0, 2.0], [-1.0, 0.5]])},
        [1, 2],
        2,
        tmp_path / "skip.onnx",
    )
    net = pf.from_onnx(skip)
    assert net.provenance["verified"] and net.provenance["linear_units"] == 2
    assert net.hidden_sizes == (4,) and net.n_bits == 2
    x = [F(1), F(-3)]  # x W = (4, 0.5): both units on, y = 2 x W
    assert list(net.forward(x, exact=True)) == [8, 1]


def test_convolution_pooling_concat_transpose_against_onnxruntime(tmp_path):
    rng = np.random.default_rng(3)
    inits = {
        "K": rng.normal(size=(3, 1, 3, 3)),
        "kb": rng.normal(size=3),
        "K2": rng.normal(size=(2, 3, 1, 1)),
        "perm_shape": np.array([1, -1]),
        "W": rng.normal(size=(3 * 2 * 2 + 2 * 4 * 4 + 3 * 2 * 2, 3)),
        "s": np.array([0.5]),
    }
    nodes = [
        helper.make_node("Conv", ["x", "K", "kb"], ["c"], pads=[1, 1, 1, 1]),  # 3x4x4
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["mp"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["r", "K2"], ["c2"]),  # 2x4x4
        helper.make_node("Mul", ["c2", "s"], ["c3"]),
        helper.make_node(
            "AveragePool", ["r"], ["ap"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]
        ),
        helper.make_node("Transpose", ["ap"], ["t"], perm=[0, 1, 3, 2]),
        helper.make_node("Reshape", ["mp", "perm_shape"], ["f1"]),
        helper.make_node("Reshape", ["c3", "perm_shape"], ["f2"]),
        helper.make_node("Reshape", ["t", "perm_shape"], ["f3"]),
        helper.make_node("Concat", ["f1", "f2", "f3"], ["cat"], axis=1),
        helper.make_node("Tanh", ["cat"], ["th"]),
        helper.make_node("MatMul", ["th", "W"], ["y"]),
    ]
    path = _model(nodes, inits, [1, 1, 4, 4], 3, tmp_path / "cnn.onnx")
    net = pf.from_onnx(path)
    assert net.provenance["verified"], net.provenance
    assert net.provenance["max_abs_error"] < 1e-5
    assert [a.name for a in net.activations] == ["relu", "relu", "relu", "tanh"]
    # the max-pool tournament: 3 channels x 4 windows, two rounds of comparisons
    assert net.n_bits == 48 + 24 + 12 + (12 + 32 + 12)


def test_unsupported_and_malformed_models(tmp_path):
    soft = _model(
        [helper.make_node("MatMul", ["x", "W"], ["m"]), helper.make_node("Softmax", ["m"], ["y"])],
        {"W": np.ones((2, 1))},
        [1, 2],
        1,
        tmp_path / "soft.onnx",
    )
    with pytest.raises(pf.InvalidInputError, match="unsupported operator Softmax"):
        pf.from_onnx(soft)
    square = _model(
        [
            helper.make_node("MatMul", ["x", "W"], ["m"]),
            helper.make_node("Relu", ["m"], ["h"]),
            helper.make_node("Mul", ["h", "m"], ["y"]),
        ],
        {"W": np.ones((2, 2))},
        [1, 2],
        2,
        tmp_path / "square.onnx",
    )
    with pytest.raises(pf.InvalidInputError, match="multiplies two computed tensors"):
        pf.from_onnx(square)
    linear = _model(
        [helper.make_node("MatMul", ["x", "W"], ["y"])],
        {"W": np.ones((2, 1))},
        [1, 2],
        1,
        tmp_path / "lin.onnx",
    )
    with pytest.raises(pf.InvalidInputError, match="no activation"):
        pf.from_onnx(linear)
    data = ACAS[0].read_bytes()
    (tmp_path / "cut.onnx").write_bytes(data[: len(data) // 2])
    with pytest.raises(pf.InvalidInputError, match="not a readable ONNX model"):
        pf.from_onnx(tmp_path / "cut.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"\x00\x01junk")
    with pytest.raises(pf.InvalidInputError, match="not a readable ONNX model"):
        pf.from_onnx(tmp_path / "junk.onnx")
