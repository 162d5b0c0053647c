"""Python SOURCEs (module:attr, file.py:fn) run user code: every failure is one line, exit 2."""

from __future__ import annotations

import sys

import pytest

from tracr.cli import main

MODULE = """
from tracr.rasp import rasp
def prog(n):
    return rasp.Map(lambda x: x + n, rasp.tokens)
def boom():
    raise RuntimeError("user bug")
def leave():
    raise SystemExit(3)
not_callable = 5
"""


@pytest.fixture()
def srcdir(tmp_path, monkeypatch):
    (tmp_path / "usermod_h13.py").write_text(MODULE)
    (tmp_path / "raises_h13.py").write_text("raise KeyError('at import')\n")
    (tmp_path / "json.py").write_text("raise SystemExit('shadowed!')\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in ("usermod_h13", "raises_h13"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("usermod_h13:prog(1, 2)", "'usermod_h13:prog(1, 2)': calling it raised TypeError"),
        ("usermod_h13:prog", "needs arguments (n)"),
        ("usermod_h13:boom", "calling it raised RuntimeError: user bug"),
        ("usermod_h13:leave", "calling it raised SystemExit: 3"),
        ("usermod_h13:not_callable(1)", "int is not callable"),
        (":prog", "'' is not a module name"),
        ("a b:prog", "'a b' is not a module name"),
        ("raises_h13.py:x", "'raises_h13.py': running it raised KeyError"),
        ("raises_h13:x", "'raises_h13': importing it raised KeyError"),
        ("no_such_module_h13:x", "cannot import 'no_such_module_h13'"),
        ("tracr.compiler.lib:make_length(3)", "calling it raised TypeError"),
    ],
)
def test_user_code_errors_are_one_line_with_status_2(srcdir, capsys, source, message):
    assert main(["compile", source, "--vocab", "1,2", "--max-seq-len", "2"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_the_working_directory_does_not_shadow_installed_modules(srcdir, capsys):
    # json.py in the working directory must not replace the standard library's json.
    assert main(["compile", "json:dumps", "--vocab", "1,2", "--max-seq-len", "2"]) == 2
    err = capsys.readouterr().err
    assert "needs arguments (obj)" in err and "shadowed" not in err
    assert str(srcdir) not in sys.path


def test_help_says_python_sources_run_code(capsys):
    assert main(["compile", "--help"]) == 0
    out = capsys.readouterr().out
    assert "imported and run with your rights" in out and "never run" in out
