"""Bad input at the public boundary: each case a library error naming the argument.

A first part of the bad-input catalogue (more kinds land with the hardening
work): numbers too large to build, options of the wrong type, damaged files.
Every case runs under a time limit, so a hang fails instead of stalling.
"""

from __future__ import annotations

import concurrent.futures
import time
import zipfile
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import polyfold as pf

NET = [([[1.0, -1.0], [0.5, 2.0]], [0.0, 0.25]), ([[1.0, 1.0]], [0.0])]


def layers(w: Any) -> list[Any]:
    return [([[w, 1.0], [0.5, 2.0]], [0.0, 0.25]), ([[1.0, 1.0]], [0.0])]


def net(**options: Any) -> pf.Network:
    return pf.Network.from_layers(NET, **options)


CASES: list[tuple[str, Callable[[], Any], str]] = [
    ("huge exponent weight", lambda: pf.Network.from_layers(layers("1e1000000000")), "exponent"),
    ("huge negative exponent", lambda: pf.Network.from_layers(layers("1e-99999")), "exponent"),
    (
        "very long number string",
        lambda: pf.Network.from_layers(layers("1" * 200_000)),
        "characters",
    ),
    ("huge exponent threshold", lambda: net(threshold="1e999999999"), "exponent"),
    ("huge exponent in a point", lambda: pf.walk(net(), ["1e999999999", 0], [0, 0]), "exponent"),
    ("include_output as a string", lambda: net(include_output="False"), "include_output"),
    ("include_output as an array", lambda: net(include_output=np.array([1, 0])), "include_output"),
    ("pattern_layers float", lambda: net(pattern_layers=[0.7]), "pattern_layers"),
    ("pattern_layers string entry", lambda: net(pattern_layers=["a"]), "pattern_layers"),
    ("pattern_layers integer", lambda: net(pattern_layers=0), "pattern_layers"),
    ("pattern_layers empty", lambda: net(pattern_layers=[]), "pattern_layers"),
    ("pattern_layers bool", lambda: net(pattern_layers=[True]), "pattern_layers"),
    ("linear_units float index", lambda: net(linear_units=[[0.5]]), "linear_units"),
    ("linear_units bool index", lambda: net(linear_units=[[True, False]]), "linear_units"),
    (
        "walk_many executor string",
        lambda: pf.walk_many(net(), [[0, 0]], [[1, 1]], executor="x"),
        "executor",
    ),
    ("walk method unknown", lambda: pf.walk(net(), [0, 0], [1, 1], method="quick"), "method"),
    (
        "walk method float in exact mode",
        lambda: pf.walk(net(), [0, 0], [1, 1], method="float"),
        "method",
    ),
    ("chi_sampled 10^10 samples", lambda: pf.chi_sampled(net(), [0, 0], [1, 1], n=10**10), "n:"),
    ("chi_sampled one sample", lambda: pf.chi_sampled(net(), [0, 0], [1, 1], n=1), "n:"),
    (
        "region_graph max_regions string",
        lambda: pf.region_graph(net(), pf.Box([-1, -1], [1, 1]), max_regions="5"),
        "max_regions",
    ),
    (
        "region_graph max_regions negative",
        lambda: pf.region_graph(net(), pf.Box([-1, -1], [1, 1]), max_regions=-1),
        "max_regions",
    ),
    (
        "region_graph max_regions fractional",
        lambda: pf.region_graph(net(), pf.Box([-1, -1], [1, 1]), max_regions=1.5),
        "max_regions",
    ),
    (
        "region_graph max_regions zero",
        lambda: pf.region_graph(net(), pf.Box([-1, -1], [1, 1]), max_regions=0),
        "max_regions",
    ),
    (
        "region_graph time_budget string",
        lambda: pf.region_graph(net(), pf.Box([-1, -1], [1, 1]), time_budget="abc"),
        "time_budget",
    ),
    (
        "region_graph time_budget negative",
        lambda: pf.region_graph(net(), pf.Box([-1, -1], [1, 1]), time_budget=-1),
        "time_budget",
    ),
    (
        "region_graph time_budget nan",
        lambda: pf.region_graph(net(), pf.Box([-1, -1], [1, 1]), time_budget=float("nan")),
        "time_budget",
    ),
]


def _run_limited(fn: Callable[[], Any], seconds: float = 20.0) -> Any:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(fn)
        return future.result(timeout=seconds)


