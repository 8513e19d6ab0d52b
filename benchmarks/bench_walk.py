"""Walk speed, measured as ratios in one run (one BLAS thread, best of several).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_walk.py [--quick]

Per network, one segment at a time:

- ``float``: the plain float64 walk (``method="float"``, nothing proven);
- ``cert-float``: the certified walk with float64 breakpoints;
- ``exact``: the certified walk in exact mode (proven patterns; the rational
  breakpoints are computed on first access) and ``+breakpoints`` with them
  materialised;
- ``rational``: the all-rational walk (the old exact route);
- ``forward``: one batched float forward pass over the walk's own breakpoints
  (the physical limit: every breakpoint evaluated once per layer);
- ``sampled``: ``chi_sampled(n=10000)`` with proven samples (the default) and
  in plain float64.

Then ``walk_many`` over many segments against single walks, and
``global_folding`` on a digits MLP in exact and float mode.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import polyfold as pf

HERE = pathlib.Path(__file__).resolve().parent


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def networks(quick: bool) -> list[tuple[str, pf.Network, int]]:
    nets = [
        ("64-32x4-10", pf.zoo.random_network([64, 32, 32, 32, 32, 10], seed=0), 10),
        ("784-100x5-10", pf.zoo.random_network([784, *[100] * 5, 10], seed=0), 5),
        ("784-512x3-10", pf.zoo.random_network([784, 512, 512, 512, 10], seed=0), 2),
    ]
    onnx_files = sorted((HERE.parent / "tests" / "data").glob("ACASXU_*.onnx"))
    if onnx_files and not quick:
        try:
            nets += [(f.stem.split("_batch")[0], pf.from_onnx(f), 5) for f in onnx_files]
        except pf.PolyfoldError as exc:  # onnx not installed
            print("ACAS Xu skipped:", exc)
    return nets


def forward_pass(net: pf.Network, path: pf.Path) -> float:
    """Seconds for one batched float forward pass over the walk's breakpoints."""
    x1, x2 = np.asarray(path.x1, dtype=float), np.asarray(path.x2, dtype=float)
    t = np.array([float(v) for v in path.bounds[0]]) if path.bounds else np.linspace(0, 1, 3)
    pts = x1[None, :] + t[:, None] * (x2 - x1)[None, :]
    elapsed, _ = best_of(lambda: net.forward(pts), repeat=5)
    return elapsed


def per_segment(quick: bool) -> None:
    rng = np.random.default_rng(0)
    print(
        "network        pieces  float ms | cert-float  exact  +breakpoints  rational  forward"
        "  sampled(proven) sampled(float)   [ratios to float]"
    )
    for name, net, n_seg in networks(quick):
        d = net.n_inputs
        scale = 0.5 if name.startswith("ACAS") else 1.0
        pairs = [(rng.normal(size=d) * scale, rng.normal(size=d) * scale) for _ in range(n_seg)]
        rep = 2 if quick else 5
        t_float, _ = best_of(
            lambda: [pf.walk(net, a, b, exact=False, method="float") for a, b in pairs], rep
        )
        t_cert, cert = best_of(lambda: [pf.walk(net, a, b, exact=False) for a, b in pairs], rep)
        t_exact, ex = best_of(lambda: [pf.walk(net, a, b) for a, b in pairs], rep)
        start = time.perf_counter()
        for p in ex:
            p.breakpoints  # noqa: B018 - materialise the lazy rational breakpoints
        t_bp = time.perf_counter() - start
        t_rat, rat = best_of(
            lambda: [pf.walk(net, a, b, method="rational") for a, b in pairs[:2]], 1
        )
        t_rat *= len(pairs) / 2
        same = all(
            np.array_equal(p.patterns, r.patterns) and list(p.breakpoints) == list(r.breakpoints)
            for p, r in zip(ex, rat)
        )
        t_fwd = sum(forward_pass(net, p) for p in cert)
        a, b = pairs[0]
        t_sp, _ = best_of(lambda: pf.chi_sampled(net, a, b, n=10_000), 1)
        t_sf, _ = best_of(lambda: pf.chi_sampled(net, a, b, n=10_000, exact=False), 1)
        per = t_float / len(pairs)
        pieces = np.mean([p.n_pieces for p in cert])
        repaired = sum(p.repaired for p in cert)
        print(
            f"{name:14s} {pieces:6.0f} {1e3 * per:8.2f} | {t_cert / t_float:9.2f}x"
            f" {t_exact / t_float:5.2f}x {(t_exact + t_bp) / t_float:11.1f}x"
            f" {t_rat / t_float:8.1f}x {t_fwd / t_float:7.2f}x"
            f" {t_sp / per:14.1f}x {t_sf / per:14.1f}x"
            f"   identical to rational: {same}; knots repaired: {repaired}"
        )


def batched(quick: bool) -> None:
    rng = np.random.default_rng(1)
    net = pf.zoo.random_network([64, 32, 32, 32, 32, 10], seed=0)
    n = 200 if quick else 1000
    a, b = rng.normal(size=(n, 64)), rng.normal(size=(n, 64))
    t_many, _ = best_of(lambda: pf.walk_many(net, a, b), 1)
    start = time.perf_counter()
    for i in range(n):
        pf.walk(net, a[i], b[i])
    t_single = time.perf_counter() - start
    t_plain, _ = best_of(lambda: pf.walk_many(net, a, b, exact=False, method="float"), 1)
    print(
        f"64-32x4-10 walk_many, {n} segments: certified {t_many:.2f} s, {n} single walks"
        f" {t_single:.2f} s ({t_single / t_many:.1f}x), plain float walk_many {t_plain:.2f} s"
        f" (certified/plain {t_many / t_plain:.2f}x)"
    )


def global_digits(quick: bool) -> None:
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    clf = MLPClassifier((32, 32, 32, 32), max_iter=60 if quick else 200, random_state=0)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    net = pf.from_sklearn(clf)
    clusters = 3 if quick else 10
    t_exact, res = best_of(lambda: pf.global_folding(net, x, y, clusters=clusters), 1)
    t_float, res_f = best_of(
        lambda: pf.global_folding(net, x, y, clusters=clusters, exact=False), 1
    )
    print(
        f"global_folding digits 64-32x4-10, {res.n_paths} segments: exact {t_exact:.2f} s,"
        f" float {t_float:.2f} s (exact/float {t_exact / t_float:.2f}x); phi {res.phi}"
        f" (float mode: {res_f.phi})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer segments (smoke run)")
    args = parser.parse_args()
    per_segment(args.quick)
    batched(args.quick)
    global_digits(args.quick)


if __name__ == "__main__":
    main()
