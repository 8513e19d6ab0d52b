"""Importers from other libraries' model formats."""

from .nnet import load_nnet
from .onnx import from_onnx
from .sklearn import from_sklearn

__all__ = ["from_onnx", "from_sklearn", "load_nnet"]
