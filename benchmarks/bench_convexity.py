"""Hamming convexity speed (Definition 2), measured in one run.

    python benchmarks/bench_convexity.py

|S| = |Ω| = 10,000 patterns of N = 256 bits (the issue's size), then a
non-trivial case where S is half of Ω, against a brute-force reference on a
small instance for the ratio.
"""

from __future__ import annotations

import time
from itertools import combinations

import numpy as np

from polyfold.intervals import is_hamming_convex


def brute(s, omega):
    s_set = {tuple(r) for r in s}
    for a, b in combinations(s, 2):
        for w in omega:
            if tuple(w) not in s_set and np.all((w == a) | (w == b)):
                return False
    return True


def main() -> None:
    rng = np.random.default_rng(0)
    omega = rng.random((10_000, 256)) < 0.5
    start = time.perf_counter()
    res = is_hamming_convex(omega, omega)
    print(
        f"|S| = |Omega| = 10000, N = 256: convex={res.convex}"
        f" in {time.perf_counter() - start:.2f} s"
    )
    # a structured case: patterns near a common centre, S = those within radius 3
    centre = rng.random(256) < 0.5
    flips = [rng.choice(256, size=int(k), replace=False) for k in rng.integers(0, 7, size=2000)]
    omega = np.array([np.logical_xor(centre, np.isin(np.arange(256), f)) for f in flips])
    omega = np.unique(omega, axis=0)
    dist = np.count_nonzero(omega != centre, axis=1)
    s = omega[dist <= 3]
    start = time.perf_counter()
    res = is_hamming_convex(s, omega)
    t_fast = time.perf_counter() - start
    print(f"|S| = {len(s)}, |Omega| = {len(omega)}, N = 256: convex={res.convex} in {t_fast:.3f} s")
    small_s, small_o = s[:60], omega[:300]
    small_o = np.unique(np.vstack([small_s, small_o]), axis=0)
    start = time.perf_counter()
    fast = is_hamming_convex(small_s, small_o).convex
    t1 = time.perf_counter() - start
    start = time.perf_counter()
    slow = brute(small_s, small_o)
    t2 = time.perf_counter() - start
    print(
        f"small instance: vectorised {t1 * 1e3:.1f} ms, brute force {t2 * 1e3:.0f} ms"
        f" ({t2 / t1:.0f}x), same answer: {fast == slow}"
    )


if __name__ == "__main__":
    main()
