"""polyfold.path: the Path a walk returns — its shape, measures, reversal and joins."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold.path import Path, join_paths


def _bits(rows):
    return np.array([[c == "1" for c in r] for r in rows], dtype=bool)


def hand_path():
    # 000 → 100 → 110 → 001 at t = 1/4, 1/2 (one flip each), 3/4 (three flips at once);
    # x1 is inside its piece (same point pattern), x2 on a boundary (bit 2 of the point is
    # 0 although the last piece has it 1); at t = 1/8 unit 1 touches without crossing
    patterns = _bits(["000", "100", "110", "001"])
    points = _bits(["000", "000", "100", "000", "000"])
    t = np.array([F(0), F(1, 4), F(1, 2), F(3, 4), F(1)], dtype=object)
    x1 = np.array([F(0), F(0)], dtype=object)
    x2 = np.array([F(1), F(2)], dtype=object)
    touches = ((F(1, 8), np.array([1])),)
    return Path(t, patterns, points, True, x1, x2, touches)


def test_shape_and_measures_by_hand():
    p = hand_path()
    assert p.n_pieces == 4 and p.n_bits == 3 and p.exact and p.certified
    assert p.bitstrings() == ["000", "100", "110", "001"]
    assert [f.tolist() for f in p.flips] == [[0], [1], [0, 1, 2]]
    assert p.simultaneous == (3,)
    # r1 = max d(000, ·) = 2, r2 = 1 + 1 + 3 = 5, D = d(000, 001) = 1, χ = 1 − 2/5
    assert (p.r1, p.r2, p.L, p.D) == (2, 5, 5, 1)
    assert p.chi == F(3, 5)
    assert not p.starts_on_boundary and p.ends_on_boundary
    deg = p.degeneracies()
    assert deg["simultaneous_flips"][0][0] == F(3, 4) and not deg["single_point"]
    assert len(deg["touches"]) == 1
    assert p.interaction()[0] == 0 and p.interaction()[-1] == 0
    assert "4 pieces" in repr(p) and "chi=3/5" in repr(p)


def test_reversed_walks_back():
    p = hand_path()
    r = p.reversed()
    assert r.bitstrings() == p.bitstrings()[::-1]
    assert list(r.breakpoints) == [0, F(1, 4), F(1, 2), F(3, 4), 1]
    assert list(r.x1) == list(p.x2) and list(r.x2) == list(p.x1)
    assert r.touches[0][0] == F(7, 8)
    assert r.starts_on_boundary and not r.ends_on_boundary
    assert list(r.reversed().breakpoints) == list(p.breakpoints)
    # reversal keeps r2 and D; r1 is measured from the other end
    assert (r.r2, r.D) == (p.r2, p.D) and r.r1 == 3


def test_a_walk_and_its_reverse_and_join():
    net = pf.zoo.random_network([2, 6, 5, 1], seed=4)
    a, b, c = [-1, -1], [1, F(1, 2)], [F(1, 3), 1]
    ab, bc = pf.walk(net, a, b), pf.walk(net, b, c)
    back = pf.walk(net, b, a)
    assert back.bitstrings() == ab.reversed().bitstrings()
    assert list(back.breakpoints) == list(ab.reversed().breakpoints)
    poly = join_paths([ab, bc])
    through = np.array_equal(ab.patterns[-1], bc.patterns[0])  # b inside one region
    head = list(ab.breakpoints[:-1] if through else ab.breakpoints)
    assert list(poly.breakpoints) == [*head, *(1 + t for t in bc.breakpoints[1:])]
    assert poly.n_pieces == ab.n_pieces + bc.n_pieces - through
    assert poly.breakpoints[-1] == 2 and poly.exact
    assert pf.walk_polyline(net, [a, b, c]).bitstrings() == poly.bitstrings()
    with pytest.raises(ValueError, match="power of two"):
        join_paths([ab, bc], scale=3)


def test_gather_layers_against_concatenating_every_layer():
    # the walks' assembly writes each layer's kept columns once; the reference gathers
    # every layer's rows, concatenates, then selects (any column order, knots born later
    # take their interval's bit at the point)
    from polyfold.path import gather_layers

    def reference(codes, points, rows, old, cols):
        code_parts, point_parts = [], []
        for p, c, r, o in zip(points, codes, rows, old):
            code_parts.append(c[r])
            point_parts.append(np.where(o[:, None], p[r], c[r] == 1))
        return np.concatenate(code_parts, 1)[:, cols], np.concatenate(point_parts, 1)[:, cols]

    rng = np.random.default_rng(0)
    for trial in range(300):
        widths = rng.integers(1, 6, size=rng.integers(1, 4))
        n = int(rng.integers(1, 9))
        codes = [rng.integers(0, 3, size=(rng.integers(1, 6), w)).astype(np.uint8) for w in widths]
        points = [rng.random(c.shape) < 0.5 for c in codes]
        rows = [rng.integers(0, len(c), size=n) for c in codes]
        old = [rng.random(n) < 0.5 for _ in codes]
        total = int(widths.sum())
        cols = rng.permutation(total)[: rng.integers(0, total + 1)].astype(np.intp)
        if trial % 2:
            cols = np.sort(cols)
        got = gather_layers(codes, points, rows, old, cols)
        want = reference(codes, points, rows, old, cols)
        assert got[0].dtype == np.uint8 and got[1].dtype == bool
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
