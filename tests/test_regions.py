from fractions import Fraction as F
from itertools import combinations

import numpy as np
import pytest

import polyfold as pf
from polyfold.lp import verify_certificate


def lines_net(w, b):
    return pf.Network.from_layers([(w, b), ([[1] * len(w)], [0])])


THREE_LINES = lines_net([[1, 0], [0, 1], [1, 1]], [0, 0, -1])  # x = 0, y = 0, x + y = 1
BOX = pf.Box([-2, -2], [2, 2])


def test_three_lines_worked_by_hand():
    G = pf.region_graph(THREE_LINES, BOX)
    # x + y > 1 needs x > 0 or y > 0, so 001 is the one pattern missing.
    assert sorted(G.nodes) == ["000", "010", "011", "100", "101", "110", "111"]
    # quadrants have area 4; x + y = 1 cuts a triangle of area 1/2 off three of them
    areas = {k: G.nodes[k]["area"] for k in G}
    assert areas == {
        "000": 4,
        "100": F(7, 2),
        "101": F(1, 2),
        "010": F(7, 2),
        "011": F(1, 2),
        "110": F(1, 2),
        "111": F(7, 2),
    }
    expected = {
        ("000", "100"),
        ("010", "110"),
        ("011", "111"),
        ("000", "010"),
        ("100", "110"),
        ("101", "111"),
        ("100", "101"),
        ("010", "011"),
        ("110", "111"),
    }
    assert {tuple(sorted(e)) for e in G.edges} == expected
    assert G.graph["complete"] and G.graph["engine"] == "planar"


@pytest.mark.parametrize("n", range(1, 7))
@pytest.mark.parametrize("seed", range(3))
def test_lines_in_general_position_count(n, seed):
    rng = np.random.default_rng(seed * 10 + n)
    while True:  # draw until in general position: no two parallel, no three concurrent
        w = rng.integers(-9, 10, size=(n, 2))
        b = rng.integers(-9, 10, size=n)
        if _general_position(w, b):
            break
    pts = [
        np.linalg.solve(w[[i, j]].astype(float), -b[[i, j]].astype(float))
        for i, j in combinations(range(n), 2)
    ]
    # ... and every line's point nearest the origin
    near = [abs(b[i]) / np.linalg.norm(w[i]) for i in range(n)]
    r = int(np.ceil(max([1.0, *near, *[np.abs(p).max() for p in pts]]))) + 1
    net = lines_net(w, b)
    box = pf.Box([-r, -r], [r, r])
    expected = 1 + n + n * (n - 1) // 2
    assert len(pf.region_graph(net, box)) == expected
    assert len(pf.region_graph(net, box, engine="lp")) == expected


def _general_position(w, b):
    n = len(w)
    wq = [[F(int(v)) for v in row] for row in w]
    for i, j in combinations(range(n), 2):
        if wq[i][0] * wq[j][1] - wq[i][1] * wq[j][0] == 0:
            return False
    for i, j, k in combinations(range(n), 3):
        det = wq[i][0] * wq[j][1] - wq[i][1] * wq[j][0]
        x = (-b[i] * wq[j][1] + b[j] * wq[i][1]) / det
        y = (-wq[i][0] * b[j] + wq[j][0] * b[i]) / det
        if wq[k][0] * x + wq[k][1] * y + b[k] == 0:
            return False
    return True


def _check_graph_evidence(net, G, domain_area=None):
    for key, data in G.nodes(data=True):
        assert pf.regions.pattern_key(net.pattern(data["witness"], exact=True)) == key
    for u, v, data in G.edges(data=True):
        p = data["facet_point"]
        # the open segment from a facet point to a region's witness lies inside the region
        for key in (u, v):
            path = pf.walk(net, p, G.nodes[key]["witness"])
            assert path.bitstrings() == [key]
        differ = [i for i in range(len(u)) if u[i] != v[i]]
        assert list(data["flips"]) == differ
    if domain_area is not None:
        assert sum(d["area"] for _, d in G.nodes(data=True)) == domain_area


