"""Executor plumbing shared by every batch function: submit once, collect against a deadline.

An executor is a ``concurrent.futures.Executor`` (a local process pool) or a
``distributed.Client``; the latter gets the shared arguments (the network, the
data) scattered to every worker once instead of travelling with each task.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["collect", "submit_all"]


def _is_dask(executor: Any) -> bool:
    return hasattr(executor, "scatter") and hasattr(executor, "gather")


def submit_all(
    executor: Any, fn: Callable[..., Any], shared: Sequence[Any], tasks: Sequence[Sequence[Any]]
) -> list[Any]:
    """One future of ``fn(*shared, *task)`` per task, in order."""
    if _is_dask(executor):
        remote = [executor.scatter(s, broadcast=True) for s in shared]
        return [executor.submit(fn, *remote, *task, pure=False) for task in tasks]
    return [executor.submit(fn, *shared, *task) for task in tasks]


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
