"""The reference's ``expr_to_craft_graph`` (adapter; the work is ``graph_to_craft``, via
``tracr.compiler.staged``).

``add_craft_components_to_rasp_graph(graph, bos_dir, one_dir, causal, mlp_exactness)`` puts
each SOp's craft block under ``MODEL_BLOCK``. ``mlp_exactness`` defaults to None, as in
``compile_rasp_to_model``: the step sharpness then follows from the values to tell apart.
"""

from __future__ import annotations

from tracr.compiler.staged import add_craft_components_to_rasp_graph

__all__ = ["add_craft_components_to_rasp_graph"]
