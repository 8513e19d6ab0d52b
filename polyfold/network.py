"""Feed-forward piecewise-linear networks and their activation patterns.

Hidden layer ``l`` computes ``z_l = W_l h_{l-1} + b_l`` and ``h_l = σ_l(z_l)``
with ``h_0 = x``; the last layer is affine only. The activation pattern
``π(x) ∈ {0,1}^N`` has one bit per hidden neuron, layer by layer, and the bit
is 1 iff ``σ(z) > τ`` — a point exactly on a boundary gets 0.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
from flint import fmpq

from . import _certwalk
from ._arith import ExactBackend, as_fraction, exact_identity, exact_zeros, float_array, to_float
from ._memory import point_chunk
from .activations import Activation, get_activation
from .errors import InvalidInputError, check_flag, check_index

__all__ = ["Network", "as_points"]


def _is_float64(value: Any) -> bool:
    """Whether ``value`` is an array of float64 (or narrower) floats: exact as it stands."""
    return isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.dtype.itemsize <= 8


def exact_matrix(value: Any, name: str) -> np.ndarray:
    """Any real array-like to an object array of :class:`Fraction`, exactly."""
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if arr.dtype.kind == "c":
        raise InvalidInputError(f"{name}: expected real numbers, got a complex array")
    if arr.dtype.kind in "fiub":
        if arr.dtype.kind == "b":
            raise InvalidInputError(f"{name}: expected real numbers, got a boolean array")
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise InvalidInputError(f"{name}: expected finite values, found NaN or inf")
        out = np.empty(arr.shape, dtype=object)
        wide = arr.dtype.kind == "f" and arr.dtype.itemsize > 8  # long double: keep every bit
        flat = [
            Fraction(int(v))
            if arr.dtype.kind in "iu"
            else Fraction(*v.as_integer_ratio())
            if wide
            else Fraction(float(v))
            for v in arr.ravel()
        ]
        out.ravel()[:] = flat if flat else []
        return out.reshape(arr.shape)
    if arr.dtype.kind not in "OUS":
        raise InvalidInputError(f"{name}: expected an array of real numbers, got dtype {arr.dtype}")
    out = np.empty(arr.shape, dtype=object)
    flat_vals = [as_fraction(v, name) for v in arr.ravel()]
    out.ravel()[:] = flat_vals if flat_vals else []
    return out.reshape(arr.shape)


def as_points(x: Any, name: str, n_inputs: int, exact: bool) -> np.ndarray:
    """Validate one point (shape ``(d,)``) or a batch (``(m, d)``) of input points.

    Returns float64 in float mode and an object array of ``fmpq`` in exact mode.

    Parameters
    ----------
    x
        One point of shape ``(d,)`` or a batch ``(m, d)``: floats, ints,
        ``Fraction`` or rational strings such as ``"1/3"``.
    name
        The argument's name in error messages.
    n_inputs
        The expected ``d``.
    exact
        Whether to return exact rationals.

    Returns
    -------
    numpy.ndarray
        float64 in float mode; an object array of ``fmpq`` in exact mode.

    Raises
    ------
    InvalidInputError
        When the shape is not ``(d,)`` or ``(m, d)``, or an entry is NaN,
        infinite or not a number.
    """
    if isinstance(x, (list, tuple)) and has_booleans(x):
        raise InvalidInputError(f"{name}: expected real numbers, got booleans")
    try:
        arr = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object)
    except ValueError as exc:  # ragged nested lists
        raise InvalidInputError(
            f"{name}: expected points of one length each (shape (d,) or (m, d)), got rows of "
            "different lengths"
        ) from exc
    if arr.dtype.kind == "O":
        try:
            arr = np.asarray(x, dtype=np.float64) if not exact else arr
        except (TypeError, ValueError) as exc:
            if not exact:
                raise InvalidInputError(
                    f"{name}: expected an array of real numbers, got {type(x).__name__}"
                ) from exc
    if arr.ndim not in (1, 2) or arr.shape[-1] != n_inputs:
        raise InvalidInputError(
            f"{name}: expected shape ({n_inputs},) or (m, {n_inputs}), got {arr.shape}"
        )
    if arr.dtype.kind == "c":
        raise InvalidInputError(f"{name}: expected real numbers, got a complex array")
    if exact:
        return ExactBackend.array(exact_matrix(arr, name))
    if arr.dtype.kind not in "fiu":
        raise InvalidInputError(f"{name}: expected an array of real numbers, got dtype {arr.dtype}")
    out = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise InvalidInputError(f"{name}: expected finite values, found NaN or inf")
    return out


# a network file unpacking to more than this is refused (a 784-512-512-512-10 network in
# float64 with exact strings is well under 100 MB)
_MAX_UNPACKED = 2**31


def has_booleans(x: Any, depth: int = 0) -> bool:
    """Booleans among the entries of nested lists (numpy would quietly make them 0 and 1)."""
    for v in x:
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, np.ndarray) and v.dtype == bool):
            return True
        if depth < 1 and isinstance(v, (list, tuple)) and has_booleans(v, depth + 1):
            return True
    return False


class Network:
    """A feed-forward network with piecewise-linear activations.

    Parameters
    ----------
    layers
        ``[(W1, b1), …, (WL, bL)]``; ``W`` has shape ``(n_out, n_in)``. The last
        pair is the affine output layer, so at least two pairs are needed. Entries
        may be floats (converted to rationals exactly), ints, ``Fraction`` or
        strings such as ``"1/3"``.
    threshold
        ``τ``: a neuron's bit is 1 iff its activation output is ``> τ``.
    activation
        ``"relu"`` (default), ``"leaky_relu"``, ``("leaky_relu", slope)``,
        ``"hardtanh"``, ``"abs"``, or one such entry per hidden layer.
    pattern_layers
        Indices of the hidden layers whose bits form the pattern (default: all).
    include_output
        Append one bit per output unit (``output > τ``), as the CantorNet code does.
    linear_units
        Per hidden layer, the indices of *linear* units: they pass their
        pre-activation on unchanged, never kink and carry no bit. Skip
        connections and max-pooling become chains this way (the importers
        build them); ``None`` (default) means every unit has the layer's
        activation.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> net.hidden_sizes, net.n_bits
    ((2,), 2)
    >>> net.pattern([[2.0], [-1.0], [0.0]]).astype(int).tolist()
    [[1, 0], [0, 1], [0, 0]]
    """

    def __init__(
        self,
        layers: Sequence[tuple[Any, Any]],
        *,
        threshold: Any = 0,
        activation: Any = "relu",
        pattern_layers: Sequence[int] | None = None,
        include_output: bool = False,
        linear_units: Sequence[Any] | None = None,
    ) -> None:
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
            raise InvalidInputError("layers: expected a list of (W, b) pairs")
        if len(layers) < 2:
            raise InvalidInputError(
                "layers: expected at least one hidden layer and an output layer "
                f"(two or more (W, b) pairs), got {len(layers)}"
            )
        exact_w: list[np.ndarray] = []
        exact_b: list[np.ndarray] = []
        n_prev: int | None = None
        for i, pair in enumerate(layers):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise InvalidInputError(f"layers[{i}]: expected a (W, b) pair")
            w = exact_matrix(pair[0], f"layers[{i}] W")
            b = exact_matrix(pair[1], f"layers[{i}] b")
            if w.ndim != 2 or w.shape[0] == 0 or w.shape[1] == 0:
                raise InvalidInputError(
                    f"layers[{i}] W: expected a non-empty 2-D array, got shape {w.shape}"
                )
            if b.shape != (w.shape[0],) and b.shape == (w.shape[1],) and w.ndim == 2:
                raise InvalidInputError(
                    f"layers[{i}] W: expected shape ({b.shape[0]}, inputs) (one row per unit of "
                    f"b), got {w.shape}: is W transposed? polyfold uses W of shape (n_out, n_in)"
                )
            if b.shape != (w.shape[0],):
                raise InvalidInputError(
                    f"layers[{i}] b: expected shape ({w.shape[0]},) to match W, got {b.shape}"
                )
            if n_prev is not None and w.shape[1] != n_prev:
                raise InvalidInputError(
                    f"layers[{i}] W: expected {n_prev} columns (the previous layer's width), "
                    f"got {w.shape[1]}"
                )
            n_prev = w.shape[0]
            exact_w.append(w)
            exact_b.append(b)
        self._wd: tuple[np.ndarray, ...] | None = tuple(exact_w)
        self._bd: tuple[np.ndarray, ...] | None = tuple(exact_b)
        self._ops: tuple[Any, ...] | None = None
        # layers given as float64 arrays: their float weights are the exact ones (else None)
        self._given_floats = tuple(
            (np.array(w, dtype=np.float64), np.array(b, dtype=np.float64))
            if _is_float64(w) and _is_float64(b)
            else None
            for w, b in layers
        )
        self._set_options(
            [int(w.shape[0]) for w in exact_w[:-1]],
            threshold=threshold,
            activation=activation,
            pattern_layers=pattern_layers,
            include_output=include_output,
            linear_units=linear_units,
        )

    def _set_options(
        self,
        hidden: list[int],
        *,
        threshold: Any = 0,
        activation: Any = "relu",
        pattern_layers: Sequence[int] | None = None,
        include_output: bool = False,
        linear_units: Sequence[Any] | None = None,
    ) -> None:
        n_hidden_layers = len(hidden)
        if isinstance(activation, (list, tuple)) and not (
            isinstance(activation, tuple) and activation and activation[0] == "leaky_relu"
        ):
            if len(activation) != n_hidden_layers:
                raise InvalidInputError(
                    f"activation: expected one entry per hidden layer ({n_hidden_layers}), "
                    f"got {len(activation)}"
                )
            acts = tuple(get_activation(a, f"activation[{i}]") for i, a in enumerate(activation))
        else:
            acts = (get_activation(activation),) * n_hidden_layers
        self.activations: tuple[Activation, ...] = acts
        self.threshold: Fraction = as_fraction(threshold, "threshold")
        if pattern_layers is None:
            self.pattern_layers: tuple[int, ...] = tuple(range(n_hidden_layers))
        else:
            if isinstance(pattern_layers, (str, bytes)) or not hasattr(pattern_layers, "__iter__"):
                raise InvalidInputError(
                    "pattern_layers: expected a list of hidden-layer indices, "
                    f"got {pattern_layers!r}"
                )
            sel = tuple(check_index(i, "pattern_layers") for i in pattern_layers)
            if not sel:
                raise InvalidInputError("pattern_layers: expected at least one hidden-layer index")
            if len(set(sel)) != len(sel) or any(not 0 <= i < n_hidden_layers for i in sel):
                raise InvalidInputError(
                    f"pattern_layers: expected distinct hidden-layer indices in "
                    f"0..{n_hidden_layers - 1}, got {list(pattern_layers)}"
                )
            self.pattern_layers = tuple(sorted(sel))
        self.include_output = check_flag(include_output, "include_output")
        self.linear_units: tuple[np.ndarray, ...] = _linear_masks(linear_units, hidden)
        # where an importer got the network from, and how it checked it (None if built here)
        self.provenance: dict[str, Any] | None = None
        if self.n_bits == 0:
            raise InvalidInputError(
                "pattern_layers, linear_units: the pattern would have no bits "
                "(no unit with an activation in it)"
            )

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_layers(cls, layers: Sequence[tuple[Any, Any]], **options: Any) -> Network:
        """Build a network from ``(W, b)`` pairs; see :class:`Network`.

        Parameters
        ----------
        layers
            ``(W, b)`` pairs, hidden layers first, then the output layer.
        **options
            Keyword options of :class:`Network` (``activation``, ``threshold``,
            ``pattern_layers``, ``include_output``, ``linear_units``).

        Returns
        -------
        Network
        """
        return cls(layers, **options)

    @classmethod
    def from_operators(cls, layers: Sequence[Any], **options: Any) -> Network:
        """A network whose affine layers are operators (:mod:`polyfold.operators`).

        ``layers``: one :class:`~polyfold.operators.Operator` per hidden layer,
        then the output layer; no weight matrix is formed. Walks (float and
        certified), patterns and the sampled estimator run on the operators;
        what needs matrices (regions, ``weights``, ``save``) forms them on
        demand and refuses when they would be too large. Options as for
        :class:`Network`.

        Parameters
        ----------
        layers
            Operators, hidden layers first, then the output layer; each takes the
            previous one's outputs.
        **options
            Keyword options of :class:`Network`.

        Returns
        -------
        Network
            A network with ``is_operator_form`` True.

        Raises
        ------
        InvalidInputError
            Fewer than two operators, something that is not an operator, or sizes
            that do not chain.

        Examples
        --------
        >>> from polyfold.operators import Conv2d, Dense
        >>> conv = Conv2d(np.ones((2, 1, 2, 2)), np.array([0.0, -1.0]), (1, 3, 3))
        >>> net = Network.from_operators([conv, Dense(np.ones((1, 8)), np.zeros(1))])
        >>> net.hidden_sizes, net.pattern(np.ones(9)).astype(int).tolist()
        ((8,), [1, 1, 1, 1, 1, 1, 1, 1])
        """
        from .operators import Operator

        ops = tuple(layers)
        if len(ops) < 2 or not all(isinstance(op, Operator) for op in ops):
            raise InvalidInputError(
                "layers: expected two or more polyfold.operators.Operator objects "
                "(the hidden layers, then the output layer)"
            )
        for i, (a, b) in enumerate(zip(ops, ops[1:])):
            if a.n_out != b.n_in:
                raise InvalidInputError(
                    f"layers[{i + 1}]: expects {b.n_in} inputs, the layer before gives {a.n_out}"
                )
        net = cls.__new__(cls)
        net._wd = net._bd = None
        net._ops = ops
        net._set_options([op.n_out for op in ops[:-1]], **options)
        return net

    @property
    def is_operator_form(self) -> bool:
        """Whether the layers are operators (no weight matrices stored)."""
        return self._ops is not None

    def to_dense(self) -> Network:
        """The same network with exact weight matrices (refused when they would be too large).

        Returns
        -------
        Network
            ``self`` when it already has matrices.

        Raises
        ------
        InvalidInputError
            When a layer's matrix would have more than
            :data:`~polyfold.operators.MAX_DENSE_ENTRIES` entries.
        """
        if self._ops is None:
            return self
        return Network(list(zip(self._w, self._b)), **self.options)

    @property
    def _w(self) -> tuple[np.ndarray, ...]:
        if self._wd is None:
            self._densify()
        assert self._wd is not None
        return self._wd

    @property
    def _b(self) -> tuple[np.ndarray, ...]:
        if self._bd is None:
            self._densify()
        assert self._bd is not None
        return self._bd

    def _densify(self) -> None:
        assert self._ops is not None
        pairs = [op.to_dense() for op in self._ops]
        self._wd = tuple(w for w, _ in pairs)
        self._bd = tuple(b for _, b in pairs)

    @cached_property
    def operators(self) -> tuple[Any, ...]:
        """One affine :class:`~polyfold.operators.Operator` per layer (dense layers wrapped).

        Read-only: the walks evaluate layers through these, never through dense
        matrices, so operator-form networks of any size walk without densifying.
        """
        if self._ops is not None:
            return self._ops
        from .operators import Dense

        given = getattr(self, "_given_floats", ())
        return tuple(
            Dense(wf, bf, exact=None if i < len(given) and given[i] is not None else (w, b))
            for i, ((wf, bf), w, b) in enumerate(
                zip(self.float_layers, self._wd or (), self._bd or ())
            )
        )

    def with_options(self, **options: Any) -> Network:
        """The same weights with other ``threshold``/``activation``/pattern options.

        Parameters
        ----------
        **options
            Keyword options of :class:`Network` to change; the others are kept.

        Returns
        -------
        Network
            A new network sharing the weights (or operators).
        """
        current = self.options
        current.update(options)
        if self._ops is not None:
            return Network.from_operators(self._ops, **current)
        return Network(list(zip(self._w, self._b)), **current)

    @property
    def options(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this network from its weights."""
        return {
            "threshold": self.threshold,
            "activation": list(self.activations),
            "pattern_layers": self.pattern_layers,
            "include_output": self.include_output,
            "linear_units": [np.flatnonzero(m).tolist() for m in self.linear_units],
        }

    # -- sizes --------------------------------------------------------------------
    @property
    def _sizes(self) -> list[tuple[int, int]]:
        if self._ops is not None:
            return [(op.n_out, op.n_in) for op in self._ops]
        assert self._wd is not None
        return [(int(w.shape[0]), int(w.shape[1])) for w in self._wd]

    @property
    def n_inputs(self) -> int:
        return self._sizes[0][1]

    @property
    def n_outputs(self) -> int:
        return self._sizes[-1][0]

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        return tuple(n for n, _ in self._sizes[:-1])

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self._sizes) - 1

    @property
    def n_hidden(self) -> int:
        """Total number of hidden neurons ``N``."""
        return sum(self.hidden_sizes)

    @cached_property
    def pattern_columns(self) -> np.ndarray:
        """Indices of the pattern's bits among ``[hidden bits…, output bits…]``."""
        offsets = np.cumsum((0, *self.hidden_sizes))
        lin = self.linear_units
        cols = [np.arange(offsets[i], offsets[i + 1])[~lin[i]] for i in self.pattern_layers]
        if self.include_output:
            cols.append(np.arange(self.n_hidden, self.n_hidden + self.n_outputs))
        return np.concatenate(cols).astype(np.intp)

    def expand_pattern(self, pattern: np.ndarray) -> list[np.ndarray]:
        """Per hidden layer, every unit's bit for a pattern of all hidden layers.

        Linear units count as on (their identity piece). Needs
        ``pattern_layers`` to be every hidden layer.

        Parameters
        ----------
        pattern
            ``n_bits`` booleans (a pattern of this network).

        Returns
        -------
        list of numpy.ndarray
            One boolean array of ``hidden_sizes[l]`` bits per hidden layer.

        Raises
        ------
        InvalidInputError
            When the pattern has the wrong length or the network's pattern omits
            some hidden layer.
        """
        if self.pattern_layers != tuple(range(self.depth)):
            raise InvalidInputError("net: expanding a pattern needs every hidden layer in it")
        if np.shape(pattern) != (self.n_bits,):
            raise InvalidInputError(
                f"pattern: expected {self.n_bits} bits, got shape {np.shape(pattern)}"
            )
        out, pos = [], 0
        for mask in self.linear_units:
            full = np.ones(mask.size, dtype=bool)
            n = int((~mask).sum())
            full[~mask] = np.asarray(pattern[pos : pos + n], dtype=bool)
            out.append(full)
            pos += n
        return out

    @property
    def n_bits(self) -> int:
        """Length of an activation pattern."""
        return int(self.pattern_columns.size)

    def neuron(self, bit: int) -> tuple[int, int]:
        """``(layer, unit)`` of pattern bit ``bit``; the output layer is ``depth``.

        Parameters
        ----------
        bit
            An index into the pattern, ``0 <= bit < n_bits``.

        Returns
        -------
        tuple of int
            ``(layer, unit)``: the hidden layer (``depth`` for the output layer)
            and the unit within it.

        Raises
        ------
        InvalidInputError
            When ``bit`` is not a valid index.
        """
        bit = check_index(bit, "bit")
        if not 0 <= bit < self.n_bits:
            raise InvalidInputError(f"bit: expected 0 <= bit < {self.n_bits}, got {bit}")
        col = int(self.pattern_columns[bit])
        offsets = np.cumsum((0, *self.hidden_sizes, self.n_outputs))
        layer = int(np.searchsorted(offsets, col, side="right") - 1)
        return layer, col - int(offsets[layer])

    # -- weights ------------------------------------------------------------------
    @property
    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """float64 ``(W, b)`` pairs (rounded where a weight is not a float64)."""
        return [(w.copy(), b.copy()) for w, b in self.float_layers]

    @property
    def exact_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(W, b)`` pairs as object arrays of :class:`Fraction`."""
        return [(w.copy(), b.copy()) for w, b in zip(self._w, self._b)]

    @cached_property
    def float_layers(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """``(W, b)`` per layer as float64 arrays, shared (not copies: do not modify).

        :attr:`weights` returns copies of these. An operator-form network is
        densified for them (refused beyond ``MAX_DENSE_ENTRIES``).
        """
        if self._ops is not None:  # the operators' own float64 weights, densified
            dense = [op.to_dense() for op in self._ops]
            return tuple((float_array(w), float_array(b)) for w, b in dense)
        given = getattr(self, "_given_floats", ())
        return tuple(
            given[i]
            if i < len(given) and given[i] is not None
            else (float_array(w), float_array(b))
            for i, (w, b) in enumerate(zip(self._w, self._b))
        )

    @cached_property
    def floats_finite(self) -> bool:
        """Whether every weight is within float64's range (float arithmetic can run on it)."""
        if self._ops is not None:
            return True  # operators hold float64 weights, finite by construction
        return all(bool(np.all(np.isfinite(a))) for pair in self.float_layers for a in pair)

    @cached_property
    def is_float_exact(self) -> bool:
        """Whether every weight is exactly a float64 (float mode then computes on this network)."""
        given = getattr(self, "_given_floats", ())
        if given and all(pair is not None for pair in given):
            return True
        return all(
            all(np.isfinite(to_float(v)) and Fraction(float(v)) == v for v in arr.ravel())
            for pair in zip(self._w, self._b)
            for arr in pair
        )

    # -- evaluation -----------------------------------------------------------------
    def _evaluate(self, x: Any, exact: bool) -> tuple[list[np.ndarray], np.ndarray, bool]:
        """Pre-activations of every layer and the values compared with ``τ``.

        Works on a batch (backend number types); the flag says the input was one point.
        """
        pts = as_points(x, "x", self.n_inputs, exact)
        single = pts.ndim == 1
        h = pts.reshape(1, -1) if single else pts
        zs, hs = [], []
        for i, op in enumerate(self.operators):
            z = op.exact_apply(h) if exact else op.apply(h)
            zs.append(z)
            if i < self.depth:
                h = self.activations[i](z)
                lin = self.linear_units[i]
                if lin.any():
                    h[:, lin] = z[:, lin]
                hs.append(h)
        return zs, np.concatenate([*hs, zs[-1]], axis=1), single

    def preactivations(self, x: Any, *, exact: bool = False) -> list[np.ndarray]:
        """Pre-activations ``z_1, …, z_L`` of every layer (the last is the output).

        ``x`` is one point ``(d,)`` or a batch ``(m, d)``; arrays keep that shape.
        Exact mode returns object arrays of :class:`Fraction`.

        Parameters
        ----------
        x
            One point ``(d,)`` or a batch ``(m, d)`` (see :func:`as_points`).
        exact
            Exact rational arithmetic (``Fraction`` results) instead of float64.

        Returns
        -------
        list of numpy.ndarray
            ``z_1, …, z_L``: each ``(width,)`` for one point or ``(m, width)``.
        """
        zs, _, single = self._evaluate(x, exact)
        if exact:
            zs = [_to_fraction_array(z) for z in zs]
        return [z[0] if single else z for z in zs]

    def forward(self, x: Any, *, exact: bool = False) -> np.ndarray:
        """The network's output (logits) at ``x``.

        Parameters
        ----------
        x
            One point ``(d,)`` or a batch ``(m, d)`` (see :func:`as_points`).
        exact
            Exact rational arithmetic instead of float64.

        Returns
        -------
        numpy.ndarray
            ``(n_outputs,)`` or ``(m, n_outputs)``.
        """
        return self.preactivations(x, exact=exact)[-1]

    def activation_outputs(self, x: Any, *, exact: bool = False) -> np.ndarray:
        """All units' values compared with ``τ``: hidden ``σ(z)`` then output ``z``.

        Parameters
        ----------
        x
            One point ``(d,)`` or a batch ``(m, d)`` (see :func:`as_points`).
        exact
            Exact rational arithmetic instead of float64.

        Returns
        -------
        numpy.ndarray
            Every unit's value, hidden layers in order then the outputs:
            ``(n_hidden + n_outputs,)`` per point.
        """
        _, values, single = self._evaluate(x, exact)
        if exact:
            values = _to_fraction_array(values)
        return values[0] if single else values

    def pattern(self, x: Any, *, exact: bool = True) -> np.ndarray:
        """Activation pattern(s) ``π(x)`` as a boolean array of ``n_bits`` per point.

        Bit ``k`` is 1 iff the unit's activation output is strictly above ``τ``;
        a point exactly on a boundary gets 0.

        ``exact=True`` (default): every bit is proven — a float64 forward pass
        with rigorous error bounds, and exact rational arithmetic at the points
        where the bounds cannot decide a bit (a point on or within rounding of
        a boundary). ``exact=False``: plain float64, nothing proven.

        Parameters
        ----------
        x
            One point ``(d,)`` or a batch ``(m, d)`` (see :func:`as_points`).
        exact
            Prove every bit (default) or take plain float64.

        Returns
        -------
        numpy.ndarray
            Boolean ``(n_bits,)`` for one point, ``(m, n_bits)`` for a batch.
        """
        if exact and not any(a.smooth for a in self.activations) and _certwalk.supports(self):
            return self._certified_pattern(x)
        if not exact:  # in chunks that fit in memory
            pts = as_points(x, "x", self.n_inputs, False)
            if pts.ndim == 2:
                chunk = point_chunk(max((*self.hidden_sizes, self.n_outputs)), 64)
                if len(pts) > chunk:
                    return np.concatenate(
                        [
                            self.pattern(pts[lo : lo + chunk], exact=False)
                            for lo in range(0, len(pts), chunk)
                        ]
                    )
        _, values, single = self._evaluate(x, exact)
        tau: Any = ExactBackend.scalar(self.threshold) if exact else float(self.threshold)
        bits = np.asarray(values > tau, dtype=bool)[:, self.pattern_columns]
        return bits[0] if single else bits

    def _certified_pattern(self, x: Any) -> np.ndarray:
        arr = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object)
        floats = arr.dtype.kind == "f" or (
            arr.dtype.kind in "iu" and bool(np.all(np.abs(arr) <= 2**53))
        )
        if floats:
            pts = as_points(arr, "x", self.n_inputs, False)
            exact_pts = None
        else:
            exact_pts = as_points(x, "x", self.n_inputs, True)
            pts = np.array([float(v) for v in exact_pts.ravel()]).reshape(exact_pts.shape)
        single = pts.ndim == 1
        pts2 = pts.reshape(1, -1) if single else pts
        radius = np.zeros(len(pts2))
        if exact_pts is not None:
            ex2 = exact_pts.reshape(len(pts2), -1)
            inexact = [any(Fraction(float(v)) != _as_fraction(v) for v in row) for row in ex2]
            radius[inexact] = 2.0**-52 * np.abs(pts2[inexact]).max(axis=1)

            def exact_rows(rows: np.ndarray) -> np.ndarray:
                return ex2[rows]

        else:

            def exact_rows(rows: np.ndarray) -> np.ndarray:
                return ExactBackend.array(pts2[rows])

        bits = _certwalk.certified_patterns(self, pts2, radius, exact_rows)
        bits = bits[:, self.pattern_columns]
        return bits[0] if single else bits

    def local_maps(self, active: Sequence[Any]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The exact affine maps ``z_l = M_l x + m_l`` of every layer on one linear piece.

        ``active[l]`` says which units of hidden layer ``l`` are on their
        identity piece (``z > 0``); the others contribute ``slope · z`` (0 for
        ReLU). Only ReLU and leaky ReLU have two pieces to choose from; linear
        units are always on their one piece.

        Parameters
        ----------
        active
            One boolean sequence per hidden layer: which units are on their
            identity piece.

        Returns
        -------
        list of tuple of numpy.ndarray
            ``(M_l, m_l)`` per layer (hidden layers, then the output), exact
            ``Fraction`` arrays with ``M_l`` of shape ``(width_l, d)``.

        Examples
        --------
        >>> net = Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
        >>> [str(v) for v in net.local_maps([[True, False]])[-1][0].ravel()]
        ['1']
        """
        if len(active) != self.depth:
            raise InvalidInputError(f"active: expected one entry per hidden layer ({self.depth})")
        d = self.n_inputs
        big_m, small_m = exact_identity(d), exact_zeros(d)
        maps = []
        for layer, (w, b) in enumerate(zip(self._w, self._b)):
            big_m, small_m = w.dot(big_m), w.dot(small_m) + b
            maps.append((big_m, small_m))
            if layer < self.depth:
                act = self.activations[layer]
                if act.name not in ("relu", "leaky_relu"):
                    raise InvalidInputError(
                        f"net: layer {layer} has {act.name} units; "
                        "local maps need ReLU or leaky ReLU"
                    )
                on = np.asarray(active[layer], dtype=bool)
                if on.shape != (w.shape[0],):
                    raise InvalidInputError(
                        f"active[{layer}]: expected {w.shape[0]} entries, got shape {on.shape}"
                    )
                on = on | self.linear_units[layer]
                gain = np.array([Fraction(1) if a else act.slope for a in on], dtype=object)
                big_m, small_m = gain[:, None] * big_m, gain * small_m
        return maps

    # -- persistence --------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to ``.npz`` (no pickle): float64 weights, plus exact strings when needed.

        Parameters
        ----------
        path
            The file to write (``.npz``).
        """
        arrays: dict[str, np.ndarray] = {}
        for i, ((wf, bf), w, b) in enumerate(zip(self.float_layers, self._w, self._b)):
            arrays[f"W{i}"], arrays[f"b{i}"] = wf, bf
            for key, exact_arr, float_arr in ((f"W{i}", w, wf), (f"b{i}", b, bf)):
                if any(
                    not np.isfinite(f) or Fraction(float(f)) != v
                    for f, v in zip(float_arr.ravel(), exact_arr.ravel())
                ):
                    arrays[key + "_exact"] = np.array([str(v) for v in exact_arr.ravel()]).reshape(
                        exact_arr.shape
                    )
        arrays["n_layers"] = np.array(len(self._w))
        arrays["threshold"] = np.array(str(self.threshold))
        arrays["activation"] = np.array([a.name for a in self.activations])
        arrays["activation_slope"] = np.array([str(a.slope) for a in self.activations])
        arrays["pattern_layers"] = np.array(self.pattern_layers, dtype=np.int64)
        arrays["include_output"] = np.array(self.include_output)
        for i, mask in enumerate(self.linear_units):
            if mask.any():
                arrays[f"linear{i}"] = np.flatnonzero(mask).astype(np.int64)
        np.savez(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Load a network written by :meth:`save` (never unpickles).

        Parameters
        ----------
        path
            A file written by :meth:`save`.

        Returns
        -------
        Network

        Raises
        ------
        InvalidInputError
            When the file is not a network saved by polyfold.
        """
        name = os.fspath(path)
        try:
            handle = open(path, "rb")
        except OSError as exc:
            raise InvalidInputError(f"path: cannot read {name!r}: {exc}") from exc
        with handle:
            try:
                data = np.load(handle, allow_pickle=False)
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
                why = "not an .npz archive of arrays" if "pickle" in str(exc) else str(exc)
                raise InvalidInputError(f"path: cannot read {name!r} as .npz: {why}") from exc
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise InvalidInputError(
                    f"path: {name!r} is a single .npy array, not a polyfold network"
                )
            archive: Any = data.zip
            unpacked = sum(int(info.file_size) for info in archive.infolist())
            if unpacked > _MAX_UNPACKED:
                raise InvalidInputError(
                    f"path: {name!r} would unpack to {unpacked:,} bytes (at most "
                    f"{_MAX_UNPACKED:,}): refused"
                )
            try:
                return cls._from_npz(data, name)
            except InvalidInputError as exc:
                raise InvalidInputError(f"path: {name!r}: {exc}") from exc
            except (KeyError, ValueError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
                raise InvalidInputError(
                    f"path: {name!r} is damaged or not a polyfold network file "
                    f"({type(exc).__name__}: {str(exc)[:200]})"
                ) from exc

    @classmethod
    def _from_npz(cls, data: Any, path: str) -> Network:
        with data:
            if "n_layers" not in data:
                raise InvalidInputError(f"path: {os.fspath(path)!r} is not a polyfold network file")
            layers = []
            for i in range(int(data["n_layers"])):
                pair = []
                for key in (f"W{i}", f"b{i}"):
                    pair.append(data[key + "_exact"] if key + "_exact" in data else data[key])
                layers.append((pair[0], pair[1]))
            acts: list[Any] = []
            for name, slope in zip(data["activation"], data["activation_slope"]):
                acts.append((str(name), str(slope)) if name == "leaky_relu" else str(name))
            return cls(
                layers,
                threshold=str(data["threshold"]),
                activation=acts,
                pattern_layers=[int(i) for i in np.asarray(data["pattern_layers"], dtype=np.int64)],
                include_output=_stored_flag(data["include_output"], path),
                linear_units=[
                    data[f"linear{i}"].tolist() if f"linear{i}" in data else []
                    for i in range(len(layers) - 1)
                ],
            )

    def __getstate__(self) -> dict[str, Any]:
        # cached float and python-flint forms are rebuilt on demand (flint objects don't pickle)
        cached = (
            "float_layers",
            "pattern_columns",
            "is_float_exact",
            "floats_finite",
            "operators",
        )
        return {k: v for k, v in self.__dict__.items() if k not in cached}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        sizes = "-".join(str(s) for s in (self.n_inputs, *self.hidden_sizes, self.n_outputs))
        acts = sorted({a.name for a in self.activations})
        lin = sum(int(m.sum()) for m in self.linear_units)
        extra = f", linear units={lin}" if lin else ""
        return f"Network({sizes}, activation={'/'.join(acts)}, threshold={self.threshold}{extra})"


def _linear_masks(spec: Sequence[Any] | None, sizes: list[int]) -> tuple[np.ndarray, ...]:
    """Validate ``linear_units`` into one boolean mask per hidden layer."""
    if spec is None:
        return tuple(np.zeros(n, dtype=bool) for n in sizes)
    if isinstance(spec, (str, bytes)) or len(spec) != len(sizes):
        raise InvalidInputError(
            f"linear_units: expected one list of unit indices per hidden layer ({len(sizes)})"
        )
    masks = []
    for i, (units, n) in enumerate(zip(spec, sizes)):
        mask = np.zeros(n, dtype=bool)
        try:
            idx = np.array([check_index(u, f"linear_units[{i}]") for u in units], dtype=np.int64)
        except TypeError as exc:
            raise InvalidInputError(
                f"linear_units[{i}]: expected unit indices, got {units!r}"
            ) from exc
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise InvalidInputError(
                f"linear_units[{i}]: expected indices in 0..{n - 1}, got {idx.tolist()}"
            )
        mask[idx] = True
        masks.append(mask)
    return tuple(masks)


def _stored_flag(value: np.ndarray, path: str) -> bool:
    if value.dtype != bool or value.shape != ():
        raise InvalidInputError(f"path: {path!r}: include_output must be stored as a boolean")
    return bool(value)


def _as_fraction(q: fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def _to_fraction_array(arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = [Fraction(int(q.p), int(q.q)) for q in arr.ravel()]
    return out
