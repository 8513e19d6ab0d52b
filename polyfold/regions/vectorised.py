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

from .._memory import physical_memory
from ..domains import Polytope
from ..errors import InvalidInputError
from ..geometry import FLOAT_TOL, polygon_area
from ..network import Network
from ._build import Budget, bit_positions, neighbour, pattern_keys
from ._exact import packed_keys
from .arrays import RegionArrays

__all__ = ["METHOD", "FastCells", "fast_planar_cells", "vectorised_arrays", "vectorised_graph"]

METHOD = "vectorised float"


@dataclass
class FastCells:
    """Finished cells: ``xy[start[i] : start[i] + count[i]]`` is cell ``i``, with its bits.

    Attributes
    ----------
    xy : numpy.ndarray
        Vertex coordinates, one row per cell row.
    label : numpy.ndarray
        Per row, the split unit of the edge to the next row (−1 on the boundary).
    start, count : numpy.ndarray
    bits : numpy.ndarray
        ``(cells, units)``.
    extra : dict
        Rows whose edge lies on further units' lines too.
    """

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
    # a value within tol × (the unit's largest |value| on the pool at the layer's start) of
    # zero is taken as zero: the vertex lies on the unit's line
    tol: float = 0.0
    scale: np.ndarray = field(default_factory=lambda: np.zeros(0))

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
    if pool.tol:  # values made by earlier splits of this layer: near zero is on the line
        small = (np.abs(f) <= pool.tol * pool.scale[j]) & (f != 0)
        if small.any():
            pool.values[pool.vid[rows[small]], j] = 0.0
            f = np.where(small, 0.0, f)
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


def fast_planar_cells(
    net: Any, polygon: np.ndarray, batch: int = 1024, tol: float = 0.0
) -> Iterator[FastCells]:
    """Batches of the full-dimensional cells of a 2-input network in a convex polygon (float).

    Parameters
    ----------
    net
        A 2-input network (dense or operator form).
    polygon
        The domain polygon's vertices in counter-clockwise order.
    batch
        Cells carried through the deeper layers at once (memory).
    tol
        A vertex whose value for a unit is within ``tol`` times the unit's
        largest absolute value on the layer's cells is taken to lie on the
        unit's line (``0``: only exact float zeros do).

    Yields
    ------
    FastCells
    """
    layers = net.operators  # float applies: operator networks need no matrix here
    n_split = net.depth + (1 if net.include_output else 0)
    linear = [*net.linear_units, np.zeros(net.n_outputs, dtype=bool)]
    offsets = np.cumsum([0] + [op.n_out for op in layers])
    xy = np.asarray(polygon, dtype=np.float64)
    pool = _Pool(
        xy=xy,
        values=layers[0].apply(xy),
        vid=np.arange(len(xy)),
        label=np.full(len(xy), -1, dtype=np.int64),
        start=np.array([0]),
        count=np.array([len(xy)]),
        bits=np.zeros((1, 0), dtype=bool),
        tol=tol,
    )
    _check_first_layer(layers[0], xy, pool.values, linear[0])
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
            part.values = layers[layer].apply(h)
            _split_layer(part, layer, offsets, linear)
            _finish_layer(part, int(offsets[layer]), linear[layer])
        yield _finished(part)


def _memory_bytes() -> int:
    """This machine's physical memory (tests make it small)."""
    return physical_memory()


def _size(n_bytes: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes / 1024:,.1f} KiB"


