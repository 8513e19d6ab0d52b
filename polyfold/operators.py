r"""Affine layers as operators: a batch of points in, no matrix formed.

The affine piece between two activations of a convolutional network is a
composition of structured maps (convolution, batch-norm at inference, average
pooling, dense). A walk only ever applies that piece to a batch of knots, so
polyfold keeps it as an operator with three forms:

- ``apply(H)``: float64, rows of ``H`` are points (flattened C-order tensors);
- ``radius(Z, H, E)``: a rigorous bound on ``|apply(H) − A(H*)|`` for every
  exact input ``H*`` with ``|H − H*| ≤ E`` (Higham's ``γ_n`` for each stage's
  inner products, any summation order, plus the rounding of weights that are
  not float64), using ``|W|`` applied to a radius — so the certified walk
  proves its decisions without the matrix;
- ``exact_apply(Q)``: exact rational arithmetic (python-flint), for the rare
  points the bounds cannot settle and for exact breakpoints.

``to_dense()`` forms the exact matrix when it is small enough (the region and
LP engines need it), and refuses with a message otherwise. Memory of a walk is
``O(knots × units)``, never ``units²``.

A float64 weight is a dyadic rational, so a float network is an exact rational
network; a batch-norm scale ``γ / sqrt(var + ε)`` is rounded once, to float64,
and that float is the network's weight.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from ._arith import as_fraction, exact_matmul
from .errors import InvalidInputError

__all__ = [
    "MAX_DENSE_ENTRIES",
    "AvgPool2d",
    "ChannelAffine",
    "Compose",
    "Conv2d",
    "Dense",
    "Operator",
    "Select",
    "Stack",
    "Sum",
    "Take",
]

_U = 2.0**-53
_SAFE = 1 + 2.0**-20
_TINY = 2.0**-1000

#: ``to_dense()`` and the dense import refuse a matrix of more entries than this (each
#: is a Python rational: 2 million take about 0.5 GB).
MAX_DENSE_ENTRIES = 2_000_000


def _fmpq_rows(values: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    out.ravel()[:] = [
        v if isinstance(v, fmpq) else fmpq(*Fraction(v).as_integer_ratio()) for v in values.ravel()
    ]
    return out


def _fmpq_zeros(shape: tuple[int, int]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.fill(fmpq(0))
    return out


class Operator:
    """An affine map ``R^n_in → R^n_out`` applied to batches of points (rows)."""

    n_in: int
    n_out: int
    fan_in: int  # the longest inner product of one output (for γ_n)
    exact_weights: bool = True  # every weight is a float64 (else ``werr`` covers the rounding)

    def __getstate__(self) -> dict[str, Any]:
        # python-flint and torch caches are rebuilt on first use
        state = dict(self.__dict__)
        for key in ("_ex", "_exb", "_ext"):
            if key in state:
                state[key] = None
        state.pop("_tk", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def apply(self, h: np.ndarray) -> np.ndarray:
        """``W h + b`` for a batch of points (rows), in float64.

        Parameters
        ----------
        h
            A batch of points, ``(k, n_in)`` float64.

        Returns
        -------
        numpy.ndarray
            ``W h + b``, ``(k, n_out)`` float64 (by any fast route; not what a proof
            rests on).
        """
        raise NotImplementedError

    def apply_proven(self, h: np.ndarray) -> np.ndarray:
        """:meth:`apply` by inner products only (what :meth:`Operator.radius` bounds).

        Parameters
        ----------
        h
            A batch of points, ``(k, n_in)`` float64.

        Returns
        -------
        numpy.ndarray
            ``(k, n_out)`` float64, computed by inner products that
            :meth:`Operator.radius` bounds.
        """
        return self.apply(h)

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        """``|W| e`` for a nonnegative batch ``e`` (no bias).

        Parameters
        ----------
        e
            A nonnegative batch, ``(k, n_in)`` float64.

        Returns
        -------
        numpy.ndarray
            ``|W| e``, ``(k, n_out)``.
        """
        raise NotImplementedError

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        """Exact ``W q + b`` (or ``W q``) on an object array of ``fmpq`` rows.

        Parameters
        ----------
        q
            A batch of exact points, an object array ``(k, n_in)`` of ``fmpq``.
        bias
            Whether to add ``b``.

        Returns
        -------
        numpy.ndarray
            ``(k, n_out)`` object array of ``fmpq``.
        """
        raise NotImplementedError

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        """Exact ``v W`` for an object array of ``fmpq`` rows ``v`` (``n_out`` columns): the
        transpose of the linear part, for exact gradients (back-propagation) without ``W``.

        Parameters
        ----------
        v
            Exact row vectors, an object array ``(k, n_out)`` of ``fmpq``.

        Returns
        -------
        numpy.ndarray
            ``v W``, ``(k, n_in)`` object array of ``fmpq``.
        """
        raise NotImplementedError

    def bias_error(self) -> np.ndarray:
        """``|b̃ − b|`` per output (0 when the bias is a float64).

        Returns
        -------
        numpy.ndarray
            ``(n_out,)`` float64.
        """
        return np.zeros(self.n_out)

    # -- shared --------------------------------------------------------------------
    @property
    def rowsum(self) -> np.ndarray:
        """``Σ_i |W_ji|`` per output, rounded up."""
        if not hasattr(self, "_rowsum"):
            self._rowsum = self.apply_abs(np.ones((1, self.n_in)))[0] * _SAFE
        return self._rowsum

    def radius(self, z: np.ndarray, h: np.ndarray, eh: np.ndarray | None) -> np.ndarray:
        """Bound on ``|z − W h* − b|`` with ``z = apply(h)`` and ``|h − h*| ≤ eh``.

        Parameters
        ----------
        z
            ``apply_proven(h)``, ``(k, n_out)``.
        h
            The float inputs, ``(k, n_in)``.
        eh
            Their radii (None: ``h`` is exact).

        Returns
        -------
        numpy.ndarray
            ``(k, n_out)`` nonnegative radii.
        """
        werr = 0.0 if self.exact_weights else 2 * _U
        n = self.fan_in
        gamma = n * _U / (1 - n * _U)
        amax = np.abs(h).max(axis=1) if h.shape[1] else np.zeros(len(h))
        r = np.abs(z) * (_U * _SAFE)
        r += np.multiply.outer((gamma + werr) * _SAFE * amax, self.rowsum)
        r += self.bias_error() * _SAFE + _TINY
        if eh is not None:
            r += self.apply_abs(eh) * ((1 + werr) * _SAFE)
        return r

    def forward(self, h: np.ndarray, eh: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`Operator.apply_proven` and its :meth:`Operator.radius` in one pass.

        Parameters
        ----------
        h
            The float inputs, ``(k, n_in)``.
        eh
            Their radii (None: ``h`` is exact).

        Returns
        -------
        tuple of numpy.ndarray
            ``(z, r)``: the values and their radii, ``(k, n_out)`` each.
        """
        z = self.apply_proven(h)
        return z, self.radius(z, h, eh)

    def to_dense(self) -> tuple[np.ndarray, np.ndarray]:
        """The exact ``(W, b)`` as object arrays of :class:`Fraction`.

        Returns
        -------
        tuple of numpy.ndarray
            ``(W, b)``: ``(n_out, n_in)`` and ``(n_out,)``.

        Raises
        ------
        InvalidInputError
            When ``W`` would have more than :data:`MAX_DENSE_ENTRIES` entries.
        """
        if self.n_in * self.n_out > MAX_DENSE_ENTRIES:
            raise InvalidInputError(
                f"net: a dense form of this {self.n_out} x {self.n_in} layer has "
                f"{self.n_in * self.n_out:,} entries (at most {MAX_DENSE_ENTRIES:,}); keep the "
                "operator form (walks work on it) or take a Slice of the input space"
            )
        eye = np.empty((self.n_in, self.n_in), dtype=object)
        eye.fill(fmpq(0))
        for i in range(self.n_in):
            eye[i, i] = fmpq(1)
        zero = np.empty((1, self.n_in), dtype=object)
        zero.fill(fmpq(0))
        b = self.exact_apply(zero)[0]
        w = self.exact_apply(eye, bias=False).T
        to_f = np.vectorize(lambda v: Fraction(int(v.p), int(v.q)), otypes=[object])
        return to_f(w), to_f(b)


