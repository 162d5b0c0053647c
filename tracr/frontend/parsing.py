"""Frontend stage 1: RASP source text -> lark parse tree (grammar in ``rasp.lark``).

The parser is lark's LALR(1) parser with its basic lexer, built once on first use.
Lark's exceptions are translated into ``RASPSourceError`` with a readable list of what
the parser expected at the offending position.
"""

from __future__ import annotations

import functools
from pathlib import Path

import lark

from tracr.frontend.diagnostics import RASPSourceError, Source, source_error

GRAMMAR_PATH = Path(__file__).with_name("rasp.lark")

# How terminals that are not fixed strings are named in "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "COMP_OP": "a comparison operator",
    "$END": "end of input",
}


@functools.cache
def _parser() -> lark.Lark:
    return lark.Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        # The basic lexer makes keywords reserved everywhere (the contextual one would
        # read ``if = 1`` as an assignment to a variable called "if").
        lexer="basic",
        propagate_positions=True,
    )


def parse(source: Source) -> lark.Tree:
    """Parses ``source`` into a lark tree whose nodes carry line and column."""
    try:
        return _parser().parse(source.text)
    except lark.exceptions.UnexpectedInput as exc:
        raise _syntax_error(source, exc) from None


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    try:
        pattern = _parser().get_terminal(name).pattern
    except KeyError:
        return name
    return repr(pattern.value) if isinstance(pattern, lark.lexer.PatternStr) else name


def _expected(names: set[str] | frozenset[str] | list[str] | None) -> str:
    if not names:
        return ""
    words = sorted({_describe_terminal(n) for n in names})
    if len(words) == 1:
        return f"; expected {words[0]}"
    return "; expected one of: " + ", ".join(words)


def _end_position(source: Source) -> tuple[int, int]:
    lines = source.text.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


def _syntax_error(source: Source, exc: lark.exceptions.UnexpectedInput) -> RASPSourceError:
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        message = f"unexpected character {exc.char!r}"
        if exc.char in "\"'":
            message = "unterminated string (strings end on the line they start)"
        return source_error(source, exc.line, exc.column, message)
    if isinstance(exc, lark.exceptions.UnexpectedToken) and exc.token.type != "$END":
        message = f"unexpected {exc.token.value!r}{_expected(exc.accepts or exc.expected)}"
        return source_error(source, exc.token.line, exc.token.column, message)
    expected = getattr(exc, "expected", None)
    line, column = _end_position(source)
    return source_error(source, line, column, f"unexpected end of input{_expected(expected)}")
