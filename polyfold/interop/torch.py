"""PyTorch sequential models (imported lazily; ``pip install polyfold[torch]``)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import exact_identity, exact_zeros
from ..errors import InvalidInputError
from ..network import Network

__all__ = ["from_torch"]


def _exact(t: Any) -> np.ndarray:
    arr = t.detach().cpu().double().numpy()
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = [Fraction(float(v)) for v in arr.ravel()]
    return out


def _dense(layer: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """The matrix of a linear layer (no bias) on inputs of ``shape``, from unit vectors.

    Each output of a convolution applied to a unit vector is one weight times 1, so
    the float64 result is exact; pooling averages are restored to exact fractions.
    """
    import torch
    from torch import nn

    n = int(np.prod(shape))
    eye = torch.eye(n, dtype=torch.float64).reshape(n, *shape)
    with torch.no_grad():
        if isinstance(layer, (nn.Conv1d, nn.Conv2d)):
            conv = (
                torch.nn.functional.conv1d
                if isinstance(layer, nn.Conv1d)
                else torch.nn.functional.conv2d
            )
            if layer.padding_mode != "zeros":
                raise InvalidInputError(f"{type(layer).__name__}: only zero padding is supported")
            out = conv(
                eye,
                layer.weight.detach().double(),
                None,
                layer.stride,
                layer.padding,
                layer.dilation,
                layer.groups,
            )
        else:
            out = layer(eye)
    out_shape = tuple(out.shape[1:])
    dense = out.reshape(n, -1).T.numpy()
    if isinstance(layer, (nn.AvgPool1d, nn.AvgPool2d)):
        size = layer.kernel_size
        dims = 1 if isinstance(layer, nn.AvgPool1d) else 2
        k = int(np.prod(size if isinstance(size, tuple) else (size,) * dims))
        counts = np.rint(dense * k)
        if not np.allclose(counts / k, dense):
            raise InvalidInputError(f"{type(layer).__name__}: unsupported averaging weights")
        exact = np.empty(dense.shape, dtype=object)
        exact.ravel()[:] = [Fraction(int(c), k) for c in counts.ravel()]
        return exact, out_shape
    exact = np.empty(dense.shape, dtype=object)
    exact.ravel()[:] = [Fraction(float(v)) for v in dense.ravel()]
    return exact, out_shape


def from_torch(
    module: Any, *, input_shape: tuple[int, ...] | None = None, verify: int = 64, seed: int = 0
) -> Network:
    """Import an ``nn.Sequential`` of affine layers and piecewise-linear activations.

    ``input_shape`` (without the batch dimension, e.g. ``(1, 8, 8)``) is needed
    when the model starts with a convolution or pooling: those become dense
    affine maps for that shape (exactly). Also supported: ``Conv1d``,
    ``Conv2d`` (zero padding), ``AvgPool1d``, ``AvgPool2d``, ``BatchNorm2d``.

    The network is the module's inference function (eval semantics, whatever
    its ``training`` flag; the flag is left as it was). Supported: ``Linear``,
    ``ReLU``, ``LeakyReLU``, ``Hardtanh`` (the default ``[-1, 1]``),
    ``BatchNorm1d`` with running statistics (folded into the neighbouring
    affine map), ``Flatten``, ``Dropout`` and ``Identity`` (identities at
    inference). Weights are taken exactly; BatchNorm's ``1/sqrt(var + ε)`` is
    taken as its float64 value. Anything else raises an error naming the module.
    With ``verify > 0`` the network is compared with the module on random
    inputs and ``net.provenance`` records the largest difference.
    """
    try:
        import torch
        from torch import nn
    except ImportError as exc:  # pragma: no cover - optional extra
        raise InvalidInputError("from_torch needs PyTorch: pip install torch==2.13.0") from exc
    if not isinstance(module, nn.Module):
        raise InvalidInputError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    parts = list(module) if isinstance(module, nn.Sequential) else [module]
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    activations: list[Any] = []
    a_map: Any = None  # the affine map since the last activation (None: none yet)
    c_map: Any = None
    n_in: int | None = int(np.prod(input_shape)) if input_shape is not None else None
    shape: tuple[int, ...] | None = tuple(input_shape) if input_shape is not None else None
    for i, part in enumerate(parts):
        if isinstance(part, (nn.Dropout, nn.Identity)):
            continue
        if isinstance(part, nn.Flatten):
            shape = (int(np.prod(shape)),) if shape is not None else None
            continue
        if isinstance(part, (nn.Conv1d, nn.Conv2d, nn.AvgPool1d, nn.AvgPool2d)):
            if shape is None:
                raise InvalidInputError(
                    f"module[{i}]: {type(part).__name__} needs input_shape=(channels, ...)"
                )
            w, shape = _dense(part, shape)
            if isinstance(part, (nn.Conv1d, nn.Conv2d)) and part.bias is not None:
                per = int(np.prod(shape[1:]))
                b = np.repeat(_exact(part.bias), per)
            else:
                b = np.array([Fraction(0)] * w.shape[0], dtype=object)
            a_map, c_map = (w, b) if a_map is None else (w.dot(a_map), w.dot(c_map) + b)
            continue
        if isinstance(part, nn.Linear):
            if shape is not None and len(shape) > 1:
                raise InvalidInputError(
                    f"module[{i}]: Linear after a {len(shape)}-D tensor: add nn.Flatten"
                )
            have = (
                shape[0] if shape is not None else (a_map.shape[0] if a_map is not None else None)
            )
            if have is not None and have != part.in_features:
                raise InvalidInputError(
                    f"module[{i}]: Linear expects {part.in_features} features, gets {have}"
                )
            shape = (part.out_features,)
            w = _exact(part.weight)
            b = (
                _exact(part.bias)
                if part.bias is not None
                else np.array([Fraction(0)] * w.shape[0], dtype=object)
            )
            if n_in is None:
                n_in = w.shape[1]
            a_map, c_map = (w, b) if a_map is None else (w.dot(a_map), w.dot(c_map) + b)
        elif isinstance(part, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if part.running_mean is None or part.running_var is None:
                raise InvalidInputError(
                    f"module[{i}]: {type(part).__name__} needs running statistics "
                    "(track_running_stats=True)"
                )
            var = part.running_var.detach().double().numpy() + part.eps
            scale = np.array([Fraction(float(v)) for v in 1.0 / np.sqrt(var)], dtype=object)
            ones = np.array([Fraction(1)] * len(scale), dtype=object)
            gamma = _exact(part.weight) if part.weight is not None else ones
            beta = _exact(part.bias) if part.bias is not None else ones * 0
            mean = _exact(part.running_mean)
            per = int(np.prod(shape[1:])) if shape is not None and len(shape) > 1 else 1
            scale, gamma, beta, mean = (np.repeat(v, per) for v in (scale, gamma, beta, mean))
            factor = gamma * scale
            if a_map is None:
                n = len(factor)
                n_in = n if n_in is None else n_in
                a_map, c_map = exact_identity(n), exact_zeros(n)
            a_map, c_map = factor[:, None] * a_map, factor * (c_map - mean) + beta
        elif isinstance(part, (nn.ReLU, nn.LeakyReLU, nn.Hardtanh)):
            if isinstance(part, nn.Hardtanh) and (part.min_val, part.max_val) != (-1.0, 1.0):
                raise InvalidInputError(f"module[{i}]: only Hardtanh(-1, 1) is supported")
            if a_map is None:
                raise InvalidInputError(
                    f"module[{i}]: an activation needs an affine layer before it"
                )
            layers.append((a_map, c_map))
            if isinstance(part, nn.LeakyReLU):
                activations.append(("leaky_relu", Fraction(float(part.negative_slope))))
            else:
                activations.append("hardtanh" if isinstance(part, nn.Hardtanh) else "relu")
            a_map = c_map = None
        else:
            raise InvalidInputError(
                f"module[{i}]: unsupported module {type(part).__name__}; from_torch takes "
                "Linear, Conv1d, Conv2d, AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, ReLU, "
                "LeakyReLU, Hardtanh, Flatten, Dropout and Identity"
            )
    if not layers or a_map is None:
        raise InvalidInputError(
            "module: expected at least one activation followed by an output Linear layer"
        )
    layers.append((a_map, c_map))
    net = Network.from_layers(layers, activation=activations)
    report: dict[str, Any] = {"source": type(module).__name__, "format": "torch"}
    if verify:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(verify, net.n_inputs))
        x_shaped = x.reshape(verify, *input_shape) if input_shape is not None else x
        dtype = torch.float64 if _is_double(module) else torch.float32
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = module(torch.tensor(x_shaped, dtype=dtype))
                theirs = out.double().numpy().reshape(verify, -1)
        finally:
            module.train(was_training)
        err = float(np.max(np.abs(net.forward(x) - theirs)))
        tol = 1e-9 if _is_double(module) else 1e-4
        report.update(
            verified=err <= tol * (1 + float(np.max(np.abs(theirs)))),
            max_abs_error=err,
            inputs_checked=verify,
        )
    net.provenance = report
    return net


def _is_double(module: Any) -> bool:
    params = list(module.parameters())
    return bool(params) and params[0].dtype.is_floating_point and params[0].element_size() == 8
