"""Checks of a model file's metadata before a model is built from it (export, internal).

Every field is checked for its type and range, and the fields for their agreement with each
other and with the tensors, so that a damaged or hand-edited file raises ``ModelFormatError``
naming the field, never a crash, a hang (``num_layers: 10**9``) or a silently different model.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from tracr.errors import ModelFormatError

_LAYER = re.compile(r"transformer/layer_(\d+)/")
_CONFIG_INTS = ("num_layers", "num_heads", "key_size", "mlp_hidden_size", "d_model",
                "max_seq_len")


def parse_json(meta: dict[str, str], key: str, default: str | None = None) -> Any:
    text = meta.get(key, default)
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError) as e:
        raise ModelFormatError(f"metadata {key!r} is not valid JSON ({type(e).__name__}): "
                               "file corrupted") from None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_config(config: Any, tensors: dict[str, np.ndarray]) -> None:
    """Types and ranges of the config, and num_layers against the layer tensors."""
    if not isinstance(config, dict):
        raise ModelFormatError("metadata 'config' must be a JSON object")
    for key in _CONFIG_INTS:
        v = config.get(key)
        if not _is_int(v) or v < 0 or (key in ("d_model", "max_seq_len") and v < 1):
            raise ModelFormatError(f"config {key!r} must be a non-negative integer "
                                   f"(d_model and max_seq_len at least 1), got {v!r}")
    for key in ("causal", "layer_norm"):
        if not isinstance(config.get(key, False), bool):
            raise ModelFormatError(f"config {key!r} must be true or false, "
                                   f"got {config.get(key)!r}")
    if config.get("activation", "relu") != "relu":
        raise ModelFormatError(f"config 'activation' {config.get('activation')!r} is not "
                               "'relu', the only activation tracr models use")
    layers = {int(m.group(1)) for name in tensors if (m := _LAYER.match(name))}
    if len(layers) != config["num_layers"] or layers != set(range(len(layers))):
        raise ModelFormatError(
            f"config says num_layers {config['num_layers']}, but the file holds tensors for "
            f"{len(layers)} layer(s): file corrupted"
        )


def check_input_encoder(data: Any, config: dict, vocab_rows: int) -> None:
    """Ids distinct and within the token embedding; max_seq_len as in the config."""
    if not isinstance(data, dict) or not isinstance(data.get("encoding_map"), list):
        raise ModelFormatError("metadata 'input_encoder' must be an object with an "
                               "'encoding_map' list")
    ids = []
    for entry in data["encoding_map"]:
        if not (isinstance(entry, list) and len(entry) == 2 and _is_int(entry[1])):
            raise ModelFormatError(f"input_encoder entry {entry!r} must be [token, id]")
        ids.append(entry[1])
    if sorted(ids) != list(range(vocab_rows)):
        raise ModelFormatError(
            f"input_encoder ids {sorted(ids)[:10]} must be 0..{vocab_rows - 1}, one per row "
            "of the token embedding, each once: file corrupted"
        )
    if data.get("max_seq_len") != config["max_seq_len"]:
        raise ModelFormatError(
            f"input_encoder max_seq_len {data.get('max_seq_len')!r} differs from the config's "
            f"{config['max_seq_len']}: file corrupted"
        )


def check_output_encoder(data: Any) -> None:
    if not isinstance(data, dict) or data.get("kind") not in ("categorical", "numerical"):
        raise ModelFormatError("metadata 'output_encoder' must be an object whose 'kind' is "
                               "'categorical' or 'numerical'")
    if data["kind"] == "categorical" and not isinstance(data.get("values"), list):
        raise ModelFormatError("a categorical output_encoder needs a 'values' list")


def check_labels(labels: Any) -> None:
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ModelFormatError("metadata 'residual_labels' must be a list of strings")
    if len(set(labels)) != len(labels):
        raise ModelFormatError("metadata 'residual_labels' lists a label twice")


def check_precision(data: Any) -> None:
    """The precision record: an object from checked format names to lists of strings."""
    from tracr.model.number_formats import CHECKED_FORMATS

    names = [f.name for f in CHECKED_FORMATS]
    if not isinstance(data, dict) or any(k not in names for k in data):
        raise ModelFormatError(f"metadata 'precision' must be a JSON object whose keys are "
                               f"among {names}: file corrupted")
    for name, lines in data.items():
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise ModelFormatError(f"metadata 'precision' {name!r} must be a list of strings "
                                   "(the problems found in that format): file corrupted")
