from fractions import Fraction as F

import pytest

import polyfold as pf
from polyfold.cantor import boundary, cantor_a, cantornet, lattice_form, verify_output


def test_a_formula_by_hand():
    # A(x) = max(-3x + 1, 0, 3x - 2): A(0) = 1, A(1/3) = A(1/2) = 0, A(5/6) = 1/2
    assert [cantor_a(F(v), 1) for v in ("0", "1/3", "1/2", "5/6")] == [1, 0, 0, F(1, 2)]
    assert cantor_a(F(1, 9), 2) == 0 and cantor_a(F(1, 2), 2) == 1


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_representation_a_computes_the_formula_on_a_rational_grid(k):
    net = cantornet(k, "A")
    grid = [(F(i, 12), F(j, 12)) for i in range(13) for j in range(13)]
    out = net.forward([list(p) for p in grid], exact=True)
    assert [o[0] for o in out] == [y - (cantor_a(x, k) + 1) / 2 for x, y in grid]


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("rep", ["A", "B", "C"])
def test_all_representations_have_the_same_decision_set(k, rep):
    # proof: on every linear region, cut at the boundary's breakpoints, the output
    # equals y - g_k(x) at every vertex; both are affine there, so they agree on
    # [0, 1]^2 and the decision sets {output <= 0} coincide
    ok, point = verify_output(cantornet(k, rep), k)
    assert ok, point


def test_verification_catches_a_wrong_network():
    net = cantornet(2, "B")
    (w, b) = net.exact_weights[-1]
    wrong = pf.Network.from_layers(
        [*net.exact_weights[:-1], (w, b + F(1, 100))], include_output=True
    )
    ok, point = verify_output(wrong, 2)
    assert not ok and point is not None


def test_boundary_and_lattice_form():
    # heights alternate 1, 1/2, 1/2, 1, 1, 1/2, 1/2, 1 at the ends of the Cantor intervals
    verts = boundary(2)
    assert [x for x, _ in verts] == [0, F(1, 9), F(2, 9), F(1, 3), F(2, 3), F(7, 9), F(8, 9), 1]
    assert [y for _, y in verts] == [1, F(1, 2), F(1, 2), 1, 1, F(1, 2), F(1, 2), 1]
    lines, groups = lattice_form(2)
    for x in [F(i, 90) for i in range(91)]:
        g = max(min(lines[j][0] * x + lines[j][1] for j in grp) for grp in groups)
        assert g == (cantor_a(x, 2) + 1) / 2


def test_chi_along_the_horizontal_line_worked_by_hand():
    # k = 1, A, y = 3/4. Units (h1 h2 h3 | g1 g2 | out): h1 = [x > 2/3], h2 = [x < 1/3],
    # g1 = [A(x) > 0], out = [A(x) < 1/2] = [1/6 < x < 5/6]. Pieces:
    # 011110, 011111, 001011, 101111, 101110: r1 = 3 (001011 and 101111), r2 = 1+2+2+1 = 6
    path = pf.walk(cantornet(1, "A"), [0, F(3, 4)], [1, F(3, 4)])
    assert path.bitstrings() == ["011110", "011111", "001011", "101111", "101110"]
    assert list(path.breakpoints) == [0, F(1, 6), F(1, 3), F(2, 3), F(5, 6), 1]
    assert path.chi == F(1, 2)


@pytest.mark.parametrize("k", range(1, 7))
def test_chi_table_exact_against_sampled(k):
    chis = {}
    for rep in "ABC":
        net = cantornet(k, rep)
        path = pf.walk(net, [0, F(3, 4)], [1, F(3, 4)])
        chis[rep] = path.chi
        assert 0 < path.chi < 1
        sampled = pf.chi_sampled(net, [0, 0.75], [1, 0.75], n=11, exact=True)
        assert 0 <= sampled < 1
    # the decision sets agree but the folding does not: it depends on the representation
    assert chis["A"] != chis["B"]


@pytest.mark.parametrize("args,match", [((0,), "k: expected"), ((1, "D"), "representation")])
def test_bad_input(args, match):
    with pytest.raises(pf.InvalidInputError, match=match):
        cantornet(*args)
