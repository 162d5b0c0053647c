"""Equal values of different types (1, 1.0, True; 0.0, -0.0) must never be silently merged.

Each program holds two such values in one categorical SOp; wherever something later tells
them apart, compilation is refused naming the expression; otherwise the model must equal the
evaluator, types included. The compiled model must not depend on PYTHONHASHSEED.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tracr.compiler import compiling, verifying
from tracr.errors import ModelInputError, UnsupportedExprError
from tracr.rasp import rasp

C = rasp.Comparison
TWINS = [(1, 1.0), (1.0, 1), (True, 1), (1, True), (0.0, -0.0), (-0.0, 0.0), (False, 0.0),
         ((1, "a"), (1.0, "a")), (0, False)]
SELF = rasp.Select(rasp.indices, rasp.indices, C.EQ)


def _holding(a, b) -> rasp.SOp:
    """A categorical SOp that is ``a`` at token 0 and ``b`` at token 1, through a head."""
    sop = rasp.categorical(rasp.Map(lambda x, a=a, b=b: a if x == 0 else b, rasp.tokens))
    return rasp.categorical(rasp.Aggregate(SELF, sop))


def _outcome(program: rasp.SOp) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = compiling.compile_rasp_to_model(program, {0, 1}, 3)
    except UnsupportedExprError as exc:
        assert program.label in str(exc) or "apart" in str(exc)
        return "refused"
    report = verifying.compare(model, program, list(verifying.all_inputs({0, 1}, 3)))
    assert report.checked > 0 and report.ok, report.mismatches[:3]
    return "exact"


OBSERVERS = {
    "repr": lambda v: repr(v),
    "type": lambda v: type(v).__name__,
    "str": lambda v: str(v),
    "index": lambda v: -1 if isinstance(v, float | tuple) else ["x", "y"][v],
    "eq": lambda v: v == 1,
}


@pytest.mark.parametrize(("a", "b"), TWINS, ids=repr)
@pytest.mark.parametrize("observe", OBSERVERS.values(), ids=OBSERVERS.keys())
def test_a_map_that_may_tell_twins_apart_is_exact_or_refused(a, b, observe):
    _outcome(rasp.categorical(rasp.Map(observe, _holding(a, b))))


@pytest.mark.parametrize(("a", "b"), TWINS, ids=repr)
def test_a_map_telling_twins_apart_is_refused(a, b):
    program = rasp.categorical(rasp.Map(repr, _holding(a, b)))
    with pytest.raises(UnsupportedExprError, match=f"{program.label}.*apart"):
        compiling.compile_rasp_to_model(program, {0, 1}, 2)


@pytest.mark.parametrize(("a", "b"), TWINS, ids=repr)
def test_an_output_holding_twins_is_refused(a, b):
    program = _holding(a, b)
    with pytest.raises(UnsupportedExprError, match=f"{program.label}.*output can be"):
        compiling.compile_rasp_to_model(program, {0, 1}, 2)


@pytest.mark.parametrize(("a", "b"), TWINS[:6], ids=repr)
def test_twins_compared_by_value_compile_exactly(a, b):
    held = _holding(a, b)
    same = rasp.Select(held, held, C.EQ)
    assert _outcome(rasp.SelectorWidth(same)) == "exact"
    assert _outcome(rasp.categorical(rasp.Map(lambda v: v == 1 or v == 0, held))) == "exact"


def test_a_custom_predicate_reading_twins_is_refused():
    held = _holding(1, 1.0)
    program = rasp.SelectorWidth(rasp.Select(held, held, lambda k, q: type(k) is type(q)))
    with pytest.raises(UnsupportedExprError, match="predicate may tell"):
        compiling.compile_rasp_to_model(program, {0, 1}, 2)


def test_a_sequence_map_telling_twins_apart_is_refused():
    held = _holding(True, 1)
    program = rasp.SequenceMap(lambda x, y: repr(x) + repr(y), held, rasp.tokens)
    with pytest.raises(UnsupportedExprError, match=f"{program.label}.*apart"):
        compiling.compile_rasp_to_model(program, {0, 1}, 2)


def test_a_categorical_map_returning_nan_is_refused():
    program = rasp.categorical(rasp.Map(lambda x: float("nan") if x else 1.0, rasp.tokens))
    with pytest.raises(UnsupportedExprError, match=f"{program.label}.*nan"):
        compiling.compile_rasp_to_model(program, {0, 1}, 2)


_SCRIPT = """
from tracr.compiler import compiling
from tracr.rasp import rasp
sel = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ)
for a, b in [(1, 1.0), (True, 1), (0.0, -0.0)]:
    held = rasp.categorical(rasp.Aggregate(sel, rasp.categorical(
        rasp.Map(lambda x, a=a, b=b: a if x == 0 else b, rasp.tokens))))
    words = rasp.categorical(rasp.Map(lambda v: int(v) + 1, held))
    m = compiling.compile_rasp_to_model(words, {0, 1, "s", "t"} - {"s"}, 2)
    print(m.residual_labels, [m.apply(["compiler_bos", x]).decoded for x in (0, 1, "t")])
"""


def test_the_compiled_model_does_not_depend_on_the_hash_seed():
    env = dict(os.environ)
    outputs = set()
    for seed in ("0", "1", "2", "12345"):
        env["PYTHONHASHSEED"] = seed
        out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                             text=True, check=True, timeout=120)
        outputs.add(out.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize(
    ("token", "kind"),
    [(1.0, "float"), (True, "bool"), (np.int64(1), "int64"), (np.float64(1.0), "float64")],
)
def test_apply_refuses_an_equal_token_of_another_type(token, kind):
    model = compiling.compile_rasp_to_model(rasp.Map(repr, rasp.tokens), {1, 2}, 3)
    with pytest.raises(ModelInputError, match=f"position 2 holds .* of type {kind}, but the "
                       "vocabulary's token is 1 of type int"):
        model.apply(["compiler_bos", 2, token])


def test_apply_accepts_each_vocabulary_token_as_its_own_type():
    vocab = {1.5, "a", (1, 2), False}
    model = compiling.compile_rasp_to_model(rasp.Map(repr, rasp.tokens), vocab, 2)
    for x, y in itertools.product(sorted(vocab, key=repr), repeat=2):
        assert model.apply(["compiler_bos", x, y]).decoded[1:] == [repr(x), repr(y)]
    with pytest.raises(ModelInputError, match="type int"):
        model.apply(["compiler_bos", 0])
