"""What the ``tracr`` command's SOURCE arguments name: a program to compile, or a saved model.

A SOURCE is one of

- ``path/to/prog.rasp``: a RASP source file (``--name`` picks the output variable);
- ``lib:NAME``: a program of ``tracr.compiler.lib_catalog`` (with a default vocabulary and
  max_seq_len, so neither option is needed);
- ``module:attr``, ``path/to/file.py:attr``: a Python RASP s-op, or a function returning one,
  called with no arguments or with the literal arguments written after it
  (``'mymod:make_shift(2, fill="x")'``);

and, where a model is accepted, ``path/to/model.safetensors``.

Trust: a Python SOURCE is imported and called, so it runs arbitrary code with the user's
rights; a ``.rasp`` file or a model file is only read, never run (``TRUST``). The working
directory is searched for ``module`` last, after the installed packages, so a file there
cannot shadow one (as ``python -m`` would let it).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import importlib
import importlib.util
import inspect
import os
import re
import sys
from pathlib import Path
from typing import Any

from tracr.errors import TracrError

LIB_PREFIX = "lib:"
MODEL_SUFFIX = ".safetensors"
RASP_SUFFIX = ".rasp"
_INT = re.compile(r"[+-]?\d+")
_COMPILE_OPTIONS = ("vocab", "max_seq_len", "causal", "bos", "pad", "name", "layout")


TRUST = (
    "trust: a Python SOURCE (module:attr, file.py:function) is imported and run with your "
    "rights, so use only code you trust; a .rasp file or a .safetensors model is only read, "
    "never run."
)


class CliError(TracrError, ValueError):
    """A command-line argument is unusable; printed without a traceback, exit status 2."""


@dataclasses.dataclass(frozen=True)
class Program:
    """A program named by a SOURCE, with the defaults its source provides (lib: only)."""

    sop: Any  # rasp.SOp
    stem: str  # for the default output file name
    vocab: frozenset | None = None
    max_seq_len: int | None = None
    case: Any = None  # lib_catalog.Case for lib: programs (its sampler draws valid inputs)


def parse_token(text: str) -> int | str:
    """A token typed on the command line: an integer if it reads as one, else the string."""
    return int(text) if _INT.fullmatch(text) else text


def parse_vocab(text: str) -> frozenset:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty token in vocabulary {text!r}")
    return frozenset(parse_token(item) for item in items)


def add_compile_options(parser: argparse.ArgumentParser) -> None:
    """The options that say how to compile a SOURCE (ignored nowhere: refused with a model)."""
    group = parser.add_argument_group("compiling a source")
    group.add_argument(
        "--vocab",
        type=parse_vocab,
        metavar="T1,T2,...",
        help="input tokens, comma-separated; integers are read as int, anything "
        "else as str (lib: programs default to the catalog's vocabulary)",
    )
    group.add_argument(
        "--max-seq-len",
        type=int,
        metavar="N",
        help="longest input (without BOS) the model must handle (lib: default 5)",
    )
    group.add_argument("--causal", action="store_true", help="compile a causal (decoder) model")
    group.add_argument("--bos", metavar="TOKEN", help="BOS token (default: compiler_bos)")
    group.add_argument("--pad", metavar="TOKEN", help="PAD token (default: compiler_pad)")
    group.add_argument(
        "--layout",
        choices=("economical", "reference"),
        help="economical (default): the cheapest exact construction for each expression; "
        "reference: one construction per expression, as in DeepMind's Tracr",
    )
    group.add_argument(
        "--name",
        metavar="VAR",
        help="the output variable of a .rasp file (default: 'output', else the last s-op assigned)",
    )


def is_model_path(spec: str) -> bool:
    return spec.endswith(MODEL_SUFFIX)


def load_program(spec: str, name: str | None = None, max_seq_len: int | None = None) -> Program:
    """The program that ``spec`` names (not a model file); ``name`` picks a .rasp file's
    output, ``max_seq_len`` sizes lib: programs (some depend on it)."""
    if name is not None and not spec.endswith(RASP_SUFFIX):
        raise CliError("--name applies only to a .rasp source")
    if spec.startswith(LIB_PREFIX):
        return _lib_program(spec[len(LIB_PREFIX) :], max_seq_len)
    if spec.endswith(RASP_SUFFIX):
        from tracr import frontend

        return Program(frontend.load_program(Path(spec), name), Path(spec).stem)
    if is_model_path(spec):
        raise CliError(
            f"{spec} is a model; this needs the program's source "
            "(a .rasp file, module:function or lib:NAME)"
        )
    if ":" in spec:
        return _python_program(spec)
    raise CliError(
        f"cannot tell what {spec!r} is: give a .rasp file, a .safetensors model, "
        "module:function or lib:NAME"
    )


def _lib_program(name: str, max_seq_len: int | None) -> Program:
    from tracr.compiler import lib_catalog

    case = lib_catalog.build(name, max_seq_len=max_seq_len or 5)
    return Program(case.program, name, case.vocab, case.max_seq_len, case)


def _python_program(spec: str) -> Program:
    module_name, _, target = spec.partition(":")
    try:
        expr = ast.parse(target.strip(), mode="eval").body
    except SyntaxError:
        raise CliError(
            f"{spec!r}: after the ':' write attr, attr.sub or function(literal, ...)"
        ) from None
    call = expr if isinstance(expr, ast.Call) else None
    path = _dotted(call.func if call else expr, spec)
    obj = _import(module_name)
    for part in path:
        if not hasattr(obj, part):
            raise CliError(f"{spec!r}: {module_name} has no attribute {'.'.join(path)!r}")
        obj = getattr(obj, part)
    sop = _call(obj, call, spec)
    return Program(sop, path[-1])


def _dotted(node: ast.expr, spec: str) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [*_dotted(node.value, spec), node.attr]
    raise CliError(f"{spec!r}: after the ':' write attr, attr.sub or function(literal, ...)")


def _import(module_name: str) -> Any:
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_file():
            raise CliError(f"no Python file at {module_name!r}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        with _user_code(module_name, "running"):
            spec.loader.exec_module(module)
        return module
    if not module_name or not all(p.isidentifier() for p in module_name.split(".")):
        raise CliError(f"{module_name!r} is not a module name: write module:attr (e.g. "
                       "mypkg.progs:make_program) or path/to/file.py:attr")
    added = os.getcwd() not in sys.path
    if added:  # last, so that nothing in the working directory shadows an installed module
        sys.path.append(os.getcwd())
    try:
        with _user_code(module_name, "importing"):
            return importlib.import_module(module_name)
    finally:
        if added and os.getcwd() in sys.path:
            sys.path.remove(os.getcwd())


@contextlib.contextmanager
def _user_code(source: str, doing: str):
    """User code may raise anything: report it as one line naming the source, cause kept."""
    try:
        yield
    except TracrError:
        raise
    except ImportError as exc:
        raise CliError(f"cannot import {source!r}: {exc}") from exc
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - any error in user code
        raise CliError(f"{source!r}: {doing} it raised {type(exc).__name__}: {exc}") from exc


def _call(obj: Any, call: ast.Call | None, spec: str) -> Any:
    from tracr.rasp import rasp

    if call is None and not isinstance(obj, rasp.RASPExpr) and callable(obj):
        try:
            params = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            params = []
        required = [
            p.name
            for p in params
            if p.default is p.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if required:
            raise CliError(
                f"{spec!r} needs arguments ({', '.join(required)}); write them "
                f"after the name, e.g. '{spec}(...)' with Python literals"
            )
        with _user_code(spec, "calling"):
            obj = obj()
    elif call is not None:
        try:
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
        except ValueError:
            raise CliError(f"{spec!r}: arguments must be Python literals") from None
        if not callable(obj):
            raise CliError(f"{spec!r}: {type(obj).__name__} is not callable; drop the (...)")
        with _user_code(spec, "calling"):
            obj = obj(*args, **kwargs)
    if not isinstance(obj, rasp.SOp):
        raise CliError(f"{spec!r} gives {type(obj).__name__}, not a RASP s-op")
    return obj


def compile_program(program: Program, args: argparse.Namespace) -> Any:
    """Compile with the options in ``args``, falling back on the program's own defaults."""
    from tracr.compiler import compiling

    vocab = args.vocab if args.vocab is not None else program.vocab
    max_seq_len = args.max_seq_len if args.max_seq_len is not None else program.max_seq_len
    missing = [
        opt for opt, value in (("--vocab", vocab), ("--max-seq-len", max_seq_len)) if value is None
    ]
    if missing:
        raise CliError(
            f"compiling this source needs {' and '.join(missing)} "
            "(only lib: programs have defaults)"
        )
    return compiling.compile_rasp_to_model(
        program.sop,
        vocab,
        max_seq_len,
        causal=args.causal,
        compiler_bos=compiling.COMPILER_BOS if args.bos is None else args.bos,
        compiler_pad=compiling.COMPILER_PAD if args.pad is None else args.pad,
        layout=args.layout or "economical",
    )


def load_model(path: str) -> Any:
    from tracr.export import safetensors

    if not Path(path).is_file():
        raise CliError(f"no model file at {path!r}")
    return safetensors.load(path)


def refuse_compile_options(args: argparse.Namespace, why: str, keep: tuple = ()) -> None:
    given = [
        f"--{opt.replace('_', '-')}"
        for opt in _COMPILE_OPTIONS
        if opt not in keep and getattr(args, opt, None) not in (None, False)
    ]
    if given:
        raise CliError(f"{', '.join(given)}: {why}")


def model_or_compile(spec: str, args: argparse.Namespace) -> Any:
    """A saved model (``*.safetensors``) or the model compiled from a SOURCE."""
    if is_model_path(spec):
        refuse_compile_options(
            args, "these options are for compiling; the model file already fixes them"
        )
        return load_model(spec)
    return compile_program(load_program(spec, args.name, args.max_seq_len), args)


def new_parser(subparsers, name: str, help_text: str, epilog: str) -> argparse.ArgumentParser:
    """A subcommand's parser: one-line help, the same sentence as description, examples."""
    return subparsers.add_parser(
        name,
        help=help_text,
        description=help_text.capitalize() + ".",
        epilog=f"{epilog.rstrip()}\n\n{TRUST}\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
