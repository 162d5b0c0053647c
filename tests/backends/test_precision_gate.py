"""The backends read the model's precision record: they default to float32 only where it is
proven exact, refuse a narrower dtype it is not exact in, and warn on models never checked."""

from __future__ import annotations

import dataclasses
import json
import warnings

import pytest

torch = pytest.importorskip("torch")

from tracr.backends.torch import to_torch  # noqa: E402
from tracr.compiler import compiling, lib  # noqa: E402
from tracr.errors import (  # noqa: E402
    BackendError,
    InexactFormatError,
    ModelFormatError,
    PrecisionWarning,
)
from tracr.export import _safetensors_format as fmt  # noqa: E402
from tracr.export import safetensors as st  # noqa: E402
from tracr.rasp import rasp  # noqa: E402

BIG = rasp.numerical(rasp.Map(lambda t: t * 1e4 + 0.1, rasp.tokens))


@pytest.fixture(scope="module")
def exact():
    return compiling.compile_rasp_to_model(lib.make_reverse(rasp.tokens), {1, 2, 3}, 5,
                                           compiler_bos="BOS")


@pytest.fixture(scope="module")
def inexact():
    return compiling.compile_rasp_to_model(BIG, {1, 2, 3}, 3, compiler_bos="BOS")


def test_default_dtype_is_float32_where_exact_else_float64(exact, inexact):
    assert to_torch(exact).dtype == torch.float32
    tmodel = to_torch(inexact)
    assert tmodel.dtype == torch.float64
    assert tmodel.apply(["BOS", 1, 2]).decoded == ["BOS", 10000.1, 20000.1]


@pytest.mark.parametrize("dtype", [torch.float32, "float32", torch.float16])
def test_an_inexact_dtype_raises_naming_the_problem(inexact, dtype):
    name = str(dtype).removeprefix("torch.")
    with pytest.raises(InexactFormatError, match=(
            rf"not exact in {name}: map 'map_\d+' \(name 'map'\): in {name}, .*dtype=torch"
            r"\.float64.*allow_inexact=True")):
        to_torch(inexact, dtype=dtype)
    assert issubclass(InexactFormatError, BackendError)


def test_allow_inexact_builds_it_anyway(inexact):
    tmodel = to_torch(inexact, dtype=torch.float32, allow_inexact=True)
    assert tmodel.dtype == torch.float32
    assert tmodel.apply(["BOS", 1]).decoded[1] != 10000.1  # float32: 10000.099609375


def test_each_narrow_dtype_is_checked_against_its_own_record(exact):
    assert exact.precision.is_exact("float32") and not exact.precision.is_exact("bfloat16")
    to_torch(exact, dtype=torch.float32)
    with pytest.raises(InexactFormatError, match="not exact in bfloat16"):
        to_torch(exact, dtype=torch.bfloat16)
    to_torch(exact, dtype=torch.float64)  # float64 is always exact


def test_a_model_never_checked_defaults_to_float64_and_warns_at_float32(exact):
    old = dataclasses.replace(exact, precision=None)  # as loaded from an older file
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert to_torch(old).dtype == torch.float64
    with pytest.warns(PrecisionWarning, match="exactness in float32 was never checked"):
        to_torch(old, dtype=torch.float32)


def test_transformer_lens_reads_the_record(exact, inexact):
    pytest.importorskip("transformer_lens")
    from tracr.export.transformer_lens import to_transformer_lens

    with pytest.raises(InexactFormatError, match="not exact in float32"):
        to_transformer_lens(inexact, dtype=torch.float32)
    model = to_transformer_lens(inexact)
    assert next(model.parameters()).dtype == torch.float64
    model = to_transformer_lens(exact)
    assert next(model.parameters()).dtype == torch.float32


def test_haiku_and_get_compiled_model_refuse_float32_when_inexact(exact, inexact):
    jax = pytest.importorskip("jax")
    pytest.importorskip("haiku")
    from tracr.backends.haiku import to_haiku

    with pytest.raises(InexactFormatError, match="jax_enable_x64"):
        to_haiku(inexact)
    import haiku as hk

    with pytest.raises(InexactFormatError, match="not exact in float32"):
        hk.transform(lambda x: inexact.get_compiled_model()(x, use_dropout=False)).init(
            jax.random.PRNGKey(0), jax.numpy.asarray([[3, 0]]))
    to_haiku(inexact, allow_inexact=True)
    hk.transform(lambda x: inexact.get_compiled_model(allow_inexact=True)(
        x, use_dropout=False)).init(jax.random.PRNGKey(0), jax.numpy.asarray([[3, 0]]))
    to_haiku(exact)
    with jax.enable_x64(True):
        to_haiku(inexact)


def test_the_record_survives_a_file_and_older_files_load_unchecked(inexact, tmp_path):
    loaded = st.from_bytes(st.to_bytes(inexact))
    assert loaded.precision == inexact.precision
    assert not loaded.precision.is_exact("float32")
    tensors, meta = fmt.loads(st.to_bytes(inexact))
    meta = {k: v for k, v in meta.items() if k not in ("precision", "checksum")}
    older = fmt.dumps(tensors, {**meta, "checksum": st._checksum(tensors, meta)})
    assert st.from_bytes(older).precision is None


@pytest.mark.parametrize(("value", "message"), [
    ([], "must be a JSON object"),
    ({"float8": []}, "keys are among"),
    ({"float32": "exact"}, "'float32' must be a list of strings"),
    ({"float32": [1]}, "'float32' must be a list of strings"),
])
def test_a_bad_record_is_a_format_error(inexact, value, message):
    tensors, meta = fmt.loads(st.to_bytes(inexact))
    meta = {**meta, "precision": json.dumps(value)}
    meta.pop("checksum")
    bad = fmt.dumps(tensors, {**meta, "checksum": st._checksum(tensors, meta)})
    with pytest.raises(ModelFormatError, match=message):
        st.from_bytes(bad)


def test_the_record_is_covered_by_the_checksum(inexact):
    tensors, meta = fmt.loads(st.to_bytes(inexact))
    forged = fmt.dumps(tensors, {**meta, "precision": json.dumps({"float32": []})})
    with pytest.raises(ModelFormatError, match="checksum"):
        st.from_bytes(forged)
