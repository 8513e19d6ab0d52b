"""The catalogue of bad input (the hardening issue), in one place.

Each case is a call and the argument its error must name. Cases are built by
crossing bad values with every public function that takes them, so a new
function or a new kind of bad value joins every pairing at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import polyfold as pf


@dataclass(frozen=True)
class Bad:
    name: str
    call: Callable[[], Any]
    names: str  # the argument the message must name


def _net(**options: Any) -> pf.Network:
    return pf.Network.from_layers(
        [([[1.0, -1.0], [0.5, 2.0]], [0.0, 0.25]), ([[1.0, 1.0]], [0.0])], **options
    )


NET = _net()
BOX = pf.Box([-1, -1], [1, 1])
GOOD = [0.0, 0.5]

# -- bad points, crossed with every function that takes points -----------------------
BAD_POINTS: dict[str, Any] = {
    "NaN": [np.nan, 0.0],
    "inf": [0.0, np.inf],
    "too short": [0.0],
    "too long": [0.0, 0.0, 0.0],
    "3-D array": np.zeros((1, 1, 2)),
    "text": ["a", "b"],
    "complex": [1j, 0],
    "booleans": np.array([True, False]),
    "None": None,
    "a dict": {"x": 1},
    "huge exponent": ["1e999999999", "0"],
    "empty": [],
}

POINT_FUNCTIONS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "walk x1": (lambda p: pf.walk(NET, p, GOOD), "x1"),
    "walk x2": (lambda p: pf.walk(NET, GOOD, p), "x2"),
    "walk float x1": (lambda p: pf.walk(NET, p, GOOD, exact=False), "x1"),
    "walk_many x1": (lambda p: pf.walk_many(NET, [p], [GOOD]), "x1"),
    "walk_polyline": (lambda p: pf.walk_polyline(NET, [GOOD, p]), "points"),
    "chi_sampled x1": (lambda p: pf.chi_sampled(NET, p, GOOD), "x1"),
    "sampled_patterns x2": (lambda p: pf.sampled_patterns(NET, GOOD, p), "x2"),
    "d_chi x1": (lambda p: pf.d_chi(NET, p, GOOD), "x1"),
    "pattern": (lambda p: NET.pattern(p), "x"),
    "pattern float": (lambda p: NET.pattern(p, exact=False), "x"),
    "forward": (lambda p: NET.forward(p), "x"),
    "preactivations": (lambda p: NET.preactivations(p, exact=True), "x"),
}

# -- bad flags and options ------------------------------------------------------------
BAD_FLAGS: dict[str, Any] = {"'yes'": "yes", "1": 1, "None": None, "'False'": "False"}

FLAG_FUNCTIONS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "walk exact": (lambda v: pf.walk(NET, GOOD, GOOD, exact=v), "exact"),
    "walk_many exact": (lambda v: pf.walk_many(NET, [GOOD], [GOOD], exact=v), "exact"),
    "walk_polyline exact": (lambda v: pf.walk_polyline(NET, [GOOD, GOOD], exact=v), "exact"),
    "chi_sampled exact": (lambda v: pf.chi_sampled(NET, GOOD, GOOD, exact=v), "exact"),
    "sampled_patterns exact": (lambda v: pf.sampled_patterns(NET, GOOD, GOOD, exact=v), "exact"),
    "region_graph exact": (lambda v: pf.region_graph(NET, BOX, exact=v), "exact"),
    "global_folding exact": (
        lambda v: pf.global_folding(NET, [GOOD, [0.1, 0.1]], [0, 1], clusters=None, exact=v),
        "exact",
    ),
    "include_output": (lambda v: _net(include_output=v), "include_output"),
}

BAD_PROGRESS = {"'yes'": "yes", "1": 1, "'auto'": "auto"}
PROGRESS_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "walk": lambda v: pf.walk(NET, GOOD, GOOD, progress=v),
    "walk_polyline": lambda v: pf.walk_polyline(NET, [GOOD, GOOD], progress=v),
    "walk_many": lambda v: pf.walk_many(NET, [GOOD], [GOOD], progress=v),
    "region_graph": lambda v: pf.region_graph(NET, BOX, progress=v),
    "check_lemma1": lambda v: pf.check_lemma1(NET, BOX, subsets=2, progress=v),
}

BAD_BUDGETS = {"'abc'": "abc", "-1": -1, "nan": float("nan"), "inf": float("inf"), "True": True}
BUDGET_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "walk": lambda v: pf.walk(NET, GOOD, GOOD, time_budget=v),
    "walk_polyline": lambda v: pf.walk_polyline(NET, [GOOD, GOOD], time_budget=v),
    "walk_many": lambda v: pf.walk_many(NET, [GOOD], [GOOD], time_budget=v),
    "region_graph": lambda v: pf.region_graph(NET, BOX, time_budget=v),
    "global_folding": lambda v: pf.global_folding(
        NET, [GOOD, [0.1, 0.1]], [0, 1], clusters=None, time_budget=v
    ),
    "check_lemma1": lambda v: pf.check_lemma1(NET, BOX, subsets=2, time_budget=v),
    "search_lemma1_counterexample": lambda v: pf.convexity.search_lemma1_counterexample(
        seeds=1, time_budget=v
    ),
}

BAD_COUNTS = {"'5'": "5", "-1": -1, "0": 0, "1.5": 1.5, "True": True, "None-like []": []}

BAD_METHODS = {"'fast'": "fast", "None": None, "3": 3}
METHOD_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "walk": lambda v: pf.walk(NET, GOOD, GOOD, method=v),
    "walk_many": lambda v: pf.walk_many(NET, [GOOD], [GOOD], method=v),
    "walk_polyline": lambda v: pf.walk_polyline(NET, [GOOD, GOOD], method=v),
}


def _layers(w: Any = None, b: Any = None) -> list[Any]:
    w = [[1.0, -1.0], [0.5, 2.0]] if w is None else w
    b = [0.0, 0.25] if b is None else b
    return [(w, b), ([[1.0, 1.0]], [0.0])]


NETWORKS: list[tuple[str, Callable[[], Any], str]] = [
    ("layers not a list", lambda: pf.Network.from_layers("abc"), "layers"),
    ("only one pair", lambda: pf.Network.from_layers([([[1.0]], [0.0])]), "layers"),
    ("a pair of three", lambda: pf.Network.from_layers([(1, 2, 3), (1, 2)]), "layers[0]"),
    ("W empty", lambda: pf.Network.from_layers(_layers(w=np.zeros((0, 2)))), "layers[0] W"),
    ("W 3-D", lambda: pf.Network.from_layers(_layers(w=np.zeros((2, 2, 2)))), "layers[0] W"),
    ("b wrong length", lambda: pf.Network.from_layers(_layers(b=[0.0])), "layers[0] b"),
    (
        "W transposed",
        lambda: pf.Network.from_layers(_layers(w=np.zeros((2, 3)), b=[0, 0, 0])),
        "layers[0]",
    ),
    (
        "columns mismatch",
        lambda: pf.Network.from_layers([([[1.0]], [0.0]), ([[1.0, 1.0]], [0.0])]),
        "layers[1] W",
    ),
    ("NaN weight", lambda: pf.Network.from_layers(_layers(w=[[np.nan, 0], [0, 0]])), "layers[0] W"),
    ("inf bias", lambda: pf.Network.from_layers(_layers(b=[np.inf, 0])), "layers[0] b"),
    ("complex weight", lambda: pf.Network.from_layers(_layers(w=[[1j, 0], [0, 0]])), "layers[0] W"),
    (
        "boolean weight",
        lambda: pf.Network.from_layers(_layers(w=np.ones((2, 2), dtype=bool))),
        "layers[0] W",
    ),
    (
        "text weight",
        lambda: pf.Network.from_layers(_layers(w=[["a", "0"], ["0", "0"]])),
        "layers[0] W",
    ),
    (
        "huge exponent weight",
        lambda: pf.Network.from_layers(_layers(w=[["1e999999999", "0"], ["0", "0"]])),
        "layers[0] W",
    ),
    (
        "200k-digit weight",
        lambda: pf.Network.from_layers(_layers(w=[["1" * 200_000, "0"], ["0", "0"]])),
        "layers[0] W",
    ),
    (
        "zero denominator",
        lambda: pf.Network.from_layers(_layers(w=[["1/0", "0"], ["0", "0"]])),
        "layers[0] W",
    ),
    ("unknown activation", lambda: _net(activation="swish"), "activation"),
    ("negative leaky slope", lambda: _net(activation=("leaky_relu", -0.1)), "activation"),
    ("activation list too long", lambda: _net(activation=["relu", "relu"]), "activation"),
    ("threshold NaN", lambda: _net(threshold=float("nan")), "threshold"),
    ("threshold text", lambda: _net(threshold="x"), "threshold"),
    ("threshold boolean", lambda: _net(threshold=True), "threshold"),
    ("pattern_layers float", lambda: _net(pattern_layers=[0.7]), "pattern_layers"),
    ("pattern_layers text entry", lambda: _net(pattern_layers=["a"]), "pattern_layers"),
    ("pattern_layers integer", lambda: _net(pattern_layers=0), "pattern_layers"),
    ("pattern_layers empty", lambda: _net(pattern_layers=[]), "pattern_layers"),
    ("pattern_layers out of range", lambda: _net(pattern_layers=[3]), "pattern_layers"),
    ("pattern_layers repeated", lambda: _net(pattern_layers=[0, 0]), "pattern_layers"),
    ("pattern_layers boolean", lambda: _net(pattern_layers=[True]), "pattern_layers"),
    ("pattern_layers string", lambda: _net(pattern_layers="0"), "pattern_layers"),
    ("linear_units float", lambda: _net(linear_units=[[0.5]]), "linear_units"),
    ("linear_units booleans", lambda: _net(linear_units=[[True, False]]), "linear_units"),
    ("linear_units out of range", lambda: _net(linear_units=[[5]]), "linear_units"),
    ("linear_units wrong count", lambda: _net(linear_units=[[0], [0]]), "linear_units"),
    ("linear_units a string", lambda: _net(linear_units="0"), "linear_units"),
    ("every unit linear", lambda: _net(linear_units=[[0, 1]]), "linear_units"),
]

OTHER: list[tuple[str, Callable[[], Any], str]] = [
    ("walk on something else", lambda: pf.walk("net", GOOD, GOOD), "net"),
    ("walk tol negative", lambda: pf.walk(NET, GOOD, GOOD, exact=False, tol=-1), "tol"),
    ("walk tol text", lambda: pf.walk(NET, GOOD, GOOD, exact=False, tol="0"), "tol"),
    ("walk_many shapes differ", lambda: pf.walk_many(NET, [GOOD, GOOD], [GOOD]), "x1, x2"),
    (
        "walk_many executor text",
        lambda: pf.walk_many(NET, [GOOD], [GOOD], executor="x"),
        "executor",
    ),
    ("walk_polyline one point", lambda: pf.walk_polyline(NET, [GOOD]), "points"),
    ("walk with a smooth network", lambda: pf.walk(_net(activation="tanh"), GOOD, GOOD), "net"),
    ("chi_sampled too many samples", lambda: pf.chi_sampled(NET, GOOD, GOOD, n=10**10), "n"),
    ("chi_sampled one sample", lambda: pf.chi_sampled(NET, GOOD, GOOD, n=1), "n"),
    ("chi_sampled fractional n", lambda: pf.chi_sampled(NET, GOOD, GOOD, n=2.5), "n"),
    ("chi_sampled boolean n", lambda: pf.chi_sampled(NET, GOOD, GOOD, n=True), "n"),
    ("chi_sampled text n", lambda: pf.chi_sampled(NET, GOOD, GOOD, n="11"), "n"),
    (
        "chi_sampled smooth exact",
        lambda: pf.chi_sampled(_net(activation="tanh"), GOOD, GOOD),
        "net",
    ),
    ("chi of bit strings with a 2", lambda: pf.chi(["012"]), "patterns"),
    ("chi of ragged rows", lambda: pf.chi([[0, 1], [1]]), "patterns"),
    ("chi of nothing", lambda: pf.chi([]), "patterns"),
    ("hamming of different lengths", lambda: pf.hamming("01", "011"), "a, b"),
    ("region_graph engine", lambda: pf.region_graph(NET, BOX, engine="fast"), "engine"),
    (
        "region_graph planar in 3-D",
        lambda: pf.region_graph(
            pf.zoo.random_network([3, 2, 1]), pf.Box([0] * 3, [1] * 3), engine="planar"
        ),
        "engine",
    ),
    ("region_graph a list domain", lambda: pf.region_graph(NET, [[0, 0], [1, 1]]), "domain"),
    ("Box lo above hi", lambda: pf.Box([1, 1], [0, 0]), "lo"),
    ("Box sizes differ", lambda: pf.Box([0, 0], [1, 1, 1]), "lo"),
    ("Box NaN", lambda: pf.Box([np.nan, 0], [1, 1]), "lo"),
    ("region wrong pattern length", lambda: pf.region(NET, [1, 0, 1]), "pattern"),
    ("is_realizable pattern of 2s", lambda: pf.is_realizable(NET, [2, 0], BOX), "pattern"),
    ("Region.contains wrong dimension", lambda: pf.region(NET, [1, 0]).contains([0, 0, 0]), "x"),
    ("is_hamming_convex lengths differ", lambda: pf.is_hamming_convex(["01"], ["011"]), "S"),
    (
        "global_folding labels of another length",
        lambda: pf.global_folding(NET, [GOOD, GOOD], [0], clusters=None),
        "y",
    ),
    ("global_folding pairs", lambda: pf.global_folding(NET, [GOOD], [0], pairs="some"), "pairs"),
    (
        "global_folding variant",
        lambda: pf.global_folding(NET, [GOOD, [0.1, 0.1]], [0, 1], clusters=None, variant="max"),
        "variant",
    ),
    (
        "global_folding ordered text",
        lambda: pf.global_folding(NET, [GOOD, [0.1, 0.1]], [0, 1], clusters=None, ordered="yes"),
        "ordered",
    ),
    ("theorems unknown property", lambda: pf.theorems.check("nonsense", cases=1), "name"),
    ("theorems.register non-callable", lambda: pf.theorems.register("x", 3), "fn"),
    ("theorems.register kind", lambda: pf.theorems.register("x", lambda p: True, kind="z"), "kind"),
    ("cantornet representation", lambda: pf.zoo.cantornet(2, "Z"), "representation"),
    ("Network.load missing file", lambda: pf.Network.load("/nonexistent/net.npz"), "path"),
]


def catalogue() -> list[Bad]:
    out: list[Bad] = []
    for vname, value in BAD_POINTS.items():
        for fname, (fn, arg) in POINT_FUNCTIONS.items():
            out.append(Bad(f"{fname}: {vname}", lambda fn=fn, v=value: fn(v), arg))
    for vname, value in BAD_FLAGS.items():
        for fname, (fn, arg) in FLAG_FUNCTIONS.items():
            out.append(Bad(f"{fname}: {vname}", lambda fn=fn, v=value: fn(v), arg))
    for vname, value in BAD_PROGRESS.items():
        for fname, fn in PROGRESS_FUNCTIONS.items():
            out.append(Bad(f"{fname} progress: {vname}", lambda fn=fn, v=value: fn(v), "progress"))
    for vname, value in BAD_BUDGETS.items():
        for fname, fn in BUDGET_FUNCTIONS.items():
            out.append(
                Bad(f"{fname} time_budget: {vname}", lambda fn=fn, v=value: fn(v), "time_budget")
            )
    for vname, value in BAD_COUNTS.items():
        out.append(
            Bad(
                f"region_graph max_regions: {vname}",
                lambda v=value: pf.region_graph(NET, BOX, max_regions=v),
                "max_regions",
            )
        )
    for vname, value in BAD_METHODS.items():
        for fname, fn in METHOD_FUNCTIONS.items():
            out.append(Bad(f"{fname} method: {vname}", lambda fn=fn, v=value: fn(v), "method"))
    out += [Bad(name, call, arg) for name, call, arg in NETWORKS + OTHER]
    return out


CASES = catalogue()
