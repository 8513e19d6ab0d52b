"""Activations: piecewise-linear ones described by their kinks and threshold crossings.

The walk needs two things from an activation ``σ``: where it kinks (so that
``σ(z(t))`` is linear between consecutive knots) and where ``σ(z) = τ`` is
crossed (so that the bit ``σ(z) > τ`` is constant between knots). Both are
finite sets of pre-activation values, returned by :meth:`Activation.critical`.
Smooth activations (tanh, sigmoid, GELU, SiLU) have no such finite description;
they evaluate in float64 and :mod:`polyfold.smooth` encloses their crossings.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq

from ._arith import as_fraction
from .errors import InvalidInputError

__all__ = ["ACTIVATIONS", "Activation", "get_activation"]


@dataclass(frozen=True)
class Activation:
    """An activation: continuous piecewise-linear, or smooth.

    ``name`` is one of ``"relu"``, ``"leaky_relu"``, ``"hardtanh"``, ``"abs"``,
    ``"identity"`` or a smooth ``"tanh"``, ``"sigmoid"``, ``"gelu"``,
    ``"silu"``; ``slope`` is leaky ReLU's negative slope.

    Parameters
    ----------
    name
        The activation's name (see above).
    slope
        Leaky ReLU's slope for ``z < 0`` (``0`` for the others).
    """

    name: str
    slope: Fraction = Fraction(0)

    @property
    def smooth(self) -> bool:
        """Whether the activation is smooth (tanh, sigmoid, GELU, SiLU), so float-only."""
        return self.name in SMOOTH

    @property
    def kinks(self) -> tuple[Fraction, ...]:
        if self.name in ("relu", "leaky_relu", "abs"):
            return (Fraction(0),)
        if self.name == "hardtanh":
            return (Fraction(-1), Fraction(1))
        return ()

    def level_set(self, tau: Fraction) -> tuple[Fraction, ...]:
        """Pre-activation values ``z`` on non-constant pieces with ``σ(z) = τ``.

        Parameters
        ----------
        tau
            The threshold ``τ`` of the pattern.

        Returns
        -------
        tuple of fractions.Fraction
            The values, exactly (none when ``τ`` lies outside the range of the
            non-constant pieces).
        """
        name = self.name
        if name == "relu":
            return (tau,) if tau > 0 else ()
        if name == "leaky_relu":
            if tau > 0:
                return (tau,)
            if tau < 0 and self.slope > 0:
                return (tau / self.slope,)
            return ()
        if name == "hardtanh":
            return (tau,) if -1 < tau < 1 else ()
        if name == "abs":
            return (-tau, tau) if tau > 0 else ()
        return (tau,)

    def critical(self, tau: Fraction) -> tuple[Fraction, ...]:
        """Kinks and threshold crossings, sorted and without repeats.

        Parameters
        ----------
        tau
            The threshold ``τ`` of the pattern.

        Returns
        -------
        tuple of fractions.Fraction
            The pre-activation values where a unit's bit or slope can change.
        """
        return tuple(sorted(set(self.kinks) | set(self.level_set(tau))))

    def slopes(self, z: Any) -> list[Fraction]:
        """The exact slope ``σ'`` of the piece just below each value of ``z`` (exact numbers).

        On a linear region every unit sits on one piece; at a kink this is the
        slope from below — so a ReLU unit exactly at 0 counts as inactive, as its
        bit does. Piecewise-linear activations only.

        Parameters
        ----------
        z
            Exact pre-activation values (ints, ``Fraction`` or ``fmpq``).

        Returns
        -------
        list of fractions.Fraction
            One slope per value: ``1`` or ``0`` (ReLU), ``1`` or the slope (leaky
            ReLU), ``1`` on ``(−1, 1]`` and ``0`` outside (hard tanh), ``±1``
            (absolute value), ``1`` (identity).

        Raises
        ------
        InvalidInputError
            For a smooth activation.

        Examples
        --------
        >>> get_activation("hardtanh").slopes([Fraction(-2), Fraction(-1), Fraction(0), 1])
        [Fraction(0, 1), Fraction(0, 1), Fraction(1, 1), Fraction(1, 1)]
        """
        if self.smooth:
            raise InvalidInputError(
                f"net: {self.name} is smooth: it has no linear pieces (use a piecewise-linear "
                "network, or polyfold.smooth for its crossings)"
            )
        one, zero = Fraction(1), Fraction(0)
        name = self.name
        if name == "identity":
            return [one for _ in z]
        if name == "relu":
            return [one if v > 0 else zero for v in z]
        if name == "leaky_relu":
            return [one if v > 0 else self.slope for v in z]
        if name == "hardtanh":
            return [one if -1 < v <= 1 else zero for v in z]
        return [one if v > 0 else -one for v in z]  # abs

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Apply elementwise; works on float64 and on exact object arrays."""
        name = self.name
        if name == "identity":
            return z
        if name in SMOOTH:
            if z.dtype == object:
                raise InvalidInputError(
                    f"net: {name} has irrational values; evaluate it with exact=False "
                    "(polyfold.smooth encloses its threshold crossings rigorously)"
                )
            return smooth_value(name, z)
        zero = z * 0
        if name == "relu":
            return np.where(z > 0, z, zero)
        if name == "leaky_relu":
            slope: Any = float(self.slope)
            if z.dtype == object:
                slope = fmpq(self.slope.numerator, self.slope.denominator)
            return np.where(z > 0, z, z * slope)
        if name == "hardtanh":
            one = zero + 1
            return np.where(z > 1, one, np.where(z < -1, -one, z))
        if name == "abs":
            return np.where(z < 0, -z, z)
        raise AssertionError(name)


SMOOTH = ("tanh", "sigmoid", "gelu", "silu")
ACTIVATIONS = ("relu", "leaky_relu", "hardtanh", "abs", "identity", *SMOOTH)


def smooth_value(name: str, z: np.ndarray) -> np.ndarray:
    """A smooth activation in float64."""
    from scipy.special import erf, expit

    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return expit(z)
    if name == "gelu":
        return 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))
    return z * expit(z)  # silu


def get_activation(spec: Any, name: str = "activation") -> Activation:
    """Turn ``"relu"``, ``("leaky_relu", 0.01)`` or an :class:`Activation` into one.

    Parameters
    ----------
    spec
        A name, a ``(name, slope)`` pair for leaky ReLU, or an :class:`Activation`.
    name
        The argument's name in error messages.

    Returns
    -------
    Activation

    Raises
    ------
    InvalidInputError
        For an unknown name or a slope that is not a number.
    """
    if isinstance(spec, Activation):
        return spec
    slope = Fraction(1, 100)
    if isinstance(spec, tuple) and len(spec) == 2 and spec[0] == "leaky_relu":
        spec, slope = spec[0], as_fraction(spec[1], f"{name} slope")
    if not isinstance(spec, str) or spec not in ACTIVATIONS:
        raise InvalidInputError(
            f"{name}: expected one of {', '.join(ACTIVATIONS)} "
            f"(or ('leaky_relu', slope)), got {spec!r}"
        )
    if spec == "leaky_relu":
        if slope < 0:
            raise InvalidInputError(f"{name}: leaky ReLU slope must be >= 0, got {slope}")
        return Activation("leaky_relu", slope)
    return Activation(spec)