def _check_first_layer(layer: Any, xy: np.ndarray, values: np.ndarray, linear: np.ndarray) -> None:
    """Refuse a first layer whose arrangement in the polygon would not fit in memory.

    The first layer's lines split the polygon all at once, and every vertex of
    that arrangement carries every first-layer unit's value: ``V × width`` floats,
    with ``V`` the polygon's corners, two ends per crossing line and one vertex per
    pair of lines crossing inside. Counted (sampled beyond 2·10⁸ pairs) before any
    splitting, so a plane through large inputs gets a message instead of an
    allocation the machine cannot make.
    """
    c = layer.apply(np.zeros((1, 2)))[0]
    a = layer.apply(np.eye(2)) - c  # the lines a·x + c = 0 (float: this is an estimate)
    crossing = np.flatnonzero((values.max(axis=0) > 0) & (values.min(axis=0) < 0) & ~linear)
    m, width = len(crossing), values.shape[1]
    limit = _memory_bytes() // 2
    per_vertex = 8 * width + 64

    def needed(pairs_inside: float) -> float:
        return 2 * (len(xy) + 2 * m + pairs_inside) * per_vertex  # capacity doubles

    pairs = m * (m - 1) // 2
    if needed(pairs) <= limit:
        return
    # the polygon as half-planes n·x <= h (counter-clockwise corners)
    edges = np.roll(xy, -1, axis=0) - xy
    normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1)
    heights = np.einsum("ij,ij->i", normals, xy)
    lines_a, lines_c = a[:, crossing].T, c[crossing]
    rng = np.random.default_rng(0)
    sample = pairs > 2 * 10**8
    inside = 0
    for lo in range(0, m, 512):
        if sample:  # an estimate: 10^6 random pairs scaled up
            if lo:
                break
            j = rng.integers(0, m, size=10**6)
            k = rng.integers(0, m, size=10**6)
        else:
            jj, kk = np.meshgrid(np.arange(lo, min(m, lo + 512)), np.arange(m), indexing="ij")
            keep = kk > jj
            j, k = jj[keep], kk[keep]
        a1, a2, c1, c2 = lines_a[j], lines_a[k], lines_c[j], lines_c[k]
        det = a1[:, 0] * a2[:, 1] - a1[:, 1] * a2[:, 0]
        ok = det != 0
        x = (-c1 * a2[:, 1] + c2 * a1[:, 1])[ok] / det[ok]
        y = (-a1[:, 0] * c2 + a2[:, 0] * c1)[ok] / det[ok]
        within = np.all(np.outer(x, normals[:, 0]) + np.outer(y, normals[:, 1]) < heights, axis=1)
        inside += int(within.sum())
    if sample:
        inside = int(inside * pairs / 10**6)
    if needed(inside) > limit:
        raise InvalidInputError(
            f"domain: the first layer's {m:,} lines cut this polygon into about "
            f"{1 + m + inside:,} cells, whose {len(xy) + 2 * m + inside:,} vertices would each "
            f"hold {width:,} values (about {_size(needed(inside))}, more than half "
            "this machine's memory); take a smaller polygon (closer points in Slice.through, "
            "or a box around one point) or a network with a narrower first layer"
        )


def _split_layer(pool: _Pool, layer: int, offsets: np.ndarray, linear: list[np.ndarray]) -> None:
    if pool.tol:
        values = pool.values[: pool.n_vertices]
        pool.scale = np.abs(values).max(axis=0) if len(values) else np.zeros(values.shape[1])
        values[np.abs(values) <= pool.tol * pool.scale] = 0.0
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
        tol=pool.tol,
    )
    part.compact()
    return part


def _finished(pool: _Pool) -> FastCells:
    pool.compact()
    return FastCells(pool.xy[pool.vid], pool.label, pool.start, pool.count, pool.bits, pool.extra)


def vectorised_graph(
    net: Network, poly: Polytope, budget: Budget, tol: float = FLOAT_TOL
) -> nx.Graph:
    """Float mode of the planar engine: cells split in vectorised batches.

    Parameters
    ----------
    net
        A 2-input network.
    poly
        A 2-D polytope.
    budget
        Where to stop.
    tol
        As for :func:`fast_planar_cells`.

    Returns
    -------
    networkx.Graph
    """
    return vectorised_arrays(net, poly, budget, tol).to_graph()


def vectorised_arrays(
    net: Network, poly: Polytope, budget: Budget, tol: float = FLOAT_TOL
) -> RegionArrays:
    """The vectorised engine's regions as :class:`~polyfold.regions.arrays.RegionArrays`.

    Parameters
    ----------
    net
        A 2-input network.
    poly
        A 2-D polytope.
    budget
        Where to stop.
    tol
        As for :func:`fast_planar_cells`.

    Returns
    -------
    RegionArrays
    """
    keep, position = bit_positions(net)
    verts = np.array([[float(x), float(y)] for x, y in poly.vertices_2d()])
    if polygon_area([tuple(v) for v in verts]) < 0:
        verts = verts[::-1]  # counter-clockwise
    parts: list[tuple[FastCells, int]] = []
    total, complete, interrupted = 0, True, False
    try:
        for cells in fast_planar_cells(net, verts, tol=tol):
            n = budget.fit(total, len(cells)) if budget.limited else len(cells)
            parts.append((cells, n))
            total += n
            budget.progress.update(n)
            if n < len(cells):
                complete = False
                break
    except KeyboardInterrupt:
        complete, interrupted = False, True
    out = _assemble(parts, keep, position, net.n_bits)
    out.complete, out.interrupted = complete, interrupted
    return out


