"""SPEC 2b, the staged pipeline: each stage of the reference callable on its own, on networkx
graphs of ``Node`` dicts, giving the same model as ``compile_rasp_to_model`` with the
reference's layout (``layout="reference"``: one construction per expression)."""

import networkx as nx
import numpy as np
import pytest

from tracr.compiler import (
    assemble,
    basis_inference,
    compiling,
    craft_graph_to_model,
    craft_model_to_transformer,
    expr_to_craft_graph,
    lib,
    lib_catalog,
    nodes,
    rasp_to_graph,
    staged,
)
from tracr.compiler.lookahead import LookaheadWarning
from tracr.craft import bases
from tracr.craft.transformers import MLP, SeriesWithResiduals
from tracr.craft.vectorspace_fns import Linear
from tracr.errors import CompilerError, UnsupportedExprError
from tracr.rasp import rasp

BOS, PAD = "BOS", "PAD"


def _stages(program, vocab, max_seq_len, causal=False):
    extracted = rasp_to_graph.extract_rasp_graph(program)
    graph, sink, sources = extracted.graph, extracted.sink, extracted.sources
    basis_inference.infer_bases(graph, sink, vocab, max_seq_len)
    expr_to_craft_graph.add_craft_components_to_rasp_graph(
        graph, bos_dir=bases.BasisDirection(rasp.tokens.label, BOS), causal=causal
    )
    craft_model = craft_graph_to_model.craft_graph_to_model(graph, sources)
    return extracted, craft_model_to_transformer.craft_model_to_transformer(
        craft_model, graph, sink, max_seq_len, BOS, PAD, causal
    )


def test_node_keys_and_types():
    assert (nodes.ID, nodes.EXPR, nodes.VALUE_SET, nodes.OUTPUT_BASIS, nodes.MODEL_BLOCK) == (
        "ID", "EXPR", "VALUE_SET", "OUTPUT_BASIS", "MODEL_BLOCK"
    )
    assert nodes.Node.__origin__ is dict and nodes.NodeID is str


def test_extract_rasp_graph_gives_labelled_node_dicts():
    program = lib.make_length()
    out = rasp_to_graph.extract_rasp_graph(program)
    assert isinstance(out.graph, nx.DiGraph)
    assert out.sink[nodes.ID] == program.label and out.sink[nodes.EXPR] is program
    assert [s[nodes.ID] for s in out.sources] == ["tokens"]
    select = program.children[0]
    assert set(out.graph.nodes) == {program.label, select.label, "tokens"}
    assert out.graph.has_edge(select.label, program.label)
    assert out.graph.has_edge("tokens", select.label)


def test_infer_bases_fills_value_sets_and_output_bases():
    program = lib.make_length()
    out = rasp_to_graph.extract_rasp_graph(program)
    basis_inference.infer_bases(out.graph, out.sink, {"a", "b"}, 4)
    assert out.graph.nodes["tokens"][nodes.VALUE_SET] == {"a", "b"}
    assert out.sink[nodes.VALUE_SET] == {0, 1, 2, 3, 4}
    assert out.sink[nodes.OUTPUT_BASIS] == [
        bases.BasisDirection(program.label, v) for v in range(5)
    ]


PROGRAMS = [  # dyck2 compiles for seconds: slow
    pytest.param(n, marks=pytest.mark.slow) if n == "dyck2" else n
    for n in lib_catalog.NAMES + lib_catalog.PAPER_NAMES
]


@pytest.mark.parametrize("name", PROGRAMS)
def test_stages_give_the_compiled_model(name):
    case = lib_catalog.build(name, vocab_size=3, max_seq_len=4)
    want = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len,
                                           compiler_bos=BOS, compiler_pad=PAD,
                                           layout="reference")
    _, got = _stages(case.program, case.vocab, case.max_seq_len)
    assert got.residual_labels == want.residual_labels
    assert got.model_config == want.model_config
    assert set(got.params) == set(want.params)
    for key, layer in want.params.items():
        for name_, array in layer.items():
            np.testing.assert_array_equal(got.params[key][name_], array, err_msg=key)
    np.testing.assert_array_equal(got.unembedding, want.unembedding)
    inputs = [[BOS, *xs] for xs in case.random_inputs(5, seed=1)]
    assert got.apply_batch(inputs).decoded == want.apply_batch(inputs).decoded


