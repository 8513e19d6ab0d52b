"""The library's exceptions: one root class, subclasses where Python users expect them."""

from __future__ import annotations

import math
import re

__all__ = [
    "MAX_EXPONENT",
    "InvalidInputError",
    "MissingDependencyError",
    "PolyfoldError",
    "UndecidedError",
    "check_budget",
    "check_count",
    "check_flag",
    "check_index",
    "parse_rational",
    "require",
]

# a decimal exponent beyond this would make a number of more digits than any weight needs
# (Fraction("1e1000000000") would build a billion-digit integer: it hangs)
MAX_EXPONENT = 10_000
_MAX_CHARS = 100_000
_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)\s*$")


class PolyfoldError(Exception):
    """Root of every error raised by polyfold itself."""


class InvalidInputError(PolyfoldError, ValueError):
    """An argument has the wrong shape, type, value or option string.

    The message names the argument and says what was expected.
    """


class MissingDependencyError(PolyfoldError, ImportError):
    """An optional package a feature needs is not installed; the message says how to get it."""


_INSTALL = {
    "matplotlib": "pip install polyfold[plot]",
    "torch": "pip install torch==2.13.0 (the CPU build)",
    "onnx": "pip install polyfold[onnx]",
    "onnxruntime": "pip install polyfold[onnx]",
    "distributed": "pip install polyfold[dask]",
}


def require(module: str, feature: str) -> object:
    """Import an optional dependency, or raise an error saying what needs it and how to install.

    Parameters
    ----------
    module
        The module to import.
    feature
        What needs it (named in the error).

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingDependencyError
        When the module is not installed.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{feature} needs {top}: {_INSTALL.get(top, f'pip install {top}')}"
        ) from exc


class UndecidedError(PolyfoldError, ArithmeticError):
    """A question the computation could not decide, rather than a wrong answer.

    Raised by the measures of a smooth walk left with undecided boxes, by
    :func:`~polyfold.globalfold.global_folding` when no smooth walk was
    certified, and by a union-convexity question with neither a separating
    hyperplane nor a leaving segment; each message says what is undecided
    and where to look.
    """


def check_flag(value: object, name: str) -> bool:
    """A boolean option, or an error naming it (truthy strings are not accepted).

    Parameters
    ----------
    value
        The option's value.
    name
        The option's name in the error.

    Returns
    -------
    bool

    Raises
    ------
    InvalidInputError
        When ``value`` is not a bool (or numpy bool).
    """
    if type(value).__name__ not in ("bool", "bool_"):
        raise InvalidInputError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def check_index(value: object, name: str) -> int:
    """An integer index (``int`` or numpy integer; not a bool, float or string).

    Parameters
    ----------
    value
        The index.
    name
        Its name in the error.

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        When ``value`` is not an integer.
    """
    if type(value).__name__ in ("bool", "bool_") or not _is_integer(value):
        raise InvalidInputError(f"{name}: expected an integer index, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def check_count(value: object, name: str, minimum: int = 1) -> int:
    """An integer ``>= minimum``.

    Parameters
    ----------
    value
        The count.
    name
        Its name in the error.
    minimum
        The smallest count allowed.

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        When ``value`` is not an integer or is below ``minimum``.
    """
    if type(value).__name__ in ("bool", "bool_") or not _is_integer(value):
        raise InvalidInputError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:  # type: ignore[call-overload]
        raise InvalidInputError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def check_between(
    value: object,
    name: str,
    low: float,
    high: float,
    *,
    low_closed: bool = False,
    high_closed: bool = False,
) -> float:
    """A real number in the interval from ``low`` to ``high`` (open ends unless closed).

    >>> check_between(0.5, "level", 0, 1)
    0.5
    """
    ok = type(value).__name__ not in ("bool", "bool_") and isinstance(value, (int, float))
    if ok:
        v = float(value)  # type: ignore[arg-type]
        ok = (v >= low if low_closed else v > low) and (v <= high if high_closed else v < high)
    if not ok:
        interval = f"{'[' if low_closed else '('}{low:g}, {high:g}{']' if high_closed else ')'}"
        raise InvalidInputError(f"{name}: expected a number in {interval}, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def check_seeds(value: object, name: str = "seeds") -> list[int]:
    """Seeds: an integer ``n >= 1`` for ``0..n−1``, or the seeds themselves.

    Parameters
    ----------
    value
        ``n`` or an iterable of non-negative integers (not empty).
    name
        The argument's name in the error.

    Returns
    -------
    list of int

    Raises
    ------
    InvalidInputError
        For anything else.

    Examples
    --------
    >>> check_seeds(3), check_seeds((7, 1))
    ([0, 1, 2], [7, 1])
    """
    count = _is_integer(value) and type(value).__name__ not in ("bool", "bool_")
    if count and int(value) >= 1:  # type: ignore[call-overload]
        return list(range(int(value)))  # type: ignore[call-overload]
    try:
        seeds = [] if count or isinstance(value, str) else list(value)  # type: ignore[call-overload]
    except TypeError:
        seeds = []
    if not seeds or any(
        type(v).__name__ in ("bool", "bool_") or not _is_integer(v) or int(v) < 0 for v in seeds
    ):
        raise InvalidInputError(
            f"{name}: expected a count n >= 1 (seeds 0..n-1) or a non-empty list of "
            f"non-negative integers, got {value!r}"
        )
    return [int(v) for v in seeds]


def check_budget(value: object, name: str) -> float:
    """A finite number of seconds ``>= 0``.

    Parameters
    ----------
    value
        The budget in seconds.
    name
        Its name in the error.

    Returns
    -------
    float

    Raises
    ------
    InvalidInputError
        When ``value`` is not a finite number ``>= 0``.
    """
    ok = type(value).__name__ not in ("bool", "bool_") and isinstance(value, (int, float))
    if not ok:
        ok = (
            type(value).__module__ == "numpy"
            and hasattr(value, "dtype")
            and value.dtype.kind in "iuf"
        )
    if not ok or not math.isfinite(float(value)) or float(value) < 0:  # type: ignore[arg-type]
        raise InvalidInputError(f"{name}: expected a finite number of seconds >= 0, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def parse_rational(text: str, name: str) -> object:
    """A string such as ``"1/3"``, ``"-2.5"`` or ``"1e-3"`` as a ``Fraction``, refusing
    strings whose size would exhaust time or memory.

    Parameters
    ----------
    text
        The string.
    name
        Its name in the error.

    Returns
    -------
    fractions.Fraction

    Raises
    ------
    InvalidInputError
        When the string is not a number or would be too large to convert.
    """
    from fractions import Fraction

    s = text.strip()
    if len(s) > _MAX_CHARS:
        raise InvalidInputError(
            f"{name}: a number of {len(s):,} characters is refused (at most {_MAX_CHARS:,})"
        )
    match = _EXPONENT.search(s)
    if match and abs(int(match.group(1))) > MAX_EXPONENT:
        raise InvalidInputError(
            f"{name}: exponent {match.group(1)} in {s[:40]!r} is refused "
            f"(at most {MAX_EXPONENT} in magnitude: the number would have too many digits)"
        )
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidInputError(f"{name}: cannot read {text[:60]!r} as a rational number") from exc


def _is_integer(value: object) -> bool:
    return isinstance(value, int) or (
        type(value).__module__ == "numpy"
        and getattr(value, "dtype", None) is not None
        and value.dtype.kind in "iu"  # type: ignore[attr-defined]
    )
