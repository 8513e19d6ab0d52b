"""Layers as operators: the same network as the dense form, without its matrices."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction as F
from typing import Any

import numpy as np
import pytest
from flint import fmpq
from reference import path_fields

import polyfold as pf
from polyfold import operators as ops

torch = pytest.importorskip("torch")
nn = torch.nn


fields = path_fields


def _cnn(seed: int, *, groups: int = 1, bn: bool = True, pool: bool = True) -> Any:
    torch.manual_seed(seed)
    layers: list[Any] = [nn.Conv2d(2, 4, 3, padding=1)]
    if bn:
        layers.append(nn.BatchNorm2d(4))
    layers.append(nn.ReLU())
    if pool:
        layers.append(nn.AvgPool2d(2))
    layers += [
        nn.Conv2d(4, 4, 3, stride=2 if not pool else 1, dilation=1, groups=groups),
        nn.LeakyReLU(0.125),
        nn.Flatten(),
    ]
    model = nn.Sequential(*layers)
    with torch.no_grad():
        n = model(torch.zeros(1, 2, 6, 6)).shape[1]
    model = nn.Sequential(*layers, nn.Linear(n, 6), nn.ReLU(), nn.Linear(6, 3)).eval()
    if bn:
        with torch.no_grad():
            model[1].running_mean.uniform_(-0.5, 0.5)
            model[1].running_var.uniform_(0.5, 2.0)
            model[1].weight.uniform_(0.5, 1.5)
    return model


# -- each operator against torch, and its exact form against the dense importer --------


@pytest.mark.parametrize(
    "module,shape",
    [
        (nn.Conv2d(3, 4, 3), (3, 7, 7)),
        (nn.Conv2d(3, 6, 3, stride=2, padding=1), (3, 8, 8)),
        (nn.Conv2d(2, 4, 3, dilation=2, padding=2), (2, 9, 9)),
        (nn.Conv2d(4, 4, 3, groups=2, padding="same"), (4, 5, 5)),
        (nn.Conv2d(2, 3, (2, 3), stride=(1, 2), bias=False), (2, 6, 7)),
        (nn.AvgPool2d(2), (3, 6, 6)),
        (nn.AvgPool2d(3, stride=2, padding=1), (2, 7, 7)),
        (nn.BatchNorm2d(3), (3, 4, 4)),
        (nn.Linear(12, 5), (12,)),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else str(v),
)
def test_each_operator_matches_torch_and_the_dense_form(module, shape):
    torch.manual_seed(0)
    if isinstance(module, nn.BatchNorm2d):
        with torch.no_grad():
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
    model = nn.Sequential(module, nn.ReLU(), nn.Flatten()).eval()
    with torch.no_grad():
        n = model(torch.zeros(1, *shape)).shape[1]
    model = nn.Sequential(module, nn.ReLU(), nn.Flatten(), nn.Linear(n, 2)).eval()
    op = pf.from_torch(model, input_shape=shape, form="operators")
    dense = pf.from_torch(model, input_shape=shape, form="dense")
    assert op.is_operator_form and op.provenance["verified"]
    assert op.provenance["max_abs_error"] < 1e-5
    for (wo, bo), (wd, bd) in zip(op.exact_weights, dense.exact_weights):
        assert np.array_equal(wo, wd) and np.array_equal(bo, bd)


def _every_operator(rng: np.random.Generator) -> list[Any]:
    return [
        ops.Dense(rng.normal(size=(3, 4)), rng.normal(size=3)),
        ops.Conv2d(
            rng.normal(size=(4, 1, 3, 2)),
            rng.normal(size=4),
            (2, 5, 6),
            stride=(2, 1),
            padding=(1, 2),
            dilation=(1, 2),
            groups=2,
        ),
        ops.Conv2d(rng.normal(size=(3, 2, 3, 3)), None, (2, 4, 4), stride=2, padding=1),
        ops.ChannelAffine([F(1, 3), 2.5], [1, 0], (2, 3)),
        ops.AvgPool2d(2, (2, 4, 4), padding=1, stride=1),
        ops.Take(5, np.array([4, 0, 0, 2])),
        ops.Select(6, 1, 4),
        ops.Compose([ops.Dense(rng.normal(size=(6, 4)), np.zeros(6)), ops.Take(6, [5, 1, 1])]),
        ops.Stack([ops.Select(4, 0, 2), ops.Dense(rng.normal(size=(3, 4)), np.ones(3))]),
        ops.Sum([ops.Select(4, 0, 2), ops.Dense(rng.normal(size=(2, 4)), np.ones(2))]),
    ]


def test_the_exact_transpose_of_every_operator_is_the_dense_one():
    rng = np.random.default_rng(0)
    for op in _every_operator(rng):
        w, _ = op.to_dense()
        v = rng.integers(-5, 6, size=(2, op.n_out))
        got = op.exact_vjp(np.array([[fmpq(int(a), 4) for a in row] for row in v], dtype=object))
        want = (v.astype(object) * F(1, 4)).dot(w)
        assert [[F(int(q.p), int(q.q)) for q in row] for row in got] == want.tolist()


def test_the_radius_bounds_the_error_of_every_operator():
    rng = np.random.default_rng(1)
    conv = ops.Conv2d(rng.normal(size=(4, 2, 3, 3)), rng.normal(size=4), (2, 6, 6), 1, 1)
    bn = ops.ChannelAffine(
        [F(1, 3), F(2, 7), F(5, 3), F(-1, 9)], [F(1, 10), 0, F(-2, 3), 1], conv.out_shape
    )
    pool = ops.AvgPool2d(3, conv.out_shape, 3)
    stack = ops.Compose([conv, bn, pool])
    n = conv.n_in
    # a residual sum: the convolution of the first half plus the second half carried on
    half = ops.Select(2 * n, 0, n)
    m = conv.n_out
    other = ops.Compose(
        [ops.Select(2 * n, n, 2 * n), ops.Dense(rng.normal(size=(m, n)), rng.normal(size=m))]
    )
    res = ops.Sum([ops.Compose([half, conv]), other])
    side = ops.Stack([ops.Compose([half, conv]), ops.Select(2 * n, 3, 40)])
    for op in (conv, bn, pool, stack, res, side):
        h = rng.normal(size=(5, op.n_in)) * 10
        eh = np.abs(rng.normal(size=h.shape)) * 1e-6
        exact_in = h + eh * rng.uniform(-1, 1, size=h.shape)  # within eh of h
        z, r = op.forward(h, eh)
        q = np.empty(h.shape, dtype=object)
        q.ravel()[:] = [pf._arith.as_fmpq(float(v), "h") for v in exact_in.ravel()]
        exact = op.exact_apply(q)
        err = np.abs(np.array([[float(F(int(v.p), int(v.q))) for v in row] for row in exact]) - z)
        assert np.all(err <= r), type(op).__name__


# -- the operator network walks exactly as the dense one ------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_operator_walk_equals_dense_walk(seed):
    model = _cnn(seed, groups=2 if seed % 2 else 1, bn=seed != 2, pool=seed != 3)
    op = pf.from_torch(model, input_shape=(2, 6, 6), form="operators")
    dense = pf.from_torch(model, input_shape=(2, 6, 6), form="dense")
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(3, 72)), rng.normal(size=(3, 72))
    for got, ref, rat in zip(
        pf.walk_many(op, a, b), pf.walk_many(dense, a, b), pf.walk_many(op, a, b, method="rational")
    ):
        assert got.method == "certified" and fields(got) == fields(ref) == fields(rat)
    floats = pf.walk_many(op, a, b, exact=False)
    plain = pf.walk_many(op, a, b, exact=False, method="float")
    ref_all = pf.walk_many(dense, a, b)
    for f, p, r in zip(floats, plain, ref_all):
        assert f.patterns.tolist() == r.patterns.tolist() and not p.certified
    assert pf.chi_sampled(op, a[0], b[0], n=200) == pf.chi_sampled(dense, a[0], b[0], n=200)
    assert np.array_equal(op.pattern(a), dense.pattern(a))
    if seed == 0:  # the polyline walk and the global measure Φ, exactly as the dense form
        corners = np.vstack([a[:2], b[:1]])
        assert fields(pf.walk_polyline(op, corners)) == fields(pf.walk_polyline(dense, corners))
        X, y = 4 * np.vstack([a, b]), np.array([0, 0, 0, 1, 1, 1])
        g_op = pf.global_folding(op, X, y, clusters=None, pairs="all")
        g_dense = pf.global_folding(dense, X, y, clusters=None, pairs="all")
        assert g_op.phi == g_dense.phi and g_op.chi == g_dense.chi and len(g_op.chi) == 15
        assert g_op.complete and g_op.exact


def test_slice_region_graph_of_an_operator_network_equals_the_dense_one():
    model = _cnn(5)
    op = pf.from_torch(model, input_shape=(2, 6, 6), form="operators")
    dense = pf.from_torch(model, input_shape=(2, 6, 6), form="dense")
    rng = np.random.default_rng(5)
    plane = pf.Slice.through(*rng.normal(size=(3, 72)))
    g_op, g_dense = pf.region_graph(op, plane), pf.region_graph(dense, plane)
    assert set(g_op.nodes) == set(g_dense.nodes)
    assert {frozenset(e) for e in g_op.edges} == {frozenset(e) for e in g_dense.edges}


def test_operator_networks_travel_to_process_pools():
    op = pf.from_torch(_cnn(6), input_shape=(2, 6, 6), form="operators")
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(4, 72)), rng.normal(size=(4, 72))
    copy = pickle.loads(pickle.dumps(op))
    assert np.array_equal(copy.pattern(a), op.pattern(a))
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = pf.walk_many(op, a, b, executor=pool)
    assert [p.patterns.tolist() for p in pooled] == [
        p.patterns.tolist() for p in pf.walk_many(op, a, b)
    ]


def test_a_cifar_shaped_cnn_imports_and_walks_without_matrices():
    # CIFAR-shaped input, few channels to keep the suite quick (benchmarks: wider ones)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    ).eval()
    net = pf.from_torch(model, input_shape=(3, 32, 32))  # auto: too big for matrices
    assert net.is_operator_form and net.provenance["verified"]
    assert net.hidden_sizes == (4 * 32 * 32, 8 * 16 * 16, 8 * 8 * 8, 64)
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=3072), rng.normal(size=3072)
    path = pf.walk(net, x1, x2, exact=False)
    plain = pf.walk(net, x1, x2, exact=False, method="float")
    assert path.certified and path.n_pieces > 100
    assert plain.patterns.shape == path.patterns.shape
    with pytest.raises(pf.InvalidInputError, match="dense form of this"):
        net.weights  # noqa: B018


def test_a_device_for_the_unproven_float_work():
    # only the CPU is here: device="cpu" runs torch's convolutions there and changes nothing
    model = _cnn(1)
    default = pf.from_torch(model, input_shape=(2, 6, 6), form="operators")
    on_cpu = pf.from_torch(model, input_shape=(2, 6, 6), form="operators", device="cpu")
    assert all(getattr(op, "device", "cpu") == "cpu" for op in on_cpu.operators)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 72))
    for method in ("float", "certified"):
        p = pf.walk(on_cpu, a, b, exact=False, method=method)
        assert (
            p.patterns.tolist()
            == pf.walk(default, a, b, exact=False, method=method).patterns.tolist()
        )
    for bad in ("cuda" if not torch.cuda.is_available() else "nonsense", "nonsense"):
        with pytest.raises(pf.InvalidInputError, match="device: torch cannot use"):
            pf.from_torch(model, input_shape=(2, 6, 6), form="operators", device=bad)


def test_operator_form_bad_input():
    with pytest.raises(pf.InvalidInputError, match="form: expected one of"):
        pf.from_torch(nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)), form="sparse")
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2, 1)
    )
    with pytest.raises(pf.InvalidInputError, match=r"Linear expects 2 features, gets shape \(8,\)"):
        pf.from_torch(model, input_shape=(1, 6, 6), form="operators")  # 2 channels × 2 × 2
    norm = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.LayerNorm([2, 4, 4]))
    with pytest.raises(pf.InvalidInputError, match="LayerNorm is not supported"):
        pf.from_torch(norm, input_shape=(1, 6, 6), form="operators")

    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            return x + self.a(x)

    with pytest.raises(pf.InvalidInputError, match="no activation between input and output"):
        pf.from_torch(Residual(), form="operators")
    with pytest.raises(pf.InvalidInputError, match="groups"):
        ops.Conv2d(np.ones((3, 1, 3, 3)), None, (2, 5, 5), groups=2)
    with pytest.raises(pf.InvalidInputError, match="too small"):
        ops.Conv2d(np.ones((1, 1, 5, 5)), None, (1, 3, 3))
    for bad in ({"stride": 0}, {"padding": 1.5}, {"dilation": (1, 0)}, {"stride": True}):
        with pytest.raises(pf.InvalidInputError, match=f"{next(iter(bad))}: expected an integer"):
            ops.Conv2d(np.ones((1, 1, 2, 2)), None, (1, 3, 3), **bad)
    with pytest.raises(pf.InvalidInputError, match="layers"):
        pf.Network.from_operators([ops.Dense(np.ones((2, 3)), np.zeros(2))])
    with pytest.raises(pf.InvalidInputError, match="expects 4 inputs"):
        pf.Network.from_operators(
            [ops.Dense(np.ones((2, 3)), np.zeros(2)), ops.Dense(np.ones((1, 4)), np.zeros(1))]
        )


# -- residual networks in operator form ----------------------------------------------


class _Block(nn.Module):
    """A ResNet basic block: two 3×3 convolutions with batch-norm, and a shortcut that is
    the identity or a strided 1×1 convolution with batch-norm (a projection)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = nn.Sequential()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: Any) -> Any:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.short(x))


