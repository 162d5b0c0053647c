"""SPEC 2b, ``tracr.compiler.assemble``: the model ``compile_rasp_to_model`` returns, what
``apply`` gives (``unembedded`` = argmax ids), the encoders, and ``assemble_craft_model``."""

import numpy as np
import pytest

from tracr.compiler import assemble, compiling, lib
from tracr.craft import bases
from tracr.craft.transformers import MLP, SeriesWithResiduals
from tracr.craft.vectorspace_fns import Linear
from tracr.errors import CompilerError, ModelInputError
from tracr.model import CompiledModel
from tracr.rasp import rasp
from tracr.transformer import encoder

BOS = "BOS"


@pytest.fixture(scope="module")
def reverse():
    return compiling.compile_rasp_to_model(lib.make_reverse(rasp.tokens), {1, 2, 3}, 5,
                                           compiler_bos=BOS)


@pytest.fixture(scope="module")
def frac():
    return compiling.compile_rasp_to_model(lib.make_frac_prevs(rasp.tokens == 1), {0, 1}, 4,
                                           compiler_bos=BOS)


def test_compile_returns_an_assembled_model(reverse):
    assert isinstance(reverse, assemble.AssembledTransformerModel)
    assert isinstance(reverse, CompiledModel)  # every extra: apply_batch, layout, ...
    for field in ("forward", "get_compiled_model", "params", "model_config",
                  "residual_labels", "input_encoder", "output_encoder", "apply"):
        assert hasattr(reverse, field), field
    assert assemble.AssembledTransformerModelOutput is type(reverse.apply([BOS, 1]))


def test_unembedded_holds_argmax_ids_that_decode(reverse):
    out = reverse.apply([BOS, 1, 2, 3])
    assert out.decoded == [BOS, 3, 2, 1]
    assert out.unembedded.shape == (1, 4) and out.unembedded.dtype.kind == "i"
    np.testing.assert_array_equal(out.unembedded, out.logits.argmax(-1))
    assert out.logits.shape == (1, 4, 3)
    ids = out.unembedded[0].tolist()
    assert reverse.output_encoder.decode(ids)[1:] == [3, 2, 1]  # the demo's pattern
    assert reverse.output_encoder.encode([3, 2, 1]) == ids[1:]


def test_reference_output_fields(reverse):
    out = reverse.apply([BOS, 1, 2])
    n = reverse.model_config.num_layers
    assert len(out.layer_outputs) == len(out.residuals) == 2 * n
    assert len(out.attn_logits) == n
    d_model = len(reverse.residual_labels)
    assert out.transformer_output.shape == out.input_embeddings.shape == (1, 3, d_model)
    np.testing.assert_array_equal(out.transformer_output, out.residuals[-1])


def test_numerical_unembedded_holds_the_numbers(frac):
    out = frac.apply([BOS, 1, 0, 1])
    assert out.unembedded.shape == (1, 4)
    np.testing.assert_allclose(out.unembedded[0, 1:], [1, 0.5, 2 / 3])
    assert frac.output_encoder.decode(out.unembedded[0, 1:]) == pytest.approx([1, 0.5, 2 / 3])
    assert isinstance(frac.output_encoder, encoder.NumericalEncoder)


def test_input_encoder_gives_ids(reverse):
    enc = reverse.input_encoder
    ids = enc.encode([BOS, 3, 1])
    assert ids == [enc.encoding_map[t] for t in (BOS, 3, 1)]
    assert enc.decode(ids) == [BOS, 3, 1]
    assert enc.bos_token == BOS and enc.bos_encoding == enc.encoding_map[BOS]
    assert enc.pad_encoding == enc.encoding_map[enc.pad_token]
    assert enc.vocab_size == 5
    assert isinstance(enc, encoder.CategoricalEncoder)
    assert isinstance(reverse.output_encoder, encoder.CategoricalEncoder)


def test_decode_refuses_logits_and_unknown_ids(reverse):
    with pytest.raises(ModelInputError, match="output id 7 is not one of the 3 output ids"):
        reverse.output_encoder.decode([7])
    with pytest.raises(ModelInputError, match="decode takes ids"):
        reverse.output_encoder.decode([0.5])


def test_model_config_has_the_reference_attributes(reverse):
    c = reverse.model_config
    p = reverse.params
    assert p["transformer/layer_0/attn/query"]["w"].shape[1] == c.num_heads * c.key_size
    assert p["transformer/layer_0/mlp/linear_1"]["w"].shape[1] == c.mlp_hidden_size
    assert f"transformer/layer_{c.num_layers - 1}/mlp/linear_2" in p
    assert f"transformer/layer_{c.num_layers}/mlp/linear_2" not in p
    assert c.dropout_rate == 0.0 and c.layer_norm is False and c.causal is False
    np.testing.assert_array_equal(c.activation_function(np.array([-1.0, 2.0])), [0.0, 2.0])


def test_forward_in_the_reference_form(reverse):
    ids = np.array([reverse.input_encoder.encode([BOS, 1, 2, 3])])
    out = reverse.forward(reverse.params, ids)
    np.testing.assert_array_equal(out.unembedded, reverse.apply([BOS, 1, 2, 3]).unembedded)
    tout = out.transformer_output
    want = reverse.apply([BOS, 1, 2, 3])
    np.testing.assert_array_equal(tout.output, want.transformer_output)
    assert len(tout.layer_outputs) == len(want.layer_outputs)
    zeroed = {k: {n: np.zeros_like(a) for n, a in v.items()} for k, v in reverse.params.items()}
    assert not np.array_equal(reverse.forward(zeroed, ids).transformer_output, tout.output)


def _hand_built():
    tokens = bases.VectorSpaceWithBasis.from_values("tokens", [0, 1])
    out_space = bases.VectorSpaceWithBasis.from_values("flip", [0, 1])
    hidden = bases.VectorSpaceWithBasis.from_values("flip_hidden", [0, 1])
    mlp = MLP(Linear(tokens, hidden, np.eye(2)), Linear(hidden, out_space, [[0, 1], [1, 0]]))
    return SeriesWithResiduals([mlp]), out_space


def test_assemble_a_hand_built_craft_model():
    craft, out_space = _hand_built()
    tokens = bases.VectorSpaceWithBasis.from_values("tokens", [0, 1, "compiler_bos",
                                                               "compiler_pad"])
    indices = bases.VectorSpaceWithBasis.from_values("indices", range(3))
    model = assemble.assemble_craft_model(craft, tokens, indices, out_space, True)
    assert isinstance(model, assemble.AssembledTransformerModel)
    out = model.apply(["compiler_bos", 0, 1, 1])
    assert out.decoded == ["compiler_bos", 1, 0, 0]


def test_assemble_needs_bos_and_pad_in_the_tokens():
    craft, out_space = _hand_built()
    tokens = bases.VectorSpaceWithBasis.from_values("tokens", [0, 1])
    indices = bases.VectorSpaceWithBasis.from_values("indices", range(3))
    with pytest.raises(CompilerError, match="tokens_space has no compiler_bos token"):
        assemble.assemble_craft_model(craft, tokens, indices, out_space, True)


def test_a_loaded_model_gets_get_compiled_model(reverse):
    plain = CompiledModel(reverse.params, reverse.model_config, reverse.residual_labels,
                          reverse.input_encoder, reverse.output_encoder, reverse.unembedding)
    again = assemble.AssembledTransformerModel.of(plain)
    assert again.apply([BOS, 1, 2]).decoded == reverse.apply([BOS, 1, 2]).decoded
    assert callable(again.get_compiled_model)