@pytest.mark.parametrize("name,call,match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_library_error(name, call, match):
    start = time.perf_counter()
    with pytest.raises(pf.InvalidInputError, match=match):
        _run_limited(call)
    assert time.perf_counter() - start < 20


def _npz_cases(tmp_path: Any) -> list[tuple[str, Any]]:
    good = tmp_path / "good.npz"
    net().save(good)
    out = []
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    out.append(("zero bytes", empty))
    trunc = tmp_path / "truncated.npz"
    trunc.write_bytes(good.read_bytes()[:100])
    out.append(("truncated", trunc))
    missing = tmp_path / "missing.npz"
    with np.load(good) as data:
        arrays = {k: data[k] for k in data.files if k != "b1"}
    np.savez(missing, **arrays)
    out.append(("a missing key", missing))
    flag = tmp_path / "flag.npz"
    with np.load(good) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["include_output"] = np.array("False")
    np.savez(flag, **arrays)
    out.append(("include_output stored as a string", flag))
    big = tmp_path / "huge.npz"
    arrays = {k: v for k, v in arrays.items()}
    arrays["include_output"] = np.array(False)
    arrays["W0_exact"] = np.array([["1e999999999", "1"], ["1", "1"]])
    np.savez(big, **arrays)
    out.append(("a huge exponent", big))
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    out.append(("a .npy array", single))
    not_zip = tmp_path / "text.npz"
    not_zip.write_text("hello")
    out.append(("a text file", not_zip))
    return out


def test_damaged_network_files_are_clear_errors(tmp_path):
    for what, path in _npz_cases(tmp_path):
        with pytest.raises(pf.InvalidInputError, match="path"):
            _run_limited(lambda p=path: pf.Network.load(p))
        del what
    assert zipfile.is_zipfile(tmp_path / "good.npz")


def test_weights_beyond_float_range_save_and_walk_exactly(tmp_path):
    big = "1" + "0" * 400
    n = pf.Network.from_layers([([[big], [1]], [0, "-1/2"]), ([[1, 1]], [0])])
    assert np.isinf(n.weights[0][0][0, 0])
    n.save(tmp_path / "big.npz")
    back = pf.Network.load(tmp_path / "big.npz")
    assert back.exact_weights[0][0][0, 0] == int(big)
    path = pf.walk(n, [-1], [1])
    assert path.certified and path.method == "rational"
    assert path.bitstrings() == ["00", "11"] or len(path.bitstrings()) >= 2


def test_more_bad_input_names_the_argument(tmp_path):
    cases: list[tuple[Callable[[], Any], str]] = [
        # a transposed W: the message says so instead of blaming b
        (
            lambda: pf.Network.from_layers(
                [([[1, 2, 3], [4, 5, 6]], [0, 0, 0]), ([[1, 1, 1]], [0])]
            ),
            "transposed",
        ),
        (
            lambda: (
                pf.theorems.register("truthy", lambda path: ...)
                and pf.theorems.check("truthy", cases=3)
            ),
            "True/False",
        ),
        (lambda: pf.theorems.register("not callable", 3), "fn"),
        (lambda: pf.region(net(), [1, 0]).contains([0, 0, 0]), "x: expected a point"),
        (
            lambda: pf.walk(
                pf.Network.from_layers([([["1" + "0" * 400]], [0]), ([[1]], [0])]),
                [0.0],
                [1.0],
                exact=False,
                method="float",
            ),
            "float64's range",
        ),
    ]
    try:
        for call, match in cases:
            with pytest.raises(pf.InvalidInputError, match=match):
                _run_limited(call)
    finally:
        pf.theorems.PROPERTIES.pop("truthy", None)


def test_long_double_weights_are_kept_exactly():
    w = np.array([[np.longdouble(1) + np.longdouble(2) ** -60]], dtype=np.longdouble)
    if w[0, 0] == 1:
        pytest.skip("long double is float64 on this platform")
    n = pf.Network.from_layers([(w, np.zeros(1)), (np.ones((1, 1)), np.zeros(1))])
    from fractions import Fraction

    assert n.exact_weights[0][0][0, 0] == 1 + Fraction(1, 2**60)


def test_torch_input_shape_mistakes_are_named():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    with pytest.raises(pf.InvalidInputError, match="input_shape: expected a tuple"):
        pf.from_torch(model, input_shape=2)
    with pytest.raises(pf.InvalidInputError, match="leaves the batch out"):
        pf.from_torch(model, input_shape=(1, 2))


def test_onnx_with_nan_initializers_is_refused(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.array([[np.nan, 1.0]], dtype=np.float32).T.copy(), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Relu", ["h"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])],
        [w],
    )
    path = tmp_path / "nan.onnx"
    onnx.save(helper.make_model(graph), path)
    with pytest.raises(pf.InvalidInputError, match="NaN or inf"):
        pf.from_onnx(path)


def test_exact_lp_engine_keeps_its_time_budget():
    many = pf.zoo.random_network([3, 10, 10, 1], seed=0)
    start = time.perf_counter()
    graph = pf.region_graph(many, pf.Box([-1] * 3, [1] * 3), engine="lp", time_budget=0.3)
    assert time.perf_counter() - start < 0.3 + 2.0  # a small margin, not seconds of LPs
    assert graph.graph["complete"] is False


def test_search_for_a_counterexample_says_when_it_stopped_early():
    from polyfold.convexity import search_lemma1_counterexample

    with pytest.warns(UserWarning, match="stopped after 0 of 50 networks"):
        assert search_lemma1_counterexample(time_budget=0) is None


def test_reprs_are_short_even_with_huge_rationals():
    big = "1" + "0" * 300
    n = pf.Network.from_layers([([["1/3", big], [1, -1]], ["1/7", 0]), ([[1, 1]], [0])])
    box = pf.Box([-1, -1], [1, 1])
    for obj in (pf.is_realizable(n, [1, 1], box), pf.region(n, [1, 0], box)):
        assert len(repr(obj)) < 200


def test_network_file_built_to_explode_is_refused(tmp_path, monkeypatch):
    import zipfile as zf

    import polyfold.network

    monkeypatch.setattr(polyfold.network, "_MAX_UNPACKED", 2**24)  # 16 MB, to keep this quick

    bomb = tmp_path / "bomb.npz"
    header = (
        b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (4194304,), }"
    )
    header = header + b" " * (127 - len(header)) + b"\n"
    with zf.ZipFile(bomb, "w", compression=zf.ZIP_DEFLATED) as z:
        with z.open("W0.npy", "w", force_zip64=True) as f:
            f.write(header)
            block = bytes(1 << 20)
            for _ in range(33):  # 33 MB of zeros, a few kB on disk
                f.write(block)
    start = time.perf_counter()
    with pytest.raises(pf.InvalidInputError, match="unpack"):
        pf.Network.load(bomb)
    assert time.perf_counter() - start < 5


