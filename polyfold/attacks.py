r"""Attack paths and where the predicted class changes along a path, exactly.

On a linear region the network is affine, so its gradient there is exact and
needs no autograd: ``∇_x z = M`` for the region's output map ``z = M x + m``.
The attacks use the margin loss

.. math::

    ℓ(x) = \max_{j ≠ y} z_j(x) − z_y(x),

piecewise linear, whose gradient on a region is the difference of two rows of
``M``. An FGSM ray steps ``x + ε·sign(∇ℓ)``; PGD repeats steps of size ``α``,
projecting onto the ``ε``-box around ``x`` (and an optional domain box), and
returns the polyline of its iterates.

Along any walked path the logits are affine in ``t`` on every piece, so the
class-pair margins are piecewise linear in ``t`` and the places where the
argmax changes are exact roots (:func:`class_changes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq

from . import folding
from ._arith import to_fraction
from .errors import InvalidInputError, check_count
from .network import Network, as_points, exact_matrix
from .path import Path
from .walks import walk, walk_polyline

__all__ = [
    "AttackReport",
    "InteractionStudy",
    "class_changes",
    "fgsm",
    "interaction_report",
    "interaction_study",
    "margin_gradient",
    "pgd",
    "prefix_before_change",
]


def _exact_point(x: Any, net: Network, name: str) -> np.ndarray:
    pts = as_points(x, name, net.n_inputs, exact=True)
    if pts.ndim != 1:
        raise InvalidInputError(f"{name}: expected one point of shape ({net.n_inputs},)")
    return np.array([Fraction(int(v.p), int(v.q)) for v in pts], dtype=object)


def _check_label(net: Network, label: Any) -> int:
    if net.n_outputs < 2:
        raise InvalidInputError("net: attacks need a classifier with at least two outputs")
    if (
        isinstance(label, bool)
        or not isinstance(label, (int, np.integer))
        or not 0 <= label < net.n_outputs
    ):
        raise InvalidInputError(
            f"label: expected a class index in 0..{net.n_outputs - 1}, got {label!r}"
        )
    return int(label)


def margin_gradient(net: Network, x: Any, label: int) -> tuple[Fraction, np.ndarray, int]:
    """The margin ``ℓ(x) = max_{j≠y} z_j − z_y``, its exact gradient, and the runner-up class.

    On the linear piece of ``x`` (a unit at a kink takes the slope from below: a
    ReLU unit exactly at 0 counts as inactive, as its bit does) the gradient is
    ``(e_j − e_y)ᵀ W_L D_{L−1} W_{L−1} ⋯ D_1 W_1``, ``D_k`` the diagonal of the
    activations' slopes (:meth:`~polyfold.activations.Activation.slopes`): one
    exact vector–Jacobian product per layer, backwards, through each layer's
    operator (:meth:`~polyfold.operators.Operator.exact_vjp`: a transposed
    convolution for a convolution), so operator networks of any size need no
    matrix. Ties go to the lower class index.

    Parameters
    ----------
    net
        A piecewise-linear classifier (dense or operator form) with at least
        two outputs.
    x
        One input point (converted exactly).
    label
        The class ``y`` whose margin is measured.

    Returns
    -------
    tuple
        ``(ℓ(x), ∇ℓ(x), j)``: the margin (a ``Fraction``), its gradient (an
        object array of ``Fraction``) and the runner-up class ``j``.

    Raises
    ------
    InvalidInputError
        For a bad label, a point of the wrong shape, or a smooth network.
    """
    label = _check_label(net, label)
    smooth = [a.name for a in net.activations if a.smooth]
    if smooth:
        raise InvalidInputError(
            f"net: exact gradients need a piecewise-linear network; this one has {smooth[0]}"
        )
    xq = _exact_point(x, net, "x")
    zs = net.preactivations(xq, exact=True)
    z = [to_fraction(v) for v in zs[-1]]
    others = [j for j in range(net.n_outputs) if j != label]
    runner = max(others, key=lambda j: (z[j], -j))
    v = np.empty((1, net.n_outputs), dtype=object)
    v.fill(fmpq(0))
    v[0, runner], v[0, label] = fmpq(1), fmpq(-1)
    ops = net.operators
    for layer in range(len(ops) - 1, -1, -1):
        v = ops[layer].exact_vjp(v)
        if layer > 0:  # the slopes of the hidden layer below (1 on linear units)
            slopes = net.activations[layer - 1].slopes(zs[layer - 1])
            lin = net.linear_units[layer - 1]
            for u, g in enumerate(slopes):
                if g != 1 and not lin[u]:
                    v[0, u] = v[0, u] * fmpq(g.numerator, g.denominator)
    grad = np.array([to_fraction(e) for e in v[0]], dtype=object)
    return z[runner] - z[label], grad, runner


def _sign(v: np.ndarray) -> np.ndarray:
    return np.array([Fraction((g > 0) - (g < 0)) for g in v], dtype=object)


def fgsm(net: Network, x: Any, label: int, eps: Any) -> tuple[np.ndarray, np.ndarray]:
    """The FGSM ray ``(x, x + ε·sign(∇ℓ(x)))`` for the margin loss, exactly.

    Parameters
    ----------
    net
        A piecewise-linear classifier.
    x
        The clean input.
    label
        Its class.
    eps
        The step ``ε > 0`` (exact).

    Returns
    -------
    tuple of numpy.ndarray
        The ray's two end points, exact.
    """
    e = _positive(eps, "eps")
    xq = _exact_point(x, net, "x")
    _, grad, _ = margin_gradient(net, xq, label)
    return xq, xq + e * _sign(grad)


def pgd(
    net: Network,
    x: Any,
    label: int,
    eps: Any,
    *,
    step: Any = None,
    steps: int = 10,
    lo: Any = None,
    hi: Any = None,
) -> np.ndarray:
    """The PGD polyline: iterates ``x_{i+1} = Π(x_i + α·sign(∇ℓ(x_i)))``, exactly.

    ``Π`` clips to the box ``[x − ε, x + ε]`` and, when given, to ``[lo, hi]``.
    ``step`` defaults to ``ε/4``. Returns the iterates, ``(steps + 1, d)``.

    Parameters
    ----------
    net
        A piecewise-linear classifier.
    x
        The clean input.
    label
        Its class.
    eps
        The radius ``ε > 0`` of the box around ``x``.
    step
        The step ``α > 0`` (default ``ε/4``).
    steps
        The number of iterations.
    lo, hi
        Optional bounds of the input domain.

    Returns
    -------
    numpy.ndarray
        The iterates, exact, shape ``(steps + 1, d)``: a polyline for
        :func:`~polyfold.walks.walk_polyline`.
    """
    e = _positive(eps, "eps")
    a = _positive(step if step is not None else e / 4, "step")
    steps = check_count(steps, "steps")
    x0 = _exact_point(x, net, "x")
    low, high = x0 - e, x0 + e
    if lo is not None:
        low = np.maximum(low, exact_matrix(lo, "lo"))
    if hi is not None:
        high = np.minimum(high, exact_matrix(hi, "hi"))
    iterates = [x0]
    current = x0
    for _ in range(steps):
        _, grad, _ = margin_gradient(net, current, label)
        current = np.minimum(np.maximum(current + a * _sign(grad), low), high)
        iterates.append(current)
    return np.array(iterates, dtype=object)


def _positive(value: Any, name: str) -> Fraction:
    from ._arith import as_fraction

    v = as_fraction(value, name)
    if v <= 0:
        raise InvalidInputError(f"{name}: expected a positive number, got {value!r}")
    return v


def class_changes(net: Network, path: Path) -> list[tuple[Fraction, int, int]]:
    """Where the predicted class (argmax, ties to the lower index) changes along ``path``.

    Returns ``(t, before, after)`` for every parameter where the argmax of the
    logits on the left differs from the one on the right. The logits are
    affine in ``t`` on every piece (and every segment of a polyline), so each
    change is an exact root of a class-pair margin.

    Parameters
    ----------
    net
        The classifier the path was walked on.
    path
        An exact path (a walk or a polyline walk).

    Returns
    -------
    list of tuple
        ``(t, before, after)`` in increasing ``t``.

    Raises
    ------
    InvalidInputError
        When the path is not exact.
    """
    if not path.exact:
        raise InvalidInputError("path: class changes are computed on exact paths (exact=True)")
    verts = path.vertices if path.vertices is not None else np.array([path.x1, path.x2])
    end = path.breakpoints[-1]
    knots = sorted(set(path.breakpoints) | {Fraction(i) for i in range(int(end) + 1)})

    def point(t: Fraction) -> np.ndarray:
        i = min(int(t), len(verts) - 2)
        s = t - i
        return (1 - s) * verts[i] + s * verts[i + 1]

    logits = net.forward(np.array([point(t) for t in knots], dtype=object), exact=True)
    changes: list[tuple[Fraction, int, int]] = []

    def argmax(z: np.ndarray) -> int:
        best = max(z)
        return next(i for i, v in enumerate(z) if v == best)

    previous = None
    for (t0, z0), (t1, z1) in zip(zip(knots, logits), zip(knots[1:], logits[1:])):
        # the class can only change where two affine logits cross inside [t0, t1]
        roots = {t0, t1}
        n = len(z0)
        for a in range(n):
            for b in range(a + 1, n):
                d0, d1 = z0[a] - z0[b], z1[a] - z1[b]
                if d0 != d1 and (d0 == 0 or d1 == 0 or (d0 < 0) != (d1 < 0)):
                    roots.add(t0 + (t1 - t0) * d0 / (d0 - d1))
        pts = sorted(roots)
        for r0, r1 in zip(pts, pts[1:]):
            lam = ((r0 + r1) / 2 - t0) / (t1 - t0)
            cls = argmax(z0 + lam * (z1 - z0))
            if previous is not None and cls != previous:
                changes.append((r0, previous, cls))
            previous = cls
    return changes


def prefix_before_change(net: Network, path: Path) -> Path | None:
    """The walk from the path's start to its first class change.

    None when the predicted class never changes along the path.

    Parameters
    ----------
    net
        The classifier the path was walked on.
    path
        An exact path.

    Returns
    -------
    Path or None
        The walk up to the first change (its end point is on the decision
        boundary), or None.
    """
    changes = class_changes(net, path)
    if not changes:
        return None
    t = changes[0][0]
    verts = path.vertices if path.vertices is not None else np.array([path.x1, path.x2])
    i = min(int(t), len(verts) - 2)
    stop = (1 - (t - i)) * verts[i] + (t - i) * verts[i + 1]
    return (
        walk_polyline(net, np.array([*verts[: i + 1], stop], dtype=object))
        if i
        else walk(net, verts[0], stop)
    )


@dataclass(frozen=True, eq=False)
class AttackReport:
    """Per example: the clean label, the FGSM end point's class, χ and Ī_nz of the attack path.

    Attributes
    ----------
    labels : numpy.ndarray
        The clean labels.
    perturbed_classes : numpy.ndarray
        The predicted class at each FGSM end point.
    chi : list of fractions.Fraction
        χ of each attack path.
    interaction : list of fractions.Fraction
        ``Ī_nz`` of each attack path.
    changes : list
        The class changes (:func:`class_changes`) along each path.
    """

    labels: np.ndarray
    perturbed_classes: np.ndarray
    chi: list[Fraction]
    interaction: list[Fraction]
    changes: list[list[tuple[Fraction, int, int]]]


def interaction_report(net: Network, X: Any, y: Any, eps: Any) -> AttackReport:
    """FGSM paths from clean inputs: χ, ``Ī_nz`` and the class changes along each.

    Parameters
    ----------
    net
        A piecewise-linear classifier.
    X
        Clean inputs, ``(m, d)``.
    y
        Their labels, ``(m,)``.
    eps
        The FGSM step ``ε > 0``.

    Returns
    -------
    AttackReport

    Raises
    ------
    InvalidInputError
        When ``X`` and ``y`` do not match.
    """
    x = as_points(X, "X", net.n_inputs, exact=False)
    labels = np.asarray(y)
    if x.ndim != 2 or labels.shape != (x.shape[0],):
        raise InvalidInputError("X, y: expected (m, d) inputs and m labels")
    chis, inter, changes, classes = [], [], [], []
    for xi, yi in zip(x, labels):
        a, b = fgsm(net, xi, int(yi), eps)
        path = walk(net, a, b)
        chis.append(path.chi)
        inter.append(folding.interaction_mean_nonzero(path.patterns))
        changes.append(class_changes(net, path))
        out = net.forward(b, exact=True)
        classes.append(max(range(len(out)), key=lambda j: (out[j], -j)))
    return AttackReport(labels, np.array(classes), chis, inter, changes)


@dataclass(frozen=True, eq=False)
class InteractionStudy:
    """Interaction along paths between two classes, clean against attacked end points.

    ``rows`` has one dict per pair of points ``(i, j)`` (rows of ``X`` of the
    two classes): ``chi``, ``inter`` (``Ī_nz``), ``I`` (the list ``I(k)``) and
    ``changes`` (the exact class changes) of the clean path and of the path
    between the attacked end points (keys ending in ``_attacked``).

    Attributes
    ----------
    rows : list of dict
        One dict per pair of points (see above).
    classes : tuple
        The two classes.
    attack : str
        ``"fgsm"`` or ``"pgd"``.
    eps : fractions.Fraction
        The attack's radius.
    """

    rows: list[dict[str, Any]]
    classes: tuple[Any, Any]
    attack: str
    eps: Fraction

    @property
    def mean_interaction(self) -> tuple[Fraction, Fraction]:
        """Mean ``Ī_nz`` over the pairs: clean, attacked (exact)."""
        n = len(self.rows)
        clean = sum((r["inter"] for r in self.rows), Fraction(0)) / n
        attacked = sum((r["inter_attacked"] for r in self.rows), Fraction(0)) / n
        return clean, attacked

    @property
    def clean_higher(self) -> Fraction:
        """The fraction of pairs whose clean ``Ī_nz`` exceeds the attacked one."""
        return Fraction(sum(r["inter"] > r["inter_attacked"] for r in self.rows), len(self.rows))

    def table(self) -> list[dict[str, Any]]:
        """The rows with floats for printing (I(k) lists left out).

        Returns
        -------
        list of dict
        """
        keys = ("i", "j", "chi", "chi_attacked", "inter", "inter_attacked")
        out = []
        for r in self.rows:
            row = {k: (float(r[k]) if isinstance(r[k], Fraction) else r[k]) for k in keys}
            row["changes"], row["changes_attacked"] = len(r["changes"]), len(r["changes_attacked"])
            out.append(row)
        return out


def interaction_study(
    net: Network,
    X: Any,
    y: Any,
    *,
    classes: tuple[Any, Any] = (5, 7),
    pairs: int = 20,
    attack: str = "fgsm",
    eps: Any = "1/10",
    step: Any = None,
    steps: int = 10,
    seed: int = 0,
) -> InteractionStudy:
    """The deck's experiment: interaction along paths between two classes, clean and attacked.

    For ``pairs`` seeded pairs of points ``a`` (class ``classes[0]``) and ``b``
    (class ``classes[1]``), the exact walk ``a → b`` and the walk between the
    attacked end points ``a' → b'`` (each pushed away from its own class by
    FGSM, or by the end of a PGD run, within ``ε`` in the max norm); for both
    the interaction coefficients ``I(k)``, ``Ī_nz``, χ and the exact class changes.

    Parameters
    ----------
    net
        A piecewise-linear classifier with at least two outputs; the labels are
        output indices.
    X, y
        Points and labels.
    classes
        The two classes (the deck: digits 5 and 7).
    pairs
        How many pairs of points, drawn uniformly with replacement (seeded).
    attack
        ``"fgsm"`` or ``"pgd"``.
    eps, step, steps
        The attack's radius (exact), and PGD's step (default ``ε/4``) and steps.
    seed
        Seeds the pairs.

    Returns
    -------
    InteractionStudy
        The rows, ``mean_interaction`` (clean, attacked) and ``clean_higher``.

    Raises
    ------
    InvalidInputError
        For an unknown attack, a class with no points, or bad options.

    References
    ----------
    M. Lewandowski et al., *On Space Folds of ReLU Neural Networks*, TMLR 2025,
    arXiv:2502.09954 (the interaction coefficient and the slide deck's experiment).
    """
    from .phi import labelled_points

    if attack not in ("fgsm", "pgd"):
        raise InvalidInputError(f"attack: expected 'fgsm' or 'pgd', got {attack!r}")
    pairs = check_count(pairs, "pairs")
    e = _positive(eps, "eps")
    x, labels = labelled_points(net, X, y)
    if not isinstance(classes, (tuple, list)) or len(classes) != 2:
        raise InvalidInputError(f"classes: expected two class labels, got {classes!r}")
    members = []
    for c in classes:
        _check_label(net, c)  # the labels are output indices
        rows = np.flatnonzero(labels == c)
        if len(rows) == 0:
            raise InvalidInputError(f"classes: class {c!r} has no points in y")
        members.append(rows)
    rng = np.random.default_rng(seed)
    picks = zip(rng.choice(members[0], pairs), rng.choice(members[1], pairs))

    def attacked(point: np.ndarray, label: int) -> np.ndarray:
        if attack == "fgsm":
            return fgsm(net, point, label, e)[1]
        return pgd(net, point, label, e, step=step, steps=steps)[-1]

    out = []
    for i, j in picks:
        a, b = x[i], x[j]
        ends = (attacked(a, int(classes[0])), attacked(b, int(classes[1])))
        row: dict[str, Any] = {"i": int(i), "j": int(j)}
        for suffix, path in (("", walk(net, a, b)), ("_attacked", walk(net, *ends))):
            row["chi" + suffix] = path.chi
            row["I" + suffix] = folding.interaction(path.patterns)
            row["inter" + suffix] = folding.interaction_mean_nonzero(path.patterns)
            row["changes" + suffix] = class_changes(net, path)
        out.append(row)
    return InteractionStudy(out, (classes[0], classes[1]), attack, e)
