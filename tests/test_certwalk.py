"""The certified walk: float64 with rigorous error bounds, exact only where they fail.

Its answer must be the all-rational walk's in every field of ``Path``; float
mode must prove what it reports; damaged float decisions must be caught.
"""

from __future__ import annotations

import importlib
import pickle
from fractions import Fraction as F
from typing import Any

import numpy as np
import pytest
from reference import path_fields

import polyfold as pf
from polyfold._certwalk import certified_batch
from polyfold.network import as_points

walk_module = importlib.import_module("polyfold.walks")


def fields(path: pf.Path) -> dict[str, Any]:
    return {
        **path_fields(path),
        "x1": [F(v) for v in path.x1],
        "x2": [F(v) for v in path.x2],
        "degeneracies": repr(path.degeneracies()),
    }


def combinatorial(path: pf.Path) -> dict[str, Any]:
    """What float mode must get exactly: everything but the breakpoints' values."""
    return {
        "patterns": path.patterns.tolist(),
        "point_patterns": path.point_patterns.tolist(),
        "touches": [b.tolist() for _, b in path.touches],
        "flat": [b.tolist() for _, _, b in path.flat],
        "n_breakpoints": len(path.breakpoints),
    }


def enclosed(float_path: pf.Path, exact_path: pf.Path) -> bool:
    lo, hi = float_path.bounds
    return all(float(a) <= t <= float(b) for a, t, b in zip(lo, exact_path.breakpoints, hi))


# -- the reproducers of the issue -------------------------------------------------------


def test_flat_unit_by_cancellation_is_flat_not_on():
    # h1 + h2 - h3 = 3x + 7x - 10x is identically 0 for x > 0; float64 gets 8.9e-16
    net = pf.Network.from_layers([([[3], [7], [10]], [0, 0, 0]), ([[1, 1, -1]], [0]), ([[1]], [0])])
    for exact in (True, False):
        path = pf.walk(net, [0.6], [2.7], exact=exact)
        assert path.bitstrings() == ["1110"] and path.certified
        assert [b.tolist() for _, _, b in path.flat] == [[3]]
    plain = pf.walk(net, [0.6], [2.7], exact=False, method="float")
    assert plain.bitstrings() == ["1111"] and not plain.certified


def test_piece_shorter_than_float_resolution_at_the_start_is_kept():
    # z = 0.1 x + 0.5 with fl(0.1) > 1/10: z(-5) = -2.8e-17 < 0, so x1 has bit 0
    net = pf.Network.from_layers([([[0.1]], [0.5]), ([[1]], [0])])
    exact = pf.walk(net, [-5.0], [5.0])
    assert exact.bitstrings() == ["0", "1"]
    assert exact.breakpoints[1] == F(1, 36028797018963970)
    proven = pf.walk(net, [-5.0], [5.0], exact=False)
    assert proven.bitstrings() == ["0", "1"] and enclosed(proven, exact)
    assert pf.walk(net, [-5.0], [5.0], exact=False, method="float").bitstrings() == ["1"]


def test_sampled_chi_on_cantornet_measures_the_estimator_not_float_noise():
    # units whose value is exactly 0 along y = 3/4: float noise flips their bits
    net = pf.zoo.cantornet(2, "C")
    assert pf.chi_sampled(net, [0, 0.75], [1, 0.75], n=1000) == F(10, 51)
    assert pf.chi_sampled(net, [0, 0.75], [1, 0.75], n=1000, exact=False) == F(158, 199)
    assert pf.walk(net, [0, 0.75], [1, 0.75]).chi == F(1, 9)
    reference = pf.dedupe(
        net.pattern(np.array([[F(i, 999), F(3, 4)] for i in range(1000)], dtype=object), exact=True)
    )
    assert np.array_equal(pf.sampled_patterns(net, [0, 0.75], [1, 0.75], n=1000), reference)


def test_network_pattern_is_proven_by_default():
    net = pf.Network.from_layers([([[3], [7], [10]], [0, 0, 0]), ([[1, 1, -1]], [0]), ([[1]], [0])])
    x = np.linspace(0.1, 3, 200)[:, None]
    proven = net.pattern(x)
    exact = net.pattern(np.array([[F(float(v))] for v in x[:, 0]], dtype=object))
    assert np.array_equal(proven, exact)
    assert not proven[:, 3].any()  # h1 + h2 - h3 is identically 0 for x > 0: bit 0


