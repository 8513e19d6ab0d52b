"""Exact rationals and the two arithmetic backends of the walk.

A float64 is a dyadic rational, so converting it to a rational is exact. The
exact backend keeps values as numpy object arrays of python-flint ``fmpq``, and
:func:`exact_matmul` multiplies them through ``fmpq_mat`` (C speed); the float
backend uses float64 arrays. The layers themselves are operators
(:mod:`polyfold.operators`) with a float and an exact form.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat, fmpz

from .errors import InvalidInputError, parse_rational

__all__ = [
    "ExactBackend",
    "FloatBackend",
    "as_fmpq",
    "as_fraction",
    "brief",
    "float_array",
    "to_float",
    "to_fraction",
]

_EXACT_SCALARS = (numbers.Integral, Fraction, str, fmpq, fmpz)


def as_fraction(value: Any, name: str) -> Fraction:
    """Convert one scalar to a :class:`Fraction` exactly (floats are dyadic)."""
    if isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"{name}: expected a real number, got a boolean {value!r}")
    if isinstance(value, fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, (numbers.Integral, np.integer, fmpz)):
        return Fraction(int(value))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        return parse_rational(value, name)  # type: ignore[return-value]
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise InvalidInputError(f"{name}: expected finite values, got {value!r}")
        return Fraction(float(value))
    if isinstance(value, (complex, np.complexfloating)):
        raise InvalidInputError(f"{name}: expected real numbers, got complex {value!r}")
    raise InvalidInputError(
        f"{name}: expected a real number (float, int, Fraction or a string such as '1/3'), "
        f"got {type(value).__name__}"
    )


def as_fmpq(value: Any, name: str) -> fmpq:
    """Convert one scalar to ``fmpq`` exactly."""
    if isinstance(value, fmpq):
        return value
    f = as_fraction(value, name)
    return fmpq(f.numerator, f.denominator)


def exact_identity(n: int) -> np.ndarray:
    """The ``n × n`` identity as an object array of :class:`Fraction`."""
    out = np.empty((n, n), dtype=object)
    out.fill(Fraction(0))
    for i in range(n):
        out[i, i] = Fraction(1)
    return out


def exact_zeros(n: int) -> np.ndarray:
    """A length-``n`` vector of ``Fraction(0)``."""
    out = np.empty(n, dtype=object)
    out.fill(Fraction(0))
    return out


def exact_matmul(a: np.ndarray, mat: fmpq_mat) -> np.ndarray:
    """``a @ mat`` for an object array ``a`` of ``fmpq`` rows, through python-flint."""
    rows, inner = a.shape
    if rows == 0:
        return np.empty((0, mat.ncols()), dtype=object)
    prod = fmpq_mat(rows, inner, list(a.ravel())) * mat
    out = np.empty(rows * mat.ncols(), dtype=object)
    out[:] = prod.entries()
    return out.reshape(rows, mat.ncols())


def to_fraction(q: Any) -> Fraction:
    """``fmpq`` (or int/Fraction) to :class:`Fraction`; floats are converted exactly."""
    if isinstance(q, fmpq):
        return Fraction(int(q.p), int(q.q))
    return Fraction(q)


class FloatBackend:
    """float64 arithmetic."""

    exact = False

    @staticmethod
    def scalar(value: Fraction) -> float:
        return float(value)


class ExactBackend:
    """Rational arithmetic: object arrays of ``fmpq``; products through ``fmpq_mat``."""

    exact = True

    @staticmethod
    def array(values: np.ndarray) -> np.ndarray:
        flat = [as_fmpq(v, "value") for v in np.asarray(values, dtype=object).ravel()]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(np.shape(values))

    @staticmethod
    def scalar(value: Fraction) -> fmpq:
        return fmpq(value.numerator, value.denominator)


def brief(values: Any, limit: int = 4) -> str:
    """A short text for an array of exact numbers (reprs must not print 400-digit rationals).

    >>> brief([Fraction(1, 3), Fraction(1, 3**40)])
    '[1/3, 8.22526e-20…]'
    """
    if values is None:
        return "None"
    flat = list(np.asarray(values, dtype=object).ravel())
    shown = [_brief_number(v) for v in flat[:limit]]
    more = f", … ({len(flat)} entries)" if len(flat) > limit else ""
    return "[" + ", ".join(shown) + more + "]"


def _brief_number(v: Any) -> str:
    if isinstance(v, (Fraction, fmpq)):
        text = str(v)
        return text if len(text) <= 12 else f"{float(to_fraction(v)):.6g}…"
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    return f"{v:.6g}" if isinstance(v, (float, np.floating)) else str(v)


def to_float(v: Any) -> float:
    """A rational (or int) as float64, ``±inf`` beyond float64's range instead of an error."""
    try:
        return float(v)
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


def float_array(arr: Any) -> np.ndarray:
    """float64 views of an array of rationals or ints (see :func:`to_float`)."""
    arr = np.asarray(arr, dtype=object)
    return np.array([to_float(v) for v in arr.ravel()], dtype=np.float64).reshape(arr.shape)
