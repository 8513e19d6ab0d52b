"""The lean 2-D result: region_arrays, and the graph built from it on demand."""

from __future__ import annotations

import numpy as np
import pytest
from region_catalogue import CASES

import polyfold as pf
import polyfold.regions.vectorised as vectorised
from polyfold.errors import InvalidInputError

BOX = pf.Box([-1, -1], [1, 1])


def test_arrays_and_graph_agree_on_a_random_network():
    net = pf.zoo.random_network([2, 12, 10, 8, 1], seed=2)
    cells = pf.region_arrays(net, BOX)
    G = pf.region_graph(net, BOX, exact=False, route="vectorised")
    H = cells.to_graph()
    assert len(cells) == len(G) == len(H) and cells.complete
    assert cells.keys() == list(H.nodes) and set(cells.keys()) == set(G.nodes)
    assert abs(cells.area.sum() - 4) < 1e-9 and np.all(cells.area > 0)
    for key, data in G.nodes(data=True):
        other = H.nodes[key]
        assert np.array_equal(data["pattern"], other["pattern"])
        assert np.array_equal(data["vertices"], other["vertices"])
        assert data["edge_units"] == other["edge_units"] and data["area"] == other["area"]
    assert {frozenset(e) for e in G.edges} == {frozenset(e) for e in H.edges}
    # the packed patterns, the pairs and their flips say the same
    bits = cells.bits()
    assert np.array_equal(np.packbits(bits, axis=1), cells.patterns)
    assert bits.shape == (len(cells), net.n_bits)
    i, j = cells.pairs.T
    assert np.all(i < j) and len({tuple(p) for p in cells.pairs.tolist()}) == len(cells.pairs)
    differ = bits[i] != bits[j]
    assert np.all(differ.sum(axis=1) == 1)
    assert np.array_equal(np.argmax(differ, axis=1), cells.flip)
    # each witness has its region's pattern, each facet point lies between its pair
    assert np.array_equal(net.pattern(cells.witness, exact=False), bits)
    z = np.concatenate(net.preactivations(cells.facet_points), axis=1)
    assert np.all(np.abs(z[np.arange(len(i)), cells.flip]) < 1e-9)


@pytest.mark.parametrize("case", [c for c in CASES if c.domain.dim == 2], ids=lambda c: c.name)
def test_region_arrays_on_the_catalogue(case):
    cells = pf.region_arrays(case.net, case.domain)
    keys = cells.keys()
    assert set(keys) == case.patterns
    edges = {}
    for k, (a, b) in enumerate(cells.pairs.tolist()):
        edges[frozenset((keys[a], keys[b]))] = cells.extra_flips.get(k, (int(cells.flip[k]),))
    assert edges == case.edges


def test_budgets_and_ctrl_c(monkeypatch):
    net = pf.zoo.random_network([2, 16, 16, 1], seed=0)
    full = pf.region_arrays(net, BOX)
    part = pf.region_arrays(net, BOX, max_regions=7)
    assert len(part) == 7 and not part.complete and not part.interrupted
    assert set(part.keys()) <= set(full.keys())
    assert np.all(part.pairs < 7)

    real = vectorised.fast_planar_cells

    def cells(*args, **kwargs):
        gen = real(*args, batch=4, **kwargs)
        yield next(gen)
        raise KeyboardInterrupt

    monkeypatch.setattr(vectorised, "fast_planar_cells", cells)
    stopped = pf.region_arrays(net, BOX)
    assert stopped.interrupted and not stopped.complete and 0 < len(stopped) < len(full)
    G = stopped.to_graph()
    assert G.graph["interrupted"] and set(G.nodes) <= set(full.keys())


def test_a_slice_and_bad_input():
    net = pf.zoo.random_network([3, 6, 1], seed=1)
    plane = pf.Slice.through([0, 0, 0], [1, 0, 0], [0, 1, 0])
    cells = pf.region_arrays(net, plane)
    assert set(cells.keys()) == set(pf.region_graph(net, plane, exact=False).nodes)
    with pytest.raises(InvalidInputError, match="domain: region_arrays needs a 2-D domain"):
        pf.region_arrays(net, pf.Box([-1] * 3, [1] * 3))
    with pytest.raises(InvalidInputError, match="max_regions"):
        pf.region_arrays(pf.zoo.random_network([2, 3, 1]), BOX, max_regions=0)


def _concurrent(a: int, b: int, c: int) -> pf.Network:
    # three lines through (1/a, 1/b), a point no float holds: x = 1/a, y = 1/b and
    # c x + y = c/a + 1/b, all with integer coefficients
    W = [[a, 0], [0, b], [c * a * b, a * b]]
    return pf.Network.from_layers([(W, [-1, -1, -(c * b + a)]), ([[1, 1, 1]], [0])])


