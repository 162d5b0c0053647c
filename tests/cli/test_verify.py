"""``tracr verify`` in-process: which inputs it checks, what it prints, its exit status."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from tracr.cli import main
from tracr.cli.cmd_verify import Plan
from tracr.cli.progress import Progress
from tracr.cli.sources import Program
from tracr.compiler import compiling
from tracr.export import safetensors
from tracr.frontend import load_program

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REVERSE = str(EXAMPLES / "reverse.rasp")
OPTS = ["--vocab", "1,2,3", "--max-seq-len", "5"]


@pytest.fixture(scope="module")
def reverse_model(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("models") / "rev.safetensors"
    safetensors.save(compiling.compile_rasp_to_model(load_program(REVERSE), {1, 2, 3}, 5), path)
    return str(path)


def verify(capsys, argv: list[str], status: int = 0) -> tuple[str, str]:
    assert main(["verify", *argv]) == status
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_every_input_when_there_are_few(capsys):
    out, err = verify(capsys, [REVERSE, *OPTS])
    assert out == "inputs: all 363 of length 1-5\nunpadded: exact on all 363 inputs\n"
    assert err == ""


def test_exhaustive_then_random_longer_inputs(capsys):
    out, _ = verify(
        capsys, [REVERSE, *OPTS, "--exhaustive-len", "2", "--random", "40", "--seed", "3"]
    )
    assert out.splitlines() == [
        "inputs: all 12 of length 1-2 and 40 random of length 3-5 (seed 3)",
        "unpadded: exact on all 52 inputs",
    ]


def test_only_random_inputs(capsys):
    out, _ = verify(capsys, [REVERSE, *OPTS, "--exhaustive-len", "0", "--random", "7"])
    assert out.splitlines()[0] == "inputs: 7 random of length 1-5 (seed 0)"


def test_padded_inputs_too(capsys):
    out, _ = verify(capsys, ["lib:reverse", "--max-seq-len", "3", "--padded"])
    assert out.splitlines()[1:] == [
        "unpadded: exact on all 155 inputs",
        "padded: exact on all 155 inputs",
    ]


def test_inputs_outside_the_domain_are_counted_not_compared(capsys, tmp_path):
    src = tmp_path / "unique.rasp"  # a categorical aggregate of several different indices fails
    src.write_text("out = aggregate(select(tokens, tokens, ==), indices)\n")
    out, _ = verify(capsys, [str(src), "--vocab", "1,2", "--max-seq-len", "2"])
    assert out.splitlines() == [
        "inputs: all 6 of length 1-2",
        "unpadded: exact on all 4 inputs, 2 outside the program's domain (skipped)",
    ]


def test_a_model_file_of_a_lib_program_fixes_its_max_seq_len(capsys, tmp_path):
    path = str(tmp_path / "sort.safetensors")
    assert main(["compile", "lib:sort", "--max-seq-len", "3", "-o", path]) == 0
    capsys.readouterr()
    out, _ = verify(capsys, ["lib:sort", "--model", path])
    assert "exact on all 155 inputs" in out


def test_mismatches_exit_1_and_list_the_first_ten(capsys, reverse_model):
    hist = str(EXAMPLES / "histogram.rasp")
    out, _ = verify(
        capsys, [hist, "--model", reverse_model, "--exhaustive-len", "2", "--random", "0"], status=1
    )
    lines = out.splitlines()
    assert lines[1].startswith("unpadded: MISMATCH on ") and lines[1].endswith(" positions)")
    assert all(line.startswith("  input [") and "evaluator" in line for line in lines[2:12])
    assert lines[12].startswith("  ... and ") and lines[12].endswith(" more")


def test_the_progress_bar_on_request(capsys):
    _, err = verify(capsys, [REVERSE, *OPTS, "--progress"])
    assert err.startswith("\rverify [") and err.endswith("] 363/363 100% " + err[-5:])
    assert err.endswith("s\n")


def test_no_progress_bar(capsys):
    assert verify(capsys, [REVERSE, *OPTS, "--no-progress"])[1] == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [REVERSE, *OPTS, "--exhaustive-len", "6"],
            "--exhaustive-len must be between 0 and max-seq-len 5",
        ),
        ([REVERSE, *OPTS, "--random", "-1"], "--random must be >= 0"),
        ([REVERSE, "--model", "m.safetensors", "--causal"], "--causal: with --model they come"),
        (["m.safetensors"], "m.safetensors is a model; this needs the program's source"),
    ],
)
def test_verify_errors(capsys, argv, message):
    assert main(["verify", *argv]) == 2
    assert message in capsys.readouterr().err


def plan(vocab_size: int, max_len: int, **options) -> Plan:
    args = argparse.Namespace(exhaustive_len=None, random=None, seed=0, **options)
    model = compiling.compile_rasp_to_model(load_program(REVERSE), range(vocab_size), max_len)
    return Plan.make(Program(load_program(REVERSE), "reverse"), model, args)


def test_default_plan_for_many_inputs_is_exhaustive_up_to_the_limit_then_random():
    p = plan(5, 8)  # 5 + 25 + ... + 5**6 = 19530 <= 20000 < 19530 + 5**7
    assert (p.exhaustive_len, p.random_count, p.count) == (6, 1000, 20530)
    assert p.describe() == "all 19530 of length 1-6 and 1000 random of length 7-8 (seed 0)"
    random_lengths = {len(xs) for xs in list(p.inputs())[19530:]}
    assert random_lengths == {7, 8}


def test_progress_draws_only_on_a_terminal_unless_forced():
    quiet = io.StringIO()
    bar = Progress(3, "x", stream=quiet)
    list(bar.wrap(range(3)))
    bar.close()
    assert quiet.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Terminal()
    bar = Progress(4, "x", stream=tty, delay=0.0, interval=0.0)
    list(bar.wrap(range(4)))
    bar.close()
    assert tty.getvalue().split("\r")[-1].startswith("x [" + "#" * 30 + "] 4/4 100% ")


def test_nothing_in_the_domain_fails_and_says_so(capsys, tmp_path, monkeypatch):
    (tmp_path / "always_raises.py").write_text(
        "from tracr.rasp import rasp\n"
        "program = rasp.Map(lambda x: {}[x], rasp.tokens)\n"
    )
    monkeypatch.chdir(tmp_path)
    out, _ = verify(capsys, ["always_raises.py:program", "--vocab", "1,2", "--max-seq-len",
                             "2"], status=1)
    assert "NOTHING CHECKED: all 6 inputs were outside the program's domain" in out
