"""``tracr.cli.main`` in-process: every subcommand's options and every error message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tracr.cli import main
from tracr.compiler import compiling, lib
from tracr.export import safetensors
from tracr.frontend import load_program
from tracr.rasp import rasp

ROOT = Path(__file__).resolve().parents[2]
REVERSE = str(ROOT / "examples" / "reverse.rasp")
OPTS = ["--vocab", "1,2,3", "--max-seq-len", "5"]


def fails(capsys, argv: list[str], status: int = 2) -> str:
    """Runs ``tracr argv``, checks the status, returns stderr (one message, no traceback)."""
    assert main(argv) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def reverse_model(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("models") / "rev.safetensors"
    model = compiling.compile_rasp_to_model(load_program(REVERSE), {1, 2, 3}, 5)
    safetensors.save(model, path)
    return str(path)


# --- help and usage ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["compile", "run", "verify", "show", "report", "list", "compress"]
)
def test_every_subcommand_has_help_with_examples(capsys, command):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tracr {command}")
    assert "examples:" in out and f"tracr {command} " in out.split("examples:")[1]


def test_top_level_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(c in out for c in ("compile", "run", "verify", "show", "examples:"))


def test_no_command_prints_help_and_exits_2(capsys):
    assert "usage: tracr" in fails(capsys, [])


def test_unknown_command_is_a_usage_error(capsys):
    assert "invalid choice: 'frobnicate'" in fails(capsys, ["frobnicate"])


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("tracr 0.")


def test_an_empty_vocabulary_token_is_a_usage_error(capsys):
    assert "empty token in vocabulary '1,,2'" in fails(
        capsys, ["compile", REVERSE, "--vocab", "1,,2"]
    )


# --- compile ------------------------------------------------------------------------------


def test_compile_writes_stem_dot_safetensors_in_the_working_directory(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "lib:sort"]) == 0  # lib: programs need no --vocab/--max-seq-len
    out = capsys.readouterr().out
    assert out.startswith("compiled sort from lib:sort\n  layers ")
    assert "d_model" in out and "mlp width" in out and "max_seq_len 5" in out
    model = safetensors.load(tmp_path / "sort.safetensors")
    assert model.apply(["compiler_bos", 3, 1, 2]).decoded[1:] == [1, 2, 3]


def test_compile_options_reach_the_compiler(capsys, tmp_path):
    path = tmp_path / "m.safetensors"
    argv = ["compile", REVERSE, *OPTS, "--causal", "--bos", "<s>", "--pad", "<p>", "-o", path]
    assert main([str(a) for a in argv]) == 0
    assert "tracr: warning:" in capsys.readouterr().err  # reverse looks ahead: not causal
    model = safetensors.load(path)
    assert model.model_config.causal and model.input_encoder.bos_token == "<s>"
    assert model.input_encoder.pad_token == "<p>"


def test_compile_layout_reaches_the_compiler(capsys, tmp_path):
    program = load_program(Path(REVERSE).read_text())
    sizes = {}
    for layout in ("reference", "economical"):
        path = tmp_path / f"{layout}.safetensors"
        assert main(["compile", REVERSE, *OPTS, "--layout", layout, "-o", str(path)]) == 0
        want = compiling.compile_rasp_to_model(program, {1, 2, 3}, 5, layout=layout)
        sizes[layout] = safetensors.load(path).model_config.d_model
        assert sizes[layout] == want.model_config.d_model
    assert sizes["economical"] < sizes["reference"]
    assert main(["compile", REVERSE, *OPTS, "--layout", "small"]) == 2
    assert "invalid choice: 'small'" in capsys.readouterr().err
    model_file = str(tmp_path / "reference.safetensors")
    assert main(["run", model_file, "1,2", "--layout", "reference"]) == 2
    assert "--layout: these options are for compiling" in capsys.readouterr().err


def test_compile_name_picks_a_variable_of_the_rasp_file(capsys, tmp_path):
    path = str(tmp_path / "o.safetensors")
    assert main(["compile", REVERSE, *OPTS, "--name", "opp_index", "-o", path]) == 0
    assert main(["run", path, "1", "1", "1"]) == 0
    assert capsys.readouterr().out.endswith("2 1 0\n")


def test_compile_needs_vocab_and_max_seq_len_for_a_rasp_file(capsys):
    err = fails(capsys, ["compile", REVERSE])
    assert err == (
        "tracr: error: compiling this source needs --vocab and --max-seq-len "
        "(only lib: programs have defaults)\n"
    )


def test_name_only_applies_to_rasp_files(capsys):
    assert "--name applies only to a .rasp source" in fails(
        capsys, ["compile", "lib:hist", "--name", "x"]
    )


def test_unknown_library_program(capsys):
    assert "no library program 'nope'; choose one of length, reverse" in fails(
        capsys, ["compile", "lib:nope"]
    )


def test_missing_rasp_file(capsys):
    assert "no RASP source file at 'missing.rasp'" in fails(
        capsys, ["compile", "missing.rasp", *OPTS]
    )


def test_unknown_kind_of_source(capsys):
    assert "cannot tell what 'prog.txt' is" in fails(capsys, ["compile", "prog.txt"])


def test_a_model_file_is_not_a_program_source(capsys, reverse_model):
    assert "is a model; this needs the program's source" in fails(
        capsys, ["compile", reverse_model]
    )


def test_an_unsupported_program_lists_its_problems(capsys, tmp_path):
    src = tmp_path / "bad.rasp"
    src.write_text('x = numerical(tokens + 1)\n'
                   'out = aggregate(select(indices, indices, <), x, "a")\n')
    err = fails(capsys, ["compile", str(src), *OPTS])
    assert "cannot compile 1 expression(s)" in err and "is not a finite number" in err


def test_an_unwritable_output_is_exit_2(capsys, tmp_path):
    err = fails(capsys, ["compile", "lib:hist", "-o", str(tmp_path / "no" / "m.safetensors")])
    assert "No such file or directory" in err


# --- Python sources -----------------------------------------------------------------------

MODULE = textwrap.dedent("""
    from tracr.compiler import lib
    from tracr.rasp import rasp

    reverse = lib.make_reverse(rasp.tokens)

    def make_shift(offset, fill=0):
        return lib.shift_by(offset, rasp.tokens)

    def make_length():
        return lib.make_length()

    def not_a_program():
        return 42
