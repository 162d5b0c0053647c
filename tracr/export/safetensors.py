"""Save and load a compiled model as one safetensors file (export; core install, numpy only).

    from tracr.export import safetensors
    safetensors.save(model, "reverse.safetensors")
    model = safetensors.load("reverse.safetensors")   # a CompiledModel; apply() as before

The file holds every weight under its reference name plus the metadata needed to run and read
the model without the program: config, residual labels, encoders with BOS and PAD, the
unembedding, the layout, the attention-scale convention and the program's description.
Values such as tokens keep their Python type (JSON with type tags). The format is described
in ``tracr/export/README.md``; any file it does not describe raises ``ModelFormatError``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

import numpy as np

from tracr.errors import ModelFormatError
from tracr.export import _model_checks as checks
from tracr.export import _safetensors_format as fmt
from tracr.model import (
    ATTENTION_SCALE_CONVENTION,
    CategoricalOutputEncoder,
    CompiledModel,
    InputEncoder,
    Layout,
    ModelConfig,
    NumericalOutputEncoder,
)
from tracr.model.number_formats import PrecisionRecord

FORMAT = "tracr.compiled_model"
FORMAT_VERSION = 2  # 2: the checksum covers the metadata too
UNEMBEDDING = "unembedding"
_REQUIRED = ("config", "residual_labels", "input_encoder", "output_encoder", "checksum")


def save(model: CompiledModel, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (conventionally ``*.safetensors``)."""
    with open(path, "wb") as f:
        f.write(to_bytes(model))


def load(path: str | os.PathLike) -> CompiledModel:
    """Read a model written by ``save``; raises ``ModelFormatError`` for any other file."""
    with open(path, "rb") as f:
        return from_bytes(f.read())


def to_bytes(model: CompiledModel) -> bytes:
    tensors = {
        f"{module}/{key}": value for module, arrays in model.params.items()
        for key, value in arrays.items()
    }  # fmt: skip
    tensors[UNEMBEDDING] = model.unembedding
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "tracr_version": _tracr_version(),
        "attention_scale": ATTENTION_SCALE_CONVENTION,
        "config": json.dumps(model.model_config.to_dict()),
        "residual_labels": json.dumps(list(model.residual_labels)),
        "input_encoder": json.dumps(_input_encoder_to_json(model.input_encoder)),
        "output_encoder": json.dumps(_output_encoder_to_json(model.output_encoder)),
        "layout": json.dumps(model.layout.to_dict()),
        "program": model.program,
    }
    if model.precision is not None:
        metadata["precision"] = json.dumps(model.precision.to_json())
    metadata["checksum"] = _checksum(tensors, metadata)
    return fmt.dumps(tensors, metadata)


def from_bytes(blob: bytes) -> CompiledModel:
    tensors, meta = fmt.loads(blob)
    _check_header(meta)
    if meta["checksum"] != _checksum(tensors, meta):
        raise ModelFormatError("the weights or metadata do not match their checksum: file "
                               "corrupted")
    config_data = checks.parse_json(meta, "config")
    checks.check_config(config_data, tensors)
    labels = checks.parse_json(meta, "residual_labels")
    checks.check_labels(labels)
    input_data = checks.parse_json(meta, "input_encoder")
    rows = tensors.get("token_embed/embeddings", np.zeros((0, 0))).shape[0]
    checks.check_input_encoder(input_data, config_data, rows)
    output_data = checks.parse_json(meta, "output_encoder")
    checks.check_output_encoder(output_data)
    precision = None  # a file from before the record: not checked
    if "precision" in meta:
        precision_data = checks.parse_json(meta, "precision")
        checks.check_precision(precision_data)
        precision = PrecisionRecord.from_json(precision_data)
    try:
        model = CompiledModel(
            params=_params(tensors),
            model_config=ModelConfig.from_dict(config_data),
            residual_labels=labels,
            input_encoder=_input_encoder_from_json(input_data),
            output_encoder=_output_encoder_from_json(output_data),
            unembedding=tensors[UNEMBEDDING],
            layout=Layout.from_dict(checks.parse_json(meta, "layout", "{}")),
            program=meta.get("program", ""),
            precision=precision,
        )
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as e:
        if isinstance(e, ModelFormatError):
            raise
        raise ModelFormatError(f"malformed model metadata ({type(e).__name__}: {e})") from e
    _check_shapes(model)
    return model