@pytest.mark.parametrize("seed", range(3))
def test_engines_agree_and_evidence_checks(seed):
    net = pf.zoo.random_network([2, 5, 4, 1], seed=seed)
    box = pf.Box([-1, -1], [1, 1])
    planar = pf.region_graph(net, box, engine="planar")
    planar_f = pf.region_graph(net, box, engine="planar", exact=False)
    lp_exact = pf.region_graph(net, box, engine="lp", exact=True)
    lp_float = pf.region_graph(net, box, engine="lp", exact=False)
    edges = {frozenset(e) for e in planar.edges}
    for other in (planar_f, lp_exact, lp_float):
        assert set(other.nodes) == set(planar.nodes)
        assert {frozenset(e) for e in other.edges} == edges
    _check_graph_evidence(net, planar, domain_area=4)
    _check_graph_evidence(net, lp_exact)


def test_lp_engine_in_three_dimensions():
    net = pf.zoo.random_network([3, 4, 3, 1], seed=4)
    G = pf.region_graph(net, pf.Box([-1] * 3, [1] * 3))
    assert len(G) > 4 and nx_connected(G)
    _check_graph_evidence(net, G)


def nx_connected(G):
    import networkx as nx

    return nx.is_connected(G)


def test_region_polyhedron_and_maps():
    net = pf.zoo.tent()
    reg = pf.region(net, [1, 0, 1])
    # on (1/4, 1/2): h1 = x, h2 = 0, g = x - 1/4 and the output is g
    m_out, c_out = reg.output_map
    assert list(m_out.ravel()) == [1] and list(c_out) == [F(-1, 4)]
    assert reg.contains([F(3, 8)]) and not reg.contains([F(1, 4)]) and not reg.contains([F(5, 8)])


def test_unrealizable_pattern_has_a_verified_farkas_certificate():
    res = pf.is_realizable(THREE_LINES, "001", BOX)
    assert not res and res.farkas is not None
    assert verify_certificate(res.region.A, res.region.b, res.certificate)
    outside = pf.is_realizable(THREE_LINES, "111", pf.Box([-2, -2], [-1, -1]))
    assert not outside and verify_certificate(
        outside.region.A, outside.region.b, outside.certificate
    )
    inside = pf.is_realizable(THREE_LINES, "101", BOX)
    assert inside and inside.margin > 0
    assert pf.regions.pattern_key(THREE_LINES.pattern(inside.witness, exact=True)) == "101"


def test_highs_and_cvxpy_agree_on_random_patterns():
    pytest.importorskip("cvxpy")
    net = pf.zoo.random_network([3, 5, 4, 1], seed=1)
    box = pf.Box([-1] * 3, [1] * 3)
    rng = np.random.default_rng(0)
    seen = {True: 0, False: 0}
    for _ in range(40):
        pattern = rng.integers(0, 2, size=9)
        a = pf.is_realizable(net, pattern, box, backend="highs")
        b = pf.is_realizable(net, pattern, box, backend="cvxpy")
        assert a.realizable == b.realizable
        for res in (a, b):
            assert verify_certificate(res.region.A, res.region.b, res.certificate)
        seen[a.realizable] += 1
    assert seen[True] and seen[False]


def test_plane_through_three_points():
    net = pf.zoo.random_network([5, 6, 6, 1], seed=2)
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(3, 5))
    plane = pf.Slice.through(*pts)
    G = pf.region_graph(net, plane)
    assert sum(d["area"] for _, d in G.nodes(data=True)) == F(1, 2)  # the α-triangle
    for key, data in G.nodes(data=True):
        assert pf.regions.pattern_key(net.pattern(data["witness"], exact=True)) == key
    assert set(G.nodes) == set(pf.region_graph(net, plane, engine="lp").nodes)


