from fractions import Fraction as F

import numpy as np
import pytest

import polyfold as pf
from polyfold.attacks import (
    class_changes,
    fgsm,
    interaction_report,
    margin_gradient,
    pgd,
    prefix_before_change,
)


def two_class_net():
    # logits z0 = relu(x) , z1 = relu(-x) + 1/2: class 1 for x < 1/2, class 0 after
    return pf.Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 0], [0, 1]], [0, "1/2"])])


def test_class_changes_by_hand():
    net = two_class_net()
    path = pf.walk(net, [-1], [1])  # x = 2t - 1; z0 = z1 at x = 1/2, t = 3/4
    assert class_changes(net, path) == [(F(3, 4), 1, 0)]
    prefix = prefix_before_change(net, path)
    assert prefix.x2.tolist() == [F(1, 2)] and prefix.bitstrings() == ["01", "10"]
    assert prefix_before_change(net, pf.walk(net, [1], [2])) is None


def test_margin_gradient_is_the_exact_slope():
    net = pf.zoo.random_network([3, 6, 6, 4], seed=0)
    x = np.array([F(1, 3), F(-1, 2), F(1, 5)], dtype=object)
    value, grad, runner = margin_gradient(net, x, 2)
    h = F(1, 10**9)
    for i in range(3):  # finite difference, exactly, inside the same linear region
        step = x.copy()
        step[i] += h
        other, _, runner2 = margin_gradient(net, step, 2)
        assert runner2 == runner and (other - value) / h == grad[i]


def _exact_difference_quotients(net, x, label):
    """The margin's slopes by exact finite differences inside the linear region of ``x``."""
    value, grad, runner = margin_gradient(net, x, label)
    h = F(1, 10**12)
    for i in range(len(x)):
        step = x.copy()
        step[i] += h
        assert (net.pattern(step) == net.pattern(x)).all()  # the same region
        other, _, runner2 = margin_gradient(net, step, label)
        assert runner2 == runner and (other - value) / h == grad[i]


@pytest.mark.parametrize(
    "options",
    [
        {"activation": ("leaky_relu", "1/8")},
        {"activation": "hardtanh"},
        {"activation": "abs"},
        {"linear_units": [[0, 2], [1]]},
    ],
    ids=["leaky", "hardtanh", "abs", "linear-units"],
)
def test_margin_gradient_is_the_exact_slope_for_every_activation(options):
    base = pf.zoo.random_network([3, 6, 6, 4], seed=1)
    net = pf.Network.from_layers(base.exact_weights, **options)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = np.array([F(int(v), 7) for v in rng.integers(-7, 8, size=3)], dtype=object)
        _exact_difference_quotients(net, x, 1)


def test_margin_gradient_of_an_operator_network_without_matrices():
    torch = pytest.importorskip("torch")
    from torch import nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(2, 3, 3, stride=2, padding=1)
            self.bn = nn.BatchNorm2d(3).eval()
            self.conv2 = nn.Conv2d(3, 3, 3, padding=1, groups=3)
            self.pool = nn.MaxPool2d(2)
            self.fc = nn.Linear(12, 3)

        def forward(self, x):
            h = torch.relu(self.bn(self.conv1(x)))
            h = torch.relu(self.conv2(h) + h)
            return self.fc(torch.flatten(self.pool(h), 1))

    torch.manual_seed(0)
    model = Block()
    model.bn.running_mean.uniform_(-0.5, 0.5)
    model.bn.running_var.uniform_(0.5, 2.0)
    op = pf.from_torch(model, input_shape=(2, 8, 8), form="operators")
    dense = pf.from_torch(model, input_shape=(2, 8, 8), form="dense")
    rng = np.random.default_rng(1)
    x = np.array([F(int(v), 16) for v in rng.integers(-16, 17, size=op.n_inputs)], dtype=object)
    got, want = margin_gradient(op, x, 0), margin_gradient(dense, x, 0)
    assert got[0] == want[0] and got[2] == want[2] and list(got[1]) == list(want[1])
    _exact_difference_quotients(op, x, 0)  # and the slopes are the margin's
    _, end = fgsm(op, x, 0, F(1, 8))
    assert list(end) == list(fgsm(dense, x, 0, F(1, 8))[1])


