"""The safetensors container, read and written with numpy and json only.

Layout of a file (https://huggingface.co/docs/safetensors):

    8 bytes      N, the header length, unsigned little-endian
    N bytes      a JSON object: {tensor name: {"dtype", "shape", "data_offsets": [begin, end]},
                 "__metadata__": {str: str}}, padded with spaces to a multiple of 8
    the rest     the tensors' bytes, little-endian, C order, offsets relative to this buffer

Files written here are read by the ``safetensors`` package and the other way round; the
tests check both. Every way a file can be malformed raises ``ModelFormatError``.
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

from tracr.errors import ModelFormatError

DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}  # fmt: skip
_NAMES = {np.dtype(v): k for k, v in DTYPES.items()}
MAX_HEADER = 100_000_000  # the safetensors package's own limit


def dumps(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The bytes of a safetensors file holding ``tensors`` (in sorted name order)."""
    header: dict = {"__metadata__": metadata}
    chunks, offset = [], 0
    for name in sorted(tensors):
        arr = np.asarray(tensors[name])
        dtype_name = _NAMES.get(arr.dtype.newbyteorder("<")) or _NAMES.get(arr.dtype)
        if dtype_name is None:
            raise ModelFormatError(f"tensor {name!r} has dtype {arr.dtype}, not storable")
        data = np.ascontiguousarray(arr, dtype=DTYPES[dtype_name]).tobytes()
        header[name] = {
            "dtype": dtype_name,
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def loads(blob: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Parse a safetensors file: (tensors by name, metadata)."""
    if len(blob) < 8:
        raise ModelFormatError(f"file is {len(blob)} bytes long: too short for a header")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER or 8 + n > len(blob):
        raise ModelFormatError(
            f"header claims {n} bytes but the file has {len(blob) - 8} after the length: "
            "the file is truncated or not a safetensors file"
        )
    try:
        header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ModelFormatError(f"the header is not valid JSON ({type(e).__name__}): file "
                               "corrupted") from None
    if not isinstance(header, dict):
        raise ModelFormatError("the header is not a JSON object: file corrupted")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFormatError("__metadata__ must map strings to strings: file corrupted")
    buffer = memoryview(blob)[8 + n :]
    tensors = {name: _tensor(name, entry, buffer) for name, entry in header.items()}
    _check_coverage(header, len(buffer))
    return tensors, metadata


def _tensor(name: str, entry: object, buffer: memoryview) -> np.ndarray:
    try:
        dtype = np.dtype(DTYPES[entry["dtype"]])
        shape = tuple(int(d) for d in entry["shape"])
        begin, end = (int(o) for o in entry["data_offsets"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFormatError(f"tensor {name!r}: malformed header entry {entry!r}") from e
    size = math.prod(shape) * dtype.itemsize
    if min(shape, default=0) < 0 or not 0 <= begin <= end <= len(buffer) or end - begin != size:
        raise ModelFormatError(
            f"tensor {name!r}: offsets [{begin}, {end}) do not hold shape {list(shape)} of "
            f"{entry['dtype']} in a {len(buffer)}-byte buffer: file truncated or corrupted"
        )
    arr = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # a native-order, writable copy


def _check_coverage(header: dict, size: int) -> None:
    """The tensors tile the buffer exactly (no gaps, no overlap, nothing trailing)."""
    spans = sorted(tuple(e["data_offsets"]) for e in header.values())
    pos = 0
    for begin, end in spans:
        if begin != pos:
            raise ModelFormatError("tensor data has gaps or overlaps: file corrupted")
        pos = end
    if pos != size:
        raise ModelFormatError(
            f"{size - pos} unexpected bytes after the last tensor: file corrupted or appended to"
        )