def test_budget_returns_a_partial_graph_marked_incomplete():
    net = pf.zoo.random_network([2, 8, 8, 1], seed=0)
    G = pf.region_graph(net, pf.Box([-1, -1], [1, 1]), max_regions=5)
    assert len(G) == 5 and G.graph["complete"] is False
    G = pf.region_graph(net, pf.Box([-1, -1], [1, 1]), engine="lp", max_regions=5)
    assert G.graph["complete"] is False


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: pf.Box([0, 0], [1, 0]), "lo < hi"),
        (lambda: pf.Box([0, np.inf], [1, 1]), "finite"),
        (lambda: pf.Polytope([[1, 0], [0, 1]], [1, 1]), "unbounded"),
        (lambda: pf.Polytope([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, 0, 1, 1]), "empty"),
        (lambda: pf.Slice.through([0, 0, 0], [1, 1, 1], [2, 2, 2]), "linearly dependent"),
        (lambda: pf.region_graph(THREE_LINES, pf.Box([0] * 3, [1] * 3)), "dimension"),
        (lambda: pf.region(THREE_LINES, "01"), "3 bits"),
        (lambda: pf.region(THREE_LINES, "0a1"), "'0' and '1'"),
        (lambda: pf.region_graph(THREE_LINES, BOX, engine="magic"), "engine"),
        (lambda: pf.region_graph(THREE_LINES.with_options(threshold="1/2"), BOX), "threshold 0"),
        (lambda: pf.region_graph(THREE_LINES, "box"), "Box, Polytope or Slice"),
        (
            lambda: pf.region_graph(
                pf.zoo.random_network([3, 2, 1]), pf.Box([0] * 3, [1] * 3), engine="planar"
            ),
            "2-D",
        ),
    ],
)
def test_bad_input(make, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        make()


def test_time_budget_stops_with_finished_regions_only():
    net = pf.zoo.random_network([2, 8, 8, 1], seed=0)
    for engine in ("planar", "lp"):
        G = pf.region_graph(net, pf.Box([-1, -1], [1, 1]), engine=engine, time_budget=0)
        assert G.graph["complete"] is False and len(G) == 0


@pytest.mark.parametrize("engine", ["planar", "lp"])
def test_ctrl_c_returns_the_partial_graph(engine, monkeypatch):
    import polyfold.regions.lpengine as lpe
    import polyfold.regions.splitting as splitting

    net = pf.zoo.random_network([2, 6, 6, 1], seed=0)
    box = pf.Box([-1, -1], [1, 1])
    full = pf.region_graph(net, box, engine=engine)
    # press Ctrl-C part-way: in the planar engine after 5 regions, in the LP engine
    # after 150 splitting steps
    route = "auto"
    if engine == "planar":
        # the splitting engine (the certified float route is all-or-nothing: see below)
        route = "splitting"
        real = splitting.planar_cells

        def cells(*args, **kwargs):
            for i, cell in enumerate(real(*args, **kwargs)):
                if i == 5:
                    raise KeyboardInterrupt
                yield cell

        monkeypatch.setattr(splitting, "planar_cells", cells)
    else:
        route = "lp"  # the LP route (the certified vertex route is all-or-nothing too)
        real_split, calls = lpe._split, [0]

        def split(*args, **kwargs):
            calls[0] += 1
            if calls[0] > 150:
                raise KeyboardInterrupt
            return real_split(*args, **kwargs)

        monkeypatch.setattr(lpe, "_split", split)
    G = pf.region_graph(net, box, engine=engine, route=route)
    assert G.graph["complete"] is False and G.graph["interrupted"] is True
    assert 0 < len(G) < len(full) and set(G.nodes) <= set(full.nodes)
    assert {frozenset(e) for e in G.edges} <= {frozenset(e) for e in full.edges}


def _assert_same_nodes_and_edges(G, H):
    assert set(G.nodes) == set(H.nodes)
    assert {frozenset(e) for e in G.edges} == {frozenset(e) for e in H.edges}


DEGENERATE_PLANAR = {
    # two units on one line, a line along the domain's edge, constant units,
    # three lines through one point, then a second layer over all of it
    "coincident, boundary, constant, concurrent": pf.Network.from_layers(
        [
            (
                [[1, 0], [2, 0], [1, 0], [0, 0], [0, 0], [0, 1], [1, 1], [1, -1]],
                [0, 0, -1, 1, -1, 0, 0, 0],
            ),
            (np.eye(8)[[0, 5, 6, 7]] - 0.25, [0.1, -0.2, 0.05, 0]),
            ([[1, -1, 1, 1]], [0]),
        ]
    ),
    "output bits": pf.zoo.random_network([2, 5, 4, 2], seed=9, include_output=True),
    "linear units": pf.Network.from_layers(
        [
            ([[1, 0], [0, 1], [1, 1]], [0, 0, "-1/2"]),
            ([[1, 1, 0], [1, -1, 1]], [0, 0]),
            ([[1, 1]], [0]),
        ],
        linear_units=[[2], []],
    ),
}


@pytest.mark.parametrize("name", DEGENERATE_PLANAR)
def test_fast_float_planar_engine_agrees_with_exact_on_degenerate_nets(name):
    net = DEGENERATE_PLANAR[name]
    box = pf.Box([-1, -1], [1, 1])
    exact = pf.region_graph(net, box, engine="planar", exact=True)
    fast = pf.region_graph(net, box, engine="planar", exact=False)
    _assert_same_nodes_and_edges(fast, exact)
    for a, b, data in fast.edges(data=True):
        assert sorted(data["flips"]) == sorted(exact.edges[a, b]["flips"])
    assert sum(d["area"] for _, d in fast.nodes(data=True)) == pytest.approx(4)
    for key, data in fast.nodes(data=True):
        assert data["area"] == pytest.approx(float(exact.nodes[key]["area"]))
        assert pf.regions.pattern_key(net.pattern(data["witness"])) == key


def test_fast_float_planar_engine_budgets_and_ctrl_c(monkeypatch):
    import polyfold.regions.vectorised as fast

    net = pf.zoo.random_network([2, 8, 8, 1], seed=0)
    box = pf.Box([-1, -1], [1, 1])
    full = pf.region_graph(net, box, exact=False)
    G = pf.region_graph(net, box, exact=False, max_regions=7)
    assert len(G) == 7 and G.graph["complete"] is False and set(G) <= set(full)
    G = pf.region_graph(net, box, exact=False, time_budget=0)
    assert len(G) == 0 and G.graph["complete"] is False
    real = fast.fast_planar_cells

    def interrupted(*args, **kwargs):
        for i, cells in enumerate(real(*args, batch=2)):
            if i == 1:
                raise KeyboardInterrupt
            yield cells

    monkeypatch.setattr(fast, "fast_planar_cells", interrupted)
    G = pf.region_graph(net, box, exact=False)
    assert G.graph["complete"] is False and G.graph["interrupted"] is True
    assert 0 < len(G) < len(full) and set(G.nodes) <= set(full.nodes)
    assert {frozenset(e) for e in G.edges} <= {frozenset(e) for e in full.edges}


# -- exact mode through the float engine, certified ------------------------------------------


def _splitting_graph(monkeypatch, net, domain):
    """The exact splitting engine's graph (the certified route switched off)."""
    graph = pf.region_graph(net, domain, engine="planar", exact=True, route="splitting")
    assert graph.graph["method"] == "exact splitting"
    return graph


def _assert_same_exact_graph(G, H):
    _assert_same_nodes_and_edges(G, H)
    for key, data in G.nodes(data=True):
        other = H.nodes[key]
        assert data["area"] == other["area"] and isinstance(data["area"], F)
        assert {tuple(v) for v in data["vertices"]} == {tuple(v) for v in other["vertices"]}
        assert sorted(data["edge_units"]) == sorted(other["edge_units"])
        assert all(isinstance(c, F) for c in data["witness"])
    for a, b, data in G.edges(data=True):
        assert data["flips"] == H.edges[a, b]["flips"]


CERTIFIED_CASES = {
    "relu 2-8-8-1": (pf.zoo.random_network([2, 8, 8, 1], seed=0), pf.Box([-1, -1], [1, 1])),
    "deep, output bits": (
        pf.zoo.random_network([2, 6, 6, 6, 2], seed=3, include_output=True),
        pf.Box([-2, -1], [1, 2]),
    ),
    "leaky relu": (
        pf.Network.from_layers(
            pf.zoo.random_network([2, 7, 7, 1], seed=4).weights,
            activation=("leaky_relu", "1/10"),
        ),
        pf.Box([-1, -1], [1, 1]),
    ),
    "linear units": (
        pf.Network.from_layers(
            pf.zoo.random_network([2, 6, 6, 1], seed=7).weights, linear_units=[[1, 4], [2]]
        ),
        pf.Box([-1, -1], [1, 1]),
    ),
    "triangle with rational corners": (
        pf.zoo.random_network([2, 6, 6, 1], seed=5),
        pf.Polytope([[-1, 0], [0, -1], [3, 3]], ["1/3", "1/2", "7/5"]),
    ),
    "slice of a 4-input net": (
        pf.zoo.random_network([4, 6, 6, 1], seed=6),
        pf.Slice.through([0, 0, 0, 0], [1, "1/3", 0, 0], [0, 1, 1, "-1/7"]),
    ),
}


@pytest.mark.parametrize("name", CERTIFIED_CASES)
def test_certified_exact_planar_route_equals_the_splitting_engine(name, monkeypatch):
    net, domain = CERTIFIED_CASES[name]
    G = pf.region_graph(net, domain, engine="planar", exact=True)
    assert G.graph["method"] == "float engine, certified exactly"
    _assert_same_exact_graph(G, _splitting_graph(monkeypatch, net, domain))
    for _, _, data in G.edges(data=True):
        assert all(isinstance(c, F) for c in data["facet_point"])


@pytest.mark.parametrize("name", DEGENERATE_PLANAR)
def test_exact_planar_on_degenerate_nets_whichever_route(name, monkeypatch):
    net = DEGENERATE_PLANAR[name]
    box = pf.Box([-1, -1], [1, 1])
    G = pf.region_graph(net, box, engine="planar", exact=True)
    _assert_same_exact_graph(G, _splitting_graph(monkeypatch, net, box))
    assert sum(d["area"] for _, d in G.nodes(data=True)) == 4


@pytest.mark.parametrize("damage", ["drop a cell", "flip a bit", "move a vertex label"])
def test_certificate_rejects_a_wrong_float_answer(damage, monkeypatch):
    import polyfold.regions.certified as planarexact
    from polyfold.regions.certified import certified_planar_cells

    net = pf.zoo.random_network([2, 8, 8, 1], seed=0)
    box = pf.Box([-1, -1], [1, 1])
    real = planarexact.fast_planar_cells

    def damaged(*args, **kwargs):
        batches = list(real(*args, **kwargs))
        last = batches[-1]
        if damage == "drop a cell":
            last.start, last.count, last.bits = last.start[:-1], last.count[:-1], last.bits[:-1]
        elif damage == "flip a bit":
            last.bits[-1, -1] ^= True
        else:
            edge = int(np.flatnonzero(last.label >= 0)[0])
            last.label[edge] = (last.label[edge] + 1) % last.bits.shape[1]
        yield from batches

    monkeypatch.setattr(planarexact, "fast_planar_cells", damaged)
    assert certified_planar_cells(net, box.vertices_2d()) is None
    G = pf.region_graph(net, box, engine="planar", exact=True)  # falls back, still exact
    assert G.graph["method"] == "exact splitting"
    _assert_same_exact_graph(G, _splitting_graph(monkeypatch, net, box))


def test_exact_planar_certified_route_ctrl_c(monkeypatch):
    import polyfold.regions.certified as planarexact

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
        yield  # pragma: no cover

    monkeypatch.setattr(planarexact, "fast_planar_cells", interrupted)
    net = pf.zoo.random_network([2, 4, 1], seed=0)
    G = pf.region_graph(net, pf.Box([-1, -1], [1, 1]), engine="planar", exact=True)
    assert len(G) == 0 and G.graph["complete"] is False and G.graph["interrupted"] is True


# -- the LP engine's float mode: vertices instead of LPs --------------------------------------

OCTAHEDRON = pf.Polytope(
    [[sx, sy, sz] for sx in (1, -1) for sy in (1, -1) for sz in (1, -1)], [1] * 8
)  # not simple: four facets meet at each vertex


@pytest.mark.parametrize(
    "sizes, domain",
    [
        ([1, 8, 8, 1], pf.Box([-1], [1])),
        ([3, 6, 6, 1], OCTAHEDRON),
        ([4, 5, 5, 5, 1], pf.Box([-1] * 4, [1] * 4)),
        ([2, 8, 8, 1], pf.Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])),
    ],
)
def test_lp_engine_float_vertex_route_matches_lps_and_exact(sizes, domain, monkeypatch):
    net = pf.zoo.random_network(sizes, seed=len(sizes))
    G = pf.region_graph(net, domain, engine="lp", exact=False)
    exact = pf.region_graph(net, domain, engine="lp", exact=True)
    H = pf.region_graph(net, domain, engine="lp", exact=False, route="lp")
    for other in (H, exact):
        _assert_same_nodes_and_edges(G, other)
    for key, data in G.nodes(data=True):
        w = np.array(data["witness"], dtype=float)
        assert pf.regions.pattern_key(net.pattern(w)) == key
    for _, _, data in G.edges(data=True):  # the facet point is on the flipped unit's boundary
        (u,) = data["flips"]
        z = np.concatenate(net.preactivations(np.array(data["facet_point"], dtype=float)))
        assert abs(z[u]) < 1e-9


