"""The ``tracr`` command run as a user runs it: ``python -m tracr ...`` in a subprocess.

One run per subcommand and per kind of failure (each run pays the import time); everything
else is tested in-process through ``main`` in test_commands.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REVERSE = str(ROOT / "examples" / "reverse.rasp")
REVERSE_OPTIONS = ["--vocab", "1,2,3", "--max-seq-len", "5"]


def tracr(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "tracr", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A directory holding reverse.safetensors, written by ``tracr compile``."""
    path = tmp_path_factory.mktemp("cli")
    done = tracr("compile", REVERSE, *REVERSE_OPTIONS, cwd=path)
    assert done.returncode == 0, done.stderr
    assert "layers 3  heads 1" in done.stdout and "wrote reverse.safetensors" in done.stdout
    assert (path / "reverse.safetensors").is_file()
    return path


def test_compile_then_run_the_model_file(workdir):
    done = tracr("run", "reverse.safetensors", "1", "2", "3", "3", cwd=workdir)
    assert (done.returncode, done.stdout, done.stderr) == (0, "3 3 2 1\n", "")


def test_run_compiles_a_source_on_the_fly_as_in_the_readme(workdir):
    done = tracr("run", REVERSE, *REVERSE_OPTIONS, "1", "2", "3", cwd=workdir)
    assert (done.returncode, done.stdout) == (0, "3 2 1\n")


def test_verify_a_model_file_against_its_source(workdir):
    done = tracr("verify", REVERSE, "--model", "reverse.safetensors", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "exact on all 363 inputs" in done.stdout
    assert done.stderr == ""  # no progress bar when stderr is not a terminal


def test_verify_exits_1_when_the_model_is_not_the_program(workdir):
    histogram = str(ROOT / "examples" / "histogram.rasp")
    done = tracr("verify", histogram, "--model", "reverse.safetensors", cwd=workdir)
    assert done.returncode == 1
    assert "MISMATCH" in done.stdout and "evaluator" in done.stdout


def test_show_prints_program_layers_and_residual_stream(workdir):
    done = tracr("show", "reverse.safetensors", cwd=workdir)
    assert done.returncode == 0
    for heading in ("# program", "# layers", "# residual stream"):
        assert heading in done.stdout


def test_a_bad_source_is_one_located_message_and_exit_2(tmp_path):
    (tmp_path / "bad.rasp").write_text("a = tokens +* 2\n")
    done = tracr("compile", "bad.rasp", *REVERSE_OPTIONS, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("tracr: error: bad.rasp:1:13: unexpected '*'")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_bad_usage_exits_2_with_the_usage_line(tmp_path):
    done = tracr("verify", "--random", "many", cwd=tmp_path)
    assert done.returncode == 2
    assert "usage: tracr verify" in done.stderr and "invalid int value" in done.stderr
