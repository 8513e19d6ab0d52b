"""The ``polyfold`` command: a thin layer over the public API."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from . import folding
from ._arith import as_fraction
from .errors import InvalidInputError, PolyfoldError, require
from .network import Network
from .walks import walk

SAMPLE_SIZES = (11, 100, 1000)


def _timed(fn: Any, *args: Any, repeat: int = 1, **kwargs: Any) -> tuple[Any, float]:
    """``fn(*args, **kwargs)`` and its best time over ``repeat`` runs (warm after the first)."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return out, best


def _secs(seconds: float) -> float:
    """Seconds to four significant digits (timings are not more precise than that)."""
    return float(f"{seconds:.4g}")


def segment_report(
    net: Network, x1: Any, x2: Any, samples: Sequence[int] = SAMPLE_SIZES
) -> tuple[dict[str, Any], Any]:
    """Exact walk, float walk and sampled estimates for one segment, with timings.

    Returns the report and the exact path. Timings are the best of three runs
    (the first run also pays one-time costs such as converting the weights).

    Parameters
    ----------
    net
        A piecewise-linear network.
    x1, x2
        The segment's end points.
    samples
        The sample counts of the sampling estimator.

    Returns
    -------
    tuple
        ``(report, path)``: a JSON-ready dict and the exact :class:`~polyfold.path.Path`.
    """
    path, t_exact = _timed(walk, net, x1, x2, exact=True, repeat=3)
    fpath, t_float = _timed(walk, net, x1, x2, exact=False, repeat=3)
    row: dict[str, Any] = {
        "regions": path.n_pieces,
        "chi": str(path.chi),
        "r1": path.r1,
        "r2": path.r2,
        "D": path.D,
        "float_regions": fpath.n_pieces,
        "float_certified": fpath.certified,
        "seconds_exact_walk": _secs(t_exact),
        "seconds_float_walk": _secs(t_float),
        "timing": "best of 3 runs",
    }
    row["sampled"] = _sampled_estimates(net, x1, x2, samples)
    return row, path


def _sampled_estimates(net: Network, x1: Any, x2: Any, samples: Sequence[int]) -> dict:
    """The published estimator at each n: chi of the sampled patterns, regions seen, time.

    The sampled patterns are proven (``exact=True``), except on smooth networks,
    whose patterns only float64 evaluates; ``proven`` says which.
    """
    out = {}
    proven = not any(a.smooth for a in net.activations)
    for n in samples:
        # the sampled estimate is chi of the sampled patterns: sample once, use twice
        seen, t_s = _timed(folding.sampled_patterns, net, x1, x2, n, exact=proven, repeat=3)
        out[str(n)] = {
            "chi": str(folding.chi(seen)),
            "seconds": _secs(t_s),
            "regions_seen": len(seen),
            "proven": proven,
        }
    return out


def _format_table(rows: list[dict[str, Any]], labels: list[str]) -> str:
    """Two tables that fit 100 columns: what each method sees, then what it costs."""
    ns = list(rows[0]["sampled"]) if rows else []
    seen_head = ["segment", "regions", *[f"seen@{n}" for n in ns], "chi exact"]
    seen_head += [f"chi@{n}" for n in ns]
    seen = [
        [
            label,
            str(r["regions"]),
            *[str(r["sampled"][n]["regions_seen"]) for n in ns],
            _short(r["chi"]),
            *[_short(r["sampled"][n]["chi"]) for n in ns],
        ]
        for label, r in zip(labels, rows)
    ]
    cost_head = ["segment", "exact walk", "float walk", *[f"sample@{n}" for n in ns]]
    cost = [
        [
            label,
            _ms(r["seconds_exact_walk"]),
            _ms(r["seconds_float_walk"]),
            *[_ms(r["sampled"][n]["seconds"]) for n in ns],
        ]
        for label, r in zip(labels, rows)
    ]
    return (
        _columns(seen_head, seen)
        + "\n\nTime (best of 3 runs; chi@n and sample@n: the published estimator, n samples):\n"
        + _columns(cost_head, cost)
    )


def _ms(seconds: float) -> str:
    return f"{1e3 * seconds:.3g} ms"


def _columns(head: list[str], lines: list[list[str]]) -> str:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
        + [fmt.format(*line) for line in lines]
    )


def _short(fraction: str) -> str:
    value = Fraction(fraction)
    return fraction if len(fraction) <= 7 else f"{float(value):.4f}"


def _parse_point(text: str, name: str) -> list[Fraction]:
    try:
        return [as_fraction(v, name) for v in text.split(",")]
    except InvalidInputError as exc:
        raise PolyfoldError(
            f"{name}: expected comma-separated numbers such as 0,1/2,-3, got {text[:80]!r} ({exc})"
        ) from exc


