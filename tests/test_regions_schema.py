"""One result schema for every region engine, route and mode."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold.regions import ROUTES
from polyfold.regions._build import EDGE_ATTRIBUTES, GRAPH_ATTRIBUTES, NODE_ATTRIBUTES

CASES = {
    "2-D box": (pf.zoo.random_network([2, 5, 5, 1], seed=1), pf.Box([-1, -1], [1, 1])),
    "2-D slice": (
        pf.zoo.random_network([3, 5, 4, 1], seed=2),
        pf.Slice.through([0, 0, 0], [1, 0, F(1, 2)], [0, 1, -1]),
    ),
    "3-D box": (pf.zoo.random_network([3, 4, 3, 1], seed=3), pf.Box([-1] * 3, [1] * 3)),
    "1-D box": (pf.zoo.random_network([1, 6, 1], seed=4), pf.Box([-1], [1])),
}


def _runs():
    for name in CASES:
        dim = 2 if name.startswith("2-D") else int(name[0])
        for route, (engine, modes) in ROUTES.items():
            if engine == "planar" and dim != 2:
                continue
            for exact in modes:
                yield pytest.param(name, route, exact, id=f"{name}-{route}-{exact}")


def _check_numbers(values, exact):
    assert isinstance(values, np.ndarray)
    if exact:
        assert values.dtype == object and all(type(v) is F for v in values.flat)
    else:
        assert values.dtype == np.float64


@pytest.mark.parametrize("name, route, exact", list(_runs()))
def test_every_route_gives_the_one_schema(name, route, exact):
    net, domain = CASES[name]
    G = pf.region_graph(net, domain, exact=exact, route=route)
    planar = isinstance(domain, pf.Slice) or domain.dim == 2
    assert set(GRAPH_ATTRIBUTES) <= set(G.graph)
    assert G.graph["route"] == route and G.graph["fallback"] is None
    assert G.graph["exact"] is exact and G.graph["certified"] is exact
    assert G.graph["complete"] is True and G.graph["interrupted"] is False
    assert isinstance(G.graph["method"], str) and G.graph["engine"] == ROUTES[route][0]
    for key, data in G.nodes(data=True):
        assert set(NODE_ATTRIBUTES) <= set(data)
        assert data["pattern"].dtype == bool and pf.regions.pattern_key(data["pattern"]) == key
        _check_numbers(data["witness"], exact)
        if planar:
            assert isinstance(data["area"], F if exact else float) and data["area"] > 0
            _check_numbers(data["vertices"], exact)
            assert data["vertices"].shape == (len(data["edge_units"]), 2)
            assert all(
                isinstance(u, tuple) and all(type(k) is int for k in u) for u in data["edge_units"]
            )
        else:
            assert data["area"] is None and data["vertices"] is None and data["edge_units"] is None
        if isinstance(domain, pf.Slice):
            _check_numbers(data["alpha"], exact)
    for _, _, data in G.edges(data=True):
        assert set(EDGE_ATTRIBUTES) <= set(data)
        assert isinstance(data["flips"], tuple) and all(type(k) is int for k in data["flips"])
        _check_numbers(data["facet_point"], exact)


@pytest.mark.parametrize("name", list(CASES))
def test_every_route_finds_the_same_graph(name):
    net, domain = CASES[name]
    graphs = {
        (route, exact): pf.region_graph(net, domain, exact=exact, route=route)
        for _, route, exact in (p.values for p in _runs() if p.values[0] == name)
    }
    (first_key, first), *rest = graphs.items()
    for key, G in rest:
        assert set(G.nodes) == set(first.nodes), (key, first_key)
        assert {frozenset(e) for e in G.edges} == {frozenset(e) for e in first.edges}
        for a, b, data in G.edges(data=True):
            assert data["flips"] == first.edges[a, b]["flips"]
    exact = [G for (_, ex), G in graphs.items() if ex]
    for G in exact[1:]:  # exact answers agree to the last bit
        for key, data in G.nodes(data=True):
            if data["area"] is not None:
                assert data["area"] == exact[0].nodes[key]["area"]


def test_a_route_of_the_other_engine_or_mode_is_refused():
    net, box = CASES["2-D box"]
    for kwargs, match in [
        ({"route": "fast"}, "route"),
        ({"route": "vectorised", "exact": True}, "float"),
        ({"route": "certified", "exact": False}, "exact"),
        ({"route": "vertex", "engine": "planar", "exact": False}, "lp engine"),
        ({"route": "certified", "engine": "lp"}, "planar engine"),
        ({"tol": 0}, "tol"),
        ({"tol": "small"}, "tol"),
    ]:
        with pytest.raises(pf.InvalidInputError, match=match):
            pf.region_graph(net, box, **kwargs)
    net3, box3 = CASES["3-D box"]
    with pytest.raises(pf.InvalidInputError, match="2-D"):
        pf.region_graph(net3, box3, route="splitting")


def test_the_certified_route_records_its_fallback(monkeypatch):
    import polyfold.regions.certified as certified

    net, box = CASES["2-D box"]
    monkeypatch.setattr(certified, "certified_planar_cells", lambda *a: None)
    G = pf.region_graph(net, box)
    assert G.graph["route"] == "splitting" and G.graph["fallback"] == "certified"
    assert G.graph["method"] == "exact splitting" and G.graph["certified"] is True
