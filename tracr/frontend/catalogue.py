"""Frontend: a fixed, named catalogue of Map and SequenceMap functions that can be written
as RASP source text.

Each ``CatalogueFunction`` is a plain Python callable (pass it to ``rasp.Map`` or
``rasp.SequenceMap``) that also knows the source text the frontend reads back as the same
function: ``add_const(2)`` computes ``x + 2`` and is written ``{x} + 2``. ``dumps`` writes any
program whose Map/SequenceMap functions are catalogue functions (or registered ones, see
``dumping.register``). The random-program sampler of ``tracr.datasets`` draws its functions
from here, so every sampled program has a text form.

Kinds: ``int`` (numbers), ``bool``, ``str``, ``any``. ``takes`` lists the input kinds a
function suits; ``gives`` its output kind. ``numerical_output`` marks functions whose
frontend text is numerical by itself (``indicator``); ``keeps_numerical`` marks arithmetic,
which the frontend keeps numerical when an input is numerical (README.md, "Encodings").
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

INT, BOOL, STR, ANY = "int", "bool", "str", "any"


@dataclass(frozen=True)
class CatalogueFunction:
    """A named function with its RASP source template (``{x}``, ``{y}`` are the operands)."""

    name: str
    arity: int
    template: str
    impl: Callable[..., Any]
    params: tuple[Any, ...] = ()
    takes: frozenset[str] = frozenset({INT})
    gives: str = INT
    keeps_numerical: bool = False
    numerical_output: bool = False

    def __call__(self, *args: Any) -> Any:
        return self.impl(*args, *self.params)

    def text(self, *operands: str) -> str:
        """The source text applying this function to ``operands`` (already parenthesised)."""
        names = dict(zip(("x", "y"), operands, strict=False))
        consts = {f"c{i}": repr(p) for i, p in enumerate(self.params)}
        return self.template.format(**names, **consts)

    def __repr__(self) -> str:
        args = ", ".join(repr(p) for p in self.params)
        return f"{self.name}({args})" if self.params else self.name


def _unary(name, template, impl, takes=(INT,), gives=INT, **flags) -> Callable[..., Any]:
    """A family of unary catalogue functions, one per tuple of constant parameters."""

    def make(*params: Any) -> CatalogueFunction:
        return CatalogueFunction(name, 1, template, impl, params, frozenset(takes), gives,
                                 **flags)  # fmt: skip

    make.__name__ = name
    return make


def _one_if(x: Any) -> int:
    return 1 if x else 0


def _one_if_eq(x: Any, c: Any) -> int:
    return 1 if x == c else 0


# Unary families: name -> constructor taking the constant parameters (if any).
add_const = _unary("add_const", "{x} + {c0}", operator.add, keeps_numerical=True)
sub_const = _unary("sub_const", "{x} - {c0}", operator.sub, keeps_numerical=True)
const_sub = _unary("const_sub", "{c0} - {x}", lambda x, c: c - x, keeps_numerical=True)
mul_const = _unary("mul_const", "{x} * {c0}", operator.mul, keeps_numerical=True)
mod_const = _unary("mod_const", "{x} % {c0}", operator.mod, keeps_numerical=True)
negate = _unary("negate", "-{x}", operator.neg, keeps_numerical=True)
absolute = _unary("absolute", "abs({x})", abs, keeps_numerical=True)
half = _unary("half", "{x} / 2", lambda x: x / 2, keeps_numerical=True)
less_than = _unary("less_than", "{x} < {c0}", operator.lt, gives=BOOL)
greater_than = _unary("greater_than", "{x} > {c0}", operator.gt, gives=BOOL)
equals = _unary("equals", "{x} == {c0}", operator.eq, takes=(INT, STR, BOOL), gives=BOOL)
not_equals = _unary("not_equals", "{x} != {c0}", operator.ne, takes=(INT, STR, BOOL),
                    gives=BOOL)  # fmt: skip
member = _unary("member", "{x} in {c0}", lambda x, c: x in c, takes=(INT, STR), gives=BOOL)
logical_not = _unary("logical_not", "not {x}", operator.not_, takes=(BOOL,), gives=BOOL)
indicator = _unary("indicator", "indicator({x})", _one_if, takes=(BOOL,), gives=INT,
                   numerical_output=True)  # fmt: skip
indicator_eq = _unary("indicator_eq", "indicator({x} == {c0})", _one_if_eq,
                      takes=(INT, STR, BOOL), gives=INT, numerical_output=True)  # fmt: skip


def _binary(name, template, impl, takes=(INT,), gives=INT, **flags) -> CatalogueFunction:
    return CatalogueFunction(name, 2, template, impl, (), frozenset(takes), gives, **flags)


add = _binary("add", "{x} + {y}", operator.add, keeps_numerical=True)
subtract = _binary("subtract", "{x} - {y}", operator.sub, keeps_numerical=True)
multiply = _binary("multiply", "{x} * {y}", operator.mul, keeps_numerical=True)
equal = _binary("equal", "{x} == {y}", operator.eq, takes=(INT, STR, BOOL), gives=BOOL)
not_equal = _binary("not_equal", "{x} != {y}", operator.ne, takes=(INT, STR, BOOL), gives=BOOL)
less = _binary("less", "{x} < {y}", operator.lt, gives=BOOL)
less_equal = _binary("less_equal", "{x} <= {y}", operator.le, gives=BOOL)
both = _binary("both", "{x} and {y}", lambda x, y: bool(x) and bool(y), takes=(BOOL,),
               gives=BOOL)  # fmt: skip
either = _binary("either", "{x} or {y}", lambda x, y: bool(x) or bool(y), takes=(BOOL,),
                 gives=BOOL)  # fmt: skip

UNARY: dict[str, Callable[..., CatalogueFunction]] = {
    f.__name__: f
    for f in (add_const, sub_const, const_sub, mul_const, mod_const, negate, absolute, half,
              less_than, greater_than, equals, not_equals, member, logical_not, indicator,
              indicator_eq)
}  # fmt: skip
BINARY: dict[str, CatalogueFunction] = {
    f.name: f
    for f in (add, subtract, multiply, equal, not_equal, less, less_equal, both, either)
}
