"""SPEC 2b, end to end: the TransformerLens tracr demo's pattern runs on our compiled model.

The demo compiles ``reverse``, builds a TransformerLens config from ``model.model_config``
and the shapes of ``model.params``, ports the weights by their reference names (query/key/
value ``w`` reshaped to [n_heads, d_model, d_head], ``W_E`` from ``token_embed``, ``W_pos``
from ``pos_embed``, ``W_U`` an identity onto the first residual dimensions, where the output
SOp ``aggregate_*`` sorts first), runs ``run_with_cache``, decodes argmax ids with
``model.output_encoder.decode`` and compares every sublayer with ``model.apply``. The one line
that depends on the installed transformer-lens is building the model from config and state
dict: ``HookedTransformer`` on 3.x, the native ``TransformerBridge`` on 4.x (which removed
HookedTransformer).
"""

from __future__ import annotations

import importlib.metadata

import einops
import numpy as np
import torch

from tracr.compiler import compiling
from tracr.rasp import rasp

BOS = "BOS"


def _compile():
    length = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE))
    opp_index = length - rasp.indices - 1
    flip = rasp.Select(rasp.indices, opp_index, rasp.Comparison.EQ)
    reverse = rasp.Aggregate(flip, rasp.tokens)
    return compiling.compile_rasp_to_model(reverse, vocab={1, 2, 3}, max_seq_len=5,
                                           compiler_bos=BOS)


def _demo_config(model) -> dict:
    """The demo's HookedTransformerConfig arguments, read as the demo reads them."""
    return dict(
        n_layers=model.model_config.num_layers,
        d_model=model.params["token_embed"]["embeddings"].shape[1],
        d_head=model.model_config.key_size,
        n_ctx=model.params["pos_embed"]["embeddings"].shape[0],
        d_vocab=model.params["token_embed"]["embeddings"].shape[0],
        d_vocab_out=model.params["token_embed"]["embeddings"].shape[0] - 2,
        d_mlp=model.model_config.mlp_hidden_size,
        n_heads=model.model_config.num_heads,
        act_fn="relu",
        attention_dir="causal" if model.model_config.causal else "bidirectional",
        normalization_type="LN" if model.model_config.layer_norm else None,
    )


def _demo_state_dict(model, cfg: dict) -> dict:
    n_heads, d_head = cfg["n_heads"], cfg["d_head"]
    sd = {
        "pos_embed.W_pos": model.params["pos_embed"]["embeddings"],
        "embed.W_E": model.params["token_embed"]["embeddings"],
        "unembed.W_U": np.eye(cfg["d_model"], cfg["d_vocab_out"]),
    }
    for layer in range(cfg["n_layers"]):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        for name, tl in (("key", "K"), ("query", "Q"), ("value", "V")):
            sd[f"blocks.{layer}.attn.W_{tl}"] = einops.rearrange(
                model.params[f"{attn}/{name}"]["w"],
                "d_model (n_heads d_head) -> n_heads d_model d_head",
                d_head=d_head, n_heads=n_heads,
            )
            sd[f"blocks.{layer}.attn.b_{tl}"] = einops.rearrange(
                model.params[f"{attn}/{name}"]["b"], "(n_heads d_head) -> n_heads d_head",
                d_head=d_head, n_heads=n_heads,
            )
        sd[f"blocks.{layer}.attn.W_O"] = einops.rearrange(
            model.params[f"{attn}/linear"]["w"],
            "(n_heads d_head) d_model -> n_heads d_head d_model", d_head=d_head, n_heads=n_heads,
        )
        sd[f"blocks.{layer}.attn.b_O"] = model.params[f"{attn}/linear"]["b"]
        sd[f"blocks.{layer}.mlp.W_in"] = model.params[f"{mlp}/linear_1"]["w"]
        sd[f"blocks.{layer}.mlp.b_in"] = model.params[f"{mlp}/linear_1"]["b"]
        sd[f"blocks.{layer}.mlp.W_out"] = model.params[f"{mlp}/linear_2"]["w"]
        sd[f"blocks.{layer}.mlp.b_out"] = model.params[f"{mlp}/linear_2"]["b"]
    return {k: torch.tensor(np.array(v)) for k, v in sd.items()}


def _tl_model(cfg: dict, sd: dict):
    major = int(importlib.metadata.version("transformer-lens").split(".")[0])
    if major < 4:  # the demo verbatim
        from transformer_lens import HookedTransformer, HookedTransformerConfig

        tl_model = HookedTransformer(HookedTransformerConfig(**cfg))
        tl_model.load_state_dict(sd, strict=False)
        return tl_model
    from transformer_lens.config import TransformerBridgeConfig
    from transformer_lens.model_bridge import TransformerBridge
    from transformer_lens.utilities.tl_checkpoint_conversion import convert_tl_checkpoint

    bridge_cfg = TransformerBridgeConfig(**cfg, architecture="TransformerLensNative",
                                         dtype=torch.float64)
    bridge = TransformerBridge.boot_native(bridge_cfg, dtype=torch.float64)
    sd = {k: v.to(torch.float64) for k, v in sd.items()}
    sd["unembed.b_U"] = torch.zeros(cfg["d_vocab_out"], dtype=torch.float64)
    bridge.load_state_dict(convert_tl_checkpoint(sd, bridge_cfg), strict=False)
    return bridge


def test_the_transformer_lens_demo_runs_on_the_compiled_model():
    model = _compile()
    cfg = _demo_config(model)
    tl_model = _tl_model(cfg, _demo_state_dict(model, cfg))
    tl_model.eval()

    tokens = [BOS, 1, 2, 3]
    out = model.apply(tokens)
    assert out.decoded == [BOS, 3, 2, 1]

    ids = torch.tensor(model.input_encoder.encode(tokens)).unsqueeze(dim=0)
    logits, cache = tl_model.run_with_cache(ids)
    max_output_indices = logits.squeeze(dim=0).argmax(dim=-1)
    decoded = model.output_encoder.decode(max_output_indices.tolist())
    assert [model.input_encoder.bos_token] + decoded[1:] == out.decoded

    for layer in range(cfg["n_layers"]):
        attn_out = cache["attn_out", layer].detach().cpu().numpy()
        mlp_out = cache["mlp_out", layer].detach().cpu().numpy()
        assert np.isclose(attn_out, np.array(out.layer_outputs[2 * layer])).all()
        assert np.isclose(mlp_out, np.array(out.layer_outputs[2 * layer + 1])).all()


def test_the_output_sop_is_first_in_the_residual_stream_as_the_demo_assumes():
    model = _compile()
    assert [label.split(":")[1] for label in model.residual_labels[:3]] == ["1", "2", "3"]
    assert model.residual_labels[0].startswith("aggregate_")
    np.testing.assert_array_equal(model.unembedding, np.eye(len(model.residual_labels), 3))
