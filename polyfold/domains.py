"""Input domains: boxes, polytopes, and low-dimensional affine slices.

Every domain is a bounded full-dimensional polytope ``{x : A x ≤ b}`` with
exact rational ``A`` and ``b``. A :class:`Slice` is an affine subspace
``x = origin + basis · α`` with a domain for ``α``; composing it into a
network's first layer gives a ``k``-input network that the rest of the
machinery treats like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, Union

import numpy as np

from ._arith import exact_identity
from .errors import InvalidInputError
from .geometry import bounding_box, clip_polygon
from .lp import interior_point
from .network import Network, exact_matrix

__all__ = ["Box", "Domain", "Polytope", "Slice", "as_domain"]


@dataclass(frozen=True, eq=False)
class Polytope:
    """``{x : A x ≤ b}``, which must be bounded with non-empty interior.

    Parameters
    ----------
    A
        The constraint matrix, ``(m, d)`` (exact rationals accepted).
    b
        The right-hand side, ``(m,)``.
    check
        Whether to prove that the polytope is bounded with non-empty interior
        (one LP each).

    Raises
    ------
    InvalidInputError
        When the shapes do not match or, with ``check``, the set is empty,
        flat or unbounded.

    Examples
    --------
    >>> Polytope([[1, 0], [0, 1], [-1, -1]], [1, 1, 0]).dim
    2
    """

    A: np.ndarray
    b: np.ndarray

    def __init__(self, A: Any, b: Any, *, check: bool = True) -> None:
        a_q = exact_matrix(A, "A")
        b_q = exact_matrix(b, "b")
        if a_q.ndim != 2 or a_q.shape[0] == 0 or b_q.shape != (a_q.shape[0],):
            raise InvalidInputError(
                f"A, b: expected shapes (m, d) and (m,), got {a_q.shape} and {b_q.shape}"
            )
        object.__setattr__(self, "A", a_q)
        object.__setattr__(self, "b", b_q)
        if check:
            self._check()

    @property
    def dim(self) -> int:
        return int(self.A.shape[1])

    def _check(self) -> None:
        if not interior_point(self.A, self.b):
            raise InvalidInputError("domain: the polytope is empty or has empty interior")
        lo, hi = self.bounds
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            raise InvalidInputError("domain: the polytope is unbounded; add bounding inequalities")

    @cached_property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """A float64 bounding box (from LPs); ``±inf`` where unbounded."""
        return bounding_box(self.A, self.b)

    def contains(self, x: Any) -> bool:
        """Whether ``x`` (exact) satisfies ``A x ≤ b``.

        Parameters
        ----------
        x
            One point (converted exactly).

        Returns
        -------
        bool
        """
        xq = exact_matrix(x, "x")
        return bool(all(v <= 0 for v in self.A.dot(xq) - self.b))

    def vertices_2d(self) -> list[tuple[Fraction, Fraction]]:
        """The vertices of a 2-D polytope in counter-clockwise order, exactly.

        Returns
        -------
        list of tuple
            ``(x, y)`` pairs of ``Fraction``.

        Raises
        ------
        InvalidInputError
            When the polytope is not 2-D.
        """
        if self.dim != 2:
            raise InvalidInputError(f"domain: expected a 2-D polytope, got dimension {self.dim}")
        lo, hi = self.bounds
        box = [
            (Fraction(np.floor(lo[0])) - 1, Fraction(np.floor(lo[1])) - 1),
            (Fraction(np.ceil(hi[0])) + 1, Fraction(np.floor(lo[1])) - 1),
            (Fraction(np.ceil(hi[0])) + 1, Fraction(np.ceil(hi[1])) + 1),
            (Fraction(np.floor(lo[0])) - 1, Fraction(np.ceil(hi[1])) + 1),
        ]
        poly = box
        for (a0, a1), bi in zip(self.A, self.b):
            poly = clip_polygon(poly, a0, a1, -bi)
        return poly


class Box(Polytope):
    """The box ``lo ≤ x ≤ hi`` (finite bounds, ``lo < hi`` in every coordinate).

    Parameters
    ----------
    lo, hi
        The lower and upper corners (exact rationals accepted).

    Raises
    ------
    InvalidInputError
        When the corners differ in length, are not finite, or ``lo < hi``
        fails in some coordinate.

    Examples
    --------
    >>> Box([-1, -1], [1, 1]).dim
    2
    """

    lo: np.ndarray
    hi: np.ndarray

    def __init__(self, lo: Any, hi: Any) -> None:
        lo_q = exact_matrix(lo, "lo")
        hi_q = exact_matrix(hi, "hi")
        if lo_q.ndim != 1 or lo_q.shape != hi_q.shape or lo_q.size == 0:
            raise InvalidInputError(
                f"lo, hi: expected two 1-D arrays of the same length, got {lo_q.shape} and "
                f"{hi_q.shape}"
            )
        if any(a >= b for a, b in zip(lo_q, hi_q)):
            raise InvalidInputError("lo, hi: expected lo < hi in every coordinate")
        d = lo_q.size
        eye = exact_identity(d)
        super().__init__(np.vstack([eye, -eye]), np.r_[hi_q, -lo_q], check=False)
        object.__setattr__(self, "lo", lo_q)
        object.__setattr__(self, "hi", hi_q)

    @cached_property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.lo, dtype=np.float64), np.array(self.hi, dtype=np.float64)

    def __repr__(self) -> str:
        return f"Box({[str(v) for v in self.lo]}, {[str(v) for v in self.hi]})"


@dataclass(frozen=True, eq=False)
class Slice:
    """The affine slice ``x = origin + basis · α`` with ``α`` in ``domain``.

    ``basis`` has shape ``(d, k)`` with linearly independent columns;
    ``domain`` is a :class:`Box` or :class:`Polytope` in the ``k`` slice
    coordinates. :meth:`through` builds the plane (or triangle) through points.

    Parameters
    ----------
    origin
        A point of the input space, ``(d,)``.
    basis
        The directions, ``(d, k)``.
    domain
        The region of slice coordinates.

    Raises
    ------
    InvalidInputError
        When the shapes do not match the domain's dimension or the columns are
        dependent.
    """

    origin: np.ndarray
    basis: np.ndarray
    domain: Polytope

    def __init__(self, origin: Any, basis: Any, domain: Polytope) -> None:
        o = exact_matrix(origin, "origin")
        m = exact_matrix(basis, "basis")
        if o.ndim != 1 or m.ndim != 2 or m.shape[0] != o.size:
            raise InvalidInputError(
                f"origin, basis: expected shapes (d,) and (d, k), got {o.shape} and {m.shape}"
            )
        if not isinstance(domain, Polytope) or domain.dim != m.shape[1]:
            raise InvalidInputError(
                f"domain: expected a Box or Polytope in the {m.shape[1]} slice coordinates"
            )
        from flint import fmpq, fmpq_mat

        mat = fmpq_mat(
            m.shape[0], m.shape[1], [fmpq(v.numerator, v.denominator) for v in m.ravel()]
        )
        if mat.rank() < m.shape[1]:
            raise InvalidInputError(
                "basis: the columns are linearly dependent "
                "(a degenerate slice, e.g. collinear points)"
            )
        object.__setattr__(self, "origin", o)
        object.__setattr__(self, "basis", m)
        object.__setattr__(self, "domain", domain)

    @classmethod
    def through(cls, *points: Any, triangle: bool = True) -> Slice:
        """The plane through three points ``p0, p1, p2``: ``x = p0 + α1 (p1 − p0) + α2 (p2 − p0)``.

        With ``triangle=True`` (default) the domain is the triangle they span
        (``α ≥ 0``, ``α1 + α2 ≤ 1``); otherwise the box ``[−½, 3/2]²`` around it.

        Parameters
        ----------
        *points
            Three input points of one dimension.
        triangle
            The triangle (default) or the box around it.

        Returns
        -------
        Slice

        Raises
        ------
        InvalidInputError
            When there are not three points or they lie on one line.
        """
        if len(points) != 3:
            raise InvalidInputError(f"points: expected three points, got {len(points)}")
        p = [exact_matrix(q, f"points[{i}]") for i, q in enumerate(points)]
        if any(q.shape != p[0].shape or q.ndim != 1 for q in p):
            raise InvalidInputError("points: expected three 1-D points of the same dimension")
        basis = np.stack([p[1] - p[0], p[2] - p[0]], axis=1)
        if triangle:
            dom: Polytope = Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
        else:
            dom = Box([Fraction(-1, 2)] * 2, [Fraction(3, 2)] * 2)
        return cls(p[0], basis, dom)

    @property
    def dim(self) -> int:
        return int(self.basis.shape[1])

    def to_input(self, alpha: Any) -> np.ndarray:
        """Input-space point(s) ``origin + basis · α`` (exact).

        Parameters
        ----------
        alpha
            Slice coordinates, ``(k,)`` or ``(m, k)``.

        Returns
        -------
        numpy.ndarray
            The input points, exact, ``(d,)`` or ``(m, d)``.
        """
        a = exact_matrix(alpha, "alpha")
        return self.origin + a.dot(self.basis.T)

    def compose(self, net: Network) -> Network:
        """The network ``α ↦ net(origin + basis · α)``, with the same pattern options.

        Parameters
        ----------
        net
            A network on the slice's input space.

        Returns
        -------
        Network
            A ``k``-input network (for an operator network: its first operator
            composed with the basis, the others kept).
        """
        if net.n_inputs != self.origin.size:
            raise InvalidInputError(
                f"slice: the network takes {net.n_inputs} inputs, the slice lives in "
                f"{self.origin.size}"
            )
        if net.is_operator_form:  # apply the first layer to the basis: a 2-column map
            return self._compose_operators(net)
        layers = net.exact_weights
        w1, b1 = layers[0]
        layers[0] = (w1.dot(self.basis), b1 + w1.dot(self.origin))
        return Network(layers, **net.options)

    def _compose_operators(self, net: Network) -> Network:
        """:meth:`compose` keeping the other layers as operators: the first layer ``W h + b``
        becomes the dense ``(W B, W o + b)``, computed by applying it to the basis columns
        ``B`` and to the origin ``o`` exactly."""
        from ._arith import ExactBackend, to_fraction
        from .operators import Dense

        first = net.operators[0]
        cols = ExactBackend.array(self.basis.T)  # (k, d): the basis columns as rows
        origin = ExactBackend.array(self.origin[None, :])
        wb = first.exact_apply(cols, bias=False).T  # (n1, k)
        bo = first.exact_apply(origin)[0]
        to_q = np.vectorize(to_fraction, otypes=[object])
        w_ex, b_ex = to_q(wb), to_q(bo)
        dense = Dense(
            np.array([[float(v) for v in row] for row in w_ex]),
            np.array([float(v) for v in b_ex]),
            exact=(w_ex, b_ex),
        )
        return Network.from_operators([dense, *net.operators[1:]], **net.options)


Domain = Union[Polytope, Slice]  # noqa: UP007 - a runtime alias on Python 3.10


def as_domain(net: Network, domain: Any) -> tuple[Network, Polytope, Slice | None]:
    """Resolve a domain: the network to work on, its polytope, and the slice if any.

    Parameters
    ----------
    net
        The network.
    domain
        A :class:`Box`, :class:`Polytope` or :class:`Slice`.

    Returns
    -------
    tuple
        ``(network, polytope, slice or None)``: for a slice, the composed
        network and the slice's domain.

    Raises
    ------
    InvalidInputError
        When the domain is of another type or dimension.
    """
    if isinstance(domain, Slice):
        return domain.compose(net), domain.domain, domain
    if isinstance(domain, Polytope):
        if domain.dim != net.n_inputs:
            raise InvalidInputError(
                f"domain: expected dimension {net.n_inputs} (the network's inputs), "
                f"got {domain.dim}"
            )
        return net, domain, None
    raise InvalidInputError(
        f"domain: expected a Box, Polytope or Slice, got {type(domain).__name__}"
    )