def cmd_demo(args: argparse.Namespace) -> int:
    """``polyfold demo``: the exact walk, the float walk and the sampler on the digits MLP.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from .datasets import digits
    from .zoo import digits_mlp

    # --json: stdout is the JSON document alone; messages go to stderr
    say = sys.stderr if args.json else sys.stdout
    print(
        "Training a 64-32-32-32-10 ReLU network on scikit-learn's bundled digits ...",
        file=say,
        flush=True,
    )
    net, t_train = _timed(digits_mlp, (32, 32, 32), seed=args.seed)
    x, y = digits()
    acc = float(np.mean(np.argmax(net.forward(x), axis=1) == y))
    print(f"  {net}, training accuracy {acc:.3f}, {t_train:.1f} s\n", file=say)
    rng = np.random.default_rng(args.seed)
    labels, rows = [], []
    for _ in range(args.segments):
        a, b = rng.choice(10, size=2, replace=False)
        i = int(rng.choice(np.flatnonzero(y == a)))
        j = int(rng.choice(np.flatnonzero(y == b)))
        labels.append(f"#{i}({a})->#{j}({b})")
        rows.append(segment_report(net, x[i], x[j])[0])
    if args.json:
        print(json.dumps([{"segment": lab, **r} for lab, r in zip(labels, rows)], indent=2))
    else:
        print("Exact chi along segments between digits of different classes,")
        print("beside the sampled estimate of published code (n samples):\n")
        print(_format_table(rows, labels))
        folded = sum(r["chi"] != "0" for r in rows)
        missed = sum(r["sampled"]["11"]["chi"] != r["chi"] for r in rows)
        unseen = sum(r["regions"] - r["sampled"]["11"]["regions_seen"] for r in rows)
        print(
            f"\n{folded} of {len(rows)} segments fold (exact chi > 0). The 11-point estimate "
            f"differs from the exact chi on {missed} segments\nand never sees {unseen} of the "
            f"{sum(r['regions'] for r in rows)} regions crossed."
        )
    return 0


def smooth_report(
    net: Network, x1: Any, x2: Any, samples: Sequence[int] = SAMPLE_SIZES
) -> tuple[dict[str, Any], Any]:
    """For smooth activations: certified crossings and sampled estimates.

    The crossings come from :func:`~polyfold.smooth.smooth_walk`.

    Parameters
    ----------
    net
        A network with a smooth activation.
    x1, x2
        The segment's end points.
    samples
        The sample counts of the sampling estimator.

    Returns
    -------
    tuple
        ``(report, path)``: a JSON-ready dict and the :class:`~polyfold.smooth.SmoothPath`.
    """
    from .smooth import smooth_walk

    a = np.array([float(v) for v in x1])
    b = np.array([float(v) for v in x2])
    path, seconds = _timed(smooth_walk, net, a, b)
    row: dict[str, Any] = {
        "certified": path.certified,
        "regions": path.n_regions if path.certified else None,
        "chi": str(path.chi) if path.certified else None,
        "crossings": [[str(c.lo), str(c.hi), c.bit] for c in path.crossings],
        "unresolved": [[str(lo), str(hi), list(u)] for lo, hi, u in path.unresolved],
        "ambiguous": [[str(lo), str(hi), list(u)] for lo, hi, u in path.ambiguous],
        "seconds_smooth_walk": seconds,
        "sampled": _sampled_estimates(net, a, b, samples),
    }
    return row, path


def _print_smooth(row: dict[str, Any]) -> None:
    state = "certified" if row["certified"] else "NOT certified (see unresolved/ambiguous)"
    print(f"smooth activations: {len(row['crossings'])} certified crossings, {state}")
    if row["certified"]:
        print(f"regions {row['regions']}, chi {row['chi']}")
    for lo, hi, units in row["unresolved"]:
        span = f"[{float(Fraction(lo)):.6g}, {float(Fraction(hi)):.6g}]"
        print(f"  unresolved bits {units} for t in {span}")
    print(f"smooth walk {1e3 * row['seconds_smooth_walk']:.1f} ms")
    for n, s in row["sampled"].items():
        print(
            f"sampled n={n}: chi {_short(s['chi'])}, {s['regions_seen']} regions seen, "
            f"{1e3 * s['seconds']:.1f} ms"
        )


def _check_output(path: str | None, flag: str) -> None:
    """An output file's folder must exist (checked before any work is done)."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise PolyfoldError(f"{flag}: the folder {folder!r} does not exist")


def _png_ready(path: str | None) -> None:
    """Before any work: the PNG's folder exists and matplotlib is installed."""
    _check_output(path, "--png")
    if path:
        require("matplotlib", "--png")