def test_margin_gradient_refuses_smooth_networks():
    net = pf.Network.from_layers(
        [([[1], [-1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])], activation="tanh"
    )
    with pytest.raises(pf.InvalidInputError, match="piecewise-linear network; this one has tanh"):
        margin_gradient(net, [0.5], 0)


@pytest.mark.parametrize("seed", range(5))
def test_margin_roots_agree_with_the_exact_output(seed):
    net = pf.zoo.random_network([2, 8, 8, 3], seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=2)
    label = int(np.argmax(net.forward(x)))
    points = pgd(net, x, label, eps=2, steps=6)
    path = pf.walk_polyline(net, points)
    changes = class_changes(net, path)
    verts = path.vertices

    def at(t):
        i = min(int(t), len(verts) - 2)
        return (1 - (t - i)) * verts[i] + (t - i) * verts[i + 1]

    for t, before, after in changes:
        z = net.forward(at(t), exact=True)
        assert z[before] == z[after]  # a root of the class-pair margin
    # between consecutive changes the class is constant, and equal to the recorded one
    ts = [F(0)] + [c[0] for c in changes] + [path.breakpoints[-1]]
    seen = []
    for a, b in zip(ts, ts[1:]):
        classes = set()
        for w in (F(1, 3), F(1, 2), F(2, 3)):
            z = net.forward(at(a + w * (b - a)), exact=True)
            classes.add(max(range(3), key=lambda j: (z[j], -j)))
        assert len(classes) == 1
        seen.append(classes.pop())
    assert seen == ([changes[0][1]] + [c[2] for c in changes] if changes else seen[:1])


def test_fgsm_and_pgd_move_against_the_label():
    net = pf.zoo.random_network([2, 6, 6, 2], seed=3)
    x = [F(1, 4), F(-1, 3)]
    label = int(np.argmax(net.forward(np.array(x, dtype=float))))
    start, end = fgsm(net, x, label, F(1, 8))
    assert list(start) == x and all(abs(e - s) in (0, F(1, 8)) for s, e in zip(start, end))
    before, _, _ = margin_gradient(net, start, label)
    pts = pgd(net, x, label, F(1, 2), steps=4)
    assert pts.shape == (5, 2) and all(abs(p - q) <= F(1, 2) for row in pts for p, q in zip(row, x))
    after, _, _ = margin_gradient(net, pts[-1], label)
    assert after >= before  # the margin loss does not decrease on these small steps


def test_interaction_report_on_digits_pairs():
    x, y = pf.datasets.digits()
    net = pf.zoo.digits_mlp((16, 16), seed=0)
    report = interaction_report(net, x[:6], y[:6], eps=F(1, 4))
    assert len(report.chi) == 6 and len(report.interaction) == 6
    for xi, changes, cls in zip(x[:6], report.changes, report.perturbed_classes):
        start = int(np.argmax(net.forward(xi)))
        # the class at the end of the ray is the last change's, or the start's
        assert cls == (changes[-1][2] if changes else start)
        if changes:
            assert changes[0][1] == start


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda n: fgsm(n, [0, 0], 5, 1), "label"),
        (lambda n: fgsm(n, [0, 0], 0, 0), "eps"),
        (lambda n: pgd(n, [0, 0], 0, 1, steps=0), "steps"),
        (lambda n: fgsm(n, [0, 0, 0], 0, 1), "x"),
        (lambda n: class_changes(n, pf.walk(n, [0, 0], [1, 1], exact=False)), "exact"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        call(pf.zoo.random_network([2, 3, 2], seed=0))


def test_interaction_study_worked_out_by_hand():
    from fractions import Fraction as F

    # a = x, b = x − 1/2; o1 = a − 2b − 1/4, o2 = a − 2b − 1/8 and a linear unit p = a;
    # logits (1/2 − p, p − 1/2): class 1 iff x > 1/2. On (0, 1] the patterns (a, b, o1, o2)
    # are 1000 1001 1011 1111 1101 1100, breaking at 1/8, 1/4, 1/2, 3/4, 7/8.
    net = pf.Network.from_layers(
        [
            ([[1], [1]], [0, "-1/2"]),
            ([[1, -2], [1, -2], [1, 0]], ["-1/4", "-1/8", 0]),
            ([[0, 0, -1], [0, 0, 1]], ["1/2", "-1/2"]),
        ],
        linear_units=[[], [2]],
    )
    X, y = [[F(1, 16)], [F(15, 16)]], [0, 1]
    for attack in ("fgsm", "pgd"):
        res = pf.attacks.interaction_study(
            net, X, y, classes=(0, 1), pairs=1, attack=attack, eps="1/8"
        )
        (row,) = res.rows
        # clean 1/16 -> 15/16, all six patterns: χ = 2/5, I(k) by the definition
        assert row["chi"] == F(2, 5)
        assert row["I"] == [0, F(-1, 10), F(2, 5), F(2, 5), F(3, 20), 0]
        assert row["inter"] == F(19, 80)  # k0 = 2: (2/5 + 2/5 + 3/20 + 0) / 4
        # each end pushed away from its class by ε = 1/8: 3/16 -> 13/16, four patterns
        assert row["chi_attacked"] == F(1, 3)
        assert row["I_attacked"] == [0, F(1, 3), F(1, 3), 0]
        assert row["inter_attacked"] == F(1, 6)
        # the class changes once, at x = 1/2, the middle of both segments
        assert row["changes"] == [(F(1, 2), 0, 1)] and row["changes_attacked"] == [(F(1, 2), 0, 1)]
        assert res.mean_interaction == (F(19, 80), F(1, 6)) and res.clean_higher == 1
    with pytest.raises(pf.InvalidInputError, match="attack"):
        pf.attacks.interaction_study(net, X, y, classes=(0, 1), attack="cw")
    with pytest.raises(pf.InvalidInputError, match="label"):
        pf.attacks.interaction_study(net, X, y, classes=(0, 3))  # the net has two outputs
    with pytest.raises(pf.InvalidInputError, match="class 1 has no points"):
        pf.attacks.interaction_study(net, X, [0, 0], classes=(0, 1))
