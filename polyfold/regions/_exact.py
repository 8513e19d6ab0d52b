"""Exact integer maps of cells and rigorous float filters: what the certifying routes share.

A certifying route (:mod:`~polyfold.regions.certified` in 2-D,
:mod:`~polyfold.regions.lpcertified` in any dimension) takes a float engine's
cells and proves them. Both need the same two tools:

- :class:`Maps`: on a cell with pattern ``π`` the layer-``l`` pre-activations
  are ``G [x, 1] / D_l`` with an integer matrix ``G`` that depends only on the
  cell's bits before layer ``l``; one python-flint integer product per layer
  gives ``G`` for every distinct prefix of bits at once.
- :func:`forward_bounds`: float pre-activations at many points with a rigorous
  radius, so that floats decide every sign they can and only the rest is
  evaluated in integers.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm
from typing import Any

import numpy as np
from flint import fmpz_mat

from .._numeric import TINY, U, dot_factor

__all__ = ["Maps", "as_integers", "forward_bounds", "packed_keys"]


def packed_keys(bits: np.ndarray) -> np.ndarray:
    """One fixed-width void key per row of a bool array (rows equal iff keys equal)."""
    return np.ascontiguousarray(np.packbits(bits, axis=1)).view(f"V{(bits.shape[1] + 7) // 8}")


def as_integers(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integers ``N`` and a denominator ``q`` with ``values = N / q`` exactly."""
    fr = [Fraction(v) for v in np.ravel(values)]
    q = lcm(*(f.denominator for f in fr)) if fr else 1
    n = np.array([f.numerator * (q // f.denominator) for f in fr], dtype=object)
    return n.reshape(np.shape(values)), q


class Maps:
    """Exact integer maps ``z_l = G [x, 1] / D_l`` (``D_l > 0``) of every cell.

    ``G`` (``n_l × (d + 1)``) depends only on the cell's bits before layer ``l``
    (its *prefix*). The full ``G`` of every prefix is built for every layer but
    the last, with one python-flint integer product per layer; the last layer's
    rows are built on demand (checks need only some of them), from the layer
    before. Signs are all the checks use, so ``D_l`` is tracked only to add the
    biases.
    """

    def __init__(self, net: Any, bits: np.ndarray, offsets: np.ndarray) -> None:
        n_split = len(offsets) - 1
        self.bits, self.offsets = bits, offsets
        self.ints = []
        for w, b in net.exact_weights[:n_split]:
            self.ints.append((*as_integers(w), *as_integers(b)))
        self.gains = []
        for layer in range(net.depth):
            act = net.activations[layer]
            slope = act.slope  # 0 for ReLU
            self.gains.append((slope.numerator, slope.denominator, net.linear_units[layer]))
        wn, dw, bn, db = self.ints[0]
        self.k = k = wn.shape[1] + 1  # columns: the inputs, then the constant
        first = np.empty((1, len(bn), k), dtype=object)
        first[0, :, :-1] = wn * db
        first[0, :, -1] = bn * dw
        self.full = [first]
        self.scale = [dw * db]  # D_l
        self.prefix = [np.zeros(len(bits), dtype=np.intp)]
        for layer in range(1, n_split):
            keys = packed_keys(bits[:, : offsets[layer]])
            _, rep, inverse = np.unique(keys, return_index=True, return_inverse=True)
            self.prefix.append(inverse.ravel())
            if layer < n_split - 1:
                self.full.append(self._layer(layer, rep))
            dw, db = self.ints[layer][1], self.ints[layer][3]
            self.scale.append(dw * self.gains[layer - 1][1] * self.scale[-1] * db)

    def _gain(self, layer: int, cells: np.ndarray) -> np.ndarray:
        """Integer gains ``g`` of a layer's units on ``cells`` (gain = g / slope denominator)."""
        num, den, lin = self.gains[layer]
        on = self.bits[cells, self.offsets[layer] : self.offsets[layer + 1]] | lin
        return np.where(on, den, num).astype(object)

    def _bias(self, layer: int, units: Any) -> Any:
        _, dw, bn, _ = self.ints[layer]
        return bn[units] * (dw * self.gains[layer - 1][1] * self.scale[layer - 1])

    def _layer(self, layer: int, rep: np.ndarray) -> np.ndarray:
        """``G`` of layer ``layer`` for every prefix (represented by the cells ``rep``)."""
        k = self.k
        wn, db = self.ints[layer][0], self.ints[layer][3]
        gain = self._gain(layer - 1, rep)  # (prefixes, n_{l-1}) small integers
        n_out, (n_pre, n_in) = wn.shape[0], gain.shape
        g = np.empty((n_pre, n_out, k), dtype=object)
        if layer == 1:
            # every prefix shares the first layer's G0: G[p][:, c] = (W ⊙ G0[:, c]ᵀ) gain_p,
            # one product per column of a matrix of small gains (no big matrix per prefix)
            g0 = self.full[0][0]
            gains = fmpz_mat(n_pre, n_in, gain.ravel().tolist())
            for c in range(k):
                scaled = (wn * g0[:, c][None, :]).T  # (n_in, n_out)
                product = gains * fmpz_mat(n_in, n_out, list(scaled.ravel()))
                g[:, :, c] = _python_ints(product).reshape(n_pre, n_out)
        else:
            prev = self.full[layer - 1][self.prefix[layer - 1][rep]] * gain[:, :, None]
            right = fmpz_mat(n_in, k * n_pre, list(prev.transpose(1, 0, 2).ravel()))
            product = fmpz_mat(n_out, n_in, list(wn.ravel())) * right
            g[:] = _python_ints(product).reshape(n_out, n_pre, k).transpose(1, 0, 2)
        g *= db
        g[:, :, -1] += self._bias(layer, slice(None))
        return g

    def rows(self, layer: int, cells: np.ndarray, units: np.ndarray) -> np.ndarray:
        """``G``'s row of unit ``units[i]`` (index within the layer) on cell ``cells[i]``."""
        if layer < len(self.full):
            return self.full[layer][self.prefix[layer][cells], units]
        if len(cells) == 0:
            return np.empty((0, self.k), dtype=object)
        # one row per distinct (prefix, unit)
        key = self.prefix[layer][cells].astype(np.int64) * (int(units.max()) + 1) + units
        _, first, back = np.unique(key, return_index=True, return_inverse=True)
        c, j = cells[first], units[first]
        prev = self.full[layer - 1][self.prefix[layer - 1][c]]  # (m, n_{l-1}, k)
        coef = self.ints[layer][0][j] * self._gain(layer - 1, c)
        g = (coef[:, :, None] * prev).sum(axis=1) * self.ints[layer][3]
        g[:, -1] += self._bias(layer, j)
        return g[back.ravel()]

    def split_rows(self, cells: np.ndarray, units: np.ndarray) -> np.ndarray:
        """:meth:`rows` for split-unit indices across layers (``units`` in ``0..offsets[-1]``)."""
        out = np.empty((len(cells), self.k), dtype=object)
        layer_of = np.searchsorted(self.offsets, units, side="right") - 1
        for layer in np.unique(layer_of).tolist():
            sel = layer_of == layer
            out[sel] = self.rows(layer, cells[sel], units[sel] - self.offsets[layer])
        return out

    def value(self, cell: int, unit: int, *point: Any) -> Any:
        """``G_u · (X, D)``: of the sign of split unit ``unit``'s value at ``X / D`` on ``cell``.

        ``point`` is the integer homogeneous point ``(X_1, ..., X_d, D)``, ``D > 0``.
        """
        layer = int(np.searchsorted(self.offsets, unit, side="right") - 1)
        row = self.rows(layer, np.array([cell]), np.array([unit - self.offsets[layer]]))[0]
        return sum(g * p for g, p in zip(row, point))


def _python_ints(product: fmpz_mat) -> np.ndarray:
    """A flint matrix's entries, row by row, as an object array of Python ints (faster than
    fmpz in the object arithmetic that follows)."""
    out = np.empty(product.nrows() * product.ncols(), dtype=object)
    out[:] = [int(v) for v in product.entries()]
    return out


def forward_bounds(net: Any, xy: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float pre-activations ``ẑ`` of every split unit at the points ``xy``, and per point
    and layer a radius ``r`` with ``|z − ẑ| ≤ r`` for every point within ``radius`` of it.

    With ``ρ`` a point's input radius, ``M = max|input|``, ``S = max_j Σ_k |Ŵ_jk|`` and
    ``c = (4n + 16) u``: ``r = (1 + c)(S (ρ + c M) + c max|b̂| + u max|ẑ|)`` covers the
    input's error, the weights' and biases' rounding to float64, the product's
    rounding and this bound's own. ReLU and leaky ReLU with ``|slope| ≤ 1`` do not
    increase the error (a larger slope multiplies it), and a leaky product adds ``u|h|``.
    """
    n_split = net.depth + (1 if net.include_output else 0)
    h, rho = xy, radius.max(axis=1) + 2.0**-1000
    sizes = [w.shape[0] for w, _ in net.weights[:n_split]]
    z_all = np.empty((len(xy), sum(sizes)))
    r_all = np.empty((len(xy), n_split))
    at = 0
    for layer, (w, b) in enumerate(net.weights[:n_split]):
        w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
        c = dot_factor(w.shape[1])
        z = h @ w.T + b
        size = np.abs(w).sum(axis=1).max()
        r = size * (rho + c * np.abs(h).max(axis=1)) + c * np.abs(b).max(initial=0.0)
        r = (r + U * np.abs(z).max(axis=1) + TINY) * (1 + c)
        z_all[:, at : at + len(b)] = z
        r_all[:, layer] = r
        at += len(b)
        if layer < net.depth:
            act, lin = net.activations[layer], net.linear_units[layer]
            slope = float(act.slope)  # 0 for ReLU
            h = np.where(z > 0, z, z * slope)
            h[:, lin] = z[:, lin]
            rho = r * max(1.0, abs(slope)) * (1 + 4 * U) + U * np.abs(h).max(axis=1)
    return z_all, np.repeat(r_all, sizes, axis=1)
