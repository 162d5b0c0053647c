"""examples/sort_unique_walkthrough.py runs and writes its pictures and report."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "sort_unique_walkthrough.py"


def test_walkthrough_writes_its_files(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("sort_unique_walkthrough", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.main([str(tmp_path / "out"), "--input", "4", "2", "5"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(files)
    for name, path in files.items():
        head = path.read_bytes()[:16]
        assert head.startswith(b"\x89PNG" if name.endswith(".png") else b"<!DOCTYPE html>")
    printed = capsys.readouterr().out
    assert "output  ['BOS', 2, 4, 5]" in printed and "L1 attn" in printed
