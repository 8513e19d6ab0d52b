"""The library's exceptions: one root class, subclasses where Python users expect them."""

from __future__ import annotations

__all__ = ["InvalidInputError", "PolyfoldError", "UndecidedError", "check_flag"]


class PolyfoldError(Exception):
    """Root of every error raised by polyfold itself."""


class InvalidInputError(PolyfoldError, ValueError):
    """An argument has the wrong shape, type, value or option string.

    The message names the argument and says what was expected.
    """


class UndecidedError(PolyfoldError, ArithmeticError):
    """Float arithmetic could not decide a question; rerun with ``exact=True``."""


def check_flag(value: object, name: str) -> bool:
    """A boolean option, or an error naming it (truthy strings are not accepted)."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise InvalidInputError(f"{name}: expected True or False, got {value!r}")
    return bool(value)