def _save_png(path: str, draw: Any, *args: Any) -> None:
    """Draw with ``polyfold.plotting.<draw>(*args)`` off-screen and save the figure."""
    import matplotlib

    matplotlib.use("Agg")
    from . import plotting

    axes = getattr(plotting, draw)(*args)
    first = axes[0] if isinstance(axes, (list, tuple, np.ndarray)) else axes
    first.figure.savefig(path, dpi=150, bbox_inches="tight")


def _load_model(path: str) -> Network:
    if path.lower().endswith((".onnx", ".nnet", ".pt", ".pth")):
        raise PolyfoldError(
            f"model: {path!r} is not a polyfold .npz file; import it in Python "
            "(pf.from_onnx, pf.load_nnet, pf.from_torch) and save it with Network.save"
        )
    return Network.load(path)


def cmd_chi(args: argparse.Namespace) -> int:
    """``polyfold chi``: χ of one segment of a saved model, exactly, and sampled.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    net = _load_model(args.model)
    x1, x2 = _parse_point(args.x1, "--x1"), _parse_point(args.x2, "--x2")
    if any(act.smooth for act in net.activations):
        srow, _ = smooth_report(net, x1, x2, samples=args.samples)
        srow["seconds_smooth_walk"] = _secs(srow["seconds_smooth_walk"])
        if args.json:
            print(json.dumps(srow, indent=2))
        else:
            _print_smooth(srow)
        return 0
    row, path = segment_report(net, x1, x2, samples=args.samples)
    if args.json:
        row["breakpoints"] = [str(t) for t in path.breakpoints]
        row["patterns"] = path.bitstrings()
        print(json.dumps(row, indent=2))
    else:
        print(_format_table([row], ["x1->x2"]))
        if args.regions:
            for t0, t1, bits in zip(path.breakpoints, path.breakpoints[1:], path.bitstrings()):
                print(f"  ({t0}, {t1})  {bits}")
    return 0


def _graphml_ready(graph: Any) -> Any:
    """A copy of a region graph whose attributes GraphML can store (strings and numbers)."""
    import networkx as nx

    out = nx.Graph(**{k: str(v) for k, v in graph.graph.items() if v is not None})
    for key, data in graph.nodes(data=True):
        attrs: dict[str, Any] = {"witness": ",".join(str(v) for v in data["witness"])}
        if data.get("area") is not None:
            attrs["area"] = str(data["area"])
            attrs["area_float"] = float(data["area"])
        out.add_node(key, **attrs)
    for u, v, data in graph.edges(data=True):
        out.add_edge(
            u,
            v,
            flips=",".join(str(k) for k in data["flips"]),
            facet_point=",".join(str(c) for c in data["facet_point"]),
        )
    return out


def cmd_regions(args: argparse.Namespace) -> int:
    """``polyfold regions``: the linear regions of a 2-input model or of a plane.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from .domains import Box, Slice
    from .regions import region_graph

    _check_output(args.graphml, "--graphml")
    _png_ready(args.png)
    net = _load_model(args.model)
    if (args.box is None) == (args.plane is None):
        raise PolyfoldError("give exactly one of --box LO HI or --plane P0 P1 P2")
    if args.box is not None:
        domain: Any = Box(
            _parse_point(args.box[0], "--box LO"), _parse_point(args.box[1], "--box HI")
        )
    else:
        domain = Slice.through(*[_parse_point(p, "--plane") for p in args.plane])
    graph, seconds = _timed(
        region_graph,
        net,
        domain,
        engine=args.engine,
        exact=not args.float,
        route=args.route,
        max_regions=args.max_regions,
        time_budget=args.time_budget,
        progress=args.progress,
    )
    summary: dict[str, Any] = {
        "regions": graph.number_of_nodes(),
        "adjacencies": graph.number_of_edges(),
        "complete": bool(graph.graph["complete"]),
        "engine": graph.graph["engine"],
        "route": graph.graph["route"],
        "method": graph.graph["method"],
        "exact": bool(graph.graph["exact"]),
        "certified": bool(graph.graph["certified"]),
        "seconds": _secs(seconds),
    }
    if args.graphml:
        import networkx as nx

        nx.write_graphml(_graphml_ready(graph), args.graphml)
        summary["graphml"] = args.graphml
    if args.png and graph.number_of_nodes() == 0:
        print("polyfold: no region was finished: no picture drawn", file=sys.stderr)
    elif args.png:
        import matplotlib

        matplotlib.use("Agg")
        from .plotting import region_graph_drawing, tessellation

        if next(iter(graph.nodes.values())).get("vertices") is not None:
            ax = tessellation(graph, net=net if args.box is not None else None)
        else:
            ax = region_graph_drawing(graph)
        ax.figure.savefig(args.png, dpi=150, bbox_inches="tight")
        summary["png"] = args.png
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:>12}: {value}")
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    """``polyfold study``: a folding study: train on an embedded data set, track Φ.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from .studies import DATASETS, study

    _check_output(args.out, "--out")
    _png_ready(args.png)  # before the study runs, not after
    if args.data not in DATASETS and not os.path.exists(args.data):
        raise PolyfoldError(
            f"--data: expected one of {', '.join(DATASETS)} or an existing .npz/.csv file, "
            f"got {args.data!r}"
        )
    rows = study(
        args.data,
        depths=args.depths,
        widths=args.widths,
        seeds=args.seeds,
        normalization=args.normalization,
        activation=args.activation,
        networks=_named_networks(args.networks),
        track=args.track,
        clusters=args.clusters,
        pairs=args.pairs,
        max_pairs=args.max_pairs,
        variant=args.variant,
        exact=not args.float,
        test_fraction=args.test_fraction,
        out=args.out,
        resume=not args.restart,
        progress=args.progress,
        max_iter=args.epochs,
        backend=args.backend,
        threads=args.threads,
    )
    if args.png:
        _save_png(args.png, "study_figure", rows)
    if args.json:
        # strict JSON: an undefined Φ (NaN) is null
        clean = [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in rows
        ]
        print(json.dumps(clean, indent=2, default=str, allow_nan=False))
    else:
        head = ["depth", "width", "seed", "test_accuracy", "phi", "fraction_folded", "mean_regions"]
        if any(r["name"] for r in rows):
            head = ["name", *head]
        print(_columns(head, [[_cell(h, r[h]) for h in head] for r in rows]))
    return 0


def _split_data(args: argparse.Namespace, n_inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """``--data`` loaded, then ``--split`` of it (a seeded stratified cut, datasets.split)."""
    from .datasets import split
    from .studies import DATASETS, load_data

    if args.data not in DATASETS and not os.path.exists(args.data):
        raise PolyfoldError(
            f"--data: expected one of {', '.join(DATASETS)} or an existing .npz/.csv file, "
            f"got {args.data!r}"
        )
    x, y = load_data(args.data)
    if x.shape[1] != n_inputs:
        raise PolyfoldError(
            f"--data: {args.data!r} has {x.shape[1]} features, the model {n_inputs} inputs"
        )
    if args.split == "all":
        return x, y
    parts = split(x, y, test=args.test_fraction, seed=args.split_seed)
    return (parts.X_test, parts.y_test) if args.split == "test" else (parts.X_train, parts.y_train)


def _label(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def cmd_phi(args: argparse.Namespace) -> int:
    """``polyfold phi``: the global folding measure Φ of a model on a data set.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from concurrent.futures import ProcessPoolExecutor

    from .phi import fold_paths

    net = _load_model(args.model)
    x, y = _split_data(args, net.n_inputs)
    classes = None
    if args.classes is not None:
        kinds = {type(_label(v)) for v in np.unique(y)}
        cast: Any = int if kinds <= {int} else str
        try:
            classes = [cast(c) for c in args.classes]
        except ValueError:
            raise PolyfoldError(f"--classes: expected labels of y, got {args.classes}") from None
    options = dict(
        paths_per_pair=args.paths_per_pair,
        pairs=args.pairs,
        ordered=not args.unordered,
        variant=args.variant,
        classes=classes,
        seed=args.seed,
        time_budget=args.time_budget,
        progress=args.progress,
    )
    start = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            res = fold_paths(net, x, y, executor=pool, **options)
    else:
        res = fold_paths(net, x, y, **options)
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {
        "variant": res.variant,
        "phi": None if res.phi is None else str(res.phi),
        "phi_float": None if res.phi is None else float(res.phi),
        "other_variant": {
            v: (None if p is None else str(p))
            for v in ("deck", "paper")
            if v != res.variant
            for p in [res.aggregate.phi(v)]
        },
        "paths": res.n_paths,
        "paths_per_pair": res.paths_per_pair,
        "fraction_folded": str(res.fraction_folded),
        "split": args.split,
        "points": len(y),
        "complete": res.complete,
        "interrupted": res.interrupted,
        "seconds": _secs(seconds),
        "paths_per_second": _secs(res.n_paths / seconds) if seconds > 0 else None,
    }
    if args.bootstrap:
        lo, hi = res.bootstrap(args.bootstrap, level=args.level, seed=args.seed)
        out["bootstrap"] = {
            "resamples": args.bootstrap,
            "level": args.level,
            "low": None if lo is None else str(lo),
            "high": None if hi is None else str(hi),
        }
    pairs = {
        f"{a}->{b}": {
            "paths": c.n,
            "folded": c.folded,
            "max": None if c.max is None else str(c.max),
            "median_nonzero": None if (m := c.median_nonzero()) is None else str(m),
        }
        for (a, b), c in sorted(res.aggregate.pairs.items(), key=lambda kv: str(kv[0]))
    }
    if args.json:
        out["pairs"] = pairs
        print(json.dumps(out, indent=2))
        return 0
    for key, value in out.items():
        print(f"{key:>17}: {value}")
    if args.per_pair:
        head = ["pair", "paths", "folded", "max", "median_nonzero"]
        lines = [
            [k] + ["-" if v[h] is None else _short(str(v[h])) for h in head[1:]]
            for k, v in pairs.items()
        ]
        print(_columns(head, lines))
    return 0


