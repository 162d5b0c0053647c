"""The reference's ``craft_graph_to_model`` (adapter; the work is ``allocation``, via
``tracr.compiler.staged``).

``craft_graph_to_model(graph, sources)`` places every node's blocks in the earliest layer its
inputs allow and returns a craft ``SeriesWithResiduals`` (a ``StagedCraftModel``).
"""

from __future__ import annotations

from tracr.compiler.staged import StagedCraftModel, craft_graph_to_model

__all__ = ["StagedCraftModel", "craft_graph_to_model"]
