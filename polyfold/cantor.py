r"""CantorNet: networks whose decision boundary is the k-th step of a Cantor construction.

On the square ``[0, 1]²`` let ``A(x) = max(−3x + 1, 0, 3x − 2)`` and ``A⁽ᵏ⁾`` its
k-fold composition; the decision set is

.. math::

    R_k = \{(x, y) : y ≤ g_k(x)\}, \qquad g_k(x) = (A^{(k)}(x) + 1)/2 .

Every representation outputs ``y − g_k(x)``, so ``R_k = {output ≤ 0}``.

* ``"A"`` (recursive): ``k`` times the pair of ReLU layers
  ``(relu(3x − 2), relu(−3x + 1), relu(y))`` then ``(relu(h1 + h2), relu(h3))``
  — since ``A(x) = relu(3x − 2) + relu(−3x + 1)`` — then ``−½ A⁽ᵏ⁾ + y − ½``.
* ``"B"`` and ``"C"`` (disjunctive normal form): ``g_k`` written as
  ``max_i min_{j ∈ S_i} ℓ_j`` over the affine functions ``ℓ_j`` of its linear
  pieces, with ``S_i = {j : ℓ_j ≥ ℓ_i on piece i}`` (the max–min form of
  S. Ovchinnikov, *Max-min representation of piecewise linear functions*,
  Beitr. Algebra Geom. 43(1), 2002, arXiv:math/0009026; dominated lines
  dropped), each binary min built from ReLU units —
  B: ``min(a, b) = relu(b) − relu(−b) − relu(b − a)``;
  C: ``min(a, b) = ½(relu(a + b) − relu(−a − b) − relu(b − a) − relu(a − b))``;
  and ``max(a, b) = −min(−a, −b)``.

The published convention appends the output unit's bit to the pattern
(``include_output=True``).

Reference: M. Lewandowski et al., *CantorNet: A Sandbox for Testing Topological
and Geometrical Complexity Measures*, NeurIPS Workshop 2024.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .errors import InvalidInputError, check_count
from .network import Network

__all__ = ["boundary", "cantor_a", "cantornet", "lattice_form", "verify_output"]

REPRESENTATIONS = ("A", "B", "C")
F = Fraction


def cantor_a(x: Fraction, k: int) -> Fraction:
    """``A⁽ᵏ⁾(x)`` exactly.

    Parameters
    ----------
    x
        A point of ``[0, 1]`` (exact).
    k
        The depth ``k >= 0``.

    Returns
    -------
    fractions.Fraction
    """
    for _ in range(k):
        x = max(-3 * x + 1, F(0), 3 * x - 2)
    return x


def boundary(k: int) -> list[tuple[Fraction, Fraction]]:
    """The vertices ``(x, g_k(x))`` of the boundary polyline, left to right, exactly.

    Parameters
    ----------
    k
        The depth ``k >= 0``.

    Returns
    -------
    list of tuple of fractions.Fraction
        ``(x, g_k(x))`` at ``x = 0``, every breakpoint, and ``x = 1``.

    Examples
    --------
    >>> [(str(x), str(y)) for x, y in boundary(1)]
    [('0', '1'), ('1/3', '1/2'), ('2/3', '1/2'), ('1', '1')]
    """
    points = {F(0), F(1, 3), F(2, 3), F(1)}
    for _ in range(k - 1):  # A^k kinks where A does, and where A(x) is a kink of A^(k-1)
        points |= {(1 - u) / 3 for u in points} | {(u + 2) / 3 for u in points}
    xs = sorted(points)
    verts = [(x, (cantor_a(x, k) + 1) / 2) for x in xs]
    out = [verts[0]]  # keep only true corners
    for cur, nxt in zip(verts[1:], verts[2:]):
        prev = out[-1]
        if (cur[1] - prev[1]) * (nxt[0] - cur[0]) != (nxt[1] - cur[1]) * (cur[0] - prev[0]):
            out.append(cur)
    out.append(verts[-1])
    return out


def lattice_form(k: int) -> tuple[list[tuple[Fraction, Fraction]], list[list[int]]]:
    """``g_k = max_i min_{j ∈ S_i} ℓ_j``: the lines ``ℓ_j = (slope, intercept)`` and the groups.

    Parameters
    ----------
    k
        The depth ``k >= 0``.

    Returns
    -------
    tuple
        ``(lines, groups)``: ``(slope, intercept)`` pairs and the index sets ``S_i``.

    Examples
    --------
    >>> lines, groups = lattice_form(1)
    >>> [(str(s), str(c)) for s, c in lines], groups
    ([('-3/2', '1'), ('0', '1/2'), ('3/2', '-1/2')], [[0], [1], [2]])
    """
    verts = boundary(k)
    pieces = []
    for (x0, y0), (x1, y1) in zip(verts, verts[1:]):
        slope = (y1 - y0) / (x1 - x0)
        pieces.append((x0, x1, (slope, y0 - slope * x0)))
    lines = sorted({line for _, _, line in pieces})
    index = {line: i for i, line in enumerate(lines)}

    def value(line: tuple[Fraction, Fraction], x: Fraction) -> Fraction:
        return line[0] * x + line[1]

    groups: list[list[int]] = []
    for x0, x1, line in pieces:
        above = [
            j
            for j, other in enumerate(lines)
            if value(other, x0) >= value(line, x0) and value(other, x1) >= value(line, x1)
        ]
        # drop lines that another member lies below on all of [0, 1]
        kept = [
            j
            for j in above
            if not any(
                o != j
                and value(lines[o], F(0)) <= value(lines[j], F(0))
                and value(lines[o], F(1)) <= value(lines[j], F(1))
                for o in above
            )
        ]
        group = sorted(set(kept) | {index[line]})
        if group not in groups:
            groups.append(group)
    return lines, groups


class _Builder:
    """Layers of ReLU units computing min/max trees over affine values.

    A value is ``(coef, const)``: an affine function of the current layer's units.
    """

    def __init__(self, rep: str) -> None:
        self.rep = rep
        self.layers: list[tuple[list[list[Fraction]], list[Fraction]]] = []

    def layer(self, ops: list[tuple[Any, ...]]) -> list[tuple[np.ndarray, Fraction]]:
        """One hidden layer from ``ops``.

        Each op is ``("carry", v)``, ``("relu", v)`` or ``("min"|"max", a, b)``.
        """
        rows: list[np.ndarray] = []
        consts: list[Fraction] = []

        def unit(coef: np.ndarray, const: Fraction) -> int:
            rows.append(coef)
            consts.append(const)
            return len(rows) - 1

        recipes = []  # each output value as [(weight, unit)]
        for op in ops:
            kind = op[0]
            if kind == "relu":  # non-negative values (y on the square) pass through one unit
                c, k0 = op[1]
                recipes.append(([(F(1), unit(c, k0))], F(0)))
            elif kind == "carry":  # v = relu(v) − relu(−v)
                c, k0 = op[1]
                recipes.append(([(F(1), unit(c, k0)), (F(-1), unit(-c, -k0))], F(0)))
            else:
                (ca, ka), (cb, kb) = op[1], op[2]
                if kind == "max":  # max(a, b) = −min(−a, −b)
                    ca, ka, cb, kb = -ca, -ka, -cb, -kb
                sign = F(-1) if kind == "max" else F(1)
                if self.rep == "B":  # relu(b) − relu(−b) − relu(b − a)
                    terms = [
                        (F(1), unit(cb, kb)),
                        (F(-1), unit(-cb, -kb)),
                        (F(-1), unit(cb - ca, kb - ka)),
                    ]
                else:  # ½(relu(a+b) − relu(−a−b) − relu(b−a) − relu(a−b))
                    half = F(1, 2)
                    terms = [
                        (half, unit(ca + cb, ka + kb)),
                        (-half, unit(-ca - cb, -ka - kb)),
                        (-half, unit(cb - ca, kb - ka)),
                        (-half, unit(ca - cb, ka - kb)),
                    ]
                recipes.append(([(sign * w, u) for w, u in terms], F(0)))
        self.layers.append(([list(r) for r in rows], consts))
        width = len(rows)
        out = []
        for terms, const in recipes:
            coef = np.array([F(0)] * width, dtype=object)
            for w, u in terms:
                coef[u] += w
            out.append((coef, const))
        return out


def _tree_network(k: int, rep: str) -> Network:
    lines, groups = lattice_form(k)
    builder = _Builder(rep)
    e_x = np.array([F(1), F(0)], dtype=object)
    e_y = np.array([F(0), F(1)], dtype=object)
    line_values = [(slope * e_x, intercept) for slope, intercept in lines]
    y_value = (e_y, F(0))
    # level by level: first every group's min, then the max over groups
    current = [[line_values[j] for j in group] for group in groups]
    for kind in ("min", "max"):
        if kind == "max":
            current = [[v[0] for v in current]]
        while any(len(vals) > 1 for vals in current) or not builder.layers:
            ops: list[tuple[Any, ...]] = [("relu", y_value)]
            shape = []
            for vals in current:
                pairs = [(vals[i], vals[i + 1]) for i in range(0, len(vals) - 1, 2)]
                ops += [(kind, a, b) for a, b in pairs]
                if len(vals) % 2:
                    ops.append(("carry", vals[-1]))
                shape.append(len(pairs) + len(vals) % 2)
            new = builder.layer(ops)
            y_value, rest = new[0], new[1:]
            current, pos = [], 0
            for n in shape:
                current.append(rest[pos : pos + n])
                pos += n
    (g_coef, g_const) = current[0][0]
    out_w = [list(y_value[0] - g_coef)]
    layers = [(w, b) for w, b in builder.layers] + [(out_w, [y_value[1] - g_const])]
    return Network.from_layers(layers, include_output=True)


def cantornet(k: int, representation: str = "A") -> Network:
    """CantorNet of depth ``k`` in representation ``"A"``, ``"B"`` or ``"C"``, exact weights.

    The output is ``y − (A⁽ᵏ⁾(x) + 1)/2`` on ``[0, 1]²``; the pattern includes
    the output unit's bit.

    Parameters
    ----------
    k
        The depth ``k >= 1``.
    representation
        ``"A"``, ``"B"`` or ``"C"`` (three networks computing the same function).

    Returns
    -------
    Network
        Two inputs ``(x, y)``, one output.

    Raises
    ------
    InvalidInputError
        For a depth below 1 or an unknown representation.

    Examples
    --------
    >>> net = cantornet(1)
    >>> net.hidden_sizes, net.forward([F(1, 2), F(3, 4)], exact=True)[0]
    ((3, 2), Fraction(1, 4))
    """
    k = check_count(k, "k")
    if representation not in REPRESENTATIONS:
        raise InvalidInputError(
            f"representation: expected one of {', '.join(REPRESENTATIONS)}, got {representation!r}"
        )
    if representation != "A":
        return _tree_network(int(k), representation)
    layers: list[tuple[list[list[Fraction]], list[Fraction]]] = []
    for _ in range(int(k)):
        layers.append(([[F(3), F(0)], [F(-3), F(0)], [F(0), F(1)]], [F(-2), F(1), F(0)]))
        layers.append(([[F(1), F(1), F(0)], [F(0), F(0), F(1)]], [F(0), F(0)]))
    layers.append(([[F(-1, 2), F(1)]], [F(-1, 2)]))
    return Network.from_layers(layers, include_output=True)


def verify_output(net: Network, k: int) -> tuple[bool, np.ndarray | None]:
    """Prove that ``net`` computes ``y − g_k(x)`` on all of ``[0, 1]²``, exactly.

    On every linear region of ``net`` (the exact planar engine) the output is
    affine; cut the region at the boundary's breakpoints and ``y − g_k(x)`` is
    affine on each piece too, so agreement at the pieces' vertices proves
    agreement everywhere. Returns ``(True, None)`` or ``(False, point)`` with a
    point where the two differ.

    Parameters
    ----------
    net
        A 2-input network with one output.
    k
        The depth whose ``g_k`` to compare with.

    Returns
    -------
    tuple
        ``(True, None)``, or ``(False, point)``.
    """
    from .domains import Box
    from .geometry import clip_polygon
    from .regions import region, region_graph

    square = Box([0, 0], [1, 1])
    graph = region_graph(net, square)
    breaks = [x for x, _ in boundary(k)]
    for key, data in graph.nodes(data=True):
        m_out, c_out = region(net, key, square).output_map
        poly = [(F(vx), F(vy)) for vx, vy in data["vertices"]]
        for lo, hi in zip(breaks, breaks[1:]):
            piece = clip_polygon(clip_polygon(poly, F(-1), F(0), lo), F(1), F(0), -hi)
            for vx, vy in piece:
                if m_out[0, 0] * vx + m_out[0, 1] * vy + c_out[0] != vy - (cantor_a(vx, k) + 1) / 2:
                    return False, np.array([vx, vy], dtype=object)
    return True, None
