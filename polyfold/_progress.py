"""Progress reports for long runs: tqdm's bar when installed, a line on stderr otherwise.

``progress=None`` (the default of every long operation) means: a bar when
stderr is an interactive terminal, shown only once the run has taken more
than a second; nothing in pipes, files and tests. ``True`` and ``False`` force it.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from .errors import InvalidInputError

__all__ = ["check_progress", "progress_bar"]

_DELAY = 1.0  # seconds before an automatic bar appears


def check_progress(value: Any) -> bool | None:
    """``progress``: True, False or None (automatic)."""
    if value is not None and type(value).__name__ not in ("bool", "bool_"):
        raise InvalidInputError(
            f"progress: expected True, False or None (automatic), got {value!r}"
        )
    return None if value is None else bool(value)


class _Text:
    def __init__(self, total: int | None, unit: str, delay: float) -> None:
        self.total, self.unit, self.done = total, unit, 0
        self.start, self.delay, self.shown = time.perf_counter(), delay, False

    def update(self, n: int = 1) -> None:
        self.done += n
        if time.perf_counter() - self.start < self.delay:
            return
        self.shown = True
        of = f"/{self.total}" if self.total is not None else ""
        print(f"\r{self.done}{of} {self.unit}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.shown:
            print(file=sys.stderr)


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(enabled: bool | None, *, total: int | None = None, unit: str = "items") -> Any:
    """An object with ``update(n)`` and ``close()``; silent when not ``enabled``.

    ``enabled=None``: automatic (an interactive stderr, and only after a second).
    """
    enabled = check_progress(enabled)
    delay = 0.0
    if enabled is None:
        if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            return _Silent()
        delay = _DELAY
    if not enabled and enabled is not None:
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Text(total, unit, delay)
    return tqdm(total=total, unit=unit, delay=delay)
