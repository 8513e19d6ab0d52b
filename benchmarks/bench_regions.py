"""Region enumeration speed, measured in one run.

    python benchmarks/bench_regions.py          # everything (about 6 minutes)
    python benchmarks/bench_regions.py quick    # the planar engine (float and exact) and the grid

1. planar engine on a He-initialised 2-64-64-64 over [-1, 1]^2, float (best of 3) and
   exact (certified float route, best of 2; in the full run also exact splitting);
2. LP engine on 2-32-32-32 and 4-16-16-16 (float mode);
3. regions found by a dense grid of patterns at the same cost as the planar engine.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import polyfold as pf
from polyfold.domains import Box
from polyfold.regions import region_graph


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    quick = sys.argv[1:] == ["quick"]
    net = pf.zoo.random_network([2, 64, 64, 64, 1], seed=0)
    box = Box([-1, -1], [1, 1])
    region_graph(pf.zoo.random_network([2, 4, 1]), box, exact=False)  # warm the imports
    runs = [timed(lambda: region_graph(net, box, engine="planar", exact=False)) for _ in range(3)]
    g_float, t_float = runs[0][0], min(t for _, t in runs)
    print(
        f"planar 2-64-64-64 float: {len(g_float)} regions in {t_float:.2f} s (best of 3)"
        f" = {len(g_float) / t_float:,.0f} regions/s"
    )
    exact_runs = [timed(lambda: region_graph(net, box, engine="planar", exact=True)) for _ in "ab"]
    g_exact, t_exact = exact_runs[0][0], min(t for _, t in exact_runs)
    same = set(g_exact.nodes) == set(g_float.nodes)
    print(
        f"planar 2-64-64-64 exact ({g_exact.graph['method']}): {len(g_exact)} regions in"
        f" {t_exact:.2f} s = {len(g_exact) / t_exact:,.0f} regions/s;"
        f" exact/float {t_exact / t_float:.1f}x; same regions as float: {same}"
    )
    if not quick:
        g_split, t_split = timed(
            lambda: region_graph(net, box, engine="planar", exact=True, route="splitting")
        )
        print(
            f"planar 2-64-64-64 exact ({g_split.graph['method']}): {len(g_split)} regions in"
            f" {t_split:.2f} s = {len(g_split) / t_split:,.0f} regions/s;"
            f" exact/float {t_split / t_float:.1f}x"
        )
    # a grid of patterns evaluated in the same time as the float planar engine
    side = 16
    while True:
        xs = np.linspace(-1, 1, side)
        grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
        found, t_grid = timed(lambda: {pf.regions.pattern_key(p) for p in net.pattern(grid)})
        if t_grid >= t_float or side > 4096:
            break
        side *= 2
    print(
        f"dense grid {side}x{side} in {t_grid:.2f} s finds {len(found)} of {len(g_exact)} regions"
    )
    for sizes in ([2, 32, 32, 32, 1], [4, 16, 16, 16, 1]) if not quick else ():
        net = pf.zoo.random_network(sizes, seed=0)
        d = sizes[0]
        g, t = timed(lambda: region_graph(net, Box([-1] * d, [1] * d), engine="lp", exact=False))
        print(
            f"lp engine {'-'.join(map(str, sizes[:-1]))}: {len(g)} regions,"
            f" {g.number_of_edges()} edges in {t:.2f} s = {len(g) / t:,.0f} regions/s"
        )


if __name__ == "__main__":
    main()
