"""The 2-D region engine in float mode, vectorised over cells.

Same construction as :mod:`polyfold.regions.splitting` — convex cells split unit by unit,
every edge labelled with the units whose line carries it — but all cells of a
batch are split by one unit at a time with array operations, and the cells
carry the network's values at their vertices instead of per-cell affine
maps: on a cell the next layer's pre-activations are affine, so their values
at a new vertex are interpolated along its edge, and after a layer the next
layer's values at every vertex are one forward step of the vertex values
(``σ`` of a vertex value is the cell's masked map there, by continuity).

Vertices live in one table (coordinates and the current layer's values) and
a cell is a run ``start, start + count`` of rows, each naming a vertex in the
table, listed counter-clockwise, so a split copies no vertex data: it adds
the crossing points to the table and the children's rows. ``label[r]`` is the
unit whose line carries the edge from row ``r``'s vertex to the next one (−1:
the domain's boundary), and the rare edges on several units' lines keep the
others in ``extra``. Per-cell questions ("does some vertex have z_j > 0?")
are one sparse cells × vertices product. Batches of first-layer cells are
finished one at a time, so budgets and Ctrl-C stop between batches with
finished regions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix

from ..domains import Polytope
from ..geometry import polygon_area
from ..network import Network
from ._build import Budget, bit_positions, interruptible, neighbour, new_graph, pattern_keys

__all__ = ["METHOD", "FastCells", "fast_planar_cells", "vectorised_graph"]

METHOD = "vectorised float"


@dataclass
class FastCells:
    """Finished cells: ``xy[start[i] : start[i] + count[i]]`` is cell ``i``, with its bits."""

    xy: np.ndarray
    label: np.ndarray
    start: np.ndarray
    count: np.ndarray
    bits: np.ndarray  # (cells, units) over every unit split so far
    extra: dict[int, frozenset[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.start)


@dataclass
class _Pool:
    # the vertex table: coordinates and the current layer's pre-activations
    xy: np.ndarray
    values: np.ndarray
    # the cells' rows: a cell is rows ``start .. start + count``, each row one vertex (an
    # index into the table) and the label of the edge from it to the next row's vertex
    vid: np.ndarray
    label: np.ndarray
    start: np.ndarray
    count: np.ndarray
    bits: np.ndarray  # the bits of the cells at the start of the layer
    extra: dict[int, frozenset[int]] = field(default_factory=dict)
    # each cell's ancestor at the start of the layer, and which units cross that ancestor
    anc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    may_cut: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    n_vertices: int = -1  # table entries in use; the arrays have spare capacity beyond
    size: int = -1  # rows in use

    def __post_init__(self) -> None:
        if self.n_vertices < 0:
            self.n_vertices = len(self.xy)
        if self.size < 0:
            self.size = len(self.vid)

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of every live cell, each row's cell, and its successor's row."""
        return _rows_of(self, np.arange(len(self.count)))

    def add_vertices(self, xy: np.ndarray, values: np.ndarray) -> np.ndarray:
        base = self.n_vertices
        self.xy, self.values = _grown([self.xy, self.values], base, len(xy))
        self.xy[base : base + len(xy)] = xy
        self.values[base : base + len(xy)] = values
        self.n_vertices = base + len(xy)
        return np.arange(base, self.n_vertices)

    def add_rows(self, vid: np.ndarray, label: np.ndarray) -> np.ndarray:
        base = self.size
        self.vid, self.label = _grown([self.vid, self.label], base, len(vid))
        self.vid[base : base + len(vid)] = vid
        self.label[base : base + len(vid)] = label
        self.size = base + len(vid)
        return np.arange(base, self.size)

    def compact(self) -> None:
        """Keep only the live cells' rows, contiguous in cell order, and their vertices."""
        rows, _, _ = self.rows()
        remap = {int(r): i for i, r in enumerate(rows)} if self.extra else {}
        vid, self.label = self.vid[rows], self.label[rows]
        used = np.zeros(self.n_vertices, dtype=bool)
        used[vid] = True
        self.vid = (np.cumsum(used) - 1)[vid]
        n = self.n_vertices
        self.xy, self.values = self.xy[:n][used], self.values[:n][used]
        self.n_vertices, self.size = len(self.xy), len(rows)
        self.start = np.cumsum(self.count) - self.count
        self.extra = {remap[r]: units for r, units in self.extra.items() if r in remap}

    def incidence(self) -> Any:
        """The sparse cells × vertices 0/1 matrix of a compacted pool."""
        return incidence(self.count, self.vid, self.n_vertices)