def test_rational_ends_that_no_float_equals():
    net = pf.Network.from_layers([([[3], [-3]], ["-1", "1"]), ([[1, 1]], [0])])
    path = pf.walk(net, ["0"], ["2/3"])
    ref = pf.walk(net, ["0"], ["2/3"], method="rational")
    assert fields(path) == fields(ref)
    assert path.breakpoints[1] == F(1, 2)


# -- the certified route equals the rational walk ---------------------------------------


def _family(rng: np.random.Generator, kind: str) -> tuple[pf.Network, np.ndarray, np.ndarray]:
    d = int(rng.integers(1, 4))
    sizes = [d] + [int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 4)))]
    sizes.append(int(rng.integers(1, 3)))
    options: dict[str, Any] = {}
    if kind in ("integer", "threshold", "leaky", "hardtanh", "abs", "linear", "layers", "output"):
        layers = [
            (rng.integers(-3, 4, size=(b, a)), rng.integers(-2, 3, size=b) / 2)
            for a, b in zip(sizes, sizes[1:])
        ]
        x1 = rng.integers(-4, 5, size=(10, d)) / 2
        x2 = rng.integers(-4, 5, size=(10, d)) / 2
    else:
        layers = [
            (rng.normal(size=(b, a)), rng.normal(size=b) * 0.3) for a, b in zip(sizes, sizes[1:])
        ]
        x1, x2 = rng.normal(size=(10, d)), rng.normal(size=(10, d))
    x2[0] = x1[0]  # x1 = x2
    x1[1] = x2[2]  # shared end points
    depth = len(sizes) - 2
    if kind == "threshold":
        options["threshold"] = "1/2"
    elif kind == "leaky":
        options["activation"] = ("leaky_relu", 0.1)
        options["threshold"] = rng.choice(["0", "-1/4"])
    elif kind == "hardtanh":
        options["activation"] = "hardtanh"
        options["threshold"] = rng.choice(["0", "1/2", "1"])
    elif kind == "abs":
        options["activation"] = "abs"
        options["threshold"] = "1/2"
    elif kind == "linear":
        options["linear_units"] = [[0] if n > 1 else [] for n in sizes[1:-1]]
    elif kind == "layers":
        options["pattern_layers"] = [depth - 1]
    elif kind in ("output", "float-output"):
        options["include_output"] = True
    return pf.Network.from_layers(layers, **options), x1, x2


KINDS = [
    "integer",
    "threshold",
    "leaky",
    "hardtanh",
    "abs",
    "linear",
    "layers",
    "output",
    "float",
    "float-output",
]


@pytest.mark.parametrize("kind", KINDS)
def test_certified_route_equals_the_rational_walk(kind):
    # 10 kinds x 100 networks x 10 segments = 10,000 segments, field by field,
    # in exact mode; float mode proves the same combinatorial answer and encloses
    # every exact breakpoint
    rng = np.random.default_rng(KINDS.index(kind))
    n_segments = repaired = 0
    for _ in range(100):
        net, x1, x2 = _family(rng, kind)
        ref = pf.walk_many(net, x1, x2, method="rational")
        got = pf.walk_many(net, x1, x2)
        floats = pf.walk_many(net, x1, x2, exact=False)
        for r, g, f in zip(ref, got, floats):
            assert g.method == "certified" and g.certified and f.certified
            assert fields(g) == fields(r)
            assert combinatorial(f) == combinatorial(r)
            assert enclosed(f, r) and enclosed(g, r)
            n_segments += 1
        repaired += sum(g.repaired for g in got)
    assert n_segments == 1000
    if kind == "integer":
        assert repaired > 0  # the family is full of exact zeros: the repair runs


