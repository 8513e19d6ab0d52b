"""polyfold against Regioncam, side by side in one process (best of ``--repeat``).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_peers.py [--repeat 3] [--quick]

Regioncam (Rust, float32; ``pip install regioncam``) is the peer for 2-D tessellations
and for the regions along one segment. Rows (He-initialised networks, seed 0):

- 2-D regions over [-1, 1]² of 2-32³, 2-64³, 2-128⁴ and a leaky-ReLU 2-64³:
  ``arrays`` is :func:`polyfold.region_arrays` (the lean result), ``graph`` is
  ``region_graph(exact=False)`` (networkx graph included);
- one segment between two random normal points of 784-512³-10 and 784-100×5-10:
  the float walk (``walk(exact=False, method="float")``) against ``Regioncam1D``
  over the same segment (``through_points(..., size=2)``).

Both tools' region / piece counts are printed; where they differ the exact certified
route (2-D) or the exact walk (1-D) says which is right, and the report names the
regions only one tool has, with their exact areas.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import polyfold as pf


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, min(times)


def regioncam_2d(net, slope):
    import regioncam

    rc = regioncam.Regioncam(size=1.0)  # the square [-1, 1]^2
    for w, b in net.weights[:-1]:
        rc.linear(np.asarray(w.T, dtype=np.float32), np.asarray(b, dtype=np.float32))
        if slope:
            rc.leaky_relu(slope)
        else:
            rc.relu()
    return rc


def regioncam_1d(net, x1, x2):
    import regioncam

    rc = regioncam.Regioncam1D.through_points(np.array([x1, x2], dtype=np.float32), size=2.0)
    for w, b in net.weights[:-1]:
        rc.linear(np.asarray(w.T, dtype=np.float32), np.asarray(b, dtype=np.float32))
        rc.relu()
    return rc


def planar(repeat: int, quick: bool) -> None:
    box = pf.Box([-1, -1], [1, 1])
    rows = [("2-32³", [2, 32, 32, 32, 1], 0.0), ("2-64³", [2, 64, 64, 64, 1], 0.0)]
    rows.append(("2-64³ leaky 0.1", [2, 64, 64, 64, 1], 0.1))
    if not quick:
        rows.append(("2-128⁴", [2, 128, 128, 128, 128, 1], 0.0))
    print("2-D regions over [-1,1]^2       regions (polyfold/regioncam)  arrays/rc  graph/rc")
    for name, sizes, slope in rows:
        net = pf.zoo.random_network(sizes, seed=0)
        if slope:
            net = pf.Network.from_layers(net.weights, activation=("leaky_relu", slope))
        rc, t_rc = best(lambda: regioncam_2d(net, slope), repeat)
        cells, t_arr = best(lambda: pf.region_arrays(net, box), repeat)
        _, t_graph = best(lambda: pf.region_graph(net, box, exact=False), repeat)
        n_rc = rc.num_faces
        print(
            f"{name:30s} {len(cells):>8,} / {n_rc:<8,} {t_arr / t_rc:>16.2f}x"
            f" {t_graph / t_rc:>8.2f}x   (regioncam {1e3 * t_rc:.1f} ms)",
            flush=True,
        )
        if len(cells) != n_rc:
            explain_2d(net, box, cells, rc)


def explain_2d(net, box, cells, rc) -> None:
    """Which tool is right where the counts differ: the exact certified route decides."""
    exact = pf.region_graph(net, box)
    mine = set(cells.keys())
    corners = np.asarray(rc.vertex_inputs, dtype=np.float64)
    centres = np.array([corners[np.asarray(f.vertex_ids)].mean(axis=0) for f in rc.faces])
    theirs = {pf.regions.pattern_key(p) for p in net.pattern(centres, exact=False)}
    only_mine = sorted(mine - theirs)
    areas = [float(exact.nodes[k]["area"]) for k in only_mine if k in exact.nodes]
    print(
        f"    exact route: {len(exact)} regions (certified={exact.graph['certified']});"
        f" polyfold float agrees with it: {mine == set(exact.nodes)};"
        f" regions regioncam lacks: {len(only_mine)}, exact areas {areas[:6]}"
    )


def segments(repeat: int) -> None:
    rng = np.random.default_rng(0)
    print("one segment                     pieces (polyfold/regioncam)  walk/rc")
    for name, sizes in (
        ("784-512³-10", [784, 512, 512, 512, 10]),
        ("784-100×5-10", [784, *[100] * 5, 10]),
    ):
        net = pf.zoo.random_network(sizes, seed=0)
        x1, x2 = rng.normal(size=(2, sizes[0]))
        rc, t_rc = best(lambda: regioncam_1d(net, x1, x2), max(repeat, 5))
        path, t_walk = best(
            lambda: pf.walk(net, x1, x2, exact=False, method="float"), max(repeat, 5)
        )
        n_rc = rc.num_edges
        print(
            f"{name:30s} {path.n_pieces:>8,} / {n_rc:<8,} {t_walk / t_rc:>10.2f}x"
            f"   (regioncam {1e3 * t_rc:.2f} ms)",
            flush=True,
        )
        if path.n_pieces != n_rc:
            exact = pf.walk(net, x1, x2)
            print(
                f"    exact walk: {exact.n_pieces} pieces (polyfold float agrees: "
                f"{exact.n_pieces == path.n_pieces})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip 2-128⁴")
    args = parser.parse_args()
    try:
        import regioncam  # noqa: F401
    except ImportError:
        raise SystemExit("bench_peers needs Regioncam: pip install regioncam") from None
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    pf.region_arrays(pf.zoo.random_network([2, 4, 1]), pf.Box([-1, -1], [1, 1]))  # warm up
    planar(args.repeat, args.quick)
    segments(args.repeat)


if __name__ == "__main__":
    main()
