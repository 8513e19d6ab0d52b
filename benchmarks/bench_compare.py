"""The float walk of two checkouts of polyfold, in alternating processes (best of each).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_compare.py OLD_CHECKOUT NEW_CHECKOUT
        [--rounds 3] [--repeat 40]

For instance ``git worktree add /tmp/old <commit>`` and then ``/tmp/old .``. Each
round runs one process per checkout (its ``polyfold`` first on ``sys.path``, checked)
that walks one
segment of 784-100×5-10, 784-512³-10 and 64-32×4-10 (He-initialised, seed 0)
``--repeat`` times; the table shows the best time of every checkout over all rounds.
Machines that share their cores drift over minutes, so only the alternation makes the
two columns comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROWS = [
    ("784-100×5-10", [784, 100, 100, 100, 100, 100, 10]),
    ("784-512³-10", [784, 512, 512, 512, 10]),
    ("64-32×4-10", [64, 32, 32, 32, 32, 10]),
]

CHILD = """
import json, os, sys, time
sys.path.insert(0, sys.argv[3])
import numpy as np
import polyfold as pf
assert os.path.dirname(os.path.dirname(pf.__file__)) == sys.argv[3], pf.__file__
rows, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
out = {}
for name, sizes in rows:
    net = pf.zoo.random_network(sizes, seed=0)
    x1, x2 = np.random.default_rng(0).normal(size=(2, sizes[0]))
    for _ in range(3):
        pf.walk(net, x1, x2, exact=False, method="float")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        pf.walk(net, x1, x2, exact=False, method="float")
        best = min(best, time.perf_counter() - start)
    out[name] = best
print(json.dumps(out))
"""


def run(checkout: str, repeat: int) -> dict[str, float]:
    path = os.path.abspath(checkout)  # first on the path, ahead of any installed polyfold
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(ROWS), str(repeat), path],
        env=env,
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    best: dict[str, dict[str, float]] = {args.old: {}, args.new: {}}
    for _ in range(args.rounds):
        for checkout in (args.old, args.new):
            for name, t in run(checkout, args.repeat).items():
                best[checkout][name] = min(t, best[checkout].get(name, float("inf")))
    print(f"{'float walk, one segment':26s} {'old ms':>9s} {'new ms':>9s} {'new/old':>8s}")
    for name, _ in ROWS:
        old, new = best[args.old][name], best[args.new][name]
        print(f"{name:26s} {1e3 * old:9.2f} {1e3 * new:9.2f} {new / old:8.2f}x")


if __name__ == "__main__":
    main()
