"""The catalogue of awkward region cases, each worked out by hand.

Every case is a network, a domain, its realizable patterns and its facet
adjacencies (with the flipped positions). ``tests/test_region_catalogue.py``
crosses each with every region function, engine, route and mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F
from typing import Any

import polyfold as pf

BOX = pf.Box([-1, -1], [1, 1])


@dataclass(frozen=True)
class RegionCase:
    name: str
    net: pf.Network
    domain: Any
    patterns: frozenset[str]
    # adjacent pairs and the positions their facet flips
    edges: dict[frozenset[str], tuple[int, ...]]
    # realizable-looking patterns that are not (one bit from a region, no interior)
    empty: tuple[str, ...] = ()
    note: str = ""


def _net(layers: list[Any], **kw: Any) -> pf.Network:
    return pf.Network.from_layers(layers, **kw)


def _e(a: str, b: str, *flips: int) -> tuple[frozenset[str], tuple[int, ...]]:
    return frozenset((a, b)), flips


CASES = [
    RegionCase(
        "coincident lines",  # x and 2x share the line x = 0: both bits flip together
        _net([([[1, 0], [2, 0]], [0, 0]), ([[1, 1]], [0])]),
        BOX,
        frozenset({"00", "11"}),
        dict([_e("00", "11", 0, 1)]),
        empty=("10", "01"),
    ),
    RegionCase(
        "concurrent lines",  # x, y, x + y through the origin: six sectors in a cycle
        _net([([[1, 0], [0, 1], [1, 1]], [0, 0, 0]), ([[1, 1, 1]], [0])]),
        BOX,
        frozenset({"111", "011", "010", "000", "100", "101"}),
        dict(
            [
                _e("111", "011", 0),
                _e("011", "010", 2),
                _e("010", "000", 1),
                _e("000", "100", 0),
                _e("100", "101", 2),
                _e("101", "111", 1),
            ]
        ),
        empty=("001", "110"),
        note="111 and 000 meet only at the origin, and differ in three bits",
    ),
    RegionCase(
        "a line along the domain's edge",  # x + 1 = 0 is the box's left side: never splits
        _net([([[1, 0], [1, 0]], [1, 0]), ([[1, 1]], [0])]),
        BOX,
        frozenset({"10", "11"}),
        dict([_e("10", "11", 1)]),
        empty=("00", "01"),
    ),
    RegionCase(
        "constant units",  # 0·x + 1 is always on, 0·x − 1 always off, 0·x + 0 off (z = 0)
        _net([([[0, 0], [0, 0], [0, 0], [1, 0]], [1, -1, 0, 0]), ([[1, 1, 1, 1]], [0])]),
        BOX,
        frozenset({"1000", "1001"}),
        dict([_e("1000", "1001", 3)]),
        empty=("0001", "1101", "1011"),
    ),
    RegionCase(
        "a line through a corner only",  # x + y + 2 = 0 meets the box at (-1, -1): no area
        _net([([[1, 1], [1, 0]], [2, 0]), ([[1, 1]], [0])]),
        BOX,
        frozenset({"10", "11"}),
        dict([_e("10", "11", 1)]),
        empty=("00", "01"),
    ),
    RegionCase(
        "output bits",  # h = x, then the output o = h − 1/2 carries a bit
        _net([([[1, 0]], [0]), ([[1]], [F(-1, 2)])], include_output=True),
        BOX,
        frozenset({"00", "10", "11"}),
        dict([_e("00", "10", 0), _e("10", "11", 1)]),
        empty=("01",),
    ),
    RegionCase(
        "linear units",  # y is a linear unit (no bit); c = relu(x) + y
        _net(
            [([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0]), ([[1]], [0])],
            linear_units=[[1], []],
        ),
        BOX,
        frozenset({"00", "01", "10", "11"}),
        dict([_e("00", "01", 1), _e("00", "10", 0), _e("01", "11", 0), _e("10", "11", 1)]),
        note="00 and 11 meet only at the origin",
    ),
    RegionCase(
        # a = x, b = x − 2, c = a − 2b − 1 on [-1, 4] × [-1, 1]: strips 000 | 100 | 101 | 111
        # | 110 with breaks at x = 0, 1, 2, 3. 100 and 110 are one bit apart (b) and share
        # no facet: the strips 0 < x < 1 and x > 3 do not touch. (A tool that joins every
        # pair of found regions one bit apart, as relucent does, reports a fifth edge.)
        "one bit apart, no facet",
        _net([([[1, 0], [1, 0]], [0, -2]), ([[1, -2]], [-1]), ([[1]], [0])]),
        pf.Box([-1, -1], [4, 1]),
        frozenset({"000", "100", "101", "111", "110"}),
        dict(
            [
                _e("000", "100", 0),
                _e("100", "101", 2),
                _e("101", "111", 1),
                _e("111", "110", 2),
            ]
        ),
        empty=("010", "001"),
    ),
    RegionCase(
        "one dimension",
        _net([([[1], [1]], [0, F(-1, 2)]), ([[1, 1]], [0])]),
        pf.Box([-1], [1]),
        frozenset({"00", "10", "11"}),
        dict([_e("00", "10", 0), _e("10", "11", 1)]),
        empty=("01",),
    ),
    RegionCase(
        "three dimensions, three planes",  # the octants: a cube's graph
        _net([([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0]), ([[1, 1, 1]], [0])]),
        pf.Box([-1] * 3, [1] * 3),
        frozenset(f"{i:03b}" for i in range(8)),
        {
            frozenset((f"{i:03b}", f"{i ^ (1 << k):03b}")): (2 - k,)
            for i in range(8)
            for k in range(3)
        },
    ),
]
