"""Figures (matplotlib is imported only when a function here is called)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InvalidInputError, require
from .path import Path

__all__ = [
    "chi_distribution",
    "estimator_figure",
    "hamming_profile",
    "interaction_figure",
    "layer_figure",
    "region_graph_drawing",
    "study_figure",
    "tessellation",
]


def hamming_profile(path: Path, ax: Any = None, *, title: str | None = None) -> Any:
    """Plot ``d_H(π_1, π_i)`` along the path, with ``r1`` and ``r2`` marked.

    The step curve is the distance of each piece's pattern from the first one,
    drawn over the piece's parameter interval; the dashed line is its maximum
    ``r1``; the dotted curve is the Hamming length walked so far, which ends
    at ``r2``. A path that never folds has the two curves on top of each other.
    Returns the matplotlib ``Axes``.

    Parameters
    ----------
    path
        A walked path.
    ax
        The matplotlib ``Axes`` to draw on (default: a new figure's).
    title
        The axes' title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    t = np.array([float(v) for v in path.breakpoints])
    dist = np.count_nonzero(path.patterns != path.patterns[0], axis=1)
    walked = np.r_[0, np.cumsum(np.count_nonzero(path.patterns[1:] != path.patterns[:-1], axis=1))]
    ax.stairs(dist, t, baseline=None, color="C0", linewidth=2, label=r"$d_H(\pi_1, \pi_i)$")
    ax.stairs(walked, t, baseline=None, color="C1", linestyle=":", label="Hamming length walked")
    ax.axhline(path.r1, color="C0", linestyle="--", linewidth=1)
    ax.annotate(
        f"r1 = {path.r1}", (t[0], path.r1), textcoords="offset points", xytext=(2, 3), color="C0"
    )
    ax.annotate(
        f"r2 = {path.r2}", (t[-1], path.r2), textcoords="offset points", xytext=(-40, 3), color="C1"
    )
    ax.set_xlabel("t")
    ax.set_ylabel("Hamming distance")
    ax.set_xlim(t[0], t[-1])
    ax.set_title(title or f"{path.n_pieces} regions, χ = {path.chi}")
    ax.legend(loc="upper left", fontsize="small", frameon=False, bbox_to_anchor=(0, 0.92))
    return ax


def tessellation(
    graph: Any,
    ax: Any = None,
    *,
    net: Any = None,
    path: Path | None = None,
    decision_boundary: bool = False,
    cmap: str = "tab20",
) -> Any:
    """Draw a 2-D region graph's regions, coloured by pattern, boundaries by layer.

    ``graph`` comes from :func:`~polyfold.regions.graph.region_graph` with the planar engine
    (nodes carry their polygon ``vertices``). With ``net`` given, each edge of
    the drawing is coloured by the layer of the unit whose boundary it is and,
    with ``decision_boundary=True``, the argmax decision boundary of the
    output is overlaid (sampled on a grid: it is a picture, not a certificate).
    ``path`` (a 2-D walk) is drawn on top with its breakpoints.

    Parameters
    ----------
    graph
        A 2-D region graph.
    ax
        The ``Axes`` to draw on (default: a new figure's).
    net
        The network (colours boundaries by layer).
    path
        A 2-D walk to draw on top.
    decision_boundary
        Overlay the argmax decision boundary (needs ``net``).
    cmap
        The colour map of the regions.

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")
    from matplotlib.collections import PolyCollection

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    polys, colours = [], []
    colormap = plt.get_cmap(cmap)
    for i, (_, data) in enumerate(graph.nodes(data=True)):
        if data.get("vertices") is None:
            raise InvalidInputError("graph: expected a planar region graph (nodes with 'vertices')")
        polys.append([[float(x), float(y)] for x, y in data["vertices"]])
        colours.append(colormap((i * 7) % colormap.N))
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="none", alpha=0.55))
    for (_, data), poly in zip(graph.nodes(data=True), polys):
        for i, units in enumerate(data.get("edge_units") or [()] * len(poly)):
            p, q = poly[i], poly[(i + 1) % len(poly)]
            colour, width = "k", 0.4
            if units and net is not None:
                colour = f"C{net.neuron(units[0])[0]}"  # coloured by layer
                width = 0.8
            ax.plot([p[0], q[0]], [p[1], q[1]], color=colour, linewidth=width)
    all_xy = np.concatenate([np.array(p) for p in polys])
    ax.set_xlim(all_xy[:, 0].min(), all_xy[:, 0].max())
    ax.set_ylim(all_xy[:, 1].min(), all_xy[:, 1].max())
    if decision_boundary and net is not None:
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        xs, ys = np.linspace(x0, x1, 300), np.linspace(y0, y1, 300)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        out = net.forward(grid)
        label = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0).astype(int)
        ax.contour(
            xs,
            ys,
            label.reshape(300, 300),
            levels=np.arange(label.max()) + 0.5,
            colors="red",
            linewidths=1.5,
        )
    if path is not None:
        pts = np.array([path.x1, path.x2], dtype=np.float64)
        ax.plot(pts[:, 0], pts[:, 1], "-", color="black", linewidth=1.5)
        t = np.array([float(v) for v in path.breakpoints])
        bp = pts[0] + t[:, None] * (pts[1] - pts[0])
        ax.plot(bp[:, 0], bp[:, 1], "o", color="black", markersize=3)
    ax.set_aspect("equal")
    ax.set_title(f"{graph.number_of_nodes()} regions")
    return ax


def region_graph_drawing(graph: Any, ax: Any = None, *, with_labels: bool | None = None) -> Any:
    """Draw the region adjacency graph, nodes at their witness points (2-D) or spring layout.

    Parameters
    ----------
    graph
        A region graph.
    ax
        The ``Axes`` to draw on (default: a new figure's).
    with_labels
        Print the patterns at the nodes (default: for small graphs).

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")
    import networkx as nx

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    first: dict[str, Any] = next(iter(graph.nodes(data=True)), (None, {}))[1]
    witness = first.get("alpha", first.get("witness"))
    if witness is not None and len(witness) == 2:
        key = "alpha" if "alpha" in first else "witness"
        pos = {n: [float(c) for c in d[key]] for n, d in graph.nodes(data=True)}
    else:
        pos = nx.spring_layout(graph, seed=0)
    if with_labels is None:
        with_labels = graph.number_of_nodes() <= 30
    nx.draw_networkx(
        graph,
        pos=pos,
        ax=ax,
        node_size=20 if not with_labels else 200,
        with_labels=with_labels,
        font_size=6,
        width=0.5,
    )
    ax.set_title(f"{graph.number_of_nodes()} regions, {graph.number_of_edges()} adjacencies")
    return ax


def study_figure(rows: list[dict[str, Any]], axes: Any = None) -> Any:
    """Φ, the fraction of folded paths and the test accuracy against depth, per width.

    Points are means over the seeds with error bars of one standard deviation
    (none with one seed). Where no path of any seed folds, Φ is undefined: it
    is drawn as a hollow marker on the axis and labelled, not left out.

    Parameters
    ----------
    rows
        The rows of :func:`~polyfold.studies.study`.
    axes
        Three ``Axes`` to draw on (default: a new figure's).

    Returns
    -------
    numpy.ndarray
        The three ``Axes``.
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    depths = sorted({int(r["depth"]) for r in rows})
    undefined_drawn = False
    for k, width in enumerate(sorted({int(r["width"]) for r in rows})):
        colour = f"C{k}"
        for ax, key in zip(axes, ("phi_float", "fraction_folded", "test_accuracy")):
            means, spreads = [], []
            for d in depths:
                vals = [
                    float(_as_float(r[key]))
                    for r in rows
                    if int(r["depth"]) == d and int(r["width"]) == width
                ]
                vals = [v for v in vals if np.isfinite(v)]
                means.append(np.mean(vals) if vals else np.nan)
                spreads.append(np.std(vals) if len(vals) > 1 else 0.0)
            ax.errorbar(
                depths, means, yerr=spreads, fmt="o-", color=colour, capsize=3,
                label=f"width {width}",
            )  # fmt: skip
            if key == "phi_float":
                gaps = [d for d, m in zip(depths, means) if not np.isfinite(m)]
                if gaps:
                    ax.plot(
                        gaps, [0.0] * len(gaps), "o", mfc="none", color=colour,
                        label=None if undefined_drawn else "Φ undefined (nothing folds)",
                    )  # fmt: skip
                    undefined_drawn = True
    axes[0].set_ylabel("Φ (median χ > 0)")
    axes[1].set_ylabel("fraction of folded paths")
    axes[2].set_ylabel("test accuracy")
    for ax in axes:
        ax.set_xlabel("depth")
        ax.set_xticks(depths)
        ax.legend(fontsize="small", frameon=False)
    return axes


def _as_float(value: Any) -> float:
    from fractions import Fraction

    if isinstance(value, str):
        return float(Fraction(value)) if value not in ("", "nan") else float("nan")
    return float(value)


def chi_distribution(result: Any, ax: Any = None, *, title: str | None = None) -> Any:
    """Bar chart of how many paths have each χ, Φ marked.

    ``result`` is a :class:`~polyfold.globalfold.GlobalFolding`.

    Parameters
    ----------
    result
        A :class:`~polyfold.globalfold.GlobalFolding`.
    ax
        The ``Axes`` to draw on (default: a new figure's).
    title
        The axes' title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    dist = result.distribution()
    values = [float(v) for v in dist]
    width = 0.8 * min(np.diff(values)) if len(values) > 1 else 0.02
    ax.bar(values, list(dist.values()), width=min(width, 0.02), color="C0")
    if result.phi is not None:
        ax.axvline(float(result.phi), color="C3", linestyle="--", label=f"Φ = {result.phi}")
        ax.legend(frameon=False, fontsize="small")
    ax.set_xlabel("χ")
    ax.set_ylabel("paths")
    ax.set_title(title or f"{result.n_paths} paths, {float(result.fraction_folded):.0%} folded")
    return ax


def estimator_figure(report: Any, axes: Any = None) -> Any:
    """The sampling estimator's error against ``n``.

    ``report`` is an :class:`~polyfold.estimator.EstimatorReport`.

    Left: the mean absolute error of the sampled χ. Right: the fraction of
    folded paths the sampler sees flat, of regions it never sees, and of paths
    it over- and under-estimates. ``n`` on a log axis.

    Parameters
    ----------
    report
        An :class:`~polyfold.estimator.EstimatorReport`.
    axes
        Two ``Axes`` to draw on (default: a new figure's).

    Returns
    -------
    numpy.ndarray
        The two ``Axes``.
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    table = report.table()
    ns = [r["n"] for r in table]
    axes[0].plot(ns, [r["mae"] for r in table], "o-", color="C0")
    axes[0].set_ylabel("mean |χ_n − χ|")
    for key, label in (
        ("missed", "folded paths seen flat"),
        ("unseen", "regions never sampled"),
        ("over", "χ_n > χ"),
        ("under", "χ_n < χ"),
    ):
        values = [np.nan if r[key] is None else r[key] for r in table]
        axes[1].plot(ns, values, "o-", label=label)
    axes[1].set_ylabel("fraction")
    axes[1].legend(fontsize="small", frameon=False)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("samples per segment n")
    axes[0].set_title(f"{len(report.chi)} segments, exact χ as ground truth", fontsize="medium")
    return axes


def layer_figure(result: Any, axes: Any = None) -> Any:
    """Φ and the folded fraction per subset of layers (a :class:`~polyfold.layers.LayerFolding`).

    An undefined Φ (no path folds under that subset) is drawn as a hollow
    marker on the axis and labelled, not left out.

    Parameters
    ----------
    result
        A :class:`~polyfold.layers.LayerFolding`.
    axes
        Two ``Axes`` to draw on (default: a new figure's).

    Returns
    -------
    numpy.ndarray
        The two ``Axes``.
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    labels = [result.label(i) for i in range(len(result.subsets))]
    xs = np.arange(len(labels))
    phi = np.array([np.nan if p is None else float(p) for p in result.phi])
    axes[0].plot(xs[np.isfinite(phi)], phi[np.isfinite(phi)], "o", color="C0", label="Φ")
    if not np.all(np.isfinite(phi)):
        gaps = xs[~np.isfinite(phi)]
        axes[0].plot(gaps, np.zeros(len(gaps)), "o", mfc="none", color="C0", label="Φ undefined")
    axes[1].bar(xs, [float(f) for f in result.fraction_folded], color="C1")
    axes[0].set_ylabel(f"Φ ({result.variant})")
    axes[1].set_ylabel("fraction of folded paths")
    for ax in axes:
        ax.set_xticks(xs)
        ax.set_xticklabels(labels, rotation=30, ha="right")
    axes[0].legend(fontsize="small", frameon=False)
    return axes


def interaction_figure(study: Any, axes: Any = None) -> Any:
    """``Ī_nz`` clean against attacked per pair, and the mean ``I(k)`` profiles
    (an :class:`~polyfold.attacks.InteractionStudy`); ``k`` rescaled to ``[0, 1]``.

    Parameters
    ----------
    study
        An :class:`~polyfold.attacks.InteractionStudy`.
    axes
        Two ``Axes`` to draw on (default: a new figure's).

    Returns
    -------
    numpy.ndarray
        The two ``Axes``.
    """
    plt: Any = require("matplotlib.pyplot", "polyfold.plotting")

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    clean = [float(r["inter"]) for r in study.rows]
    attacked = [float(r["inter_attacked"]) for r in study.rows]
    top = max([*clean, *attacked, 1e-9])
    axes[0].plot([0, top], [0, top], color="0.6", linewidth=0.8)
    axes[0].plot(clean, attacked, "o", alpha=0.6)
    axes[0].set_xlabel("Ī_nz, clean end points")
    axes[0].set_ylabel(f"Ī_nz, {study.attack.upper()} end points")
    grid = np.linspace(0, 1, 50)
    for key, label in (("I", "clean"), ("I_attacked", study.attack.upper())):
        profiles = []
        for r in study.rows:
            values = np.array([float(v) for v in r[key]])
            if len(values) > 1:
                profiles.append(np.interp(grid, np.linspace(0, 1, len(values)), values))
        if profiles:
            axes[1].plot(grid, np.mean(profiles, axis=0), label=label)
    axes[1].set_xlabel("k / n along the path")
    axes[1].set_ylabel("mean I(k)")
    axes[1].legend(fontsize="small", frameon=False)
    a, b = study.classes
    axes[0].set_title(f"{len(study.rows)} paths {a} → {b}, ε = {study.eps}", fontsize="medium")
    return axes
