"""Walk speed against the sampling baseline, measured as ratios in one run.

    python benchmarks/bench_walk.py [--quick]

1. float walk vs chi_sampled(n=10,000) on 784-100x5-10 and 784-512x3-10;
2. walk_many over 1,000 segments vs 1,000 single walks (amortised);
3. exact vs float walk on 64-32x4-10.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import polyfold as pf


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer segments (CI smoke run)")
    args = parser.parse_args()
    n_batch = 100 if args.quick else 1000
    rng = np.random.default_rng(0)
    for sizes in ([784, *[100] * 5, 10], [784, *[512] * 3, 10]):
        net = pf.zoo.random_network(sizes, seed=0)
        name = f"{sizes[0]}-{sizes[1]}x{len(sizes) - 2}-{sizes[-1]}"
        x1, x2 = rng.normal(size=784), rng.normal(size=784)
        t_walk, path = best_of(lambda: pf.walk(net, x1, x2, exact=False))
        t_samp, est = best_of(lambda: pf.chi_sampled(net, x1, x2, n=10_000), repeat=1)
        print(
            f"{name}: float walk {1e3 * t_walk:.1f} ms ({path.n_pieces} regions,"
            f" chi {float(path.chi):.4f},"
            f" certified {path.certified}); chi_sampled n=10000 {1e3 * t_samp:.1f} ms"
            f" (chi {float(est):.4f}); speed-up {t_samp / t_walk:.1f}x"
        )
        a, b = rng.normal(size=(n_batch, 784)), rng.normal(size=(n_batch, 784))
        t_many, _ = best_of(lambda: pf.walk_many(net, a, b, exact=False), repeat=1)
        start = time.perf_counter()
        for i in range(n_batch):
            pf.walk(net, a[i], b[i], exact=False)
        t_single = time.perf_counter() - start
        print(
            f"{name}: walk_many {n_batch} segments {t_many:.2f} s, {n_batch} single walks"
            f" {t_single:.2f} s; amortised speed-up {t_single / t_many:.1f}x"
        )
    net = pf.zoo.random_network([64, 32, 32, 32, 32, 10], seed=0)
    pairs = [(rng.normal(size=64), rng.normal(size=64)) for _ in range(20)]
    t_float, _ = best_of(lambda: [pf.walk(net, a, b, exact=False) for a, b in pairs])
    t_exact, paths = best_of(lambda: [pf.walk(net, a, b, exact=True) for a, b in pairs], repeat=1)
    regions = np.mean([p.n_pieces for p in paths])
    print(
        f"64-32x4-10: exact walk {1e3 * t_exact / len(pairs):.1f} ms/segment, float"
        f" {1e3 * t_float / len(pairs):.2f} ms/segment ({regions:.0f} regions on average);"
        f" exact/float ratio {t_exact / t_float:.1f}x"
    )


if __name__ == "__main__":
    main()
