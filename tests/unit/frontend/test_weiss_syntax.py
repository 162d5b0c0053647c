"""The RASP paper's language (issue 18): its syntax, predefined names, standard library,
REPL-only commands; and the front end's bounds on hostile source (issue 13)."""

from __future__ import annotations

import pytest

from tracr.errors import FrontendError, TracrError
from tracr.frontend import load, load_program
from tracr.rasp import rasp


def run(source: str, xs: list, name: str | None = None) -> list:
    return rasp.evaluate(load_program(source, name), xs)


def error(source: str) -> FrontendError:
    with pytest.raises(FrontendError) as info:
        load(source)
    return info.value


# Syntax ------------------------------------------------------------------------------------


def test_paper_function_with_braces_semicolons_and_comments():
    source = """
    # a comment line
    def frac(seq, val) {   # trailing comment
        sel = select(indices, indices, <=);
        return aggregate(sel, indicator(seq == val));
    }
    output = frac(tokens_str, "a");
    """
    assert run(source, list("abaa")) == [1.0, 0.5, 2 / 3, 0.75]


def test_multiple_assignment_and_returns():
    source = """
    def two() { return 1, 2; }
    a, b = two();
    c, d = indices + a, indices + b;
    """
    names = load(source)
    assert names["c"]([7, 7]) == [1, 2] and names["d"]([7, 7]) == [2, 3]


def test_for_loop_over_zip_with_two_names():
    source = """
    out = tokens;
    for a, b in zip("ab", "xy") { out = b if out == a else out; }
    """
    assert run(source, list("abc"), "out") == ["x", "y", "c"]


def test_dict_literals_comprehensions_and_lookups():
    source = """
    table = {"a": 1, "b": 2};
    squares = {k: v * v for k, v in zip(["a", "b"], [3, 4])};
    output = squares[tokens] + table["a"];
    known = tokens in table;
    """
    assert run(source, list("ab")) == [10, 17]
    assert run(source, list("ac"), "known") == [True, False]


def test_indexing_with_an_sop():
    assert run('output = "abc"[indices];', [0, 0, 0]) == ["a", "b", "c"]
    assert run("output = [10, 20, 30][tokens_int];", ["2", "0"]) == [30, 10]
    assert run('pairs = tokens + "x"; output = pairs[1];', ["a", "b"]) == ["x", "x"]


def test_in_against_an_sop():
    source = 'words = "ab" if indices == 0 else "c"; output = tokens in words;'
    assert run(source, list("acb")) == [True, True, False]


def test_bare_expression_statements_are_evaluated_and_dropped():
    names = load("x = tokens; x; length + 1;")
    assert list(names) == ["x"]


# Predefined names and the library ----------------------------------------------------------


def test_typed_tokens():
    source = "i = tokens_int + 1; f = tokens_float / 2; b = not tokens_bool; s = tokens_str;"
    names = load(source)
    assert names["i"](["1", "20"]) == [2, 21]
    assert names["f"](["1", "2.5"]) == [0.5, 1.25]
    assert names["b"](["true", "False", "0"]) == [False, True, True]
    assert names["s"] is rasp.tokens


def test_a_token_that_does_not_convert_is_outside_the_domain():
    with pytest.raises(ValueError):
        load_program("output = tokens_int;")(["x"])


@pytest.mark.parametrize(
    ("source", "xs", "want"),
    [
        ('output = count(tokens, "a");', list("aba"), [2, 2, 2]),
        ('output = contains(tokens, "b");', list("aa"), [False, False]),
        ('output = contains(tokens, "b");', list("ab"), [True, True]),
        ("output = has_focus(select(indices, indices, <));", list("abc"), [False, True, True]),
        ("output = max(indices, tokens_int);", ["2", "0", "5"], [2, 1, 5]),
        ("output = min(indices, 1);", list("abc"), [0, 1, 1]),
        ("output = average(tokens_int);", ["1", "2", "6"], [3.0, 3.0, 3.0]),
        ("output = load_from_location(tokens, 1);", list("xyz"), ["y", "y", "y"]),
        ('output = shift(tokens, 1, "-");', list("xyz"), ["-", "x", "y"]),
        ('output = mark_last_instance(tokens, "a");', list("aba"), [False, False, True]),
        ('output = mark_first_instance(tokens, "a");', list("aba"), [True, False, False]),
        ('output = aggregate(select_from_last(tokens, "a"), indices);', list("aab"), [1, 1, 1]),
        ('output = aggregate(select_from_first(tokens, "b"), indices);', list("abb"), [1, 1, 1]),
        ("output = sort(tokens, tokens);", list("cab"), ["a", "b", "c"]),
        ("output = aggregate(select_next_identical(tokens), indices, -1);", list("abab"),
         [2, 3, -1, -1]),
        ("output = aggregate(full_s, indicator(tokens == 1));", [1, 2], [0.5, 0.5]),
    ],
)
def test_library_functions(source, xs, want):
    assert run(source, xs) == want