class _ResNet(nn.Module):
    """ResNet-18's shape (a stem, stages of basic blocks, global average pooling, a dense
    head) with narrow stages."""

    def __init__(self, widths: Any, blocks: Any, seed: int) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(widths[0])
        layers: list[Any] = []
        c = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            for j in range(n):
                layers.append(_Block(c, w, 2 if j == 0 and i > 0 else 1))
                c = w
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, 10)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():  # batch-norm statistics as after training
            for mod in self.modules():
                if isinstance(mod, nn.BatchNorm2d):
                    mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
                    mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
                    mod.weight.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
                    mod.bias.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
        self.eval()

    def forward(self, x: Any) -> Any:
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(torch.flatten(self.pool(self.layers(x)), 1))


def test_a_residual_block_with_batch_norm_and_a_projection_matches_torch():
    block = _Block(2, 4, 2).eval()
    with torch.no_grad():
        for bn in (block.bn1, block.bn2, block.short[1]):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2)
    model = nn.Sequential(block, nn.Flatten(), nn.Linear(4 * 3 * 3, 3)).eval()
    net = pf.from_torch(model, input_shape=(2, 6, 6), form="operators")
    assert net.is_operator_form and net.provenance["verified"]
    assert net.provenance["max_abs_error"] < 1e-5
    # the shortcut (a 1×1 convolution of the input: 4 × 3 × 3 values) is carried to the
    # second layer as linear units, without bits, as in the dense form
    assert net.provenance["linear_units"] == 4 * 3 * 3 and net.n_bits == 4 * 3 * 3 * 2
    dense = pf.from_torch(model, input_shape=(2, 6, 6), form="dense")
    assert dense.provenance["linear_units"] == 36 and dense.hidden_sizes == net.hidden_sizes
    x = np.random.default_rng(0).normal(size=(5, 72))
    with torch.no_grad():
        ref = model(torch.tensor(x.reshape(5, 2, 6, 6), dtype=torch.float32)).double().numpy()
    assert np.max(np.abs(net.forward(x) - ref)) < 1e-5


