r"""Convexity in input space, and Lemma 1 checked from both sides.

**Euclidean side.** ``U = ⋃_{π∈S} cl R_π ∩ D`` is convex iff no realizable
region ``R_ω`` with ``ω ∉ S`` meets the interior of ``conv(U)`` — and
``conv(U)`` is the hull of the regions' vertices ``V``. For each outsider the
certificate is a *separating hyperplane* ``(c, γ)``: ``c·v ≥ γ`` for every
vertex of ``U`` and ``c·w ≤ γ`` for every vertex of ``R_ω``, checked in exact
arithmetic. Candidates are the hyperplanes of the regions' own inequalities;
for an arrangement (one hidden layer) they always suffice, since a cell that
lies on the inner side of every hyperplane bounding a convex ``U`` is inside
``U``. When a union is not convex the evidence is two points of ``U`` and the
exact walk between them, which crosses a region outside ``S``.

**Lemma 1** (Lewandowski et al.): for a hyperplane arrangement, ``U`` is
convex iff ``S`` is Hamming-convex relative to the realizable patterns.
:func:`check_lemma1` compares both sides, each decided independently.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from ._arith import brief
from ._progress import check_progress, progress_bar
from .errors import InvalidInputError, UndecidedError, check_budget, check_seeds
from .folding import as_patterns
from .intervals import is_hamming_convex
from .network import Network
from .path import Path
from .regions import pattern_key, region, region_graph
from .walks import walk

__all__ = [
    "Lemma1Counterexample",
    "Lemma1Report",
    "UnionConvexity",
    "UnionGeometry",
    "check_lemma1",
    "is_union_convex",
    "search_lemma1_counterexample",
    "verify_union_convexity",
]


def polytope_vertices(a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """The vertices of the bounded polytope ``{x : A x ≤ b}``, exactly (small ``d`` and ``m``)."""
    m, d = a.shape
    q = [[fmpq(v.numerator, v.denominator) for v in row] for row in a]
    rhs = [fmpq(v.numerator, v.denominator) for v in b]
    found: dict[tuple[Fraction, ...], np.ndarray] = {}
    for rows in combinations(range(m), d):
        mat = fmpq_mat(d, d, [q[i][j] for i in rows for j in range(d)])
        if mat.det() == 0:
            continue
        sol = mat.solve(fmpq_mat(d, 1, [rhs[i] for i in rows]))
        x = [sol[i, 0] for i in range(d)]
        if all(sum(q[i][j] * x[j] for j in range(d)) <= rhs[i] for i in range(m)):
            point = tuple(Fraction(int(v.p), int(v.q)) for v in x)
            found.setdefault(point, np.array(point, dtype=object))
    return list(found.values())


@dataclass
class UnionGeometry:
    """Cached exact geometry of all regions of a network in a domain.

    Holds the region graph, every region's vertices, the candidate separating
    hyperplanes (every distinct region inequality, normalised) and, for each
    hyperplane and region, whether the region lies on its ``≥`` or ``≤`` side.
    Build it once and pass it to :func:`is_union_convex` for many subsets.

    Parameters
    ----------
    net
        The network.
    domain
        A :class:`~polyfold.domains.Box`, :class:`~polyfold.domains.Polytope` or
        :class:`~polyfold.domains.Slice`.
    """

    net: Network
    domain: Any
    graph: Any = field(init=False)
    keys: list[str] = field(init=False)
    vertices: dict[str, list[np.ndarray]] = field(init=False)
    planes: list[tuple[np.ndarray, Fraction]] = field(init=False)
    ge: np.ndarray = field(init=False)  # (planes, regions): all vertices satisfy c·v ≥ γ
    le: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.graph = region_graph(self.net, self.domain)
        self.keys = sorted(self.graph.nodes)
        self.vertices = {}
        planes: dict[tuple[Fraction, ...], tuple[np.ndarray, Fraction]] = {}
        for key in self.keys:
            reg = region(self.net, key, self.domain)
            self.vertices[key] = polytope_vertices(reg.A, reg.b)
            for row, rhs in zip(reg.A, reg.b):
                scale = next((abs(v) for v in row if v != 0), None)
                if scale is None:
                    continue
                normal = (*(v / scale for v in row), rhs / scale)
                planes.setdefault(normal, (np.array(normal[:-1], dtype=object), normal[-1]))
        self.planes = list(planes.values())
        self.ge = np.zeros((len(self.planes), len(self.keys)), dtype=bool)
        self.le = np.zeros_like(self.ge)
        for r, key in enumerate(self.keys):
            pts = np.array(self.vertices[key], dtype=object)
            for h, (c, gamma) in enumerate(self.planes):
                values = pts.dot(c)
                self.ge[h, r] = all(v >= gamma for v in values)
                self.le[h, r] = all(v <= gamma for v in values)

    @property
    def omega(self) -> np.ndarray:
        """The realizable patterns, as a boolean array in the order of ``keys``."""
        return as_patterns(self.keys, "omega")


@dataclass(frozen=True, eq=False)
class UnionConvexity:
    """Whether the union of the closed regions of ``S`` is convex, with evidence.

    Convex: ``separators[ω] = (c, γ)`` for every realizable ``ω ∉ S``.
    Not convex: ``segment = (a, b)``, two points of the union, and ``path``,
    the exact walk from ``a`` to ``b``, whose piece ``outside_piece`` has a
    pattern not in ``S``. When the non-convexity is shown by a proof rather
    than a segment (an arrangement with an outsider no hyperplane separates,
    ``evidence=False``), ``unseparated`` names that outsider.

    Attributes
    ----------
    convex : bool
    separators : dict or None
        Per outsider (its region key, a 0/1 string): ``(c, γ)``, a hyperplane of
        the regions' inequalities with the union on one side and the outsider's
        region on the other.
    segment : tuple of numpy.ndarray or None
        Two exact points of the union whose segment leaves it.
    path : Path or None
        The exact walk of ``segment``.
    outside_piece : int or None
        The index of a piece of ``path`` outside the union.
    unseparated : str or None
        An outsider no hyperplane separates (``evidence=False``).
    """

    convex: bool
    separators: dict[str, tuple[np.ndarray, Fraction]] | None = None
    segment: tuple[np.ndarray, np.ndarray] | None = None
    path: Path | None = None
    outside_piece: int | None = None
    unseparated: str | None = None

    def __repr__(self) -> str:
        if self.convex:
            n = 0 if self.separators is None else len(self.separators)
            return f"UnionConvexity(convex=True, {n} separating hyperplanes)"
        if self.segment is not None:
            a, b = self.segment
            return (
                f"UnionConvexity(convex=False, segment {brief(a)} -> {brief(b)} leaves the union "
                f"on piece {self.outside_piece})"
            )
        return f"UnionConvexity(convex=False, outsider {self.unseparated} is not separated)"

    def __bool__(self) -> bool:
        return self.convex


def _subset_keys(geometry: UnionGeometry, S: Any) -> list[str]:
    s = as_patterns(S, "S")
    if s.shape[1] != len(geometry.keys[0]):
        raise InvalidInputError(
            f"S: expected patterns of {len(geometry.keys[0])} bits, got {s.shape[1]}"
        )
    keys = [pattern_key(p) for p in s]
    known = set(geometry.keys)
    for k in keys:
        if k not in known:
            raise InvalidInputError(f"S: pattern {k} is not realizable in the domain")
    return sorted(set(keys))


def is_union_convex(
    net: Network,
    S: Any,
    domain: Any,
    *,
    geometry: UnionGeometry | None = None,
    evidence: bool = True,
) -> UnionConvexity:
    """Is ``⋃_{π∈S} cl R_π ∩ D`` convex? Exact evidence either way.

    ``S`` holds realizable patterns (rows of bits or 0/1 strings). Pass a
    :class:`UnionGeometry` to reuse the regions' geometry across many sets.
    With ``evidence=False`` a non-convex verdict for a one-hidden-layer
    network may rest on the separation argument alone (no segment search).

    Parameters
    ----------
    net
        The network.
    S
        Realizable patterns (rows of bits or 0/1 strings).
    domain
        The domain ``D``.
    geometry
        A :class:`UnionGeometry` of ``net`` and ``domain`` to reuse.
    evidence
        Whether a non-convex verdict must carry a segment (see above).

    Returns
    -------
    UnionConvexity

    Raises
    ------
    InvalidInputError
        When a pattern of ``S`` is not realizable in ``domain`` or has the
        wrong length.

    Examples
    --------
    >>> import polyfold as pf
    >>> net = pf.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    >>> box = pf.Box([-1, -1], [1, 1])
    >>> is_union_convex(net, ["00", "10"], box).convex      # the lower half
    True
    >>> r = is_union_convex(net, ["00", "10", "01"], box)    # an L shape
    >>> r.convex, r.path.bitstrings()[r.outside_piece]
    (False, '11')
    """
    geo = geometry if geometry is not None else UnionGeometry(net, domain)
    keys = _subset_keys(geo, S)
    idx = [geo.keys.index(k) for k in keys]
    members = set(keys)
    separators: dict[str, tuple[np.ndarray, Fraction]] = {}
    s_ge = geo.ge[:, idx].all(axis=1)
    s_le = geo.le[:, idx].all(axis=1)
    unseparated = None
    for r, key in enumerate(geo.keys):
        if key in members:
            continue
        plus = np.flatnonzero(s_ge & geo.le[:, r])
        if plus.size:
            c, gamma = geo.planes[plus[0]]
            separators[key] = (c, gamma)
            continue
        minus = np.flatnonzero(s_le & geo.ge[:, r])
        if minus.size:
            c, gamma = geo.planes[minus[0]]
            separators[key] = (-c, -gamma)
            continue
        unseparated = key
        break
    if unseparated is None:
        return UnionConvexity(True, separators=separators)
    found = _segment_evidence(geo, keys, members) if evidence or net.depth > 1 else None
    if found is None:
        if net.depth == 1:
            return UnionConvexity(False, unseparated=unseparated)
        raise UndecidedError(
            "S: no separating hyperplane among the regions' inequalities and no segment "
            "leaving the union between their vertices; this union is not decided"
        )
    a, b, path, piece = found
    return UnionConvexity(
        False, segment=(a, b), path=path, outside_piece=piece, unseparated=unseparated
    )


def _segment_evidence(
    geo: UnionGeometry, keys: list[str], members: set[str]
) -> tuple[np.ndarray, np.ndarray, Path, int] | None:
    """Two points of the union whose exact walk crosses a region outside ``S``."""
    points = []
    for key in keys:
        w = geo.graph.nodes[key]["witness"]
        points.append(w)
        points += [(2 * w + v) / 3 for v in geo.vertices[key]]
        points += geo.vertices[key]
    for a, b in combinations(points, 2):
        path = walk(geo.net, a, b)
        for j, bits in enumerate(path.bitstrings()):
            if bits not in members:
                return a, b, path, j
    return None


def verify_union_convexity(geo: UnionGeometry, S: Any, result: UnionConvexity) -> bool:
    """Re-check a :class:`UnionConvexity` answer in exact arithmetic.

    Parameters
    ----------
    geo
        The geometry the answer was computed on.
    S
        The set of patterns asked about.
    result
        The answer to check.

    Returns
    -------
    bool
        Whether the evidence holds exactly: every separator has the union's
        vertices on its ``≥`` side and the outsider's on its ``≤`` side; or both
        ends of the segment lie in the union and the exact walk between them has
        the named piece outside it.
    """
    keys = _subset_keys(geo, S)
    members = set(keys)
    if result.convex:
        union_pts = [v for k in keys for v in geo.vertices[k]]
        outsiders = [k for k in geo.keys if k not in members]
        if result.separators is None or set(result.separators) != set(outsiders):
            return False
        for key, (c, gamma) in result.separators.items():
            if not all(v.dot(c) >= gamma for v in union_pts):
                return False
            if not all(w.dot(c) <= gamma for w in geo.vertices[key]):
                return False
            if all(v == 0 for v in c):
                return False
        return True
    if result.path is None or result.segment is None or result.outside_piece is None:
        return result.unseparated is not None and geo.net.depth == 1
    a, b = result.segment
    for p in (a, b):
        if not any(_in_closed_region(geo, k, p) for k in keys):
            return False
    path = walk(geo.net, a, b)
    return path.bitstrings()[result.outside_piece] not in members


def _in_closed_region(geo: UnionGeometry, key: str, x: np.ndarray) -> bool:
    reg = region(geo.net, key, geo.domain)
    return bool(all(v <= 0 for v in reg.A.dot(x) - reg.b))


@dataclass(frozen=True, eq=False)
class Lemma1Report:
    """Both sides of Lemma 1 on many subsets: counts and every disagreement with evidence.

    Attributes
    ----------
    n_regions : int
        The realizable patterns in the domain.
    checked, convex, agree : int
        Subsets checked, those whose union is convex, and those where both
        sides agree.
    disagreements : list
        ``(S, hamming, union)`` for each subset where they differ: its keys,
        the :class:`~polyfold.intervals.HammingConvexity` and the
        :class:`UnionConvexity`.
    undecided : list
        Subsets left undecided.
    complete : bool
        False when ``time_budget`` or Ctrl-C stopped the check.
    interrupted : bool
        Whether Ctrl-C stopped it.
    """

    n_regions: int
    checked: int
    convex: int
    agree: int
    disagreements: list[tuple[list[str], Any, UnionConvexity]]
    undecided: list[list[str]]
    complete: bool = True  # False when time_budget or Ctrl-C stopped the check early
    interrupted: bool = False

    @property
    def holds(self) -> bool:
        """Every subset was checked and none disagreed.

        A report stopped early (``complete=False``) never holds: the subsets
        left unchecked could disagree. ``disagreements`` lists what it found.
        """
        return self.complete and not self.disagreements


def check_lemma1(
    net: Network,
    domain: Any,
    *,
    subsets: str | int = "all",
    seed: int = 0,
    evidence: bool = False,
    geometry: UnionGeometry | None = None,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> Lemma1Report:
    """Compare Hamming convexity (Definition 2) with convexity of the union, subset by subset.

    ``subsets="all"`` takes every non-empty subset of the realizable patterns;
    one hidden layer checks all of them at once as bitmasks (up to 2^24), a
    deeper network one union-convexity certificate per subset, so there
    ``"all"`` is refused beyond 2^12 subsets. An integer ``k`` takes ``k``
    random subsets (seeded): half of them connected in the region graph (grown
    by a random walk), half uniform. For one hidden layer the lemma says the
    two sides always agree; for deeper networks disagreements are
    counterexamples, reported with both sides' evidence. ``time_budget``
    (seconds) or Ctrl-C stop early with the subsets checked so far, and the
    report says ``complete=False``.

    Parameters
    ----------
    net
        The network.
    domain
        The domain.
    subsets
        ``"all"`` or a number of random subsets.
    seed
        The random seed of the subsets.
    evidence
        Whether non-convex verdicts carry a segment.
    geometry
        A :class:`UnionGeometry` to reuse.
    time_budget
        Seconds after which to stop (the report then says so).
    progress
        Report progress on standard error.

    Returns
    -------
    Lemma1Report

    Raises
    ------
    InvalidInputError
        When ``"all"`` would be too many subsets for the network's depth.
    """
    check_progress(progress)
    deadline = None
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    geo = geometry if geometry is not None else UnionGeometry(net, domain)
    keys = geo.keys
    omega = geo.omega
    n = len(keys)
    chosen: Iterator[list[int]]
    total: int | None = None
    if subsets == "all":
        if n > _MAX_ALL:
            raise InvalidInputError(
                f"subsets: 'all' would check 2^{n} subsets (at most 2^{_MAX_ALL}); give a number"
            )
        if (net.depth > 1 or evidence) and n > _MAX_ALL_ONE_BY_ONE:
            raise InvalidInputError(
                f"subsets: 'all' would run 2^{n} - 1 union-convexity certificates one by one "
                f"on this {net.depth}-layer network (at most 2^{_MAX_ALL_ONE_BY_ONE}); give a "
                "number of random subsets instead, e.g. subsets=2000"
            )
        total = 2**n - 1
        if net.depth == 1 and not evidence:
            return _lemma1_all_subsets(geo)
        chosen = (list(c) for size in range(1, n + 1) for c in combinations(range(n), size))
    elif isinstance(subsets, int) and not isinstance(subsets, bool) and subsets > 0:
        chosen = iter(_random_subsets(geo, subsets, seed))
        total = subsets
    else:
        raise InvalidInputError(f"subsets: expected 'all' or a positive integer, got {subsets!r}")
    checked = convex = agree = 0
    disagreements = []
    undecided = []
    complete, interrupted = True, False
    bar = progress_bar(progress, total=total, unit="subsets")
    try:
        for idx in chosen:
            if deadline is not None and time.perf_counter() > deadline:
                complete = False
                break
            s = omega[idx]
            hamming = is_hamming_convex(s, omega)
            try:
                euclid = is_union_convex(net, s, domain, geometry=geo, evidence=evidence)
            except UndecidedError:
                undecided.append([keys[i] for i in idx])
                continue
            checked += 1
            convex += bool(euclid.convex)
            if bool(hamming.convex) == bool(euclid.convex):
                agree += 1
            else:
                disagreements.append(([keys[i] for i in idx], hamming, euclid))
            bar.update(1)
    except KeyboardInterrupt:
        complete, interrupted = False, True
    finally:
        bar.close()
    return Lemma1Report(n, checked, convex, agree, disagreements, undecided, complete, interrupted)


_MAX_ALL = 24
_MAX_ALL_ONE_BY_ONE = 12


def _lemma1_all_subsets(geo: UnionGeometry) -> Lemma1Report:
    """Both sides of Lemma 1 for every non-empty subset at once, as bitmasks (arrangements).

    Subsets are the integers ``1 .. 2^n − 1`` (bit ``r`` = region ``geo.keys[r]``).

    * Euclidean: outsider ``r`` is separated by plane ``h`` when ``S ⊆ GE_h`` and
      ``r ∈ LE_h`` (or the mirror case); the union is convex iff every outsider is
      separated — for an arrangement that is a proof either way (see the module notes).
    * Hamming: ``S`` fails Definition 2 iff some members ``i, j`` have a realizable
      pattern of ``I(π_i, π_j)`` outside ``S``.

    Disagreements are re-decided one by one with full evidence.
    """
    from .intervals import in_hamming_interval

    n = len(geo.keys)
    full = (1 << n) - 1
    subsets = np.arange(1, full + 1, dtype=np.int64)
    weights = np.int64(1) << np.arange(n, dtype=np.int64)
    ge = (geo.ge.astype(np.int64) * weights).sum(axis=1)
    le = (geo.le.astype(np.int64) * weights).sum(axis=1)
    covered = np.zeros_like(subsets)
    for g, lo in zip(ge, le):
        covered |= np.where((subsets & ~g) == 0, lo, 0)
        covered |= np.where((subsets & ~lo) == 0, g, 0)
    euclid = (full & ~subsets & ~covered) == 0
    omega = geo.omega
    hamming = np.ones(len(subsets), dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            between = in_hamming_interval(omega[i], omega[j], omega)
            mask = np.int64((between.astype(np.int64) * weights).sum())
            both = ((subsets >> i) & (subsets >> j) & 1).astype(bool)
            hamming &= ~(both & ((mask & ~subsets) != 0))
    disagreements = []
    for idx in np.flatnonzero(hamming != euclid):
        keys = [geo.keys[r] for r in range(n) if (int(subsets[idx]) >> r) & 1]
        omega_s = as_patterns(keys, "S")
        disagreements.append(
            (
                keys,
                is_hamming_convex(omega_s, omega),
                is_union_convex(geo.net, omega_s, geo.domain, geometry=geo),
            )
        )
    agree = int(np.count_nonzero(hamming == euclid))
    return Lemma1Report(n, len(subsets), int(np.count_nonzero(euclid)), agree, disagreements, [])


def _random_subsets(geo: UnionGeometry, count: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    n = len(geo.keys)
    index = {k: i for i, k in enumerate(geo.keys)}
    out = []
    for t in range(count):
        size = int(rng.integers(1, n + 1))
        if t % 2 == 0:  # connected: grow by random adjacent regions
            current = {int(rng.integers(n))}
            while len(current) < size:
                frontier = sorted(
                    {index[v] for u in current for v in geo.graph[geo.keys[u]]} - current
                )
                if not frontier:
                    break
                current.add(int(rng.choice(frontier)))
            out.append(sorted(current))
        else:
            out.append(sorted(rng.choice(n, size=size, replace=False).tolist()))
    return out


@dataclass(frozen=True, eq=False)
class Lemma1Counterexample:
    """A network and a set ``S`` on which the two sides of Lemma 1 disagree, with evidence.

    Attributes
    ----------
    net : Network
    domain
        The domain searched.
    S : list of str
        The set's patterns.
    hamming : HammingConvexity
        Definition 2's answer (convex).
    euclidean : UnionConvexity
        The union's answer (not convex), with its segment.
    geometry : UnionGeometry
        The regions' geometry, to check further sets.
    """

    net: Network
    domain: Any
    S: list[str]
    hamming: Any
    euclidean: UnionConvexity
    geometry: UnionGeometry = field(repr=False)


def search_lemma1_counterexample(
    *,
    hidden: tuple[int, ...] = (2, 2),
    n_inputs: int = 2,
    seeds: int | Iterable[int] = 50,
    domain: Any = None,
    time_budget: float | None = None,
    progress: bool | None = None,
) -> Lemma1Counterexample | None:
    """Search random deeper networks for a set where Lemma 1 fails; the smallest found.

    Networks ``n_inputs-hidden-1`` are drawn with the given seeds; on each,
    subsets are tried in order of size, so the first disagreement is the
    smallest on that network; the smallest over all networks is returned
    (ties: the fewest regions), or None when every subset of every network agreed.
    ``time_budget`` (seconds) or Ctrl-C end the search early with the smallest
    found so far; a warning then says how many networks were searched, so that
    None is never read as "none exists".

    Parameters
    ----------
    hidden
        The hidden layers' widths (two or more layers: one layer never disagrees).
    n_inputs
        The input dimension.
    seeds
        The networks' seeds: ``n`` for ``0..n−1``, or the seeds themselves.
    domain
        The domain (default ``[−1, 1]^n_inputs``).
    time_budget
        Seconds after which to stop with the smallest found so far.
    progress
        A progress bar on stderr.

    Returns
    -------
    Lemma1Counterexample or None
        The smallest disagreement found, or None when every subset agreed.

    Warns
    -----
    UserWarning
        When the search stopped early (how many networks were searched).
    """
    import warnings

    from .domains import Box
    from .zoo import random_network

    chosen = check_seeds(seeds)
    deadline = None
    if time_budget is not None:
        deadline = time.perf_counter() + check_budget(time_budget, "time_budget")
    dom = domain if domain is not None else Box([-1] * n_inputs, [1] * n_inputs)
    best = None
    searched = 0
    bar = progress_bar(progress, total=len(chosen), unit="networks")
    try:
        for seed in chosen:
            if deadline is not None and time.perf_counter() > deadline:
                break
            net = random_network([n_inputs, *hidden, 1], seed=seed, bias_std=0.5)
            geo = UnionGeometry(net, dom)
            searched += 1
            bar.update(1)
            if len(geo.keys) > _MAX_ALL_ONE_BY_ONE:
                continue
            rep = check_lemma1(net, dom, geometry=geo, evidence=True, progress=False)
            if rep.disagreements:
                keys, hamming, euclid = rep.disagreements[0]
                size = (len(keys), len(geo.keys))
                if best is None or size < best[0]:
                    best = (size, Lemma1Counterexample(net, dom, keys, hamming, euclid, geo))
                if size[0] == 1:
                    searched = len(chosen)
                    break
    except KeyboardInterrupt:
        pass
    finally:
        bar.close()
    if searched < len(chosen):
        warnings.warn(
            f"search_lemma1_counterexample stopped after {searched} of {len(chosen)} networks"
            + ("" if best is not None else ": no counterexample among them, which proves nothing"),
            stacklevel=2,
        )
    return None if best is None else best[1]