def test_float_tolerance_on_concurrent_lines():
    box = pf.Box([-1, -1], [1, 1])
    net = _concurrent(5, 10, 1)
    exact = pf.region_graph(net, box)
    assert len(exact) == 6 and exact.graph["fallback"] is None  # certified, no fallback
    # a negligible tolerance (as exact float zero tests): the third line misses the float
    # vertex by a rounding error and cuts a sliver that does not exist
    assert len(pf.region_arrays(net, box, tol=1e-300)) == 7
    cells = pf.region_arrays(net, box)  # the default tolerance puts the vertex on the line
    assert sorted(cells.keys()) == sorted(exact.nodes)
    float_graph = pf.region_graph(net, box, exact=False)
    assert set(float_graph.nodes) == set(exact.nodes)
    assert set(map(frozenset, float_graph.edges)) == set(map(frozenset, exact.edges))
    for bad in (0, -1e-9, 1.0, "1e-9", True):
        with pytest.raises(pf.InvalidInputError, match="tol: expected a number in"):
            pf.region_arrays(net, box, tol=bad)


def test_the_certified_route_proves_concurrences_without_falling_back():
    box = pf.Box([-1, -1], [1, 1])
    for a, b, c in [(5, 10, 1), (5, 10, 3), (3, 7, 2), (7, 11, 4), (9, 13, 5), (6, 12, 1)]:
        G = pf.region_graph(_concurrent(a, b, c), box)
        assert G.graph["route"] == "certified" and G.graph["fallback"] is None
        ref = pf.region_graph(_concurrent(a, b, c), box, route="splitting")
        assert set(G.nodes) == set(ref.nodes)
        assert set(map(frozenset, G.edges)) == set(map(frozenset, ref.edges))


def test_a_first_layer_too_large_for_memory_is_refused_before_splitting(monkeypatch):
    # 300 random lines through the box; with "16 MB of memory" their arrangement does not
    # fit, with 1 GB it does - and the count the refusal gives is the arrangement's
    rng = np.random.default_rng(0)
    w = rng.normal(size=(300, 2))
    net = pf.Network.from_layers([(w, rng.uniform(-0.5, 0.5, size=300)), (np.ones((1, 300)), [0])])
    box = pf.Box([-1, -1], [1, 1])
    monkeypatch.setattr(vectorised, "_memory_bytes", lambda: 16 * 2**20)
    with pytest.raises(
        InvalidInputError, match=r"the first layer's \d+ lines cut this polygon"
    ) as err:
        pf.region_arrays(net, box)
    assert "MiB, more than half this machine's memory" in str(err.value)
    with pytest.raises(InvalidInputError, match="take a smaller polygon"):
        pf.region_graph(net, box, exact=False)
    monkeypatch.setattr(vectorised, "_memory_bytes", lambda: 2**30)
    cells = pf.region_arrays(net, box)
    claimed = int(str(err.value).split("into about ")[1].split(" cells")[0].replace(",", ""))
    assert len(cells) == claimed  # lines in general position: 1 + lines + crossings inside


def test_the_memory_check_samples_pairs_of_many_lines(monkeypatch):
    monkeypatch.setattr(vectorised, "_memory_bytes", lambda: 2**20)
    rng = np.random.default_rng(1)
    n = 25_000  # 3·10^8 pairs: estimated from a sample, not counted
    w = rng.normal(size=(n, 2))
    op = pf.operators.Dense(w, rng.uniform(-0.5, 0.5, size=n))
    net = pf.Network.from_operators([op, pf.operators.Dense(np.ones((1, n)), np.zeros(1))])
    with pytest.raises(InvalidInputError, match=r"lines cut this polygon into about [\d,]+ cells"):
        pf.region_arrays(net, pf.Box([-1, -1], [1, 1]))


def test_the_graph_is_filled_as_networkx_would_fill_it():
    import gc

    import networkx as nx
    from networkx.utils import graphs_equal

    from polyfold.regions._build import fill_graph

    cells = pf.region_arrays(pf.zoo.random_network([2, 8, 8, 1], seed=4), BOX)
    G = cells.to_graph()
    H = nx.Graph(**G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(G.edges(data=True))
    assert graphs_equal(G, H) and G.number_of_edges() == len(cells.pairs) > 0
    for u, v, data in G.edges(data=True):  # one attribute dict per edge, both directions
        assert G.adj[u][v] is G.adj[v][u] is data
    # a graph that has nodes already, or of another class, takes networkx's methods
    D = fill_graph(nx.DiGraph(), [("a", {"x": 1}), ("b", {})], [("a", "b", {"w": 2})])
    assert list(D.edges(data=True)) == [("a", "b", {"w": 2})] and not D.has_edge("b", "a")
    K = nx.Graph()
    K.add_node("a", x=0)
    fill_graph(K, [("b", {"y": 1})], [("a", "b", {})])
    assert K.nodes["a"] == {"x": 0} and K.has_edge("b", "a")
    assert gc.isenabled()  # the collector runs again afterwards
