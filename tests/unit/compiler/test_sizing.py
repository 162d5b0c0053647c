"""``sizing.estimated_size`` counts exactly what ``compile_rasp_to_model`` builds."""

from __future__ import annotations

import pytest

from tracr.compiler import (
    basis_inference,
    compiling,
    graph_to_craft,
    lib_catalog,
    rasp_to_graph,
    selectors,
    sizing,
)
from tracr.craft.bases import BasisDirection


@pytest.mark.parametrize("layout", ["reference", "economical"])
@pytest.mark.parametrize("name", ["reverse", "sort_unique", "frac_prevs", "dyck1", "hist"])
def test_estimate_equals_the_compiled_size(name, layout):
    case = lib_catalog.build(name, 4, 6)
    model = compiling.compile_rasp_to_model(case.program, case.vocab, 6, layout=layout)
    graph = selectors.flatten_selectors(rasp_to_graph.trace(case.program))
    agraph = basis_inference.infer_value_sets(graph, frozenset(case.vocab), 6, False)
    settings = graph_to_craft.CraftSettings(
        bos=BasisDirection("tokens", compiling.COMPILER_BOS),
        coldness=graph_to_craft.coldness_for(6), mlp_exactness=None, causal=False,
        layout=layout,
    )
    layers, params = sizing.estimated_size(agraph, settings, compiling.COMPILER_BOS,
                                           compiling.COMPILER_PAD)
    assert layers == model.model_config.num_layers
    assert params == sum(a.size for p in model.params.values() for a in p.values())