def _check_header(meta: dict[str, str]) -> None:
    if meta.get("format") != FORMAT:
        raise ModelFormatError(
            f"not a tracr model file: metadata 'format' is {meta.get('format')!r}, "
            f"expected {FORMAT!r}"
        )
    version = meta.get("format_version", "")
    if not re.fullmatch(r"[0-9]{1,6}", version) or int(version) < 1:
        raise ModelFormatError(f"invalid format_version {version!r}")
    if int(version) < FORMAT_VERSION:
        raise ModelFormatError(
            f"this file has format version {version}, whose checksum does not cover its "
            f"metadata; this tracr reads version {FORMAT_VERSION}: compile the program again"
        )
    if int(version) > FORMAT_VERSION:
        raise ModelFormatError(
            f"this file has format version {version} (written by tracr "
            f"{meta.get('tracr_version', '?')}); this tracr ({_tracr_version()}) reads format "
            f"versions up to {FORMAT_VERSION}: upgrade tracr to load it"
        )
    missing = [k for k in _REQUIRED if k not in meta]
    if missing:
        raise ModelFormatError(f"metadata lacks {', '.join(missing)}: file corrupted")
    if meta.get("attention_scale") != ATTENTION_SCALE_CONVENTION:
        raise ModelFormatError(
            f"the weights assume the attention scale {meta.get('attention_scale')!r}; this "
            f"tracr uses {ATTENTION_SCALE_CONVENTION!r}"
        )


