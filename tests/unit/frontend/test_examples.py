"""examples/*.rasp evaluated against answers computed independently in Python."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from pathlib import Path

import pytest

from tracr.frontend import load, load_program
from tracr.rasp import rasp

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def inputs(alphabet: list, lengths=range(1, 7), per_length: int = 6, seed: int = 0) -> list:
    rng = random.Random(seed)
    cases = [[rng.choice(alphabet) for _ in range(n)] for n in lengths for _ in range(per_length)]
    return cases + [[alphabet[0]] * 4]


def outputs(name: str, xs: list) -> list:
    return rasp.evaluate(load_program(EXAMPLES / f"{name}.rasp"), xs)


@pytest.mark.parametrize("xs", inputs([1, 2, 3, 4]))
def test_reverse(xs):
    assert outputs("reverse", xs) == list(reversed(xs))


@pytest.mark.parametrize("xs", inputs(["a", "b", "c"]))
def test_histogram(xs):
    counts = Counter(xs)
    assert outputs("histogram", xs) == [counts[x] for x in xs]


@pytest.mark.parametrize("xs", inputs([1, 2, 3, 5], lengths=range(1, 8)))
def test_sort_allows_duplicates(xs):
    assert outputs("sort", xs) == sorted(xs)


def test_sort_works_on_strings_too():
    assert outputs("sort", list("banana")) == sorted("banana")


@pytest.mark.parametrize("xs", inputs(["x", "y", "z"]))
def test_frac_prevs(xs):
    expected = [xs[: i + 1].count("x") / (i + 1) for i in range(len(xs))]
    assert outputs("frac_prevs", xs) == pytest.approx(expected)


def prefix_balanced(xs: list) -> list[int]:
    result, depth, ever_negative = [], 0, False
    for x in xs:
        depth += {"(": 1, ")": -1}.get(x, 0)
        ever_negative = ever_negative or depth < 0
        result.append(int(depth == 0 and not ever_negative))
    return result


@pytest.mark.parametrize(
    "xs",
    inputs(["(", ")"], lengths=range(1, 9), per_length=8)
    + [list("(())()"), list(")("), list("(()"), list("(a)b")],
)
def test_dyck(xs):
    assert outputs("dyck", xs) == prefix_balanced(xs)


def test_examples_mark_their_outputs_and_encodings():
    outputs_by_file = {
        "reverse": ("reverse", False),
        "histogram": ("histogram", False),
        "sort": ("sorted_tokens", False),
        "frac_prevs": ("frac_x", True),
        "dyck": ("balanced", False),
    }
    for stem, (name, numerical) in outputs_by_file.items():
        path = EXAMPLES / f"{stem}.rasp"
        program = load_program(path)
        assert program.name == name
        assert list(load(path))[-1] == name
        assert rasp.is_numerical(program) == numerical, stem


@pytest.mark.parametrize(
    ("stem", "vocab"),
    [
        ("reverse", {1, 2, 3}),
        ("histogram", {"a", "b", "c"}),
        ("sort", {1, 2, 4}),
        ("frac_prevs", {"x", "y"}),
        ("dyck", {"(", ")"}),
    ],
)
def test_examples_compile_to_models_that_agree_with_the_evaluator(stem, vocab):
    from tracr.compiler import compiling

    program = load_program(EXAMPLES / f"{stem}.rasp")
    model = compiling.compile_rasp_to_model(program, vocab=vocab, max_seq_len=4, compiler_bos="B")
    for n in range(1, 5):
        for xs in itertools.product(sorted(vocab), repeat=n):
            decoded = model.apply(["B", *xs]).decoded[1:]
            assert decoded == pytest.approx(rasp.evaluate(program, list(xs))), xs