def test_walking_an_nnet_model_outside_its_clipping_box_warns(tmp_path):
    text = "\n".join(
        [
            "2,2,1,2,",
            "2,2,1,",
            "0,",
            "0.0,-1.0,",
            "10.0,1.0,",
            "5.0,0.0,0.5,",
            "10.0,2.0,4.0,",
            "1.0,-1.0,",
            "0.5,2.0,",
            "0.0,",
            "-0.25,",
            "1.0,1.0,",
            "0.125,",
        ]
    )
    path = tmp_path / "tiny.nnet"
    path.write_text(text)
    n = pf.load_nnet(path)
    pf.walk(n, [1, 0], [9, 0.5])  # inside: no warning (warnings are errors here)
    with pytest.warns(UserWarning, match="clips its inputs"):
        pf.walk(n, [1, 0], [12, 0.5])


def _interrupt_on(monkeypatch: Any, module: Any, name: str, call: int) -> None:
    """Make ``module.name`` raise KeyboardInterrupt on its ``call``-th call (Ctrl-C there)."""
    original = getattr(module, name)
    calls = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_ctrl_c_in_a_budgeted_walk_returns_the_finished_parts(monkeypatch):
    import importlib

    walk_module = importlib.import_module("polyfold.walks")
    n = pf.zoo.random_network([2, 8, 8, 1], seed=3)
    ref = pf.walk(n, [-1.0, 0.5], [1.0, -0.5], method="rational")
    _interrupt_on(monkeypatch, walk_module, "_route", 4)
    part = pf.walk(n, [-1.0, 0.5], [1.0, -0.5], time_budget=60)
    assert part.interrupted and not part.complete and part.breakpoints[-1] == Fraction(3, 64)
    assert part.patterns.tolist() == ref.patterns[: len(part.patterns)].tolist()


def test_ctrl_c_in_check_lemma1_returns_a_partial_report(monkeypatch):
    import polyfold.convexity as cv

    n = pf.zoo.random_network([2, 3, 3, 1], seed=1)
    _interrupt_on(monkeypatch, cv, "is_union_convex", 3)
    report = cv.check_lemma1(n, pf.Box([-1, -1], [1, 1]), subsets=10)
    assert report.interrupted and not report.complete and report.checked == 2


def test_ctrl_c_in_global_folding_returns_the_pairs_walked(monkeypatch):
    import polyfold.globalfold as gf

    n = pf.zoo.random_network([2, 6, 6, 1], seed=2)
    x, y = pf.datasets.moons(60, seed=2)
    full = pf.global_folding(n, x, y, clusters=4, chunk=3)
    _interrupt_on(monkeypatch, gf, "_fold_chunk", 3)
    part = pf.global_folding(n, x, y, clusters=4, chunk=3)
    assert part.interrupted and not part.complete
    assert part.n_paths == 6 and part.chi == full.chi[:6]
