from fractions import Fraction as F

import pytest

import polyfold as pf
from polyfold import theorems
from polyfold.cli import main

FACTS = ["stability", "bounds", "reversal", "flatness", "one-layer"]


@pytest.mark.parametrize("name", FACTS)
def test_proven_facts_survive_ten_thousand_cases(name):
    result = theorems.check(name, cases=10_000, seed=1)
    assert result.holds and result.cases == 10_000 and result.counterexample is None


def test_lemma1_holds_on_random_arrangements():
    assert theorems.check("lemma1", cases=100, seed=2).holds


@pytest.mark.parametrize("name", ["symmetry", "subadditive", "superadditive", "triangle"])
def test_false_claims_get_shrunk_verified_counterexamples(name):
    result = theorems.check(name, cases=5000, seed=0)
    assert not result.holds
    cx = result.counterexample
    assert theorems.verify(name, cx)
    assert cx.net.n_hidden <= cx.shrunk_from[0]
    if name != "triangle":  # a path: no shorter sub-walk of it fails any more
        path = pf.walk(cx.net, *cx.points)
        assert path.n_pieces <= cx.shrunk_from[1]
        t = path.breakpoints
        mids = [(t[j] + t[j + 1]) / 2 for j in range(path.n_pieces)]
        a, b = cx.points
        prop = theorems.PROPERTIES[name]
        # dropping the first or the last piece makes the property hold again
        for lo, hi in ((mids[0], mids[-2]), (mids[1], mids[-1])):
            sub = pf.walk(cx.net, (1 - lo) * a + lo * b, (1 - hi) * a + hi * b)
            assert prop.fn(sub)[0]


def test_planted_symmetry_counterexample_is_exact():
    cx = theorems.check("symmetry", cases=5000, seed=3).counterexample
    path = pf.walk(cx.net, *cx.points)
    assert path.chi == cx.details["chi"] != pf.chi(path.patterns[::-1])
    assert abs(path.chi - pf.chi(path.patterns[::-1])) <= F(path.D, path.r2)  # reversal bound


def test_threshold_claim_is_refuted_with_evidence():
    cx = theorems.check("threshold", cases=5000, seed=0).counterexample
    assert cx is not None and theorems.verify("threshold", cx)
    d = cx.details
    assert d["regions"] < d["regions_higher"] or d["chi"] < d["chi_higher"]


def test_user_registered_property():
    theorems.register("short", lambda path: path.n_pieces <= 2, description="at most two regions")
    try:
        result = theorems.check("short", cases=2000, seed=0)
        assert (
            not result.holds
            and pf.walk(result.counterexample.net, *result.counterexample.points).n_pieces > 2
        )
        # shrinking cuts the segment to the fewest pieces that still fail: three
        assert pf.walk(result.counterexample.net, *result.counterexample.points).n_pieces == 3
    finally:
        theorems.PROPERTIES.pop("short")


def test_check_cli(capsys):
    assert main(["check", "bounds", "--cases", "300"]) == 0
    assert "held in 300 cases" in capsys.readouterr().out
    assert main(["check", "symmetry", "--cases", "3000", "--json"]) == 0
    assert '"holds": false' in capsys.readouterr().out
    assert main(["check", "--list"]) == 0 and "triangle" in capsys.readouterr().out
    assert main(["check", "nope"]) == 2


@pytest.mark.parametrize("kwargs,match", [({"name": "nope"}, "name"), ({"cases": 0}, "cases")])
def test_bad_input(kwargs, match):
    args = {"name": "bounds", "cases": 10, **kwargs}
    with pytest.raises(pf.InvalidInputError, match=match):
        theorems.check(args.pop("name"), **args)
    with pytest.raises(pf.InvalidInputError, match="kind"):
        theorems.register("x", lambda p: True, kind="volume")
