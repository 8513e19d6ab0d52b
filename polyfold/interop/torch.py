"""PyTorch models (imported lazily; ``pip install polyfold[torch]``).

A module is traced with ``torch.fx`` into a graph of layers and tensor
operations, and the graph is compiled by ``polyfold.interop._graph.ChainBuilder``
into an exact chain network: residual additions, concatenations and
max-pooling included. Checkpoints are read only with ``torch.load(...,
weights_only=True)``, which never unpickles arbitrary objects.
"""

from __future__ import annotations

import operator
import os
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InvalidInputError, require
from ..network import Network
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

__all__ = ["from_torch", "layer_inputs", "load_state_dict", "transformer_mlp"]

SUPPORTED_MODULES = (
    "Linear, Conv1d, Conv2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d/2d (output size 1), "
    "MaxPool1d, MaxPool2d, BatchNorm1d, "
    "BatchNorm2d, ReLU, LeakyReLU, Hardtanh, Tanh, Sigmoid, GELU, SiLU, Flatten, Dropout, "
    "Identity"
)


def _exact(t: Any) -> np.ndarray:
    return exact_array(t.detach().cpu().double().numpy())


def _tuple(value: Any, n: int) -> list[int]:
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * n


def _activation(mod: Any) -> Any:
    """The polyfold activation of an activation module, or None if it is not one."""
    from torch import nn

    if isinstance(mod, nn.ReLU):
        return "relu"
    if isinstance(mod, nn.LeakyReLU):
        return ("leaky_relu", Fraction(float(mod.negative_slope)))
    if isinstance(mod, nn.Hardtanh):
        if (mod.min_val, mod.max_val) != (-1.0, 1.0):
            raise InvalidInputError(
                f"{type(mod).__name__}: only Hardtanh(-1, 1) is supported, got "
                f"({mod.min_val}, {mod.max_val})"
            )
        return "hardtanh"
    if isinstance(mod, nn.GELU):
        if mod.approximate != "none":
            raise InvalidInputError("GELU: only approximate='none' (the erf form) is supported")
        return "gelu"
    for cls, name in ((nn.Tanh, "tanh"), (nn.Sigmoid, "sigmoid"), (nn.SiLU, "silu")):
        if isinstance(mod, cls):
            return name
    return None