@pytest.mark.parametrize("seed", range(2))
def test_a_resnet_walks_exactly_as_its_dense_form(seed):
    model = _ResNet((2, 4), (1, 1), seed).double()
    op = pf.from_torch(model, input_shape=(3, 6, 6), form="operators")
    dense = pf.from_torch(model, input_shape=(3, 6, 6), form="dense")
    assert op.provenance["verified"] and dense.provenance["verified"]
    assert op.hidden_sizes == dense.hidden_sizes
    assert [m.tolist() for m in op.linear_units] == [m.tolist() for m in dense.linear_units]
    for (wo, bo), (wd, bd) in zip(op.exact_weights, dense.exact_weights):
        assert np.array_equal(wo, wd) and np.array_equal(bo, bd)
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, 108)), rng.normal(size=(2, 108))
    for got, ref in zip(pf.walk_many(op, a, b), pf.walk_many(dense, a, b)):
        assert got.method == "certified" and fields(got) == fields(ref)
    plain = pf.walk(op, a[0], b[0], exact=False, method="float")
    assert plain.patterns.tolist() == pf.walk(dense, a[0], b[0]).patterns.tolist()


def test_a_resnet18_shaped_network_on_cifar_inputs_imports_and_walks():
    # ResNet-18's 8 basic blocks in 4 stages on 3×32×32, narrow: 45,568 hidden units, whose
    # dense form (over 2 million weights) is never built
    model = _ResNet((4, 8, 8, 16), (2, 2, 2, 2), 0).double()
    net = pf.from_torch(model, input_shape=(3, 32, 32))
    assert net.is_operator_form and net.provenance["verified"]
    assert net.depth == 17 and sum(net.hidden_sizes) == 45_568
    rng = np.random.default_rng(0)
    x1 = rng.normal(size=3 * 32 * 32)
    x2 = x1 + 0.05 * rng.normal(size=x1.size)  # a short segment keeps the suite quick
    path = pf.walk(net, x1, x2, exact=False)
    assert path.certified and path.n_pieces > 1
    assert (
        path.patterns.tolist()
        == pf.walk(net, x1, x2, exact=False, method="float").patterns.tolist()
    )
    with torch.no_grad():
        mid = (x1 + x2) / 2
        ref = model(torch.tensor(mid.reshape(1, 3, 32, 32))).numpy()[0]
    assert np.max(np.abs(net.forward(mid) - ref)) < 1e-9
    # the attacks: the exact margin gradient by transposed operators, as torch's autograd
    from polyfold.attacks import fgsm, margin_gradient

    _, grad, runner = margin_gradient(net, x1, 0)
    xt = torch.tensor(x1.reshape(1, 3, 32, 32), requires_grad=True)
    logits = model(xt)[0]
    (logits[runner] - logits[0]).backward()
    auto = xt.grad.numpy().ravel()
    assert np.max(np.abs(np.array([float(g) for g in grad]) - auto)) <= 1e-12 * np.abs(auto).max()
    start, end = fgsm(net, x1, 0, F(1, 100))
    assert pf.walk(net, start, end, exact=False).certified


