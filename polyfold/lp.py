r"""Linear programs whose answers carry exact certificates.

The question asked of every polyhedron is whether the open system

.. math::

    A x < b

has a solution, i.e. whether ``{x : A x ≤ b}`` has non-empty interior (rows
with ``a_i = 0`` are handled directly). Either answer comes with evidence
checked in rational arithmetic:

* **feasible** — a witness ``x`` with ``A x < b`` exactly, and its margin: the
  radius ``r = min_i (b_i − a_i x)/‖a_i‖_1`` of the largest cube (∞-norm ball)
  around ``x`` that stays inside, an exact positive rational;
* **infeasible** — a Motzkin (Farkas) certificate ``y ≥ 0``, ``y ≠ 0`` with
  ``Aᵀ y = 0`` and ``bᵀ y ≤ 0``: any interior point would give
  ``0 = yᵀ A x < yᵀ b ≤ 0``.

The LP is solved in float64 by HiGHS (one reused ``highspy.Highs`` object) or
by cvxpy; its answer is turned into an exact certificate and checked. When the
check fails, an exact rational simplex (``simplex``, Bland's rule) decides instead.

References: T. S. Motzkin, *Beiträge zur Theorie der linearen Ungleichungen*,
dissertation, Basel 1936 (the transposition theorem behind the certificate);
R. G. Bland, *New finite pivoting rules for the simplex method*, Math. Oper. Res.
2(2), 1977, doi:10.1287/moor.2.2.103; Q. Huangfu, J. A. J. Hall, *Parallelizing the
dual revised simplex method*, Math. Prog. Comp. 10, 2018,
doi:10.1007/s12532-017-0130-5 (HiGHS).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from .errors import InvalidInputError
from .network import exact_matrix

__all__ = ["Feasibility", "interior_point", "verify_certificate"]

BACKENDS = ("highs", "cvxpy", "exact")
_local = threading.local()


@dataclass(frozen=True, eq=False)
class Feasibility:
    """Whether ``A x < b`` has a solution, with the evidence either way.

    ``witness`` and ``margin`` are set when feasible, ``farkas`` when not;
    all are exact (``Fraction``). ``method`` says which solver produced the
    certificate (``"highs"``, ``"cvxpy"`` or ``"exact"``). ``bool(result)`` is
    ``feasible``.

    Attributes
    ----------
    feasible : bool
    witness : numpy.ndarray or None
        A point with ``A x ≤ b − margin`` (exact).
    margin : fractions.Fraction or None
        A positive slack: every row holds with at least this much room.
    farkas : numpy.ndarray or None
        ``y ≥ 0``, ``Σ y = 1``, ``yᵀ A = 0``, ``yᵀ b ≤ 0``: no point is strictly
        feasible (exact).
    method : str
    """

    feasible: bool
    witness: np.ndarray | None
    margin: Fraction | None
    farkas: np.ndarray | None
    method: str

    def __bool__(self) -> bool:
        return self.feasible


def _to_fraction_matrix(a: Any, name: str) -> np.ndarray:
    return exact_matrix(a, name)


def verify_certificate(a: Any, b: Any, result: Feasibility) -> bool:
    """Check ``result`` against ``A x < b`` in exact arithmetic.

    Parameters
    ----------
    a, b
        The system ``A x < b``.
    result
        The answer to check.

    Returns
    -------
    bool
        Whether the witness satisfies every row strictly, or the Farkas vector
        proves infeasibility, exactly.
    """
    a_q = _to_fraction_matrix(a, "A")
    b_q = _to_fraction_matrix(b, "b")
    if result.feasible:
        if result.witness is None or result.margin is None:
            return False
        slack = b_q - a_q.dot(result.witness)
        if not all(s > 0 for s in slack):
            return False
        return bool(_margin(a_q, slack) == result.margin)
    y = result.farkas
    if y is None or any(v < 0 for v in y) or sum(y) <= 0:
        return False
    return all(v == 0 for v in y.dot(a_q)) and y.dot(b_q) <= 0


def _margin(a_q: np.ndarray, slack: np.ndarray) -> Fraction:
    norms = [sum(abs(v) for v in row) for row in a_q]
    return min((s / n for s, n in zip(slack, norms) if n != 0), default=Fraction(1))


def interior_point(a: Any, b: Any, *, backend: str = "highs") -> Feasibility:
    """Decide whether ``A x < b`` is feasible, with an exact certificate.

    ``A`` has shape ``(m, d)``, ``b`` shape ``(m,)``; entries may be floats
    (taken exactly), ints, ``Fraction`` or strings. ``backend`` is ``"highs"``
    (default), ``"cvxpy"`` or ``"exact"`` (rational simplex only).

    Parameters
    ----------
    a, b
        The system ``A x < b``.
    backend
        The LP solver that proposes the certificate.

    Returns
    -------
    Feasibility
        A certificate checked in exact arithmetic (the exact simplex answers
        when the solver's proposal does not check).

    Raises
    ------
    InvalidInputError
        For mismatched shapes, non-finite entries or an unknown backend.

    Examples
    --------
    >>> r = interior_point([[1, 0], [-1, 0], [0, 1], [0, -1]], [1, 0, 1, 0])
    >>> r.feasible, r.margin                      # the unit square
    (True, Fraction(1, 2))
    >>> r = interior_point([[1], [-1]], [0, 0])   # x < 0 and x > 0
    >>> r.feasible, [str(v) for v in r.farkas]
    (False, ['1/2', '1/2'])
    """
    if backend not in BACKENDS:
        raise InvalidInputError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    a_q = _to_fraction_matrix(a, "A")
    b_q = _to_fraction_matrix(b, "b")
    if a_q.ndim != 2 or b_q.shape != (a_q.shape[0],):
        raise InvalidInputError(
            f"A, b: expected shapes (m, d) and (m,), got {a_q.shape} and {b_q.shape}"
        )
    m, d = a_q.shape
    zero_rows = [i for i in range(m) if all(v == 0 for v in a_q[i])]
    for i in zero_rows:  # 0 < b_i fails: e_i is a certificate
        if b_q[i] <= 0:
            y = np.array([Fraction(int(k == i)) for k in range(m)], dtype=object)
            return Feasibility(False, None, None, y, "exact")
    keep = [i for i in range(m) if i not in set(zero_rows)]
    if not keep:
        x = np.array([Fraction(0)] * d, dtype=object)
        return Feasibility(True, x, Fraction(1), None, "exact")
    sub_a, sub_b = a_q[keep], b_q[keep]
    result = None
    if backend != "exact":
        result = _float_attempt(sub_a, sub_b, backend)
    if result is None:
        result = _exact_lp(sub_a, sub_b)
    if result.farkas is not None:
        full = np.array([Fraction(0)] * m, dtype=object)
        full[keep] = result.farkas
        result = Feasibility(False, None, None, full, result.method)
    elif result.witness is not None:
        slack = b_q - a_q.dot(result.witness)
        result = Feasibility(True, result.witness, _margin(a_q, slack), None, result.method)
    return result


# -- float LPs, exactified ---------------------------------------------------------


def _highs() -> Any:
    solver = getattr(_local, "highs", None)
    if solver is None:
        import os
        import sys

        import highspy

        # HiGHS prints a banner from C when constructed; keep it off the user's stdout
        sys.stdout.flush()
        saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            solver = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        solver.setOptionValue("output_flag", False)
        solver.setOptionValue("presolve", "off")  # these LPs are tiny: presolve only costs
        _local.highs = solver
    return solver


def solve_float(
    c: np.ndarray,
    a_ub: np.ndarray,
    b_ub: np.ndarray,
    a_eq: np.ndarray | None,
    b_eq: np.ndarray | None,
    lo: np.ndarray,
    hi: np.ndarray,
    backend: str,
) -> np.ndarray | None:
    """Minimise ``c·x`` s.t. ``A_ub x ≤ b_ub``, ``A_eq x = b_eq``, ``lo ≤ x ≤ hi``.

    Returns the solution, or None when the solver does not report an optimum.
    """
    if backend == "cvxpy":
        import cvxpy as cp

        x = cp.Variable(len(c))
        cons = [a_ub @ x <= b_ub]
        if a_eq is not None:
            cons.append(a_eq @ x == b_eq)
        finite_lo, finite_hi = np.isfinite(lo), np.isfinite(hi)
        if finite_lo.any():
            cons.append(x[np.flatnonzero(finite_lo)] >= lo[finite_lo])
        if finite_hi.any():
            cons.append(x[np.flatnonzero(finite_hi)] <= hi[finite_hi])
        prob = cp.Problem(cp.Minimize(c @ x), cons)
        try:
            prob.solve()
        except cp.error.SolverError:
            return None
        if prob.status != cp.OPTIMAL or x.value is None:
            return None
        return np.asarray(x.value, dtype=np.float64)
    import highspy

    h = _highs()
    h.clearModel()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n = len(c)
    mat = a_ub if a_eq is None else np.vstack([a_ub, a_eq])
    n_ub, n_rows = len(b_ub), mat.shape[0]
    lp.num_col_ = n
    lp.num_row_ = n_rows
    lp.col_cost_ = c
    lp.col_lower_ = np.where(np.isfinite(lo), lo, -inf)
    lp.col_upper_ = np.where(np.isfinite(hi), hi, inf)
    row_lo = np.full(n_rows, -inf)
    row_hi = np.empty(n_rows)
    row_hi[:n_ub] = b_ub
    if b_eq is not None:
        row_lo[n_ub:] = b_eq
        row_hi[n_ub:] = b_eq
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    # small dense matrices: pass every entry, row by row
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, n_rows * n + 1, n, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(n, dtype=np.int32), n_rows)
    lp.a_matrix_.value_ = np.ascontiguousarray(mat, dtype=np.float64).ravel()
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=np.float64)


def _float_attempt(a_q: np.ndarray, b_q: np.ndarray, backend: str) -> Feasibility | None:
    a = np.array(a_q, dtype=np.float64)
    b = np.array(b_q, dtype=np.float64)
    m, d = a.shape
    norms = np.abs(a).sum(axis=1)
    # maximise r s.t. A x + r ‖a_i‖_1 ≤ b, r ≤ 1
    sol = solve_float(
        np.r_[np.zeros(d), -1.0],
        np.c_[a, norms],
        b,
        None,
        None,
        np.r_[np.full(d, -np.inf), -np.inf],
        np.r_[np.full(d, np.inf), 1.0],
        backend,
    )
    if sol is not None and sol[-1] > 0:
        x = np.array([Fraction(float(v)) for v in sol[:d]], dtype=object)
        if all(s > 0 for s in b_q - a_q.dot(x)):
            return Feasibility(True, x, None, None, backend)
    # Motzkin: minimise b·y s.t. Aᵀ y = 0, Σ y = 1, y ≥ 0
    y = solve_float(
        b,
        np.zeros((0, m)),
        np.zeros(0),
        np.vstack([a.T, np.ones((1, m))]),
        np.r_[np.zeros(d), 1.0],
        np.zeros(m),
        np.full(m, np.inf),
        backend,
    )
    if y is None:
        return None
    cert = _exact_farkas(a_q, b_q, y)
    if cert is not None:
        return Feasibility(False, None, None, cert, backend)
    return None


def _exact_farkas(a_q: np.ndarray, b_q: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Turn a float Motzkin vector into an exact one on the same support, or None."""
    support = np.flatnonzero(y > 1e-9 * max(1.0, float(np.max(y))))
    if support.size == 0:
        return None
    d = a_q.shape[1]
    k = support.size
    # (d + 1) x k system [A_Sᵀ; 1ᵀ] y_S = [0; 1], solved exactly by row reduction
    rows = [[a_q[i, j] for i in support] + [Fraction(0)] for j in range(d)]
    rows.append([Fraction(1)] * k + [Fraction(1)])
    aug = fmpq_mat(d + 1, k + 1, [fmpq(v.numerator, v.denominator) for r in rows for v in r])
    reduced, rank = aug.rref()
    sol = [Fraction(0)] * k
    for r in range(rank):
        pivot = next(c for c in range(k + 1) if reduced[r, c] != 0)
        if pivot == k:
            return None  # inconsistent
        q = reduced[r, k]
        sol[pivot] = Fraction(int(q.p), int(q.q))
    full = np.array([Fraction(0)] * a_q.shape[0], dtype=object)
    full[support] = sol
    if any(v < 0 for v in full) or sum(full) != 1:
        return None
    if any(v != 0 for v in full.dot(a_q)) or full.dot(b_q) > 0:
        return None
    return full


# -- the exact fallback --------------------------------------------------------------


def _exact_lp(a_q: np.ndarray, b_q: np.ndarray) -> Feasibility:
    """Decide ``A x < b`` by two exact LPs (``simplex``, Bland's rule), and check the answer.

    First: maximise ``r ≤ 1`` with ``A x + r ‖a_i‖_1 ≤ b`` (strictly feasible iff the
    optimum is positive). Otherwise Motzkin's alternative: minimise ``b · y`` over
    ``y ≥ 0``, ``Aᵀ y = 0``, ``Σ y = 1``, whose optimum is then at most 0.
    """
    m, d = a_q.shape
    norms = [sum(abs(v) for v in row) for row in a_q]
    # standard form: x = x⁺ − x⁻, r = 1 − r', a slack per row, all ≥ 0; minimise r'
    rows = [
        [*row, *(-v for v in row), -n, *(Fraction(int(i == k)) for k in range(m))]
        for i, (row, n) in enumerate(zip(a_q, norms))
    ]
    rhs = [v - n for v, n in zip(b_q, norms)]
    cost = [Fraction(0)] * (2 * d) + [Fraction(1)] + [Fraction(0)] * m
    status, sol = simplex(rows, rhs, cost)
    if status != "optimal":  # pragma: no cover - the LP is feasible and bounded
        raise AssertionError(f"strict-feasibility LP: {status}")
    x = np.array([p - q for p, q in zip(sol[:d], sol[d : 2 * d])], dtype=object)
    if 1 - sol[2 * d] > 0:
        if not all(s > 0 for s in b_q - a_q.dot(x)):  # pragma: no cover - simplex is exact
            raise AssertionError("exact LP: the witness is not strictly inside")
        return Feasibility(True, x, None, None, "exact")
    eq_rows = [[a_q[i, j] for i in range(m)] for j in range(d)] + [[Fraction(1)] * m]
    status, y = simplex(eq_rows, [Fraction(0)] * d + [Fraction(1)], list(b_q))
    farkas = np.array(y, dtype=object)
    if (
        status != "optimal" or any(v != 0 for v in farkas.dot(a_q)) or farkas.dot(b_q) > 0
    ):  # pragma: no cover - Motzkin's alternative holds when the first LP says infeasible
        raise AssertionError(f"Motzkin LP: {status}")
    return Feasibility(False, None, None, farkas, "exact")


def simplex(
    rows: list[list[Fraction]], rhs: list[Fraction], cost: list[Fraction]
) -> tuple[str, list[Fraction]]:
    """Minimise ``cost · z`` subject to ``rows · z = rhs`` and ``z ≥ 0``, exactly.

    Two-phase tableau simplex in rational arithmetic with Bland's rule (no
    cycling). Returns ``("optimal", z)``, ``("infeasible", [])`` or
    ``("unbounded", [])``.

    >>> simplex([[1, 1, 1]], [4], [-1, -2, 0])  # max x + 2y with x + y ≤ 4 (a slack)
    ('optimal', [Fraction(0, 1), Fraction(4, 1), Fraction(0, 1)])
    >>> simplex([[1, 1]], [-1], [0, 0])[0]
    'infeasible'
    """
    m, n = len(rows), len(cost)
    table: list[list[Fraction]] = []
    for row, q in zip(rows, rhs):
        r = [Fraction(v) for v in row] + [Fraction(q)]
        table.append([-v for v in r] if r[-1] < 0 else r)
    # phase I: one artificial variable per row (columns n .. n + m − 1), basic at first
    for i, r in enumerate(table):
        r[n:n] = [Fraction(int(i == k)) for k in range(m)]
    basis = list(range(n, n + m))
    width = n + m
    phase1 = [Fraction(0)] * n + [Fraction(1)] * m
    if not _pivot_to_optimum(table, basis, phase1, width, allowed=width):
        raise AssertionError("phase I is bounded")  # pragma: no cover
    if sum(table[i][-1] for i, b in enumerate(basis) if b >= n) > 0:
        return "infeasible", []
    # drive artificial variables out of the basis (or drop their redundant rows)
    for i in range(len(basis) - 1, -1, -1):
        if basis[i] < n:
            continue
        col = next((j for j in range(n) if table[i][j] != 0), None)
        if col is None:
            del table[i], basis[i]
        else:
            _pivot(table, basis, i, col)
    for r in table:
        del r[n : n + m]
    if not _pivot_to_optimum(table, basis, [Fraction(v) for v in cost], n, allowed=n):
        return "unbounded", []
    z = [Fraction(0)] * n
    for i, b in enumerate(basis):
        z[b] = table[i][-1]
    return "optimal", z


def _pivot(table: list[list[Fraction]], basis: list[int], i: int, j: int) -> None:
    row = table[i]
    p = row[j]
    table[i] = row = [v / p for v in row]
    for k, other in enumerate(table):
        if k != i and other[j] != 0:
            f = other[j]
            table[k] = [a - f * b for a, b in zip(other, row)]
    basis[i] = j


def _pivot_to_optimum(
    table: list[list[Fraction]], basis: list[int], cost: list[Fraction], width: int, allowed: int
) -> bool:
    """Pivot with Bland's rule until no reduced cost is negative; False if unbounded."""
    while True:
        # reduced costs c_j − c_B · column_j
        reduced = [
            cost[j] - sum(cost[b] * table[i][j] for i, b in enumerate(basis))
            for j in range(min(width, allowed))
        ]
        entering = next((j for j, v in enumerate(reduced) if v < 0), None)
        if entering is None:
            return True
        best: tuple[Fraction, int, int] | None = None
        for i, r in enumerate(table):
            if r[entering] > 0:
                key = (r[-1] / r[entering], basis[i], i)
                if best is None or key < best:
                    best = key
        if best is None:
            return False
        _pivot(table, basis, best[2], entering)