@pytest.mark.parametrize("kind", ["integer", "hardtanh", "float"])
@pytest.mark.parametrize("big_group", [0, 1])
def test_positions_in_blocks_equal_the_rational_walk(kind, big_group, monkeypatch):
    # intervals with more new knots than _BIG_GROUP take the block route (a cumulative sum
    # down the knots); forcing it everywhere on small networks, and letting wide ones
    # (40-90 units in one interval) take it on their own, must change nothing
    from polyfold import _certwalk

    monkeypatch.setattr(_certwalk, "_BIG_GROUP", big_group)
    rng = np.random.default_rng(10 + KINDS.index(kind))
    for _ in range(20):
        net, x1, x2 = _family(rng, kind)
        for r, g in zip(pf.walk_many(net, x1, x2, method="rational"), pf.walk_many(net, x1, x2)):
            assert fields(g) == fields(r)
    monkeypatch.setattr(_certwalk, "_BIG_GROUP", 32)
    blocks = []
    block_positions = _certwalk._block_positions
    monkeypatch.setattr(
        _certwalk,
        "_block_positions",
        lambda out, pos, k, jn, lo, hi: (
            blocks.append(hi - lo) or block_positions(out, pos, k, jn, lo, hi)
        ),
    )
    for seed in range(3):
        rng = np.random.default_rng(seed)
        width = int(rng.integers(40, 90))
        layers = [(rng.integers(-3, 4, size=(width, 2)), rng.integers(-2, 3, size=width) / 2)]
        layers += [(rng.integers(-1, 2, size=(6, width)), np.zeros(6)), (np.ones((1, 6)), [0])]
        act = "hardtanh" if kind == "hardtanh" else "relu"
        if kind == "float":
            layers = [(rng.normal(size=w.shape), rng.normal(size=len(b))) for w, b in layers]
        net = pf.Network.from_layers(layers, activation=act)
        x1 = rng.integers(-8, 9, size=(3, 2)) / 2
        x2 = -x1 + rng.integers(-1, 2, size=(3, 2)) / 4  # through the middle: many crossings
        for r, g in zip(pf.walk_many(net, x1, x2, method="rational"), pf.walk_many(net, x1, x2)):
            assert fields(g) == fields(r)
    assert blocks and max(blocks) > 32  # the wide layers took the block route


def test_plain_float_walk_is_never_certified_and_the_certified_one_never_wrong():
    # the integer family is where float64 goes wrong; count what each float route does
    rng = np.random.default_rng(7)
    plain_wrong = plain_flagged = proven_wrong = 0
    for _ in range(200):
        net, x1, x2 = _family(rng, "integer")
        ref = pf.walk_many(net, x1, x2, method="rational")
        plain = pf.walk_many(net, x1, x2, exact=False, method="float")
        proven = pf.walk_many(net, x1, x2, exact=False)
        for r, p, c in zip(ref, plain, proven):
            plain_wrong += combinatorial(p) != combinatorial(r)
            plain_flagged += bool(p.undecided)
            proven_wrong += combinatorial(c) != combinatorial(r)
            assert not p.certified and c.certified
    assert proven_wrong == 0
    assert plain_wrong > 0  # the family does defeat plain float64


def test_walk_polyline_and_reversal_on_the_certified_route():
    rng = np.random.default_rng(3)
    net = pf.zoo.random_network([2, 6, 6, 1], seed=3)
    pts = rng.integers(-4, 5, size=(5, 2)) / 2
    got = pf.walk_polyline(net, pts)
    ref = pf.walk_polyline(net, pts, method="rational")
    assert not got.resolved
    assert fields(got) == fields(ref)
    assert fields(got.reversed()) == fields(ref.reversed())
    lazy = pf.walk(net, pts[0], pts[1])
    assert fields(lazy.reversed()) == fields(ref_r := pf.walk(net, pts[0], pts[1]).reversed())
    assert ref_r.exact


def test_exact_breakpoints_are_computed_on_first_access_only():
    net = pf.zoo.random_network([3, 8, 8, 2], seed=1)
    path = pf.walk(net, [0.1, -0.2, 0.3], [-0.5, 0.4, 0.2])
    assert not path.resolved
    assert path.chi == pf.walk(net, [0.1, -0.2, 0.3], [-0.5, 0.4, 0.2], method="rational").chi
    assert not path.resolved  # chi needs only the patterns
    assert all(isinstance(t, F) for t in path.breakpoints)
    assert path.resolved


def test_lazy_paths_pickle_with_their_exact_breakpoints():
    net = pf.zoo.random_network([2, 5, 5, 1], seed=2)
    path = pf.walk(net, [0.2, -0.7], [0.4, 0.9])
    copy = pickle.loads(pickle.dumps(path))
    assert fields(copy) == fields(pf.walk(net, [0.2, -0.7], [0.4, 0.9], method="rational"))


def test_real_network_with_many_layers():
    onnx = pytest.importorskip("onnx")
    del onnx
    import pathlib

    model = pathlib.Path(__file__).parent / "data" / "ACASXU_run2a_1_1_batch_2000.onnx"
    if not model.exists():
        pytest.skip("ACAS Xu network not shipped")
    net = pf.from_onnx(model)
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(-0.5, 0.5, size=(2, 5))
    got = pf.walk(net, x1, x2)
    ref = pf.walk(net, x1, x2, method="rational")
    assert fields(got) == fields(ref)


