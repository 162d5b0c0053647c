"""Frontend stage 2: lark parse tree -> RASP expressions.

A tree-walking interpreter that runs at load time. Everything that is not an s-op or a
selector (numbers, strings, lists, functions, predicates) is a load-time constant: ``for``
loops and comprehensions are unrolled, ``def`` functions are inlined at each call, and an
``if`` expression with a constant condition picks its branch. What remains are RASP
expressions built with ``tracr.rasp.rasp``; an assignment names its expression after the
variable. Expression nodes are evaluated by the table in ``expressions.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import lark

from tracr.errors import TracrError
from tracr.frontend import builtins
from tracr.frontend import operators as ops
from tracr.frontend.diagnostics import Problem, RASPSourceError, Source, source_error
from tracr.frontend.expressions import EXPRESSIONS

# Calls nest this deep at most; deeper recursion is reported instead of overflowing Python.
MAX_CALL_DEPTH = 30
# Expression nodes evaluated in one load at most (loops and recursion unroll at load time).
MAX_STEPS = 500_000
_PRIMITIVES = ("tokens", "indices", "length", "tokens_str", "tokens_int", "tokens_float",
               "tokens_bool")
# Names a program cannot rebind (any other predefined or library name can be shadowed).
RESERVED = frozenset({"true", "false", "True", "False", "None"})


class Scope:
    """Variables of the program (the global scope) or of one function call."""

    def __init__(self, parent: Scope | None = None):
        self.parent = parent
        self.vars: dict[str, Any] = {}

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        raise KeyError(name)

    def names(self) -> set[str]:
        return set(self.vars) | (self.parent.names() if self.parent else set())


@dataclass(frozen=True, eq=False)
class UserFunction:
    """A ``def``: its body is evaluated afresh (inlined) at every call."""

    name: str
    params: tuple[str, ...]
    body: list[lark.Tree]
    closure: Scope
    node: lark.Tree
    source: Source | None = None  # where the body was written (None: the program itself)


class _Return(Exception):
    def __init__(self, value: Any):
        super().__init__()
        self.value = value


@dataclass
class Result:
    """What a program defines: top-level bindings, and the last s-op assigned at top level."""

    namespace: dict[str, Any]
    last_sop: str | None
    notes: tuple[str, ...] = ()


@dataclass
class Evaluator:
    """Runs one parsed program; ``run`` returns its ``Result``."""

    source: Source
    predefined: dict[str, Any] = field(default_factory=builtins.predefined)
    library: tuple[Source, lark.Tree] | None = None
    notes: list[str] = field(default_factory=list)
    depth: int = 0
    steps: int = 0
    last_sop: str | None = None
    # id -> (expression, named at top level?) for every expression an assignment named.
    named: dict[int, tuple[Any, bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        builtin_scope = Scope()
        builtin_scope.vars.update(self.predefined)
        library_scope = Scope(builtin_scope)
        self.globals = Scope(library_scope)
        if self.library is not None:
            program, (self.source, tree) = self.source, self.library
            self.exec_block(tree.children, library_scope)
            self.source = program

    def run(self, tree: lark.Tree) -> Result:
        self.exec_block(tree.children, self.globals)
        return Result(dict(self.globals.vars), self.last_sop, tuple(self.notes))

    def error(self, where: lark.Tree | lark.Token, message: str) -> RASPSourceError:
        if isinstance(where, lark.Token):
            return source_error(self.source, where.line, where.column, message)
        return source_error(self.source, where.meta.line, where.meta.column, message)

    # Statements.

    def exec_block(self, statements: Sequence[lark.Tree], scope: Scope) -> None:
        for statement in statements:
            try:
                getattr(self, f"exec_{statement.data}")(statement, scope)
            except (_Return, RASPSourceError, RecursionError):
                raise
            except Exception as exc:  # noqa: BLE001 - anything else is still the source's
                raise self.error(statement, f"{type(exc).__name__}: {exc}") from None

    def exec_assign(self, node: lark.Tree, scope: Scope) -> None:
        targets, exprs = node.children
        values = self.eval_exprs(exprs, scope)
        for name, value in zip(targets.children, self.unpack(node, targets, values), strict=True):
            self.bind(scope, name, value, rename=True)

    def exec_expr_stmt(self, node: lark.Tree, scope: Scope) -> None:
        self.eval(node.children[0], scope)

    def exec_return_stmt(self, node: lark.Tree, scope: Scope) -> None:
        if scope is self.globals:
            raise self.error(node, "'return' outside a function")
        raise _Return(self.eval_exprs(node.children[0], scope))

    def eval_exprs(self, node: lark.Tree, scope: Scope) -> Any:
        """``a`` is its value; ``a, b`` is the list of values."""
        values = [self.eval(child, scope) for child in node.children]
        return values[0] if len(values) == 1 else values

    def unpack(self, node: lark.Tree, targets: lark.Tree, value: Any) -> list[Any]:
        """The values for ``targets`` (one name takes the value whole)."""
        count = len(targets.children)
        if count == 1:
            return [value]
        if not isinstance(value, list | tuple | str) or len(value) != count:
            raise self.error(
                node, f"cannot unpack {ops.describe(value)} into {count} names "
                "(it must be a constant list of that length)",
            )
        return list(value)

    def exec_funcdef(self, node: lark.Tree, scope: Scope) -> None:
        name, params, block = node.children
        for index, param in enumerate(params.children):
            self.check_bindable(param)
            if param in params.children[:index]:
                raise self.error(param, f"duplicate parameter '{param}' in function '{name}'")
        names = tuple(str(param) for param in params.children)
        function = UserFunction(str(name), names, block.children, scope, node, self.source)
        self.bind(scope, name, function, rename=False)

    def exec_for_stmt(self, node: lark.Tree, scope: Scope) -> None:
        targets, iterable_node, block = node.children
        for item in self.constant_iterable(iterable_node, scope, "a for loop"):
            for name, value in zip(targets.children, self.unpack(node, targets, item),
                                   strict=True):
                self.bind(scope, name, value, rename=False)
            self.exec_block(block.children, scope)

    # Names.

    def check_bindable(self, name: lark.Token) -> None:
        if str(name) in RESERVED:
            raise self.error(name, f"cannot assign to the predefined name '{name}'")

    def bind(self, scope: Scope, name: lark.Token, value: Any, *, rename: bool) -> None:
        self.check_bindable(name)
        top = scope is self.globals
        if rename and self.should_name(value, top):
            value = value.named(str(name))
            self.named[id(value)] = (value, top)
        if top and rename and ops.is_sop(value):
            self.last_sop = str(name)  # assignments only: not loop variables
        scope.vars[str(name)] = value

    def should_name(self, value: Any, top: bool) -> bool:
        """Fresh expressions take the variable's name; aliases of named ones stay shared.

        A function's local names give way to the name its result is assigned to at top level.
        """
        if not (ops.is_sop(value) or ops.is_selector(value)):
            return False
        if any(value is self.predefined[name] for name in _PRIMITIVES):
            return False
        named = self.named.get(id(value))
        return named is None or (top and not named[1])

    # Expressions.

    def eval(self, node: lark.Tree, scope: Scope) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.error(
                node, f"loading the program takes more than {MAX_STEPS} evaluation steps "
                "(loops and recursion run at load time); make its loops shorter",
            )
        return EXPRESSIONS[node.data](self, node, scope)

    def apply(self, node: lark.Tree, fn: Any, *args: Any, arg_nodes: Sequence = ()) -> Any:
        """Calls an operator or built-in, reporting its problems at ``node`` or an argument."""
        try:
            return fn(*args)
        except Problem as problem:
            where = node
            if problem.arg is not None and problem.arg < len(arg_nodes):
                where = arg_nodes[problem.arg]
            raise self.error(where, problem.message) from None
        except (TracrError, ArithmeticError, ValueError, TypeError, LookupError) as exc:
            raise self.error(node, f"{type(exc).__name__}: {exc}") from None

    def constant_iterable(self, node: lark.Tree, scope: Scope, what: str) -> list | str:
        iterable = self.eval(node, scope)
        if isinstance(iterable, dict):
            return list(iterable)
        if not isinstance(iterable, list | str):
            raise self.error(
                node,
                f"{what} is unrolled when the program is loaded, so it needs "
                f"a constant list, string or range, not {ops.describe(iterable)}",
            )
        return iterable

    def constant_condition(self, node: lark.Tree, scope: Scope, where: str) -> bool:
        value = self.eval(node, scope)
        if not ops.is_constant(value):
            raise self.error(
                node, f"the condition of a {where} must be a constant, not {ops.describe(value)}"
            )
        return bool(value)

    # Calls.

    def call(self, node: lark.Tree, callee: Any, args: list[Any], arg_nodes: list) -> Any:
        if isinstance(callee, builtins.Builtin):
            return self.apply(node, callee, *args, arg_nodes=arg_nodes)
        if not isinstance(callee, UserFunction):
            raise self.error(node, f"only functions can be called, not {ops.describe(callee)}")
        if len(args) != len(callee.params):
            raise self.error(
                node,
                f"{callee.name}() takes {len(callee.params)} argument"
                f"{'' if len(callee.params) == 1 else 's'} "
                f"({', '.join(callee.params)}), got {len(args)}",
            )
        if self.depth >= MAX_CALL_DEPTH:
            raise self.error(
                node,
                f"calls nested more than {MAX_CALL_DEPTH} deep (functions are "
                f"inlined at load time, so recursion must end)",
            )
        return self.inline(callee, args)

    def inline(self, function: UserFunction, args: list[Any]) -> Any:
        scope = Scope(function.closure)
        scope.vars.update(zip(function.params, args, strict=True))
        self.depth += 1
        caller, self.source = self.source, function.source or self.source
        try:
            self.exec_block(function.body, scope)
        except _Return as returned:
            return returned.value
        finally:
            self.depth -= 1
            self.source = caller
        raise self.error(function.node, f"function '{function.name}' ended without 'return'")
