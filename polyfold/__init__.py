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

from . import (
    attacks,
    cantor,
    convexity,
    datasets,
    interop,
    intervals,
    lp,
    regions,
    smooth,
    studies,
    theorems,
    zoo,
)
from .convexity import check_lemma1, is_union_convex
from .domains import Box, Polytope, Slice
from .errors import InvalidInputError, PolyfoldError, UndecidedError
from .estimator import EstimatorReport, estimator_report
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
from .globalfold import GlobalFolding, global_folding, triangle_paths
from .interop import from_onnx, from_sklearn, from_torch, load_nnet, load_state_dict
from .intervals import in_hamming_interval, is_hamming_convex
from .network import Network
from .path import Path
from .phi import FoldingAggregate, PhiResult, fold_paths
from .regions import Region, enumerate_regions, is_realizable, region, region_graph
from .smooth import SmoothPath, smooth_walk
from .walk import Paths, walk, walk_many, walk_polyline

__version__ = "0.1.0"

__all__ = [
    "Box",
    "D",
    "EstimatorReport",
    "FoldingAggregate",
    "GlobalFolding",
    "InvalidInputError",
    "Network",
    "Path",
    "Paths",
    "PhiResult",
    "PolyfoldError",
    "Polytope",
    "Region",
    "Slice",
    "SmoothPath",
    "UndecidedError",
    "as_patterns",
    "attacks",
    "cantor",
    "check_lemma1",
    "chi",
    "chi_sampled",
    "convexity",
    "d_chi",
    "datasets",
    "dedupe",
    "enumerate_regions",
    "estimator_report",
    "fold_paths",
    "from_onnx",
    "from_sklearn",
    "from_torch",
    "global_folding",
    "hamming",
    "in_hamming_interval",
    "interaction",
    "interaction_mean_nonzero",
    "interop",
    "intervals",
    "is_hamming_convex",
    "is_realizable",
    "is_union_convex",
    "load_nnet",
    "load_state_dict",
    "lp",
    "r1",
    "r2",
    "region",
    "region_graph",
    "regions",
    "sampled_patterns",
    "smooth",
    "smooth_walk",
    "studies",
    "theorems",
    "triangle_paths",
    "walk",
    "walk_many",
    "walk_polyline",
    "zoo",
]
