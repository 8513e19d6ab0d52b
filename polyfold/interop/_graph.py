"""Compile a computation graph into a chain :class:`~polyfold.network.Network`, exactly.

Importers describe a model as a graph of affine maps, additions of tensors,
activations and max-pooling; :class:`ChainBuilder` turns it into the layered
form the rest of polyfold works on. Every tensor is kept as an exact affine
function ``A h_k + c`` of the output ``h_k`` of some hidden layer ``k`` (its
*level*; ``h_0`` is the input). An activation applied to a tensor at level
``k`` adds units to hidden layer ``k + 1``. A tensor needed at a deeper level
than its own — the identity branch of a residual block, the losing side of
a max — is carried there by *linear units* (``σ = id``, no kink, no bit), so
the chain computes the model's function exactly and its pattern has one bit
per unit of the model, nothing more.

Max-pooling becomes a tournament: ``max(a, b) = b + relu(a − b)``, one hidden
layer per round; the ``relu(a − b)`` units' bits record which input won, so
the pooling selection joins the pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ..network import Network
from ..operators import MAX_DENSE_ENTRIES

__all__ = [
    "AUTO_DENSE_LIMIT",
    "FORMS",
    "ChainBuilder",
    "Value",
    "as_exact",
    "conv_dense",
    "exact_array",
    "pool_windows",
    "tournament_round",
]


def exact_array(values: Any) -> np.ndarray:
    """A real (float) array as an object array of :class:`Fraction`, exactly."""
    arr = np.asarray(values, dtype=np.float64)
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = [Fraction(float(v)) for v in arr.ravel()]
    return out


def tournament_round(groups: list[list[int]]) -> tuple[list[int], list[int], list[int]]:
    """One round of a max-pooling tournament over ``groups`` of flat indices: the left and
    right entries of each group's pairs (compared as ``relu(left − right)``) and the entries
    carried on (each pair's right, then an odd one out), all in group order."""
    left: list[int] = []
    right: list[int] = []
    carry: list[int] = []
    for g in groups:
        pairs = len(g) // 2
        left += g[0 : 2 * pairs : 2]
        right += g[1 : 2 * pairs : 2]
        carry += g[1 : 2 * pairs : 2] + g[2 * pairs :]
    return left, right, carry


# the importers' forms; form="auto" keeps matrices while the dense form has at most
# this many weights
FORMS = ("auto", "dense", "operators")
AUTO_DENSE_LIMIT = 2_000_000


def _zeros(shape: Any) -> np.ndarray:
    """Exact zeros; a matrix beyond :data:`~polyfold.operators.MAX_DENSE_ENTRIES` entries is
    refused (each entry is a Python rational) instead of exhausting memory."""
    if np.ndim(shape) == 1 and len(shape) == 2 and shape[0] * shape[1] > MAX_DENSE_ENTRIES:
        raise InvalidInputError(
            f"model: the dense form needs an exact matrix of {shape[0]:,} × {shape[1]:,} "
            f"entries (more than {MAX_DENSE_ENTRIES:,}); import it with form='operators', "
            "which keeps convolutions, pooling and batch-norm as operators"
        )
    out = np.empty(shape, dtype=object)
    out.fill(Fraction(0))
    return out


@dataclass(frozen=True, eq=False)
class Value:
    """A tensor ``A h_level + c`` of shape ``shape`` (without the batch dimension).

    ``sel`` marks a pure selection ``h_level[sel]`` (then ``A`` is built only
    when needed), which keeps composing the next affine map a column copy.
    """

    level: int
    shape: tuple[int, ...]
    c: np.ndarray
    sel: np.ndarray | None = None
    A: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.c)


