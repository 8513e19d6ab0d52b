"""Φ at the papers' scale: paths per second, one process against two Dask workers.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_phi.py [--paths 100000] [--report 2000]

A digits MLP (64-32x4-10, scikit-learn, seeded); ``fold_paths`` with the
paper's variant over all 90 ordered digit pairs. The same job in the same run
on a two-process pool and on a two-worker ``LocalCluster`` (the answers must
be identical), peak memory of the serial run (tracemalloc: the counts do not
grow with the paths), and ``estimator_report`` at n = 11, 100, 1000 against a
loop over ``chi_sampled``.

Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which makes
glibc hand freed memory back to the system at every large ``free`` — on this
job about 25% of a worker's time. The cluster runs twice: with a trim
threshold of 1 GiB (what the README's cluster section recommends for this
job, whose memory stays flat anyway) and with Dask's default.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import polyfold as pf


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=100_000, help="paths in all")
    parser.add_argument("--report", type=int, default=2_000, help="segments of the report")
    args = parser.parse_args()
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    net = pf.zoo.digits_mlp((32, 32, 32, 32), seed=0)
    per_pair = max(1, args.paths // 90)
    # memory (tracemalloc slows Python down, so it is measured in runs of its own)
    for paths in (8, 80):
        tracemalloc.start()
        small = pf.fold_paths(net, x, y, paths_per_pair=paths, chunk=8)  # one chunk size
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"memory: {small.n_paths:,} paths, peak {peak / 2**20:.1f} MiB")
    start = time.perf_counter()
    serial = pf.fold_paths(net, x, y, paths_per_pair=per_pair, chunk=512)
    t_serial = time.perf_counter() - start
    print(
        f"serial: {serial.n_paths:,} paths in {t_serial:.1f} s"
        f" ({serial.n_paths / t_serial:,.0f} paths/s), phi (paper) {serial.phi},"
        f" phi (deck) {serial.aggregate.phi('deck')}"
    )
    from concurrent.futures import ProcessPoolExecutor

    from distributed import Client, LocalCluster

    def same(other: pf.PhiResult) -> bool:
        return other.phi == serial.phi and all(
            other.aggregate.pairs[k].hist == c.hist for k, c in serial.aggregate.pairs.items()
        )

    with ProcessPoolExecutor(2) as pool:
        pf.fold_paths(net, x, y, paths_per_pair=1, executor=pool)  # warm, as the serial run is
        start = time.perf_counter()
        pooled = pf.fold_paths(net, x, y, paths_per_pair=per_pair, chunk=512, executor=pool)
        t_pool = time.perf_counter() - start
    print(
        f"process pool, 2 workers: {t_pool:.1f} s ({pooled.n_paths / t_pool:,.0f} paths/s,"
        f" {t_serial / t_pool:.2f}x one process); identical: {same(pooled)}"
    )
    # an existing environment variable wins over Dask's pre-spawn default
    for trim in (str(2**30), "65536"):
        os.environ["MALLOC_TRIM_THRESHOLD_"] = trim
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
            with Client(cluster) as client:
                pf.fold_paths(net, x, y, paths_per_pair=1, executor=client)  # warm
                start = time.perf_counter()
                dasked = pf.fold_paths(
                    net, x, y, paths_per_pair=per_pair, chunk=512, executor=client
                )
                t_dask = time.perf_counter() - start
        print(
            f"Dask, 2 workers, MALLOC_TRIM_THRESHOLD_={trim}: {t_dask:.1f} s"
            f" ({dasked.n_paths / t_dask:,.0f} paths/s, {t_serial / t_dask:.2f}x one process);"
            f" identical: {same(dasked)}"
        )
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(x), size=(2, args.report))
    start = time.perf_counter()
    rep = pf.estimator_report(net, x[i], x[j], ns=(11, 100, 1000))
    t_rep = time.perf_counter() - start
    timed = min(200, args.report)
    start = time.perf_counter()
    for k in range(timed):
        for n in (11, 100, 1000):
            pf.chi_sampled(net, x[i[k]], x[j[k]], n=n)
    t_sampled = (time.perf_counter() - start) * args.report / timed
    start = time.perf_counter()
    for k in range(timed):
        pf.walk(net, x[i[k]], x[j[k]])
    t_walks = (time.perf_counter() - start) * args.report / timed
    print(
        f"estimator_report, {args.report:,} segments at n = 11, 100, 1000: {t_rep:.1f} s."
        f" Loops (timed on {timed} segments, scaled): chi_sampled alone {t_sampled:.1f} s"
        f" ({t_sampled / t_rep:.2f}x the report); chi_sampled and one exact walk per"
        f" segment, the report's work, {t_sampled + t_walks:.1f} s"
        f" ({(t_sampled + t_walks) / t_rep:.2f}x)"
    )
    for row in rep.table():
        print("  ", {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()})


if __name__ == "__main__":
    main()