class _Importer:
    """Walks an ``fx`` graph, turning every node into a :class:`Value`."""

    def __init__(self, gm: Any, input_shape: tuple[int, ...]) -> None:
        self.gm = gm
        self.builder = ChainBuilder(input_shape)
        self.values: dict[Any, Any] = {}

    def run(self) -> Value:
        out: Value | None = None
        for node in self.gm.graph.nodes:
            where = f"module {node.target!r}" if node.op == "call_module" else f"node {node.name!r}"
            if node.op == "placeholder":
                if any(isinstance(v, Value) and v.level == 0 for v in self.values.values()):
                    raise InvalidInputError("module: expected a forward taking one tensor")
                self.values[node] = self.builder.input()
            elif node.op == "output":
                out = self._arg(node.args[0], where)
            elif node.op == "call_module":
                self.values[node] = self._module(self.gm.get_submodule(node.target), node, where)
            elif node.op in ("call_function", "call_method"):
                self.values[node] = self._function(node, where)
            else:
                raise InvalidInputError(
                    f"module: {where} reads a parameter directly ({node.op}); "
                    "use layers (nn.Linear, …) so that polyfold can take the weights"
                )
        if not isinstance(out, Value):
            raise InvalidInputError("module: the output is not a tensor computed from the input")
        return out

    def _arg(self, a: Any, where: str) -> Any:
        from torch import fx

        if isinstance(a, fx.Node):
            return self.values[a]
        if isinstance(a, (tuple, list)):
            return type(a)(self._arg(x, where) for x in a)
        return a

    def _tensor(self, node: Any, where: str) -> Value:
        v = self._arg(node.args[0], where)
        if not isinstance(v, Value):
            raise InvalidInputError(f"module: {where} expects a tensor input")
        return v

    def _shape_or_activation(self, mod: Any, v: Value) -> Value | None:
        """``v`` through a module that only passes it on, reshapes it or activates it."""
        from torch import nn

        if isinstance(mod, (nn.Dropout, nn.Identity)):
            return v
        if isinstance(mod, nn.Flatten):
            return self.builder.reshape(v, _flatten_shape(v.shape, mod.start_dim, mod.end_dim))
        act = _activation(mod)
        return None if act is None else self.builder.activation(v, act)

    # -- layers --------------------------------------------------------------------
    def _module(self, mod: Any, node: Any, where: str) -> Value:
        from torch import nn

        v = self._tensor(node, where)
        b = self.builder
        name = type(mod).__name__
        simple = self._shape_or_activation(mod, v)
        if simple is not None:
            return simple
        if isinstance(mod, nn.Linear):
            if len(v.shape) != 1:
                if v.shape[0] == 1 and int(np.prod(v.shape)) == mod.in_features:
                    raise InvalidInputError(
                        f"input_shape: {tuple(v.shape)} has a leading 1, like a batch dimension; "
                        f"input_shape leaves the batch out: use ({mod.in_features},)"
                    )
                raise InvalidInputError(
                    f"module: {where} (Linear) after a {len(v.shape)}-D tensor: add nn.Flatten"
                )
            if v.size != mod.in_features:
                raise InvalidInputError(
                    f"module: {where} (Linear) expects {mod.in_features} features, gets {v.size}"
                )
            bias = _exact(mod.bias) if mod.bias is not None else None
            return b.affine(v, _exact(mod.weight), bias)
        if isinstance(mod, (nn.Conv1d, nn.Conv2d)):
            return self._conv(mod, v, where)
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            return self._batchnorm(mod, v, where)
        if isinstance(mod, (nn.AvgPool1d, nn.AvgPool2d, nn.MaxPool1d, nn.MaxPool2d)):
            return self._pool(mod, v, where)
        if isinstance(mod, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)):
            nd = 1 if isinstance(mod, nn.AdaptiveAvgPool1d) else 2
            self._spatial(mod, v, where, nd)
            if _tuple(mod.output_size, nd) != [1] * nd:
                raise InvalidInputError(
                    f"module: {where} ({name}): only global average pooling (output size 1)"
                )
            kernel = list(v.shape[1:])
            windows, shape = pool_windows(v.shape, kernel, strides=[1] * nd, pads=[0] * 2 * nd)
            return b.affine(v, average_dense(windows, v.size, int(np.prod(kernel))), None, shape)
        raise InvalidInputError(
            f"module: unsupported module {name} ({where}); from_torch takes {SUPPORTED_MODULES}, "
            "and +, −, torch.cat, flatten and view between them"
        )

    def _spatial(self, mod: Any, v: Value, where: str, nd: int) -> None:
        if len(v.shape) != nd + 1:
            raise InvalidInputError(
                f"module: {where} ({type(mod).__name__}) needs a (channels, {nd}-D) input, got "
                f"shape {v.shape}; pass input_shape=(channels, ...)"
            )

    def _conv(self, mod: Any, v: Value, where: str) -> Value:
        from torch import nn

        nd = 1 if isinstance(mod, nn.Conv1d) else 2
        self._spatial(mod, v, where, nd)
        if mod.padding_mode != "zeros":
            raise InvalidInputError(
                f"module: {where} ({type(mod).__name__}) uses {mod.padding_mode!r} padding; "
                "only zero padding is supported"
            )
        kernel = list(mod.kernel_size)
        dil = _tuple(mod.dilation, nd)
        if mod.padding == "valid":
            begin = [0] * nd
            end = [0] * nd
        elif mod.padding == "same":
            total = [d * (k - 1) for d, k in zip(dil, kernel)]
            begin = [t // 2 for t in total]
            end = [t - s for t, s in zip(total, begin)]
        else:
            begin = end = _tuple(mod.padding, nd)
        dense, shape = conv_dense(
            _exact(mod.weight),
            v.shape,
            strides=_tuple(mod.stride, nd),
            pads=begin + end,
            dilations=dil,
            groups=mod.groups,
        )
        bias = None
        if mod.bias is not None:
            bias = np.repeat(_exact(mod.bias), int(np.prod(shape[1:])))
        return self.builder.affine(v, dense, bias, shape)

    def _batchnorm(self, mod: Any, v: Value, where: str) -> Value:
        name = type(mod).__name__
        if mod.running_mean is None or mod.running_var is None:
            raise InvalidInputError(
                f"module: {where}: {name} needs running statistics (track_running_stats=True) "
                "to act as an affine map"
            )
        if v.shape[0] != mod.num_features:
            raise InvalidInputError(
                f"module: {where} ({name}) expects {mod.num_features} channels, gets {v.shape[0]}"
            )
        var = mod.running_var.detach().double().numpy() + mod.eps
        scale = exact_array(1.0 / np.sqrt(var))  # the one rounding: 1/sqrt is irrational
        gamma = _exact(mod.weight) if mod.weight is not None else np.full(len(scale), Fraction(1))
        beta = _exact(mod.bias) if mod.bias is not None else np.full(len(scale), Fraction(0))
        mean = _exact(mod.running_mean)
        per = int(np.prod(v.shape[1:]))
        factor = np.repeat(gamma * scale, per)
        shift = np.repeat(beta - gamma * scale * mean, per)
        return self.builder.scale(v, factor, shift)

    def _pool(self, mod: Any, v: Value, where: str) -> Value:
        from torch import nn

        nd = 1 if isinstance(mod, (nn.AvgPool1d, nn.MaxPool1d)) else 2
        self._spatial(mod, v, where, nd)
        name = type(mod).__name__
        if mod.ceil_mode:
            raise InvalidInputError(f"module: {where} ({name}) with ceil_mode=True is unsupported")
        kernel = _tuple(mod.kernel_size, nd)
        stride = _tuple(mod.stride if mod.stride is not None else kernel, nd)
        pad = _tuple(mod.padding, nd)
        if isinstance(mod, (nn.MaxPool1d, nn.MaxPool2d)):
            if mod.return_indices:
                raise InvalidInputError(f"module: {where} ({name}) with return_indices=True")
            windows, shape = pool_windows(
                v.shape, kernel, strides=stride, pads=pad + pad, dilations=_tuple(mod.dilation, nd)
            )
            return self.builder.max_pool(v, windows, shape)
        windows, shape = pool_windows(v.shape, kernel, strides=stride, pads=pad + pad)
        divisor = getattr(mod, "divisor_override", None)
        if divisor is None and mod.count_include_pad:
            divisor = int(np.prod(kernel))
        return self.builder.affine(v, average_dense(windows, v.size, divisor), None, shape)

    # -- functions and methods -----------------------------------------------------
    def _function(self, node: Any, where: str) -> Any:
        import torch
        import torch.nn.functional as F

        b = self.builder
        target = node.target
        args: list[Any] = [self._arg(a, where) for a in node.args]
        kwargs = {k: self._arg(a, where) for k, a in node.kwargs.items()}
        if target == "size":
            return _Size(args[0].shape, args[1] if len(args) > 1 else kwargs.get("dim"))
        if target is operator.getitem and isinstance(args[0], _Size):
            return _Size(args[0].shape, args[1])
        if target in (
            operator.add,
            operator.iadd,
            torch.add,
            "add",
            "add_",
            operator.sub,
            operator.isub,
            torch.sub,
            "sub",
            "sub_",
        ):
            sign = -1 if target in (operator.sub, operator.isub, torch.sub, "sub", "sub_") else 1
            u, w = args[0], args[1]
            if "alpha" in kwargs:
                raise InvalidInputError(f"module: {where}: add/sub with alpha is unsupported")
            if isinstance(u, Value) and isinstance(w, Value):
                return b.add(u, w, sign)
            if isinstance(u, Value) and isinstance(w, (int, float)):
                return b.scale(u, 1, sign * Fraction(w))
            if isinstance(w, Value) and isinstance(u, (int, float)):
                return b.scale(w, sign, Fraction(u))
        if target in (operator.mul, torch.mul, "mul", operator.truediv, torch.div, "div"):
            u, w = args[0], args[1]
            tensor, k = (u, w) if isinstance(u, Value) else (w, u)
            if isinstance(tensor, Value) and isinstance(k, (int, float)):
                k = Fraction(k)
                if target in (operator.truediv, torch.div, "div"):
                    if k == 0 or not isinstance(u, Value):
                        raise InvalidInputError(f"module: {where}: unsupported division")
                    k = 1 / k
                return b.scale(tensor, k)
        if target in (operator.neg, torch.neg, "neg"):
            return b.scale(args[0], -1)
        functional = {
            torch.relu: "relu",
            F.relu: "relu",
            "relu": "relu",
            torch.tanh: "tanh",
            F.tanh: "tanh",
            "tanh": "tanh",
            torch.sigmoid: "sigmoid",
            F.sigmoid: "sigmoid",
            "sigmoid": "sigmoid",
            F.silu: "silu",
        }
        if target in functional and isinstance(args[0], Value):
            return b.activation(args[0], functional[target])
        if target is F.leaky_relu and isinstance(args[0], Value):
            slope = args[1] if len(args) > 1 else kwargs.get("negative_slope", 0.01)
            return b.activation(args[0], ("leaky_relu", Fraction(float(slope))))
        if target is F.gelu and isinstance(args[0], Value):
            if kwargs.get("approximate", "none") != "none":
                raise InvalidInputError(f"module: {where}: only the erf form of GELU")
            return b.activation(args[0], "gelu")
        if target in (torch.flatten, "flatten") and isinstance(args[0], Value):
            start = args[1] if len(args) > 1 else kwargs.get("start_dim", 0)
            end = args[2] if len(args) > 2 else kwargs.get("end_dim", -1)
            return b.reshape(args[0], _flatten_shape(args[0].shape, start, end, batch=True))
        if target in ("view", "reshape", torch.reshape) and isinstance(args[0], Value):
            dims = args[1:]
            if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
                dims = list(dims[0])
            return b.reshape(args[0], _view_shape(args[0], dims, where))
        if target in (torch.cat, torch.concat):
            parts = args[0]
            dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
            return _concat(b, parts, dim, where)
        raise InvalidInputError(
            f"module: unsupported operation {getattr(target, '__name__', target)!r} ({where}); "
            "from_torch takes +, −, scalar ×/÷, relu/tanh/sigmoid/…, flatten, view, "
            "torch.cat and the layers " + SUPPORTED_MODULES
        )


class _Size:
    """``x.size()`` or ``x.size(d)`` of a traced tensor (batch dimension first)."""

    def __init__(self, shape: tuple[int, ...], dim: Any) -> None:
        self.shape = shape
        self.full = (-1, *shape)  # the batch size is unknown: -1
        self.dim = dim


def _flatten_shape(
    shape: tuple[int, ...], start: int, end: int, *, batch: bool = True
) -> tuple[int, ...]:
    full = [-1, *shape] if batch else list(shape)
    start, end = start % len(full), end % len(full)
    if start == 0:
        raise InvalidInputError("module: flattening the batch dimension is unsupported")
    merged = int(np.prod(full[start : end + 1]))
    return tuple([*full[1:start], merged, *full[end + 1 :]])


def _view_shape(v: Value, dims: list[Any], where: str) -> tuple[int, ...]:
    sizes: list[int] = []
    for d in dims:
        if isinstance(d, _Size):
            if d.dim is None:
                raise InvalidInputError(f"module: {where}: view(x.size()) is unsupported")
            sizes.append(d.full[d.dim])
        elif isinstance(d, int):
            sizes.append(d)
        else:
            raise InvalidInputError(f"module: {where}: unsupported view size {d!r}")
    if not sizes or sizes[0] not in (-1, 1):
        raise InvalidInputError(
            f"module: {where}: a view must keep the batch dimension first (x.view(x.size(0), …))"
        )
    rest = sizes[1:]
    if rest.count(-1) > 1:
        raise InvalidInputError(f"module: {where}: at most one -1 in a view")
    if -1 in rest:
        known = int(np.prod([s for s in rest if s != -1]))
        rest[rest.index(-1)] = v.size // known if known else 0
    if int(np.prod(rest)) != v.size:
        raise InvalidInputError(f"module: {where}: cannot view {v.shape} as {tuple(rest)}")
    return tuple(rest)


def _concat(b: ChainBuilder, parts: Any, dim: int, where: str) -> Value:
    if not parts or not all(isinstance(p, Value) for p in parts):
        raise InvalidInputError(f"module: {where}: torch.cat of tensors computed from the input")
    ndim = len(parts[0].shape)
    axis = dim - 1 if dim >= 0 else ndim + dim
    if dim == 0 or not 0 <= axis < ndim or any(len(p.shape) != ndim for p in parts):
        raise InvalidInputError(f"module: {where}: unsupported torch.cat along dim {dim}")
    try:
        return b.concat_along(parts, axis)
    except ValueError as exc:
        raise InvalidInputError(f"module: {where}: torch.cat of mismatched shapes") from exc


def _input_shape(value: Any) -> tuple[int, ...]:
    """``input_shape``: a tuple of positive integers, the batch dimension left out."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        raise InvalidInputError(
            f"input_shape: expected a tuple such as ({value},) or (1, 8, 8), "
            f"got the integer {value}"
        )
    if not isinstance(value, (tuple, list)) or not value:
        raise InvalidInputError(f"input_shape: expected a tuple of sizes, got {value!r}")
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in value):
        raise InvalidInputError(f"input_shape: expected positive whole sizes, got {value!r}")
    return tuple(int(s) for s in value)


def _infer_input_shape(gm: Any) -> tuple[int, ...]:
    from torch import nn

    for node in gm.graph.nodes:
        if node.op == "call_module":
            mod = gm.get_submodule(node.target)
            if isinstance(mod, (nn.Flatten, nn.Dropout, nn.Identity)):
                continue
            if isinstance(mod, nn.Linear):
                return (mod.in_features,)
            if isinstance(mod, nn.BatchNorm1d):
                return (mod.num_features,)
            break
    raise InvalidInputError(
        "input_shape: needed when the model does not start with a Linear layer "
        "(for example input_shape=(1, 8, 8) for a convolution)"
    )


def from_torch(
    module: Any,
    *,
    input_shape: tuple[int, ...] | None = None,
    verify: int = 64,
    seed: int = 0,
    form: str = "auto",
    device: str | None = None,
) -> Network:
    """Import a PyTorch module as an exact :class:`~polyfold.network.Network`.

    The module is traced with ``torch.fx``, so ``nn.Sequential`` and modules
    whose ``forward`` combines layers with ``+``/``−`` (residual blocks),
    ``torch.cat``, ``flatten``/``view`` and functional activations are taken
    as they are. Layers: ``Linear``, ``Conv1d``/``Conv2d`` (zero padding,
    strides, dilation, groups) as exact dense maps for ``input_shape``,
    ``AvgPool1d/2d``, ``MaxPool1d/2d`` (a ReLU tournament whose bits join the
    pattern), ``BatchNorm1d/2d`` with running statistics (folded into the
    affine map; ``1/sqrt(var + ε)`` is the one rounded number), ``ReLU``,
    ``LeakyReLU``, ``Hardtanh(-1, 1)``, the smooth ``Tanh``, ``Sigmoid``,
    ``GELU``, ``SiLU``, and ``Flatten``/``Dropout``/``Identity``. A residual
    branch becomes linear units (no bits), so the pattern is exactly the
    model's activation units. Anything else raises an error naming it.

    ``input_shape`` excludes the batch dimension, e.g. ``(1, 8, 8)``; it is
    inferred when the model starts with ``Linear``. The network is the module's
    inference function (eval semantics; the module's ``training`` flag is left
    as it was). With ``verify > 0`` it is compared with the module on random
    inputs and ``net.provenance`` records the largest difference.

    ``form``: ``"dense"`` compiles exact weight matrices (every model above);
    ``"operators"`` keeps convolutions, pooling and batch-norm as operators
    (:mod:`polyfold.operators`), so CIFAR-sized models import in a moment and
    walks never form a matrix — for models of ``Conv1d``/``Conv2d`` (zero
    padding), ``BatchNorm1d/2d``, ``AvgPool1d/2d``, ``AdaptiveAvgPool2d(1)``
    (global average pooling), ``MaxPool1d/2d`` (the same tournament as the
    dense form, built from selections), ``Linear``, ``Flatten``, ``Dropout``,
    ``Identity`` and activations, as ``nn.Sequential`` or as a graph with
    residual additions (``+``/``−``), ``torch.cat`` and scalar arithmetic
    (ResNets; the identity branches become linear units). ``"auto"`` (default)
    takes operators for such a model when its dense form would hold more than
    2 million weights, matrices otherwise. The dense form refuses a matrix of
    more than 2 million exact entries with a message instead of exhausting
    memory.

    Parameters
    ----------
    module
        The model (an ``nn.Module``).
    input_shape
        One input's shape without the batch dimension.
    verify
        How many random inputs to check against the module (0: none).
    seed
        The random seed of those inputs.
    form
        ``"auto"``, ``"dense"`` or ``"operators"``.
    device
        The torch device (``"cpu"``, ``"cuda"``, …) on which the operators'
        convolutions and pooling run their unproven float work (plain float
        walks, the float planar engine, sampling); certified walks, radii and
        exact work always run on the CPU. Default: the CPU. Only the CPU is
        tested here.

    Returns
    -------
    Network

    Raises
    ------
    InvalidInputError
        An untraceable module, an unsupported layer (named), mismatched shapes,
        a dense matrix too large, or a device torch does not have.
    """
    if form not in FORMS:
        raise InvalidInputError(f"form: expected one of {', '.join(FORMS)}, got {form!r}")
    device = _device(device)
    mods = _sequential(module) if form != "dense" else None
    graph_ops = form != "dense"  # whether to try operators on the traced graph
    if mods is not None:
        shape = _input_shape(input_shape) if input_shape is not None else None
        if shape is None:
            shape = _first_linear_shape(mods)
        ops, acts = _operator_layers(mods, shape, device)  # None: traced as a graph below
        graph_ops = ops is None
        if ops is not None and (
            form == "operators" or sum(op.n_in * op.n_out for op in ops) > AUTO_DENSE_LIMIT
        ):
            net = Network.from_operators(ops, activation=acts)
            return _finish(module, net, shape, verify, seed)
    try:
        from torch import fx, nn
    except ImportError as exc:  # pragma: no cover - optional extra
        raise InvalidInputError("from_torch needs PyTorch: pip install torch==2.13.0") from exc
    if not isinstance(module, nn.Module):
        raise InvalidInputError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    try:
        gm = fx.symbolic_trace(module)
    except Exception as exc:  # fx raises many kinds of errors for untraceable code
        raise InvalidInputError(
            f"module: cannot trace {type(module).__name__} with torch.fx ({exc}); polyfold "
            "needs a forward without data-dependent control flow"
        ) from exc
    shape = _input_shape(input_shape) if input_shape is not None else None
    if shape is None:
        shape = _infer_input_shape(gm)
    if graph_ops:  # a graph (residual blocks): operators where the dense form is too large
        try:
            op_net = _build(_OperatorImporter(gm, shape, device))
        except InvalidInputError:
            if form == "operators":
                raise
        else:
            dense_size = sum(op.n_in * op.n_out for op in op_net.operators)
            if form == "operators" or dense_size > AUTO_DENSE_LIMIT:
                return _finish(module, op_net, shape, verify, seed)
    net = _build(_Importer(gm, shape))
    return _finish(module, net, shape, verify, seed)


def _build(importer: _Importer) -> Network:
    out = importer.run()
    if len(out.shape) != 1:
        out = importer.builder.reshape(out, (out.size,))
    return importer.builder.build(out)


def _finish(module: Any, net: Network, shape: tuple[int, ...], verify: int, seed: int) -> Network:
    """The network with its provenance (and the comparison with the module)."""
    form = "operators" if net.is_operator_form else "dense"
    report: dict[str, Any] = {"source": type(module).__name__, "format": "torch", "form": form}
    report["linear_units"] = int(sum(m.sum() for m in net.linear_units))
    if verify:
        report.update(_verify(module, net, shape, verify, seed))
    net.provenance = report
    return net


def _sequential(module: Any) -> list[Any] | None:
    """The modules of an ``nn.Sequential`` (nested ones flattened), or None."""
    from torch import nn

    if not isinstance(module, nn.Sequential):
        return None
    out: list[Any] = []
    for child in module:
        inner = _sequential(child)
        out.extend(inner if inner is not None else [child])
    return out


def _first_linear_shape(mods: list[Any]) -> tuple[int, ...]:
    from torch import nn

    for mod in mods:
        if isinstance(mod, nn.Linear):
            return (int(mod.in_features),)
        if not isinstance(mod, (nn.Dropout, nn.Identity, nn.Flatten)) and _activation(mod) is None:
            break
    raise InvalidInputError(
        "input_shape: needed when the model does not start with a Linear layer "
        "(for example input_shape=(3, 32, 32) for a convolution)"
    )


def _operator_layers(
    mods: list[Any], shape: tuple[int, ...], device: str = "cpu"
) -> tuple[list[Any] | None, list[Any]]:
    """Operators between activations of a sequence of modules, and the activations;
    (None, []) when some module is not one affine layer or activation of it."""
    from torch import nn

    from ..operators import Compose

    layers: list[Any] = []
    acts: list[Any] = []
    pending: list[Any] = []
    cur = tuple(shape)
    for mod in mods:
        if isinstance(mod, (nn.Dropout, nn.Identity)):
            continue
        act = _activation(mod)
        if act is not None:
            if not pending:
                return None, []  # an activation after an activation
            layers.append(pending[0] if len(pending) == 1 else Compose(pending))
            acts.append(act)
            pending = []
            continue
        if isinstance(mod, nn.Flatten):
            if mod.start_dim != 1 or mod.end_dim != -1:
                return None, []  # a partial flatten
            cur = (int(np.prod(cur)),)
            continue
        got = _module_operator(mod, cur, device)
        if isinstance(got, str):
            return None, []  # not one affine layer: the graph importer takes it
        op, cur = got
        pending.append(op)
    if not pending or not acts:
        return None, []  # no output layer after the last activation
    # an output that is not flat needs no operator: every tensor is a C-order flat vector
    layers.append(pending[0] if len(pending) == 1 else Compose(pending))
    return layers, acts


def _module_operator(
    mod: Any, cur: tuple[int, ...], device: str = "cpu"
) -> tuple[Any, tuple[int, ...]] | str:
    """The operator of one affine module on inputs of shape ``cur`` and its output shape,
    or why it has none."""
    from torch import nn

    from ..operators import AvgPool2d, ChannelAffine, Conv2d, Dense

    if isinstance(mod, nn.Linear):
        if cur != (mod.in_features,):
            return f"expects {mod.in_features} features, gets shape {cur}"
        w = mod.weight.detach().cpu().double().numpy()
        b = (
            mod.bias.detach().cpu().double().numpy()
            if mod.bias is not None
            else np.zeros(mod.out_features)
        )
        return Dense(w, b), (int(mod.out_features),)
    if isinstance(mod, (nn.Conv1d, nn.AvgPool1d)):
        # a 1-D layer is the 2-D one on a (C, 1, L) view: the same flat C order
        if len(cur) != 2:
            return f"needs a (C, L) input, got {cur}"
        got = _module_operator(_as_2d(mod), (cur[0], 1, cur[1]), device)
        if isinstance(got, str):
            return got
        op, (c, _, length) = got
        return op, (c, length)
    if isinstance(mod, nn.Conv2d):
        if len(cur) != 3 or mod.padding_mode != "zeros":
            return f"needs a (C, H, W) input and zero padding, got {cur}"
        if mod.padding == "valid":
            pad: Any = 0
        elif mod.padding == "same":
            total = [d * (k - 1) for d, k in zip(mod.dilation, mod.kernel_size)]
            if any(v % 2 for v in total):
                return "with asymmetric 'same' padding is not supported"
            pad = tuple(v // 2 for v in total)
        else:
            pad = tuple(mod.padding)
        bias = None if mod.bias is None else mod.bias.detach().cpu().double().numpy()
        conv = Conv2d(
            mod.weight.detach().cpu().double().numpy(),
            bias,
            (int(cur[0]), int(cur[1]), int(cur[2])),
            tuple(mod.stride),
            pad,
            tuple(mod.dilation),
            int(mod.groups),
            backend="torch",
            device=device,
        )
        return conv, conv.out_shape
    if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
        if mod.running_mean is None or mod.running_var is None or cur[0] != mod.num_features:
            return "needs running statistics and matching channels"
        var = mod.running_var.detach().double().numpy() + mod.eps
        scale = exact_array(1.0 / np.sqrt(var))  # the one rounding, as in the dense form
        gamma = _exact(mod.weight) if mod.weight is not None else np.full(len(scale), Fraction(1))
        beta = _exact(mod.bias) if mod.bias is not None else np.full(len(scale), Fraction(0))
        mean = _exact(mod.running_mean)
        return ChannelAffine(gamma * scale, beta - gamma * scale * mean, cur), cur
    if isinstance(mod, nn.AdaptiveAvgPool2d):
        size = _tuple(mod.output_size, 2) if mod.output_size is not None else None
        if len(cur) != 3 or size != [1, 1]:
            return "other than global average pooling (output size 1) is not supported"
        pool = AvgPool2d(
            (int(cur[1]), int(cur[2])),
            (int(cur[0]), int(cur[1]), int(cur[2])),
            backend="torch",
            device=device,
        )
        return pool, pool.out_shape
    if isinstance(mod, nn.AvgPool2d):
        if (
            len(cur) != 3
            or mod.ceil_mode
            or getattr(mod, "divisor_override", None) is not None
            or (not mod.count_include_pad and mod.padding)
        ):
            return "with ceil_mode, divisor_override or uncounted padding"
        pool = AvgPool2d(
            mod.kernel_size,
            (int(cur[0]), int(cur[1]), int(cur[2])),
            mod.stride,
            mod.padding,
            backend="torch",
            device=device,
        )
        return pool, pool.out_shape
    return "is not supported"


def _device(device: Any) -> str:
    """A torch device name torch has (default the CPU), or an error naming the argument."""
    if device is None:
        return "cpu"
    import torch

    try:
        dev = torch.device(device)
        torch.zeros(1, device=dev)
    except (RuntimeError, TypeError, AssertionError) as exc:
        raise InvalidInputError(
            f"device: torch cannot use {device!r} here ({str(exc).splitlines()[0]})"
        ) from exc
    return str(dev)


def _as_2d(mod: Any) -> Any:
    """A ``Conv1d``/``AvgPool1d`` as the ``Conv2d``/``AvgPool2d`` acting on ``(C, 1, L)``,
    sharing the weights (no copy of the module's state is kept)."""
    from torch import nn

    if isinstance(mod, nn.AvgPool1d):
        kernel, stride = _tuple(mod.kernel_size, 1), _tuple(mod.stride, 1)
        return nn.AvgPool2d(
            (1, kernel[0]),
            (1, stride[0]),
            (0, _tuple(mod.padding, 1)[0]),
            ceil_mode=mod.ceil_mode,
            count_include_pad=mod.count_include_pad,
        )
    padding: Any = mod.padding if isinstance(mod.padding, str) else (0, mod.padding[0])
    conv = nn.Conv2d(
        mod.in_channels,
        mod.out_channels,
        (1, mod.kernel_size[0]),
        (1, mod.stride[0]),
        padding,
        (1, mod.dilation[0]),
        mod.groups,
        bias=mod.bias is not None,
        padding_mode=mod.padding_mode,
    )
    conv.weight = nn.Parameter(mod.weight.detach()[:, :, None, :], requires_grad=False)
    if mod.bias is not None:
        conv.bias = nn.Parameter(mod.bias.detach(), requires_grad=False)
    return conv


class _OperatorImporter(_Importer):
    """:class:`_Importer` building operators (:mod:`~polyfold.interop._opgraph`): residual
    blocks, +/− and scalar arithmetic between layers, with no matrix formed."""

    def __init__(self, gm: Any, input_shape: tuple[int, ...], device: str = "cpu") -> None:
        from ._opgraph import OperatorChainBuilder

        self.gm = gm
        self.builder = OperatorChainBuilder(input_shape)  # type: ignore[assignment]
        self.values = {}
        self.device = device

    def _module(self, mod: Any, node: Any, where: str) -> Value:

        v = self._tensor(node, where)
        b: Any = self.builder
        simple = self._shape_or_activation(mod, v)
        if simple is not None:
            return simple
        from torch import nn

        if isinstance(mod, (nn.MaxPool1d, nn.MaxPool2d)):
            return self._pool(mod, v, where)  # the tournament, built from operators
        got = _module_operator(mod, tuple(v.shape), self.device)
        if isinstance(got, str):
            raise InvalidInputError(
                f"module: {type(mod).__name__} {got} in form='operators' ({where})"
            )
        op, shape = got
        return b.map(v, op, shape)


def _verify(module: Any, net: Network, shape: tuple[int, ...], count: int, seed: int) -> dict:
    import torch

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, net.n_inputs))
    double = _is_double(module)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            out = module(
                torch.tensor(
                    x.reshape(count, *shape), dtype=torch.float64 if double else torch.float32
                )
            )
            theirs = out.double().numpy().reshape(count, -1)
    finally:
        module.train(was_training)
    err = float(np.max(np.abs(net.forward(x) - theirs)))
    tol = 1e-9 if double else 1e-4
    return {
        "verified": err <= tol * (1 + float(np.max(np.abs(theirs)))),
        "max_abs_error": err,
        "inputs_checked": count,
    }


