"""An independent, slow reference for walks: exact evaluation at chosen points.

Nothing here uses the walk's knots or interpolation: every pattern is computed
by a fresh exact forward pass (``Network.pattern(..., exact=True)``) at
rational points of the segment.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

import polyfold as pf


def point_at(path: pf.Path, t: Fraction) -> np.ndarray:
    x1 = np.array([Fraction(v) for v in path.x1], dtype=object)
    x2 = np.array([Fraction(v) for v in path.x2], dtype=object)
    return (1 - t) * x1 + t * x2


def exact_pattern(net: pf.Network, path: pf.Path, t: Fraction) -> np.ndarray:
    return net.pattern(point_at(path, t), exact=True)


def check_path_against_reference(
    net: pf.Network, path: pf.Path, *, samples: int = 0, seed: int = 0
) -> None:
    """Assert the walk's answer against fresh exact evaluations.

    - every piece's pattern equals the exact pattern at the piece's midpoint;
    - adjacent pieces differ;
    - the pattern at every breakpoint equals the exact pattern there;
    - ``samples`` random rational parameters each get the pattern of the
      piece containing them (or the breakpoint's), so no change is missed
      at that resolution.
    """
    t = [Fraction(v) for v in path.breakpoints]
    assert t[0] == 0 and t[-1] == 1
    assert all(a < b for a, b in zip(t, t[1:])), "breakpoints must increase"
    assert path.patterns.shape[0] == len(t) - 1
    touch_ts = {Fraction(tt) for tt, _ in path.touches}
    for j in range(path.n_pieces):
        # the midpoint, or another interior point when a touch sits at the midpoint
        mid = next(
            m
            for m in (t[j] + (t[j + 1] - t[j]) * w for w in (Fraction(1, 2), Fraction(1, 3)))
            if m not in touch_ts
        )
        np.testing.assert_array_equal(path.patterns[j], exact_pattern(net, path, mid))
    for j in range(path.n_pieces - 1):
        assert np.any(path.patterns[j] != path.patterns[j + 1]), "adjacent pieces must differ"
    for j, tj in enumerate(t):
        np.testing.assert_array_equal(path.point_patterns[j], exact_pattern(net, path, tj))
    rng = np.random.default_rng(seed)
    for _ in range(samples):
        s = Fraction(int(rng.integers(1, 10**6)), 10**6)
        j = int(np.searchsorted(np.array(t, dtype=object), s, side="right")) - 1
        expected = exact_pattern(net, path, s)
        if t[j] == s:
            np.testing.assert_array_equal(path.point_patterns[j], expected)
        elif not any(tt == s for tt, _ in path.touches):
            np.testing.assert_array_equal(path.patterns[j], expected)


def check_affine_on_pieces(net: pf.Network, path: pf.Path, seed: int = 0) -> None:
    """For ReLU with τ = 0, the network is affine on each piece: no kink was missed.

    At a random interior rational point every pre-activation must equal the
    linear interpolation of its values at the piece's ends.
    """
    rng = np.random.default_rng(seed)
    t = [Fraction(v) for v in path.breakpoints]
    for a, b in zip(t, t[1:]):
        s = a + (b - a) * Fraction(int(rng.integers(1, 999)), 1000)
        za = net.preactivations(point_at(path, a), exact=True)
        zb = net.preactivations(point_at(path, b), exact=True)
        zs = net.preactivations(point_at(path, s), exact=True)
        lam = (s - a) / (b - a)
        for la, lb, ls in zip(za, zb, zs):
            assert list(ls) == list(la + lam * (lb - la))


def path_fields(path: pf.Path) -> dict:
    """Every field of a path that two routes must agree on, exact values as Fractions."""
    return {
        "breakpoints": [Fraction(t) for t in path.breakpoints],
        "patterns": path.patterns.tolist(),
        "point_patterns": path.point_patterns.tolist(),
        "touches": [(Fraction(t), b.tolist()) for t, b in path.touches],
        "flat": [(Fraction(a), Fraction(b), bits.tolist()) for a, b, bits in path.flat],
    }