@dataclass(eq=False)
class Dense(Operator):
    """``W h + b`` with ``W`` of shape ``(n_out, n_in)``.

    ``weight`` and ``bias`` are float64; ``exact`` optionally gives the exact
    ``(W, b)`` (object arrays of ``Fraction``) when they are not float64 (the
    float values are then their roundings, and the certificate knows it).

    Parameters
    ----------
    weight
        ``(n_out, n_in)``.
    bias
        ``(n_out,)``.
    exact
        The exact ``(W, b)`` when they are not float64 values.
    """

    weight: np.ndarray
    bias: np.ndarray
    exact: tuple[np.ndarray, np.ndarray] | None = None
    _wt: np.ndarray = field(init=False, repr=False)
    _awt: np.ndarray = field(init=False, repr=False)
    _ex: fmpq_mat | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.weight = np.asarray(self.weight, dtype=np.float64)
        self.bias = np.asarray(self.bias, dtype=np.float64)
        self.n_out, self.n_in = self.weight.shape
        self.fan_in = self.n_in
        self._wt = np.ascontiguousarray(self.weight.T)
        self._awt = np.abs(self._wt)
        self._exb: np.ndarray | None = None
        self._berr = np.zeros(self.n_out)
        if self.exact is not None:
            w_ex, b_ex = self.exact
            self.exact_weights = all(
                np.isfinite(f) and Fraction(float(f)) == v
                for f, v in zip(self.weight.ravel(), w_ex.ravel())
            )
            self._berr = np.array(
                [
                    0.0 if np.isfinite(f) and Fraction(float(f)) == v else 2 * _U * abs(f)
                    for f, v in zip(self.bias, b_ex)
                ]
            )

    def bias_error(self) -> np.ndarray:
        return self._berr

    def apply(self, h: np.ndarray) -> np.ndarray:
        return h @ self._wt + self.bias

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        return e @ self._awt

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        if self._ex is None:
            wt = self._wt if self.exact is None else np.ascontiguousarray(self.exact[0].T)
            b = self.bias if self.exact is None else self.exact[1]
            self._ex = fmpq_mat(wt.shape[0], wt.shape[1], list(_fmpq_rows(wt).ravel()))
            self._exb = _fmpq_rows(b)
        out = exact_matmul(q, self._ex)
        return out + self._exb if bias else out

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        if self.__dict__.get("_ext") is None:
            w = self.weight if self.exact is None else self.exact[0]
            self._ext = fmpq_mat(w.shape[0], w.shape[1], list(_fmpq_rows(w).ravel()))
        return exact_matmul(v, self._ext)


