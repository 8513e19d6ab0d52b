"""Progress reports for long runs: tqdm's bar when installed, a line on stderr otherwise."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["progress_bar"]


class _Text:
    def __init__(self, total: int | None, unit: str) -> None:
        self.total, self.unit, self.done = total, unit, 0

    def update(self, n: int = 1) -> None:
        self.done += n
        of = f"/{self.total}" if self.total is not None else ""
        print(f"\r{self.done}{of} {self.unit}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(file=sys.stderr)


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(enabled: bool, *, total: int | None = None, unit: str = "items") -> Any:
    """An object with ``update(n)`` and ``close()``; silent when not ``enabled``."""
    if not enabled:
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Text(total, unit)
    return tqdm(total=total, unit=unit)
