"""Global folding on digits: one process against a two-worker Dask cluster, in one run.

    python benchmarks/bench_global.py

A 64-32-32-32-32-10 ReLU network trained on scikit-learn's digits, 10 k-means
centroids per class, all 4,500 between-class centroid pairs.
"""

from __future__ import annotations

import time

import polyfold as pf


def main() -> None:
    x, y = pf.datasets.digits()
    net = pf.zoo.digits_mlp((32, 32, 32, 32), seed=0)
    start = time.perf_counter()
    serial = pf.global_folding(net, x, y, clusters=10)
    t_serial = time.perf_counter() - start
    print(
        f"float, one process: {serial.n_paths} segments in {t_serial:.2f} s;"
        f" Phi = {serial.phi} ({float(serial.phi or 0):.4f}),"
        f" folded {float(serial.fraction_folded):.3f}"
    )
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            client.run(lambda: None)  # workers up before timing
            start = time.perf_counter()
            dasked = pf.global_folding(net, x, y, clusters=10, executor=client, chunk=250)
            t_dask = time.perf_counter() - start
            start = time.perf_counter()
            exact_dask = pf.global_folding(
                net, x, y, clusters=10, exact=True, max_pairs=450, executor=client, chunk=25
            )
            t_exact_dask = time.perf_counter() - start
    print(
        f"float, Dask LocalCluster (2 workers): {t_dask:.2f} s; speed-up {t_serial / t_dask:.2f}x;"
        f" same result: {dasked.chi == serial.chi}"
    )
    start = time.perf_counter()
    exact = pf.global_folding(net, x, y, clusters=10, exact=True, max_pairs=450)
    t_exact = time.perf_counter() - start
    print(
        f"exact, one process, 450 of the 4500 segments: {t_exact:.1f} s"
        f" (about {t_exact * 10:.0f} s for all); same chi as float on them:"
        f" {exact.chi == [serial.chi[i] for i in _positions(serial, exact)]}"
    )
    print(
        f"exact, Dask LocalCluster (2 workers), the same 450 segments: {t_exact_dask:.1f} s;"
        f" speed-up {t_exact / t_exact_dask:.2f}x; same result: {exact_dask.chi == exact.chi}"
    )


def _positions(full, part):
    index = {tuple(p): i for i, p in enumerate(full.pairs)}
    return [index[tuple(p)] for p in part.pairs]


if __name__ == "__main__":
    main()
