"""The API reference's promise: every public definition documents its parameters and
results (numpydoc sections), and no docstring points users to files they do not have."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest

import polyfold

SECTIONS = ("Parameters", "Returns", "Yields", "Raises", "Attributes", "References", "Examples")


def _modules() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages(polyfold.__path__, "polyfold.")
        if not any(part.startswith("_") for part in m.name.split(".")[1:])
    ]


def _public(module: Any) -> list[tuple[str, Any]]:
    names = getattr(module, "__all__", None)
    out = []
    for name, obj in vars(module).items():
        if name.startswith("_") or (names is not None and name not in names):
            continue
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out.append((f"{module.__name__}.{name}", obj))
            if inspect.isclass(obj):
                for attr, raw in vars(obj).items():
                    if attr.startswith("_") or isinstance(raw, property):
                        continue
                    if inspect.isfunction(raw) or isinstance(raw, (classmethod, staticmethod)):
                        out.append((f"{module.__name__}.{name}.{attr}", getattr(obj, attr)))
    return out


def _sections(doc: str) -> set[str]:
    return {s for s in SECTIONS if f"{s}\n{'-' * len(s)}" in doc}


def _missing(obj: Any) -> list[str]:
    doc = inspect.getdoc(obj) or ""
    if not doc:
        return ["a docstring"]
    found = _sections(doc)
    if inspect.isclass(obj):
        try:
            params = [p for p in inspect.signature(obj).parameters if p not in ("args", "kwargs")]
        except (TypeError, ValueError):
            params = []
        return (
            ["Parameters or Attributes"]
            if params and not found & {"Parameters", "Attributes"}
            else []
        )
    sig = inspect.signature(obj)
    missing = []
    if [p for p in sig.parameters if p not in ("self", "cls")] and "Parameters" not in found:
        missing.append("Parameters")
    returns = sig.return_annotation
    if returns not in ("None", None, inspect.Signature.empty) and not found & {"Returns", "Yields"}:
        missing.append("Returns")
    return missing


DEFINITIONS = [item for name in _modules() for item in _public(importlib.import_module(name))]


def test_every_public_definition_has_numpydoc_sections():
    assert len(DEFINITIONS) > 250
    gaps = {name: miss for name, obj in DEFINITIONS if (miss := _missing(obj))}
    assert not gaps, gaps


@pytest.mark.parametrize("name", _modules())
def test_docstrings_cite_nothing_users_do_not_have(name):
    module = importlib.import_module(name)
    source = inspect.getsource(module)
    assert "DESIGN.md" not in source and "STYLE.md" not in source


def test_result_types_are_exported():
    results = [
        "Path", "Paths", "SmoothPath", "Crossing", "Realizability", "Region", "RegionArrays",
        "GlobalFolding", "PhiResult", "FoldingAggregate", "ChiCounts", "LayerFolding",
        "EstimatorReport", "EstimatorRow", "UnionConvexity", "UnionGeometry", "Lemma1Report",
        "HammingConvexity", "Feasibility", "CheckResult", "Counterexample", "Property",
        "AttackReport", "InteractionStudy", "Split", "FoldingTracker",
    ]  # fmt: skip
    assert [name for name in results if not hasattr(polyfold, name)] == []
    assert set(results) <= set(polyfold.__all__)


def test_every_top_level_name_is_documented_where_it_is_defined():
    for name in polyfold.__all__:
        obj = getattr(polyfold, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            home = importlib.import_module(obj.__module__)
            assert name in getattr(home, "__all__", [name]), f"{name} not in {obj.__module__}"
