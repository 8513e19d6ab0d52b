"""The 2-D region engine: layer-wise splitting of convex polygons.

A cell is a convex polygon on which every unit of the layers seen so far has a
fixed bit, so the next layer's pre-activations are affine on it. Each unit of
the next layer whose line ``z_j = 0`` passes through the cell's interior splits
it in two (Sutherland–Hodgman against a half-plane). Vertices are ``fmpq``
rationals in exact mode and floats otherwise. Every edge remembers the units
whose boundary it lies on, which gives the region adjacency graph without any
geometric search: crossing an edge flips exactly those bits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np
from flint import fmpq

from ..domains import Polytope
from ..geometry import polygon_area
from ..network import Network
from ._build import Budget, bit_positions, interruptible, neighbour, new_graph, pattern_key

__all__ = ["Cell", "planar_cells", "splitting_graph"]

Point = tuple[Any, Any]


@dataclass
class Cell:
    """A convex polygon with the bits decided so far and the labels of its edges.

    ``labels[i]`` is the set of unit indices whose boundary contains the edge
    from ``vertices[i]`` to ``vertices[i+1]`` (empty on the domain boundary).

    Attributes
    ----------
    vertices : list
        The polygon's vertices in order.
    labels : list of frozenset of int
        Per edge, the units whose boundary contains it.
    bits : list of bool
        The bits decided so far.
    M, m
        The current layer's affine map on the cell (internal).
    """

    vertices: list[Point]
    labels: list[frozenset[int]]
    bits: list[bool]
    M: Any = None  # current layer's pre-activation map z = M x + m on the cell
    m: Any = None


def _clip_side(cell: Cell, vals: list[Any], unit: int, positive: bool) -> Cell | None:
    """The part of the cell on one side of the unit's line, or None if it has no area."""
    poly, labels = cell.vertices, cell.labels
    n = len(poly)
    cut = frozenset({unit})

    def inside(f: Any) -> bool:
        return bool(f >= 0) if positive else bool(f <= 0)

    out_v: list[Point] = []
    out_l: list[frozenset[int]] = []
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = vals[i], vals[(i + 1) % n]
        if inside(fp):
            out_v.append(p)
            if inside(fq):
                out_l.append(labels[i] | cut if fp == 0 and fq == 0 else labels[i])
            elif fp == 0:
                out_l.append(cut)  # leave p along the line
            else:
                s = fp / (fp - fq)
                out_l.append(labels[i])
                out_v.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])))
                out_l.append(cut)
        elif inside(fq) and fq != 0:
            s = fp / (fp - fq)
            out_v.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])))
            out_l.append(labels[i])
    if len(out_v) < 3 or polygon_area(out_v) == 0:
        return None
    return Cell(out_v, out_l, cell.bits)


def _split(cell: Cell, a0: Any, a1: Any, c: Any, unit: int) -> list[tuple[Cell, bool]]:
    """Split by the line ``a0 x + a1 y + c = 0``; children with their bit (``> 0``)."""
    if a0 == 0 and a1 == 0:  # a constant unit: no line
        return [(cell, bool(c > 0))]
    poly, labels = cell.vertices, cell.labels
    n = len(poly)
    vals = [a0 * x + a1 * y + c for x, y in poly]
    if all(v <= 0 for v in vals) or all(v >= 0 for v in vals):
        on_line = [vals[i] == 0 and vals[(i + 1) % n] == 0 for i in range(n)]
        new_labels = [lab | {unit} if on else lab for lab, on in zip(labels, on_line)]
        return [(Cell(poly, new_labels, cell.bits), any(v > 0 for v in vals))]
    children = []
    for side in (True, False):
        child = _clip_side(cell, vals, unit, side)
        if child is not None:
            children.append((child, side))
    return children


