"""The figures draw what the results hold (Agg backend, no display)."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from polyfold import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_hamming_profile_draws_the_distances_and_r1():
    path = pf.walk(pf.zoo.tent(), [0], [1])  # 100, 101, 111, 110: distances 0, 1, 2, 1
    ax = plotting.hamming_profile(path)
    steps = [p for p in ax.patches if hasattr(p, "get_data")]
    distance, walked = steps[0].get_data(), steps[1].get_data()
    assert distance.values.tolist() == [0, 1, 2, 1]
    assert distance.edges.tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert walked.values.tolist() == [0, 1, 2, 3]  # the Hamming length so far: ends at r2 = 3
    assert [line.get_ydata()[0] for line in ax.lines] == [path.r1]
    assert "χ = 1/3" in ax.get_title()


def test_tessellation_draws_every_region_once():
    net = pf.Network.from_layers([([[1, 0], [0, 1], [1, 1]], [0, 0, "-1/2"]), ([[1, 1, 1]], [0])])
    box = pf.Box([-1, -1], [1, 1])
    G = pf.region_graph(net, box)
    walk = pf.walk(net, [-1, -1], [1, 1])
    ax = plotting.tessellation(G, net=net, path=walk, decision_boundary=True)
    (polys,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    drawn = [p.vertices for p in polys.get_paths()]
    assert len(drawn) == len(G) and ax.get_title() == f"{len(G)} regions"

    def area(v):
        x, y = v[:, 0], v[:, 1]
        return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))

    assert sum(area(v[:-1] if np.array_equal(v[0], v[-1]) else v) for v in drawn) == 4.0
    cube = pf.region_graph(pf.zoo.random_network([3, 3, 1], seed=0), pf.Box([-1] * 3, [1] * 3))
    with pytest.raises(pf.InvalidInputError, match="planar region graph"):
        plotting.tessellation(cube)  # 3-D regions have no polygon to draw


def test_region_graph_drawing_titles_its_counts():
    net = pf.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    G = pf.region_graph(net, pf.Box([-1, -1], [1, 1]))
    ax = plotting.region_graph_drawing(G)
    assert ax.get_title() == "4 regions, 4 adjacencies"


def test_estimator_and_layer_figures():
    rep = pf.estimator_report(pf.zoo.tent(), [[0.125]], [[0.875]], ns=(3, 9))
    axes = plotting.estimator_figure(rep)
    (mae,) = axes[0].lines
    assert mae.get_xdata().tolist() == [3, 9] and mae.get_ydata().tolist() == [1 / 3, 0]
    layers = [([[1], [1]], [0, "-1/2"]), ([[1, -2]], ["-1/4"]), ([[1]], [0])]
    x, y = [[0.125], [0.3], [0.6], [0.875]], [0, 0, 1, 1]
    result = pf.layer_folding(pf.Network.from_layers(layers), x, y, clusters=None)
    axes = plotting.layer_figure(result)
    heights = [p.get_height() for p in axes[1].patches]
    assert heights == [float(f) for f in result.fraction_folded]
    if any(p is None for p in result.phi):  # the undefined Φ drawn hollow, and labelled
        assert any(line.get_markerfacecolor() == "none" for line in axes[0].lines)


def test_study_figure_marks_an_undefined_phi():
    rows = [
        {"depth": 1, "width": 4, "phi_float": "", "fraction_folded": 0.0, "test_accuracy": 0.8},
        {"depth": 2, "width": 4, "phi_float": 0.25, "fraction_folded": 0.5, "test_accuracy": 0.9},
    ]
    axes = plotting.study_figure(rows)
    hollow = [ln for ln in axes[0].lines if ln.get_markerfacecolor() == "none"]
    assert len(hollow) == 1 and hollow[0].get_xdata().tolist() == [1]


def test_interaction_figure():
    X, y = pf.datasets.moons(30, seed=0)
    net = pf.zoo.random_network([2, 6, 6, 2], seed=3)
    study = pf.attacks.interaction_study(net, X, y, classes=(0, 1), pairs=3, eps=F(1, 4))
    axes = plotting.interaction_figure(study)
    points = axes[0].lines[1]
    assert points.get_xdata().tolist() == [float(r["inter"]) for r in study.rows]
