"""Compile a computation graph into a chain network of operators, with no matrix formed.

The operator twin of ``polyfold.interop._graph.ChainBuilder``: every
tensor is an affine function of the output ``h_k`` of some hidden layer ``k``
(its *level*), but kept as an expression of operators (:mod:`polyfold.operators`)
instead of an exact matrix — a part of ``h_k`` (:class:`~polyfold.operators.Select`),
an operator applied to a tensor, or a sum of tensors. An activation applied to a
tensor at level ``k`` adds a block of units to hidden layer ``k + 1``; a tensor
needed deeper than its level (the identity branch of a residual block) is
carried there by a block of *linear units*. At the end each hidden layer is the
:class:`~polyfold.operators.Stack` of its blocks' expressions, compiled to
operators, so a ResNet's layers are convolutions, batch-norms and selections
applied to batches of knots — memory ``O(knots × units)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import float_array
from ..errors import InvalidInputError
from ..network import Network
from ..operators import ChannelAffine, Compose, Dense, Operator, Select, Stack, Sum, Take
from ._graph import Value, as_exact, tournament_round

__all__ = ["OpValue", "OperatorChainBuilder"]

_EMPTY = np.empty(0, dtype=object)


@dataclass(frozen=True, eq=False)
class OpValue(Value):
    """A tensor of ``n`` entries: the expression ``expr`` of ``h_level`` (flat, C order).

    ``expr`` is ``("sel", start, stop)``, ``("map", expr, operator)``,
    ``("sum", [expr, …])``, ``("cat", [expr, …])`` (outputs side by side) or
    ``("take", expr, index)`` (a reordering).
    """

    expr: Any = None
    n: int = 0

    @property
    def size(self) -> int:
        return self.n


class OperatorChainBuilder:
    """Build a chain network of operators from graph operations (see the module docstring).

    >>> import numpy as np
    >>> from polyfold.operators import Dense
    >>> b = OperatorChainBuilder((1,))
    >>> x = b.input()
    >>> h = b.activation(b.map(x, Dense(np.array([[1.0], [-1.0]]), np.zeros(2)), (2,)), "relu")
    >>> y = b.add(b.map(h, Dense(np.ones((1, 2)), np.zeros(1)), (1,)), x)  # |x| + x
    >>> net = b.build(y)
    >>> net.hidden_sizes, [m.tolist() for m in net.linear_units]
    ((3,), [[False, False, True]])
    >>> [float(net.forward([v])[0]) for v in (-2.0, 3.0)]
    [0.0, 6.0]
    """

    def __init__(self, input_shape: Sequence[int]) -> None:
        self.input_shape = tuple(int(s) for s in input_shape)
        self._widths = [int(np.prod(self.input_shape))]
        # per hidden layer: blocks (expression over the previous level, size, linear)
        self._blocks: list[list[tuple[Any, int, bool]]] = []
        self._acts: list[Any] = []
        self._lifted: dict[tuple[int, int], OpValue] = {}

    def input(self) -> OpValue:
        n = self._widths[0]
        return OpValue(0, self.input_shape, _EMPTY, expr=("sel", 0, n), n=n)

    def map(self, v: Value, op: Operator, shape: tuple[int, ...]) -> OpValue:
        """``op`` applied to ``v`` (an affine operator taking ``v.size`` inputs)."""
        u = _op_value(v)
        if op.n_in != u.n:
            raise InvalidInputError(
                f"model: an operator taking {op.n_in} inputs cannot take a tensor of size {u.n}"
            )
        return OpValue(u.level, tuple(shape), _EMPTY, expr=("map", u.expr, op), n=op.n_out)

    def affine(
        self, v: Value, w: Any, b: Any = None, shape: tuple[int, ...] | None = None
    ) -> OpValue:
        """``W v + b`` for an exact matrix ``W`` (as :meth:`ChainBuilder.affine`): a
        :class:`~polyfold.operators.Dense` operator, float64 weights with the exact ones kept
        when they differ (the certificate then accounts for the rounding)."""
        w_ex = _exact(w, 2)
        n_out = w_ex.shape[0]
        b_ex = _exact(np.zeros(n_out) if b is None else np.broadcast_to(b, (n_out,)), 1)
        weight, bias = float_array(w_ex), float_array(b_ex)
        exact = (w_ex, b_ex) if not _is_float(weight, w_ex) or not _is_float(bias, b_ex) else None
        dense = Dense(weight, bias, exact=exact)
        return self.map(v, dense, shape if shape is not None else (n_out,))

    def take(self, v: Value, index: Any, shape: tuple[int, ...]) -> OpValue:
        """Entries ``v[index]`` (flat indices) as a tensor of ``shape``, exactly."""
        u = _op_value(v)
        idx = np.asarray(index, dtype=np.intp).ravel()
        if idx.size != int(np.prod(shape)):
            raise InvalidInputError(f"model: {idx.size} entries cannot have the shape {shape}")
        if np.array_equal(idx, np.arange(u.n)):
            return self.reshape(u, shape)
        return OpValue(u.level, tuple(shape), _EMPTY, expr=("take", u.expr, idx), n=idx.size)

    def max_pool(
        self, v: Value, windows: Sequence[Sequence[int]], shape: tuple[int, ...]
    ) -> OpValue:
        """``max`` over each window of flat indices, as the same ReLU tournament as
        :meth:`ChainBuilder.max_pool` (``max(a, b) = b + relu(a − b)``, bit 1 when ``a > b``;
        the carried entries are linear units), units in the same order, with no matrix formed."""
        if any(len(w) == 0 for w in windows):
            raise InvalidInputError("model: a pooling window covers no input")
        current, groups = _op_value(v), [list(w) for w in windows]
        while any(len(g) > 1 for g in groups):
            left, right, carry = tournament_round(groups)
            diff = self.add(
                self.take(current, left, (len(left),)), self.take(current, right, (len(right),)), -1
            )
            wins = self.activation(diff, "relu")  # bit 1: the left input is larger
            kept = self.lift(self.take(current, carry, (len(carry),)), wins.level)
            # where each group's carried entries sit in ``kept``: the pairs' right, then the odd
            paired: list[int] = []
            odd: list[int] = []
            new_groups: list[list[int]] = []
            q = 0
            for g in groups:
                pairs = len(g) // 2
                paired += range(q, q + pairs)
                odd += range(q + pairs, q + len(g) - pairs)
                q += len(g) - pairs
            n_pairs = len(paired)
            p = o = 0
            for g in groups:
                pairs = len(g) // 2
                entries = list(range(p, p + pairs))
                p += pairs
                if len(g) % 2:
                    entries.append(n_pairs + o)
                    o += 1
                new_groups.append(entries)
            parts = [self.add(wins, self.take(kept, paired, (n_pairs,)))] if n_pairs else []
            if odd:
                parts.append(self.take(kept, odd, (len(odd),)))
            current = parts[0] if len(parts) == 1 else self.concat_along(parts, 0)
            groups = new_groups
        return self.take(current, [g[0] for g in groups], shape)

    def reshape(self, v: Value, shape: tuple[int, ...]) -> OpValue:
        u = _op_value(v)
        if int(np.prod(shape)) != u.n:
            raise InvalidInputError(f"model: cannot reshape {u.shape} to {shape}")
        return OpValue(u.level, tuple(shape), _EMPTY, expr=u.expr, n=u.n)

    def scale(self, v: Value, factor: Any, shift: Any = None) -> OpValue:
        """``factor · v + shift`` for scalars (``x * 2``, ``x + 1``, ``-x``)."""
        u = _op_value(v)
        k = np.full(u.n, factor, dtype=object)
        c = np.full(u.n, 0 if shift is None else shift, dtype=object)
        return self.map(u, ChannelAffine(k, c, (u.n,)), u.shape)

    def lift(self, v: Value, level: int) -> OpValue:
        """``v`` carried to ``level`` by linear units (identity branches of residual blocks)."""
        u = _op_value(v)
        while u.level < level:
            key = (id(u.expr), u.level)
            nxt = self._lifted.get(key)
            if nxt is None:
                nxt = self._new_units(u, None)
                self._lifted[key] = nxt
            u = OpValue(nxt.level, u.shape, _EMPTY, expr=nxt.expr, n=u.n)
        return u

    def add(self, u: Value, v: Value, sign: int = 1) -> OpValue:
        a, b = _op_value(u), _op_value(v)
        if a.n != b.n:
            raise InvalidInputError(f"model: cannot add tensors of shapes {a.shape} and {b.shape}")
        level = max(a.level, b.level)
        a, b = self.lift(a, level), self.lift(b, level)
        if sign < 0:
            b = self.scale(b, -1)
        return OpValue(level, a.shape, _EMPTY, expr=("sum", [a.expr, b.expr]), n=a.n)

    def concat_along(self, parts: Sequence[Value], axis: int) -> OpValue:
        """``parts`` joined along ``axis`` of their shapes (as ``numpy.concatenate``).

        Raises ``ValueError`` when the shapes do not fit together.
        """
        values = [_op_value(p) for p in parts]
        offsets = np.cumsum([0] + [p.n for p in values])
        blocks = [np.arange(p.n).reshape(p.shape) + o for p, o in zip(values, offsets)]
        order = np.concatenate(blocks, axis=axis)
        level = max(p.level for p in values)
        values = [self.lift(p, level) for p in values]
        expr: Any = ("cat", [p.expr for p in values])
        flat = order.ravel()
        if not np.array_equal(flat, np.arange(len(flat))):
            expr = ("take", expr, flat)
        return OpValue(level, tuple(order.shape), _EMPTY, expr=expr, n=len(flat))

    def activation(self, v: Value, act: Any) -> OpValue:
        return self._new_units(_op_value(v), act)

    def _new_units(self, u: OpValue, act: Any) -> OpValue:
        """A block of units at level ``u.level + 1`` computing ``u`` (then ``act``, or linear)."""
        k = u.level + 1
        while len(self._blocks) < k:
            self._blocks.append([])
            self._acts.append(None)
            self._widths.append(0)
        if act is not None:
            if self._acts[k - 1] is not None and self._acts[k - 1] != act:
                raise InvalidInputError(
                    f"model: hidden layer {k} would mix activations {self._acts[k - 1]!r} and "
                    f"{act!r}; polyfold takes one activation per layer"
                )
            self._acts[k - 1] = act
        start = self._widths[k]
        self._blocks[k - 1].append((u.expr, u.n, act is None))
        self._widths[k] += u.n
        return OpValue(k, u.shape, _EMPTY, expr=("sel", start, start + u.n), n=u.n)

    def build(self, out: Value, **options: Any) -> Network:
        """The network computing ``out`` (flat) from the input."""
        o = _op_value(out)
        depth = len(self._blocks)
        if depth == 0:
            raise InvalidInputError("model: no activation between input and output")
        o = self.lift(o, depth)
        layers: list[Operator] = []
        linear: list[list[int]] = []
        for k, blocks in enumerate(self._blocks):
            parts = [_compile(expr, self._widths[k]) for expr, _, _ in blocks]
            layers.append(parts[0] if len(parts) == 1 else Stack(parts))
            mask = np.concatenate([np.full(n, lin) for _, n, lin in blocks])
            linear.append(np.flatnonzero(mask).tolist())
        layers.append(_compile(o.expr, self._widths[depth]))
        acts = [a if a is not None else "relu" for a in self._acts]  # all-linear layers: any
        return Network.from_operators(layers, activation=acts, linear_units=linear, **options)


def _exact(values: Any, ndim: int) -> np.ndarray:
    out = as_exact(values)
    if out.ndim != ndim:
        raise InvalidInputError(f"model: expected a {ndim}-D array of weights, got {out.shape}")
    return out


def _is_float(floats: np.ndarray, exact: np.ndarray) -> bool:
    """Whether every exact value is the float64 beside it."""
    return all(
        math.isfinite(f) and Fraction(f) == q
        for f, q in zip(floats.ravel().tolist(), exact.ravel())
    )


def _op_value(v: Value) -> OpValue:
    if not isinstance(v, OpValue):
        raise InvalidInputError("model: a tensor from outside the operator graph")
    return v


def _compile(expr: Any, width: int) -> Operator:
    """The operator of an expression over a level of ``width`` units."""
    kind = expr[0]
    if kind == "sel":
        return Select(width, expr[1], expr[2])
    if kind in ("map", "take"):
        inner = _compile(expr[1], width)
        outer = expr[2] if kind == "map" else Take(inner.n_out, expr[2])
        return Compose([*(inner.ops if isinstance(inner, Compose) else [inner]), outer])
    if kind == "cat":
        return Stack([_compile(e, width) for e in expr[1]])
    return Sum([_compile(e, width) for e in expr[1]])
