"""Fixtures for the backend tests: compiled-model look-alikes with random weights.

``random_model`` builds a ``CompiledModel`` of any shape without the compiler, so backends are
tested on many layer / head / width combinations, causal or not, with int and string tokens.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tracr.model import (
    CategoricalOutputEncoder,
    CompiledModel,
    InputEncoder,
    Layout,
    ModelConfig,
    NumericalOutputEncoder,
)
from tracr.model.layout import BlockInfo, NodeInfo

# (layers, heads, key_size, mlp width, d_model, max_seq_len, causal, numerical output)
SHAPES = [
    (1, 1, 3, 4, 8, 4, False, False),
    (2, 3, 2, 5, 11, 6, True, False),
    (3, 2, 4, 7, 13, 5, False, True),
    (4, 1, 1, 1, 6, 3, True, True),
]
SHAPE_IDS = [f"L{s[0]}H{s[1]}{'c' if s[6] else 'f'}{'n' if s[7] else 'k'}" for s in SHAPES]


def random_model(
    n_layers: int = 2,
    n_heads: int = 2,
    key_size: int = 3,
    d_mlp: int = 5,
    d_model: int = 10,
    max_seq_len: int = 5,
    causal: bool = False,
    numerical: bool = False,
    seed: int = 0,
) -> CompiledModel:
    rng = np.random.default_rng(seed)
    vocab = [1, 2, "a", (3, "b")]
    tokens = ["BOS", *vocab, "PAD"]
    encoder = InputEncoder({t: i for i, t in enumerate(tokens)}, "BOS", "PAD", max_seq_len)

    def dense(n_in: int, n_out: int) -> dict:
        return {
            "w": rng.normal(0, 1 / np.sqrt(max(n_in, 1)), (n_in, n_out)),
            "b": rng.normal(0, 0.1, n_out),
        }

    params = {
        "token_embed": {"embeddings": rng.normal(0, 1, (len(tokens), d_model))},
        "pos_embed": {"embeddings": rng.normal(0, 1, (max_seq_len + 1, d_model))},
    }
    for i in range(n_layers):
        p = f"transformer/layer_{i}"
        for name in ("query", "key", "value"):
            params[f"{p}/attn/{name}"] = dense(d_model, n_heads * key_size)
        params[f"{p}/attn/linear"] = dense(n_heads * key_size, d_model)
        params[f"{p}/mlp/linear_1"] = dense(d_model, d_mlp)
        params[f"{p}/mlp/linear_2"] = dense(d_mlp, d_model)
    n_out = 1 if numerical else 3
    unembedding = np.zeros((d_model, n_out))
    unembedding[d_model - n_out :, :] = np.eye(n_out)
    out_enc = NumericalOutputEncoder() if numerical else CategoricalOutputEncoder((0, "x", 2.5))
    config = ModelConfig(n_layers, n_heads, key_size, d_mlp, d_model, max_seq_len, causal)
    return CompiledModel(
        params=params,
        model_config=config,
        residual_labels=[f"dim:{j}" for j in range(d_model)],
        input_encoder=encoder,
        output_encoder=out_enc,
        unembedding=unembedding,
        layout=_layout(n_layers),
        program=f"random model, seed {seed}",
    )


def _layout(n_layers: int) -> Layout:
    blocks = tuple(
        BlockInfo(
            i,
            sub,
            f"node_{i}_{sub}",
            "aggregate" if sub == "attn" else "map",
            f"random {sub}",
            head=0 if sub == "attn" else None,
            hidden=None if sub == "attn" else (0, 1),
            reads=("dim:0",),
            writes=("dim:1",),
        )
        for i in range(n_layers)
        for sub in ("attn", "mlp")
    )
    nodes = (NodeInfo("tokens", "tokens", "sop", "categorical", (), "the input", "{1, 2}"),)
    return Layout(blocks=blocks, nodes=nodes, output="tokens")


def random_batch(model: CompiledModel, n: int, seed: int = 0) -> list[list]:
    """``n`` random token lists of random lengths 1..max_seq_len (BOS first)."""
    rng = np.random.default_rng(seed)
    vocab = model.input_encoder.vocab
    max_len = model.model_config.max_seq_len
    return [
        ["BOS"] + [vocab[j] for j in rng.integers(0, len(vocab), rng.integers(1, max_len + 1))]
        for _ in range(n)
    ]


@pytest.fixture(params=SHAPES, ids=SHAPE_IDS)
def any_model(request) -> CompiledModel:
    layers, heads, dk, d_mlp, d_model, max_len, causal, numerical = request.param
    return random_model(layers, heads, dk, d_mlp, d_model, max_len, causal, numerical, seed=3)


@pytest.fixture(autouse=True, scope="session")
def _torch_single_thread():
    """These tensors are tiny: torch's intra-op threads only add overhead (4x on 2 busy cores)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def make_model():
    """The ``random_model`` factory, for tests that need a particular shape."""
    return random_model


@pytest.fixture
def make_batch():
    """The ``random_batch`` factory."""
    return random_batch


def assert_trace_close(trace: dict, ref, atol: float = 1e-5) -> None:
    """Every sublayer of a backend's trace (numpy arrays) equals the numpy model's."""
    np.testing.assert_allclose(trace["input_embeddings"], ref.input_embeddings, atol=atol)
    assert len(trace["layer_outputs"]) == len(ref.layer_outputs)
    for i, (got, want) in enumerate(zip(trace["layer_outputs"], ref.layer_outputs, strict=True)):
        np.testing.assert_allclose(got, want, atol=atol, err_msg=f"layer output {i}")
    for i, (got, want) in enumerate(zip(trace["residuals"], ref.residuals, strict=True)):
        np.testing.assert_allclose(got, want, atol=atol, err_msg=f"residual {i}")
    for i, (got, want) in enumerate(zip(trace["attn_patterns"], ref.attn_patterns, strict=True)):
        np.testing.assert_allclose(got, want, atol=atol, err_msg=f"pattern {i}")
    for i, (got, want) in enumerate(zip(trace["attn_logits"], ref.attn_logits, strict=True)):
        finite = np.isfinite(want)
        np.testing.assert_array_equal(np.isfinite(got), finite, err_msg=f"logit mask {i}")
        np.testing.assert_allclose(got[finite], want[finite], atol=atol, rtol=1e-6)
    np.testing.assert_allclose(trace["logits"], ref.logits, atol=atol)


@pytest.fixture
def check_trace():
    return assert_trace_close


def assert_decoded_equal(got: list, want: list, rel: float = 1e-6) -> None:
    """Decoded outputs agree: equal values, floats (numerical outputs) to ``rel``."""
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if isinstance(g, list):
            assert_decoded_equal(g, w, rel)
        elif isinstance(w, float) and not isinstance(g, str):
            assert g == pytest.approx(w, rel=rel, abs=rel), (got, want)
        else:
            assert g == w, (got, want)


@pytest.fixture
def check_decoded():
    return assert_decoded_equal


def pytest_collection_modifyitems(items) -> None:
    # The random look-alikes are not compiled, so their exactness in float32 was never
    # checked: converting them warns (PrecisionWarning). These tests are about the backends
    # computing what the numpy model computes; test_precision_gate.py checks the warning.
    for item in items:
        if "tests/backends/" in str(item.fspath) and "precision_gate" not in str(item.fspath):
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::tracr.errors.PrecisionWarning"))