class _Pooled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(2 * 2 * 2, 1)

    def forward(self, x: Any) -> Any:
        h = torch.relu(self.conv(x))
        return self.fc(torch.flatten(self.pool(h) + 0.5, 1))


def _pooling_models() -> list[tuple[Any, tuple[int, ...]]]:
    torch.manual_seed(3)
    return [
        (_Pooled(), (1, 6, 6)),
        (  # overlapping padded windows of 9 (an odd tournament), stride 2
            nn.Sequential(
                nn.Conv2d(1, 3, 3),
                nn.ReLU(),
                nn.MaxPool2d(3, stride=2, padding=1),
                nn.Flatten(),
                nn.Linear(12, 2),
            ),
            (1, 5, 5),
        ),
        (  # 1-D layers: a (C, 1, L) view of the 2-D operators
            nn.Sequential(
                nn.Conv1d(2, 3, 3, padding=1, dilation=1),
                nn.BatchNorm1d(3).eval(),
                nn.ReLU(),
                nn.MaxPool1d(3),
                nn.AvgPool1d(2),
                nn.Flatten(),
                nn.Linear(3, 2),
            ),
            (2, 7),
        ),
    ]


@pytest.mark.parametrize("case", range(3))
def test_max_pooling_in_operator_form_is_the_dense_tournament(case):
    model, shape = _pooling_models()[case]
    if case == 2:
        bn = model[1]
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
    op = pf.from_torch(model, input_shape=shape, form="operators")
    dense = pf.from_torch(model, input_shape=shape, form="dense")
    assert op.is_operator_form and op.provenance["verified"] and dense.provenance["verified"]
    assert op.hidden_sizes == dense.hidden_sizes  # the same tournament, unit for unit
    for (wo, bo), (wd, bd) in zip(op.exact_weights, dense.exact_weights):
        assert np.array_equal(wo, wd) and np.array_equal(bo, bd)
    for a, b in zip(op.linear_units, dense.linear_units):
        assert np.array_equal(a, b)
    rng = np.random.default_rng(case)
    x1, x2 = rng.normal(size=(2, op.n_inputs))
    p, q = pf.walk(op, x1, x2), pf.walk(dense, x1, x2)
    assert p.n_pieces > 1 and p.patterns.tolist() == q.patterns.tolist()
    assert list(p.breakpoints) == list(q.breakpoints) and p.chi == q.chi
    fast = pf.walk(op, x1, x2, exact=False)
    assert fast.certified and fast.patterns.tolist() == q.patterns.tolist()


