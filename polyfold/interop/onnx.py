"""ONNX models, compiled exactly into a chain network.

The graph is followed node by node in its (topological) order. Every tensor
computed from the input is an exact affine function of some hidden layer's
output (``polyfold.interop._graph.ChainBuilder``), so composing ``Sub``,
``MatMul``, ``Gemm``, ``Conv``, ``AveragePool`` and ``BatchNormalization``
never rounds (float32 weights are dyadic rationals). ``Add``/``Sub`` of two
computed tensors is a skip connection, ``Concat`` joins branches, ``MaxPool``
becomes a ReLU tournament whose bits join the pattern. The imported network is
checked against onnxruntime on random inputs and the result is kept in
``net.provenance``.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..network import Network
from ..operators import MAX_DENSE_ENTRIES, AvgPool2d, Conv2d
from ._graph import (
    AUTO_DENSE_LIMIT,
    FORMS,
    ChainBuilder,
    Value,
    average_dense,
    conv_dense,
    exact_array,
    pool_windows,
)
from ._opgraph import OperatorChainBuilder

__all__ = ["from_onnx"]

SUPPORTED = (
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Neg",
    "MatMul",
    "Gemm",
    "Conv",
    "BatchNormalization",
    "AveragePool",
    "GlobalAveragePool",
    "MaxPool",
    "Relu",
    "LeakyRelu",
    "Tanh",
    "Sigmoid",
    "Flatten",
    "Reshape",
    "Transpose",
    "Concat",
    "Identity",
    "Dropout",
)


def from_onnx(
    path: str | os.PathLike[str], *, verify: int = 64, seed: int = 0, form: str = "auto"
) -> Network:
    """Import an ONNX model as an exact :class:`~polyfold.network.Network`.

    Supported operators: ``MatMul`` and ``Gemm`` (``transB``, ``alpha``,
    ``beta``) with constant weights; ``Conv`` (pads, strides, dilations,
    groups); ``Add``/``Sub`` of constants or of two computed tensors (skip
    connections); ``Mul``/``Div`` by constants, ``Neg``;
    ``BatchNormalization`` (inference); ``AveragePool``,
    ``GlobalAveragePool``, ``MaxPool``; ``Relu``, ``LeakyRelu``, the smooth
    ``Tanh`` and ``Sigmoid``; ``Flatten``, ``Reshape``, ``Transpose``,
    ``Concat``, ``Identity``, ``Dropout``. Constants may be initializers (also
    when listed as graph inputs) or ``Constant`` nodes. Anything else raises an
    error naming the node. The one rounding an import can make is
    BatchNormalization's ``1/sqrt(var + ε)``, taken as its float64 value.

    With ``verify > 0`` the network is evaluated against onnxruntime (when
    installed) on ``verify`` random inputs; ``net.provenance`` records the
    largest absolute difference and ``net.provenance["form"]`` the form taken.

    ``form`` as in :func:`~polyfold.interop.torch.from_torch`: ``"dense"``
    compiles exact weight matrices; ``"operators"`` keeps ``Conv`` (1-D and
    2-D with symmetric padding), ``AveragePool``/``GlobalAveragePool`` (1-D
    and 2-D) and ``BatchNormalization`` as operators, ``MatMul``/``Gemm`` as
    dense operators, ``MaxPool`` as a tournament of operators, skip
    connections as linear units (:mod:`polyfold.operators`), so walks never
    form a matrix; other nodes without an operator form become one matrix
    each, refused when it would be too large. ``"auto"`` (default) takes
    operators when the dense form would hold more than 2 million weights.

    Parameters
    ----------
    path
        The ``.onnx`` file.
    verify
        How many random inputs to check against onnxruntime (0: none).
    seed
        The random seed of those inputs.
    form
        ``"auto"``, ``"dense"`` or ``"operators"``.

    Returns
    -------
    Network

    Raises
    ------
    InvalidInputError
        An unreadable file, an unsupported operator (named), mismatched shapes,
        or a dense matrix too large.
    """
    if form not in FORMS:
        raise InvalidInputError(f"form: expected one of {', '.join(FORMS)}, got {form!r}")
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
    consts: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for key, value in consts.items():
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise InvalidInputError(f"path: initializer {key!r} holds NaN or inf values")
    inputs = [i for i in graph.input if i.name not in consts]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise InvalidInputError(
            f"path: expected one data input and one output, "
            f"got {len(inputs)} and {len(graph.output)}"
        )
    shape = [d.dim_value if d.dim_value > 0 else 1 for d in inputs[0].type.tensor_type.shape.dim]
    if not shape:
        raise InvalidInputError("model: the input has no shape")
    tensor_shape = tuple(shape[1:]) if len(shape) > 1 else tuple(shape)
    net = None
    if form != "dense":
        try:
            net = _compile(graph, consts, inputs[0].name, OperatorChainBuilder(tensor_shape))
        except InvalidInputError:
            if form == "operators":
                raise
        else:
            dense_size = sum(op.n_in * op.n_out for op in net.operators)
            if form == "auto" and dense_size <= AUTO_DENSE_LIMIT:
                net = None
    if net is None:
        net = _compile(graph, consts, inputs[0].name, ChainBuilder(tensor_shape))
    report: dict[str, Any] = {"source": name, "format": "onnx", "input_shape": shape}
    report["form"] = "operators" if net.is_operator_form else "dense"
    report["linear_units"] = int(sum(m.sum() for m in net.linear_units))
    if verify:
        report.update(_check_onnxruntime(net, name, inputs[0].name, shape, verify, seed))
    net.provenance = report
    return net


def _compile(graph: Any, consts: dict[str, np.ndarray], input_name: str, builder: Any) -> Network:
    """The network of ``graph`` built by ``builder`` (exact matrices or operators)."""
    import onnx
    from onnx import numpy_helper

    consts = dict(consts)  # Constant nodes add to it
    values: dict[str, Any] = {input_name: builder.input()}
    for node in graph.node:
        if node.op_type == "Constant":
            attr = node.attribute[0]
            consts[node.output[0]] = np.asarray(onnx.helper.get_attribute_value(attr))
            if attr.name == "value":
                consts[node.output[0]] = numpy_helper.to_array(attr.t)
            continue
        if node.op_type not in SUPPORTED:
            raise InvalidInputError(
                f"model: unsupported operator {node.op_type} (node {node.name!r})"
            )
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        args: list[Any] = []
        for i in node.input:
            if not i:
                args.append(None)
            elif i in consts:
                args.append(consts[i])
            elif i in values:
                args.append(values[i])
            else:
                raise InvalidInputError(f"model: node {node.name!r} reads unknown tensor {i!r}")
        where = f"{node.op_type} node {node.name!r}"
        out = _node(builder, node.op_type, args, attrs, where)
        if len([o for o in node.output if o]) != 1 and node.op_type not in ("Dropout",):
            raise InvalidInputError(f"model: {where} has more than one output")
        if isinstance(out, Value):
            values[node.output[0]] = out
        else:
            consts[node.output[0]] = out
    result = values.get(graph.output[0].name)
    if not isinstance(result, Value):
        raise InvalidInputError("model: the graph output is not computed from the input")
    if len(result.shape) != 1:
        result = builder.reshape(result, (result.size,))
    return builder.build(result)


def _full(v: Value) -> tuple[int, ...]:
    return (1, *v.shape)


def _broadcast(const: np.ndarray, v: Value, where: str) -> np.ndarray:
    """A constant broadcast against a computed tensor (batch dimension 1), flattened."""
    arr = np.asarray(const, dtype=np.float64)
    full = _full(v)
    try:
        if arr.ndim > len(full):
            raise ValueError
        return exact_array(np.broadcast_to(arr, full)).ravel()
    except ValueError as exc:
        raise InvalidInputError(
            f"model: {where} has a constant of shape {arr.shape}, which does not broadcast to "
            f"the tensor's shape {v.shape}"
        ) from exc


def _ints(attrs: dict[str, Any], key: str, default: list[int]) -> list[int]:
    return [int(v) for v in attrs.get(key, default)]


def _node(b: Any, op: str, args: list[Any], attrs: dict[str, Any], where: str) -> Any:
    x = args[0]
    tensors = [a for a in args if isinstance(a, Value)]
    if not tensors:  # constant folding is not polyfold's business
        raise InvalidInputError(f"model: {where} computes only on constants")
    if op in ("Identity", "Dropout"):
        return x
    if op in ("Add", "Sub"):
        sign = 1 if op == "Add" else -1
        u, w = args[0], args[1]
        if isinstance(u, Value) and isinstance(w, Value):
            return b.add(u, w, sign)
        if isinstance(u, Value):
            return b.scale(u, 1, sign * _broadcast(w, u, where))
        return b.scale(w, sign, _broadcast(u, w, where))  # constant ± x
    if op in ("Mul", "Div"):
        u, w = args[0], args[1]
        if isinstance(u, Value) and isinstance(w, Value):
            raise InvalidInputError(f"model: {where} multiplies two computed tensors")
        if op == "Div" and not isinstance(u, Value):
            raise InvalidInputError(f"model: {where} divides by a computed tensor")
        tensor, const = (u, w) if isinstance(u, Value) else (w, u)
        k = _broadcast(const, tensor, where)
        if op == "Div":
            if any(v == 0 for v in k):
                raise InvalidInputError(f"model: {where} divides by zero")
            k = np.array([1 / v for v in k], dtype=object)
        return b.scale(tensor, k)
    if op == "Neg":
        return b.scale(x, -1)
    if op in ("Relu", "LeakyRelu", "Tanh", "Sigmoid"):
        act: Any = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid"}.get(op)
        if op == "LeakyRelu":
            act = ("leaky_relu", Fraction(float(attrs.get("alpha", 0.01))))
        return b.activation(x, act)
    if op == "MatMul":
        if not isinstance(x, Value) or isinstance(args[1], Value):
            raise InvalidInputError(f"model: {where} must multiply x @ W with a constant W")
        w = np.asarray(args[1], dtype=np.float64)
        if w.ndim != 2 or x.shape[-1] != w.shape[0] or int(np.prod(x.shape[:-1])) != 1:
            raise InvalidInputError(
                f"model: {where} multiplies a tensor of shape {x.shape} by W of shape {w.shape}"
            )
        return b.affine(x, exact_array(w.T), None, (*x.shape[:-1], w.shape[1]))
    if op == "Gemm":
        if attrs.get("transA", 0) or not isinstance(x, Value) or isinstance(args[1], Value):
            raise InvalidInputError(f"model: {where}: only x @ B (+ C) with constant B, no transA")
        bm = np.asarray(args[1], dtype=np.float64)
        w = bm if attrs.get("transB", 0) else bm.T
        alpha = Fraction(float(attrs.get("alpha", 1.0)))
        beta = Fraction(float(attrs.get("beta", 1.0)))
        if w.shape[1] != x.size:
            raise InvalidInputError(f"model: {where} expects {w.shape[1]} features, gets {x.size}")
        bias = None
        if len(args) > 2 and args[2] is not None:
            bias = beta * exact_array(np.broadcast_to(np.ravel(args[2]), (w.shape[0],)))
        return b.affine(x, alpha * exact_array(w), bias)
    if op == "BatchNormalization":
        scale, bias, mean, var = (np.ravel(np.asarray(c, dtype=np.float64)) for c in args[1:5])
        if len(scale) != x.shape[0]:
            raise InvalidInputError(f"model: {where} expects {len(scale)} channels")
        inv = exact_array(1.0 / np.sqrt(var + float(attrs.get("epsilon", 1e-5))))
        factor = exact_array(scale) * inv
        shift = exact_array(bias) - factor * exact_array(mean)
        per = int(np.prod(x.shape[1:]))
        return b.scale(x, np.repeat(factor, per), np.repeat(shift, per))
    if op == "Flatten":
        axis = int(attrs.get("axis", 1))
        if axis not in (0, 1):
            raise InvalidInputError(f"model: {where}: Flatten must keep the batch dimension")
        return b.reshape(x, (x.size,))
    if op == "Reshape":
        target = [int(v) for v in np.ravel(args[1])]
        full = _full(x)
        target = [
            full[i] if t == 0 and not attrs.get("allowzero", 0) else t for i, t in enumerate(target)
        ]
        try:
            new = np.empty(full, dtype=np.int8).reshape(target).shape
        except ValueError as exc:
            raise InvalidInputError(f"model: {where} cannot reshape {full} to {target}") from exc
        if not new or new[0] != 1:
            raise InvalidInputError(f"model: {where} must keep the batch dimension first")
        return b.reshape(x, tuple(new[1:]))
    if op == "Transpose":
        full = _full(x)
        perm = _ints(attrs, "perm", list(range(len(full)))[::-1])
        if perm[0] != 0:
            raise InvalidInputError(f"model: {where} must keep the batch dimension first")
        order = np.arange(x.size).reshape(full).transpose(perm)
        return b.take(x, order.ravel(), tuple(order.shape[1:]))
    if op == "Concat":
        if not all(isinstance(a, Value) for a in args):
            raise InvalidInputError(f"model: {where} concatenates constants")
        axis = int(attrs["axis"])
        ndim = len(_full(x))
        axis = axis % ndim
        if axis == 0:
            raise InvalidInputError(f"model: {where} concatenates along the batch dimension")
        try:
            return b.concat_along(args, axis - 1)  # the tensors' shapes omit the batch axis
        except ValueError as exc:
            raise InvalidInputError(f"model: {where} joins mismatched shapes") from exc
    if op in ("Conv", "MaxPool", "AveragePool", "GlobalAveragePool"):
        return _spatial(b, op, args, attrs, where)
    raise AssertionError(op)  # pragma: no cover - SUPPORTED lists every branch


def _spatial(b: Any, op: str, args: list[Any], attrs: dict[str, Any], where: str) -> Any:
    x = args[0]
    nd = len(x.shape) - 1
    if nd < 1:
        raise InvalidInputError(f"model: {where} needs a (channels, spatial…) input")
    if op == "GlobalAveragePool" and isinstance(b, OperatorChainBuilder) and nd in (1, 2):
        full = list(x.shape[1:]) if nd == 2 else [1, x.shape[1]]
        pool = AvgPool2d(tuple(full), (x.shape[0], *full))
        return b.map(x, pool, (x.shape[0],) + (1,) * nd)
    if op == "GlobalAveragePool":
        windows, _ = pool_windows(x.shape, list(x.shape[1:]), strides=[1] * nd, pads=[0] * 2 * nd)
        return b.affine(x, average_dense(windows, x.size, None), None, (x.shape[0],) + (1,) * nd)
    if attrs.get("ceil_mode", 0):
        raise InvalidInputError(f"model: {where} with ceil_mode=1 is unsupported")
    if op == "Conv":
        kernel = list(np.asarray(args[1]).shape[2:])
    else:
        kernel = _ints(attrs, "kernel_shape", [])
    strides = _ints(attrs, "strides", [1] * nd)
    dil = _ints(attrs, "dilations", [1] * nd)
    pads = _ints(attrs, "pads", [0] * 2 * nd)
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = [0] * 2 * nd
        for i in range(nd):
            out = -(-x.shape[1 + i] // strides[i])
            total = max(0, (out - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1 - x.shape[1 + i])
            small = total // 2
            pads[i], pads[i + nd] = (
                (small, total - small) if auto == "SAME_UPPER" else (total - small, small)
            )
    elif auto == "VALID":
        pads = [0] * 2 * nd
    if isinstance(b, OperatorChainBuilder) and op != "MaxPool":
        structured = _spatial_operator(op, x.shape, args, attrs, kernel, strides, dil, pads)
        if structured is not None:
            operator, shape = structured
            return b.map(x, operator, shape)
        if x.size * int(np.prod(_out_shape(op, x.shape, args, kernel, strides, dil, pads))) > (
            MAX_DENSE_ENTRIES
        ):
            raise InvalidInputError(
                f"model: {where} has no operator form (asymmetric padding, more than 2 spatial "
                "dimensions, or uncounted padding) and its matrix would be too large"
            )
    if op == "Conv":
        dense, shape = conv_dense(
            exact_array(args[1]),
            x.shape,
            strides=strides,
            pads=pads,
            dilations=dil,
            groups=int(attrs.get("group", 1)),
        )
        bias = None
        if len(args) > 2 and args[2] is not None:
            bias = np.repeat(exact_array(args[2]), int(np.prod(shape[1:])))
        return b.affine(x, dense, bias, shape)
    if op == "MaxPool":
        windows, shape = pool_windows(x.shape, kernel, strides=strides, pads=pads, dilations=dil)
        return b.max_pool(x, windows, shape)
    windows, shape = pool_windows(x.shape, kernel, strides=strides, pads=pads)
    divisor = int(np.prod(kernel)) if attrs.get("count_include_pad", 0) else None
    return b.affine(x, average_dense(windows, x.size, divisor), None, shape)


def _out_shape(
    op: str,
    shape: tuple[int, ...],
    args: list[Any],
    kernel: list[int],
    strides: list[int],
    dil: list[int],
    pads: list[int],
) -> tuple[int, ...]:
    nd = len(shape) - 1
    channels = int(np.asarray(args[1]).shape[0]) if op == "Conv" else shape[0]
    spatial = [
        (shape[1 + i] + pads[i] + pads[i + nd] - dil[i] * (kernel[i] - 1) - 1) // strides[i] + 1
        for i in range(nd)
    ]
    return (channels, *spatial)


def _spatial_operator(
    op: str,
    shape: tuple[int, ...],
    args: list[Any],
    attrs: dict[str, Any],
    kernel: list[int],
    strides: list[int],
    dil: list[int],
    pads: list[int],
) -> tuple[Any, tuple[int, ...]] | None:
    """A ``Conv``/``AveragePool`` node as a structured operator on ``(C, H, W)`` (a 1-D one on
    ``(C, 1, L)``, the same flat order), or None when it has none (more than two spatial
    dimensions, asymmetric padding, padding left out of an average)."""
    nd = len(shape) - 1
    if nd not in (1, 2) or pads[:nd] != pads[nd:]:
        return None
    if op == "AveragePool" and any(pads) and not attrs.get("count_include_pad", 0):
        return None
    lift = (lambda v, fill: [fill, *v]) if nd == 1 else (lambda v, fill: list(v))
    in_shape = (shape[0], *lift(shape[1:], 1))
    if op == "Conv":
        weight = np.asarray(args[1], dtype=np.float64)
        if nd == 1:
            weight = weight[:, :, None, :]
        bias = None
        if len(args) > 2 and args[2] is not None:
            bias = np.asarray(args[2], dtype=np.float64)
        operator: Any = Conv2d(
            weight,
            bias,
            in_shape,
            tuple(lift(strides, 1)),
            tuple(lift(pads[:nd], 0)),
            tuple(lift(dil, 1)),
            int(attrs.get("group", 1)),
        )
    else:
        if any(d != 1 for d in dil):
            return None
        operator = AvgPool2d(
            tuple(lift(kernel, 1)), in_shape, tuple(lift(strides, 1)), tuple(lift(pads[:nd], 0))
        )
    out = operator.out_shape
    return operator, (out[0], out[2]) if nd == 1 else out


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
    feed_shape = [1, *shape[1:]] if len(shape) > 1 else list(shape)
    theirs = np.concatenate(
        [session.run(None, {input_name: row.reshape(feed_shape)})[0].reshape(1, -1) for row in x]
    )
    ours = net.forward(x.astype(np.float64))
    err = float(np.max(np.abs(ours - theirs)))
    scale = float(np.max(np.abs(theirs))) or 1.0
    return {"verified": err <= 1e-4 * (1 + scale), "max_abs_error": err, "inputs_checked": count}
