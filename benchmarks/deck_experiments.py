"""The slide deck's two remaining experiments, on digits, with exact χ.

    OPENBLAS_NUM_THREADS=1 python benchmarks/deck_experiments.py [--pairs 150] [--seeds 0 1]

1. The interaction coefficient along paths between digits 5 and 7, clean end
   points against FGSM and PGD ones (ε = 1/10 on pixels in [0, 1]); the deck
   reports ``I`` "consistently higher for unperturbed samples".
2. "Low sensitivity to batch-norm, dropout": the same grid of torch MLPs with
   and without them, Φ compared (torch needed).
"""

from __future__ import annotations

import argparse
import os
import time
from fractions import Fraction

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import polyfold as pf


def small_cnn() -> pf.Network:
    """A small CNN (conv 4, conv 4, linear) trained on digits with torch, seeded, imported."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = pf.datasets.digits()
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(256, 10),
    )  # fmt: skip
    xt, yt = torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 8, 8), torch.tensor(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    return pf.from_torch(model.eval(), input_shape=(1, 8, 8))


def interaction(pairs: int) -> None:
    x, y = pf.datasets.digits()
    nets = {f"MLP 64-{'x'.join(map(str, h))}-10": pf.zoo.digits_mlp(h, seed=0)
            for h in ((32, 32, 32), (32, 32, 32, 32))}  # fmt: skip
    try:
        nets["CNN conv4-conv4-10"] = small_cnn()
    except ImportError:  # torch not installed: the MLPs only
        pass
    for name, net in nets.items():
        for attack in ("fgsm", "pgd"):
            start = time.perf_counter()
            res = pf.attacks.interaction_study(
                net, x, y, classes=(5, 7), pairs=pairs, attack=attack, eps="1/10", seed=0
            )
            clean, attacked = res.mean_interaction
            higher = sum(r["inter"] > r["inter_attacked"] for r in res.rows)
            lower = sum(r["inter"] < r["inter_attacked"] for r in res.rows)
            print(
                f"{name} {attack}: mean Ī_nz clean {float(clean):.4f}"
                f" attacked {float(attacked):.4f}; clean higher on {higher}, lower on {lower}"
                f" of {len(res.rows)} paths ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )


def normalization(seeds: list[int]) -> None:
    rows = pf.studies.study(
        "digits",
        depths=(2, 3),
        widths=(32,),
        seeds=seeds,
        normalization=("none", "batchnorm", "dropout", "batchnorm+dropout"),
        clusters=3,
        max_pairs=400,
        backend="torch",
        max_iter=200,
    )
    for depth in (2, 3):
        for norm in ("none", "batchnorm", "dropout", "batchnorm+dropout"):
            sel = [r for r in rows if r["depth"] == depth and r["normalization"] == norm]
            phis = [r["phi"] or "-" for r in sel]
            acc = sum(r["test_accuracy"] for r in sel) / len(sel)
            folded = sum(float(Fraction(r["fraction_folded"])) for r in sel) / len(sel)
            print(
                f"depth {depth} {norm:>17}: Φ {', '.join(phis)}; folded {folded:.3f};"
                f" test accuracy {acc:.3f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=150)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    interaction(args.pairs)
    normalization(args.seeds)


if __name__ == "__main__":
    main()
