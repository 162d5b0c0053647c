"""safetensors export: bit-exact round trip, interoperability, and every corruption refused."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from tracr.errors import ModelFormatError
from tracr.export import _safetensors_format as fmt
from tracr.export import safetensors as st
from tracr.model import CategoricalOutputEncoder, InputEncoder


def _assert_same_model(a, b) -> None:
    assert a.params.keys() == b.params.keys()
    for module, arrays in a.params.items():
        assert arrays.keys() == b.params[module].keys()
        for key, arr in arrays.items():
            other = b.params[module][key]
            assert arr.dtype == other.dtype and arr.shape == other.shape
            assert arr.tobytes() == other.tobytes(), f"{module}/{key} differs"
    assert a.unembedding.tobytes() == b.unembedding.tobytes()
    assert a.model_config == b.model_config
    assert a.residual_labels == b.residual_labels
    assert a.input_encoder == b.input_encoder
    assert a.output_encoder == b.output_encoder
    assert a.layout == b.layout
    assert a.program == b.program


def test_round_trip_is_bit_exact(any_model, make_batch, tmp_path):
    path = tmp_path / "model.safetensors"
    st.save(any_model, path)
    loaded = st.load(path)
    _assert_same_model(any_model, loaded)
    batch = make_batch(any_model, 5)
    want, got = any_model.apply_batch(batch), loaded.apply_batch(batch)
    assert got.logits.tobytes() == want.logits.tobytes()
    assert got.decoded == want.decoded


def test_token_types_survive(make_model, tmp_path):
    model = make_model()
    tokens = [True, 2, 1.5, float("inf"), "1", (1, ("a", 2.0)), frozenset({1, "b"})]
    special = ["BOS", "PAD"]
    model.input_encoder = InputEncoder(
        {t: i for i, t in enumerate(special + tokens)}, "BOS", "PAD", 5
    )
    model.output_encoder = CategoricalOutputEncoder((None, 0, "0"))
    model.params["token_embed"]["embeddings"] = np.zeros((len(tokens) + 2, 10))
    st.save(model, tmp_path / "m.safetensors")
    loaded = st.load(tmp_path / "m.safetensors")
    got = list(loaded.input_encoder.encoding_map)
    assert got == special + tokens
    assert [type(t) for t in got] == [type(t) for t in special + tokens]
    assert loaded.output_encoder.values == (None, 0, "0")
    assert [type(v) for v in loaded.output_encoder.values] == [type(None), int, str]


def test_value_tags_round_trip_nan():
    (value,) = st.decode_value(json.loads(json.dumps(st.encode_value((float("nan"),)))))
    assert np.isnan(value)


def test_unsavable_token_is_refused(make_model, tmp_path):
    model = make_model()
    model.input_encoder = InputEncoder({"BOS": 0, "PAD": 1, object(): 2}, "BOS", "PAD", 5)
    with pytest.raises(ModelFormatError, match="cannot save the value .* of type object"):
        st.save(model, tmp_path / "m.safetensors")


def test_safetensors_package_reads_our_files_and_we_read_its(make_model, tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = make_model(n_layers=2)
    path = tmp_path / "m.safetensors"
    st.save(model, path)
    theirs = safetensors_numpy.load_file(str(path))
    assert theirs["transformer/layer_1/mlp/linear_2/w"].tobytes() == (
        model.params["transformer/layer_1/mlp/linear_2"]["w"].tobytes()
    )
    _, metadata = fmt.loads(path.read_bytes())
    rewritten = tmp_path / "rewritten.safetensors"
    safetensors_numpy.save_file(theirs, str(rewritten), metadata=metadata)
    _assert_same_model(model, st.load(rewritten))


def _corrupt(blob: bytes, meta_update: dict) -> bytes:
    """Change metadata and sign it again: what a hand-edited file looks like."""
    tensors, meta = fmt.loads(blob)
    meta = {**meta, **meta_update}
    return fmt.dumps(tensors, {**meta, "checksum": st._checksum(tensors, meta)})


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: b[:5], "too short for a header"),
        (lambda b: b[: len(b) // 2], "truncated"),
        (lambda b: b[:-1], "truncated or corrupted"),
        (lambda b: b + b"\0" * 8, "unexpected bytes after the last tensor"),
        (lambda b: b[:8] + b"x" + b[9:], "not valid JSON"),
        (lambda b: struct.pack("<Q", 2**40) + b[8:], "truncated or not a safetensors file"),
        (lambda b: b[:-3] + bytes([b[-3] ^ 1]) + b[-2:], "do not match their checksum"),
        (lambda b: _corrupt(b, {"format_version": "3"}), "format version 3 .* upgrade tracr"),
        (lambda b: _corrupt(b, {"format_version": "x"}), "invalid format_version"),
        (lambda b: _corrupt(b, {"format": "other"}), "not a tracr model file"),
        (lambda b: _corrupt(b, {"attention_scale": "none"}), "assume the attention scale"),
        (lambda b: _corrupt(b, {"config": "{"}), "not valid JSON"),
        (lambda b: _corrupt(b, {"residual_labels": "[]"}), "0 residual labels"),
        (
            lambda b: _corrupt(b, {"input_encoder": '{"encoding_map": [[["?", 1], 0]]}'}),
            "ids .* must be 0",
        ),  # fmt: skip
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_bad_files_raise_model_format_error(make_model, tmp_path, mangle, message):
    blob = st.to_bytes(make_model(n_layers=2))
    path = tmp_path / "bad.safetensors"
    path.write_bytes(mangle(blob))
    with pytest.raises(ModelFormatError, match=message):
        st.load(path)


def test_missing_weight_is_named(make_model):
    model = make_model(n_layers=2)
    tensors, meta = fmt.loads(st.to_bytes(model))
    del tensors["transformer/layer_1/mlp/linear_1/b"]
    meta["checksum"] = st._checksum(tensors, meta)
    with pytest.raises(ModelFormatError, match="missing transformer/layer_1/mlp/linear_1/b"):
        st.from_bytes(fmt.dumps(tensors, meta))


def test_model_format_error_is_a_value_error(tmp_path):
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="too short"):
        st.load(path)


def _unsigned(blob: bytes, meta_update: dict) -> bytes:
    tensors, meta = fmt.loads(blob)
    return fmt.dumps(tensors, {**meta, **meta_update})


def _edit_json(key: str, edit) -> callable:
    def mangle(blob: bytes) -> bytes:
        _, meta = fmt.loads(blob)
        data = json.loads(meta[key])
        edit(data)
        return _corrupt(blob, {key: json.dumps(data)})

    return mangle


def _set(path: tuple, value):
    def edit(data):
        for k in path[:-1]:
            data = data[k]
        data[path[-1]] = value

    return edit


def _bit_flips_in_metadata(blob: bytes) -> list[bytes]:
    """Copies of ``blob`` with one bit flipped in a metadata value (not the checksum)."""
    (n,) = struct.unpack("<Q", blob[:8])
    header = blob[8 : 8 + n]
    start = header.index(b'"__metadata__"')
    out = []
    for key in (b"causal", b'"bool"', b"encoding_map", b"values", b"residual_labels"):
        at = header.find(key, start)
        if at >= 0:
            i = 8 + at + len(key) + 3
            out.append(blob[:i] + bytes([blob[i] ^ 1]) + blob[i + 1 :])
    return out


def test_a_bit_flip_in_the_metadata_is_caught_by_the_checksum(make_model, tmp_path):
    blob = st.to_bytes(make_model(n_layers=2))
    flips = _bit_flips_in_metadata(blob)
    assert flips
    for bad in flips:
        with pytest.raises(ModelFormatError):
            st.from_bytes(bad)
    for update in ({"program": "x"}, {"config": "{}"}, {"layout": "{}"}):
        with pytest.raises(ModelFormatError, match="checksum"):
            st.from_bytes(_unsigned(blob, update))


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (_edit_json("config", _set(("num_layers",), 10**9)), "num_layers 1000000000"),
        (_edit_json("config", _set(("num_layers",), 1)), "num_layers 1"),
        (_edit_json("config", _set(("num_layers",), "2")), "'num_layers' must be"),
        (_edit_json("config", _set(("d_model",), -1)), "'d_model' must be"),
        (_edit_json("config", _set(("causal",), "no")), "'causal' must be"),
        (_edit_json("config", _set(("activation",), "gelu")), "activation"),
        (_edit_json("config", _set(("max_seq_len",), True)), "'max_seq_len' must be"),
        (_edit_json("input_encoder", _set(("max_seq_len",), 99)), "max_seq_len 99 differs"),
        (_edit_json("input_encoder", _set(("encoding_map", 0, 1), 999)), "ids .* must be 0"),
        (_edit_json("input_encoder", _set(("encoding_map", 0, 1), 1)), "ids .* must be 0"),
        (_edit_json("input_encoder", _set(("encoding_map", 0, 1), "0")), r"\[token, id\]"),
        (_edit_json("input_encoder", _set(("encoding_map",), {})), "encoding_map"),
        (_edit_json("input_encoder", _set(("bos_token",), ["bool", "false"])), "malformed"),
        (_edit_json("output_encoder", _set(("kind",), "other")), "'kind' is"),
        (_edit_json("output_encoder", _set(("values",), None)), "'values' list"),
        (lambda b: _corrupt(b, {"residual_labels": '[1, 2]'}), "list of strings"),
        (lambda b: _corrupt(b, {"config": "[" * 100_000 + "]" * 100_000}), "not valid JSON"),
        (lambda b: _corrupt(b, {"layout": "[" * 100_000 + "]" * 100_000}), "not valid JSON"),
        (lambda b: _corrupt(b, {"format_version": "²"}), "invalid format_version"),
        (lambda b: _corrupt(b, {"format_version": "1"}), "compile the program again"),
        (lambda b: _corrupt(b, {"format_version": "9" * 5000}), "invalid format_version"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_every_metadata_field_is_checked(make_model, mangle, message):
    blob = st.to_bytes(make_model(n_layers=2))
    with pytest.raises(ModelFormatError, match=message):
        st.from_bytes(mangle(blob))


def test_deeply_nested_header_json_is_a_format_error():
    text = b"[" * 200_000 + b"]" * 200_000
    text += b" " * (-len(text) % 8)
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        fmt.loads(struct.pack("<Q", len(text)) + text)
