"""The LP engine's exact mode by certification: the float vertex route's answer, proved.

Every graph here is compared with the exact LP route (certified LPs throughout),
node for node and edge for edge, and the certificate is shown to reject
damaged float answers (the fallback still returns the exact graph).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polyfold as pf
import polyfold.regions.lpcertified as lpc
from polyfold.regions import pattern_key
from polyfold.regions.lpengine import vertex_cells


def _cyclic(verts, units):
    """A polygon's vertices and edge units, rotated to start at the smallest vertex."""
    verts = [tuple(v) for v in verts]
    k = verts.index(min(verts))
    return verts[k:] + verts[:k], list(units[k:]) + list(units[:k])


def assert_identical(G, H):
    """Same nodes, patterns, edges and flips; in 2-D the same polygons, areas, edge units."""
    assert set(G.nodes) == set(H.nodes)
    flips = {frozenset(e): G.edges[e]["flips"] for e in G.edges}
    assert flips == {frozenset(e): H.edges[e]["flips"] for e in H.edges}
    for key in G.nodes:
        a, b = G.nodes[key], H.nodes[key]
        assert a.keys() == b.keys()
        assert np.array_equal(a["pattern"], b["pattern"])
        if a["vertices"] is not None:
            assert a["area"] == b["area"]
            ours, theirs = (_cyclic(x["vertices"], x["edge_units"]) for x in (a, b))
            assert ours == theirs
    for key in ("engine", "exact", "certified", "complete", "adjacency_complete"):
        assert G.graph[key] == H.graph[key]


def assert_evidence(net, domain, G):
    """Each witness has its node's pattern inside the domain; each facet point lies in
    both regions' closures, where the flipped units vanish."""
    for key, data in G.nodes(data=True):
        assert all(type(v) is F for v in data["witness"])
        assert domain.contains(data["witness"])
        assert pattern_key(net.pattern(data["witness"], exact=True)) == key
    for a, b, data in G.edges(data=True):
        point = data["facet_point"]
        for key in (a, b):
            reg = pf.region(net, key, domain)
            assert all(s >= 0 for s in reg.b - reg.A.dot(point))
        z = np.concatenate(net.preactivations(point, exact=True))
        keep, _ = pf.regions._build.bit_positions(net)
        units = np.flatnonzero(keep) if keep is not None else np.arange(len(z))
        for flip in data["flips"]:
            assert z[units[flip]] == 0


def both(net, domain):
    G = pf.region_graph(net, domain, engine="lp", exact=True, route="vertex")
    H = pf.region_graph(net, domain, engine="lp", exact=True, route="lp")
    return G, H


@st.composite
def networks(draw):
    d = draw(st.integers(1, 4))
    depth = draw(st.integers(1, 3))
    cap = 8 if d <= 2 else (6 if d == 3 else 4)
    widths = [draw(st.integers(2, cap)) for _ in range(depth)]
    seed = draw(st.integers(0, 10_000))
    leaky = draw(st.booleans())
    net = pf.zoo.random_network([d, *widths, 1], seed=seed)
    if leaky:
        net = pf.Network.from_layers(net.exact_weights, activation="leaky_relu")
    return net, pf.Box([-1] * d, [1] * d)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_identical_to_the_exact_lp_route_on_random_networks(case):
    net, box = case
    G, H = both(net, box)
    assert_identical(G, H)
    # generic float weights: the certificate holds, no fallback
    assert G.graph["route"] == "vertex" and G.graph["fallback"] is None
    assert G.graph["method"] == lpc.METHOD and H.graph["method"] == "certified LPs"


def test_the_evidence_of_a_certified_graph_checks_out():
    for sizes, domain in (
        ([3, 5, 4, 1], pf.Box([-1] * 3, [1] * 3)),
        ([2, 6, 5, 1], pf.Box([-1, -1], [1, 1])),
        ([1, 4, 3, 1], pf.Box([-2], [1])),
    ):
        net = pf.zoo.random_network(sizes, seed=3)
        G = pf.region_graph(net, domain, exact=True)
        assert G.graph["route"] == "vertex" or sizes[0] == 2
        assert_evidence(net, domain, G)


OCTAHEDRON = pf.Polytope([[a, b, c] for a in (1, -1) for b in (1, -1) for c in (1, -1)], [1] * 8)

