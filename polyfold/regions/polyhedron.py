r"""The linear region of one pattern as an exact polyhedron, and its realizability.

For a pattern ``π`` of a ReLU network (threshold 0), fixing the bits of the
layers before ``l`` makes layer ``l``'s pre-activations affine in ``x``,
``z_l = M_l x + m_l`` (masking the weights), so

.. math::

    R_π = \{x : M_l[j] x + m_l[j] > 0 \text{ if } π_{lj} = 1,\;
                 M_l[j] x + m_l[j] ≤ 0 \text{ if } π_{lj} = 0\}

is a polyhedron with one inequality per unit. ``π`` is realizable in a domain
``D`` when ``R_π ∩ D`` has non-empty interior. (The boundary convention: a
unit's bit is 1 exactly when its pre-activation is ``> 0``, so a point on
``z = 0`` belongs to the bit-0 side; the closure of ``R_π`` is the region.)

Regions are polyhedra only when the pattern fixes each unit's affine piece:
ReLU or leaky ReLU at threshold 0, with every hidden layer in the pattern.
Other settings raise :class:`~polyfold.errors.InvalidInputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import brief
from ..domains import Slice, as_domain
from ..errors import InvalidInputError
from ..folding import as_patterns
from ..lp import Feasibility, interior_point
from ..network import Network, exact_matrix
from ._build import pattern_key

__all__ = ["Realizability", "Region", "check_polyhedral", "is_realizable", "region"]


def check_polyhedral(net: Network) -> None:
    """Raise unless every pattern of ``net`` is a polyhedron (ReLU/leaky ReLU, threshold 0).

    Parameters
    ----------
    net
        The network.

    Raises
    ------
    InvalidInputError
        For another activation or a non-zero threshold (a pattern's set is then
        not one polyhedron).
    """
    if net.threshold != 0 or any(a.name not in ("relu", "leaky_relu") for a in net.activations):
        raise InvalidInputError(
            "net: region polyhedra need ReLU or leaky ReLU units at threshold 0 "
            "(only then does a pattern fix every unit's affine piece)"
        )
    if net.pattern_layers != tuple(range(net.depth)):
        raise InvalidInputError(
            "net: region polyhedra need every hidden layer in the pattern (pattern_layers=None)"
        )


@dataclass(frozen=True, eq=False)
class Region:
    """The polyhedron ``R_π ∩ D`` of one pattern, exactly.

    ``A x < b`` on rows with ``strict`` true, ``A x ≤ b`` elsewhere: one row per
    unit of the pattern (strict for bit 1) — except units constant on the
    region whose bit holds everywhere (``z ≡ 0`` with bit 0, say), which
    constrain nothing — then the domain's rows. ``maps[l]``
    is ``(M_l, m_l)`` with ``z_l = M_l x + m_l`` on the region; ``maps[-1]`` is the
    output. All entries are :class:`Fraction`. For a :class:`~polyfold.domains.Slice` domain the
    coordinates are the slice's ``α``.

    Attributes
    ----------
    pattern : numpy.ndarray
    A, b : numpy.ndarray
        The rows, exact.
    strict : numpy.ndarray
        Which rows are strict.
    maps : tuple
        ``(M_l, m_l)`` per layer (see above).
    """

    pattern: np.ndarray
    A: np.ndarray
    b: np.ndarray
    strict: np.ndarray
    maps: tuple[tuple[np.ndarray, np.ndarray], ...]

    def __repr__(self) -> str:
        return (
            f"Region(pattern {pattern_key(self.pattern)}, {self.A.shape[0]} inequalities in "
            f"{self.A.shape[1]} dimensions, {int(np.sum(self.strict))} strict)"
        )

    @property
    def output_map(self) -> tuple[np.ndarray, np.ndarray]:
        return self.maps[-1]

    def contains(self, x: Any) -> bool:
        """Whether ``x`` (exact) lies in the region (strict rows strictly).

        Parameters
        ----------
        x
            One point in the region's coordinates.

        Returns
        -------
        bool
        """
        point = exact_matrix(x, "x")
        if point.shape != (self.A.shape[1],):
            raise InvalidInputError(
                f"x: expected a point of shape ({self.A.shape[1]},), got {point.shape}"
            )
        slack = self.b - self.A.dot(point)
        return bool(all((s > 0) if st else (s >= 0) for s, st in zip(slack, self.strict)))


def region(net: Network, pattern: Any, domain: Any = None) -> Region:
    """The exact polyhedron and affine maps of ``pattern``, intersected with ``domain``.

    Parameters
    ----------
    net
        A ReLU or leaky-ReLU network at threshold 0, every hidden layer in its
        pattern.
    pattern
        A 0/1 string or bool array of ``net.n_bits`` bits.
    domain
        A polytope, box or slice (``None``: all of input space).

    Returns
    -------
    Region
        ``A x < b`` on strict rows (bit 1), ``A x ≤ b`` on the others (bit 0:
        a point on a unit's boundary has bit 0), then the domain's rows, and
        the exact affine map of every layer on the region. All Fractions.

    Raises
    ------
    InvalidInputError
        For a network whose regions are not polyhedra or a pattern of the wrong size.

    Examples
    --------
    >>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    >>> r = region(net, [1, 0])                     # -x < 0 and y <= 0
    >>> [[str(v) for v in row] for row in r.A], [str(v) for v in r.b], r.strict.tolist()
    ([['-1', '0'], ['0', '1']], ['0', '0'], [True, False])
    """
    work, poly, _ = as_domain(net, domain) if domain is not None else (net, None, None)
    check_polyhedral(work)
    pi = _as_pattern(work, pattern)
    d = work.n_inputs
    full = work.expand_pattern(pi)
    maps = work.local_maps(full)
    if work.include_output:
        full.append(pi[work.n_bits - work.n_outputs :])
    has_bit = [~m for m in work.linear_units] + [np.ones(work.n_outputs, dtype=bool)]
    rows_a, rows_b, strict = [], [], []
    for layer, bits in enumerate(full):
        big_m, small_m = maps[layer]
        for j in np.flatnonzero(has_bit[layer]):
            bit = bits[j]
            if all(v == 0 for v in big_m[j]) and (small_m[j] > 0 if bit else small_m[j] <= 0):
                continue  # z is constant here and its bit holds everywhere: no constraint
            sign = -1 if bit else 1  # bit 1: z > 0 <=> -z < 0; bit 0: z <= 0
            rows_a.append(sign * big_m[j])
            rows_b.append(-sign * small_m[j])
            strict.append(bool(bit))
    a = np.array(rows_a, dtype=object).reshape(len(rows_a), d)
    bb = np.array(rows_b, dtype=object)
    st = np.array(strict, dtype=bool)
    if poly is not None:
        a, bb = np.vstack([a, poly.A]), np.r_[bb, poly.b]
        st = np.r_[st, np.zeros(len(poly.b), dtype=bool)]
    return Region(pi, a, bb, st, tuple(maps))


def _as_pattern(net: Network, pattern: Any) -> np.ndarray:
    rows = [pattern] if isinstance(pattern, str) else np.atleast_2d(np.asarray(pattern))
    pi = as_patterns(rows, "pattern")
    if pi.shape != (1, net.n_bits):
        raise InvalidInputError(
            f"pattern: expected one pattern of {net.n_bits} bits, got shape {pi.shape}"
        )
    return pi[0]


@dataclass(frozen=True, eq=False)
class Realizability:
    """Whether a pattern is realizable in a domain, with the LP's certificate.

    ``witness`` is a point strictly inside the region (input coordinates; for a
    slice, ``alpha`` holds the slice coordinates) whose exact pattern is the
    pattern; ``margin`` the radius of a cube around it inside the region;
    ``farkas`` a Motzkin certificate over the region's rows when empty.

    Attributes
    ----------
    realizable : bool
    pattern : numpy.ndarray
    witness, alpha : numpy.ndarray or None
    margin : fractions.Fraction or None
    farkas : numpy.ndarray or None
    region : Region
    certificate : Feasibility
        The LP's checked answer (:func:`~polyfold.lp.interior_point`).
    """

    realizable: bool
    pattern: np.ndarray
    witness: np.ndarray | None
    alpha: np.ndarray | None
    margin: Fraction | None
    farkas: np.ndarray | None

    def __repr__(self) -> str:
        if self.realizable:
            evidence = f"witness={brief(self.witness)}, margin={brief([self.margin])[1:-1]}"
        else:
            evidence = f"farkas={brief(self.farkas)}"
        return (
            f"Realizability(realizable={self.realizable}, pattern "
            f"{pattern_key(self.pattern)}, {evidence})"
        )

    region: Region
    certificate: Feasibility = field(repr=False)

    def __bool__(self) -> bool:
        return self.realizable


def is_realizable(
    net: Network, pattern: Any, domain: Any, *, backend: str = "highs"
) -> Realizability:
    """Whether ``R_π ∩ D`` has non-empty interior, with a witness or a Farkas certificate.

    Parameters
    ----------
    net, pattern, domain
        As for :func:`region`.
    backend
        The LP solver that proposes the answer: ``"highs"`` (default),
        ``"cvxpy"`` or ``"exact"`` (a rational simplex). Whichever it is, the
        answer is verified in exact arithmetic before it is returned.

    Returns
    -------
    Realizability
        ``realizable``; when true, ``witness`` (strictly inside, exact, whose
        exact pattern is ``pattern``) and ``margin`` (a cube of that radius
        around it lies inside); when false, ``farkas``: ``y ≥ 0``, ``y ≠ 0``,
        ``yᵀA = 0``, ``y·b ≤ 0`` over the region's rows (Motzkin's
        transposition theorem), which :func:`polyfold.lp.verify_certificate`
        checks.

    Examples
    --------
    >>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    >>> from polyfold.domains import Box
    >>> is_realizable(net, "10", Box([-1, -1], [1, 1])).realizable
    True
    >>> r = is_realizable(net, "10", Box([-2, -2], [-1, -1]))   # needs x > 0
    >>> r.realizable, r.farkas is not None
    (False, True)
    """
    reg = region(net, pattern, domain)
    cert = interior_point(reg.A, reg.b, backend=backend)
    alpha = None
    witness = cert.witness
    if witness is not None and isinstance(domain, Slice):
        alpha, witness = witness, domain.to_input(witness)
    return Realizability(
        cert.feasible, reg.pattern, witness, alpha, cert.margin, cert.farkas, reg, cert
    )
