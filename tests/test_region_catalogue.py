"""Every region function, engine, route and mode on the catalogue of awkward cases."""

from __future__ import annotations

import numpy as np
import pytest
from region_catalogue import CASES

import polyfold as pf
from polyfold.regions import ROUTES


def _routes(case):
    dim = case.domain.dim
    for route, (engine, modes) in ROUTES.items():
        if engine == "planar" and dim != 2:
            continue
        for exact in modes:
            yield route, exact


RUNS = [
    pytest.param(case, route, exact, id=f"{case.name}-{route}-{'exact' if exact else 'float'}")
    for case in CASES
    for route, exact in _routes(case)
]


@pytest.mark.parametrize("case, route, exact", RUNS)
def test_region_graph_on_the_catalogue(case, route, exact):
    G = pf.region_graph(case.net, case.domain, exact=exact, route=route)
    assert set(G.nodes) == case.patterns
    edges = {frozenset(e): G.edges[e]["flips"] for e in G.edges}
    assert edges == case.edges
    assert G.graph["complete"] and G.graph["certified"] is exact
    for key, data in G.nodes(data=True):  # each witness has its node's pattern
        pattern = case.net.pattern(data["witness"], exact=exact)
        assert pf.regions.pattern_key(pattern) == key
    if case.domain.dim == 2 and exact:  # the exact areas tile the domain
        lo, hi = case.domain.bounds
        assert sum(d["area"] for _, d in G.nodes(data=True)) == np.prod(hi - lo)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_enumerate_region_and_realizability_on_the_catalogue(case):
    assert set(pf.enumerate_regions(case.net, case.domain)) == case.patterns
    for key in case.patterns:
        res = pf.is_realizable(case.net, key, case.domain)
        assert res.realizable and res.margin > 0
        reg = pf.region(case.net, key, case.domain)
        assert reg.contains(res.witness)
        assert pf.regions.pattern_key(case.net.pattern(res.witness, exact=True)) == key
    for key in case.empty:
        res = pf.is_realizable(case.net, key, case.domain)
        assert not res.realizable and res.farkas is not None
        assert pf.lp.verify_certificate(res.region.A, res.region.b, res.certificate)


def test_a_coincidence_floats_cannot_see_is_still_found_exactly():
    # rows beyond float64's range: the float cosine is NaN, the exact check still runs
    from fractions import Fraction as F

    from polyfold.regions.lpengine import _Cell, _tie

    big = F(10**400)
    a = np.array([[big, F(0)]], dtype=object)  # row 0 (unit 0): big·x < 0
    b = np.array([F(0)], dtype=object)
    m_map = np.array([[2 * big, F(0)]], dtype=object)  # unit 1: z = 2·big·x, the same line
    cell = _Cell(a, b, [0], np.zeros((1, 2), dtype=object), [False], m_map, np.array([F(0)]))
    assert _tie(cell, 0, 1, True, 1e-9).ties == {0: frozenset({1})}
    other = _Cell(a, b, [0], cell.pool, [False], np.array([[big, big]]), np.array([F(0)]))
    assert _tie(other, 0, 1, True, 1e-9).ties == {}