def cmd_estimator(args: argparse.Namespace) -> int:
    """``polyfold estimator``: the sampling estimator's error against the exact χ.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from .estimator import estimator_report

    _png_ready(args.png)
    net = _load_model(args.model)
    x, y = _split_data(args, net.n_inputs)
    start = time.perf_counter()
    rep = estimator_report(
        net, ns=sorted(set(args.samples)), data=(x, y), segments=args.segments, seed=args.seed
    )
    seconds = time.perf_counter() - start
    rows = rep.table(str)
    if args.png:
        _save_png(args.png, "estimator_figure", rep)
    folded = sum(c > 0 for c in rep.chi)
    if args.json:
        doc = {
            "segments": len(rep.chi),
            "folded": folded,
            "split": args.split,
            "rows": rows,
            "seconds": _secs(seconds),
        }
        if args.png:
            doc["png"] = args.png
        print(json.dumps(doc, indent=2))
        return 0
    print(
        f"{len(rep.chi)} segments between points of different labels ({args.split} split), "
        f"{folded} fold; the sampled chi against the exact chi:"
    )
    head = ["n", "mae", "missed", "unseen", "over", "under"]
    lines = [
        [str(r["n"])]
        + ["-" if r[h] is None else f"{float(Fraction(str(r[h]))):.4f}" for h in head[1:]]
        for r in rows
    ]
    print(_columns(head, lines))
    return 0


def cmd_layers(args: argparse.Namespace) -> int:
    """``polyfold layers``: Φ per subset of hidden layers.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from .layers import layer_folding

    _png_ready(args.png)
    net = _load_model(args.model)
    x, y = _split_data(args, net.n_inputs)
    res = layer_folding(
        net, x, y, clusters=args.clusters, variant=args.variant, seed=args.seed,
        max_pairs=args.max_pairs,
    )  # fmt: skip
    table = res.table()
    if args.png:
        _save_png(args.png, "layer_figure", res)
    if args.json:
        doc: dict[str, Any] = {"variant": res.variant, "paths": len(res.pairs), "layers": table}
        for row in doc["layers"]:
            row["phi_float"] = None if row["phi"] == "" else row["phi_float"]
        print(json.dumps(doc, indent=2))
        return 0
    head = ["layers", "phi", "fraction_folded"]
    lines = [[r["layers"], _short(r["phi"]) if r["phi"] else "-", f"{r['fraction_folded']:.4f}"]
             for r in table]  # fmt: skip
    print(_columns(head, lines))
    return 0


