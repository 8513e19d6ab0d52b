"""Certified crossings for smooth activations against the sampled estimator, in one run.

    python benchmarks/bench_smooth.py

For tanh, sigmoid (τ = 1/2), GELU and SiLU networks 8-32-32-1 (He-initialised),
20 random segments each: ``smooth_walk`` with Arb and with float elementary
functions, against ``chi_sampled`` at n = 10,000, which certifies nothing.
"""

from __future__ import annotations

import time

import numpy as np

import polyfold as pf


def main() -> None:
    rng = np.random.default_rng(0)
    for act in ("tanh", "sigmoid", "gelu", "silu"):
        tau = "1/2" if act == "sigmoid" else 0
        net = pf.zoo.random_network([8, 32, 32, 1], seed=1, activation=act, threshold=tau)
        a, b = rng.normal(size=(2, 20, 8))
        times = {}
        paths = {}
        for mode in ("arb", "float"):
            start = time.perf_counter()
            paths[mode] = [pf.smooth_walk(net, x, y, elementary=mode) for x, y in zip(a, b)]
            times[mode] = (time.perf_counter() - start) / len(a)
        start = time.perf_counter()
        sampled = [pf.chi_sampled(net, x, y, n=10_000) for x, y in zip(a, b)]
        t_sample = (time.perf_counter() - start) / len(a)
        certified = [p for p in paths["arb"] if p.certified]
        crossings = np.median([len(p.crossings) for p in certified]) if certified else 0
        agree = sum(p.chi == s for p, s in zip(paths["arb"], sampled) if p.certified)
        print(
            f"{act:8s} smooth_walk arb {1e3 * times['arb']:.0f} ms, float "
            f"{1e3 * times['float']:.0f} ms, chi_sampled(n=10000) {1e3 * t_sample:.0f} ms"
            f" (arb/sampled {times['arb'] / t_sample:.1f}x); certified {len(certified)}/20,"
            f" median crossings {crossings:.0f}, sampled chi = certified chi on {agree}"
        )


if __name__ == "__main__":
    main()