class ChainBuilder:
    """Build a chain network from graph operations; see the module docstring.

    >>> b = ChainBuilder((1,))
    >>> x = b.input()
    >>> h = b.activation(b.affine(x, [[1], [-1]], [0, 0]), "relu")
    >>> y = b.add(b.affine(h, [[1, 1]]), x)          # |x| + x, with a skip connection
    >>> net = b.build(y)
    >>> net.hidden_sizes, [m.tolist() for m in net.linear_units]
    ((3,), [[False, False, True]])
    >>> [float(net.forward([v])[0]) for v in (-2.0, 3.0)]
    [0.0, 6.0]
    """

    def __init__(self, input_shape: Sequence[int]) -> None:
        self.input_shape = tuple(int(s) for s in input_shape)
        n = int(np.prod(self.input_shape))
        self._widths = [n]
        # per hidden layer: row blocks (A over the previous level, c) and whether linear
        self._blocks: list[list[tuple[np.ndarray, np.ndarray, bool]]] = []
        self._acts: list[Any] = []
        self._lifted: dict[int, tuple[Value, Value]] = {}

    # -- values ----------------------------------------------------------------------
    def input(self) -> Value:
        n = self._widths[0]
        return Value(0, self.input_shape, _zeros(n), sel=np.arange(n))

    def matrix(self, v: Value) -> np.ndarray:
        """``A`` padded to the current width of ``v``'s level."""
        width = self._widths[v.level]
        if v.sel is not None:
            a = _zeros((v.size, width))
            a[np.arange(v.size), v.sel] = Fraction(1)
            return a
        assert v.A is not None
        if v.A.shape[1] < width:
            return np.hstack([v.A, _zeros((v.size, width - v.A.shape[1]))])
        return v.A

    def affine(
        self, v: Value, w: Any, b: Any = None, shape: tuple[int, ...] | None = None
    ) -> Value:
        """``W v + b`` (``W``, ``b`` exact object arrays or anything Fraction-convertible)."""
        w = as_exact(w)
        if w.ndim != 2 or w.shape[1] != v.size:
            raise InvalidInputError(
                f"model: an affine map of shape {w.shape} cannot take a tensor of size {v.size}"
            )
        bias = _zeros(w.shape[0]) if b is None else np.broadcast_to(as_exact(b), (w.shape[0],))
        out_shape = shape if shape is not None else (w.shape[0],)
        if v.sel is not None and len(set(v.sel.tolist())) == v.size:
            a = _zeros((w.shape[0], self._widths[v.level]))
            a[:, v.sel] = w
            return Value(v.level, out_shape, w.dot(v.c) + bias, A=a)
        return Value(v.level, out_shape, w.dot(v.c) + bias, A=w.dot(self.matrix(v)))

    def scale(self, v: Value, factor: Any, shift: Any = None) -> Value:
        """Elementwise ``factor · v + shift`` (a diagonal affine map, e.g. batch-norm)."""
        f = np.broadcast_to(as_exact(factor), (v.size,))
        s = _zeros(v.size) if shift is None else np.broadcast_to(as_exact(shift), (v.size,))
        return Value(v.level, v.shape, f * v.c + s, A=f[:, None] * self.matrix(v))

    def take(self, v: Value, index: Any, shape: tuple[int, ...]) -> Value:
        """Entries ``v[index]`` (flat indices) as a tensor of ``shape``: reshapes, slices."""
        idx = np.asarray(index, dtype=np.intp).ravel()
        if v.sel is not None:
            return Value(v.level, shape, v.c[idx], sel=v.sel[idx])
        return Value(v.level, shape, v.c[idx], A=self.matrix(v)[idx])

    def reshape(self, v: Value, shape: tuple[int, ...]) -> Value:
        if int(np.prod(shape)) != v.size:
            raise InvalidInputError(f"model: cannot reshape a tensor of size {v.size} to {shape}")
        return Value(v.level, tuple(shape), v.c, sel=v.sel, A=v.A)

    def lift(self, v: Value, level: int) -> Value:
        """The same tensor at a deeper level, carried by linear units."""
        while v.level < level:
            key = id(v)
            if key in self._lifted:  # a tensor used at several depths is carried once
                v = self._lifted[key][1]
                continue
            up = self._new_units(v, None)
            self._lifted[key] = (v, up)  # holding v keeps its id unique
            v = up
        return v

    def add(self, u: Value, v: Value, sign: int = 1) -> Value:
        """``u + v`` (or ``u − v``) of two tensors of one size — a skip connection."""
        if u.size != v.size:
            raise InvalidInputError(f"model: cannot add tensors of sizes {u.size} and {v.size}")
        level = max(u.level, v.level)
        u, v = self.lift(u, level), self.lift(v, level)
        return Value(
            level,
            u.shape,
            u.c + sign * v.c,
            A=self.matrix(u) + sign * self.matrix(v),
        )

    def concat(self, parts: Sequence[Value], order: np.ndarray, shape: tuple[int, ...]) -> Value:
        """The entries of ``parts`` stacked, then taken in ``order`` (flat indices)."""
        level = max(p.level for p in parts)
        parts = [self.lift(p, level) for p in parts]
        c = np.concatenate([p.c for p in parts])
        if all(p.sel is not None for p in parts):
            sel = np.concatenate([p.sel for p in parts if p.sel is not None])
            return self.take(Value(level, (len(c),), c, sel=sel), order, shape)
        a = np.vstack([self.matrix(p) for p in parts])
        return self.take(Value(level, (len(c),), c, A=a), order, shape)

    def concat_along(self, parts: Sequence[Value], axis: int) -> Value:
        """``parts`` joined along ``axis`` of their shapes (as ``numpy.concatenate``).

        Raises ``ValueError`` when the shapes do not fit together.
        """
        # where each entry of the result comes from, as flat indices into the stacked parts
        offsets = np.cumsum([0] + [p.size for p in parts])
        blocks = [np.arange(p.size).reshape(p.shape) + o for p, o in zip(parts, offsets)]
        order = np.concatenate(blocks, axis=axis)
        return self.concat(parts, order.ravel(), tuple(order.shape))

    def activation(self, v: Value, act: Any) -> Value:
        """``σ(v)``: new units in the next hidden layer."""
        return self._new_units(v, act)

    def max_pool(self, v: Value, windows: Sequence[Sequence[int]], shape: tuple[int, ...]) -> Value:
        """``max`` over each window of flat indices, as a ReLU tournament."""
        if any(len(w) == 0 for w in windows):
            raise InvalidInputError("model: a pooling window covers no input")
        current, groups = v, [list(w) for w in windows]
        while any(len(g) > 1 for g in groups):
            left, right, carry = tournament_round(groups)
            diff = self.add(
                self.take(current, left, (len(left),)), self.take(current, right, (len(right),)), -1
            )
            wins = self.activation(diff, "relu")  # bit 1: the left input is larger
            kept = self.lift(self.take(current, carry, (len(carry),)), wins.level)
            n_both = len(left) + len(carry)
            both = self.concat([wins, kept], np.arange(n_both), (n_both,))
            # new entries: right + relu(left − right) for pairs, the odd one carried as is
            rows, new_groups, p, q = [], [], 0, len(left)
            for g in groups:
                pairs = len(g) // 2
                entries = []
                for _ in range(pairs):
                    rows.append({p: 1, q: 1})
                    entries.append(len(rows) - 1)
                    p, q = p + 1, q + 1
                if len(g) % 2:
                    rows.append({q: 1})
                    entries.append(len(rows) - 1)
                    q += 1
                new_groups.append(entries)
            w = _zeros((len(rows), both.size))
            for r, cols in enumerate(rows):
                for col in cols:
                    w[r, col] = Fraction(1)
            current, groups = self.affine(both, w), new_groups
        return self.take(current, [g[0] for g in groups], shape)

    # -- the network -----------------------------------------------------------------
    def build(self, out: Value, **options: Any) -> Network:
        """The chain network whose output is ``out`` (lifted to the last hidden layer)."""
        depth = len(self._blocks)
        if depth == 0:
            raise InvalidInputError(
                "model: no activation found; polyfold needs at least one hidden layer"
            )
        out = self.lift(out, depth)
        layers, linear, acts = [], [], []
        for k, blocks in enumerate(self._blocks):
            width = self._widths[k]
            rows = [_pad(a, width) for a, _, _ in blocks]
            layers.append((np.vstack(rows), np.concatenate([c for _, c, _ in blocks])))
            flags = np.concatenate([np.full(len(c), lin) for _, c, lin in blocks])
            linear.append(np.flatnonzero(flags).tolist())
            acts.append(self._acts[k] if self._acts[k] is not None else "relu")
        layers.append((self.matrix(out), out.c))
        return Network.from_layers(layers, activation=acts, linear_units=linear, **options)

    def _new_units(self, v: Value, act: Any) -> Value:
        level = v.level + 1
        if level > len(self._blocks):
            self._blocks.append([])
            self._acts.append(None)
            self._widths.append(0)
        if act is not None:
            have = self._acts[level - 1]
            if have is not None and have != act:
                raise InvalidInputError(
                    f"model: hidden layer {level} would mix activations {have!r} and {act!r}; "
                    "polyfold needs one activation per layer"
                )
            self._acts[level - 1] = act
        start = self._widths[level]
        self._blocks[level - 1].append((self.matrix(v), v.c, act is None))
        self._widths[level] = start + v.size
        return Value(level, v.shape, _zeros(v.size), sel=np.arange(start, start + v.size))


