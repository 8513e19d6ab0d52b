"""polyfold: exact space folding of ReLU networks.

Walk a straight segment between two inputs, record every linear region it
crosses — exactly, in rational arithmetic — and measure how far the walk
strays from a shortest path in the Hamming cube (the space folding measure χ
of Lewandowski et al.).

>>> import polyfold as pf
>>> path = pf.walk(pf.zoo.tent(), [0], [1])
>>> path.chi
Fraction(1, 3)
"""

from . import datasets, zoo
from .errors import InvalidInputError, PolyfoldError, UndecidedError
from .folding import (
    D,
    as_patterns,
    chi,
    chi_sampled,
    d_chi,
    dedupe,
    hamming,
    interaction,
    interaction_mean_nonzero,
    r1,
    r2,
    sampled_patterns,
)
from .interop import from_sklearn
from .network import Network
from .path import Path
from .walk import walk, walk_many, walk_polyline

__version__ = "0.1.0"

__all__ = [
    "D",
    "InvalidInputError",
    "Network",
    "Path",
    "PolyfoldError",
    "UndecidedError",
    "as_patterns",
    "chi",
    "chi_sampled",
    "d_chi",
    "datasets",
    "dedupe",
    "from_sklearn",
    "hamming",
    "interaction",
    "interaction_mean_nonzero",
    "r1",
    "r2",
    "sampled_patterns",
    "walk",
    "walk_many",
    "walk_polyline",
    "zoo",
]
