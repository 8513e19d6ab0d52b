#!/usr/bin/env bash
# The whole test suite: install with test and dev extras, lint, type-check,
# build the API reference from the docstrings (warnings are errors),
# then pytest (unit tests, hypothesis properties, doctests, notebooks).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
python -m ruff check polyfold tests benchmarks
python -m ruff format --check polyfold tests benchmarks
python -m mypy
python -m sphinx -b html -W -n -q docs docs/_build/html
python -m pytest "$@"
