"""Pictures of a compiled model: a leaf of the pipeline that depends only on ``tracr.model``.

- ``residual_heatmaps(model, tokens)``: the residual stream after every sublayer, rows
  labelled and grouped by SOp, columns labelled with the tokens;
- ``attention_patterns(model, tokens)``: every head's pattern, titled with its expression;
- ``program_graph(model)``: the program graph, nodes placed by layer and sublayer;
- ``report_html(model, tokens, path)``: all of it in one offline HTML page;
- ``interactive_html(model, path)``: an offline page that runs the model in the browser (no
  matplotlib needed): type tokens, see the output, the stream, the heads and the graph.

matplotlib is the optional extra ``viz``; it is imported when a picture is drawn, so importing
this package costs nothing, and a missing matplotlib raises ``MissingDependencyError``.
Figures are returned; pass ``path=...png`` or ``...svg`` to also write them.
"""

from tracr.viz._common import VizError
from tracr.viz.attention import attention_patterns
from tracr.viz.graph import program_graph
from tracr.viz.page import interactive_html
from tracr.viz.report import report_html
from tracr.viz.residual import residual_heatmaps

__all__ = [
    "VizError",
    "attention_patterns",
    "interactive_html",
    "program_graph",
    "report_html",
    "residual_heatmaps",
]