def _pair(v: Any, name: str, minimum: int = 0) -> tuple[int, int]:
    """An integer or a pair of integers ``>= minimum``, as a pair."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        t: tuple[Any, ...] = (v, v)
    elif isinstance(v, (tuple, list)):
        t = tuple(v)
    else:
        t = ()
    if len(t) != 2 or any(
        isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < minimum for x in t
    ):
        raise InvalidInputError(
            f"{name}: expected an integer >= {minimum} or a pair of them, got {v!r}"
        )
    return int(t[0]), int(t[1])


@dataclass(eq=False)
class Conv2d(Operator):
    """A 2-D convolution (cross-correlation, as in PyTorch) with zero padding.

    ``weight`` ``(C_out, C_in/groups, kh, kw)``; inputs and outputs are
    C-order flattened ``(C, H, W)`` tensors.

    Parameters
    ----------
    weight
        ``(C_out, C_in/groups, kh, kw)``.
    bias
        ``(C_out,)`` or None.
    in_shape
        ``(C, H, W)`` of one input.
    stride, padding, dilation
        An integer or an ``(h, w)`` pair each.
    groups
        The number of channel groups.
    backend
        ``"numpy"`` or ``"torch"`` (float64 products for unproven float work).
    device
        The torch device of those products (``"cpu"``, ``"cuda"``, …); proofs
        and radii always run in numpy on the CPU.

    Raises
    ------
    InvalidInputError
        For groups that do not divide the channels, an input too small for the
        kernel, or a bad stride, padding or dilation.
    """

    weight: np.ndarray
    bias: np.ndarray | None
    in_shape: tuple[int, int, int]
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    backend: str = "numpy"  # "torch": unproven float products through torch (float64)
    device: str = "cpu"  # where torch computes them

    def __post_init__(self) -> None:
        if self.backend not in ("numpy", "torch"):
            raise InvalidInputError(f"backend: expected 'numpy' or 'torch', got {self.backend!r}")
        self.weight = np.asarray(self.weight, dtype=np.float64)
        self._pid = os.getpid()
        c_out, c_in_g, kh, kw = self.weight.shape
        c, h, w = self.in_shape
        self.stride, self.padding = _pair(self.stride, "stride", 1), _pair(self.padding, "padding")
        self.dilation = _pair(self.dilation, "dilation", 1)
        if self.groups < 1 or c % self.groups or c_out % self.groups or c_in_g * self.groups != c:
            raise InvalidInputError(
                f"groups: {self.groups} does not divide {c} input and {c_out} output channels "
                f"with kernels of {c_in_g} input channels"
            )
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        self.out_h = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        self.out_w = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        if self.out_h < 1 or self.out_w < 1:
            raise InvalidInputError(f"in_shape: {self.in_shape} is too small for this kernel")
        self.out_shape = (c_out, self.out_h, self.out_w)
        self.n_in, self.n_out = c * h * w, c_out * self.out_h * self.out_w
        self.fan_in = c_in_g * kh * kw
        self.bias = None if self.bias is None else np.asarray(self.bias, dtype=np.float64)
        self._abs = np.abs(self.weight)
        self._ex: list[fmpq_mat] | None = None

    def _patches(self, x: np.ndarray) -> np.ndarray:
        """``(K, groups, out_h*out_w, C_in/g*kh*kw)`` windows of a batch (float or object)."""
        k = x.shape[0]
        c, h, w = self.in_shape
        _, c_in_g, kh, kw = self.weight.shape
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        img = x.reshape(k, c, h, w)
        if ph or pw:
            pad = np.zeros((k, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
            if x.dtype == object:
                pad.fill(fmpq(0))
            pad[:, :, ph : ph + h, pw : pw + w] = img
            img = pad
        rows = (np.arange(self.out_h) * sh)[:, None] + np.arange(kh) * dh  # (out_h, kh)
        cols = (np.arange(self.out_w) * sw)[:, None] + np.arange(kw) * dw  # (out_w, kw)
        win = img[:, :, rows[:, None, :, None], cols[None, :, None, :]]  # K,C,oh,ow,kh,kw
        win = win.reshape(k, self.groups, c_in_g, self.out_h, self.out_w, kh, kw)
        win = win.transpose(0, 1, 3, 4, 2, 5, 6)  # K,g,oh,ow,cin,kh,kw
        return win.reshape(k, self.groups, self.out_h * self.out_w, c_in_g * kh * kw)

    def _conv(self, x: np.ndarray, kernel: np.ndarray, proof: bool = False) -> np.ndarray:
        # numpy's products are inner products (BLAS, any order), which γ_n bounds; torch
        # only for unproven work, and only in the process that built the operator (a forked
        # worker that inherited torch's thread pool can deadlock in it)
        if self.backend == "torch" and not proof and os.getpid() == self._pid:
            return self._torch_conv(x, kernel)
        k = x.shape[0]
        c_out = kernel.shape[0]
        per = c_out // self.groups
        pat = self._patches(x)
        ker = kernel.reshape(self.groups, per, -1)  # g, per, cin*kh*kw
        out = np.einsum("kgpf,gof->kgop", pat, ker, optimize=True)
        return out.reshape(k, c_out * self.out_h * self.out_w)

    def _torch_conv(self, x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """float64 convolution through torch, for unproven float work only.

        Torch may pick any convolution algorithm, so nothing that a proof rests
        on goes through it: :meth:`forward` and :meth:`apply_abs` use numpy.
        """
        import torch
        import torch.nn.functional as F

        key = id(kernel)
        cache = self.__dict__.setdefault("_tk", {})
        if key not in cache:
            cache.clear() if len(cache) > 2 else None
            cache[key] = torch.from_numpy(np.ascontiguousarray(kernel)).to(self.device)
        inp = torch.from_numpy(np.ascontiguousarray(x).reshape(len(x), *self.in_shape))
        inp = inp.to(self.device)
        with torch.no_grad():
            out = F.conv2d(
                inp,
                cache[key],
                stride=self.stride,
                padding=self.padding,
                dilation=self.dilation,
                groups=self.groups,
            )
        return out.cpu().numpy().reshape(len(x), -1)

    def apply(self, h: np.ndarray) -> np.ndarray:
        return self._apply(h, proof=False)

    def apply_proven(self, h: np.ndarray) -> np.ndarray:
        return self._apply(h, proof=True)

    def _apply(self, h: np.ndarray, proof: bool) -> np.ndarray:
        out = self._conv(h, self.weight, proof)
        if self.bias is not None:
            out = out.reshape(len(h), -1, self.out_h * self.out_w) + self.bias[None, :, None]
            out = out.reshape(len(h), -1)
        return out

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        return self._conv(e, self._abs, proof=True)

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        k = q.shape[0]
        c_out = self.weight.shape[0]
        per = c_out // self.groups
        if self._ex is None:
            ker = self.weight.reshape(self.groups, per, -1)
            self._ex = [
                fmpq_mat(ker.shape[2], per, list(_fmpq_rows(np.ascontiguousarray(g.T)).ravel()))
                for g in ker
            ]
        pat = self._patches(q)  # K, g, P, F
        parts = []
        for g in range(self.groups):
            flat = pat[:, g].reshape(k * pat.shape[2], pat.shape[3])
            res = exact_matmul(np.ascontiguousarray(flat), self._ex[g])  # K*P, per
            parts.append(res.reshape(k, pat.shape[2], per).transpose(0, 2, 1))  # K, per, P
        out = np.concatenate(parts, axis=1)  # K, c_out, P
        if bias and self.bias is not None:
            out = out + _fmpq_rows(self.bias)[None, :, None]
        return out.reshape(k, -1)

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        """The transposed convolution: window gradients ``v · kernel`` by python-flint, then
        added back onto the (padded) image, one kernel offset at a time.

        Parameters
        ----------
        v
            Exact row vectors, an object array ``(k, n_out)`` of ``fmpq``.

        Returns
        -------
        numpy.ndarray
            ``v W``, ``(k, n_in)`` object array of ``fmpq``.
        """
        k = v.shape[0]
        c, h, w = self.in_shape
        c_out, c_in_g, kh, kw = self.weight.shape
        per = c_out // self.groups
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        if self.__dict__.get("_ext") is None:
            ker = self.weight.reshape(self.groups, per, -1)
            self._ext = [fmpq_mat(per, ker.shape[2], list(_fmpq_rows(g).ravel())) for g in ker]
        p_count = self.out_h * self.out_w
        vg = v.reshape(k, self.groups, per, p_count)
        img = np.empty((k, c, h + 2 * ph, w + 2 * pw), dtype=object)
        img.fill(fmpq(0))
        for g in range(self.groups):
            rows = np.ascontiguousarray(vg[:, g].transpose(0, 2, 1)).reshape(k * p_count, per)
            win = exact_matmul(rows, self._ext[g])  # K*P, cin*kh*kw
            win = win.reshape(k, self.out_h, self.out_w, c_in_g, kh, kw)
            block = img[:, g * c_in_g : (g + 1) * c_in_g]
            for i in range(kh):
                for j in range(kw):
                    r0, c0 = i * dh, j * dw
                    view = block[
                        :,
                        :,
                        r0 : r0 + sh * (self.out_h - 1) + 1 : sh,
                        c0 : c0 + sw * (self.out_w - 1) + 1 : sw,
                    ]
                    view += win[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        return np.ascontiguousarray(img[:, :, ph : ph + h, pw : pw + w]).reshape(k, -1)


@dataclass(eq=False)
class ChannelAffine(Operator):
    """``scale[c] · x + shift[c]`` per channel of a ``(C, …)`` tensor (batch-norm at inference).

    ``scale`` and ``shift`` may be exact (``Fraction``); their float64 values are
    then rounded and the certificate accounts for it.

    Parameters
    ----------
    scale, shift
        One value per channel (floats or exact ``Fraction``).
    in_shape
        The input's shape, channels first.

    Raises
    ------
    InvalidInputError
        When there is not one scale and one shift per channel.
    """

    scale: Any
    shift: Any
    in_shape: tuple[int, ...]

    def __post_init__(self) -> None:
        self._scale_q = [as_fraction(v, "scale") for v in np.ravel(self.scale)]
        self._shift_q = [as_fraction(v, "shift") for v in np.ravel(self.shift)]
        c = self.in_shape[0]
        if len(self._scale_q) != c or len(self._shift_q) != c:
            raise InvalidInputError(f"scale, shift: expected {c} per-channel values")
        self._per = int(np.prod(self.in_shape[1:])) if len(self.in_shape) > 1 else 1
        self.n_in = self.n_out = c * self._per
        self.fan_in = 1
        self._sf = np.repeat([float(v) for v in self._scale_q], self._per)
        self._bf = np.repeat([float(v) for v in self._shift_q], self._per)
        self.exact_weights = all(Fraction(float(v)) == v for v in self._scale_q)
        self._bias_err = np.repeat(
            [0.0 if Fraction(float(v)) == v else 2 * _U * abs(float(v)) for v in self._shift_q],
            self._per,
        )

    def apply(self, h: np.ndarray) -> np.ndarray:
        return h * self._sf + self._bf

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        return e * np.abs(self._sf)

    def bias_error(self) -> np.ndarray:
        return self._bias_err

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        s = np.repeat(np.array([fmpq(*v.as_integer_ratio()) for v in self._scale_q]), self._per)
        out = q * s[None, :]
        if bias:
            t = np.repeat(np.array([fmpq(*v.as_integer_ratio()) for v in self._shift_q]), self._per)
            out = out + t[None, :]
        return out

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        s = np.repeat(np.array([fmpq(*x.as_integer_ratio()) for x in self._scale_q]), self._per)
        return v * s[None, :]


@dataclass(eq=False)
class AvgPool2d(Operator):
    """Average pooling of ``(C, H, W)`` tensors (zero padding counted, as PyTorch's default).

    Parameters
    ----------
    kernel
        The window, an integer or an ``(h, w)`` pair.
    in_shape
        ``(C, H, W)`` of one input.
    stride
        Default: the kernel.
    padding
        Zero padding, counted in the average.
    backend, device
        As for :class:`Conv2d`.
    """

    kernel: Any
    in_shape: tuple[int, int, int]
    stride: Any = None
    padding: Any = 0
    backend: str = "numpy"
    device: str = "cpu"

    def __post_init__(self) -> None:
        self.kernel = _pair(self.kernel, "kernel", 1)
        self.stride = _pair(self.stride if self.stride is not None else self.kernel, "stride", 1)
        c = self.in_shape[0]
        kh, kw = self.kernel
        weight = np.zeros((c, 1, kh, kw))
        weight[:] = 1.0 / (kh * kw)
        self._conv = Conv2d(
            weight, None, self.in_shape, self.stride, self.padding, 1, c, self.backend, self.device
        )
        self.out_shape = self._conv.out_shape
        self.n_in, self.n_out, self.fan_in = self._conv.n_in, self._conv.n_out, kh * kw
        self.exact_weights = Fraction(1.0 / (kh * kw)) == Fraction(1, kh * kw)
        # the window sums, exactly (the average is them times 1/(kh*kw))
        ones = np.ones((c, 1, kh, kw))
        self._sum = Conv2d(ones, None, self.in_shape, self.stride, self.padding, 1, c)

    def apply(self, h: np.ndarray) -> np.ndarray:
        return self._conv.apply(h)

    def apply_proven(self, h: np.ndarray) -> np.ndarray:
        return self._conv.apply_proven(h)

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        return self._conv.apply_abs(e)

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        # the exact weight is 1/(kh*kw); the float one is its rounding
        kh, kw = self.kernel
        return self._sum.exact_apply(q) * fmpq(1, kh * kw)

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        kh, kw = self.kernel
        return self._sum.exact_vjp(v) * fmpq(1, kh * kw)


@dataclass(eq=False)
class Compose(Operator):
    """``ops[-1] ∘ … ∘ ops[0]``: affine maps with no activation between them.

    Parameters
    ----------
    ops
        The maps in the order they apply.

    Raises
    ------
    InvalidInputError
        When there are none or their sizes do not chain.
    """

    ops: list[Operator]

    def __post_init__(self) -> None:
        if not self.ops:
            raise InvalidInputError("ops: expected at least one operator")
        for a, b in zip(self.ops, self.ops[1:]):
            if a.n_out != b.n_in:
                raise InvalidInputError(
                    f"ops: an operator with {a.n_out} outputs feeds one with {b.n_in} inputs"
                )
        self.n_in, self.n_out = self.ops[0].n_in, self.ops[-1].n_out
        self.fan_in = max(op.fan_in for op in self.ops)
        self.exact_weights = all(op.exact_weights for op in self.ops)

    def apply(self, h: np.ndarray) -> np.ndarray:
        for op in self.ops:
            h = op.apply(h)
        return h

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        for op in self.ops:
            e = op.apply_abs(e)
        return e

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        for op in self.ops:
            q = op.exact_apply(q, bias=bias)
        return q

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        for op in reversed(self.ops):
            v = op.exact_vjp(v)
        return v

    def forward(self, h: np.ndarray, eh: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        # stage by stage: each stage's rounding joins the radius the next one propagates
        r = eh
        for op in self.ops:
            h, r = op.forward(h, r)
        assert r is not None
        return h, r

    def radius(self, z: np.ndarray, h: np.ndarray, eh: np.ndarray | None) -> np.ndarray:
        return self.forward(h, eh)[1]


@dataclass(eq=False)
class Select(Operator):
    """``h[start:stop]``: a contiguous part of the input, exactly (no rounding).

    The part of a layer's units that a branch of the model reads — the main path
    or the identity branch of a residual block (see :class:`Sum`, :class:`Stack`).

    Parameters
    ----------
    n_in
        The input's size.
    start, stop
        The part taken, ``0 <= start < stop <= n_in``.

    Raises
    ------
    InvalidInputError
        For a part outside the input.
    """

    n_in: int
    start: int
    stop: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.stop <= self.n_in:
            raise InvalidInputError(
                f"start, stop: expected 0 <= start < stop <= {self.n_in}, got "
                f"{self.start}, {self.stop}"
            )
        self.n_out = self.stop - self.start
        self.fan_in = 1

    def apply(self, h: np.ndarray) -> np.ndarray:
        return h[:, self.start : self.stop]

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        return e[:, self.start : self.stop]

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        return q[:, self.start : self.stop]

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        out = _fmpq_zeros((v.shape[0], self.n_in))
        out[:, self.start : self.stop] = v
        return out

    def forward(self, h: np.ndarray, eh: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        z = h[:, self.start : self.stop]
        r = np.zeros(z.shape) if eh is None else eh[:, self.start : self.stop]
        return z, r

    def radius(self, z: np.ndarray, h: np.ndarray, eh: np.ndarray | None) -> np.ndarray:
        return self.forward(h, eh)[1]


@dataclass(eq=False)
class Stack(Operator):
    """``[ops[0](h); ops[1](h); …]``: several maps of one input, their outputs side by side.

    A layer whose units come from different branches (a residual block's
    convolution and the identity it carries on as linear units).

    Parameters
    ----------
    ops
        Maps of the same input.

    Raises
    ------
    InvalidInputError
        When there are none or their inputs differ.
    """

    ops: list[Operator]

    def __post_init__(self) -> None:
        if not self.ops:
            raise InvalidInputError("ops: expected at least one operator")
        if len({op.n_in for op in self.ops}) != 1:
            raise InvalidInputError(
                f"ops: the operators take different inputs ({[op.n_in for op in self.ops]})"
            )
        self.n_in = self.ops[0].n_in
        self.n_out = sum(op.n_out for op in self.ops)
        self.fan_in = max(op.fan_in for op in self.ops)
        self.exact_weights = all(op.exact_weights for op in self.ops)

    def apply(self, h: np.ndarray) -> np.ndarray:
        return np.concatenate([op.apply(h) for op in self.ops], axis=1)

    def apply_proven(self, h: np.ndarray) -> np.ndarray:
        return np.concatenate([op.apply_proven(h) for op in self.ops], axis=1)

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        return np.concatenate([op.apply_abs(e) for op in self.ops], axis=1)

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        return np.concatenate([op.exact_apply(q, bias=bias) for op in self.ops], axis=1)

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        bounds = np.cumsum([0] + [op.n_out for op in self.ops])
        out = self.ops[0].exact_vjp(v[:, bounds[0] : bounds[1]])
        for op, lo, hi in zip(self.ops[1:], bounds[1:], bounds[2:]):
            out = out + op.exact_vjp(v[:, lo:hi])
        return out

    def bias_error(self) -> np.ndarray:
        return np.concatenate([op.bias_error() for op in self.ops])

    def forward(self, h: np.ndarray, eh: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        parts = [op.forward(h, eh) for op in self.ops]
        return (
            np.concatenate([z for z, _ in parts], axis=1),
            np.concatenate([r for _, r in parts], axis=1),
        )

    def radius(self, z: np.ndarray, h: np.ndarray, eh: np.ndarray | None) -> np.ndarray:
        return self.forward(h, eh)[1]


@dataclass(eq=False)
class Sum(Operator):
    """``ops[0](h) + ops[1](h) + …``: a residual addition (each term usually reads its own
    part of ``h`` through :class:`Select`).

    The float sum of ``k`` terms adds at most ``(k − 1) u`` of ``Σ|terms|`` to the
    terms' own radii.

    Parameters
    ----------
    ops
        Maps of the same input and output sizes.

    Raises
    ------
    InvalidInputError
        When there are none or their sizes differ.
    """

    ops: list[Operator]

    def __post_init__(self) -> None:
        if not self.ops:
            raise InvalidInputError("ops: expected at least one operator")
        if len({op.n_in for op in self.ops}) != 1 or len({op.n_out for op in self.ops}) != 1:
            raise InvalidInputError(
                "ops: the terms of a sum must take the same input and give the same output size, "
                f"got {[(op.n_in, op.n_out) for op in self.ops]}"
            )
        self.n_in, self.n_out = self.ops[0].n_in, self.ops[0].n_out
        self.fan_in = max(op.fan_in for op in self.ops) + len(self.ops) - 1
        self.exact_weights = all(op.exact_weights for op in self.ops)

    def apply(self, h: np.ndarray) -> np.ndarray:
        out = self.ops[0].apply(h)
        for op in self.ops[1:]:
            out = out + op.apply(h)
        return out

    def apply_proven(self, h: np.ndarray) -> np.ndarray:
        return self.forward(h, None)[0]

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        out = self.ops[0].apply_abs(e)
        for op in self.ops[1:]:
            out = out + op.apply_abs(e)
        return out

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        out = self.ops[0].exact_apply(q, bias=bias)
        for op in self.ops[1:]:
            out = out + op.exact_apply(q, bias=bias)
        return out

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        out = self.ops[0].exact_vjp(v)
        for op in self.ops[1:]:
            out = out + op.exact_vjp(v)
        return out

    def bias_error(self) -> np.ndarray:
        out = self.ops[0].bias_error()
        for op in self.ops[1:]:
            out = out + op.bias_error()
        return out

    def forward(self, h: np.ndarray, eh: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        z, r = self.ops[0].forward(h, eh)
        size = np.abs(z)
        r = np.array(r, dtype=np.float64)
        for op in self.ops[1:]:
            zi, ri = op.forward(h, eh)
            z = z + zi
            size = size + np.abs(zi)
            r = r + ri
        k = len(self.ops) - 1
        return z, (r + (k * _U / (1 - k * _U)) * size) * _SAFE + _TINY

    def radius(self, z: np.ndarray, h: np.ndarray, eh: np.ndarray | None) -> np.ndarray:
        return self.forward(h, eh)[1]


@dataclass(eq=False)
class Take(Operator):
    """``h[index]``: entries of the input in a given order, exactly (no rounding).

    The reordering of a concatenation along an axis other than the first.

    Parameters
    ----------
    n_in
        The input's size.
    index
        Flat indices into the input (may repeat).

    Raises
    ------
    InvalidInputError
        For an index outside the input.
    """

    n_in: int
    index: np.ndarray

    def __post_init__(self) -> None:
        self.index = np.asarray(self.index, dtype=np.intp)
        if self.index.ndim != 1 or (
            self.index.size and (self.index.min() < 0 or self.index.max() >= self.n_in)
        ):
            raise InvalidInputError(f"index: expected flat indices into {self.n_in} inputs")
        self.n_out = len(self.index)
        self.fan_in = 1

    def apply(self, h: np.ndarray) -> np.ndarray:
        return h[:, self.index]

    def apply_abs(self, e: np.ndarray) -> np.ndarray:
        return e[:, self.index]

    def exact_apply(self, q: np.ndarray, *, bias: bool = True) -> np.ndarray:
        return q[:, self.index]

    def exact_vjp(self, v: np.ndarray) -> np.ndarray:
        out = _fmpq_zeros((v.shape[0], self.n_in))
        for r in range(v.shape[0]):  # an index may repeat (overlapping windows): add
            np.add.at(out[r], self.index, v[r])
        return out

    def forward(self, h: np.ndarray, eh: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        z = h[:, self.index]
        return z, np.zeros(z.shape) if eh is None else eh[:, self.index]

    def radius(self, z: np.ndarray, h: np.ndarray, eh: np.ndarray | None) -> np.ndarray:
        return self.forward(h, eh)[1]
