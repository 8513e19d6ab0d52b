"""Executor plumbing shared by every batch function: submit once, collect against a deadline.

An executor is a ``concurrent.futures.Executor`` (a process or thread pool) or
a ``distributed.Client``. The shared arguments (the network, the data) reach
each worker once and stay there, with their caches warm:

- a ``Client`` scatters them to every worker (``broadcast=True``);
- a process pool gets them pickled once, as bytes, beside each task, and each
  worker process unpickles them only the first time it meets them
  (:func:`_call_shared`), so the network's exact weights and operator caches,
  built by its first task, serve all its later tasks;
- a thread pool shares them in memory.
"""

from __future__ import annotations

import concurrent.futures
import pickle
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["collect", "submit_all"]

_SHARED: OrderedDict[str, tuple[Any, ...]] = OrderedDict()  # in each worker process
_SHARED_KEPT = 4  # jobs whose shared arguments a worker keeps


def _is_dask(executor: Any) -> bool:
    return hasattr(executor, "scatter") and hasattr(executor, "gather")


def _call_shared(token: str, blob: bytes, fn: Callable[..., Any], *task: Any) -> Any:
    """``fn(*shared, *task)`` in a worker process, ``shared`` unpickled once per process."""
    shared = _SHARED.get(token)
    if shared is None:
        shared = pickle.loads(blob)
        _SHARED[token] = shared
        while len(_SHARED) > _SHARED_KEPT:
            _SHARED.popitem(last=False)
    return fn(*shared, *task)


def submit_all(
    executor: Any, fn: Callable[..., Any], shared: Sequence[Any], tasks: Sequence[Sequence[Any]]
) -> list[Any]:
    """One future of ``fn(*shared, *task)`` per task, in order."""
    if _is_dask(executor):
        remote = [executor.scatter(s, broadcast=True) for s in shared]
        return [executor.submit(fn, *remote, *task, pure=False) for task in tasks]
    if isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        return [executor.submit(fn, *shared, *task) for task in tasks]
    token = uuid.uuid4().hex
    blob = pickle.dumps(tuple(shared), protocol=pickle.HIGHEST_PROTOCOL)
    return [executor.submit(_call_shared, token, blob, fn, *task) for task in tasks]


def collect(futures: list[Any], take: Callable[[Any], None], deadline: float | None) -> bool:
    """Hand each result to ``take`` in order; past ``deadline`` stop (after the first) and
    cancel the rest. Returns whether every result was taken."""
    for n, future in enumerate(futures):
        left = None if deadline is None or n == 0 else max(0.0, deadline - time.perf_counter())
        try:
            result = future.result(timeout=left)
        except (TimeoutError, concurrent.futures.TimeoutError):
            for rest in futures:
                rest.cancel()
            return False
        take(result)
    return True
