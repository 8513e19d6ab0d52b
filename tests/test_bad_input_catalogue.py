"""Every case of the bad-input catalogue: a library error that names the argument.

No case may hang (each runs under a time limit), leak a raw exception from
numpy or Python, or be silently accepted.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

import numpy as np
import pytest
from badinput import CASES
from test_nnet import NNET

import polyfold as pf

LIMIT = 30.0  # seconds per case


def test_the_catalogue_is_large():
    assert len(CASES) >= 200


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(case.call)
        try:
            future.result(timeout=LIMIT)
        except pf.PolyfoldError as exc:
            assert case.names in str(exc), f"{case.name}: the message must name {case.names!r}"
            return
        except concurrent.futures.TimeoutError:
            pytest.fail(f"{case.name}: no answer within {LIMIT} s")
        except Exception as exc:
            pytest.fail(f"{case.name}: raw {type(exc).__name__}: {exc}")
    pytest.fail(f"{case.name}: accepted silently")


# -- damaged and hostile files, for every loader --------------------------------------


def _files(tmp: Any) -> list[tuple[str, Any, Any, str]]:
    """(case, loader, path, what the message names)."""
    cases: list[tuple[str, Any, Any, str]] = []
    good = tmp / "good.npz"
    pf.Network.from_layers([([[1.0]], [0.0]), ([[1.0]], [0.0])]).save(good)
    raw = good.read_bytes()

    def write(name: str, data: bytes | str) -> Any:
        path = tmp / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return path

    for name, data in [
        ("empty.npz", b""),
        ("truncated.npz", raw[: len(raw) // 2]),
        ("text.npz", "hello"),
        ("garbage.npz", bytes(range(256)) * 4),
    ]:
        cases.append((f"Network.load {name}", pf.Network.load, write(name, data), "path"))
    with np.load(good) as data:
        arrays = {k: data[k] for k in data.files}
    for name, change in [
        ("missing-key.npz", lambda a: a.pop("b1")),
        ("flag-text.npz", lambda a: a.update(include_output=np.array("False"))),
        ("huge-exponent.npz", lambda a: a.update(W0_exact=np.array([["1e999999999"]]))),
        ("object-array.npz", lambda a: a.update(W0=np.array([[None]], dtype=object))),
        ("bad-activation.npz", lambda a: a.update(activation=np.array(["swish"]))),
        ("no-layers.npz", lambda a: a.pop("n_layers")),
        ("negative-layers.npz", lambda a: a.update(n_layers=np.array(-3))),
    ]:
        copy = dict(arrays)
        change(copy)
        path = tmp / name
        try:
            np.savez(path, **copy)
        except ValueError:  # numpy refuses to write object arrays without pickle
            continue
        cases.append((f"Network.load {name}", pf.Network.load, path, "path"))
    nnet_lines = NNET.splitlines()
    for name, text in [
        ("empty.nnet", ""),
        ("comments-only.nnet", "// nothing\n// here\n"),
        ("truncated.nnet", "\n".join(nnet_lines[:8])),
        ("text-number.nnet", NNET.replace("0.125", "abc")),
        ("huge-exponent.nnet", NNET.replace("0.125", "1e999999999")),
        ("wrong-sizes.nnet", NNET.replace("2,2,1,2,", "9,2,1,2,", 1)),
    ]:
        cases.append((f"load_nnet {name}", pf.load_nnet, write(name, text), "path"))
    cases.append(("from_onnx text file", pf.from_onnx, write("text.onnx", "hello"), "path"))
    cases.append(("from_onnx empty file", pf.from_onnx, write("empty.onnx", b""), "path"))
    return cases


def test_damaged_files_are_clear_errors(tmp_path):
    failures = []
    for name, loader, path, names in _files(tmp_path):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            future = pool.submit(loader, path)
            try:
                future.result(timeout=LIMIT)
                failures.append(f"{name}: accepted")
            except pf.PolyfoldError as exc:
                if names not in str(exc) and "line" not in str(exc):
                    failures.append(f"{name}: message does not name {names}: {exc}")
            except ImportError:
                pass  # the optional package is not installed
            except Exception as exc:
                failures.append(f"{name}: raw {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


def test_state_dict_loader_on_damaged_checkpoints(tmp_path):
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    for name, data in [("empty.pt", b""), ("text.pt", b"hello"), ("zeros.pt", bytes(64))]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(pf.InvalidInputError, match="path"):
            pf.load_state_dict(model, path)


# -- malformed command lines: exit status 2, a message, no traceback ---------------------

CLI = [
    [],
    ["nosuch"],
    ["chi"],
    ["chi", "{model}", "--x2", "1"],
    ["chi", "/nonexistent.npz", "--x1", "0", "--x2", "1"],
    ["chi", "{model}", "--x1", "a", "--x2", "1"],
    ["chi", "{model}", "--x1", "1/0", "--x2", "1"],
    ["chi", "{model}", "--x1", "1e99999999", "--x2", "1"],
    ["chi", "{model}", "--x1", "0,0", "--x2", "1"],
    ["chi", "{model}", "--x1", "0", "--x2", "1", "--samples", "0"],
    ["chi", "{dir}/m.onnx", "--x1", "0", "--x2", "1"],
    ["regions", "{model}"],
    ["regions", "{model}", "--box", "a", "1"],
    ["regions", "{model}", "--plane", "0", "1"],
    ["regions", "{model}", "--box", "-1", "1", "--engine", "fast"],
    ["regions", "{model}", "--box", "-1", "1", "--max-regions", "abc"],
    ["regions", "{model}", "--box", "-1", "1", "--max-regions", "0"],
    ["regions", "{model}", "--box", "-1", "1", "--time-budget", "-1"],
    ["regions", "{model}", "--box", "-1", "1", "--graphml", "/no/such/dir/g.graphml"],
    ["regions", "{model}", "--box", "-1", "1", "--png", "/no/such/dir/g.png"],
    ["regions", "{model}", "--box", "1", "-1"],
    ["study", "--data", "nosuch", "--depths", "1"],
    ["study", "--depths", "0"],
    ["study", "--widths", "x"],
    ["study", "--out", "/no/such/dir/s.csv", "--depths", "1"],
    ["study", "--png", "/no/such/dir/s.png", "--depths", "1"],
    ["check", "nonsense"],
    ["check", "triangle", "--cases", "0"],
    ["demo", "--segments", "abc"],
    ["demo", "--segments", "0"],
    ["demo", "--seed", "x"],
]


@pytest.mark.parametrize("argv", CLI, ids=[" ".join(a) or "(nothing)" for a in CLI])
def test_cli_usage_errors(argv, tmp_path, capsys):
    from polyfold.cli import main

    model = tmp_path / "tent.npz"
    pf.zoo.tent().save(model)
    args = [a.format(model=model, dir=tmp_path) for a in argv]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, f"{args}: exit {code}"
    assert "error" in err and "Traceback" not in err
