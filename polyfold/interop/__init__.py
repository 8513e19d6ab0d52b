"""Importers from other libraries' model formats."""

from .nnet import load_nnet
from .onnx import from_onnx
from .sklearn import from_sklearn
from .torch import from_torch, load_state_dict

__all__ = ["from_onnx", "from_sklearn", "from_torch", "load_nnet", "load_state_dict"]