# -- damage to the float walk is caught ---------------------------------------------------


def _walk_with(net: pf.Network, x1: Any, x2: Any, corrupt: Any) -> pf.Path:
    p1 = as_points(np.atleast_2d(x1), "x1", net.n_inputs, True)
    p2 = as_points(np.atleast_2d(x2), "x2", net.n_inputs, True)
    paths = certified_batch(net, p1, p2, True, corrupt=corrupt)
    if paths is None:  # a consistency check failed: the walk falls back to the rational route
        return walk_module._walk_batch(net, p1, p2, True, 1e-9)[0]
    return paths[0]


@pytest.mark.parametrize("damage", ["flipped bit", "dropped piece", "moved breakpoint"])
def test_damaged_float_walk_is_rejected_and_repaired(damage):
    net = pf.zoo.random_network([2, 6, 6, 6, 1], seed=5)
    x1, x2 = np.array([-0.9, 0.3]), np.array([0.8, -0.6])
    ref = pf.walk(net, x1, x2, method="rational")
    clean = _walk_with(net, x1, x2, None)
    assert fields(clean) == fields(ref) and clean.repaired == 0
    hit = []

    def corrupt(stage: str, layer: int, data: Any) -> Any:
        if damage == "flipped bit" and stage == "positions" and layer == 1 and not hit:
            data = data.copy()
            k, j = len(data) // 2, 0
            data[k, j] = 0 if data[k, j] == 2 else 2  # the float walk's bit at one knot
            hit.append(1)
        if damage == "dropped piece" and stage == "crossings" and layer == 1 and not hit:
            k, j, q = data
            if k.size:
                data = (k[1:], j[1:], q[1:])  # the float walk misses one crossing
                hit.append(1)
        if damage == "moved breakpoint" and stage == "knots" and layer == 1 and not hit:
            data = data.copy()
            data[0] += 1e-3  # the float walk puts a knot in the wrong place
            hit.append(1)
        return data

    damaged = _walk_with(net, x1, x2, corrupt)
    assert hit, "the damage was applied"
    assert damaged.repaired > 0, "the certificate noticed"
    assert fields(damaged) == fields(ref), "and the answer is the exact one"


def test_options_of_the_walk_are_checked():
    net = pf.Network.from_layers([([[1]], [0]), ([[1]], [0])])
    with pytest.raises(pf.InvalidInputError, match="method: expected one of"):
        pf.walk(net, [0], [1], method="fast")
    with pytest.raises(pf.InvalidInputError, match="exact=False"):
        pf.walk(net, [0], [1], method="float")
    with pytest.raises(pf.InvalidInputError, match="exact=True"):
        pf.walk(net, [0], [1], exact=False, method="rational")


def test_float_region_graph_does_not_claim_what_it_has_not_proven():
    # the float planar engine reports a 17th region (1000111) of area 3e-33 that an
    # exact Farkas certificate shows to be empty; the graph must not claim certainty
    net = pf.Network.from_layers(
        [
            ([[-2, 1], [-1, -1], [1, -2], [1, 1], [2, 0]], [-1, 0, 1, -1, 0]),
            ([[1, 2, 1, 2, 1], [2, 2, 2, -2, 1]], [0, 0.5]),
            ([[1, 1]], [0]),
        ]
    )
    box = pf.Box([-2, -2], [2, 2])
    exact = pf.region_graph(net, box)
    assert exact.graph["certified"] and exact.number_of_nodes() == 16
    for engine in ("planar", "lp"):
        fast = pf.region_graph(net, box, exact=False, engine=engine)
        assert fast.graph["certified"] is False
        for key in set(fast.nodes) - set(exact.nodes):
            assert not pf.is_realizable(net, [c == "1" for c in key], box).realizable


# -- long runs: bounded, interruptible, and what they return is correct ------------------


def test_walk_many_time_budget_returns_whole_proven_paths_marked_incomplete():
    net = pf.zoo.random_network([3, 16, 16, 2], seed=8)
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(400, 3)), rng.normal(size=(400, 3))
    everything = pf.walk_many(net, a, b)
    assert everything.complete and len(everything) == 400
    nothing = pf.walk_many(net, a, b, time_budget=0)
    assert not nothing.complete and not nothing.interrupted and len(nothing) < 400
    for got, ref in zip(nothing, everything):
        assert fields(got) == fields(ref)


