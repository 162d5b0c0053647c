"""Text renderings of a compiled model: what sits in the residual stream and where each
expression is computed. Used by golden tests, ``tracr show`` and the HTML report."""

from __future__ import annotations

from itertools import groupby

from tracr.model.model import CompiledModel


def residual_layout_text(model: CompiledModel) -> str:
    """One line per residual subspace: its name and the values of its directions."""
    lines = []
    names = [lab.split(":", 1)[0] for lab in model.residual_labels]
    for name, group in groupby(zip(names, model.residual_labels, strict=True), key=lambda t: t[0]):
        labels = [lab for _, lab in group]
        values = [lab.split(":", 1)[1] for lab in labels if ":" in lab]
        lines.append(f"{name}: {', '.join(values)}" if values else name)
    return "\n".join(lines)


def allocation_text(model: CompiledModel) -> str:
    """Layer by layer: the heads and MLPs and the expression each computes."""
    cfg = model.model_config
    lines = [
        f"layers {cfg.num_layers}  heads {cfg.num_heads}  key_size {cfg.key_size}  "
        f"d_model {cfg.d_model}  mlp_hidden {cfg.mlp_hidden_size}  causal {cfg.causal}"
    ]
    for layer in range(cfg.num_layers):
        for sub in ("attn", "mlp"):
            for b in model.layout.blocks_in(layer, sub):
                where = f"head {b.head}" if sub == "attn" else f"hidden {b.hidden[0]}:{b.hidden[1]}"
                lines.append(f"L{layer} {sub:4} {where:16} {b.label} = {b.description}")
    lines.append(f"output: {model.layout.output}")
    return "\n".join(lines)


def program_text(model: CompiledModel) -> str:
    """The program graph, children first: each node with its place and value set."""
    lines = []
    for n in model.layout.nodes:
        where = "embed" if n.layer is None else f"L{n.layer} {n.sublayer}"
        if n.layer is None and n.kind not in ("tokens", "indices", "full", "constant_sop"):
            where = "-"  # a selector, or computed inside its reader's block (economical)
        enc = f" [{n.encoding}]" if n.encoding else ""
        lines.append(f"{n.label}{enc} = {n.description}  @ {where}  {n.values}".rstrip())
    return "\n".join(lines)


def model_text(model: CompiledModel) -> str:
    return "\n\n".join([
        "# program", program_text(model),
        "# layers", allocation_text(model),
        "# residual stream", residual_layout_text(model),
    ])
