"""Save and load a compressed model as one safetensors file (numpy only).

The file is a compiled model's file (``tracr.export.safetensors``) with one more tensor,
``compress/w`` [embedding_size, d_model], and its own header: ``format`` is
``tracr.compressed_model`` (so a compiled-model loader refuses it by name), the compiled
model's format moves to ``compiled_format``, and ``compression`` holds the options. The
compiled part keeps its own checksum; ``w`` has one too.
"""

from __future__ import annotations

import json
import os

import numpy as np

from tracr.compress.model import CompressedModel
from tracr.errors import ModelFormatError
from tracr.export import _safetensors_format as fmt
from tracr.export import safetensors as compiled_files

FORMAT = "tracr.compressed_model"
FORMAT_VERSION = 1
W = "compress/w"
_OURS = ("compressed_format_version", "compression", "w_checksum")  # not in a compiled file


def save(model: CompressedModel, path: str | os.PathLike) -> None:
    """Write ``model`` (its compiled weights and ``w``) to ``path``."""
    with open(path, "wb") as f:
        f.write(to_bytes(model))


def load(path: str | os.PathLike) -> CompressedModel:
    """Read a file written by ``save``; any other file raises ``ModelFormatError``."""
    with open(path, "rb") as f:
        return from_bytes(f.read())


def to_bytes(model: CompressedModel) -> bytes:
    tensors, meta = fmt.loads(compiled_files.to_bytes(model.compiled))
    tensors[W] = model.w
    meta["compiled_format"] = meta.pop("format")
    meta |= {
        "format": FORMAT,
        "compressed_format_version": str(FORMAT_VERSION),
        "compression": json.dumps(
            {"embedding_size": model.embedding_size,
             "decompress_every_layer": model.decompress_every_layer}
        ),
        "w_checksum": _checksum(model.w),
    }  # fmt: skip
    return fmt.dumps(tensors, meta)


def from_bytes(blob: bytes) -> CompressedModel:
    tensors, meta = fmt.loads(blob)
    _check_header(meta)
    w = tensors.pop(W, None)
    if w is None or meta.get("w_checksum") != _checksum(w):
        raise ModelFormatError(f"the tensor {W!r} is missing or does not match its checksum")
    ours = {k: meta.pop(k, None) for k in _OURS}
    meta["format"] = meta.pop("compiled_format", None)
    compiled = compiled_files.from_bytes(fmt.dumps(tensors, meta))
    try:
        options = json.loads(ours["compression"])
        decompress = bool(options["decompress_every_layer"])
        size = int(options["embedding_size"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFormatError(f"malformed 'compression' metadata ({e!r})") from e
    if w.shape != (size, compiled.model_config.d_model):
        raise ModelFormatError(
            f"{W!r} has shape {list(w.shape)}, expected [{size}, {compiled.model_config.d_model}]"
        )
    return CompressedModel(compiled, w, decompress)


def _check_header(meta: dict[str, str]) -> None:
    if meta.get("format") == compiled_files.FORMAT:
        raise ModelFormatError(
            "this is a compiled model, not a compressed one: load it with "
            "tracr.export.safetensors.load"
        )
    if meta.get("format") != FORMAT:
        raise ModelFormatError(
            f"not a compressed tracr model: metadata 'format' is {meta.get('format')!r}, "
            f"expected {FORMAT!r}"
        )
    version = meta.get("compressed_format_version", "")
    if not version.isdigit() or not 1 <= int(version) <= FORMAT_VERSION:
        raise ModelFormatError(
            f"compressed format version {version!r}; this tracr reads versions 1 to "
            f"{FORMAT_VERSION}: upgrade tracr to load it"
        )


def _checksum(w: np.ndarray) -> str:
    import hashlib

    arr = np.ascontiguousarray(w, dtype="<f8")
    return "sha256:" + hashlib.sha256(f"{list(arr.shape)}|".encode() + arr.tobytes()).hexdigest()
