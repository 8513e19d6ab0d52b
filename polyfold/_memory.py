"""How much memory a computation may take, and the signal that a walk needs less.

A walk holds every knot of a layer with every unit's value (and, on the
certified route, its radius): ``knots × width`` numbers, which for a
real-size convolutional layer can exceed the machine. The batch walkers call
:func:`check_walk` before forming those arrays; :class:`WalkTooLarge` tells
the caller to walk the segment in parts (:mod:`polyfold.walks`), whose paths
join into the same exact answer.
"""

from __future__ import annotations

import os
import threading

import numpy as np

__all__ = [
    "Scratch",
    "WalkTooLarge",
    "check_walk",
    "physical_memory",
    "point_chunk",
    "walk_memory_limit",
]


class WalkTooLarge(Exception):
    """A batch walk would hold more than :func:`walk_memory_limit` bytes."""

    def __init__(self, knots: int, width: int, needed: int) -> None:
        super().__init__(f"{knots:,} knots × {width:,} units need about {needed:,} bytes")
        self.knots, self.width, self.needed = knots, width, needed


def physical_memory() -> int:
    """This machine's physical memory in bytes (64 GiB where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 1 << 36


def walk_memory_limit() -> int:
    """The bytes one batch walk may hold: a quarter of the physical memory."""
    return physical_memory() // 4


def check_walk(knots: int, width: int, per_entry: int) -> None:
    """Raise :class:`WalkTooLarge` if ``knots × width`` entries of ``per_entry`` bytes
    (counting the copies a layer's step makes) exceed :func:`walk_memory_limit`."""
    needed = knots * width * per_entry
    if needed > walk_memory_limit():
        raise WalkTooLarge(knots, width, needed)


def point_chunk(width: int, per_entry: int) -> int:
    """How many points a batch evaluation (patterns, samples) takes at once so that its
    ``points × width`` arrays of ``per_entry`` bytes stay within :func:`walk_memory_limit`."""
    return max(1, walk_memory_limit() // max(1, width * per_entry))


class Scratch(threading.local):
    """Working arrays a float walk reuses from layer to layer and from call to call.

    A layer's temporaries are ``knots × units`` arrays of a few megabytes; allocated
    afresh, each one is new memory from the operating system, and filling its pages
    costs about as much as the layer's matrix product. A buffer here is kept (per
    thread) up to ``limit`` bytes and handed out again as a view; bigger requests
    get fresh arrays. The float walk uses ten names, so a thread keeps at most about
    ten times ``limit`` (160 MB), and only after walking layers that large. Callers
    must not keep a view past the next :meth:`take` of the same name.
    """

    def __init__(self, limit: int = 16 << 20) -> None:
        self.limit = limit
        self.buffers: dict[str, np.ndarray] = {}

    def take(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        """An uninitialised array of ``shape`` and ``dtype``, in buffer ``name``."""
        need = 1
        for n in shape:
            need *= n
        buf = self.buffers.get(name)
        if buf is None or buf.size < need or buf.dtype != dtype:
            if need * np.dtype(dtype).itemsize > self.limit:
                return np.empty(shape, dtype)
            size = need if buf is None else max(need, buf.size + buf.size // 2)
            size = min(size, self.limit // np.dtype(dtype).itemsize)
            buf = self.buffers[name] = np.empty(size, dtype)
        return buf[:need].reshape(shape)