def _pad(a: np.ndarray, width: int) -> np.ndarray:
    if a.shape[1] < width:
        return np.hstack([a, _zeros((a.shape[0], width - a.shape[1]))])
    return a


def as_exact(values: Any) -> np.ndarray:
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if arr.dtype == object:
        if all(isinstance(v, Fraction) for v in arr.ravel()):
            return arr
        out = np.empty(arr.shape, dtype=object)
        out.ravel()[:] = [Fraction(v) for v in arr.ravel()]
        return out
    if arr.dtype.kind in "iu":
        out = np.empty(arr.shape, dtype=object)
        out.ravel()[:] = [Fraction(int(v)) for v in arr.ravel()]
        return out
    return exact_array(arr)


# -- convolution and pooling as index maps ---------------------------------------------


def _out_sizes(
    spatial: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
) -> list[int]:
    nd = len(spatial)
    sizes = []
    for i in range(nd):
        span = dilations[i] * (kernel[i] - 1) + 1
        n = (spatial[i] + pads[i] + pads[i + nd] - span) // strides[i] + 1
        if n <= 0:
            raise InvalidInputError(
                f"model: a kernel of size {tuple(kernel)} does not fit an input of size "
                f"{tuple(spatial)}"
            )
        sizes.append(n)
    return sizes


