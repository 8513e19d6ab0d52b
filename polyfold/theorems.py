r"""A theorem lab: property checks that hunt for counterexamples, in exact arithmetic.

Each check draws random networks (seeded; small integer-valued weights, which
make coincidences and degenerate cases common, alternating with He-initialised
float weights), walks random segments exactly, and evaluates a property. The
first failure is *shrunk* — hidden units are removed and the segment is cut to
a shorter sub-walk for as long as the property still fails — and returned with
exact numbers; otherwise the result says how many cases held.

Built-in properties — facts that hold for every path (Lewandowski et al., TMLR 2025):
``stability``, ``bounds`` (``0 ≤ χ < 1``, ``D ≤ r1 ≤ L``, ``2 r1 ≤ L + D``,
``½(1 − D/L) ≤ χ ≤ 1 − D/L``, closed paths ``χ ≥ ½``), ``reversal``
(``|χ(Γ) − χ(−Γ)| ≤ D/L``), ``flatness`` (``χ(Γ) = 0 ⇔ χ(−Γ) = 0``),
``one-layer`` (one hidden layer never folds a segment), ``lemma1`` (on
arrangements); and claims to test rather than assume: ``symmetry``
(``χ(Γ) = χ(−Γ)``; its counterexamples show asymmetry), ``subadditive`` and
``superadditive`` (``χ(Γ) ≤ / ≥ χ(Γ1) + χ(Γ2)``; counterexamples show
non-additivity in each direction), ``triangle`` (the symmetrised ``d_χ``
satisfies the triangle inequality), ``threshold`` (a lower threshold gives at
least as many regions and at least as much folding).

>>> from polyfold import theorems
>>> theorems.check("bounds", cases=200, seed=1).holds
True
>>> cx = theorems.check("symmetry", cases=2000, seed=0).counterexample
>>> cx.details["chi"] != cx.details["chi_reversed"]
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from . import folding
from .errors import InvalidInputError, check_count
from .network import Network
from .path import Path
from .walks import walk, walk_many
from .zoo import he_layer

__all__ = ["PROPERTIES", "CheckResult", "Counterexample", "Property", "check", "register"]

Verdict = tuple[bool, dict[str, Any]]


@dataclass(frozen=True)
class Property:
    """A named property: ``fn(case) -> (holds, details)``.

    ``kind`` is ``"path"`` (the case is a :class:`Path` of an exact walk),
    ``"triple"`` (a network and three points), or ``"network"`` (a network,
    with its input dimension and a domain box ``[-1, 1]^d``).

    Attributes
    ----------
    name : str
    fn : callable
        ``fn(case) -> bool`` or ``(bool, details)``.
    kind : str
        ``"path"``, ``"triple"`` or ``"network"``.
    description : str
    one_layer : bool
        Whether the property is claimed for one hidden layer only.
    """

    name: str
    fn: Callable[..., Verdict]
    kind: str = "path"
    description: str = ""
    one_layer: bool = False  # draw only one-hidden-layer networks


@dataclass(frozen=True, eq=False)
class Counterexample:
    """A failing case, shrunk: the network, the points, and the property's exact numbers.

    Attributes
    ----------
    net : Network
    points : tuple of numpy.ndarray
    details : dict
        The property's exact numbers on the case.
    shrunk_from : tuple of int
        ``(hidden units, pieces)`` of the case before shrinking.
    """

    net: Network
    points: tuple[np.ndarray, ...]
    details: dict[str, Any]
    shrunk_from: tuple[int, int]  # (hidden units, pieces) before shrinking


@dataclass(frozen=True, eq=False)
class CheckResult:
    """The outcome: ``holds`` (no counterexample in ``cases``), or the counterexample.

    Attributes
    ----------
    name : str
    holds : bool
    cases : int
    counterexample : Counterexample or None
    """

    name: str
    holds: bool
    cases: int
    counterexample: Counterexample | None

    def __bool__(self) -> bool:
        return self.holds


PROPERTIES: dict[str, Property] = {}


def register(
    name: str,
    fn: Callable[..., Any],
    *,
    kind: str = "path",
    description: str = "",
    one_layer: bool = False,
) -> Property:
    """Register a property ``fn(case)`` returning a bool or ``(bool, details)``.

    ``kind="path"`` gets the exact :class:`Path` of a random segment;
    ``kind="triple"`` gets ``(net, a, b, c)``; ``kind="network"`` gets the network.

    Parameters
    ----------
    name
        The property's name (unique).
    fn
        The property.
    kind
        ``"path"``, ``"triple"`` or ``"network"``.
    description
        One line for listings.
    one_layer
        Whether to test networks of one hidden layer only.

    Returns
    -------
    Property

    Raises
    ------
    InvalidInputError
        For an unknown ``kind``.
    """
    if kind not in ("path", "triple", "network"):
        raise InvalidInputError(f"kind: expected 'path', 'triple' or 'network', got {kind!r}")

    if not callable(fn):
        raise InvalidInputError(f"fn: expected a function of the case, got {type(fn).__name__}")

    def wrapped(*args: Any) -> Verdict:
        out = fn(*args)
        verdict, details = (
            (out[0], out[1]) if isinstance(out, tuple) and len(out) == 2 else (out, {})
        )
        if type(verdict).__name__ not in ("bool", "bool_"):
            # a truthy non-boolean (``...``, a number, a list) must not count as "holds"
            raise InvalidInputError(
                f"fn: property {name!r} must return True/False or (bool, details), "
                f"got {type(verdict).__name__} {verdict!r:.60}"
            )
        return bool(verdict), dict(details)

    prop = Property(name, wrapped, kind, description, one_layer)
    PROPERTIES[name] = prop
    return prop


# -- the built-in properties --------------------------------------------------------


def _numbers(path: Path) -> dict[str, Any]:
    return {
        "patterns": path.bitstrings(),
        "chi": path.chi,
        "r1": path.r1,
        "L": path.r2,
        "D": path.D,
    }


def _stability(path: Path) -> Verdict:
    p = path.patterns
    ok = all(folding.chi(np.insert(p, i, p[i], axis=0)) == path.chi for i in range(len(p)))
    return ok, _numbers(path)


def _bounds(path: Path) -> Verdict:
    chi, r1, length, d = path.chi, path.r1, path.r2, path.D
    ok = 0 <= chi < 1 and d <= r1 <= length and 2 * r1 <= length + d
    if length:
        ok = ok and Fraction(1, 2) * (1 - Fraction(d, length)) <= chi <= 1 - Fraction(d, length)
        ok = ok and (d != 0 or chi >= Fraction(1, 2))
    return ok, _numbers(path)


def _reversal(path: Path) -> Verdict:
    back = folding.chi(path.patterns[::-1])
    bound = Fraction(path.D, path.r2) if path.r2 else Fraction(0)
    return abs(path.chi - back) <= bound, {**_numbers(path), "chi_reversed": back}


def _flatness(path: Path) -> Verdict:
    back = folding.chi(path.patterns[::-1])
    return (path.chi == 0) == (back == 0), {**_numbers(path), "chi_reversed": back}


def _symmetry(path: Path) -> Verdict:
    back = folding.chi(path.patterns[::-1])
    return path.chi == back, {**_numbers(path), "chi_reversed": back}


def _additivity(sign: int) -> Callable[[Path], Verdict]:
    def prop(path: Path) -> Verdict:
        p = path.patterns
        for k in range(1, len(p) - 1):
            a, b = folding.chi(p[: k + 1]), folding.chi(p[k:])
            if sign * (path.chi - a - b) > 0:
                return False, {**_numbers(path), "k": k + 1, "chi_1": a, "chi_2": b}
        return True, _numbers(path)

    return prop


def _one_layer(path: Path) -> Verdict:
    return path.chi == 0, _numbers(path)


def _triangle(net: Network, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> Verdict:
    dab, dbc, dac = folding.d_chi(net, a, b), folding.d_chi(net, b, c), folding.d_chi(net, a, c)
    return dac <= dab + dbc, {"d_ab": dab, "d_bc": dbc, "d_ac": dac}


def _threshold(path: Path, net: Network) -> Verdict:
    higher = net.with_options(threshold=net.threshold + Fraction(1, 4))
    other = walk(higher, path.x1, path.x2)
    ok = path.n_pieces >= other.n_pieces and path.chi >= other.chi
    return ok, {
        "threshold": net.threshold,
        "regions": path.n_pieces,
        "chi": path.chi,
        "higher_threshold": higher.threshold,
        "regions_higher": other.n_pieces,
        "chi_higher": other.chi,
    }


def _lemma1(net: Network) -> Verdict:
    from .convexity import check_lemma1
    from .domains import Box

    box = Box([-1] * net.n_inputs, [1] * net.n_inputs)
    rep = check_lemma1(net, box)
    return rep.holds, {
        "regions": rep.n_regions,
        "subsets": rep.checked,
        "disagreements": [d[0] for d in rep.disagreements],
    }


register("stability", _stability, description="repeating a pattern does not change chi")
register(
    "bounds",
    _bounds,
    description="0 <= chi < 1, D <= r1 <= L, 2 r1 <= L + D, "
    "(1 - D/L)/2 <= chi <= 1 - D/L, closed paths chi >= 1/2",
)
register("reversal", _reversal, description="|chi(G) - chi(-G)| <= D/L")
register("flatness", _flatness, description="chi(G) = 0 iff chi(-G) = 0")
register(
    "one-layer", _one_layer, one_layer=True, description="one hidden layer never folds a segment"
)
register("symmetry", _symmetry, description="chi(G) = chi(-G) (false: finds asymmetry)")
register("subadditive", _additivity(1), description="chi(G) <= chi(G1) + chi(G2)")
register("superadditive", _additivity(-1), description="chi(G) >= chi(G1) + chi(G2)")
register(
    "triangle", _triangle, kind="triple", description="d_chi(a, c) <= d_chi(a, b) + d_chi(b, c)"
)
register(
    "lemma1",
    _lemma1,
    kind="network",
    one_layer=True,
    description="Lemma 1: Hamming convexity iff convex union, on arrangements",
)
PROPERTIES["threshold"] = Property(
    "threshold",
    _threshold,
    "path+net",
    "a lower threshold gives at least as many regions and as much folding",
)


# -- drawing cases -----------------------------------------------------------------


def _random_net(
    rng: np.random.Generator, draw: int, prop: Property, sizes: dict[str, Any]
) -> Network:
    d = int(rng.integers(1, sizes["max_inputs"] + 1)) if prop.kind != "network" else 2
    depth = 1 if prop.one_layer else int(rng.integers(1, sizes["max_depth"] + 1))
    widths = [int(rng.integers(1, sizes["max_width"] + 1)) for _ in range(depth)]
    dims = [d, *widths, 1]
    layers = []
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        if draw % 2 == 0:  # small integers and halves: coincidences are common
            w = rng.integers(-3, 4, size=(n_out, n_in)).astype(object)
            b = np.array(
                [Fraction(int(v), 2) for v in rng.integers(-3, 4, size=n_out)], dtype=object
            )
            w = np.vectorize(Fraction, otypes=[object])(w)
        else:
            w, b = he_layer(rng, n_in, n_out, bias_std=0.5)
        layers.append((w, b))
    return Network.from_layers(layers)


def _random_points(rng: np.random.Generator, d: int, count: int) -> np.ndarray:
    return np.vectorize(Fraction, otypes=[object])(rng.integers(-8, 9, size=(count, d))) / 4


def check(
    name: str,
    *,
    cases: int = 1000,
    seed: int = 0,
    max_inputs: int = 3,
    max_depth: int = 3,
    max_width: int = 4,
    segments_per_network: int = 20,
    shrink: bool = True,
) -> CheckResult:
    """Search for a counterexample to property ``name`` over ``cases`` random cases.

    Networks have 1..``max_inputs`` inputs, 1..``max_depth`` hidden layers of
    1..``max_width`` units; each network is walked along
    ``segments_per_network`` random segments (exact arithmetic throughout).

    Parameters
    ----------
    name
        A registered property.
    cases
        The number of random cases.
    seed
        The random seed.
    max_inputs, max_depth, max_width
        The largest networks tried.
    segments_per_network
        Segments walked per network.
    shrink
        Whether to shrink a counterexample.

    Returns
    -------
    CheckResult

    Raises
    ------
    InvalidInputError
        For an unknown property.
    """
    if name not in PROPERTIES:
        raise InvalidInputError(
            f"name: expected one of {', '.join(sorted(PROPERTIES))}, got {name!r}"
        )
    cases = check_count(cases, "cases")
    prop = PROPERTIES[name]
    sizes = {"max_inputs": max_inputs, "max_depth": max_depth, "max_width": max_width}
    rng = np.random.default_rng(seed)
    done = draw = 0
    while done < cases:
        net = _random_net(rng, draw, prop, sizes)
        draw += 1
        if prop.kind == "network":
            ok, details = prop.fn(net)
            done += 1
            if not ok:
                return CheckResult(
                    name, False, done, Counterexample(net, (), details, (net.n_hidden, 0))
                )
            continue
        per = min(segments_per_network, cases - done)
        if prop.kind == "triple":
            pts = _random_points(rng, net.n_inputs, 3 * per).reshape(per, 3, net.n_inputs)
            for a, b, c in pts:
                done += 1
                ok, details = prop.fn(net, a, b, c)
                if not ok:
                    return CheckResult(
                        name,
                        False,
                        done,
                        Counterexample(net, (a, b, c), details, (net.n_hidden, 0)),
                    )
            continue
        x1 = _random_points(rng, net.n_inputs, per)
        x2 = _random_points(rng, net.n_inputs, per)
        for path in walk_many(net, x1, x2):
            done += 1
            ok, details = _evaluate(prop, path, net)
            if not ok:
                found = (net, path.x1, path.x2, details)
                before = (net.n_hidden, path.n_pieces)
                if shrink:
                    found = _shrink(prop, *found)
                cx = Counterexample(found[0], (found[1], found[2]), found[3], before)
                return CheckResult(name, False, done, cx)
    return CheckResult(name, True, done, None)


def _evaluate(prop: Property, path: Path, net: Network) -> Verdict:
    return prop.fn(path, net) if prop.kind == "path+net" else prop.fn(path)


def verify(name: str, cx: Counterexample) -> bool:
    """Re-evaluate a counterexample from scratch: True if the property really fails there."""
    prop = PROPERTIES[name]
    if prop.kind == "network":
        return not prop.fn(cx.net)[0]
    if prop.kind == "triple":
        return not prop.fn(cx.net, *cx.points)[0]
    return not _evaluate(prop, walk(cx.net, *cx.points), cx.net)[0]


# -- shrinking ---------------------------------------------------------------------------


def _without_unit(net: Network, layer: int, unit: int) -> Network | None:
    layers = net.exact_weights
    w, b = layers[layer]
    if w.shape[0] == 1:
        return None
    layers[layer] = (np.delete(w, unit, axis=0), np.delete(b, unit))
    nw, nb = layers[layer + 1]
    layers[layer + 1] = (np.delete(nw, unit, axis=1), nb)
    options = net.options
    options["linear_units"] = [
        np.flatnonzero(np.delete(m, unit) if i == layer else m).tolist()
        for i, m in enumerate(net.linear_units)
    ]
    try:
        return net.__class__(layers, **options)
    except InvalidInputError:  # the last unit with a bit
        return None


def _failing(verdict: Verdict) -> dict[str, Any] | None:
    return None if verdict[0] else verdict[1]


def _shrink_units(
    net: Network, details: dict[str, Any], fails: Callable[[Network], dict[str, Any] | None]
) -> tuple[Network, dict[str, Any]]:
    """Remove hidden units one at a time for as long as the property keeps failing."""
    progress = True
    while progress:
        progress = False
        for layer in range(net.depth):
            for unit in range(net.hidden_sizes[layer]):
                smaller = _without_unit(net, layer, unit)
                det = fails(smaller) if smaller is not None else None
                if smaller is not None and det is not None:
                    net, details, progress = smaller, det, True
                    break
            if progress:
                break
    return net, details


def _shrink(
    prop: Property, net: Network, x1: np.ndarray, x2: np.ndarray, details: dict[str, Any]
) -> tuple[Network, np.ndarray, np.ndarray, dict[str, Any]]:
    """Remove hidden units, then cut the segment, while the property keeps failing."""

    def fails(n: Network, a: np.ndarray, b: np.ndarray) -> dict[str, Any] | None:
        return _failing(_evaluate(prop, walk(n, a, b), n))

    net, details = _shrink_units(net, details, lambda n: fails(n, x1, x2))
    # cut the segment to the fewest pieces: end points at piece midpoints
    path = walk(net, x1, x2)
    t = path.breakpoints
    mids = [(t[j] + t[j + 1]) / 2 for j in range(path.n_pieces)]
    best = (path.n_pieces, x1, x2)
    for i in range(len(mids)):
        for j in range(i + 1, len(mids)):
            if j - i + 1 >= best[0]:
                break  # longer than the best found
            a = (1 - mids[i]) * x1 + mids[i] * x2
            b = (1 - mids[j]) * x1 + mids[j] * x2
            det = fails(net, a, b)
            if det is not None:
                best, details = (j - i + 1, a, b), det
                break  # the shortest from this start
    return net, best[1], best[2], details