def cmd_interaction(args: argparse.Namespace) -> int:
    """``polyfold interaction``: the interaction coefficient along clean and attacked paths.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from .attacks import interaction_study

    _png_ready(args.png)
    net = _load_model(args.model)
    x, y = _split_data(args, net.n_inputs)
    res = interaction_study(
        net, x, y, classes=tuple(args.classes), pairs=args.pairs, attack=args.attack,
        eps=as_fraction(args.eps, "--eps"), seed=args.seed,
    )  # fmt: skip
    clean, attacked = res.mean_interaction
    higher = sum(r["inter"] > r["inter_attacked"] for r in res.rows)
    lower = sum(r["inter"] < r["inter_attacked"] for r in res.rows)
    if args.png:
        _save_png(args.png, "interaction_figure", res)
    summary = {
        "classes": list(args.classes),
        "attack": args.attack,
        "eps": str(res.eps),
        "pairs": len(res.rows),
        "mean_interaction_clean": str(clean),
        "mean_interaction_attacked": str(attacked),
        "clean_higher": higher,
        "clean_lower": lower,
    }
    if args.json:
        summary["rows"] = [
            {k: (str(v) if isinstance(v, Fraction) else v) for k, v in r.items()}
            for r in res.table()
        ]
        print(json.dumps(summary, indent=2))
        return 0
    for key, value in summary.items():
        print(f"{key:>26}: {value}")
    return 0


def _named_networks(paths: list[str] | None) -> dict[str, Network] | None:
    """``--networks a.npz b.npz``: saved networks by file stem (names must differ)."""
    if not paths:
        return None
    out: dict[str, Network] = {}
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        if name in out:
            raise PolyfoldError(f"--networks: two files are named {name!r}")
        out[name] = _load_model(path)
    return out


def _cell(column: str, value: Any) -> str:
    """A study-table cell: Φ shortened, accuracies and means to four decimals."""
    if column == "phi":
        return _short(str(value)) if value else "-"
    if column in ("test_accuracy", "mean_regions"):
        try:
            return f"{float(value):.4f}"
        except (TypeError, ValueError):
            return str(value)
    if column == "fraction_folded":
        return _short(str(value))
    return str(value)


def cmd_check(args: argparse.Namespace) -> int:
    """``polyfold check``: a registered property (theorem) checked on random networks.

    Parameters
    ----------
    args
        The parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The exit status: 0 on success.
    """
    from . import theorems

    if args.list or args.name is None:
        for name, prop in sorted(theorems.PROPERTIES.items()):
            print(f"{name:>14}: {prop.description}")
        return 0
    result = theorems.check(args.name, cases=args.cases, seed=args.seed)
    cx = result.counterexample
    if args.json:
        out: dict[str, Any] = {"name": result.name, "holds": result.holds, "cases": result.cases}
        if cx is not None:
            out["counterexample"] = {
                "weights": [[[str(v) for v in row] for row in w] for w, _ in cx.net.exact_weights],
                "biases": [[str(v) for v in b] for _, b in cx.net.exact_weights],
                "threshold": str(cx.net.threshold),
                "points": [[str(v) for v in p] for p in cx.points],
                "details": {k: str(v) for k, v in cx.details.items()},
            }
        print(json.dumps(out, indent=2))
        return 0
    if result.holds:
        print(f"{result.name}: no counterexample; held in {result.cases} cases")
        return 0
    assert cx is not None
    shrunk = (
        f"shrunk from {cx.shrunk_from[0]} hidden units to {cx.net.n_hidden}"
        if cx.shrunk_from[0] != cx.net.n_hidden
        else f"{cx.net.n_hidden} hidden units; no smaller network fails"
    )
    print(f"{result.name}: counterexample after {result.cases} cases ({shrunk})")
    print(f"  network {cx.net}, threshold {cx.net.threshold}")
    for i, (w, b) in enumerate(cx.net.exact_weights):
        text = f"layer {i}: W = {[[str(v) for v in row] for row in w]}, b = {[str(v) for v in b]}"
        print(textwrap.fill(text, width=98, initial_indent="  ", subsequent_indent="      "))
    for i, p in enumerate(cx.points):
        print(f"  point {i}: {[str(v) for v in p]}")
    for key, value in cx.details.items():
        print(f"  {key} = {value}")
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def _samples(text: str) -> int:
    value = _positive(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected at least 2 samples, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds >= 0, got {text}")
    return value


def _level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text}")
    return value


def _fraction_arg(text: str) -> float:
    return _level(text)


def _progress_and_json(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: when stderr is a terminal and the run is long)",
    )
    cmd.add_argument("--json", action="store_true", help="print one JSON document (only)")


def _data_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--data", default="digits", help="digits, moons, circles, spirals or a path")
    cmd.add_argument(
        "--split",
        choices=["test", "train", "all"],
        default="test",
        help="the part of --data the end points come from (seeded, stratified by class)",
    )
    cmd.add_argument(
        "--test-fraction", type=_fraction_arg, default=0.2, help="share of each class in test"
    )
    cmd.add_argument("--split-seed", type=int, default=0, help="seed of the split")


def build_parser() -> argparse.ArgumentParser:
    """The ``polyfold`` command line: one sub-command per task (``polyfold --help``).

    Returns
    -------
    argparse.ArgumentParser
    """
    fmt = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(
        prog="polyfold",
        description="Exact space folding of ReLU networks: the regions a segment crosses, "
        "the folding measure chi, regions, convexity and global folding.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="exact vs sampled chi on a network trained on digits", formatter_class=fmt
    )
    demo.add_argument("--segments", type=_positive, default=12, help="segments to walk")
    demo.add_argument("--seed", type=int, default=0, help="seed of training and of the segments")
    demo.add_argument("--json", action="store_true", help="print one JSON document (only)")
    demo.set_defaults(func=cmd_demo)
    chi = sub.add_parser(
        "chi",
        help="exact chi along one segment of a saved network (.npz); certified crossings "
        "(smooth_walk) for tanh/sigmoid/GELU/SiLU networks",
        formatter_class=fmt,
    )
    chi.add_argument("model", help="a network saved with Network.save")
    chi.add_argument("--x1", required=True, help="comma-separated start point, e.g. 0,1/2")
    chi.add_argument("--x2", required=True, help="comma-separated end point")
    chi.add_argument(
        "--samples",
        type=_samples,
        nargs="*",
        default=list(SAMPLE_SIZES),
        help="sample counts n of the published estimator to compare",
    )
    chi.add_argument("--regions", action="store_true", help="list every region crossed")
    chi.add_argument("--json", action="store_true", help="print one JSON document (only)")
    chi.set_defaults(func=cmd_chi)
    reg = sub.add_parser(
        "regions", help="linear regions of a saved network in a box or a plane", formatter_class=fmt
    )
    reg.add_argument("model", help="a network saved with Network.save")
    reg.add_argument("--box", nargs=2, metavar=("LO", "HI"), help="e.g. --box -1,-1 1,1")
    reg.add_argument("--plane", nargs=3, metavar="P", help="the triangle through three points")
    reg.add_argument(
        "--engine",
        choices=["auto", "planar", "lp"],
        default="auto",
        help="planar: 2-D polygon splitting; lp: any dimension; auto: planar in 2-D",
    )
    reg.add_argument("--float", action="store_true", help="float64 (not proven) instead of exact")
    reg.add_argument(
        "--route",
        choices=["auto", "certified", "splitting", "vectorised", "vertex", "lp"],
        default="auto",
        help="how the engine computes (see region_graph); auto: the fastest that applies",
    )
    reg.add_argument("--max-regions", type=_positive, default=None, help="stop after this many")
    reg.add_argument("--time-budget", type=_seconds, default=None, help="stop after these seconds")
    reg.add_argument("--graphml", help="write the region graph to this GraphML file")
    reg.add_argument("--png", help="draw the tessellation (2-D) or the graph to this PNG")
    _progress_and_json(reg)
    reg.set_defaults(func=cmd_regions)
    st = sub.add_parser(
        "study", help="train a grid of small MLPs and measure global folding", formatter_class=fmt
    )
    st.add_argument("--data", default="digits", help="digits, moons, circles, spirals or a path")
    st.add_argument("--depths", type=_positive, nargs="+", default=[1, 2, 3], help="hidden layers")
    st.add_argument("--widths", type=_positive, nargs="+", default=[16], help="units per layer")
    st.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds")
    st.add_argument("--clusters", type=_positive, default=5, help="k-means centroids per class")
    st.add_argument("--max-pairs", type=_positive, default=500, help="segments walked per network")
    st.add_argument(
        "--pairs", choices=["between", "within", "all"], default="between", help="centroid pairs"
    )
    st.add_argument("--variant", choices=["deck", "paper"], default="deck", help="Phi variant")
    st.add_argument("--float", action="store_true", help="float breakpoints (chi is proven anyway)")
    st.add_argument(
        "--backend", choices=["auto", "sklearn", "torch"], default="auto", help="trainer"
    )
    st.add_argument("--epochs", type=_positive, default=300, help="training epochs (max_iter)")
    st.add_argument("--threads", type=_positive, default=1, help="torch CPU threads")
    st.add_argument(
        "--normalization",
        nargs="+",
        choices=["none", "batchnorm", "dropout", "batchnorm+dropout"],
        default=["none"],
        help="a grid axis (torch): the same networks with batch-norm and/or dropout",
    )
    st.add_argument(
        "--activation",
        choices=["relu", "tanh", "gelu", "silu", "sigmoid"],
        default="relu",
        help="hidden units (smooth ones: torch, certified smooth walks)",
    )
    st.add_argument(
        "--networks",
        nargs="+",
        default=None,
        help="measure these saved networks (.npz) instead of training the grid",
    )
    st.add_argument(
        "--track",
        type=int,
        nargs="+",
        default=None,
        help="epochs at which to measure folding during training (torch; <out>_tracks.csv)",
    )
    st.add_argument(
        "--test-fraction", type=_fraction_arg, default=0.2, help="share held out for accuracy"
    )
    st.add_argument("--out", help="CSV file; finished rows are appended and reused on resume")
    st.add_argument("--restart", action="store_true", help="ignore rows already in --out")
    st.add_argument("--png", help="draw Phi and the folded fraction against depth")
    _progress_and_json(st)
    st.set_defaults(func=cmd_study)
    ph = sub.add_parser(
        "phi",
        help="global folding Phi over sampled paths between classes (the papers' recipe)",
        formatter_class=fmt,
    )
    ph.add_argument("model", help="a network saved with Network.save")
    _data_options(ph)
    ph.add_argument("--variant", choices=["paper", "deck"], default="paper", help="Phi variant")
    ph.add_argument("--paths-per-pair", type=_positive, default=100, help="paths per class pair")
    ph.add_argument("--pairs", choices=["between", "all"], default="between", help="class pairs")
    ph.add_argument("--unordered", action="store_true", help="each unordered class pair once")
    ph.add_argument("--classes", nargs="+", help="the classes to pair (default: all in the split)")
    ph.add_argument("--seed", type=int, default=0, help="seed of the paths and the bootstrap")
    ph.add_argument("--bootstrap", type=_positive, default=None, help="bootstrap resamples")
    ph.add_argument("--level", type=_level, default=0.95, help="bootstrap interval level")
    ph.add_argument("--workers", type=_positive, default=1, help="local worker processes")
    ph.add_argument("--time-budget", type=_seconds, default=None, help="stop after these seconds")
    ph.add_argument("--per-pair", action="store_true", help="print a table per class pair")
    _progress_and_json(ph)
    ph.set_defaults(func=cmd_phi)
    es = sub.add_parser(
        "estimator",
        help="how wrong the sampling estimator of chi is, against the exact chi",
        formatter_class=fmt,
    )
    es.add_argument("model", help="a network saved with Network.save")
    _data_options(es)
    es.add_argument("--segments", type=_positive, default=1000, help="segments between classes")
    es.add_argument(
        "--samples",
        type=_samples,
        nargs="+",
        default=list(SAMPLE_SIZES),
        help="sample counts n of the estimator",
    )
    es.add_argument("--seed", type=int, default=0, help="seed of the segments")
    es.add_argument("--png", help="draw the error against n to this PNG")
    es.add_argument("--json", action="store_true", help="print one JSON document (only)")
    es.set_defaults(func=cmd_estimator)
    ly = sub.add_parser(
        "layers", help="Phi with each layer's bits alone and each prefix", formatter_class=fmt
    )
    ly.add_argument("model", help="a network saved with Network.save")
    _data_options(ly)
    ly.add_argument("--clusters", type=_positive, default=5, help="k-means centroids per class")
    ly.add_argument("--variant", choices=["deck", "paper"], default="deck", help="Phi variant")
    ly.add_argument("--max-pairs", type=_positive, default=None, help="segments walked at most")
    ly.add_argument("--seed", type=int, default=0, help="seed of the centroids and the pairs")
    ly.add_argument("--png", help="draw Phi and the folded fraction per subset to this PNG")
    ly.add_argument("--json", action="store_true", help="print one JSON document (only)")
    ly.set_defaults(func=cmd_layers)
    ia = sub.add_parser(
        "interaction",
        help="interaction along paths between two classes, clean against attacked end points",
        formatter_class=fmt,
    )
    ia.add_argument("model", help="a network saved with Network.save")
    _data_options(ia)
    ia.add_argument("--classes", type=int, nargs=2, default=[5, 7], help="the two classes")
    ia.add_argument("--pairs", type=_positive, default=50, help="paths between the classes")
    ia.add_argument("--attack", choices=["fgsm", "pgd"], default="fgsm", help="the attack")
    ia.add_argument("--eps", default="1/10", help="the attack's radius (max norm), exact")
    ia.add_argument("--seed", type=int, default=0, help="seed of the pairs")
    ia.add_argument("--png", help="draw the clean/attacked interaction to this PNG")
    ia.add_argument("--json", action="store_true", help="print one JSON document (only)")
    ia.set_defaults(func=cmd_interaction)
    ck = sub.add_parser(
        "check", help="search for counterexamples to a property (exact)", formatter_class=fmt
    )
    ck.add_argument("name", nargs="?", help="a property; --list shows them")
    ck.add_argument("--cases", type=_positive, default=1000, help="random cases to try")
    ck.add_argument("--seed", type=int, default=0, help="seed of the random cases")
    ck.add_argument("--list", action="store_true", help="list the properties")
    ck.add_argument("--json", action="store_true", help="print one JSON document (only)")
    ck.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``polyfold`` command line.

    Parameters
    ----------
    argv
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 for bad input (the message names the
        argument), 130 when interrupted.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    # a point such as -1,-1/2 is a value, not an option: argparse only knows plain negatives
    argv = [" " + a if re.match(r"^-[0-9.]", a) else a for a in argv]
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PolyfoldError as exc:
        print(f"polyfold: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `polyfold chi ... --json | head`: the reader has gone
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("polyfold: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