def _window_positions(
    spatial: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
) -> tuple[list[int], list[list[tuple[tuple[int, ...], tuple[int, ...]]]]]:
    """Output sizes and, per output position, the (kernel offset, input position) pairs inside."""
    out = _out_sizes(spatial, kernel, strides, pads, dilations)
    windows = []
    for pos in product(*(range(n) for n in out)):
        inside = []
        for off in product(*(range(k) for k in kernel)):
            src = tuple(
                pos[i] * strides[i] - pads[i] + off[i] * dilations[i] for i in range(len(spatial))
            )
            if all(0 <= s < n for s, n in zip(src, spatial)):
                inside.append((off, src))
        windows.append(inside)
    return out, windows


def conv_dense(
    weight: np.ndarray,
    in_shape: Sequence[int],
    *,
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    groups: int = 1,
) -> tuple[np.ndarray, tuple[int, ...]]:
    """The exact dense matrix of a convolution (no bias) on inputs of ``in_shape``.

    ``weight`` is ``(out_channels, in_channels / groups, *kernel)`` (exact
    object array); zero padding ``pads`` is given as ``begin…, end…``.

    >>> w = exact_array([[[1.0, 2.0]]])            # one 1-D kernel [1, 2]
    >>> m, shape = conv_dense(w, (1, 3), strides=[1], pads=[0, 0], dilations=[1])
    >>> shape, [[int(v) for v in row] for row in m]
    ((1, 2), [[1, 2, 0], [0, 1, 2]])
    """
    channels, *spatial = (int(s) for s in in_shape)
    out_ch, per_group, *kernel = weight.shape
    if channels != per_group * groups or out_ch % groups:
        raise InvalidInputError(
            f"model: a convolution with weight {weight.shape} and {groups} group(s) cannot take "
            f"{channels} input channels"
        )
    out_sp, windows = _window_positions(spatial, kernel, strides, pads, dilations)
    n_pos = len(windows)
    n_in_sp = int(np.prod(spatial))
    dense = _zeros((out_ch * n_pos, channels * n_in_sp))
    per_out = out_ch // groups
    for m in range(out_ch):
        g = m // per_out
        for p, inside in enumerate(windows):
            row = m * n_pos + p
            for off, src in inside:
                flat = int(np.ravel_multi_index(src, spatial))
                for c in range(per_group):
                    tap = weight[m, c][off]
                    dense[row, (g * per_group + c) * n_in_sp + flat] = tap
    return dense, (out_ch, *out_sp)


def pool_windows(
    in_shape: Sequence[int],
    kernel: Sequence[int],
    *,
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int] | None = None,
) -> tuple[list[list[int]], tuple[int, ...]]:
    """Flat input indices of every pooling window (padding excluded), channel by channel."""
    channels, *spatial = (int(s) for s in in_shape)
    dil = dilations if dilations is not None else [1] * len(spatial)
    out_sp, windows = _window_positions(spatial, kernel, strides, pads, dil)
    n_in_sp = int(np.prod(spatial))
    out = []
    for c in range(channels):
        for inside in windows:
            out.append([c * n_in_sp + int(np.ravel_multi_index(src, spatial)) for _, src in inside])
    return out, (channels, *out_sp)


def average_dense(windows: list[list[int]], n_in: int, divisor: int | None) -> np.ndarray:
    """The averaging matrix of pooling windows (``divisor`` None: the window's own count)."""
    dense = _zeros((len(windows), n_in))
    for r, win in enumerate(windows):
        share = Fraction(1, divisor if divisor is not None else len(win))
        for col in win:
            dense[r, col] = share
    return dense
