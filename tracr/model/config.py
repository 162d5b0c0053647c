"""The compiled model's hyper-parameters, as plain data.

Attention-scale convention (every backend follows it): attention logits are
``(x W_Q + b_Q) (x W_K + b_K)^T / sqrt(key_size)``, the standard transformer scaling. The
compiler multiplies ``W_Q`` by ``sqrt(key_size)`` so that the *effective* scores are the ones a
construction asks for, whatever the head width. A model loaded into any framework that applies
the standard scaling therefore computes the same logits.
"""

from __future__ import annotations

import dataclasses

import numpy as np

ATTENTION_SCALE_CONVENTION = "logits = q.k / sqrt(key_size); W_Q pre-multiplied by sqrt(key_size)"


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Shapes and flags of a compiled model (names as the reference used them)."""

    num_layers: int
    num_heads: int
    key_size: int
    mlp_hidden_size: int
    d_model: int
    max_seq_len: int  # real tokens; the model's context holds one more, the BOS position
    causal: bool = False
    layer_norm: bool = False
    activation: str = "relu"

    @property
    def dropout_rate(self) -> float:
        """The reference's ``TransformerConfig.dropout_rate``: a compiled model has none."""
        return 0.0

    @property
    def activation_function(self):
        """The reference's ``TransformerConfig.activation_function``: elementwise ReLU."""
        return relu

    @property
    def n_ctx(self) -> int:
        return self.max_seq_len + 1

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})


def relu(x):
    """The MLPs' activation, as a function (``TransformerConfig.activation_function``)."""
    return np.maximum(x, 0)
