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
    geometry,
    interop,
    intervals,
    layers,
    lp,
    operators,
    regions,
    sampling,
    smooth,
    studies,
    theorems,
    tracking,
    walks,
    zoo,
)
from .activations import Activation
from .attacks import AttackReport, InteractionStudy
from .convexity import (
    Lemma1Counterexample,
    Lemma1Report,
    UnionConvexity,
    UnionGeometry,
    check_lemma1,
    is_union_convex,
)
from .datasets import Split
from .domains import Box, Polytope, Slice
from .errors import InvalidInputError, MissingDependencyError, PolyfoldError, UndecidedError
from .estimator import EstimatorReport, EstimatorRow, estimator_report
from .folding import (
    D,
    as_patterns,
    chi,
    dedupe,
    hamming,
    interaction,
    interaction_mean_nonzero,
    r1,
    r2,
)
from .globalfold import GlobalFolding, global_folding, triangle_paths
from .interop import from_onnx, from_sklearn, from_torch, load_nnet, load_state_dict
from .intervals import HammingConvexity, in_hamming_interval, is_hamming_convex
from .layers import LayerFolding, chi_by_layers, layer_folding
from .lp import Feasibility
from .network import Network
from .path import Path
from .phi import ChiCounts, FoldingAggregate, PhiResult, fold_paths
from .regions import (
    Realizability,
    Region,
    RegionArrays,
    enumerate_regions,
    is_realizable,
    region,
    region_arrays,
    region_graph,
)
from .sampling import chi_sampled, sampled_patterns
from .smooth import Crossing, SmoothPath, smooth_walk, smooth_walk_many
from .theorems import CheckResult, Counterexample, Property
from .tracking import FoldingTracker
from .walks import Paths, d_chi, walk, walk_many, walk_polyline

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "AttackReport",
    "Box",
    "CheckResult",
    "ChiCounts",
    "Counterexample",
    "Crossing",
    "D",
    "EstimatorReport",
    "EstimatorRow",
    "Feasibility",
    "FoldingAggregate",
    "FoldingTracker",
    "GlobalFolding",
    "HammingConvexity",
    "InteractionStudy",
    "InvalidInputError",
    "LayerFolding",
    "Lemma1Counterexample",
    "Lemma1Report",
    "MissingDependencyError",
    "Network",
    "Path",
    "Paths",
    "PhiResult",
    "PolyfoldError",
    "Polytope",
    "Property",
    "Realizability",
    "Region",
    "RegionArrays",
    "Slice",
    "SmoothPath",
    "Split",
    "UndecidedError",
    "UnionConvexity",
    "UnionGeometry",
    "as_patterns",
    "attacks",
    "cantor",
    "check_lemma1",
    "chi",
    "chi_by_layers",
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
    "geometry",
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
    "layer_folding",
    "layers",
    "load_nnet",
    "load_state_dict",
    "lp",
    "operators",
    "r1",
    "r2",
    "region",
    "region_arrays",
    "region_graph",
    "regions",
    "sampled_patterns",
    "sampling",
    "smooth",
    "smooth_walk",
    "smooth_walk_many",
    "studies",
    "theorems",
    "tracking",
    "triangle_paths",
    "walk",
    "walk_many",
    "walk_polyline",
    "walks",
    "zoo",
]