def _params(tensors: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    params: dict[str, dict[str, np.ndarray]] = {}
    for name, value in tensors.items():
        if name != UNEMBEDDING:
            module, _, key = name.rpartition("/")
            params.setdefault(module, {})[key] = value
    return params


def _expected_shapes(model: CompiledModel) -> dict[str, tuple[int, ...]]:
    c = model.model_config
    d, hk, m = c.d_model, c.num_heads * c.key_size, c.mlp_hidden_size
    shapes = {
        "token_embed/embeddings": (len(model.input_encoder.encoding_map), d),
        "pos_embed/embeddings": (c.n_ctx, d),
    }
    for i in range(c.num_layers):
        p = f"transformer/layer_{i}"
        for name in ("query", "key", "value"):
            shapes |= {f"{p}/attn/{name}/w": (d, hk), f"{p}/attn/{name}/b": (hk,)}
        shapes |= {f"{p}/attn/linear/w": (hk, d), f"{p}/attn/linear/b": (d,)}
        shapes |= {f"{p}/mlp/linear_1/w": (d, m), f"{p}/mlp/linear_1/b": (m,)}
        shapes |= {f"{p}/mlp/linear_2/w": (m, d), f"{p}/mlp/linear_2/b": (d,)}
    return shapes


def _check_shapes(model: CompiledModel) -> None:
    """Every weight the config implies is there with its shape (and nothing else)."""
    got = {f"{m}/{k}": v.shape for m, arrays in model.params.items() for k, v in arrays.items()}
    want = _expected_shapes(model)
    problems = [f"missing {n}" for n in want if n not in got]
    problems += [f"unexpected {n}" for n in got if n not in want]
    problems += [
        f"{n} has shape {list(got[n])}, expected {list(s)}"
        for n, s in want.items()
        if n in got and got[n] != s
    ]
    enc = model.output_encoder
    n_out = len(enc.values) if isinstance(enc, CategoricalOutputEncoder) else 1
    if model.unembedding.shape != (model.model_config.d_model, n_out):
        problems.append(f"unembedding has shape {list(model.unembedding.shape)}")
    if len(model.residual_labels) != model.model_config.d_model:
        problems.append(f"{len(model.residual_labels)} residual labels")
    if problems:
        raise ModelFormatError("weights do not fit the config: " + "; ".join(problems))


def _checksum(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> str:
    """sha256 over every metadata entry but the checksum, and the tensors' names, dtypes,
    shapes and bytes; independent of the order in the file."""
    h = hashlib.sha256()
    for key in sorted(k for k in metadata if k != "checksum"):
        for part in (key, metadata[key]):
            data = part.encode("utf-8", "surrogatepass")
            h.update(f"{len(data)}:".encode() + data)
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        h.update(f"{name}|{arr.dtype.str}|{list(arr.shape)}|".encode())
        h.update(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    return "sha256:" + h.hexdigest()


# Values (tokens, output values) as JSON with type tags: [tag, payload].


def encode_value(v: Any) -> list:
    """A Python value as a JSON-ready ``[tag, payload]`` that ``decode_value`` inverts."""
    if v is None:
        return ["none", None]
    if isinstance(v, bool | np.bool_):
        return ["bool", bool(v)]
    if isinstance(v, int | np.integer):
        return ["int", int(v)]
    if isinstance(v, float | np.floating):
        return ["float", repr(float(v))]  # repr round-trips exactly, nan and inf included
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, tuple):
        return ["tuple", [encode_value(i) for i in v]]
    if isinstance(v, frozenset):
        return ["frozenset", sorted((encode_value(i) for i in v), key=json.dumps)]
    raise ModelFormatError(
        f"cannot save the value {v!r} of type {type(v).__name__}: tokens and output values "
        "must be None, bool, int, float, str, or tuples / frozensets of them"
    )


_PAYLOAD_TYPES = {"none": type(None), "bool": bool, "int": int, "float": str, "str": str,
                  "tuple": list, "frozenset": list}


def decode_value(data: Any) -> Any:
    try:
        tag, payload = data
        if type(payload) is not _PAYLOAD_TYPES[tag]:  # bool("false") would be True
            raise TypeError(f"a {tag!r} value needs a {_PAYLOAD_TYPES[tag].__name__} payload")
        decoders = {
            "none": lambda p: None, "bool": bool, "int": int, "float": float, "str": str,
            "tuple": lambda p: tuple(decode_value(i) for i in p),
            "frozenset": lambda p: frozenset(decode_value(i) for i in p),
        }  # fmt: skip
        return decoders[tag](payload)
    except (KeyError, TypeError, ValueError, RecursionError):
        raise ModelFormatError(f"malformed value {str(data)[:80]} in the metadata") from None


def _input_encoder_to_json(enc: InputEncoder) -> dict:
    return {
        "encoding_map": [[encode_value(t), i] for t, i in enc.encoding_map.items()],
        "bos_token": encode_value(enc.bos_token),
        "pad_token": encode_value(enc.pad_token),
        "max_seq_len": enc.max_seq_len,
    }


def _input_encoder_from_json(d: dict) -> InputEncoder:
    return InputEncoder(
        encoding_map={decode_value(t): int(i) for t, i in d["encoding_map"]},
        bos_token=decode_value(d["bos_token"]),
        pad_token=decode_value(d["pad_token"]),
        max_seq_len=int(d["max_seq_len"]),
    )


def _output_encoder_to_json(enc: Any) -> dict:
    if isinstance(enc, CategoricalOutputEncoder):
        return {"kind": "categorical", "values": [encode_value(v) for v in enc.values]}
    if isinstance(enc, NumericalOutputEncoder):
        return {"kind": "numerical"}
    raise ModelFormatError(f"cannot save an output encoder of type {type(enc).__name__}")


def _output_encoder_from_json(d: dict) -> Any:
    if d["kind"] == "categorical":
        return CategoricalOutputEncoder(tuple(decode_value(v) for v in d["values"]))
    if d["kind"] == "numerical":
        return NumericalOutputEncoder()
    raise ModelFormatError(f"unknown output encoder kind {d['kind']!r}")


def _tracr_version() -> str:
    import tracr

    return tracr.__version__
