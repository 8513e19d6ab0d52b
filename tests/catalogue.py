"""The catalogue of awkward cases (DESIGN.md §2), in one place.

Each case is a network, a segment and what a correct walk must report. The
tests cross every case with every function that can meet it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction as F
from typing import Any

import polyfold as pf


@dataclass(frozen=True)
class Case:
    name: str
    net: pf.Network
    x1: list[Any]
    x2: list[Any]
    breakpoints: list[F]
    patterns: list[str]
    point_patterns: list[str] | None = None
    touches: list[F] = field(default_factory=list)
    flat: bool = False
    simultaneous: int = 0
    float_exact: bool = True  # float64 gets the same answer (no rounding involved)
    # float mode must flag it: crossings of different units coincide
    float_undecided: bool = False


def _relu1(w: list[list[Any]], b: list[Any], out: int = 1, **kw: Any) -> pf.Network:
    return pf.Network.from_layers([(w, b), ([[1] * len(w)] * out, [0] * out)], **kw)


CASES = [
    # Two neurons with proportional weights: one breakpoint, two bits.
    Case(
        "simultaneous flips",
        _relu1([[1], [2]], [0, 0]),
        [-1],
        [1],
        [F(0), F(1, 2), F(1)],
        ["00", "11"],
        ["00", "00", "11"],
        simultaneous=1,
        float_undecided=True,
    ),
    # Duplicate neurons flip together, a dead neuron never flips.
    Case(
        "duplicate and dead neurons",
        _relu1([[1], [1], [0]], [0, 0, -1]),
        [-1],
        [3],
        [F(0), F(1, 4), F(1)],
        ["000", "110"],
        ["000", "000", "110"],
        simultaneous=1,
        float_undecided=True,
    ),
    # Layer 2 computes relu(x): its pre-activation is identically 0 = τ for x < 0.
    Case(
        "pre-activation identically tau on a sub-interval",
        pf.Network.from_layers([([[1]], [0]), ([[1]], [0]), ([[1]], [0])]),
        [-1],
        [1],
        [F(0), F(1, 2), F(1)],
        ["00", "11"],
        flat=True,
        simultaneous=1,
    ),
    # τ = 1/2: the second layer is |x| + 1/2 and touches τ at x = 0 without crossing.
    Case(
        "touch without crossing",
        pf.Network.from_layers(
            [([[1], [-1]], [0, 0]), ([[1, 1]], ["1/2"]), ([[1]], [0])], threshold="1/2"
        ),
        ["-1/4"],
        ["1/4"],
        [F(0), F(1)],
        ["001"],
        touches=[F(1, 2)],
        float_undecided=True,
    ),
    # Same touch at τ = 0, with the pattern restricted to the second layer.
    Case(
        "touch, pattern restricted to a layer",
        pf.Network.from_layers(
            [([[1], [-1]], [0, 0]), ([[1, 1]], [0]), ([[1]], [0])], pattern_layers=[1]
        ),
        [-1],
        [1],
        [F(0), F(1)],
        ["1"],
        ["1", "1"],
        touches=[F(1, 2)],
        float_undecided=True,
    ),
    # The tent folds; x1 = 0 lies on h1's boundary, so Γ starts with piece 0's pattern.
    Case(
        "end point on a boundary, folding",
        pf.zoo.tent(),
        [0],
        [1],
        [F(0), F(1, 4), F(1, 2), F(3, 4), F(1)],
        ["100", "101", "111", "110"],
        ["000", "100", "101", "110", "110"],
    ),
    Case("x1 = x2", pf.zoo.tent(), ["3/8"], ["3/8"], [F(0), F(1)], ["101"]),
    Case(
        "x1 = x2 on a boundary", pf.zoo.tent(), ["1/2"], ["1/2"], [F(0), F(1)], ["101"], flat=True
    ),
    # All weights zero: every pre-activation is the (constant) bias.
    Case(
        "zero weights",
        _relu1([[0, 0], [0, 0]], [1, 0]),
        [0, 0],
        [5, -3],
        [F(0), F(1)],
        ["10"],
        flat=True,
    ),
    # The segment lies in the hyperplane x_2 = 0 of the second neuron.
    Case(
        "segment inside a hyperplane",
        _relu1([[1, 0], [0, 1]], [0, 0]),
        [-1, 0],
        [1, 0],
        [F(0), F(1, 2), F(1)],
        ["00", "10"],
        flat=True,
    ),
    # Non-dyadic threshold: breakpoints are exact thirds.
    Case(
        "threshold 1/3",
        _relu1([[1]], [0], threshold="1/3"),
        [0],
        [1],
        [F(0), F(1, 3), F(1)],
        ["0", "1"],
        float_exact=False,
    ),
    # Output bits appended (the CantorNet convention): output = x - 1/2.
    Case(
        "output bits",
        pf.Network.from_layers([([[1]], [0]), ([[1]], ["-1/2"])], include_output=True),
        [-1],
        [1],
        [F(0), F(1, 2), F(3, 4), F(1)],
        ["00", "10", "11"],
    ),
]
