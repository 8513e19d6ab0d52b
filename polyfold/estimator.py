r"""How wrong the published sampling estimator of χ is, measured against the exact χ.

The estimator (Lewandowski et al., TMLR 2025, reproducibility code) evaluates
the pattern at ``n`` equally spaced parameters ``t = i/(n−1)`` of a segment,
drops consecutive repeats and applies χ. :func:`estimator_report` runs it for
several ``n`` over many segments at once — the sampled patterns proven, so the
comparison measures the estimator and not float noise — beside the exact walk
of every segment, and reports per ``n``:

- ``mae``: the mean of ``|χ_n − χ|`` (exact);
- ``missed``: the fraction of folded paths (``χ > 0``) the sampler sees flat;
- ``unseen``: the fraction of the regions crossed (distinct patterns per path)
  that no sample falls in;
- ``over``, ``under``: the fractions of paths where ``χ_n > χ`` and ``χ_n < χ``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidInputError, check_count

if TYPE_CHECKING:
    from .network import Network

__all__ = ["EstimatorReport", "EstimatorRow", "estimator_report"]

_SEGMENTS_PER_BATCH = 64  # samples of this many segments go through one forward pass


@dataclass(frozen=True)
class EstimatorRow:
    """The sampling estimator with ``n`` samples against the exact χ, over all segments.

    Attributes
    ----------
    n : int
        The number of samples per segment.
    mae : fractions.Fraction
        The mean absolute error of the sampled χ.
    missed : fractions.Fraction or None
        The fraction of folded segments that the sampler sees flat (None when
        nothing folds).
    unseen : fractions.Fraction
        The fraction of regions the sampler never sees.
    over, under : fractions.Fraction
        The fractions of segments it over- and under-estimates.
    """

    n: int
    mae: Fraction
    missed: Fraction | None  # None when no path folds
    unseen: Fraction
    over: Fraction
    under: Fraction


@dataclass(frozen=True, eq=False)
class EstimatorReport:
    """Per ``n``, an :class:`EstimatorRow`; ``chi`` and ``sampled[n]`` per segment.

    Attributes
    ----------
    rows : list of EstimatorRow
    chi : list of fractions.Fraction
        The exact χ per segment.
    sampled : dict
        Per ``n``, the sampled χ per segment.
    ends : numpy.ndarray or None
        With ``data=(X, y)``: the rows ``(i, j)`` of ``X`` each segment joins.
    """

    rows: list[EstimatorRow]
    chi: list[Fraction]
    sampled: dict[int, list[Fraction]]
    ends: np.ndarray | None = None  # with data=(X, y): the rows (i, j) of X each segment joins

    def table(self, number: Callable[[Fraction], Any] = float) -> list[dict[str, Any]]:
        """The rows as dicts, each fraction through ``number`` (``float`` for printing or
        a CSV, ``str`` for an exact JSON document); ``missed`` is None when nothing folds.

        Parameters
        ----------
        number
            How to write each fraction.

        Returns
        -------
        list of dict
        """
        return [
            {
                "n": r.n,
                "mae": number(r.mae),
                "missed": None if r.missed is None else number(r.missed),
                "unseen": number(r.unseen),
                "over": number(r.over),
                "under": number(r.under),
            }
            for r in self.rows
        ]


def _pairs_between(y: np.ndarray, segments: int, seed: int) -> np.ndarray:
    """``segments`` seeded rows ``(i, j)`` with ``y[i] ≠ y[j]``, ``i`` uniform, ``j`` uniform
    among the points of other labels."""
    rng = np.random.default_rng(seed)
    if len(np.unique(y)) < 2:
        raise InvalidInputError("data: y needs at least two classes for segments between them")
    i = rng.integers(0, len(y), size=segments)
    j = np.empty(segments, dtype=np.int64)
    for c in np.unique(y[i]):
        rows = np.flatnonzero(y[i] == c)
        others = np.flatnonzero(y != c)
        j[rows] = others[rng.integers(0, len(others), size=len(rows))]
    return np.stack([i, j], axis=1)


def estimator_report(
    net: Network,
    x1: Any = None,
    x2: Any = None,
    ns: Any = (11, 100, 1000),
    *,
    data: Any = None,
    segments: int = 1000,
    seed: int = 0,
) -> EstimatorReport:
    """The sampling estimator at each ``n`` in ``ns`` against the exact χ of ``x1[i] → x2[i]``.

    Parameters
    ----------
    net
        A piecewise-linear network.
    x1, x2
        Arrays ``(m, net.n_inputs)``: the segments (or give ``data``).
    ns
        The sample counts ``n ≥ 2`` to report on.
    data
        ``(X, y)`` instead of ``x1, x2``: ``segments`` segments between points
        of different labels, seeded by ``seed`` (the first end uniform over the
        rows, the second uniform over the rows of other labels).
    segments, seed
        With ``data``: how many segments, and their seed.

    Returns
    -------
    EstimatorReport
        ``rows`` (one :class:`EstimatorRow` per ``n``: ``mae``, ``missed``,
        ``unseen``, ``over``, ``under``, exact fractions), the exact ``chi`` of
        every segment, ``sampled[n]`` per segment, and with ``data`` the rows
        ``ends`` each segment joins.

    Raises
    ------
    InvalidInputError
        For smooth activations, mismatched arrays, ``n < 2``, both or neither of
        ``x1, x2`` and ``data``, or data with a single class.

    Examples
    --------
    >>> from polyfold import zoo
    >>> rep = estimator_report(zoo.tent(), [[0.125]], [[0.875]], ns=(3, 9))
    >>> [(r.n, str(r.mae), str(r.unseen)) for r in rep.rows]
    [(3, '1/3', '1/4'), (9, '0', '0')]
    """
    from flint import fmpq

    from ._arith import ExactBackend
    from ._certwalk import certified_patterns
    from ._numeric import SAFE, U
    from .folding import chi, dedupe
    from .network import as_points
    from .walks import walk_many

    if isinstance(ns, (int, np.integer)):
        ns = (ns,)
    ns = tuple(check_count(n, "ns", minimum=2) for n in ns)
    if not ns:
        raise InvalidInputError("ns: expected at least one sample count")
    if any(a.smooth for a in net.activations):
        raise InvalidInputError("net: smooth activations have no exact sampled patterns")
    ends = None
    if data is not None:
        from .phi import labelled_points

        if x1 is not None or x2 is not None:
            raise InvalidInputError("data: give either x1, x2 or data=(X, y), not both")
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise InvalidInputError("data: expected a pair (X, y)")
        points, labels = labelled_points(net, data[0], data[1])
        ends = _pairs_between(labels, check_count(segments, "segments"), seed)
        x1, x2 = points[ends[:, 0]], points[ends[:, 1]]
    elif x1 is None or x2 is None:
        raise InvalidInputError("x1, x2: expected the segments' end points (or data=(X, y))")
    p1 = as_points(x1, "x1", net.n_inputs, False)
    p2 = as_points(x2, "x2", net.n_inputs, False)
    if p1.ndim != 2 or p1.shape != p2.shape:
        raise InvalidInputError(
            f"x1, x2: expected two arrays of the same shape (m, {net.n_inputs})"
        )
    paths = walk_many(net, p1, p2)
    exact_chi = [p.chi for p in paths]
    regions = [{row.tobytes() for row in p.patterns} for p in paths]
    e1, e2 = ExactBackend.array(p1), ExactBackend.array(p2)
    sampled: dict[int, list[Fraction]] = {}
    rows = []
    for n in ns:
        ts = np.arange(n) / (n - 1)
        chis: list[Fraction] = []
        unseen = total = 0
        for s0 in range(0, len(p1), _SEGMENTS_PER_BATCH):
            seg = np.arange(s0, min(len(p1), s0 + _SEGMENTS_PER_BATCH))
            d = p2[seg] - p1[seg]
            pts = (p1[seg][:, None, :] + ts[None, :, None] * d[:, None, :]).reshape(-1, p1.shape[1])
            # |t̃ − t||d|, three roundings, as for one segment (folding.sampled_patterns)
            radius = (
                4 * U * np.repeat(np.abs(d).max(axis=1), n) + 2 * U * np.abs(pts).max(axis=1)
            ) * SAFE + 2.0**-1000

            def exact_rows(rows_: np.ndarray, seg: np.ndarray = seg, n: int = n) -> np.ndarray:
                out = np.empty((len(rows_), p1.shape[1]), dtype=object)
                for r, k in enumerate(rows_):
                    s, i = seg[int(k) // n], int(k) % n
                    out[r] = e1[s] + fmpq(i, n - 1) * (e2[s] - e1[s])
                return out

            bits = certified_patterns(net, pts, radius, exact_rows)[:, net.pattern_columns]
            for b, s in enumerate(seg):
                seen = dedupe(bits[b * n : (b + 1) * n])
                chis.append(chi(seen))
                got = {row.tobytes() for row in seen}
                unseen += len(regions[s] - got)
                total += len(regions[s])
        sampled[n] = chis
        m = len(chis)
        folded = [i for i, c in enumerate(exact_chi) if c > 0]
        rows.append(
            EstimatorRow(
                n=n,
                mae=sum((abs(a - b) for a, b in zip(chis, exact_chi)), Fraction(0)) / m,
                missed=(
                    Fraction(sum(chis[i] == 0 for i in folded), len(folded)) if folded else None
                ),
                unseen=Fraction(unseen, total),
                over=Fraction(sum(a > b for a, b in zip(chis, exact_chi)), m),
                under=Fraction(sum(a < b for a, b in zip(chis, exact_chi)), m),
            )
        )
    return EstimatorReport(rows, exact_chi, sampled, ends)
