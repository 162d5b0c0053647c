"""Every error a RASP program can hit: message, line and column."""

from __future__ import annotations

import pytest

from tracr.errors import FrontendError, RASPTypeError
from tracr.frontend import evaluator, load
from tracr.rasp import rasp


def assert_error(source: str, message: str, line: int, column: int) -> FrontendError:
    with pytest.raises(FrontendError) as info:
        load(source)
    err = info.value
    assert err.msg == f"<rasp>:{line}:{column}: {message}"
    assert (err.filename, err.lineno, err.offset) == ("<rasp>", line, column)
    return err


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ("x = tokens\ny = tokenz + 1", "undefined name 'tokenz'; did you mean 'tokens'?", 2, 5),
        ("y = qqq", "undefined name 'qqq'", 1, 5),
        ("def f(a) { return b; }\nx = f(1)", "undefined name 'b'", 1, 19),
    ],
)
def test_undefined_names(source, message, line, column):
    assert_error(source, message, line, column)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        (
            "x = select(tokens, tokens)",
            "select() takes 3 arguments (keys, queries, predicate), got 2",
            5,
        ),
        (
            "x = aggregate(1)",
            "aggregate() takes 2 or 3 arguments (selector, sop, default), got 1",
            5,
        ),
        ("x = selector_width()", "selector_width() takes 1 argument (selector), got 0", 5),
        ("x = range()", "range() takes 1 to 3 arguments (start, stop, step), got 0", 5),
        ("def f(a, b) { return a; }\nx = f(tokens)", "f() takes 2 arguments (a, b), got 1", 5),
        ("def g(a) { return a; }\nx = g(1, 2)", "g() takes 1 argument (a), got 2", 5),
    ],
)
def test_wrong_argument_counts(source, message, column):
    assert_error(source, message, source.count("\n") + 1, column)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        (
            "x = select(select(tokens, tokens, ==), tokens, ==)",
            "select() needs an s-op or constant as keys, not a selector",
            12,
        ),
        (
            "x = select(tokens, indices, 3)",
            "select() needs a predicate as its third argument "
            "(one of == != < <= > >= true false), not the number 3",
            29,
        ),
        (
            "x = aggregate(tokens, tokens)",
            "aggregate() needs a selector as its first argument, not an s-op",
            15,
        ),
        (
            "s = select(tokens, tokens, ==)\nx = aggregate(s, s)",
            "aggregate() needs an s-op or constant as the values to aggregate, not a selector",
            18,
        ),
        (
            "s = select(tokens, tokens, ==)\nx = aggregate(s, tokens, tokens)",
            "aggregate() needs a constant default, not an s-op",
            26,
        ),
        (
            "x = selector_width(tokens)",
            "selector_width() needs a selector as its first argument, not an s-op",
            20,
        ),
        (
            "x = indicator(select(tokens, tokens, ==))",
            "indicator() needs an s-op or constant, not a selector",
            15,
        ),
        ("x = numerical(1)", "numerical() needs an s-op, not the number 1", 15),
        ("x = categorical([1])", "categorical() needs an s-op, not a list", 17),
        ("x = range(1.5)", "range() needs constant integers, not the number 1.5", 11),
        (
            "x = len(tokens)",
            "len() needs a constant list or string, not an s-op (the length "
            "of the input is the s-op 'length')",
            9,
        ),
        ("x = tokens(1)", "only functions can be called, not an s-op", 5),
        ('x = "f"(1)', "only functions can be called, not the string 'f'", 5),
    ],
)
def test_wrong_argument_kinds(source, message, column):
    assert_error(source, message, source.count("\n") + 1, column)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("s = select(tokens, tokens, ==)\nx = s + 1", "'+' cannot be applied to a selector", 5),
        ("s = select(tokens, tokens, ==)\nx = -s", "'-' cannot be applied to a selector", 5),
        (
            "s = select(tokens, tokens, ==)\nx = s < tokens",
            "'<' cannot be applied to a selector",
            5,
        ),
        (
            "s = select(tokens, tokens, ==)\nx = s and tokens",
            "'and' of a selector needs another selector, not an s-op",
            5,
        ),
        (
            "s = select(tokens, tokens, ==)\nx = tokens or s",
            "'or' of a selector needs another selector, not an s-op",
            5,
        ),
        ("def f() { return 1; }\nx = not f", "'not' cannot be applied to a function", 5),
        (
            "x = tokens in select(tokens, tokens, ==)",
            "the right side of 'in' must be a constant list, string or dictionary, or an "
            "s-op, not a selector",
            5,
        ),
        ("s = select(tokens, tokens, ==)\nx = s in [1]", "'in' cannot be applied to a selector", 5),
        ("x = 1 / 0", "cannot compute '/' of the number 1 and the number 0: division by zero", 5),
        (
            'x = "a" - 1',
            "cannot compute '-' of the string 'a' and the number 1: unsupported "
            "operand type(s) for -: 'str' and 'int'",
            5,
        ),
        (
            'x = abs("a")',
            "cannot compute 'abs' of the string 'a': bad operand type for abs(): 'str'",
            5,
        ),
        (
            "x = select(tokens, tokens, ==) if tokens else 1",
            "the branches of 'if' must be s-ops or constants, not a selector",
            5,
        ),
        (
            "x = 1 if select(tokens, tokens, ==) else 2",
            "the condition of 'if' must be an s-op or a constant, not a selector",
            10,
        ),
    ],
)
def test_operations_on_the_wrong_kinds(source, message, column):
    assert_error(source, message, source.count("\n") + 1, column)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("x = select(tokens, tokens, ==)[0]",
         "only constant lists, strings and dictionaries can be indexed, not a selector", 5),
        ("x = [1, 2][1.5]", "an index must be a constant integer, not the number 1.5", 12),
        ("x = [1, 2][2]", "index 2 is out of range for a list of length 2", 12),
        ('x = "ab"[-3]', "index -3 is out of range for a string of length 2", 10),
        (
            "for t in tokens { x = t }",
            "a for loop is unrolled when the program is loaded, so it "
            "needs a constant list, string or range, not an s-op",
            10,
        ),
        (
            "x = [t for t in 3]",
            "a comprehension is unrolled when the program is loaded, so "
            "it needs a constant list, string or range, not the number 3",
            17,
        ),
        (
            "x = [t for t in [1] if tokens]",
            "the condition of a comprehension must be a constant, not an s-op",
            24,
        ),
    ],
)
def test_constant_only_constructs(source, message, column):
    assert_error(source, message, 1, column)


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ("x = 1\nreturn x", "'return' outside a function", 2, 1),
        ("for i in [1] { return i }", "'return' outside a function", 1, 16),
        ("def f(a) {\n  b = a\n}\nx = f(1)", "function 'f' ended without 'return'", 1, 1),
        ("def f(a, a) { return a; }", "duplicate parameter 'a' in function 'f'", 1, 10),
        ("True = 1", "cannot assign to the predefined name 'True'", 1, 1),
        ("def f(None) { return 1; }", "cannot assign to the predefined name 'None'", 1, 7),
        ("for false in [1] { x = 1 }", "cannot assign to the predefined name 'false'", 1, 5),
        ("x = [true for true in [1]]", "cannot assign to the predefined name 'true'", 1, 15),
    ],
)
def test_statement_errors(source, message, line, column):
    assert_error(source, message, line, column)


def test_unbounded_recursion_is_reported():
    source = "def f(x) { return f(x + 1); }\ny = f(tokens)"
    depth = evaluator.MAX_CALL_DEPTH
    assert_error(
        source,
        f"calls nested more than {depth} deep (functions are inlined at load "
        "time, so recursion must end)",
        1,
        19,
    )


def test_errors_raised_by_rasp_constructors_are_located(monkeypatch):
    def refuse(*args, **kwargs):
        raise RASPTypeError("no aggregates today")

    monkeypatch.setattr(rasp, "Aggregate", refuse)
    assert_error(
        "x = 1\ny = aggregate(select(tokens, tokens, ==), tokens)",
        "RASPTypeError: no aggregates today",
        2,
        5,
    )


def test_error_in_a_file_reports_the_file_name(tmp_path):
    path = tmp_path / "bad.rasp"
    path.write_text("a = tokens\nb = a +\n")
    with pytest.raises(FrontendError) as info:
        load(path)
    assert info.value.filename == str(path)
    assert info.value.msg.startswith(f"{path}:2:8: unexpected end of input")