def test_causal_stages_give_the_causal_model():
    program = lib.make_frac_prevs(rasp.tokens == 1)
    want = compiling.compile_rasp_to_model(program, {0, 1}, 4, causal=True, compiler_bos=BOS,
                                           compiler_pad=PAD, layout="reference")
    _, got = _stages(program, {0, 1}, 4, causal=True)
    assert got.model_config.causal
    assert got.apply([BOS, 1, 0, 1]).decoded == want.apply([BOS, 1, 0, 1]).decoded


def test_a_replaced_model_block_is_used():
    """A user swaps a Map's MLP for one computing another function."""
    program = rasp.Map(lambda x: x + 1, rasp.tokens).named("plus")
    out = rasp_to_graph.extract_rasp_graph(program)
    basis_inference.infer_bases(out.graph, out.sink, {0, 1}, 3)
    expr_to_craft_graph.add_craft_components_to_rasp_graph(out.graph)
    assert isinstance(out.sink[nodes.MODEL_BLOCK], MLP)
    in_space = bases.VectorSpaceWithBasis(out.graph.nodes["tokens"][nodes.OUTPUT_BASIS])
    out_space = bases.VectorSpaceWithBasis(out.sink[nodes.OUTPUT_BASIS])  # plus:1, plus:2
    hidden = bases.VectorSpaceWithBasis.from_values("swapped_hidden", [0, 1])
    out.sink[nodes.MODEL_BLOCK] = MLP(  # tokens:0 -> plus:2, tokens:1 -> plus:1
        Linear(in_space, hidden, np.eye(2)), Linear(hidden, out_space, [[0, 1], [1, 0]])
    )
    craft = craft_graph_to_model.craft_graph_to_model(out.graph, out.sources)
    model = craft_model_to_transformer.craft_model_to_transformer(
        craft, out.graph, out.sink, 3, "compiler_bos", "compiler_pad"
    )
    assert model.apply(["compiler_bos", 0, 1, 1]).decoded == ["compiler_bos", 2, 1, 1]


def test_an_edited_value_set_is_read():
    program = rasp.Map(lambda x: x + 1, rasp.tokens)
    out = rasp_to_graph.extract_rasp_graph(program)
    basis_inference.infer_bases(out.graph, out.sink, {0, 1}, 3)
    out.sink[nodes.VALUE_SET] = {1, 2, 7}
    expr_to_craft_graph.add_craft_components_to_rasp_graph(out.graph)
    block = out.sink[nodes.MODEL_BLOCK]
    assert bases.BasisDirection(program.label, 7) in block.snd.output_space.basis


def test_selector_width_block_is_a_series():
    out = rasp_to_graph.extract_rasp_graph(lib.make_length())
    basis_inference.infer_bases(out.graph, out.sink, {0}, 3)
    expr_to_craft_graph.add_craft_components_to_rasp_graph(out.graph)
    assert isinstance(out.sink[nodes.MODEL_BLOCK], SeriesWithResiduals)


def test_stages_out_of_order_say_which_come_first():
    out = rasp_to_graph.extract_rasp_graph(lib.make_length())
    with pytest.raises(CompilerError, match="extract_rasp_graph, infer_bases"):
        expr_to_craft_graph.add_craft_components_to_rasp_graph(out.graph)
    with pytest.raises(CompilerError, match="needs a graph from rasp_to_graph"):
        basis_inference.infer_bases(nx.DiGraph(), {}, {1}, 3)


def test_a_foreign_one_direction_is_refused():
    out = rasp_to_graph.extract_rasp_graph(lib.make_length())
    basis_inference.infer_bases(out.graph, out.sink, {0}, 3)
    with pytest.raises(CompilerError, match="one_dir must be"):
        expr_to_craft_graph.add_craft_components_to_rasp_graph(
            out.graph, one_dir=bases.BasisDirection("uno")
        )


