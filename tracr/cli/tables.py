"""Text the ``tracr`` command prints: decoded values and residual-stream tables."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from tracr.model import precision

ZERO = 5e-7  # residual entries below this print as '.', so the one-hot structure shows
_STAGE = re.compile(r"(?:L|layer)?(\d+)(?:[.:/ ]?(attn|mlp))?", re.IGNORECASE)


def format_value(value: object) -> str:
    """Numbers to the decimals the compiler guarantees (``tracr.model.precision``)."""
    return precision.format_value(value)


def format_seq(values: Sequence) -> str:
    return " ".join(format_value(v) for v in values)


def stages(n_layers: int) -> list[str]:
    """Names of the residual stream's states: the embedding, then after each sublayer."""
    return ["embed"] + [f"L{i} {sub}" for i in range(n_layers) for sub in ("attn", "mlp")]


def select_stages(which: str | None, n_layers: int) -> list[int]:
    """Indices into ``stages`` for ``--layer``: all, embed, final, N (after layer N's MLP),
    N.attn or N.mlp."""
    names = stages(n_layers)
    if which is None or which == "all":
        return list(range(len(names)))
    if which in ("embed", "final"):
        return [0 if which == "embed" else len(names) - 1]
    match = _STAGE.fullmatch(which.strip())
    if match is None or int(match[1]) >= n_layers:
        raise ValueError(
            f"--layer {which!r}: choose all, embed, final, or a layer 0-"
            f"{n_layers - 1} as N, N.attn or N.mlp"
        )
    layer, sub = int(match[1]), (match[2] or "mlp").lower()
    return [1 + 2 * layer + (sub == "mlp")]


def format_entry(x: float) -> str:
    return "." if abs(x) < ZERO else f"{x:.3g}"


def residual_table(
    labels: Sequence[str], tokens: Sequence, stream: np.ndarray, nonzero: bool = False
) -> str:
    """Rows: residual labels; columns: ``position:token``; ``stream`` is [T, d_model]."""
    header = ["label"] + [f"{i}:{format_value(t)}" for i, t in enumerate(tokens)]
    rows = [
        [label] + [format_entry(float(x)) for x in stream[:, d]]
        for d, label in enumerate(labels)
        if not nonzero or np.any(np.abs(stream[:, d]) >= ZERO)
    ]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
