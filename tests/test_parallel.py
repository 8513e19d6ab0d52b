"""The executor plumbing: shared arguments reach each worker once and stay warm."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from polyfold import _parallel


def _ident(shared, task):
    return id(shared), task


def test_a_worker_unpickles_the_shared_arguments_once_per_job():
    blob = pickle.dumps(({"weights": [1, 2, 3]},))
    first = _parallel._call_shared("job-a", blob, _ident, 1)
    second = _parallel._call_shared("job-a", blob, _ident, 2)
    assert first[0] == second[0] and (first[1], second[1]) == (1, 2)  # the same object
    other = _parallel._call_shared("job-b", blob, _ident, 3)
    assert other[0] != first[0]  # a new job unpickles its own copy
    for k in range(_parallel._SHARED_KEPT + 2):  # old jobs are dropped, not kept forever
        _parallel._call_shared(f"job-{k}", blob, _ident, k)
    assert len(_parallel._SHARED) <= _parallel._SHARED_KEPT


def _pid_and_shared(shared, task):
    import os

    return os.getpid(), id(shared), task


def test_pools_run_every_task_in_order_with_shared_arguments_kept():
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = _parallel.submit_all(
            pool, _pid_and_shared, ([0] * 1000,), [(k,) for k in range(12)]
        )
        got = [f.result() for f in futures]
    assert [t for _, _, t in got] == list(range(12))
    per_process: dict = {}
    for pid, ident, _ in got:
        per_process.setdefault(pid, set()).add(ident)
    assert all(len(ids) == 1 for ids in per_process.values())  # one copy per worker
    shared = [1, 2]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = _parallel.submit_all(pool, _ident, (shared,), [(k,) for k in range(4)])
        assert {f.result()[0] for f in futures} == {id(shared)}  # threads share it in memory
