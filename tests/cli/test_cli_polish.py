"""``tracr list``, the functions ``tracr show`` prints, and ``run -f`` line by line."""

from __future__ import annotations

import io
import textwrap

import pytest

from tracr.cli import main
from tracr.cli.functions import function_text, functions_text
from tracr.compiler import compiling, lib, lib_catalog
from tracr.export import safetensors
from tracr.rasp import rasp


def _fails(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("tracr: error: ")
    return err


# --- list ---------------------------------------------------------------------------------


def test_list_names_every_library_program_with_its_defaults(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["SOURCE", "FROM", "VOCABULARY", "MAX_LEN", "COMPUTES"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {f"lib:{n}" for n in lib_catalog.NAMES + lib_catalog.PAPER_NAMES}
    assert rows["lib:reverse"][1:4] == ["lib", "0,1,2,3,4", "5"]
    assert rows["lib:dyck2"][1:4] == ["paper_lib", "(,),a,{,}", "5"]
    assert all(n in lib_catalog.SUMMARIES for n in lib_catalog.NAMES + lib_catalog.PAPER_NAMES)


def test_a_listed_vocabulary_is_what_vocab_takes(capsys):
    assert main(["list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("lib:pair_balance "))
    vocab = row.split()[2]
    assert main(["run", "lib:pair_balance", "--vocab", vocab, "(", "a", ")"]) == 0


# --- show: the functions ------------------------------------------------------------------

PROGRAM = '''\
from tracr.rasp import rasp

OFFSET = 3


def shifted(x):
    """A named function, several lines long."""
    y = x + OFFSET
    return y


def make():
    base = 10
    a = rasp.Map(shifted, rasp.tokens).named("a")
    b = rasp.Map(lambda x: x * base, a, simplify=False).named("b")
    return rasp.SequenceMap(lambda x, y: x - y, b, rasp.indices).named("c")
'''


def test_show_prints_each_map_function_with_its_source(capsys, tmp_path):
    (tmp_path / "prog.py").write_text(PROGRAM)
    argv = ["show", f"{tmp_path / 'prog.py'}:make", "--vocab", "1,2", "--max-seq-len", "3"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    functions = out.split("# functions\n", 1)[1]
    assert "a_" in functions and "= Map of tokens: def shifted(x):" in functions
    assert "    y = x + OFFSET" in functions
    assert "= Map of a_" in functions and "lambda x: x * base" in functions
    assert "where base=10" in functions
    assert "= SequenceMap of b_" in functions and "lambda x, y: x - y" in functions


def test_show_of_a_model_file_says_it_has_no_functions(capsys, tmp_path):
    model = compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3)
    safetensors.save(model, tmp_path / "m.safetensors")
    assert main(["show", str(tmp_path / "m.safetensors")]) == 0
    assert "# functions\n(a model file keeps no Python functions" in capsys.readouterr().out


def test_function_text_without_source():
    assert function_text(abs) == "abs (no Python source available)"
    scope: dict = {}
    exec("def typed(x):\n    return x", scope)  # no file behind it
    assert function_text(scope["typed"]) == "typed (no Python source available)"


def test_function_text_of_a_fused_chain_lists_its_steps():
    double = rasp.Map(lambda x: x * 2, rasp.tokens)
    fused = rasp.Map(lambda x: x + 1, double)
    text = function_text(fused.f)
    assert text.startswith("a fused chain, applied in order:\n  step 1: ")
    assert text.index("x * 2") < text.index("x + 1")


def test_functions_text_of_a_program_without_maps():
    assert functions_text(lib.make_length()) == "(the program has no Map or SequenceMap)"


# --- run -f: one output line per input line, bad lines named ------------------------------


def test_run_file_keeps_outputs_aligned_with_inputs(capsys, tmp_path):
    (tmp_path / "in.txt").write_text("1 2\n\n   \n3\n")
    assert main(["run", "lib:reverse", "-f", str(tmp_path / "in.txt")]) == 0
    assert capsys.readouterr().out == "2 1\n\n\n3\n"


def test_run_file_names_the_line_of_a_bad_input(capsys, tmp_path):
    path = tmp_path / "in.txt"
    path.write_text(textwrap.dedent("""\
        1 2
        3 9
        1 1 1 1 1 1 1
    """))
    err = _fails(capsys, ["run", "lib:reverse", "-f", str(path)])
    assert err == (f"tracr: error: {path}:2: position 2 holds 9, which is not in the "
                   "vocabulary [0, 1, 2, 3, 4]\n")
    assert capsys.readouterr().out == ""  # nothing printed before the error


def test_run_stdin_names_the_line_too(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n\nx\n"))
    err = _fails(capsys, ["run", "lib:reverse", "-f", "-"])
    assert err.startswith("tracr: error: <stdin>:3: position 1 holds 'x', which is not in")


@pytest.mark.parametrize("tokens", [["1", "2", "3", "4", "5", "6"]])
def test_run_tokens_errors_have_no_line(capsys, tokens):
    err = _fails(capsys, ["run", "lib:reverse", *tokens])
    assert err.startswith("tracr: error: input has 6 tokens after BOS")
