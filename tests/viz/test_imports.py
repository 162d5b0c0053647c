"""tracr.viz is a leaf: it reads only tracr.model (and tracr.errors), imports matplotlib only
when drawing, and says which extra to install when matplotlib is missing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tracr.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parents[2]
VIZ = ROOT / "tracr" / "viz"
ALLOWED = ("tracr.model", "tracr.errors", "tracr.viz")


def imported_modules(path: Path) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import; TYPE_CHECKING blocks count as not top level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            top.add(id(stmt))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def test_viz_depends_only_on_the_model():
    files = sorted(VIZ.glob("**/*.py"))
    assert files
    for path in files:
        for module, at_top in imported_modules(path):
            if module.split(".")[0] == "tracr":
                assert module.startswith(ALLOWED), f"{path.name} imports {module}"
            if module.split(".")[0] == "matplotlib":
                assert not at_top, f"{path.name} imports matplotlib at import time"


def test_nothing_in_the_package_imports_viz():
    for path in sorted((ROOT / "tracr").glob("**/*.py")):
        if VIZ in path.parents or ROOT / "tracr" / "cli" in path.parents:  # the CLI offers reports
            continue
        modules = [m for m, _ in imported_modules(path)]
        assert not [m for m in modules if m.startswith("tracr.viz")], path


def test_importing_viz_does_not_import_matplotlib():
    code = "import sys, tracr.viz; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


def test_missing_matplotlib_names_the_extra(monkeypatch):
    import tracr.viz as viz

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'tracr\[viz\]'") as err:
        viz.program_graph(_tiny_model())
    assert isinstance(err.value, ImportError) and err.value.package == "matplotlib"


def _tiny_model():
    from tracr.compiler import compiling, lib

    return compiling.compile_rasp_to_model(lib.make_length(), {1}, 2)