def test_bad_value_arguments():
    out = rasp_to_graph.extract_rasp_graph(lib.make_length())
    with pytest.raises(CompilerError, match="max_seq_len must be an integer"):
        basis_inference.infer_bases(out.graph, out.sink, {0}, 0)
    with pytest.raises(CompilerError, match="hashable"):
        basis_inference.infer_bases(out.graph, out.sink, [[0]], 3)


def test_a_model_block_of_the_wrong_shape_is_refused():
    out = rasp_to_graph.extract_rasp_graph(rasp.Map(lambda x: x + 1, rasp.tokens))
    basis_inference.infer_bases(out.graph, out.sink, {0, 1}, 3)
    expr_to_craft_graph.add_craft_components_to_rasp_graph(out.graph)
    block = out.sink[nodes.MODEL_BLOCK]
    out.sink[nodes.MODEL_BLOCK] = SeriesWithResiduals([block, block])
    with pytest.raises(CompilerError, match="must be an MLP, an AttentionHead, or a"):
        craft_graph_to_model.craft_graph_to_model(out.graph, out.sources)


def test_the_craft_stage_refuses_what_compile_refuses():
    program = rasp.numerical(rasp.Aggregate(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT), rasp.numerical(rasp.tokens)
    ))
    out = rasp_to_graph.extract_rasp_graph(program)
    basis_inference.infer_bases(out.graph, out.sink, {0, 1}, 3)
    with pytest.raises(UnsupportedExprError) as staged_error:
        expr_to_craft_graph.add_craft_components_to_rasp_graph(out.graph)
    with pytest.raises(UnsupportedExprError) as compile_error:
        compiling.compile_rasp_to_model(program, {0, 1}, 3)
    assert staged_error.value.problems == compile_error.value.problems
    assert program.label in str(staged_error.value)


def test_extract_output_type_is_importable_from_rasp_to_graph():
    out = rasp_to_graph.extract_rasp_graph(lib.make_length())
    assert isinstance(out, rasp_to_graph.ExtractRaspGraphOutput)


def test_infer_bases_on_the_compilers_own_graph_is_infer_value_sets():
    graph = rasp_to_graph.trace(lib.make_length())
    got = basis_inference.infer_bases(graph, frozenset({0}), 3, False)
    want = basis_inference.infer_value_sets(graph, frozenset({0}), 3, False)
    assert got == want


def test_a_causal_craft_stage_warns_about_lookahead_like_compile():
    out = rasp_to_graph.extract_rasp_graph(lib.make_reverse(rasp.tokens))
    basis_inference.infer_bases(out.graph, out.sink, {1, 2}, 3)
    with pytest.warns(LookaheadWarning, match="looks ahead"):
        expr_to_craft_graph.add_craft_components_to_rasp_graph(out.graph, causal=True)


@pytest.mark.parametrize("name", ["reverse", "sort", "frac_prevs", "hist"])
def test_a_plain_series_of_the_same_blocks_assembles_to_an_equal_model(name):
    """assemble_craft_model on a SeriesWithResiduals it did not build: block after block."""
    case = lib_catalog.build(name, vocab_size=3, max_seq_len=4)
    extracted, want = _stages(case.program, case.vocab, case.max_seq_len)
    craft = craft_graph_to_model.craft_graph_to_model(extracted.graph, extracted.sources)
    plain = SeriesWithResiduals(list(craft.blocks))
    tokens, indices, output = staged.spaces_for(extracted.graph, extracted.sink,
                                                case.max_seq_len, BOS, PAD)
    got = assemble.assemble_craft_model(plain, tokens, indices, output,
                                        rasp.is_categorical(case.program),
                                        compiler_bos=BOS, compiler_pad=PAD)
    assert not isinstance(plain, craft_graph_to_model.StagedCraftModel)
    assert got.model_config.num_layers == want.model_config.num_layers
    inputs = [[BOS, *xs] for xs in case.random_inputs(8, seed=2)]
    assert got.apply_batch(inputs).decoded == want.apply_batch(inputs).decoded