def _is_double(module: Any) -> bool:
    params = list(module.parameters())
    return bool(params) and params[0].dtype.is_floating_point and params[0].element_size() == 8


def load_state_dict(module: Any, path: str | os.PathLike[str]) -> Any:
    """Load a checkpoint's weights into ``module`` safely and return the module.

    The file is read with ``torch.load(path, weights_only=True)``, which only
    accepts tensors and plain containers and never unpickles other objects; a
    checkpoint holding a whole pickled model (or anything else) is refused
    with an error. Accepts a state dict or ``{"state_dict": …}`` /
    ``{"model_state_dict": …}``.

    Parameters
    ----------
    module
        The model to load into.
    path
        The checkpoint.

    Returns
    -------
    torch.nn.Module
        ``module``, with the weights loaded.

    Raises
    ------
    InvalidInputError
        When the file is not a weights-only checkpoint or does not fit ``module``.
    """

    torch: Any = require("torch", "load_state_dict")
    name = os.fspath(path)
    try:
        state = torch.load(name, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load raises many kinds of error on a damaged file
        raise InvalidInputError(
            f"path: {name!r} is not a weights-only checkpoint (polyfold never unpickles "
            f"objects; save model.state_dict()): "
            f"{(str(exc).splitlines() or [type(exc).__name__])[0]}"
        ) from exc
    if isinstance(state, dict):
        for key in ("state_dict", "model_state_dict"):
            if isinstance(state.get(key), dict):
                state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InvalidInputError(f"path: {name!r} does not hold a state dict of tensors")
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise InvalidInputError(
            f"path: {name!r} does not fit {type(module).__name__}: {str(exc).splitlines()[0]}"
        ) from exc
    return module


def transformer_mlp(layer: Any) -> Any:
    """The feed-forward block of a transformer layer, as ``nn.Sequential(Linear, σ, Linear)``.

    The slide deck measures a transformer's folding "after the attention head": in the
    MLP that follows it. ``layer`` is an ``nn.TransformerEncoderLayer`` or
    ``nn.TransformerDecoderLayer`` (or any module with ``linear1``, ``activation``
    and ``linear2``, as those have); the result shares their parameters, so
    :func:`from_torch` imports exactly the block the model runs. Dropout (off at
    inference) is left out. Collect the block's inputs with :func:`layer_inputs`.

    Parameters
    ----------
    layer
        A transformer layer.

    Returns
    -------
    torch.nn.Sequential

    Raises
    ------
    InvalidInputError
        When ``layer`` has no ``linear1``, ``activation`` and ``linear2``.

    Examples
    --------
    >>> from torch import nn
    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation="gelu")
    >>> mlp = transformer_mlp(layer)
    >>> [type(m).__name__ for m in mlp]
    ['Linear', 'GELU', 'Linear']
    """
    from torch import nn
    from torch.nn import functional as F

    missing = [name for name in ("linear1", "linear2", "activation") if not hasattr(layer, name)]
    if missing:
        raise InvalidInputError(
            f"layer: expected a transformer layer with linear1, activation and linear2 "
            f"(nn.TransformerEncoderLayer or nn.TransformerDecoderLayer); "
            f"{type(layer).__name__} has no {', '.join(missing)}"
        )
    act = layer.activation
    if not isinstance(act, nn.Module):
        known = {F.relu: nn.ReLU, F.gelu: nn.GELU, F.silu: nn.SiLU, F.tanh: nn.Tanh}
        if act not in known:
            raise InvalidInputError(
                f"layer: activation {getattr(act, '__name__', act)!r} is not relu, gelu, silu "
                "or tanh"
            )
        act = known[act]()
    return nn.Sequential(layer.linear1, act, layer.linear2)


def layer_inputs(model: Any, submodule: Any, *inputs: Any) -> np.ndarray:
    """What reaches ``submodule`` when ``model(*inputs)`` runs, one row per position.

    A forward hook on ``submodule`` records its first input; the result is a float64
    array of shape ``(-1, features)`` (batch and sequence positions flattened), the
    points between which to walk the submodule (for a transformer's MLP: the
    attention block's output, after its residual and normalisation). The model
    runs in eval mode without gradients; its ``training`` flag is restored.

    Parameters
    ----------
    model
        The model to run.
    submodule
        A module inside ``model``.
    *inputs
        The model's inputs.

    Returns
    -------
    numpy.ndarray
        ``(positions, features)``, float64.

    Raises
    ------
    InvalidInputError
        When ``submodule`` is not run by ``model(*inputs)`` or the model fails.
    """
    import torch

    seen: list[Any] = []
    handle = submodule.register_forward_hook(lambda mod, args, out: seen.append(args[0]))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        handle.remove()
        model.train(was_training)
    if not seen:
        raise InvalidInputError("submodule: it did not run in model(*inputs)")
    rows = [t.detach().double().cpu().numpy() for t in seen]
    width = rows[0].shape[-1]
    return np.concatenate([r.reshape(-1, width) for r in rows])
