"""ACAS Xu (5-50x6-5): walk time per segment across the input box vs sampling, in one run.

    python benchmarks/bench_acasxu.py [DIRECTORY]

DIRECTORY holds ACASXU_*.onnx files (default: the two copied into tests/data).

Segments join random points of the normalised input box used by the
verification benchmarks, [-0.33, 0.68] x [-0.5, 0.5]^4.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import polyfold as pf

DATA = Path(__file__).parent.parent / "tests" / "data"
LO = np.array([-0.33, -0.5, -0.5, -0.5, -0.5])
HI = np.array([0.68, 0.5, 0.5, 0.5, 0.5])


def main() -> None:
    rng = np.random.default_rng(0)
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    for path in sorted(folder.glob("ACASXU_*.onnx")):
        net = pf.from_onnx(path)
        a = LO + (HI - LO) * rng.random((50, 5))
        b = LO + (HI - LO) * rng.random((50, 5))
        start = time.perf_counter()
        paths = [pf.walk(net, x, y, exact=False) for x, y in zip(a, b)]
        t_walk = (time.perf_counter() - start) / len(a)
        start = time.perf_counter()
        exact = [pf.walk(net, x, y) for x, y in zip(a[:10], b[:10])]
        t_exact = (time.perf_counter() - start) / 10
        start = time.perf_counter()
        sampled = [pf.chi_sampled(net, x, y, n=10_000) for x, y in zip(a[:10], b[:10])]
        t_sample = (time.perf_counter() - start) / 10
        regions = np.array([p.n_pieces for p in paths])
        chis = np.array([float(p.chi) for p in paths])
        same = sum(np.array_equal(p.patterns, q.patterns) for p, q in zip(paths, exact))
        agree = sum(p.chi == s for p, s in zip(paths, sampled))
        print(
            f"{path.name}: float walk {1e3 * t_walk:.1f} ms/segment,"
            f" exact {1e3 * t_exact:.1f} ms,"
            f" chi_sampled(n=10000) {1e3 * t_sample:.1f} ms"
            f" -> walk {t_sample / t_walk:.0f}x faster;"
            f" regions/segment median {np.median(regions):.0f} (max {regions.max()}),"
            f" folded {np.mean(chis > 0):.0%}, mean chi {chis.mean():.3f};"
            f" float = exact on {same}/10; sampled = exact on {agree}/10"
        )


if __name__ == "__main__":
    main()
