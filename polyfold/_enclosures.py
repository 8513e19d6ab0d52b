"""Rigorous enclosures of the smooth activations and their derivatives on intervals.

For tanh, sigmoid, GELU and SiLU: ``σ``, ``σ'`` and (for the mean-value form)
``σ''`` on a float64 interval, rounded outwards. ``elementary="arb"`` evaluates
them in Arb ball arithmetic (python-flint; F. Johansson, *Arb: efficient
arbitrary-precision midpoint-radius interval arithmetic*, IEEE Trans. Computers
66(8), 2017, doi:10.1109/TC.2017.2690633), ``"float"`` with numpy/scipy widened
by ``2**-40``. Monotone pieces are bounded by their end values; the extrema of
GELU and SiLU and of every ``σ'`` are bracketed once, their sign changes
certified in Arb, so an interval that contains one is bounded by it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ._numeric import TINY, down, up
from .errors import InvalidInputError


@dataclass(frozen=True)
class _Extremum:
    """A critical point bracketed in ``[c_lo, c_hi]`` with its value in ``[v_lo, v_hi]``."""

    c_lo: float
    c_hi: float
    v_lo: float
    v_hi: float


def _arb_functions() -> dict[str, tuple[Callable[[Any], Any], ...]]:
    """σ, σ' and σ'' in Arb ball arithmetic (python-flint): rigorous error bounds."""
    from flint import arb

    def sig(z: Any) -> Any:
        return 1 / (1 + (-z).exp())

    def dsig(z: Any) -> Any:
        return sig(z) * sig(-z)

    def cdf(z: Any) -> Any:
        return (-z / arb(2).sqrt()).erfc() / 2  # no cancellation for z ≪ 0

    def pdf(z: Any) -> Any:
        return (-z * z / 2).exp() / (2 * arb.pi()).sqrt()

    return {
        "tanh": (
            lambda z: z.tanh(),
            lambda z: 1 / z.cosh() ** 2,
            lambda z: -2 * z.tanh() / z.cosh() ** 2,
        ),
        "sigmoid": (sig, dsig, lambda z: dsig(z) * (1 - 2 * sig(z))),
        "gelu": (
            lambda z: z * cdf(z),
            lambda z: cdf(z) + z * pdf(z),
            lambda z: pdf(z) * (2 - z * z),
        ),
        "silu": (
            lambda z: z * sig(z),
            lambda z: sig(z) * (1 + z * sig(-z)),
            lambda z: dsig(z) * (2 - z * (z / 2).tanh()),
        ),
    }


def _ball_bounds(v: Any) -> tuple[float, float]:
    """Float bounds of an Arb ball, rounded outwards."""
    mid, rad = float(v.mid()), math.nextafter(float(v.rad()), math.inf)
    low = math.nextafter(math.nextafter(mid, -math.inf) - rad, -math.inf)
    high = math.nextafter(math.nextafter(mid, math.inf) + rad, math.inf)
    return low, high


def _np_functions() -> dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]]:
    from scipy.special import erfc, expit

    def cdf(z: Any) -> Any:
        return 0.5 * erfc(-z / np.sqrt(2.0))  # no cancellation for z ≪ 0

    def pdf(z: Any) -> Any:
        return np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)

    def dtanh(z: Any) -> Any:
        with np.errstate(over="ignore"):
            return 1.0 / np.cosh(z) ** 2

    return {
        "tanh": (np.tanh, dtanh),
        "sigmoid": (expit, lambda z: expit(z) * expit(-z)),
        "gelu": (lambda z: z * cdf(z), lambda z: cdf(z) + z * pdf(z)),
        "silu": (lambda z: z * expit(z), lambda z: expit(z) * (1.0 + z * expit(-z))),
    }


@contextmanager
def _precision(bits: int) -> Iterator[None]:
    """Arb's working precision, restored afterwards."""
    from flint import ctx

    old = ctx.prec
    ctx.prec = bits
    try:
        yield
    finally:
        ctx.prec = old


@cache
def _extrema() -> dict[tuple[str, bool], tuple[_Extremum, ...]]:
    """Every critical point of each smooth σ and σ', bracketed and checked in Arb.

    Between consecutive critical points a function is monotone, so its range on
    an interval is the hull of its values at the ends and at the critical points
    inside. Each critical point is located by bisection on the sign of the next
    derivative, bracketed where Arb certifies opposite signs, and its value is
    enclosed by evaluating on the whole bracket.
    """
    fns = _arb_functions()
    with _precision(128):
        return _bracket_all(fns)


