"""Every library program at two sizes: each backend equals the numpy model at every sublayer.

Sublayers are compared in float64 (1e-5); decoded outputs in float32, the dtype users run.
Haiku runs the small size only (its XLA compile time dominates); ``test_haiku.py`` covers its
shapes, padding and causal masking on random models.
Batches mix lengths, so every comparison covers padding; causal compilation is covered by
``test_causal_library_programs``.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

from tracr.backends import _common
from tracr.compiler import compiling, lib_catalog
from tracr.export import safetensors

SIZES = [(3, 5), (5, 9)]
CASES = [(name, v, n) for name in lib_catalog.NAMES for v, n in SIZES]
CASE_IDS = [f"{name}-v{v}n{n}" for name, v, n in CASES]
CAUSAL = ["frac_prevs", "pair_balance", "shift_by", "detect_pattern"]


@functools.cache
def compiled(name: str, v: int, n: int, causal: bool = False):
    case = lib_catalog.build(name, v, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # value-set and look-ahead warnings: not tested here
        model = compiling.compile_rasp_to_model(case.program, case.vocab, n, causal=causal)
    bos = model.input_encoder.bos_token
    batch = [[bos, *x] for x in case.random_inputs(12, seed=v * 100 + n)]
    return model, batch, model.apply_batch(batch)


@pytest.fixture(params=CASES, ids=CASE_IDS)
def program(request):
    return compiled(*request.param)


def test_torch(program, check_trace, check_decoded):
    torch = pytest.importorskip("torch")
    from tracr.backends.torch import to_torch

    model, batch, ref = program
    check_trace(vars(to_torch(model, dtype=torch.float64).apply_batch(batch)), ref)
    check_decoded(to_torch(model).apply_batch(batch).decoded, ref.decoded, rel=1e-5)


def test_transformer_lens(program, check_decoded):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformer_lens")
    from tracr.export.transformer_lens import to_transformer_lens

    model, batch, ref = program
    ids = torch.as_tensor(_common.encode_batch(model, batch, pad=True).ids)
    _, cache = to_transformer_lens(model, dtype=torch.float64).run_with_cache(ids)
    for i in range(model.model_config.num_layers):
        for j, hook in enumerate(("attn", "mlp")):
            got = cache[f"blocks.{i}.hook_{hook}_out"].numpy()
            np.testing.assert_allclose(got, ref.layer_outputs[2 * i + j], atol=1e-5)
    logits = to_transformer_lens(model)(ids).detach().numpy()  # float32
    enc = _common.encode_batch(model, batch, pad=True)
    decoded = [_common.decode_row(model, logits[b], enc.padded[b], enc.lengths[b])
               for b in range(len(batch))]  # fmt: skip
    check_decoded(decoded, ref.decoded, rel=1e-5)


@pytest.mark.parametrize("name", lib_catalog.NAMES)
def test_haiku(name, check_trace):
    """The small size only: XLA compiles each model for ~0.5 s, the suite's largest cost."""
    jax = pytest.importorskip("jax")
    pytest.importorskip("haiku")
    from tracr.backends.haiku import to_haiku

    model, batch, ref = compiled(name, *SIZES[0])
    enc = _common.encode_batch(model, batch, pad=True)
    with jax.enable_x64(True):
        hmodel = to_haiku(model)
        lowered = jax.jit(hmodel.transformed.apply).lower(hmodel.params, enc.ids, enc.key_is_real)
        # XLA's optimiser takes most of the compile time of these small graphs; the numbers
        # are the same without it, and 30 models compile 3x faster.
        forward = lowered.compile(compiler_options={"xla_backend_optimization_level": 0})
        trace = forward(hmodel.params, enc.ids, enc.key_is_real)
    arrays = {f: jax.tree_util.tree_map(np.asarray, v) for f, v in trace._asdict().items()}
    check_trace(arrays, ref)


def test_safetensors_round_trip(program, tmp_path):
    model, batch, ref = program
    safetensors.save(model, tmp_path / "m.safetensors")
    loaded = safetensors.load(tmp_path / "m.safetensors")
    got = loaded.apply_batch(batch)
    assert got.logits.tobytes() == ref.logits.tobytes()
    np.testing.assert_array_equal(got.unembedded, ref.unembedded)
    assert got.decoded == ref.decoded
    assert loaded.residual_labels == model.residual_labels and loaded.layout == model.layout


@pytest.mark.parametrize("name", CAUSAL)
def test_causal_library_programs(name, check_trace, check_decoded):
    torch = pytest.importorskip("torch")
    from tracr.backends.torch import to_torch

    model, batch, ref = compiled(name, 3, 5, causal=True)
    assert model.model_config.causal
    check_trace(vars(to_torch(model, dtype=torch.float64).apply_batch(batch)), ref)
    check_decoded(to_torch(model).apply_batch(batch).decoded, ref.decoded, rel=1e-5)
