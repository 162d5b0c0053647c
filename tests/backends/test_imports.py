"""Backends and exports are leaves that import their framework only when called."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import tracr.backends.haiku, tracr.backends.torch
import tracr.export.safetensors, tracr.export.transformer_lens
heavy = [m for m in ("torch", "jax", "haiku", "transformer_lens") if m in sys.modules]
print(",".join(heavy))
"""


def test_importing_backends_loads_no_framework():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_backends_depend_only_on_model_and_errors():
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "tracr"
    allowed = ("tracr.model", "tracr.errors", "tracr.backends", "tracr.export")
    for folder in ("backends", "export"):
        for path in (root / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tracr"):
                    assert node.module.startswith(allowed), f"{path.name} imports {node.module}"