def incidence(count: np.ndarray, columns: np.ndarray, n_columns: int) -> Any:
    """Sparse 0/1 matrix whose row ``i`` has ones at the ``count[i]`` next ``columns``."""
    ones = np.ones(len(columns), dtype=np.float32)
    indptr = np.r_[0, np.cumsum(count)]
    return csr_matrix((ones, columns, indptr), shape=(len(count), n_columns))


def _grown(arrays: list[np.ndarray], used: int, more: int) -> list[np.ndarray]:
    """``arrays`` with room for ``more`` rows after ``used`` (capacity doubles: O(1) amortised)."""
    if used + more <= len(arrays[0]):
        return arrays
    cap = max(2 * len(arrays[0]), used + more)
    out = []
    for old in arrays:
        grown = np.empty((cap, *old.shape[1:]), dtype=old.dtype)
        grown[:used] = old[:used]
        out.append(grown)
    return out


def _rows_of(pool: _Pool, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the vertices of ``cells``, each one's position in ``cells``, successors."""
    count = pool.count[cells]
    first = np.cumsum(count) - count
    which = np.repeat(np.arange(len(cells)), count)
    pos = np.arange(int(count.sum())) - first[which]
    start = pool.start[cells][which]
    return start + pos, which, start + (pos + 1) % count[which]


def _any_vertex(incidence: Any, mask: np.ndarray) -> np.ndarray:
    """Per cell and unit: does some vertex of the cell have ``mask`` set."""
    return np.asarray(incidence @ mask.astype(np.float32)) > 0


def _split(pool: _Pool, j: int, unit: int, candidates: np.ndarray) -> None:
    """Split every cell that the line ``values[:, j] = 0`` crosses; children replace it.

    Only ``candidates`` can be crossed: the cells whose layer-start ancestor was.
    """
    rows, which, succ = _rows_of(pool, candidates)
    f = pool.values[pool.vid[rows], j]
    first = np.cumsum(pool.count[candidates]) - pool.count[candidates]
    local_cut = (np.maximum.reduceat(f, first) > 0) & (np.minimum.reduceat(f, first) < 0)
    if not local_cut.any():
        return
    cut = np.zeros(len(pool.count), dtype=bool)
    cut[candidates[local_cut]] = True
    on = local_cut[which]
    p, q = rows[on], succ[on]
    vp, vq = pool.vid[p], pool.vid[q]
    fp, fq = f[on], pool.values[vq, j]
    owner = candidates[which[on]]
    crossing = ((fp > 0) & (fq < 0)) | ((fp < 0) & (fq > 0))
    # the new vertices where the line crosses an edge (shared by the two children)
    k = np.flatnonzero(crossing)
    s = (fp[k] / (fp[k] - fq[k]))[:, None]
    a, b = vp[k], vq[k]
    new_xy = pool.xy[a] + s * (pool.xy[b] - pool.xy[a])
    new_values = pool.values[a] + s * (pool.values[b] - pool.values[a])
    new_values[:, j] = 0.0  # the crossing unit sits exactly on its line
    x_vid = np.full(len(p), -1)
    x_vid[k] = pool.add_vertices(new_xy, new_values)
    lab = pool.label[p]
    children_vid, children_label, children_count, parents = [], [], [], []
    for side in (1.0, -1.0):
        in_p, in_q = side * fp >= 0, side * fq >= 0
        two = in_p & ~in_q & (fp != 0)  # p, then the crossing point
        one = in_p & ~two  # p alone
        enter = ~in_p & in_q & (fq != 0)  # the crossing point where the edge comes back in
        n_out = one.astype(np.int64) + 2 * two + enter
        offset = np.cumsum(n_out) - n_out
        size = int(n_out.sum())
        out_vid = np.empty(size, dtype=np.int64)
        out_lab = np.empty(size, dtype=np.int64)
        out_vid[offset[one]] = vp[one]
        out_lab[offset[one]] = np.where(in_q[one], lab[one], unit)
        out_vid[offset[two]] = vp[two]
        out_lab[offset[two]] = lab[two]
        out_vid[offset[two] + 1] = x_vid[two]
        out_lab[offset[two] + 1] = unit
        out_vid[offset[enter]] = x_vid[enter]
        out_lab[offset[enter]] = lab[enter]
        counts = np.bincount(owner, weights=n_out, minlength=len(pool.count))[cut]
        children_vid.append(out_vid)
        children_label.append(out_lab)
        children_count.append(counts.astype(np.int64))
        parents.append(np.flatnonzero(cut))
        if pool.extra:  # edges kept from the parent keep their extra units
            keep_from = np.concatenate([offset[one & in_q], offset[two], offset[enter]])
            origin = np.concatenate([p[one & in_q], p[two], p[enter]])
            base = pool.size + sum(len(r) for r in children_vid[:-1])
            for o, r in zip(keep_from, origin):
                if int(r) in pool.extra:
                    pool.extra[base + int(o)] = pool.extra[int(r)]
    new_rows = pool.add_rows(np.concatenate(children_vid), np.concatenate(children_label))
    counts = np.concatenate(children_count)
    starts = new_rows[0] + np.cumsum(counts) - counts
    parent = np.concatenate(parents)
    keep = ~cut
    pool.start = np.concatenate([pool.start[keep], starts])
    pool.count = np.concatenate([pool.count[keep], counts])
    pool.anc = np.concatenate([pool.anc[keep], pool.anc[parent]])


def _finish_layer(pool: _Pool, offset: int, linear: np.ndarray) -> None:
    """Compact the pool, record the layer's bits and the edges lying on unsplit lines."""
    pool.compact()
    positive = _any_vertex(pool.incidence(), pool.values > 0)
    positive[:, linear] = True  # linear units: always on their one piece
    pool.bits = np.concatenate([pool.bits[pool.anc], positive], axis=1)
    pool.anc = np.arange(len(pool.count))
    rows, _, succ = pool.rows()
    zero = pool.values == 0
    on_line = zero[pool.vid[rows]] & zero[pool.vid[succ]]
    on_line[:, linear] = False
    # an edge cut by unit j carries j already; any other edge on a line is rare
    on_line[np.arange(len(rows)), np.clip(pool.label - offset, 0, on_line.shape[1] - 1)] &= ~(
        (pool.label >= offset) & (pool.label < offset + on_line.shape[1])
    )
    for v, j in zip(*np.nonzero(on_line)):
        unit = offset + int(j)
        if pool.label[v] < 0:
            pool.label[v] = unit
        else:
            pool.extra[int(v)] = pool.extra.get(int(v), frozenset()) | {unit}


def fast_planar_cells(net: Any, polygon: np.ndarray, batch: int = 1024) -> Iterator[FastCells]:
    """Batches of the full-dimensional cells of a 2-input network in a convex polygon (float)."""
    layers = [(np.asarray(w, dtype=np.float64), np.asarray(b)) for w, b in net.weights]
    n_split = net.depth + (1 if net.include_output else 0)
    linear = [*net.linear_units, np.zeros(net.n_outputs, dtype=bool)]
    offsets = np.cumsum([0] + [w.shape[0] for w, _ in layers])
    xy = np.asarray(polygon, dtype=np.float64)
    w0, b0 = layers[0]
    pool = _Pool(
        xy=xy,
        values=xy @ w0.T + b0,
        vid=np.arange(len(xy)),
        label=np.full(len(xy), -1, dtype=np.int64),
        start=np.array([0]),
        count=np.array([len(xy)]),
        bits=np.zeros((1, 0), dtype=bool),
    )
    _split_layer(pool, 0, offsets, linear)
    _finish_layer(pool, int(offsets[0]), linear[0])
    if n_split == 1:
        yield _finished(pool)
        return
    for lo in range(0, len(pool.count), batch):
        part = _subset(pool, np.arange(lo, min(lo + batch, len(pool.count))))
        for layer in range(1, n_split):
            prev = linear[layer - 1]
            h = net.activations[layer - 1](part.values)
            h[:, prev] = part.values[:, prev]
            w, b = layers[layer]
            part.values = h @ w.T + b
            _split_layer(part, layer, offsets, linear)
            _finish_layer(part, int(offsets[layer]), linear[layer])
        yield _finished(part)


def _split_layer(pool: _Pool, layer: int, offsets: np.ndarray, linear: list[np.ndarray]) -> None:
    # a unit can only cross the descendants of the cells it crosses now (pool is compact)
    incidence = pool.incidence()
    pool.may_cut = _any_vertex(incidence, pool.values > 0) & _any_vertex(incidence, pool.values < 0)
    pool.may_cut[:, linear[layer]] = False
    pool.anc = np.arange(len(pool.count))
    for j in np.flatnonzero(pool.may_cut.any(axis=0)):
        candidates = np.flatnonzero(pool.may_cut[pool.anc, j])
        if candidates.size:
            _split(pool, int(j), int(offsets[layer]) + int(j), candidates)


def _subset(pool: _Pool, cells: np.ndarray) -> _Pool:
    part = _Pool(
        xy=pool.xy,
        values=pool.values,
        vid=pool.vid,
        label=pool.label,
        start=pool.start[cells],
        count=pool.count[cells],
        bits=pool.bits[cells],
        extra=dict(pool.extra),
        n_vertices=pool.n_vertices,
        size=pool.size,
    )
    part.compact()
    return part


def _finished(pool: _Pool) -> FastCells:
    pool.compact()
    return FastCells(pool.xy[pool.vid], pool.label, pool.start, pool.count, pool.bits, pool.extra)


def vectorised_graph(net: Network, poly: Polytope, budget: Budget) -> nx.Graph:
    """Float mode of the planar engine: cells split in vectorised batches."""
    graph = new_graph(METHOD)
    keep, position = bit_positions(net)
    verts = np.array([[float(x), float(y)] for x, y in poly.vertices_2d()])
    if polygon_area([tuple(v) for v in verts]) < 0:
        verts = verts[::-1]  # counter-clockwise
    single = {u: (u,) for u in range(net.n_bits)}
    done: list[tuple[Any, np.ndarray, np.ndarray, int]] = []  # cells, bits, keys, how many
    for cells in interruptible(fast_planar_cells(net, verts), graph):
        bits = cells.bits if keep is None else cells.bits[:, keep]
        keys = pattern_keys(bits)
        xy, start, count = cells.xy, cells.start, cells.count
        nxt = np.arange(len(xy)) + 1
        nxt[start + count - 1] = start
        cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
        areas = (np.add.reduceat(cross, start) / 2).tolist()
        centres = np.add.reduceat(xy, start, axis=0) / count[:, None]
        labels = np.where(cells.label >= 0, position[np.maximum(cells.label, 0)], -1)
        cells.label = labels  # from here on: pattern positions
        all_units: list[tuple[int, ...]] = [single.get(u, ()) for u in labels.tolist()]
        for v, more in cells.extra.items():  # edges on several units' lines
            extra = {int(position[u]) for u in more}
            all_units[v] = tuple(sorted(set(all_units[v]) | extra))
        n = budget.fit(graph.number_of_nodes(), len(cells)) if budget.limited else len(cells)
        bounds = np.r_[start, start[-1] + count[-1]].tolist()
        names = keys[:n].astype(str).tolist()
        graph.add_nodes_from(
            (
                names[i],
                {
                    "pattern": bits[i],
                    "witness": centres[i],
                    "area": areas[i],
                    "vertices": xy[bounds[i] : bounds[i + 1]],
                    "edge_units": all_units[bounds[i] : bounds[i + 1]],
                },
            )
            for i in range(n)
        )
        budget.progress.update(n)
        done.append((cells, bits, keys, n))
        if n < len(cells):
            graph.graph["complete"] = False
            break
    _vectorised_edges(graph, done, position)
    return graph


def _vectorised_edges(
    graph: nx.Graph, done: list[tuple[Any, np.ndarray, np.ndarray, int]], position: np.ndarray
) -> None:
    """Join regions across labelled edges, vectorised for edges on one unit's line."""
    if not done:
        return
    all_keys = np.concatenate([keys[:n] for _, _, keys, n in done])
    order = np.sort(all_keys)
    edges: list[tuple[str, str, np.ndarray, tuple[int, ...]]] = []
    for cells, bits, keys, n in done:
        last = int(cells.start[n - 1] + cells.count[n - 1]) if n else 0
        owner = np.repeat(np.arange(n), cells.count[:n])
        label = cells.label[:last]
        xy = cells.xy
        nxt = np.arange(last) + 1
        nxt[cells.start[:n] + cells.count[:n] - 1] = cells.start[:n]
        one = np.flatnonzero(label >= 0)
        if cells.extra:
            one = np.array([v for v in one if int(v) not in cells.extra], dtype=np.intp)
        flipped = bits[owner[one]].copy()
        flipped[np.arange(len(one)), label[one]] ^= True
        other = pattern_keys(flipped)
        mine = keys[owner[one]]
        found = np.searchsorted(order, other)
        found = np.minimum(found, len(order) - 1)
        real = (order[found] == other) & (mine < other)  # each edge once, from its smaller end
        at = one[real]
        points = list((xy[at] + xy[nxt[at]]) / 2)
        flips = [(u,) for u in label[at].tolist()]
        edges += zip(
            mine[real].astype(str).tolist(), other[real].astype(str).tolist(), points, flips
        )
        for v, units in cells.extra.items():  # edges on several lines: search the subsets
            if v >= last:
                continue
            i = int(owner[v])
            key = keys[i].decode("ascii")
            units_v = {int(position[u]) for u in units}
            if label[v] >= 0:
                units_v.add(int(label[v]))
            hit = neighbour(bits[i], frozenset(units_v), graph.nodes)
            if hit is not None and hit[0] > key:
                edges.append((key, hit[0], (xy[v] + xy[nxt[v]]) / 2, hit[1]))
    graph.add_edges_from((a, b, {"flips": f, "facet_point": p}) for a, b, p, f in edges)
