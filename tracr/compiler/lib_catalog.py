"""Every library program with a vocabulary and an input sampler that exercise it.

Used by the benchmark, the differential tests and the ``tracr`` command (``lib:reverse``).
``NAMES`` are the reference's library (``lib``); ``PAPER_NAMES`` the RASP paper's programs that
need composite selectors (``paper_lib``).
``build(name, vocab_size, max_seq_len)`` returns a ``Case``: the program, its vocabulary and a
function drawing random inputs from the program's domain (e.g. distinct keys for
``sort_unique``).
"""

from __future__ import annotations

import dataclasses
import random
import string
from collections.abc import Callable

from tracr.compiler import lib, paper_lib
from tracr.errors import CompilerError
from tracr.rasp import rasp

Sampler = Callable[[random.Random, int], list]


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    program: rasp.SOp
    vocab: frozenset
    max_seq_len: int
    sample: Sampler  # (rng, length) -> one input of that length

    def random_inputs(self, count: int, seed: int = 0) -> list[list]:
        rng = random.Random(seed)
        longest = self.max_len_in_domain()
        return [self.sample(rng, rng.randint(1, longest)) for _ in range(count)]

    def max_len_in_domain(self) -> int:
        if self.name == "sort_unique":
            return min(self.max_seq_len, len(self.vocab))
        return self.max_seq_len


def _uniform(vocab: list) -> Sampler:
    return lambda rng, n: [rng.choice(vocab) for _ in range(n)]


def _distinct(vocab: list) -> Sampler:
    return lambda rng, n: rng.sample(vocab, n)


def _letters(count: int, avoid: str = "") -> list[str]:
    pool = [c for c in string.ascii_lowercase + string.ascii_uppercase if c not in avoid]
    return pool[:count]


def _brackets(pairs: str, size: int) -> list[str]:
    return list(pairs) + _letters(max(0, size - len(pairs)))


def _programs(v: int, n: int) -> dict[str, tuple[Callable[[], rasp.SOp], list]]:
    ints = list(range(v))
    return {
        "length": (lib.make_length, ints),
        "reverse": (lambda: lib.make_reverse(rasp.tokens), ints),
        "hist": (lib.make_hist, ints),
        "sort_unique": (lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens), ints),
        "sort": (lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=n, min_key=1),
                 ints),
        "sort_freq": (lambda: lib.make_sort_freq(n), ints),
        "frac_prevs": (lambda: lib.make_frac_prevs(rasp.tokens == 0), ints),
        "pair_balance": (lambda: lib.make_pair_balance(rasp.tokens, "(", ")"),
                         _brackets("()", v)),
        "shuffle_dyck": (lambda: lib.make_shuffle_dyck(["()"]), _brackets("()", v)),
        "shuffle_dyck2": (lib.make_shuffle_dyck2, _brackets("(){}", v)),
        "shift_by": (lambda: lib.shift_by(2, rasp.tokens), ints),
        "detect_pattern": (lambda: lib.detect_pattern(rasp.tokens, "abc"), _letters(max(v, 3))),
        "count_less_freq": (lambda: lib.make_count_less_freq(2), ints),
        "count": (lambda: lib.make_count(rasp.tokens, 0), ints),
        "nary_sequencemap": (
            lambda: lib.make_nary_sequencemap(lambda a, b, c: a + b - c, rasp.tokens,
                                              rasp.indices, rasp.tokens),
            ints,
        ),
    }


def _paper_programs(v: int, n: int) -> dict[str, tuple[Callable[[], rasp.SOp], list]]:
    ints = list(range(v))
    return {
        "sort_dup": (lambda: paper_lib.make_sort_with_duplicates(rasp.tokens, rasp.tokens),
                     ints),
        "most_freq_sort": (paper_lib.make_most_freq_sort, _letters(v)),
        "dyck1": (paper_lib.make_dyck1, _brackets("()", v)),
        "dyck2": (paper_lib.make_dyck2, _brackets("(){}", v)),
    }


# What each program computes, one line each (for ``tracr list``).
SUMMARIES = {
    "length": "the sequence length, at every position",
    "reverse": "the tokens reversed",
    "hist": "how often each position's token occurs",
    "sort_unique": "the tokens sorted (keys must be distinct)",
    "sort": "the tokens sorted, duplicates allowed (ties by position)",
    "sort_freq": "the tokens ordered by descending frequency",
    "frac_prevs": "fraction of positions <= i holding 0 (numerical)",
    "pair_balance": "fraction of '(' minus fraction of ')' so far (numerical)",
    "shuffle_dyck": "1 where '()' is balanced so far, else 0",
    "shuffle_dyck2": "1 where '()' and '{}' are each balanced so far, else 0",
    "shift_by": "the tokens shifted right by 2, None first",
    "detect_pattern": "true at the last token of each occurrence of 'abc'",
    "count_less_freq": "how many tokens occur at most 2 times",
    "count": "how often the token 0 occurs",
    "nary_sequencemap": "token + index - token, elementwise (a 3-input SequenceMap)",
    "sort_dup": "the tokens sorted, equal keys in input order (composite selector)",
    "most_freq_sort": "the tokens by descending frequency, ties by position",
    "dyck1": "1 where the prefix is a balanced '()' word (Dyck-1)",
    "dyck2": "1 where the prefix is a balanced word over '()' and '{}' (Dyck-2)",
}
NAMES = tuple(_programs(2, 2))
PAPER_NAMES = tuple(_paper_programs(2, 2))


def build(name: str, vocab_size: int = 5, max_seq_len: int = 5) -> Case:
    """The library program ``name`` at the given vocabulary size and maximum length."""
    programs = _programs(vocab_size, max_seq_len) | _paper_programs(vocab_size, max_seq_len)
    if name not in programs:
        raise CompilerError(
            f"no library program {name!r}; choose one of {', '.join(NAMES + PAPER_NAMES)}"
        )
    make, vocab = programs[name]
    sampler = _distinct(vocab) if name == "sort_unique" else _uniform(vocab)
    return Case(name, make(), frozenset(vocab), max_seq_len, sampler)