DEGENERATE = {
    # in 3-D: two units on one plane, a plane through the domain's face, constant units,
    # four planes through the origin (a non-simple vertex), then a second layer
    "coincident, boundary, constant, concurrent": (
        pf.Network.from_layers(
            [
                (
                    [
                        [1, 0, 0],
                        [2, 0, 0],
                        [1, 0, 0],
                        [0, 0, 0],
                        [0, 0, 0],
                        [0, 1, 0],
                        [1, 1, 1],
                        [1, -1, 0],
                        [0, 0, 1],
                    ],
                    [0, 0, -1, 1, -1, 0, 0, 0, 0],
                ),
                (np.eye(9)[[0, 5, 6, 7, 8]] - 0.25, [0.1, -0.2, 0.05, 0, 0]),
                ([[1, -1, 1, 1, 1]], [0]),
            ]
        ),
        pf.Box([-1] * 3, [1] * 3),
    ),
    "units dead on whole cells": (
        pf.Network.from_layers(
            [([[1, 0, 0], [-1, 0, 0], [0, 1, 0]], [0, 0, 0]), ([[1, 0, 0], [0, 1, 1]], [0, 0])]
        ),
        pf.Box([-1] * 3, [1] * 3),
    ),
    "output bits": (
        pf.zoo.random_network([3, 5, 4, 2], seed=9, include_output=True),
        pf.Box([-1] * 3, [1] * 3),
    ),
    "linear units": (
        pf.Network.from_layers(
            [
                ([[1, 0, 0], [0, 1, 1], [1, 1, 0]], [0, 0, "-1/2"]),
                ([[1, 1, 0], [1, -1, 1]], [0, 0]),
                ([[1, 1]], [0]),
            ],
            linear_units=[[2], []],
        ),
        pf.Box([-1] * 3, [1] * 3),
    ),
    "octahedron (non-simple vertices)": (pf.zoo.random_network([3, 6, 5, 1], seed=4), OCTAHEDRON),
    "axis planes in the octahedron": (
        pf.Network.from_layers([(np.eye(3), [0, 0, 0]), ([[1, 1, 1]], [0])]),
        OCTAHEDRON,
    ),
    "four dimensions, integer weights": (
        pf.Network.from_layers(
            [
                ([[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, -1], [1, 0, 0, 0]], [0] * 5),
                ([[1, -1, 0, 1, 0], [0, 1, 1, 0, -1]], [0, 1]),
            ]
        ),
        pf.Box([-1] * 4, [1] * 4),
    ),
}


@pytest.mark.parametrize("name", DEGENERATE)
def test_identical_and_certified_on_degenerate_networks(name):
    net, domain = DEGENERATE[name]
    G, H = both(net, domain)
    assert_identical(G, H)
    assert G.graph["route"] == "vertex" and G.graph["fallback"] is None
    assert_evidence(net, domain, G)


def test_one_bit_apart_without_a_facet_is_not_an_edge():
    # a = x, b = x − 2, c = a − 2b − 1 on [-1, 4] × [-1, 1]: strips 000 | 100 | 101 | 111 |
    # 110 with breaks at x = 0, 1, 2, 3. 100 (0 < x < 1) and 110 (x > 3) are one bit
    # apart and share no facet: not adjacent. Joining every pair of found regions one
    # bit apart (as relucent does) would add that edge.
    net = pf.Network.from_layers([([[1, 0], [1, 0]], [0, -2]), ([[1, -2]], [-1]), ([[1]], [0])])
    G = pf.region_graph(net, pf.Box([-1, -1], [4, 1]), engine="lp", exact=True)
    assert G.graph["route"] == "vertex"
    assert set(G.nodes) == {"000", "100", "101", "111", "110"}
    assert not G.has_edge("100", "110") and G.number_of_edges() == 4


# -- damaged float answers -----------------------------------------------------------------


def _drop_cell(cells):
    return cells[:3] + cells[4:]


def _flip_bit(cells):
    cell = cells[2]
    return [*cells[:2], replace(cell, bits=[not cell.bits[0], *cell.bits[1:]]), *cells[3:]]


def _wrong_tight_row(cells):
    # at one vertex, say a row holds with equality that does not, and forget one that does
    cell = cells[1]
    tight = cell.tight.copy()
    on = np.flatnonzero(tight[0])
    off = np.flatnonzero(~tight[0])
    tight[0, on[0]], tight[0, off[0]] = False, True
    return [cells[0], replace(cell, tight=tight), *cells[2:]]


def _drop_vertex(cells):
    cell = cells[0]
    return [replace(cell, verts=cell.verts[1:], tight=cell.tight[1:]), *cells[1:]]


@pytest.mark.parametrize("damage", [_drop_cell, _flip_bit, _wrong_tight_row, _drop_vertex])
@pytest.mark.parametrize("sizes", [[2, 5, 4, 1], [3, 4, 4, 1]])
def test_damaged_float_answers_are_rejected_and_the_fallback_is_exact(damage, sizes, monkeypatch):
    net = pf.zoo.random_network(sizes, seed=1)
    box = pf.Box([-1] * sizes[0], [1] * sizes[0])
    good = pf.region_graph(net, box, engine="lp", exact=True, route="lp")
    cells = vertex_cells(net, box)
    assert lpc._certify(net, box, cells) is not None
    assert lpc._certify(net, box, damage(list(cells))) is None
    monkeypatch.setattr(lpc, "vertex_cells", lambda *a, **k: damage(list(vertex_cells(*a, **k))))
    G = pf.region_graph(net, box, engine="lp", exact=True)
    assert G.graph["route"] == "lp" and G.graph["fallback"] == "vertex"
    assert_identical(G, good)


def test_budgets_and_ctrl_c(monkeypatch):
    net = pf.zoo.random_network([3, 5, 5, 1], seed=0)
    box = pf.Box([-1] * 3, [1] * 3)
    # the proof is all-or-nothing: a budget runs the exact LP route
    G = pf.region_graph(net, box, engine="lp", exact=True, max_regions=3)
    assert G.graph["route"] == "lp" and len(G) == 3 and not G.graph["complete"]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lpc, "vertex_cells", interrupted)
    G = pf.region_graph(net, box, engine="lp", exact=True)
    assert G.graph["interrupted"] and not G.graph["complete"] and len(G) == 0


@pytest.mark.slow
def test_identical_on_the_benchmark_network_in_four_dimensions():
    # the 4-8-8 over [-1, 1]^4 (1,780 regions): the exact LP route takes ~20 s
    net = pf.zoo.random_network([4, 8, 8, 1], seed=0)
    G, H = both(net, pf.Box([-1] * 4, [1] * 4))
    assert_identical(G, H)
    assert G.graph["route"] == "vertex" and len(G) == 1780
