"""Importers from other libraries' model formats."""

from .sklearn import from_sklearn

__all__ = ["from_sklearn"]
