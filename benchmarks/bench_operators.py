"""CIFAR-shaped CNNs as operator networks: import, memory, and walks against their peers.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_operators.py [--channels 4,8 8,16 ...]

For each width (first convolution's channels, then the other two's): a
``nn.Sequential`` of three 3x3 convolutions with pooling and batch-norm on
3x32x32 inputs, then two dense layers; one segment between two random images.
Reports the import time and the walk's peak memory (tracemalloc), and in one
run: the plain float walk, the certified walk, ``chi_sampled(n=10000)`` and one
batched forward pass of the model over the walk's own breakpoints (the
physical limit: every breakpoint evaluated once per layer).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import polyfold as pf


def best_of(fn, repeat=3):
    times = []
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def model(c1: int, c2: int):
    import torch
    from torch import nn

    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, c1, 3, padding=1),
        nn.BatchNorm2d(c1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(c2, c2, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(c2 * 16, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    ).eval()


def main() -> None:
    import torch

    torch.set_num_threads(1)
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", nargs="+", default=["4,8", "8,16"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=3072), rng.normal(size=3072)
    for spec in args.channels:
        c1, c2 = (int(v) for v in spec.split(","))
        m = model(c1, c2)
        t_import, net = best_of(lambda: pf.from_torch(m, input_shape=(3, 32, 32)), 1)
        t_float, plain = best_of(lambda: pf.walk(net, x1, x2, exact=False, method="float"), 2)
        tracemalloc.start()
        t_cert, cert = best_of(lambda: pf.walk(net, x1, x2, exact=False), 1)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        t_samp, _ = best_of(lambda: pf.chi_sampled(net, x1, x2, n=10_000, exact=False), 1)
        ts = np.asarray(cert.bounds[0], dtype=np.float64)
        pts = torch.tensor(
            (x1[None, :] + ts[:, None] * (x2 - x1)[None, :]).reshape(-1, 3, 32, 32),
            dtype=torch.float32,
        )

        def forward():
            with torch.no_grad():
                return m(pts)

        t_fwd, _ = best_of(forward, 3)
        same = np.array_equal(plain.patterns, cert.patterns)
        print(
            f"CNN {c1},{c2},{c2} on 3x32x32 ({net.n_hidden:,} hidden units):"
            f" import {t_import:.2f} s"
            f" ({net.provenance['form']}); {cert.n_pieces} pieces; float walk {t_float:.2f} s,"
            f" certified {t_cert:.2f} s ({t_cert / t_float:.1f}x, peak {peak / 2**30:.2f} GiB),"
            f" chi_sampled(n=10000) {t_samp:.2f} s ({t_samp / t_float:.1f}x the float walk),"
            f" one torch forward over the breakpoints {t_fwd:.2f} s"
            f" (float walk {t_float / t_fwd:.1f}x it); same patterns: {same}"
        )


if __name__ == "__main__":
    main()