def test_walk_many_ctrl_c_returns_the_finished_batches(monkeypatch):
    net = pf.zoo.random_network([2, 8, 8, 1], seed=9)
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    calls = []
    route = walk_module._route

    def interrupted(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return route(*args)

    monkeypatch.setattr(walk_module, "_route", interrupted)
    partial = pf.walk_many(net, a, b)
    assert partial.interrupted and not partial.complete and 0 < len(partial) < 300
    for i, got in enumerate(partial):
        assert fields(got) == fields(pf.walk(net, a[i], b[i], method="rational"))


@pytest.mark.parametrize("exact", [True, False])
def test_walk_with_a_time_budget_in_parts(exact):
    net = pf.zoo.random_network([2, 12, 12, 12, 1], seed=11)
    x1, x2 = np.array([-0.8, 0.3]), np.array([0.9, -0.4])
    whole = pf.walk(net, x1, x2, exact=exact)
    ref = pf.walk(net, x1, x2, method="rational")
    parts = pf.walk(net, x1, x2, exact=exact, time_budget=60)
    assert parts.complete and combinatorial(parts) == combinatorial(whole)
    assert enclosed(parts, ref)
    if exact:
        assert [F(t) for t in parts.breakpoints] == [F(t) for t in ref.breakpoints]
    first = pf.walk(net, x1, x2, exact=exact, time_budget=0)  # the first part only
    assert not first.complete and float(first.breakpoints[-1]) == 1 / 64
    end = F(1, 64)
    inside = [F(t) for t in ref.breakpoints if t < end]
    assert [F(t) for t in first.breakpoints][:-1] == inside if exact else True
    assert first.patterns.tolist() == ref.patterns[: len(first.patterns)].tolist()


def test_walk_polyline_with_a_time_budget():
    net = pf.zoo.random_network([2, 6, 6, 1], seed=12)
    pts = np.array([[-1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, -1.0]])
    full = pf.walk_polyline(net, pts, time_budget=60)
    assert full.complete and fields(full) == fields(pf.walk_polyline(net, pts))
    part = pf.walk_polyline(net, pts, time_budget=0)
    assert not part.complete and part.breakpoints[-1] == 1


def test_walks_report_progress_when_asked(capsys):
    net = pf.zoo.random_network([2, 6, 6, 1], seed=13)
    pf.walk(net, [0.0, 0.0], [1.0, 1.0], progress=True)
    pf.walk(net, [0.0, 0.0], [1.0, 1.0], progress=True, time_budget=60)
    pf.walk_polyline(net, [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]], progress=True)
    err = capsys.readouterr().err
    assert "layers" in err and "parts" in err
    pf.walk(net, [0.0, 0.0], [1.0, 1.0])  # automatic: quiet here (not a terminal)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("method", ["certified", "rational", "float"])
def test_a_walk_too_large_for_memory_is_walked_in_parts(method, monkeypatch):
    # with room for only a few hundred knot-units per batch the walk cuts the segment into
    # 2^k parts; their paths join into the same path, field by field
    from polyfold import _memory

    net = pf.zoo.random_network([3, 16, 16, 12, 2], seed=4)
    rng = np.random.default_rng(4)
    a, b = rng.uniform(-2, 2, size=(2, 4, 3))
    exact = method != "float"
    whole = pf.walk_many(net, a, b, method=method, exact=exact)
    calls = []
    real = _memory.check_walk

    def tight(knots, width, per_entry):
        calls.append(knots)
        real(knots, width, per_entry)

    per_entry = {"certified": 128, "rational": 200, "float": 64}[method]
    monkeypatch.setattr(_memory, "walk_memory_limit", lambda: 12 * 16 * per_entry)
    monkeypatch.setattr(pf.walks, "check_walk", tight)
    monkeypatch.setattr(pf._certwalk, "check_walk", tight)
    parts = pf.walk_many(net, a, b, method=method, exact=exact)
    single = pf.walk(net, a[0], b[0], method=method, exact=exact)
    assert max(calls) > 12  # some batch was too large and was cut
    for got, ref in zip(parts, whole):
        if exact:
            assert fields(got) == fields(ref)
        else:
            assert got.patterns.tolist() == ref.patterns.tolist()
    assert single.patterns.tolist() == whole[0].patterns.tolist()
    monkeypatch.setattr(_memory, "walk_memory_limit", lambda: 10)
    with pytest.raises(pf.InvalidInputError, match="too wide to walk on this machine"):
        pf.walk(net, a[0], b[0], method=method, exact=exact)
