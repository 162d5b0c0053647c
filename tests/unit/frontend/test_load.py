"""The entry points: sources, paths, and which variable is the program's output."""

from __future__ import annotations

import pytest

from tracr.errors import FrontendError
from tracr.frontend import load, load_program
from tracr.rasp import rasp


def test_load_accepts_text_path_and_path_string(tmp_path):
    path = tmp_path / "prog.rasp"
    path.write_text("x = tokens + 1\n")
    for source in ("x = tokens + 1", path, str(path)):
        assert rasp.evaluate(load(source)["x"], [1]) == [2]


def test_missing_rasp_file_raises_file_not_found(tmp_path):
    for source in (tmp_path / "nope.rasp", str(tmp_path / "nope.rasp")):
        with pytest.raises(FileNotFoundError, match="no RASP source file at .*nope.rasp"):
            load(source)


def test_filename_names_text_sources_in_errors():
    with pytest.raises(FrontendError) as info:
        load("x = y", filename="stdin")
    assert info.value.msg == "stdin:1:5: undefined name 'y'"


def test_output_is_the_last_sop_assigned():
    program = load_program("a = tokens + 1\nb = a * 2\ns = select(a, b, ==)\nn = 3")
    assert program.name == "b"


def test_loop_variables_are_not_outputs():
    program = load_program("a = tokens + 1\nfor s in [tokens, indices] { n = 1 }")
    assert program.name == "a"


def test_output_variable_wins_over_order():
    program = load_program("output = tokens + 1\nb = output * 2")
    assert rasp.evaluate(program, [1]) == [2]


def test_output_by_name():
    assert load_program("a = tokens + 1\nb = a * 2", name="a").name == "a"


def test_empty_program_has_no_output():
    with pytest.raises(FrontendError, match="^<rasp>: the program assigns no s-op, so it has no"):
        load_program("# nothing\nn = 1")
    assert load("") == {}


def test_output_name_must_exist_and_be_an_sop():
    with pytest.raises(FrontendError, match="^<rasp>: the program defines no variable 'c'$"):
        load_program("a = tokens", name="c")
    with pytest.raises(FrontendError, match="^f.rasp: the output 's' must be an s-op, not a sel"):
        load_program("s = select(tokens, tokens, ==)", name="s", filename="f.rasp")
    with pytest.raises(FrontendError, match="the output 'output' must be an s-op, not the number"):
        load_program("a = tokens\noutput = 3")


def test_absurdly_deep_nesting_is_a_frontend_error():
    with pytest.raises(FrontendError, match="^<rasp>: expressions are nested too deeply to load"):
        load("x = " + "-" * 5000 + "tokens")
