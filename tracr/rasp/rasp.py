"""The RASP language, as users import it: ``from tracr.rasp import rasp``.

This module is the public surface; the definitions live in ``base`` (expressions, names,
annotations, operators), ``comparison`` (Select's predicates), ``sops`` (primitives, maps,
constants), ``selectors`` (selectors, Aggregate, SelectorWidth), ``traversal`` (graph walks)
and ``evaluator`` (the oracle). See ``evaluator`` for the evaluation rules.

>>> from tracr.rasp import rasp
>>> length = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE))
>>> flip = rasp.Select(rasp.indices, length - rasp.indices - 1, rasp.Comparison.EQ)
>>> reverse = rasp.Aggregate(flip, rasp.tokens).named("reverse")
>>> reverse([1, 2, 3])
[3, 2, 1]
>>> reverse.label == f"reverse_{reverse.unique_id}"
True
"""

from __future__ import annotations

from tracr.rasp.base import (
    DEFAULT_ANNOTATORS,
    Annotator,
    Encoding,
    RASPExpr,
    Selector,
    SOp,
    annotate,
    categorical,
    default_encoding,
    default_name,
    get_encoding,
    is_categorical,
    is_numerical,
    numerical,
)
from tracr.rasp.comparison import Comparison, Predicate
from tracr.rasp.evaluator import (
    DefaultRASPEvaluator,
    NumericValue,
    RASPEvaluator,
    SelectorValue,
    SOpValue,
    Value,
    evaluate,
)
from tracr.rasp.selectors import (
    Aggregate,
    ConstantSelector,
    Select,
    SelectorAnd,
    SelectorNot,
    SelectorOr,
    SelectorWidth,
    selector_and,
    selector_not,
    selector_or,
)
from tracr.rasp.sops import (
    ConstantSOp,
    Full,
    IndicesType,
    LengthType,
    LinearSequenceMap,
    Map,
    SequenceMap,
    TokensType,
    indices,
    length,
    sop_not,
    tokens,
)
from tracr.rasp.traversal import topological_sort, walk

__all__ = [
    "DEFAULT_ANNOTATORS",
    "Aggregate",
    "Annotator",
    "DefaultRASPEvaluator",
    "NumericValue",
    "RASPEvaluator",
    "SOpValue",
    "SelectorValue",
    "Value",
    "default_encoding",
    "default_name",
    "selector_and",
    "selector_not",
    "selector_or",
    "sop_not",
    "Comparison",
    "ConstantSOp",
    "ConstantSelector",
    "Encoding",
    "Full",
    "IndicesType",
    "LengthType",
    "LinearSequenceMap",
    "Map",
    "Predicate",
    "RASPExpr",
    "SOp",
    "Select",
    "Selector",
    "SelectorAnd",
    "SelectorNot",
    "SelectorOr",
    "SelectorWidth",
    "SequenceMap",
    "TokensType",
    "annotate",
    "categorical",
    "evaluate",
    "get_encoding",
    "indices",
    "is_categorical",
    "is_numerical",
    "length",
    "numerical",
    "tokens",
    "topological_sort",
    "walk",
]
