"""The compiled model as framework-free data, and its numpy forward pass."""

from tracr.model.config import ATTENTION_SCALE_CONVENTION, ModelConfig
from tracr.model.encoders import (
    CategoricalOutputEncoder,
    InputEncoder,
    NumericalOutputEncoder,
)
from tracr.model.layout import BlockInfo, Layout, NodeInfo
from tracr.model.model import CompiledModel, ModelOutput
from tracr.model.precision import ATOL, format_value, outputs_equal, same_value

__all__ = [
    "ATOL",
    "ATTENTION_SCALE_CONVENTION",
    "BlockInfo",
    "CategoricalOutputEncoder",
    "CompiledModel",
    "InputEncoder",
    "Layout",
    "ModelConfig",
    "ModelOutput",
    "NodeInfo",
    "NumericalOutputEncoder",
    "format_value",
    "outputs_equal",
    "same_value",
]
