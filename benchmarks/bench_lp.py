"""The LP engine in any dimension: float, exact by certification, exact by LPs, and relucent.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lp.py                  # a few minutes
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lp.py --lp-exact-all    # + exact LPs, 2-32³

Networks: He-initialised 2-32-32-32 over [-1, 1]² and 4-8-8 over [-1, 1]⁴ (seed 0), as in
the certified-LP issue. Measured in one run, best of ``--repeat``:

- ``float``: the vertex route in float mode (no LP, nothing proven);
- ``exact``: the vertex route in exact mode (the float answer certified in integers);
- ``exact LPs``: the exact LP route (certified LPs); on 4-8-8 only unless ``--lp-exact-all``;
- ``relucent`` (``pip install relucent``; Gurobi's size-limited licence is enough):
  its breadth-first search clipped to the same box, when installed.

Reported: regions and adjacent pairs of each, whether the exact routes agree node for node
and edge for edge, and the time ratios. relucent joins every two found regions whose
patterns differ in one bit; the pairs it adds are checked to be one bit apart with no
facet in polyfold's exact graph (they share no facet inside the box).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import polyfold as pf
from polyfold.regions import pattern_key, region_graph


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, min(times)


def same(G, H):
    edges = {frozenset(e): G.edges[e]["flips"] for e in G.edges}
    return set(G.nodes) == set(H.nodes) and edges == {
        frozenset(e): H.edges[e]["flips"] for e in H.edges
    }


def relucent_graph(net):
    """relucent's regions (as polyfold pattern keys) and adjacent pairs, or None."""
    try:
        import relucent
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    mods = []
    for i, (w, b) in enumerate(net.weights):
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w))
            lin.bias.copy_(torch.tensor(b))
        mods.append(lin)
        if i < len(net.weights) - 1:
            mods.append(torch.nn.ReLU())
    cplx = relucent.Complex(torch.nn.Sequential(*mods))
    res = cplx.bfs(cube_radius=1.0, cube_mode="clipped", nworkers=1, verbose=0)
    graph = cplx.G

    def key(poly):
        return pattern_key(np.asarray(poly.ss_np) > 0)

    nodes = {key(p) for p in graph.nodes}
    edges = {frozenset((key(a), key(b))) for a, b in graph.edges}
    return nodes, edges, res.complete


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lp-exact-all", action="store_true")
    parser.add_argument("--no-relucent", action="store_true")
    args = parser.parse_args()
    region_graph(pf.zoo.random_network([3, 3, 1]), pf.Box([-1] * 3, [1] * 3))  # warm imports
    for sizes in ([2, 32, 32, 32, 1], [4, 8, 8, 1]):
        name = "-".join(map(str, sizes[:-1]))
        d = sizes[0]
        net = pf.zoo.random_network(sizes, seed=0)
        box = pf.Box([-1] * d, [1] * d)

        def run(exact, route, net=net, box=box):
            return region_graph(net, box, engine="lp", exact=exact, route=route)

        g_float, t_float = best(lambda: run(False, "vertex"), args.repeat)
        g_exact, t_exact = best(lambda: run(True, "vertex"), args.repeat)
        print(
            f"{name}: float {len(g_float)} regions, {g_float.number_of_edges()} pairs,"
            f" {t_float:.2f} s; exact ({g_exact.graph['route']}, fallback"
            f" {g_exact.graph['fallback']}) {len(g_exact)} regions,"
            f" {g_exact.number_of_edges()} pairs, {t_exact:.2f} s;"
            f" exact/float {t_exact / t_float:.1f}x;"
            f" same regions and pairs as float: {same(g_exact, g_float)}",
            flush=True,
        )
        if d != 2 or args.lp_exact_all:
            g_lp, t_lp = best(lambda: run(True, "lp"), 1)
            print(
                f"{name}: exact LPs {t_lp:.2f} s ({t_lp / t_float:.0f}x float);"
                f" certified exact is {t_lp / t_exact:.1f}x faster;"
                f" identical graphs: {same(g_exact, g_lp)}",
                flush=True,
            )
        if args.no_relucent:
            continue
        start = time.perf_counter()
        found = relucent_graph(net)
        t_rel = time.perf_counter() - start
        if found is None:
            print(f"{name}: relucent not installed (pip install relucent)")
            continue
        nodes, edges, complete = found
        ours = {frozenset(e) for e in g_exact.edges}
        extra = edges - ours
        one_bit = all(
            sum(x != y for x, y in zip(*sorted(pair))) == 1 for pair in extra if len(pair) == 2
        )
        print(
            f"{name}: relucent {len(nodes)} regions, {len(edges)} pairs, {t_rel:.2f} s"
            f" (complete {complete}); same regions: {nodes == set(g_exact.nodes)};"
            f" its pairs ⊇ ours: {ours <= edges}; {len(extra)} extra pairs, all one bit"
            f" apart with no shared facet in the exact graph: {one_bit};"
            f" polyfold exact is {t_rel / t_exact:.1f}x faster, float {t_rel / t_float:.0f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
