import json

import networkx as nx
import pytest

import polyfold as pf
from polyfold.cli import main


@pytest.fixture
def tent_file(tmp_path):
    path = tmp_path / "tent.npz"
    pf.zoo.tent().save(path)
    return path


def test_chi_json_matches_the_api(tent_file, capsys):
    assert main(["chi", str(tent_file), "--x1", "0", "--x2", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["chi"] == "1/3" and out["regions"] == 4
    assert out["patterns"] == ["100", "101", "111", "110"]
    assert out["breakpoints"] == ["0", "1/4", "1/2", "3/4", "1"]
    # the sampled estimate sees the boundary point x = 0 (pattern 000) as a region
    assert out["sampled"]["11"]["chi"] == "1/4"


def test_chi_table_and_negative_points(tent_file, capsys):
    assert main(["chi", str(tent_file), "--x1", "-1", "--x2", "1/2", "--regions"]) == 0
    out = capsys.readouterr().out
    assert "chi exact" in out and "(0, 2/3)  000" in out


def test_errors_exit_2_with_a_message(tent_file, capsys):
    assert main(["chi", str(tent_file), "--x1", "0,0", "--x2", "1"]) == 2
    assert "x1: expected shape (1,)" in capsys.readouterr().err
    assert main(["chi", str(tent_file), "--x1", "a", "--x2", "1"]) == 2
    assert "--x1" in capsys.readouterr().err
    assert main(["regions", str(tent_file)]) == 2


def test_regions_graphml_and_png(tmp_path, capsys):
    model = tmp_path / "net.npz"
    pf.zoo.random_network([2, 4, 4, 2], seed=0).save(model)
    graphml, png = tmp_path / "g.graphml", tmp_path / "g.png"
    args = [
        "regions",
        str(model),
        "--box",
        "-1,-1",
        "1,1",
        "--graphml",
        str(graphml),
        "--png",
        str(png),
        "--json",
    ]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    G = nx.read_graphml(graphml)
    expected = pf.region_graph(pf.Network.load(model), pf.Box([-1, -1], [1, 1]))
    assert out["regions"] == len(G) == len(expected) and out["complete"]
    assert set(G.nodes) == set(expected.nodes)
    assert png.stat().st_size > 1000


def test_demo_runs(capsys):
    assert main(["demo", "--segments", "2"]) == 0
    out = capsys.readouterr().out
    assert "chi exact" in out and "segments fold" in out


def test_chi_on_a_smooth_network_uses_certified_crossings(tmp_path, capsys):
    net = pf.Network.from_layers(
        [([[1], [-1]], ["-1/2", "1/4"]), ([[1, 1]], [0])], activation="tanh"
    )
    path = tmp_path / "tanh.npz"
    net.save(path)
    assert main(["chi", str(path), "--x1", "0", "--x2", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["certified"] and out["chi"] == "0" and out["regions"] == 3
    assert [c[2] for c in out["crossings"]] == [1, 0]
    assert main(["chi", str(path), "--x1", "0", "--x2", "1"]) == 0
    text = capsys.readouterr().out
    assert "2 certified crossings, certified" in text and "sampled n=11" in text


def test_demo_json_is_json_only_and_tables_fit_100_columns(capsys):
    assert main(["demo", "--segments", "2", "--json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)  # stdout holds the JSON document and nothing else
    assert len(rows) == 2 and rows[0]["timing"] == "best of 3 runs"
    assert "Training" in captured.err
    assert main(["demo", "--segments", "3"]) == 0
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) <= 100


def test_usage_errors_are_messages_not_tracebacks(tmp_path, tent_file, capsys):
    for argv in (
        ["demo", "--segments", "0"],
        ["demo", "--segments", "-3"],
        ["regions", str(tent_file), "--box", "-1", "1", "--max-regions", "0"],
        ["regions", str(tent_file), "--box", "-1", "1", "--time-budget", "nan"],
        ["chi", str(tent_file), "--x1", "0", "--x2", "1", "--samples", "1"],
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "error:" in capsys.readouterr().err
    missing = str(tmp_path / "no" / "such" / "dir" / "g.graphml")
    assert main(["regions", str(tent_file), "--box", "-1", "1", "--graphml", missing]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["study", "--data", "nosuch", "--depths", "1"]) == 2
    assert "digits, moons" in capsys.readouterr().err
    assert main(["chi", str(tmp_path / "m.onnx"), "--x1", "0", "--x2", "1"]) == 2
    assert "pf.from_onnx" in capsys.readouterr().err
    assert main(["chi", str(tent_file), "--x1", "1e999999999", "--x2", "1"]) == 2
    assert "exponent" in capsys.readouterr().err


def test_every_option_has_help_and_its_default(capsys):
    for command in (
        "demo", "chi", "regions", "study", "phi", "estimator", "layers", "interaction", "check"
    ):  # fmt: skip
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        assert "(default:" in text or command == "chi"
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "(default: 12)" in capsys.readouterr().out


def test_json_into_a_closed_pipe_is_quiet(tent_file):
    import subprocess
    import sys

    cmd = f"{sys.executable} -m polyfold.cli chi {tent_file} --x1 0 --x2 1 --json | head -c 10"
    done = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


@pytest.fixture
def moons_file(tmp_path):
    path = tmp_path / "moons.npz"
    pf.zoo.random_network([2, 8, 8, 1], seed=3).save(path)
    return path


def test_phi_json_matches_the_api(moons_file, capsys):
    argv = ["phi", str(moons_file), "--data", "moons", "--paths-per-pair", "20"]
    assert main([*argv, "--bootstrap", "50", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    x, y = pf.datasets.moons()
    parts = pf.datasets.split(x, y, test=0.2, seed=0)
    net = pf.Network.load(moons_file)
    res = pf.fold_paths(net, parts.X_test, parts.y_test, paths_per_pair=20)
    assert doc["variant"] == "paper" and doc["paths"] == res.n_paths == 40
    assert doc["phi"] == (None if res.phi is None else str(res.phi))
    assert doc["other_variant"]["deck"] == (
        None if res.aggregate.phi("deck") is None else str(res.aggregate.phi("deck"))
    )
    assert set(doc["pairs"]) == {"0->1", "1->0"} and doc["points"] == len(parts.y_test)
    lo, _ = res.bootstrap(50, seed=0)
    assert doc["bootstrap"]["low"] == (None if lo is None else str(lo))
    assert main([*argv, "--split", "all", "--unordered", "--per-pair", "--workers", "2"]) == 0
    text = capsys.readouterr().out
    assert "0->1" in text and "1->0" not in text
    assert main([*argv, "--classes", "0", "7"]) == 2
    assert "class 7 has no points" in capsys.readouterr().err
    assert main([*argv, "--data", "digits"]) == 2
    assert "64 features" in capsys.readouterr().err


def test_estimator_json_table_and_figure(moons_file, tmp_path, capsys):
    argv = ["estimator", str(moons_file), "--data", "moons", "--segments", "30"]
    assert main([*argv, "--samples", "5", "50", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    x, y = pf.datasets.moons()
    parts = pf.datasets.split(x, y, test=0.2, seed=0)
    rep = pf.estimator_report(
        pf.Network.load(moons_file), data=(parts.X_test, parts.y_test), segments=30, ns=(5, 50)
    )
    assert [r["n"] for r in doc["rows"]] == [5, 50]
    assert [r["mae"] for r in doc["rows"]] == [str(r.mae) for r in rep.rows]
    assert doc["segments"] == 30 and doc["folded"] == sum(c > 0 for c in rep.chi)
    png = tmp_path / "est.png"
    assert main([*argv, "--png", str(png)]) == 0
    assert png.stat().st_size > 0 and "mae" in capsys.readouterr().out


def test_layers_and_interaction_json(tmp_path, capsys):
    path = tmp_path / "two.npz"
    pf.zoo.random_network([2, 6, 6, 2], seed=4).save(path)
    assert main(["layers", str(path), "--data", "moons", "--clusters", "2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["layers"] for r in doc["layers"]] == ["layer 1", "layer 2", "layers 1-2"]
    argv = ["interaction", str(path), "--data", "moons", "--classes", "0", "1", "--pairs", "4"]
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["pairs"] == len(doc["rows"]) == 4 and doc["attack"] == "fgsm"
    assert main([*argv, "--classes", "0", "5"]) == 2
    assert "label" in capsys.readouterr().err


def test_study_json_is_strict_json(capsys):
    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    argv = ["study", "--data", "moons", "--depths", "1", "--widths", "4", "--backend", "sklearn"]
    assert main([*argv, "--epochs", "20", "--clusters", "2", "--max-pairs", "4", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert row["phi"] == "" and row["phi_float"] is None  # one layer never folds: no NaN


def test_study_measures_saved_networks(tmp_path, capsys):
    path = tmp_path / "mine.npz"
    pf.zoo.random_network([2, 6, 6, 2], seed=4).save(path)
    argv = ["study", "--data", "moons", "--networks", str(path), "--clusters", "2"]
    assert main([*argv, "--max-pairs", "4", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["name"] == "mine" and (row["depth"], row["width"]) == (2, 6)
    assert main([*argv, "--max-pairs", "4"]) == 0
    assert "mine" in capsys.readouterr().out
    assert main(["study", "--networks", str(tmp_path / "missing.npz")]) == 2
