"""examples/weiss/: the RASP paper's programs in the paper's language, compiled and exact.

Each program is checked against an oracle written in Python (so the evaluator is right), then
compiled and compared with the evaluator on every input up to a small length, padded, and
causal (issue 18).
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections import Counter
from pathlib import Path

import pytest

from tracr.compiler import compiling, verifying
from tracr.compiler.basis_inference import ValueSetWarning
from tracr.compiler.lookahead import LookaheadWarning
from tracr.errors import UnsupportedExprError
from tracr.frontend import load

WEISS = Path(__file__).resolve().parents[2] / "examples" / "weiss"
ABC = ["a", "b", "c"]


@functools.cache
def program(file: str, name: str):
    return load(WEISS / f"{file}.rasp")[name]


def words(alphabet, max_len: int):
    for n in range(1, max_len + 1):
        yield from (list(w) for w in itertools.product(alphabet, repeat=n))


def compile_quietly(prog, vocab, max_seq_len: int, causal: bool = False):
    # 1 / mean meets the mean 0, where the evaluator raises too (ValueSetWarning); sort looks
    # ahead, so its causal model answers per prefix (LookaheadWarning).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValueSetWarning)
        warnings.simplefilter("ignore", LookaheadWarning)
        return compiling.compile_rasp_to_model(prog, vocab, max_seq_len, causal=causal)


def assert_exact(prog, vocab, max_seq_len: int) -> None:
    model = compile_quietly(prog, vocab, max_seq_len)
    inputs = list(verifying.all_inputs(vocab, max_seq_len))
    for report in (verifying.compare(model, prog, inputs),
                   verifying.compare(model, prog, inputs[::5], pad_to_max=True)):
        assert report.checked > 0
        assert report.ok, [str(m) for m in report.mismatches[:3]]
    causal = compile_quietly(prog, vocab, max_seq_len, causal=True)
    report = verifying.compare(causal, prog, inputs[::4])
    assert report.ok, [str(m) for m in report.mismatches[:3]]


# Oracles: the evaluator computes what the paper says.


def test_histograms_count_equal_tokens():
    for name in ("hist_nobos", "hist_bos"):
        prog = program("histogram", name)
        for w in words(ABC, 4):
            counts = Counter(w)
            want = [counts[x] for x in w]
            assert prog(w) == want if name == "hist_nobos" else prog(["$", *w])[1:] == [
                Counter(["$", *w])[x] for x in w]


def test_double_histogram_counts_tokens_with_the_same_count():
    prog = program("double_histogram", "hist2")
    for w in words(ABC, 5):
        counts = Counter(w)
        assert prog(w) == [sum(1 for c in counts.values() if c == counts[x]) for x in w]


def test_sorts_sort():
    for w in words(ABC, 5):
        assert program("sort", "sorted")(w) == sorted(w)
        assert program("sort", "sorted_bos")(["$", *w]) == ["$", *sorted(w)]


def test_most_frequent_first():
    prog = program("most_freq", "most_freq")
    for w in words(ABC, 5):
        counts = Counter(w)
        distinct = sorted(counts, key=lambda x: (-counts[x], w.index(x)))
        assert prog(w) == distinct + ["-"] * (len(w) - len(distinct))


def _dyck_oracle(word, pairs):
    closer_of = {p[1]: p[0] for p in pairs}
    stack, broken, out = [], False, []
    for ch in word:
        if ch in closer_of:
            broken = broken or not stack or stack.pop() != closer_of[ch]
        elif any(ch == p[0] for p in pairs):
            stack.append(ch)
        out.append("F" if broken else ("T" if not stack else "P"))
    return out


@pytest.mark.parametrize(("name", "pairs"), [("dyck1", ["()"]), ("dyck1_k", ["()"]),
                                             ("dyck2", ["()", "{}"]),
                                             ("dyck3", ["()", "{}", "[]"])])
def test_dyck_matches_a_stack(name, pairs):
    prog = program("dyck", name)
    alphabet = sorted(set("".join(pairs)))  # the paper's Dyck programs read brackets only
    for w in words(alphabet, 6 if len(pairs) < 3 else 4):
        assert prog(w) == _dyck_oracle(w, pairs), w


# Compiled: exact on every input up to a small length.


@pytest.mark.parametrize(("file", "name", "max_len"), [
    ("histogram", "hist_nobos", 4), ("histogram", "hist_bos", 4),
    ("double_histogram", "hist2", 4), ("sort", "sorted", 4), ("sort", "sorted_bos", 4),
    ("most_freq", "most_freq", 4), ("dyck", "dyck1", 4), ("dyck", "dyck1_k", 4),
])
def test_compiled_exactly(file, name, max_len):
    vocab = set("()") if name.startswith("dyck") else set(ABC)
    assert_exact(program(file, name), vocab, max_len)


def test_dyck1_counted_with_means_is_refused_from_length_5():
    # (i + 1) * mean(...) over every fraction k/m: two such products differ by 1.1e-16 where
    # the true counts are equal, so `balance == 0` cannot be decided by any model.
    with pytest.raises(UnsupportedExprError, match="cannot compile"):
        compile_quietly(program("dyck", "dyck1"), set("()"), 5)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "vocab", "max_len"), [("dyck2", "(){}", 4),
                                                        ("dyck3", "(){}[]", 3)])
def test_dyck_k_compiled_exactly(name, vocab, max_len):
    assert_exact(program("dyck", name), set(vocab), max_len)