def test_concatenations_in_operator_form_equal_the_dense_form():
    class Cat(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Linear(4, 1)

        def forward(self, x: Any) -> Any:
            return self.b(torch.cat([torch.relu(self.a(x)), x], dim=1))

    joined = Cat()
    cat = pf.from_torch(joined, form="operators")  # concatenation: a Stack of operators
    dense = pf.from_torch(joined, form="dense")
    assert cat.is_operator_form and cat.provenance["verified"]
    for (wo, bo), (wd, bd) in zip(cat.exact_weights, dense.exact_weights):
        assert np.array_equal(wo, wd) and np.array_equal(bo, bd)

    class Interleave(nn.Module):  # joined along the width: a reordering (Take)
        def __init__(self) -> None:
            super().__init__()
            self.c = nn.Conv2d(1, 1, 1)
            self.fc = nn.Linear(1 * 2 * 4, 1)

        def forward(self, x: Any) -> Any:
            h = torch.cat([torch.relu(self.c(x)), x], dim=3)
            return self.fc(torch.flatten(h, 1))

    model = Interleave()
    net = pf.from_torch(model, input_shape=(1, 2, 2), form="operators")
    ref = pf.from_torch(model, input_shape=(1, 2, 2), form="dense")
    assert net.provenance["verified"]
    x = np.random.default_rng(0).normal(size=(4, 4))
    assert np.allclose(net.forward(x), ref.forward(x))


def test_a_slice_of_an_operator_network_never_forms_its_large_layers():
    # a 1x40x40 input and a 3x3 convolution: the first layer's dense form (1,444 x 1,600
    # entries) is refused, but a plane needs only the layer applied to its two basis images
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Conv2d(1, 1, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(38 * 38, 4),
        nn.ReLU(),
        nn.Linear(4, 2),
    ).eval()
    net = pf.from_torch(model, input_shape=(1, 40, 40), form="operators")
    with pytest.raises(pf.InvalidInputError, match="dense form"):
        net.exact_weights  # noqa: B018 - the whole network's matrices are too large
    rng = np.random.default_rng(0)
    x = rng.normal(size=1600)
    plane = pf.Slice.through(x, x + 1e-3 * rng.normal(size=1600), x + 1e-3 * rng.normal(size=1600))
    G = pf.region_graph(net, plane, exact=False)
    assert len(G) >= 1 and abs(sum(d["area"] for _, d in G.nodes(data=True)) - 0.5) < 1e-9
    for key, data in G.nodes(data=True):  # the witness, in input space, has its pattern
        assert pf.regions.pattern_key(net.pattern(data["witness"], exact=False)) == key
    small = plane.compose(net)
    assert small.is_operator_form and small.n_inputs == 2
    alpha = np.array([0.2, 0.3])
    point = plane.origin.astype(float) + plane.basis.astype(float) @ alpha
    assert np.allclose(small.forward(alpha), net.forward(point))


def test_the_smooth_walk_runs_on_an_operator_network():
    # GELU after a convolution: certified crossings through the operators, and the same
    # crossings as on the dense form
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.GELU(), nn.Flatten(), nn.Linear(72, 3)).eval()
    op = pf.from_torch(model, input_shape=(1, 8, 8), form="operators")
    dense = pf.from_torch(model, input_shape=(1, 8, 8), form="dense")
    x1, x2 = np.random.default_rng(0).normal(size=(2, 64))
    a, b = pf.smooth_walk(op, x1, x2), pf.smooth_walk(dense, x1, x2)
    assert a.certified and b.certified and len(a.crossings) > 0
    assert np.array_equal(a.patterns, b.patterns) and a.chi == b.chi
