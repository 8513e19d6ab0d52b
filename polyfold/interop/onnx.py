"""ONNX models of feed-forward piecewise-linear networks.

The graph is followed from its input to its output. Between activations the
tensor is an affine function of the previous activation's output, kept as an
exact rational matrix and offset, so that composing ``Sub``, ``MatMul``,
``Gemm``, ``Add`` and ``BatchNormalization`` never rounds (float32 weights are
dyadic rationals). Each ``Relu``/``LeakyRelu`` closes a hidden layer; what is
left at the graph output is the output layer. The imported network is checked
against onnxruntime on random inputs and the result is kept in
``net.provenance``.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import exact_identity, exact_zeros
from ..errors import InvalidInputError
from ..network import Network

__all__ = ["from_onnx"]

SUPPORTED = (
    "Sub",
    "Add",
    "MatMul",
    "Gemm",
    "Relu",
    "LeakyRelu",
    "Flatten",
    "Reshape",
    "Identity",
    "BatchNormalization",
)


def _fractions(arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = [Fraction(float(v)) for v in np.asarray(arr, dtype=np.float64).ravel()]
    return out


def _compose(w: np.ndarray, a_map: np.ndarray) -> np.ndarray:
    """``w · a_map`` exactly; a plain copy when ``a_map`` is the identity (the common case)."""
    n = a_map.shape[0]
    if a_map.shape == (n, n) and all(
        a_map[i, j] == (1 if i == j else 0) for i in range(n) for j in range(n)
    ):
        return w.copy()
    return w.dot(a_map)


def from_onnx(path: str | os.PathLike[str], *, verify: int = 64, seed: int = 0) -> Network:
    """Import a feed-forward ONNX model as an exact :class:`~polyfold.Network`.

    Supported operators: ``MatMul`` and ``Gemm`` (``transB``, ``alpha``,
    ``beta``) with constant weights, ``Add``/``Sub`` of constants,
    ``Relu``, ``LeakyRelu``, ``Flatten``, ``Reshape``, ``Identity`` and
    ``BatchNormalization`` (inference). Constants may be initializers, also
    when listed as graph inputs. Anything else raises an error naming the node.
    Weights are taken exactly; the one rounding an import can make is
    BatchNormalization's ``1/sqrt(var + ε)``, irrational in general, which is
    taken as its float64 value.

    With ``verify > 0`` the network is evaluated against onnxruntime (when
    installed) on ``verify`` random inputs; ``net.provenance`` records the
    largest absolute difference.
    """
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as exc:  # pragma: no cover - optional extra
        raise InvalidInputError(
            "from_onnx needs the onnx package: pip install polyfold[onnx]"
        ) from exc
    name = os.fspath(path)
    try:
        model = onnx.load(name)
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises several exception types for bad files
        raise InvalidInputError(f"path: {name!r} is not a readable ONNX model ({exc})") from exc
    graph = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in consts]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise InvalidInputError(
            f"path: expected one data input and one output, "
            f"got {len(inputs)} and {len(graph.output)}"
        )
    shape = [d.dim_value if d.dim_value > 0 else 1 for d in inputs[0].type.tensor_type.shape.dim]
    n_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
    for node in graph.node:  # Constant nodes are constants too
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    activations: list[Any] = []
    width = n_in
    a_map, c_map = exact_identity(width), exact_zeros(width)
    current = inputs[0].name
    for node in graph.node:
        if node.op_type == "Constant":
            continue
        op = node.op_type
        data_inputs = [i for i in node.input if i not in consts and i]
        if op not in SUPPORTED:
            raise InvalidInputError(f"model: unsupported operator {op} (node {node.name!r})")
        if len(data_inputs) != 1 or data_inputs[0] != current:
            raise InvalidInputError(
                f"model: node {node.name!r} ({op}) does not continue a single chain "
                "(skip connections and multiple inputs are not supported by from_onnx)"
            )
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        const = [consts[i] for i in node.input if i in consts]
        if op in ("Add", "Sub"):
            k = _fractions(const[0]).ravel()
            if k.size not in (1, len(c_map)):
                raise InvalidInputError(
                    f"model: {op} node {node.name!r} has a constant of size {k.size}, "
                    f"expected 1 or {len(c_map)}"
                )
            k = np.broadcast_to(k, (len(c_map),))
            if op == "Add":
                c_map = c_map + k
            elif node.input[0] == current:
                c_map = c_map - k
            else:  # constant − x
                a_map, c_map = -a_map, k - c_map
        elif op == "MatMul":
            if node.input[0] != current:
                raise InvalidInputError(f"model: MatMul node {node.name!r} must multiply x @ W")
            w = _fractions(const[0]).T  # (out, in)
            a_map, c_map = _compose(w, a_map), w.dot(c_map)
        elif op == "Gemm":
            if attrs.get("transA", 0):
                raise InvalidInputError(
                    f"model: Gemm node {node.name!r} with transA is not supported"
                )
            b_mat = _fractions(const[0])
            w = b_mat if attrs.get("transB", 0) else b_mat.T
            alpha = Fraction(float(attrs.get("alpha", 1.0)))
            beta = Fraction(float(attrs.get("beta", 1.0)))
            bias = _fractions(const[1]).ravel() if len(const) > 1 else exact_zeros(w.shape[0])
            bias = np.broadcast_to(bias, (w.shape[0],))
            a_map, c_map = alpha * _compose(w, a_map), alpha * w.dot(c_map) + beta * bias
        elif op == "BatchNormalization":
            scale, bias, mean, var = (_fractions(c).ravel() for c in const[:4])
            eps = float(attrs.get("epsilon", 1e-5))
            denom = np.sqrt(np.asarray(var, dtype=np.float64) + eps)
            factor = np.array(
                [Fraction(float(s)) / Fraction(float(dd)) for s, dd in zip(scale, denom)],
                dtype=object,
            )
            if len(factor) != len(c_map):
                raise InvalidInputError(
                    f"model: BatchNormalization node {node.name!r} expects {len(c_map)} features"
                )
            a_map, c_map = factor[:, None] * a_map, factor * (c_map - mean) + bias
        elif op in ("Relu", "LeakyRelu"):
            layers.append((a_map, c_map))
            slope = attrs.get("alpha", 0.01)
            activations.append(
                ("leaky_relu", Fraction(float(slope))) if op == "LeakyRelu" else "relu"
            )
            width = len(c_map)
            a_map, c_map = exact_identity(width), exact_zeros(width)
        current = node.output[0]
    if current != graph.output[0].name:
        raise InvalidInputError("model: the node chain does not end at the graph output")
    if not layers:
        raise InvalidInputError(
            "model: no activation found; polyfold needs at least one hidden layer"
        )
    layers.append((a_map, c_map))
    net = Network.from_layers(layers, activation=activations)
    report: dict[str, Any] = {"source": name, "format": "onnx", "input_shape": shape}
    if verify:
        report.update(_check_onnxruntime(net, name, inputs[0].name, shape, verify, seed))
    net.provenance = report
    return net


def _check_onnxruntime(
    net: Network, name: str, input_name: str, shape: list[int], count: int, seed: int
) -> dict[str, Any]:
    try:
        import onnxruntime as ort
    except ImportError:  # pragma: no cover - optional extra
        return {"verified": False, "reason": "onnxruntime is not installed"}
    session = ort.InferenceSession(name, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, net.n_inputs)).astype(np.float32)
    theirs = np.concatenate(
        [
            session.run(None, {input_name: row.reshape([1, *shape[1:]])})[0].reshape(1, -1)
            for row in x
        ]
    )
    ours = net.forward(x.astype(np.float64))
    err = float(np.max(np.abs(ours - theirs)))
    scale = float(np.max(np.abs(theirs))) or 1.0
    return {"verified": err <= 1e-4 * (1 + scale), "max_abs_error": err, "inputs_checked": count}
