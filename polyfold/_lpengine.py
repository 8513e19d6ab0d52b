"""The general-dimension region engine: splitting polyhedra layer by layer with LPs.

A cell is a polyhedron ``A x < b`` (open rows; the closure is the region) with a
witness point inside and the next layer's affine map. A unit splits the cell
when both ``cell ∩ {z_j > 0}`` and ``cell ∩ {z_j < 0}`` have interior; the
witness decides one side for free and an LP the other. In exact mode every LP
answer is certified (:func:`polyfold.lp.interior_point`); in float mode a lean
float LP decides and every final region's witness is re-checked exactly.

Adjacency: regions ``π`` and ``π ⊕ {k}`` share a facet when the unit-``k`` row
of ``π`` together with its other rows leaves a ``(d−1)``-dimensional piece of
the hyperplane; that is one more LP, in the hyperplane's own coordinates, and
its witness is an exact point on the facet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from .domains import Polytope
from .lp import _solve_float, interior_point
from .network import Network


@dataclass
class _Cell:
    a: np.ndarray  # rows of A x < b (Fraction in exact mode, float otherwise)
    b: np.ndarray
    witness: np.ndarray
    bits: list[bool]
    M: np.ndarray
    m: np.ndarray


def _float_interior(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """A point with ``A x < b`` (margin > 1e-9 in ∞-norm), by one float LP; None if none."""
    d = a.shape[1]
    norms = np.abs(a).sum(axis=1)
    sol = _solve_float(
        np.r_[np.zeros(d), -1.0],
        np.c_[a, norms],
        b,
        None,
        None,
        np.full(d + 1, -np.inf),
        np.r_[np.full(d, np.inf), 1.0],
        "highs",
    )
    if sol is None or sol[-1] <= 1e-9:
        return None
    return sol[:d]


def _interior(a: np.ndarray, b: np.ndarray, exact: bool) -> np.ndarray | None:
    if exact:
        res = interior_point(a, b)
        return res.witness if res.feasible else None
    return _float_interior(a, b)


def lp_graph(net: Network, poly: Polytope, exact: bool, budget: Any) -> nx.Graph:
    dtype: Any = object if exact else np.float64
    layers = [
        (np.array(w, dtype=dtype), np.array(b, dtype=dtype))
        for w, b in (net.exact_weights if exact else net.weights)
    ]
    a0 = np.array(poly.A, dtype=dtype)
    b0 = np.array(poly.b, dtype=dtype)
    start = _interior(a0, b0, exact)
    if start is None:  # pragma: no cover - domains are checked to have interior
        raise AssertionError("domain without interior")
    n_split = net.depth + (1 if net.include_output else 0)

    def descend(cell: _Cell, layer: int) -> Iterator[_Cell]:
        # depth first, so that a caller who stops early holds only finished regions
        if layer == n_split:
            yield cell
            return
        pieces = [cell]
        for j in range(cell.M.shape[0]):
            pieces = [child for piece in pieces for child in _split(piece, j, exact)]
        for piece in pieces:
            nxt = _advance(piece, net, layers, layer, exact) if layer < net.depth else piece
            yield from descend(nxt, layer + 1)

    graph = nx.Graph(complete=True)
    for cell in descend(_Cell(a0, b0, start, [], layers[0][0], layers[0][1]), 0):
        if budget.exhausted(graph.number_of_nodes()):
            graph.graph["complete"] = False
            break
        key = "".join("1" if bit else "0" for bit in cell.bits)
        witness = np.array([Fraction(v) for v in cell.witness], dtype=object)
        graph.add_node(key, pattern=np.array(cell.bits, dtype=bool), witness=witness)
        if budget.progress is not None:
            budget.progress.update(1)
    _add_facets(graph, net, poly, exact)
    return graph


def _split(cell: _Cell, j: int, exact: bool) -> list[_Cell]:
    """The children of ``cell`` by unit ``j``: bit 1 on ``z_j > 0``, bit 0 on ``z_j < 0``."""
    row, c = cell.M[j], cell.m[j]
    if all(v == 0 for v in row):
        return [_child(cell, None, None, cell.witness, bool(c > 0))]
    value = row.dot(cell.witness) + c
    children = []
    for bit in (True, False):
        # bit 1: -row·x < c ; bit 0: row·x < -c
        new_a, new_b = (-row, c) if bit else (row, -c)
        if (value > 0) == bit and value != 0:
            witness: np.ndarray | None = cell.witness
        else:
            witness = _interior(np.vstack([cell.a, new_a]), np.r_[cell.b, new_b], exact)
        if witness is not None:
            children.append(_child(cell, new_a, new_b, witness, bit))
    return children


def _child(cell: _Cell, row: Any, rhs: Any, witness: np.ndarray, bit: bool) -> _Cell:
    if row is None:
        return _Cell(cell.a, cell.b, witness, [*cell.bits, bit], cell.M, cell.m)
    return _Cell(
        np.vstack([cell.a, row]), np.r_[cell.b, rhs], witness, [*cell.bits, bit], cell.M, cell.m
    )


def _advance(cell: _Cell, net: Network, layers: list[Any], layer: int, exact: bool) -> _Cell:
    """Mask the cell's map by its newest layer's bits and apply the next layer."""
    n_units = cell.M.shape[0]
    bits = cell.bits[-n_units:]
    act = net.activations[layer]
    low = act.slope if act.name == "leaky_relu" else Fraction(0)
    gain = np.array(
        [Fraction(1) if bit else low for bit in bits]
        if exact
        else [1.0 if bit else float(low) for bit in bits],
        dtype=object if exact else np.float64,
    )
    w, b = layers[layer + 1]
    return _Cell(
        cell.a,
        cell.b,
        cell.witness,
        cell.bits,
        w.dot(gain[:, None] * cell.M),
        w.dot(gain * cell.m) + b,
    )


def _add_facets(graph: nx.Graph, net: Network, poly: Polytope, exact: bool) -> None:
    """Join ``π`` and ``π ⊕ {k}`` when they share a (d−1)-dimensional facet."""
    from .regions import region

    keys = set(graph.nodes)
    for key in sorted(keys):
        reg = region(net, key, poly)
        for k in range(len(key)):
            other = key[:k] + ("1" if key[k] == "0" else "0") + key[k + 1 :]
            if other not in keys or other < key:
                continue
            point = _facet_point(reg.A, reg.b, k, exact)
            if point is not None:
                graph.add_edge(key, other, flips=(k,), facet_point=point)


def _facet_point(a: np.ndarray, b: np.ndarray, k: int, exact: bool) -> np.ndarray | None:
    """A point in the relative interior of ``{row k = b_k, other rows strict}``, or None.

    Solves ``x_p`` from row ``k`` (``a_kp ≠ 0``) and substitutes it into the other
    rows, so the question is again "does ``A' y < b'`` have a solution" in
    ``d − 1`` coordinates, decided (and certified in exact mode) like any other.
    """
    row, rhs = a[k], b[k]
    p = next(i for i, v in enumerate(row) if v != 0)
    others = [i for i in range(len(b)) if i != k]
    free = [i for i in range(a.shape[1]) if i != p]
    # x_p = (rhs - row_free · y) / row_p
    sub_a = np.array(
        [[a[i, f] - a[i, p] * row[f] / row[p] for f in free] for i in others], dtype=object
    ).reshape(len(others), len(free))
    sub_b = np.array([b[i] - a[i, p] * rhs / row[p] for i in others], dtype=object)
    y: np.ndarray | None
    if not free:
        ok = all(v > 0 for v in sub_b)
        y = np.array([], dtype=object)
    elif exact:
        res = interior_point(sub_a, sub_b)
        ok, y = res.feasible, res.witness
    else:
        yf = _float_interior(np.array(sub_a, dtype=np.float64), np.array(sub_b, dtype=np.float64))
        ok, y = yf is not None, yf
    if not ok or y is None:
        return None
    y = np.array([Fraction(v) for v in y], dtype=object)
    x = np.empty(a.shape[1], dtype=object)
    x[free] = y
    x[p] = (rhs - sum(row[f] * yv for f, yv in zip(free, y))) / row[p]
    return x