def planar_cells(net: Any, vertices: list[Point], exact: bool) -> Iterator[Cell]:
    """All full-dimensional cells of a 2-input network inside a convex polygon.

    Units are numbered like the pattern: hidden layers in order, then the
    output units when ``net.include_output``. Requires activations whose
    affine piece is fixed by the bit (ReLU, leaky ReLU at threshold 0).

    Parameters
    ----------
    net
        A 2-input network.
    vertices
        The domain polygon's vertices in counter-clockwise order.
    exact
        Exact rational arithmetic (True) or float64.

    Yields
    ------
    Cell
        Each finished cell, with all its bits.
    """

    def conv(v: Any) -> Any:
        return fmpq(v.numerator, v.denominator) if exact else float(v)

    dtype: Any = object if exact else np.float64
    poly = [(conv(x), conv(y)) for x, y in vertices]
    if polygon_area(poly) < 0:
        poly = poly[::-1]
    layers = [
        (np.vectorize(conv, otypes=[dtype])(w), np.vectorize(conv, otypes=[dtype])(b))
        for w, b in net.exact_weights
    ]
    n_split = net.depth + (1 if net.include_output else 0)
    gains = []
    for layer in range(net.depth):
        act = net.activations[layer]
        low = conv(act.slope)  # 0 for ReLU
        gains.append((conv(Fraction(1)), low))
    offsets = np.cumsum([0] + [w.shape[0] for w, _ in layers])
    linear = [*net.linear_units, np.zeros(net.n_outputs, dtype=bool)]
    keep, position = bit_positions(net)

    def descend(cell: Cell, layer: int) -> Iterator[Cell]:
        # depth first, so that a caller who stops early holds only finished regions
        if layer == n_split:
            if keep is None:
                yield cell
            else:  # linear units carry no bit: drop them, renumber the edge labels
                labels = [frozenset(int(position[u]) for u in lab) for lab in cell.labels]
                yield Cell(cell.vertices, labels, [b for b, k in zip(cell.bits, keep) if k])
            return
        for piece, bits in _split_by_layer(cell, int(offsets[layer]), dtype, linear[layer]):
            out = Cell(piece.vertices, piece.labels, cell.bits + list(bits))
            if layer < net.depth:
                gain = np.where(bits, gains[layer][0], gains[layer][1]).astype(dtype)
                w, b = layers[layer + 1]
                out.M = w.dot(gain[:, None] * cell.M)
                out.m = w.dot(gain * cell.m) + b
            yield from descend(out, layer + 1)

    yield from descend(Cell(poly, [frozenset()] * len(poly), [], layers[0][0], layers[0][1]), 0)


def _split_by_layer(
    cell: Cell, offset: int, dtype: Any, linear: np.ndarray
) -> list[tuple[Cell, Any]]:
    """Split a cell by every unit of one layer; each piece with the layer's bits.

    One matrix product gives every unit's value at every vertex; only units
    whose line passes through the cell's interior are clipped against, one by
    one, since the pieces lie inside the cell. Linear units never split and
    count as on.
    """
    big_m, small_m = cell.M, cell.m
    pts = np.array(cell.vertices, dtype=dtype)
    values = pts.dot(big_m.T) + small_m  # (vertices, units)
    positive = np.asarray(values > 0, dtype=bool)
    negative = np.asarray(values < 0, dtype=bool)
    bits = positive.any(axis=0) | linear
    cutting = np.flatnonzero(bits & negative.any(axis=0) & ~linear)
    zero = ~positive & ~negative
    on_edge = zero & np.roll(zero, -1, axis=0) & ~linear  # edge i lies on the unit's line
    labels = list(cell.labels)
    if on_edge.any():
        constant = np.array([all(v == 0 for v in row) for row in big_m])
        for i, j in zip(*np.nonzero(on_edge & ~constant[None, :])):
            if j not in set(cutting):
                labels[i] = labels[i] | {offset + int(j)}
    pieces: list[tuple[Cell, Any]] = [(Cell(cell.vertices, labels, cell.bits), bits)]
    for j in cutting:
        a0, a1, c = big_m[j, 0], big_m[j, 1], small_m[j]
        new_pieces = []
        for piece, piece_bits in pieces:
            for child, bit in _split(piece, a0, a1, c, offset + int(j)):
                child_bits = piece_bits.copy()
                child_bits[j] = bit
                new_pieces.append((child, child_bits))
        pieces = new_pieces
    return pieces


def splitting_graph(net: Network, poly: Polytope, exact: bool, budget: Budget) -> nx.Graph:
    """The region graph by splitting polygons one unit at a time (exact or float).

    Parameters
    ----------
    net
        A 2-input network.
    poly
        A 2-D polytope.
    exact
        Exact rational arithmetic (True) or float64.
    budget
        Where to stop.

    Returns
    -------
    networkx.Graph
    """

    graph = new_graph("exact splitting" if exact else "float splitting")
    index = {}
    for cell in interruptible(planar_cells(net, poly.vertices_2d(), exact), graph):
        if budget.exhausted(graph.number_of_nodes()):
            graph.graph["complete"] = False
            break
        key = pattern_key(cell.bits)
        index[key] = cell
        verts = cell.vertices
        # the vertex average is strictly inside a convex polygon with area
        cx = sum(v[0] for v in verts[1:]) + verts[0][0]
        cy = sum(v[1] for v in verts[1:]) + verts[0][1]
        cx, cy = cx / len(verts), cy / len(verts)
        graph.add_node(
            key,
            pattern=np.array(cell.bits, dtype=bool),
            witness=(cx, cy),  # finish() makes every number a Fraction or a float
            area=polygon_area(verts),
            vertices=verts,
            edge_units=[tuple(sorted(lab)) for lab in cell.labels],
        )
        budget.progress.update(1)
    for key, cell in index.items():
        bits = np.array(cell.bits, dtype=bool)
        n = len(cell.vertices)
        for i, labels in enumerate(cell.labels):
            if not labels:
                continue
            p, q = cell.vertices[i], cell.vertices[(i + 1) % n]
            other = neighbour(bits, labels, index)
            if other is None or graph.has_edge(key, other[0]):
                continue
            mid = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)
            graph.add_edge(key, other[0], flips=other[1], facet_point=mid)
    return graph
