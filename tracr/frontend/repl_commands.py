"""The paper's REPL-only commands, accepted in files and ignored, each with a note.

The RASP REPL (Weiss et al. 2021) also reads ``set example "abc"``, ``show example``,
``draw(sop);``, ``load "file";``, ``full seq display on``, ``examples off``, ``exit`` and
``quit``. They describe an interactive session, not the program, so a file may contain them:
``blank_repl_commands`` blanks each such line (keeping every other position in the source)
and says which it dropped.
"""

from __future__ import annotations

import re

from tracr.frontend.diagnostics import Source

_SUBSET = r"(?:(?:s-op|selector)\s+)?"
_COMMANDS = re.compile(
    rf"""^[ \t]*(
        set\s+{_SUBSET}example\b[^#\n]*
      | show\s+{_SUBSET}example\b[^#\n;]*;?
      | full\s+seq\s+display\s+(?:on|off)\b;?
      | {_SUBSET}examples\s+(?:on|off)\b;?
      | (?:exit|quit)(?:\(\))?[ \t]*;?
      | draw\s*\([^#\n]*\)[ \t]*;?
      | load\s+"[^"\n]*"[ \t]*;?
    )[ \t]*(?=\#|$)""",
    re.MULTILINE | re.VERBOSE,
)


def blank_repl_commands(source: Source) -> tuple[Source, list[str]]:
    """``source`` with REPL-only command lines blanked, and one note per command."""
    text, notes = source.text, []
    defines = set(re.findall(r"\bdef\s+([A-Za-z_]\w*)", text))
    defines |= set(re.findall(r"^\s*([A-Za-z_]\w*)\s*=", text, re.MULTILINE))

    def blank(match: re.Match) -> str:
        command = match.group(1)
        word = re.match(r"[A-Za-z_]+", command).group(0)
        if word in defines:  # the program's own function or variable, not a command
            return match.group(0)
        line = text.count("\n", 0, match.start()) + 1
        notes.append(f"{source.filename}:{line}: ignored the REPL command "
                     f"{command.strip()!r} (it only affects an interactive session)")
        return " " * len(match.group(0))

    blanked = _COMMANDS.sub(blank, text)
    return Source(blanked, source.filename), notes
