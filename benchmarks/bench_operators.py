"""CIFAR-shaped CNNs as operator networks: import, memory, and walks against their peers.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_operators.py [--channels 4,8 8,16 ...]
        [--resnet 4,8,8,16 ...] [--memory] [--float-only]

For each width (first convolution's channels, then the other two's): a
``nn.Sequential`` of three 3x3 convolutions with pooling and batch-norm on
3x32x32 inputs, then two dense layers; one segment between two random images.
``--resnet``: ResNet-18's layout (a stem, four stages of two basic blocks with
batch-norm and projection shortcuts, global average pooling, a dense head) with
the given stage widths (the original has 64,128,256,512).
Reports the import time (and with ``--memory`` the certified walk's peak,
by tracemalloc in a run of its own), and in one run: the plain float walk, the
certified walk, ``chi_sampled(n=10000)`` and one batched forward pass of the
model over the walk's own breakpoints, in float32 and float64 (the physical
limit: every breakpoint evaluated once per layer). ``--float-only``: the float walk
and the forward passes only (no certified walk, no sampling).
"""

from __future__ import annotations

import argparse
import copy
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


def resnet(widths: list[int]):
    """ResNet-18's layout with stage widths ``widths`` (random weights, batch-norm statistics
    as after training)."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.short = nn.Sequential()
            if stride != 1 or cin != cout:
                self.short = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
                )

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + self.short(x))

    class ResNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
            self.bn = nn.BatchNorm2d(widths[0])
            blocks, c = [], widths[0]
            for i, w in enumerate(widths):
                for j in range(2):
                    blocks.append(Block(c, w, 2 if j == 0 and i > 0 else 1))
                    c = w
            self.layers = nn.Sequential(*blocks)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(c, 10)

        def forward(self, x):
            x = torch.relu(self.bn(self.conv(x)))
            return self.fc(torch.flatten(self.pool(self.layers(x)), 1))

    torch.manual_seed(0)
    m = ResNet()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
                mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
    return m.eval()


def forwards(m, x1, x2, ts):
    """``forward(model=m, dtype=float32)``: the model over the points at parameters ``ts``
    in chunks of 1,024 (a wide CNN's whole batch of activations would not fit in memory;
    the work is the same)."""
    import torch

    pts = torch.tensor((x1[None, :] + ts[:, None] * (x2 - x1)[None, :]).reshape(-1, 3, 32, 32))

    def forward(model=m, dtype=torch.float32):
        batch = pts.to(dtype)
        with torch.no_grad():
            for lo in range(0, len(batch), 1024):
                model(batch[lo : lo + 1024])

    return forward


def main() -> None:
    import torch

    torch.set_num_threads(1)
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", nargs="*", default=["4,8", "8,16"])
    parser.add_argument("--resnet", nargs="*", default=[])
    parser.add_argument("--memory", action="store_true", help="the walk's peak (tracemalloc)")
    parser.add_argument("--float-only", action="store_true", help="skip the certified walk")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=3072), rng.normal(size=3072)
    specs = [("cnn", s) for s in args.channels] + [("resnet", s) for s in args.resnet]
    for kind, spec in specs:
        widths = [int(v) for v in spec.split(",")]
        m = model(*widths) if kind == "cnn" else resnet(widths)
        name = f"CNN {widths[0]},{widths[1]},{widths[1]}" if kind == "cnn" else f"ResNet-18 {spec}"
        t_import, net = best_of(lambda: pf.from_torch(m, input_shape=(3, 32, 32)), 1)
        print(f"{name}: imported in {t_import:.2f} s", flush=True)
        t_float, plain = best_of(lambda: pf.walk(net, x1, x2, exact=False, method="float"), 2)
        print(f"  float walk {t_float:.2f} s, {plain.n_pieces} pieces", flush=True)
        if args.float_only:
            forward = forwards(m, x1, x2, plain.breakpoints)
            t_fwd, _ = best_of(forward, 2)
            t_fwd64, _ = best_of(lambda: forward(copy.deepcopy(m).double(), torch.float64), 2)
            print(
                f"{name}: {plain.n_pieces} pieces; float walk {t_float:.2f} s; one torch forward"
                f" over the breakpoints {t_fwd:.2f} s in float32, {t_fwd64:.2f} s in float64"
                f" (float walk {t_float / t_fwd:.1f}x, {t_float / t_fwd64:.2f}x)"
            )
            continue
        t_cert, cert = best_of(lambda: pf.walk(net, x1, x2, exact=False), 1)
        peak = float("nan")
        if args.memory:  # tracemalloc slows allocation: a separate run
            tracemalloc.start()
            pf.walk(net, x1, x2, exact=False)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(f"  certified walk {t_cert:.2f} s", flush=True)
        t_samp, _ = best_of(lambda: pf.chi_sampled(net, x1, x2, n=10_000, exact=False), 1)
        print(f"  chi_sampled(n=10000) {t_samp:.2f} s", flush=True)
        forward = forwards(m, x1, x2, np.asarray(cert.bounds[0], dtype=np.float64))
        t_fwd, _ = best_of(forward, 3)
        m64 = copy.deepcopy(m).double()
        t_fwd64, _ = best_of(lambda: forward(m64, torch.float64), 3)
        same = np.array_equal(plain.patterns, cert.patterns)
        print(
            f"{name} on 3x32x32 ({net.n_hidden:,} hidden units):"
            f" import {t_import:.2f} s"
            f" ({net.provenance['form']}); {cert.n_pieces} pieces; float walk {t_float:.2f} s,"
            f" certified {t_cert:.2f} s ({t_cert / t_float:.1f}x, peak {peak / 2**30:.2f} GiB),"
            f" chi_sampled(n=10000) {t_samp:.2f} s ({t_samp / t_float:.1f}x the float walk),"
            f" one torch forward over the breakpoints {t_fwd:.2f} s in float32, {t_fwd64:.2f} s in"
            f" float64 (float walk {t_float / t_fwd:.1f}x, {t_float / t_fwd64:.1f}x;"
            f" certified {t_cert / t_fwd64:.1f}x float64); same patterns: {same}"
        )


if __name__ == "__main__":
    main()