def _assemble(
    parts: list[tuple[FastCells, int]], keep: np.ndarray | None, position: np.ndarray, n_bits: int
) -> RegionArrays:
    """One :class:`RegionArrays` from the engine's batches (the first ``n`` cells of each)."""
    xs, labels, counts, bits_l = [], [], [], []
    extra: dict[int, frozenset[int]] = {}
    base = 0
    for cells, n in parts:
        last = int(cells.start[n - 1] + cells.count[n - 1]) if n else 0
        xs.append(cells.xy[:last])
        labels.append(cells.label[:last])
        counts.append(cells.count[:n])
        bits_l.append(cells.bits[:n])
        extra.update((base + r, units) for r, units in cells.extra.items() if r < last)
        base += last
    n_split = parts[0][0].bits.shape[1] if parts else 0
    xy = np.concatenate(xs) if xs else np.empty((0, 2))
    label = np.concatenate(labels) if labels else np.empty(0, dtype=np.int64)
    count = np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)
    full = np.concatenate(bits_l) if bits_l else np.empty((0, n_split), dtype=bool)
    bits = np.ascontiguousarray(full if keep is None else full[:, keep])
    start = np.cumsum(count) - count
    edge_unit = np.where(label >= 0, position[np.maximum(label, 0)], -1)
    extra_units = {
        r: tuple(sorted({int(position[u]) for u in more} | ({int(edge_unit[r])} - {-1})))
        for r, more in extra.items()
    }
    owner = np.repeat(np.arange(len(count)), count)
    nxt = np.arange(len(xy)) + 1
    if len(count):
        nxt[start + count - 1] = start
    cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
    area = np.add.reduceat(cross, start) / 2 if len(count) else np.empty(0)
    witness = np.add.reduceat(xy, start, axis=0) / count[:, None] if len(count) else xy[:0]
    keys = packed_keys(bits).ravel()
    # edges on one unit's line: the region across has that one bit flipped
    one = np.flatnonzero(label >= 0)
    if extra:
        one = one[~np.isin(one, np.fromiter(extra, dtype=np.intp))]
    flipped = bits[owner[one]]
    flipped[np.arange(len(one)), edge_unit[one]] ^= True
    other = packed_keys(flipped).ravel()
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    at = np.minimum(np.searchsorted(ordered, other), max(len(order) - 1, 0))
    found = (ordered[at] == other) if len(order) else np.zeros(len(one), dtype=bool)
    i, j = owner[one], order[at] if len(order) else owner[one]
    real = found & (i < j)  # each edge once, from its smaller end
    pair_list = np.c_[i[real], j[real]]
    flip = edge_unit[one][real]
    rows = one[real]
    points = (xy[rows] + xy[nxt[rows]]) / 2
    _, first = np.unique(pair_list, axis=0, return_index=True)  # one facet per pair
    first.sort()
    pair_list, flip, points = pair_list[first], flip[first], points[first]
    extra_flips: dict[int, tuple[int, ...]] = {}
    if extra:  # edges on several lines: search the subsets, as the exact engines do
        names = pattern_keys(bits).astype(str).tolist()
        index = {name: c for c, name in enumerate(names)}
        seen = {tuple(p) for p in pair_list.tolist()}
        more_pairs: list[tuple[int, ...]] = []
        more_flips: list[int] = []
        more_points: list[np.ndarray] = []
        for r in sorted(extra):
            c = int(owner[r])
            hit = neighbour(bits[c], frozenset(extra_units[r]), index)
            if hit is None or hit[0] <= names[c]:
                continue  # no region across, or found from the other side
            pair = tuple(sorted((c, index[hit[0]])))
            if pair in seen:
                continue
            seen.add(pair)
            extra_flips[len(flip) + len(more_pairs)] = hit[1]
            more_pairs.append(pair)
            more_flips.append(hit[1][0] if len(hit[1]) == 1 else -1)
            more_points.append((xy[r] + xy[nxt[r]]) / 2)
        if more_pairs:
            pair_list = np.r_[pair_list, np.array(more_pairs)]
            flip = np.r_[flip, np.array(more_flips)]
            points = np.r_[points, np.array(more_points)]
    return RegionArrays(
        patterns=np.packbits(bits, axis=1),
        n_bits=n_bits,
        vertices=xy,
        start=start,
        count=count,
        edge_unit=edge_unit,
        area=area,
        witness=witness,
        pairs=pair_list.astype(np.int64).reshape(-1, 2),
        flip=flip.astype(np.int64),
        facet_points=points.reshape(-1, 2),
        extra_units=extra_units,
        extra_flips=extra_flips,
        method=METHOD,
    )
