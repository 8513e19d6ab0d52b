"""Geometry shared by the region engines, the domains and the Cantor construction.

Convex polygons (clipping by a half-plane, signed area), the vertices of a
bounded polytope ``{A x ≤ b}`` with the rows tight at each, and a polytope's
bounding box. Polygon functions work in whatever arithmetic their inputs are
in (``Fraction``/``fmpq`` exactly, floats approximately); the vertex and box
functions are float64 and take an explicit tolerance.

The vertex enumeration is qhull's halfspace intersection (C. B. Barber,
D. P. Dobkin, H. Huhdanpaa, *The Quickhull algorithm for convex hulls*, ACM
TOMS 22(4), 1996, doi:10.1145/235815.235821) through SciPy; polygons are clipped
by Sutherland–Hodgman (I. E. Sutherland, G. W. Hodgman, *Reentrant polygon
clipping*, Comm. ACM 17(1), 1974, doi:10.1145/360767.360802).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .lp import solve_float

__all__ = [
    "FLOAT_TOL",
    "bounding_box",
    "clip_polygon",
    "polygon_area",
    "polytope_vertices",
    "tight_rows",
]

Point = tuple[Any, Any]

FLOAT_TOL = 1e-9
"""The default relative tolerance of float decisions about polytopes (vertices, sides)."""


def clip_polygon(poly: list[Point], a0: Any, a1: Any, c: Any) -> list[Point]:
    """The part of a convex polygon where ``a0 x + a1 y + c ≤ 0`` (Sutherland–Hodgman).

    Parameters
    ----------
    poly
        The convex polygon's vertices in order.
    a0, a1, c
        The half-plane ``a0 x + a1 y + c ≤ 0`` (exact or float).

    Returns
    -------
    list
        The clipped polygon's vertices in the same orientation (empty when
        nothing is left).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> clip_polygon([(F(0), F(0)), (F(2), F(0)), (F(0), F(2))], F(1), F(0), F(-1))
    [(Fraction(0, 1), Fraction(0, 1)), (Fraction(1, 1), Fraction(0, 1)), (Fraction(1, 1), Fraction(1, 1)), (Fraction(0, 1), Fraction(2, 1))]
    """  # noqa: E501
    out: list[Point] = []
    n = len(poly)
    vals = [a0 * x + a1 * y + c for x, y in poly]
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = vals[i], vals[(i + 1) % n]
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            s = fp / (fp - fq)
            out.append((p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])))
    return out


def polygon_area(poly: list[Point]) -> Any:
    """Signed area (shoelace), positive for counter-clockwise order.

    Parameters
    ----------
    poly
        The vertices in order.

    Returns
    -------
    number
        The signed area, in the vertices' arithmetic (exact for ``Fraction``).

    Examples
    --------
    >>> polygon_area([(0, 0), (1, 0), (0, 1)])
    0.5
    """
    n = len(poly)
    total: Any = 0
    for i in range(n):
        (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % n]
        total += x0 * y1 - x1 * y0
    return total / 2


def tight_rows(
    a: np.ndarray, b: np.ndarray, verts: np.ndarray, tol: float = FLOAT_TOL
) -> np.ndarray:
    """Which rows of ``A x ≤ b`` hold with equality at each vertex (``verts × rows``).

    A row is tight when its slack is at most ``tol · (1 + |a||v| + |b|)``.

    Parameters
    ----------
    a, b
        The system ``A x ≤ b``.
    verts
        Points, ``(n, d)``.
    tol
        The relative tolerance above.

    Returns
    -------
    numpy.ndarray
        Boolean ``(n, m)``.
    """
    slack = b[None, :] - verts @ a.T
    return np.abs(slack) <= tol * (1 + np.abs(verts) @ np.abs(a).T + np.abs(b)[None, :])


def polytope_vertices(
    a: np.ndarray, b: np.ndarray, inside: np.ndarray, tol: float = FLOAT_TOL
) -> tuple[np.ndarray, np.ndarray] | None:
    """The vertices of the bounded ``{A x ≤ b}`` and their tight rows, in float64.

    ``inside`` is a point strictly inside. qhull's halfspace intersection (the
    1-D case directly); a non-simple vertex, met once per facet through it, is
    kept once (coordinates equal after rounding to 12 decimals). ``None`` when
    qhull fails or the answer is not a bounded polytope.

    Parameters
    ----------
    a, b
        The system ``A x ≤ b``, float64.
    inside
        A point strictly inside.
    tol
        The tolerance of :func:`tight_rows`.

    Returns
    -------
    tuple of numpy.ndarray or None
        ``(vertices, tight)``: ``(n, d)`` floats and the ``(n, m)`` tight rows.

    Examples
    --------
    >>> v, t = polytope_vertices(np.array([[-1.0, 0], [0, -1], [1, 1]]), np.array([0.0, 0, 1]),
    ...                          np.array([0.2, 0.2]))
    >>> sorted(map(tuple, v.round(9).tolist())), t.sum(axis=1).tolist()
    ([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)], [2, 2, 2])
    """
    d = a.shape[1]
    if d == 1:
        col = a[:, 0]
        if not (np.any(col > 0) and np.any(col < 0)):
            return None
        verts = np.array([[np.max(b[col < 0] / col[col < 0])], [np.min(b[col > 0] / col[col > 0])]])
    else:
        from scipy.spatial import HalfspaceIntersection

        try:
            verts = HalfspaceIntersection(np.c_[a, -b], inside).intersections
        except Exception:  # qhull's errors: the caller takes another route
            return None
        verts = np.unique(np.round(verts, 12), axis=0)
    if len(verts) <= d or not np.all(np.isfinite(verts)):
        return None
    return verts, tight_rows(a, b, verts, tol)


def bounding_box(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """The float64 bounding box of ``{A x ≤ b}`` by ``2d`` LPs (HiGHS).

    ``±inf`` in a coordinate whose LP has no optimum (unbounded, or failed).

    Parameters
    ----------
    a, b
        The system ``A x ≤ b``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lo, hi)``, each ``(d,)``.

    Examples
    --------
    >>> lo, hi = bounding_box([[1, 1], [-1, 0], [0, -1]], [1, 0, 0])
    >>> (lo + 0.0).tolist(), hi.tolist()  # + 0.0: a minimum of 0 may come back as -0.0
    ([0.0, 0.0], [1.0, 1.0])
    """
    a = np.array(a, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    d = a.shape[1]
    lo, hi = np.empty(d), np.empty(d)
    free = np.full(d, np.inf)
    for i in range(d):
        for sign, out in ((1.0, lo), (-1.0, hi)):
            c = np.zeros(d)
            c[i] = sign
            sol = solve_float(c, a, b, None, None, -free, free, "highs")
            out[i] = sol[i] if sol is not None else -sign * np.inf
    return lo, hi