""")


@pytest.fixture
def module_dir(tmp_path, monkeypatch) -> Path:
    (tmp_path / "cli_progs.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)  # modules in the working directory import, as with python -m
    monkeypatch.delitem(__import__("sys").modules, "cli_progs", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("source", "tokens", "expected"),
    [
        ("cli_progs:reverse", ["1", "2"], "2 1"),
        ("cli_progs:make_length", ["1", "2"], "2 2"),
        ("cli_progs:make_shift(1)", ["1", "2", "3"], "None 1 2"),
        ("cli_progs:make_shift(1, fill=2)", ["3", "2"], "None 3"),
        ("cli_progs.py:reverse", ["3", "1"], "1 3"),
    ],
)
def test_python_sources(capsys, module_dir, source, tokens, expected):
    assert main(["run", source, *OPTS, *tokens]) == 0
    assert capsys.readouterr().out == expected + "\n"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("cli_progs:make_shift", "'cli_progs:make_shift' needs arguments (offset); write them"),
        ("cli_progs:nothing", "'cli_progs:nothing': cli_progs has no attribute 'nothing'"),
        ("cli_progs:not_a_program", "'cli_progs:not_a_program' gives int, not a RASP s-op"),
        ("cli_progs:make_shift(x)", "arguments must be Python literals"),
        ("cli_progs:1 +", "after the ':' write attr, attr.sub or function(literal, ...)"),
        ("cli_progs:a[0]", "after the ':' write attr, attr.sub or function(literal, ...)"),
        ("no_such_module_xyz:f", "cannot import 'no_such_module_xyz': No module named"),
        ("missing.py:f", "no Python file at 'missing.py'"),
    ],
)
def test_python_source_errors(capsys, module_dir, source, message):
    assert message in fails(capsys, ["compile", source, *OPTS])


# --- run ----------------------------------------------------------------------------------


def test_run_reads_inputs_from_a_file_one_per_line(capsys, tmp_path, reverse_model):
    inputs = tmp_path / "in.txt"
    inputs.write_text("1 2 3\n\n3 3\n1 2 3 1 2\n")
    assert main(["run", reverse_model, "--input-file", str(inputs)]) == 0
    assert capsys.readouterr().out == "3 2 1\n\n3 3\n2 1 3 2 1\n"  # line i is input i


def test_run_reads_stdin_with_dash(capsys, monkeypatch, reverse_model):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("2 1\n"))
    assert main(["run", reverse_model, "-f", "-"]) == 0
    assert capsys.readouterr().out == "1 2\n"


def test_run_prints_numerical_outputs_compactly(capsys):
    assert main(["run", "lib:frac_prevs", "0", "1", "1"]) == 0
    assert capsys.readouterr().out == "1 0.5 0.33333\n"  # the 5 decimals 1e-5 guarantees


def test_run_spells_tokens_as_the_vocabulary_does(capsys, tmp_path):
    model = compiling.compile_rasp_to_model(lib.make_reverse(rasp.tokens), {"1", "2"}, 3)
    safetensors.save(model, tmp_path / "s.safetensors")  # string tokens that look like ints
    assert main(["run", str(tmp_path / "s.safetensors"), "1", "2"]) == 0
    assert capsys.readouterr().out == "2 1\n"


def test_residuals_after_every_sublayer(capsys, reverse_model):
    assert main(["run", reverse_model, "1", "2", "--residuals"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 1\n\n# residual stream: embed\nlabel")
    headings = [line for line in out.splitlines() if line.startswith("# residual")]
    assert len(headings) == 1 + 2 * 3
    assert headings[-1] == "# residual stream after L2 mlp"
    header = out.splitlines()[3].split()
    assert header == ["label", "0:compiler_bos", "1:1", "2:2"]


def test_residual_table_of_the_final_stream_holds_the_output(capsys, reverse_model):
    assert main(["run", reverse_model, "1", "2", "--layer", "final", "--nonzero"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[3:] if line}
    assert rows["one"] == ["1", "1", "1"]
    assert rows["tokens:1"] == [".", "1", "."]
    outputs = {k.split(":")[1]: v for k, v in rows.items() if k.startswith("reverse_")}
    assert outputs == {"1": [".", ".", "1"], "2": [".", "1", "."]}  # decodes to 2 1
    assert "tokens:3" not in rows  # --nonzero drops rows that are zero everywhere


@pytest.mark.parametrize(
    ("layer", "heading"),
    [
        ("embed", "embed"),
        ("1", "after L1 mlp"),
        ("L0.attn", "after L0 attn"),
        ("2:mlp", "after L2 mlp"),
    ],
)
def test_layer_selects_one_stream(capsys, reverse_model, layer, heading):
    assert main(["run", reverse_model, "1", "--layer", layer]) == 0
    headings = [line for line in capsys.readouterr().out.splitlines() if line.startswith("#")]
    assert headings == [f"# residual stream{':' if layer == 'embed' else ''} {heading}"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["1", "--layer", "7"], "--layer '7': choose all, embed, final, or a layer 0-2"),
        ([], "give the input's tokens or --input-file, not both or neither"),
        (["1", "-f", "x.txt"], "give the input's tokens or --input-file, not both or neither"),
        (["1", "4"], "position 2 holds 4, which is not in the vocabulary"),
        (["1", "2", "3", "1", "2", "3"], "input has 6 tokens after BOS, more than the compiled"),
        (["1", "--vocab", "1,2", "--causal"], "--vocab, --causal: these options are for"),
    ],
)
def test_run_errors(capsys, reverse_model, argv, message):
    assert message in fails(capsys, ["run", reverse_model, *argv])


def test_run_missing_model_file(capsys):
    assert "no model file at 'gone.safetensors'" in fails(capsys, ["run", "gone.safetensors", "1"])


def test_run_missing_input_file(capsys, reverse_model):
    assert "No such file or directory" in fails(capsys, ["run", reverse_model, "-f", "nope.txt"])


def test_a_corrupt_model_file(capsys, tmp_path):
    (tmp_path / "bad.safetensors").write_bytes(b"not a model")
    err = fails(capsys, ["show", str(tmp_path / "bad.safetensors")])
    assert err.startswith("tracr: error: ") and len(err.splitlines()) == 1


# --- show ---------------------------------------------------------------------------------


def test_show_a_source_compiled_on_the_fly(capsys):
    assert main(["show", "lib:hist"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# program\n") and "# layers\n\nlayers " in out
    assert "selector_width" in out and "tokens: 0, 1, 2, 3, 4" in out


def test_report_writes_an_offline_html_page(tmp_path, capsys, reverse_model):
    out = tmp_path / "r.html"
    assert main(["report", reverse_model, "1", "2", "3", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    page = out.read_text()
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "http://" not in page and "https://" not in page
    assert all(label in page for label in ("tokens:1", "indices:0", "one"))
