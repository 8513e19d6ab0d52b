"""Sphinx configuration: the API reference, built from the docstrings."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import polyfold  # noqa: E402

project = "polyfold"
author = "the polyfold authors"
copyright = "2026, the polyfold authors"
release = version = polyfold.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
exclude_patterns = ["_build"]
html_theme = "alabaster"
suppress_warnings = ["ref.python"]  # several modules export the same class by name

# every cross-reference must resolve (-n); the types of other libraries have no
# inventory here (the build runs offline), so they are written out but not linked
nitpicky = True
nitpick_ignore_regex = [
    ("py:class", r"(numpy|np|fractions|collections|argparse|os|networkx|nx|matplotlib|pandas"
     r"|concurrent|torch|flint|typing|scipy)(\..*)?"),
    ("py:class", r"Fraction|Counter|fmpq|fmpq_mat|Executor|number|module|callable|Path|Point"),
    ("py:class", r"polyfold\.regions\._build\.(Budget)|_Times"),
    ("py:func", r"numpy\..*"),
]
