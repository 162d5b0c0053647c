"""The ``tracr`` command: compile, run, verify and show RASP programs from a shell.

    tracr compile examples/reverse.rasp --vocab 1,2,3 --max-seq-len 5
    tracr run reverse.safetensors 1 2 3
    tracr verify examples/reverse.rasp --vocab 1,2,3 --max-seq-len 5
    tracr show reverse.safetensors
    tracr list

One module per subcommand (``cmd_*.py``); ``sources`` resolves what a SOURCE names. Every
``TracrError`` (a bad source with file:line:col, an unsupported program, a bad input) is
printed as a message without a traceback and exits with status 2, like a usage error.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from tracr import __version__
from tracr.cli import (
    cmd_compile,
    cmd_compress,
    cmd_dataset,
    cmd_list,
    cmd_report,
    cmd_run,
    cmd_show,
    cmd_verify,
    sources,
)
from tracr.errors import FrontendError, TracrError

__all__ = ["main"]

COMMANDS = (
    cmd_compile, cmd_run, cmd_verify, cmd_show, cmd_report, cmd_compress, cmd_dataset, cmd_list,
)
EPILOG = """\
examples:
  tracr compile examples/reverse.rasp --vocab 1,2,3 --max-seq-len 5   # writes reverse.safetensors
  tracr run reverse.safetensors 1 2 3
  tracr run lib:sort 3 1 2 --residuals --layer final
  tracr verify examples/sort.rasp --vocab 1,2,3 --max-seq-len 5
  tracr show lib:hist
  tracr report lib:sort_unique 3 1 2 -o sort.html
  tracr compress lib:sort_unique --embedding-size 12      # needs tracr[torch]
  tracr dataset generate --count 1000 --out data/ --workers 2
  tracr list                                  # the lib: programs

'tracr COMMAND --help' describes each command.

""" + sources.TRUST + "\n"


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="tracr",
        description="Compile RASP programs into exact transformers, run and check them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tracr {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser, dict(subparsers.choices)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Options may come between or after the positional arguments (``run SRC --vocab .. 1 2``),
    so each command's parser reads its arguments intermixed."""
    parser, commands = build_parser()
    if argv and argv[0] in commands:
        args = commands[argv[0]].parse_intermixed_args(argv[1:])
    else:
        args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        parser.exit(2)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tracr`` command; returns the exit status (0 ok, 1 mismatches, 2 errors)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 2
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except FrontendError as exc:  # one line: file:line:col: message
        return _fail(str(exc.msg) if exc.msg else str(exc))
    except TracrError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a file that cannot be read or written
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, status: int = 2) -> int:
    sys.stdout.flush()
    print(f"tracr: error: {message}", file=sys.stderr)
    return status


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"tracr: warning: {message}", file=sys.stderr)
