"""Syntax: what the grammar accepts, and how syntax errors are reported."""

from __future__ import annotations

import pytest

from tracr.errors import FrontendError
from tracr.frontend import load
from tracr.rasp import rasp


def syntax_error(source: str) -> FrontendError:
    with pytest.raises(FrontendError) as info:
        load(source)
    return info.value


def test_semicolons_comments_and_blank_lines_are_optional():
    names = load(
        """
        # a comment on its own line
        a = tokens + 1;   # trailing comment
        b = a * 2
        c = b - a; d = c
        """
    )
    assert list(names) == ["a", "b", "c", "d"]
    assert rasp.evaluate(names["d"], [1, 2]) == [2, 3]


def test_statements_may_span_lines():
    names = load("x = select(\n  indices,\n  indices,\n  <=\n)\ny = selector_width(x)")
    assert rasp.evaluate(names["y"], [5, 5, 5]) == [1, 2, 3]


def test_number_and_string_literals():
    names = load("a = tokens + 2.5e1 + .5 + 3. + 1e-1 + 7")
    assert rasp.evaluate(names["a"], [1]) == [pytest.approx(36.6)]


def test_string_escapes_are_decoded():
    names = load(r"""b = "a\"b" if tokens == 'it\'s' else "x" """)
    assert rasp.evaluate(names["b"], ["it's", "no"]) == ['a"b', "x"]


def test_precedence_follows_python():
    names = load(
        """
        a = tokens + 2 * 3 - 8 / 4 % 3
        b = not tokens == 1 and tokens != 2 or tokens == 3
        c = -tokens + +1
        """
    )
    assert rasp.evaluate(names["a"], [1]) == [1 + 2 * 3 - 8 / 4 % 3]
    assert rasp.evaluate(names["b"], [1, 2, 3, 4]) == [False, False, True, True]
    assert rasp.evaluate(names["c"], [5]) == [-4]


def test_keywords_are_reserved_but_names_may_contain_them():
    names = load("index = tokens; iffy = index + 1; notes = iffy; format = notes")
    assert list(names) == ["index", "iffy", "notes", "format"]
    err = syntax_error("if = 3")
    assert err.msg.startswith("<rasp>:1:1: unexpected 'if'; expected one of: '(', '+'")
    assert "'def', 'for'" in err.msg


def test_unexpected_token_lists_what_was_expected():
    err = syntax_error("a = tokens\nb = 1 +* 2")
    assert (err.lineno, err.offset) == (2, 8)
    assert err.msg == (
        "<rasp>:2:8: unexpected '*'; expected one of: "
        "'(', '+', '-', '[', '{', a name, a number, a string"
    )


def test_unexpected_end_of_input_is_reported_at_the_end():
    err = syntax_error("x = select(indices, indices, <")
    assert (err.lineno, err.offset) == (1, 31)
    assert err.msg == "<rasp>:1:31: unexpected end of input; expected one of: ')', ','"


def test_missing_closing_brace():
    err = syntax_error("def f(a) {\n  return a\n")
    assert err.msg.startswith("<rasp>:2:11: unexpected end of input; expected one of:")
    assert "'}'" in err.msg


def test_unexpected_character():
    err = syntax_error("x = tokens @ 2")
    assert err.msg == "<rasp>:1:12: unexpected character '@'"
    assert (err.lineno, err.offset, err.text) == (1, 12, "x = tokens @ 2")


def test_unterminated_string():
    err = syntax_error('x = tokens == "abc\ny = 1')
    assert err.msg == "<rasp>:1:15: unterminated string (strings end on the line they start)"


def test_comparison_operator_is_only_a_value_as_an_argument():
    err = syntax_error("p = <")
    assert err.msg.startswith("<rasp>:1:5: unexpected '<'")


def test_error_str_shows_the_line_and_a_caret():
    err = syntax_error("a = 1\nb = a +* 2")
    assert (
        str(err) == "<rasp>:2:8: unexpected '*'; expected one of: '(', '+', '-', '[', "
        "'{', a name, a number, a string\n    b = a +* 2\n           ^"
    )


def test_frontend_error_is_a_syntax_error():
    err = syntax_error("x = ")
    assert isinstance(err, SyntaxError)
    assert err.filename == "<rasp>"
