"""The folders are the pipeline and dependencies point one way (DESIGN.md), checked by reading
every module's imports."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tracr"

# What each part of tracr may import from tracr (besides itself and tracr.errors).
ALLOWED = {
    "errors": set(),
    "rasp": set(),
    "craft": set(),
    "model": set(),
    # compiler -> transformer: only assemble.get_compiled_model, lazily (the reference's API)
    "compiler": {"rasp", "craft", "model", "transformer"},
    "frontend": {"rasp"},
    "backends": {"model"},
    "transformer": {"model", "backends"},
    "export": {"model", "backends"},
    "viz": {"model"},
    "datasets": {"rasp", "compiler", "model", "frontend", "export"},
    "cli": {"rasp", "compiler", "model", "frontend", "export", "viz", "backends", "datasets"},
    "utils": set(),  # the reference's tracr.utils.errors: nothing from tracr but errors
}
OPTIONAL = {"torch", "jax", "jaxlib", "haiku", "transformer_lens", "matplotlib", "nnsight",
            "pyarrow", "ray"}


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node, node.module


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _part(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path):
    part = _part(path)
    for _, name in _imports(path):
        top = name.split(".")
        if top[0] != "tracr" or len(top) == 1:
            continue
        target = top[1]
        assert target in ALLOWED[part] | {part, "errors"}, (
            f"tracr/{path.relative_to(PACKAGE)} imports {name}: {part} may not depend on {target}"
        )


def _top_level_imports(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


# Private modules may import an optional library at top level (they hold the torch modules,
# say), as long as only functions import them; every other module stays import-light.
HEAVY = {
    _module_name(p)
    for p in MODULES
    if any(n.split(".")[0] in OPTIONAL for n in _top_level_imports(p))
}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_optional_extras_are_imported_lazily(path):
    if _module_name(path) in HEAVY:
        assert path.name.startswith("_") and path.name != "__init__.py", (
            f"{path.relative_to(PACKAGE)} imports an optional library at module level"
        )
        return
    for name in _top_level_imports(path):
        assert name not in HEAVY, (
            f"{path.relative_to(PACKAGE)} imports {name}, which needs an optional library, "
            "at module level"
        )


def test_core_import_loads_no_optional_library():
    import subprocess
    import sys

    code = (
        "import sys, tracr.rasp.rasp, tracr.compiler.compiling, tracr.compiler.lib, "
        "tracr.model, tracr.export.safetensors, tracr.backends.torch, tracr.viz, tracr.cli, "
        "tracr.datasets, tracr.frontend;"
        f"print(sorted(m for m in {sorted(OPTIONAL)!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_part_is_known():
    parts = {_part(p) for p in PACKAGE.rglob("*.py")} - {"__init__", "__main__", "version"}
    assert parts <= set(ALLOWED), f"unknown parts of tracr: {parts - set(ALLOWED)}"