@pytest.mark.parametrize("name", DEGENERATE_PLANAR)
def test_lp_engine_float_vertex_route_on_degenerate_nets(name):
    net = DEGENERATE_PLANAR[name]
    box = pf.Box([-1, -1], [1, 1])
    G = pf.region_graph(net, box, engine="lp", exact=False)
    exact = pf.region_graph(net, box, engine="lp", exact=True)
    _assert_same_nodes_and_edges(G, exact)


@pytest.mark.parametrize(
    "sizes, options",
    [
        ([2, 9, 7, 5, 1], {}),
        ([2, 6, 6, 6, 6, 1], {}),
        ([2, 8, 6, 4, 1], {"activation": ("leaky_relu", 0.1)}),
    ],
)
def test_exact_maps_of_cells_equal_each_patterns_local_maps(sizes, options):
    """Maps' integer rows G / D_l are the exact affine maps of each cell's pattern."""
    from polyfold.regions._exact import Maps
    from polyfold.regions.certified import _collect
    from polyfold.regions.vectorised import fast_planar_cells

    net = pf.zoo.random_network(sizes, seed=3, **options)
    square = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    cells = _collect(fast_planar_cells(net, square))
    offsets = np.cumsum([0] + [w.shape[0] for w, _ in net.weights[: net.depth]])
    maps = Maps(net, cells.bits, offsets)
    rng = np.random.default_rng(0)
    for c in rng.choice(len(cells.bits), size=min(12, len(cells.bits)), replace=False):
        active = [cells.bits[c, offsets[i] : offsets[i + 1]] for i in range(net.depth)]
        local = net.local_maps(active)
        for layer in range(net.depth):
            units = np.arange(offsets[layer + 1] - offsets[layer])
            rows = maps.rows(layer, np.full(len(units), c), units)
            m, b = local[layer]
            scale = maps.scale[layer]
            got = [[F(int(v), scale) for v in row] for row in rows]
            assert got == [[*m[j], b[j]] for j in units]