def test_user_names_shadow_the_library_and_builtins():
    source = """
    def count(seq, atom) { return 7; }
    def selector_width(sel) { return aggregate(sel, indicator(indices == 0)); }
    tokens = tokens_str;
    a = count(tokens, "a");
    seven = indices * 0 + a;
    b = contains(tokens, "a");   # the library's contains keeps the library's helpers
    w = selector_width(select(indices, indices, <=));
    """
    names = load(source)
    assert "a" not in names and names["seven"]([0, 0]) == [7, 7]  # the user's count()
    assert names["b"](list("ba")) == [True, True]
    assert names["w"](list("abcd")) == [1.0, 0.5, 1 / 3, 0.25]


def test_library_can_be_left_out():
    assert load("output = sort(tokens, tokens);")["output"]([2, 1]) == [1, 2]
    with pytest.raises(FrontendError, match="undefined name 'sort'"):
        load("output = sort(tokens, tokens);", library=False)


# REPL-only commands ------------------------------------------------------------------------


def test_repl_commands_are_ignored_with_a_note():
    source = """set example "hello"
set s-op example "abc"
show example
full seq display on
examples off
x = aggregate(select(indices, length - indices - 1, ==), tokens);
draw(x, "abc");
load "other.rasp";
exit()
"""
    names = load(source, filename="repl.rasp")
    assert list(names) == ["x"]
    assert len(names.notes) == 8
    assert names.notes[0] == ("repl.rasp:1: ignored the REPL command 'set example \"hello\"' "
                              "(it only affects an interactive session)")
    assert any("draw(x, \"abc\");" in note for note in names.notes)


def test_a_function_called_draw_is_not_a_repl_command():
    names = load("def draw(a) { return a + 1; }\nx = draw(tokens);\ndraw(tokens);")
    assert names.notes == () and names["x"]([1]) == [2]


# Hostile source: every failure is a FrontendError with a message ----------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('x = "\\x4";', "invalid string literal"),
        ('x = "\\d";', "invalid string literal"),
        ("x = " + "9" * 5000 + ";", "a number literal of 5000 characters is too long"),
        ("x = 1" + "0" * 400 + ".5;", "too long"),
        ("x = 1e999;", "too large for a float"),
        ("x = range(1, 5, 0);", "range() step must not be zero"),
        ("for i in range(10000000) { x = i; }", "range() of 10000000 numbers is too long"),
        ('x = "ab"; for i in range(40) { x = x + x; }', "too large"),
        ('x = "a" * 1000000000;', "would build a constant of 1000000000 elements"),
        ("x = 2; for i in range(40) { x = x * x; }", "bits"),
        ("for i in range(1000) { for j in range(1000) { x = i + j; } }",
         "more than 500000 evaluation steps"),
        ("def f(n) { return f(n + 1); }\nx = f(0);", "calls nested more than 30 deep"),
        ("x = len(3);", "len() needs a constant list or string"),
        ("x = 1 / 0;", "division by zero"),
        ("x = [1, 2] - 1;", "cannot compute '-'"),
        ("a, b = [1, 2, 3];", "cannot unpack a list into 2 names"),
        ("x = {tokens: 1};", "a dictionary key must be a constant"),
        ('x = {"a": 1}["b"];', "the dictionary has no key 'b'"),
        ("x = zip(1);", "zip() needs constant lists or strings"),
        ("x = aggregate(select(indices, indices, ==), tokens, select(indices, indices, ==));",
         "constant default"),
    ],
)
def test_hostile_source_is_refused_clearly(source, message):
    err = error(source)
    assert isinstance(err, TracrError)
    assert message in str(err), str(err)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.rasp"
    path.write_bytes('x = "caf\xe9";'.encode("latin-1"))
    with pytest.raises(FrontendError, match="not UTF-8 text"):
        load(path)


def test_an_unexpected_python_error_becomes_a_frontend_error(monkeypatch):
    from tracr.frontend import builtins

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(builtins, "BUILTIN_FUNCTIONS", (
        builtins.Builtin("select", ("k", "q", "p"), 3, broken), *builtins.BUILTIN_FUNCTIONS[1:]))
    with pytest.raises(FrontendError) as info:
        load("x = 1;\ny = select(tokens, tokens, ==);", library=False)
    err = info.value
    assert (err.lineno, err.offset) == (2, 1)
    assert "RuntimeError: boom" in str(err)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'x = "\\x4";\n', "bad.rasp:1:5: invalid string literal"),
        ('x = "caf\xe9";\n'.encode("latin-1"), "bad.rasp: the file is not UTF-8 text"),
        (b"for i in range(10000000) { x = i; }\n", "bad.rasp:1:10: range() of 10000000"),
    ],
)
def test_cli_reports_a_bad_source_in_one_line(tmp_path, capsys, text, message):
    from tracr.cli import main

    path = tmp_path / "bad.rasp"
    path.write_bytes(text)
    assert main(["compile", str(path), "--vocab", "a,b", "--max-seq-len", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
