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


def _cnn_model(tmp_path):
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
    return _model(nodes, inits, [1, 1, 4, 4], 3, tmp_path / "cnn.onnx")


def test_convolution_pooling_concat_transpose_against_onnxruntime(tmp_path):
    path = _cnn_model(tmp_path)
    net = pf.from_onnx(path)
    assert net.provenance["verified"], net.provenance
    assert net.provenance["max_abs_error"] < 1e-5
    assert [a.name for a in net.activations] == ["relu", "relu", "relu", "tanh"]
    # the max-pool tournament: 3 channels x 4 windows, two rounds of comparisons
    assert net.n_bits == 48 + 24 + 12 + (12 + 32 + 12)


def _residual_model(tmp_path):
    """Conv (asymmetric pads: one matrix) → BN → Relu → Conv + skip → Relu → MaxPool (odd,
    padded windows) → GlobalAveragePool, and a 1-D branch: Reshape → Conv1d → AveragePool."""
    rng = np.random.default_rng(5)
    inits = {
        "K1": rng.normal(size=(3, 2, 3, 3)),
        "scale": rng.uniform(0.5, 2, size=3),
        "bias": rng.normal(size=3),
        "mean": rng.normal(size=3),
        "var": rng.uniform(0.5, 2, size=3),
        "K2": rng.normal(size=(3, 3, 3, 3)),
        "b2": rng.normal(size=3),
        "flat": np.array([1, 3, -1]),
        "K3": rng.normal(size=(2, 3, 3)),
        "W": rng.normal(size=(3 + 2 * 6, 2)),
    }
    nodes = [
        helper.make_node("Conv", ["x", "K1"], ["c1"], pads=[1, 1, 2, 2]),  # 3x6x6
        helper.make_node(
            "BatchNormalization", ["c1", "scale", "bias", "mean", "var"], ["bn"], epsilon=1e-3
        ),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("Conv", ["r1", "K2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "r1"], ["sum"]),
        helper.make_node("Relu", ["sum"], ["r2"]),
        helper.make_node(
            "MaxPool", ["r2"], ["mp"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
        ),
        helper.make_node("GlobalAveragePool", ["mp"], ["gap"]),  # 3x1x1
        helper.make_node("Flatten", ["gap"], ["g"], axis=1),
        helper.make_node("Reshape", ["r2", "flat"], ["seq"]),  # 3 x 36
        helper.make_node("Conv", ["seq", "K3"], ["c3"], strides=[2], pads=[1, 1]),  # 2 x 18
        helper.make_node("AveragePool", ["c3"], ["ap"], kernel_shape=[3], strides=[3]),  # 2x6
        helper.make_node("Flatten", ["ap"], ["a"], axis=1),
        helper.make_node("Concat", ["g", "a"], ["cat"], axis=1),
        helper.make_node("MatMul", ["cat", "W"], ["y"]),
    ]
    return _model(nodes, inits, [1, 2, 5, 5], 2, tmp_path / "res.onnx")


@pytest.mark.parametrize("build", [_cnn_model, _residual_model], ids=["cnn", "residual"])
def test_operator_form_equals_the_dense_form(tmp_path, build):
    path = build(tmp_path)
    op = pf.from_onnx(path, form="operators")
    dense = pf.from_onnx(path, form="dense")
    assert op.is_operator_form and not dense.is_operator_form
    assert op.provenance["form"] == "operators" and dense.provenance["form"] == "dense"
    assert op.provenance["verified"], op.provenance  # against onnxruntime (float32)
    x = np.random.default_rng(9).normal(size=(16, op.n_inputs))
    ours, theirs = op.forward(x), dense.forward(x)
    assert np.max(np.abs(ours - theirs)) <= 1e-12 * (1 + np.max(np.abs(theirs)))
    assert op.hidden_sizes == dense.hidden_sizes
    for (wo, bo), (wd, bd) in zip(op.exact_weights, dense.exact_weights):
        assert np.array_equal(wo, wd) and np.array_equal(bo, bd)
    for a, b in zip(op.linear_units, dense.linear_units):
        assert np.array_equal(a, b)
    assert pf.from_onnx(path).is_operator_form is False  # auto: small, so matrices
    if all(a.name == "relu" for a in op.activations):
        rng = np.random.default_rng(0)
        x1, x2 = rng.normal(size=(2, op.n_inputs))
        p, q = pf.walk(op, x1, x2), pf.walk(dense, x1, x2)
        assert p.n_pieces > 1 and p.patterns.tolist() == q.patterns.tolist()
        assert list(p.breakpoints) == list(q.breakpoints)


def test_acasxu_in_operator_form_walks_as_the_dense_form():
    op = pf.from_onnx(ACAS[0], form="operators")
    dense = pf.from_onnx(ACAS[0])
    assert op.is_operator_form and op.provenance["verified"]
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-0.5, 0.5, size=(2, 5))
    p, q = pf.walk(op, a, b), pf.walk(dense, a, b)
    assert p.patterns.tolist() == q.patterns.tolist() and list(p.breakpoints) == list(q.breakpoints)
    with pytest.raises(pf.InvalidInputError, match="form: expected one of"):
        pf.from_onnx(ACAS[0], form="matrix")


def test_a_large_model_is_refused_in_dense_form_and_imported_as_operators(tmp_path):
    rng = np.random.default_rng(2)
    k = rng.normal(size=(8, 3, 3, 3)) / 5
    nodes = [
        helper.make_node("Conv", ["x", "K"], ["c"], pads=[1, 1, 1, 1]),  # 8 x 18 x 18
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"], axis=1),
        helper.make_node("MatMul", ["f", "W"], ["y"]),
    ]
    path = _model(
        nodes, {"K": k, "W": rng.normal(size=(8, 2))}, [1, 3, 18, 18], 2, tmp_path / "big.onnx"
    )
    with pytest.raises(
        pf.InvalidInputError, match=r"dense form needs an exact matrix.*form='operators'"
    ):
        pf.from_onnx(path, form="dense")
    net = pf.from_onnx(path)  # auto: 972 × 2,592 dense weights: operators
    assert net.is_operator_form and net.provenance["verified"]
    x1, x2 = rng.normal(size=(2, net.n_inputs))
    assert pf.walk(net, x1, x2, exact=False).certified


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