def _bracket_all(fns: dict[str, tuple[Callable[[Any], Any], ...]]) -> dict:
    from flint import arb

    # (name, of the derivative?) -> a bracket around each critical point
    starts: dict[tuple[str, bool], list[tuple[float, float]]] = {
        ("tanh", False): [],
        ("sigmoid", False): [],
        ("gelu", False): [(-1.0, -0.5)],
        ("silu", False): [(-1.5, -1.0)],
        ("tanh", True): [(-0.5, 0.5)],
        ("sigmoid", True): [(-0.5, 0.5)],
        ("gelu", True): [(-1.6, -1.2), (1.2, 1.6)],
        ("silu", True): [(-2.6, -2.2), (2.2, 2.6)],
    }
    found: dict[tuple[str, bool], tuple[_Extremum, ...]] = {}
    for (name, deriv), brackets in starts.items():
        value, slope = fns[name][1:] if deriv else fns[name][:2]
        out = []
        for lo, hi in brackets:
            s_lo = slope(arb(lo)) > 0
            for _ in range(60):  # bisect to a bracket of about 1e-15
                mid = 0.5 * (lo + hi)
                if (slope(arb(mid)) > 0) == s_lo:
                    lo = mid
                else:
                    hi = mid
            lo, hi = lo - 1e-12, hi + 1e-12
            a_lo, a_hi = slope(arb(lo)), slope(arb(hi))
            if not ((a_lo > 0 and a_hi < 0) or (a_lo < 0 and a_hi > 0)):
                raise AssertionError(f"critical point of {name} not bracketed")  # pragma: no cover
            ball = value(arb(0.5 * (lo + hi), 0.5 * (hi - lo) + 2.0**-60))
            out.append(_Extremum(lo, hi, *_ball_bounds(ball)))
        found[(name, deriv)] = tuple(out)
    return found


def _smooth_bounds(
    name: str, deriv: bool, x: np.ndarray, elementary: str
) -> tuple[np.ndarray, np.ndarray]:
    """Certified lower and upper bounds of ``σ(x)`` (or ``σ'(x)``) at points ``x``."""
    # GELU' = Φ + zφ and SiLU' = s(1 + z(1 − s)) add terms of size up to 1 that cancel
    # near their roots: there the float error is absolute, not relative to the result
    cancels = deriv and name in ("gelu", "silu")
    if elementary == "float":
        f = _np_functions()[name][1 if deriv else 0]
        with np.errstate(over="ignore", under="ignore"):
            v = np.asarray(f(x), dtype=np.float64)
        slack = np.abs(v) * 2.0**-40 + (2.0**-40 if cancels else TINY)
        return down(v - slack), up(v + slack)
    return _arb_ball(name, deriv, x, x)


def _arb_ball(
    name: str, deriv: bool, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of ``σ`` (or ``σ'``) over each ``[lo, hi]``: Arb on a ball that covers it."""
    from flint import arb

    f = _arb_functions()[name][1 if deriv else 0]
    mid = 0.5 * (lo + hi)
    rad = up(np.maximum(mid - lo, hi - mid))
    with _precision(80):
        bounds = [
            _ball_bounds(f(arb(m, r))) for m, r in zip(mid.ravel().tolist(), rad.ravel().tolist())
        ]
    out_lo = np.array([b[0] for b in bounds]).reshape(lo.shape)
    out_hi = np.array([b[1] for b in bounds]).reshape(lo.shape)
    return out_lo, out_hi


def act_hull(
    act: Any, deriv: bool, lo: np.ndarray, hi: np.ndarray, elementary: str
) -> tuple[np.ndarray, np.ndarray]:
    """An enclosure of ``σ([lo, hi])`` (``deriv``: of ``σ'``, generalised at kinks)."""
    name = act.name
    if name in ("tanh", "sigmoid", "gelu", "silu"):
        if elementary == "arb" and np.all(hi - lo <= 2.0**-20 * (1 + np.abs(lo))):
            return _arb_ball(name, deriv, lo, hi)  # narrow: one ball evaluation each
        llo, lhi = _smooth_bounds(name, deriv, lo, elementary)
        hlo, hhi = _smooth_bounds(name, deriv, hi, elementary)
        out_lo, out_hi = np.minimum(llo, hlo), np.maximum(lhi, hhi)
        for e in _extrema()[(name, deriv)]:
            inside = (lo <= e.c_hi) & (hi >= e.c_lo)
            out_lo = np.where(inside, np.minimum(out_lo, e.v_lo), out_lo)
            out_hi = np.where(inside, np.maximum(out_hi, e.v_hi), out_hi)
        return out_lo, out_hi
    one, zero = np.ones_like(lo), np.zeros_like(lo)
    if name == "identity":
        return (one, one) if deriv else (lo, hi)
    if name == "relu":
        if deriv:
            return np.where(lo > 0, one, zero), np.where(hi < 0, zero, one)
        return np.maximum(lo, 0.0), np.maximum(hi, 0.0)
    if name == "leaky_relu":
        s = float(act.slope)
        if deriv:
            a, b = np.where(lo > 0, 1.0, s), np.where(hi < 0, s, 1.0)
            return down(np.minimum(a, b)), up(np.maximum(a, b))
        return down(np.where(lo > 0, lo, lo * s)), up(np.where(hi > 0, hi, hi * s))
    if name == "hardtanh":
        if deriv:
            inner = (lo > -1) & (hi < 1)
            touches = (hi >= -1) & (lo <= 1)
            return np.where(inner, one, zero), np.where(touches, one, zero)
        return np.clip(lo, -1.0, 1.0), np.clip(hi, -1.0, 1.0)
    if name == "abs":
        if deriv:
            return np.where(lo > 0, one, -one), np.where(hi < 0, -one, one)
        straddle = (lo <= 0) & (hi >= 0)
        small = np.minimum(np.abs(lo), np.abs(hi))
        return np.where(straddle, 0.0, small), np.maximum(np.abs(lo), np.abs(hi))
    raise InvalidInputError(f"net: activation {name} is not supported by smooth_walk")
