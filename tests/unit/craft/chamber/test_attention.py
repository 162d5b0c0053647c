"""Attention for Aggregate: predicates, BOS fallback, categorical copy, numerical mean, leak."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest

from tracr.craft.bases import BasisDirection, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.bases import join_vector_spaces as join
from tracr.craft.chamber import attention

ONE = BasisDirection("one")
BOS = BasisDirection("tokens", "BOS")
FIXED = VectorSpaceWithBasis((ONE, BOS))

# pred(key, query), as RASP's Comparison; None is TRUE (it reads ``one``, not the values).
PREDICATES = {
    "EQ": operator.eq,
    "LT": operator.lt,
    "LEQ": operator.le,
    "GT": operator.gt,
    "GEQ": operator.ge,
    "NEQ": operator.ne,
    "TRUE": None,
    "FALSE": lambda k, q: False,
}

Q_VALUES = [0, 1, 2, 3]
K_VALUES = [0, 1, 2, 3, 4]
Q = VectorSpaceWithBasis.from_values("q", Q_VALUES)
K = VectorSpaceWithBasis.from_values("k", K_VALUES)
NUM = VectorSpaceWithBasis((BasisDirection("v"),))
NUM_OUT = VectorSpaceWithBasis((BasisDirection("out"),))
CAT_VALUES = ["a", "b", "c"]
CAT = VectorSpaceWithBasis.from_values("c", CAT_VALUES)
CAT_OUT = VectorSpaceWithBasis.from_values("cout", CAT_VALUES)

# A sequence of 8 positions (after BOS); every query value meets every predicate outcome.
QUERIES = [0, 3, 1, 2, 3, 0, 2, 1]
KEYS = [4, 1, 1, 0, 3, 2, 4, 0]
NUMBERS = [1.5, -2.0, 4.0, 0.0, 10.0, -7.25, 3.0, 100.0]
N = len(QUERIES)
COLDNESS = attention.default_coldness(N)


def residual(n: int, **sops: tuple[VectorSpaceWithBasis, list]) -> VectorInBasis:
    """The stream for a sequence of n positions after BOS.

    Each keyword is ``space, values``: a categorical space gets one-hots (None: all zero), a
    one-direction numerical space gets the number itself. BOS holds only ``one`` and BOS.
    """
    full = join(FIXED, *(space for space, _ in sops.values()))
    mags = np.zeros((n + 1, full.num_dims))
    mags[:, full.index(ONE)] = 1.0
    mags[0, full.index(BOS)] = 1.0
    for space, values in sops.values():
        numerical = space.num_dims == 1 and space.basis[0].value is None
        for t, v in enumerate(values, start=1):
            if v is None:
                continue
            if numerical:
                mags[t, full.index(space.basis[0])] = v
            else:
                mags[t, full.index(BasisDirection(space.basis[0].name, v))] = 1.0
    return VectorInBasis(full.basis, mags)


def selection(pred, keys, queries, causal=False) -> np.ndarray:
    """sel[q][k] over non-BOS positions, as the evaluator defines it."""
    sel = np.array([[pred is None or bool(pred(k, q)) for k in keys] for q in queries])
    if causal:
        sel &= np.tril(np.ones_like(sel))
    return sel


def x_stream() -> VectorInBasis:
    cats = ["a", "b", "b", "c", "a", "a", "c", "b"]
    return residual(N, q=(Q, QUERIES), k=(K, KEYS), v=(NUM, NUMBERS), c=(CAT, cats))


# --- coldness ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5, 10, 64, 256, 10_000])
def test_default_coldness_bounds_the_leak(n):
    c = attention.default_coldness(n)
    assert (n + 1) * math.exp(-c / 2) == pytest.approx(attention.LEAK_BOUND, rel=1e-9)
    assert attention.LEAK_BOUND <= 1e-13


# --- the pattern: predicates, key/query order, BOS fallback --------------------------------


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("name", list(PREDICATES))
def test_pattern_selects_what_the_predicate_selects(name, causal):
    pred = PREDICATES[name]
    ov = attention.value_map(NUM, NUM_OUT, numerical=True)
    head = attention.aggregate_head(Q, K, pred, ov, ONE, BOS, COLDNESS, causal=causal)
    p = head.pattern(x_stream())  # [T, T], row/column 0 is BOS
    sel = selection(pred, KEYS, QUERIES, causal)
    for q in range(N):
        row, chosen = p[q + 1], sel[q]
        if chosen.any():
            np.testing.assert_allclose(row[1:][chosen], 1 / chosen.sum(), rtol=0, atol=1e-12)
            assert row[0] + row[1:][~chosen].sum() < 1e-12  # BOS and the unselected
        else:
            assert row[0] > 1 - 1e-12  # nothing selected: BOS takes it all
    assert p[0, 0] > 1 - 1e-12  # the BOS query attends to BOS


def test_predicate_reads_key_then_query():
    # LT means key < query: the query with value 2 selects the keys with values 0 and 1.
    ov = attention.value_map(NUM, NUM_OUT, numerical=True)
    head = attention.aggregate_head(Q, K, operator.lt, ov, ONE, BOS, COLDNESS)
    p = head.pattern(x_stream())
    row = p[1 + QUERIES.index(2)]
    assert [t for t in range(1, N + 1) if row[t] > 0.1] == [
        t + 1 for t, k in enumerate(KEYS) if k < 2
    ]


def test_true_predicate_selects_none_values_too():
    # TRUE holds for every key, None included: it reads ``one``, not the one-hots.
    xs = residual(4, q=(Q, [None, 1, None, 2]), k=(K, [None, None, 3, 0]))
    ov = attention.value_map(NUM, NUM_OUT, numerical=True)
    p = attention.aggregate_head(Q, K, None, ov, ONE, BOS, COLDNESS).pattern(xs)
    np.testing.assert_allclose(p[1:, 1:], 0.25, rtol=0, atol=1e-12)
    assert p[0, 0] > 1 - 1e-12


# --- aggregate outputs ---------------------------------------------------------------------


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("name", list(PREDICATES))
def test_numerical_aggregate_is_the_mean_or_zero(name, causal):
    pred = PREDICATES[name]
    ov = attention.value_map(NUM, NUM_OUT, numerical=True)
    head = attention.aggregate_head(Q, K, pred, ov, ONE, BOS, COLDNESS, causal=causal)
    got = head.apply(x_stream()).project(NUM_OUT).magnitudes[:, 0]
    sel = selection(pred, KEYS, QUERIES, causal)
    means = [np.mean(np.array(NUMBERS)[row]) if row.any() else 0.0 for row in sel]
    np.testing.assert_allclose(got[1:], means, rtol=0, atol=1e-6)
    assert abs(got[0]) < 1e-10  # BOS query: zero up to the leak (n e^{-c/2} times a value)


def test_categorical_aggregate_copies_the_selected_value():
    # Each query selects the previous position (shift by one): a unique selected key.
    idx = VectorSpaceWithBasis.from_values("indices", range(N))
    cats = ["a", "b", "b", "c", None, "a", "c", "b"]
    xs = residual(N, indices=(idx, list(range(N))), c=(CAT, cats))
    ov = attention.value_map(CAT, CAT_OUT, numerical=False)
    head = attention.aggregate_head(idx, idx, lambda k, q: k == q - 1, ov, ONE, BOS, COLDNESS)
    got = head.apply(xs).project(CAT_OUT).magnitudes
    want = np.zeros_like(got)
    for t, v in enumerate([None, *cats[:-1]], start=1):  # position 1 selects nothing
        if v is not None:
            want[t, CAT_OUT.index(BasisDirection("cout", v))] = 1.0
    assert np.array_equal(np.round(got, 9), want)  # None copied and no match: all zero
    assert np.abs(got[0]).max() < 1e-12  # BOS


def test_categorical_aggregate_of_equal_selected_values_is_that_value():
    # Query value q selects every key with the same value; those keys all hold the same letter.
    keys = [0, 1, 0, 2, 1, 0]
    cats = ["a", "c", "a", "b", "c", "a"]
    queries = [1, 0, 3, 2, 0, 1]
    xs = residual(6, q=(Q, queries), k=(K, keys), c=(CAT, cats))
    ov = attention.value_map(CAT, CAT_OUT, numerical=False)
    head = attention.aggregate_head(Q, K, operator.eq, ov, ONE, BOS, COLDNESS)
    got = head.apply(xs).project(CAT_OUT).magnitudes
    letter = {0: "a", 1: "c", 2: "b"}
    want = np.zeros_like(got)
    for t, q in enumerate(queries, start=1):
        if q in letter:
            want[t, CAT_OUT.index(BasisDirection("cout", letter[q]))] = 1.0
    assert np.array_equal(np.round(got, 9), want)


def test_value_map():
    ov = attention.value_map(CAT, VectorSpaceWithBasis.from_values("o", ["b", "c", "z"]), False)
    # rows c:a, c:b, c:c; columns o:b, o:c, o:z. A value the output lacks maps to zero.
    assert ov.matrix.tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    assert attention.value_map(NUM, NUM_OUT, True).matrix.tolist() == [[1.0]]


# --- the leak bound at length 256 ----------------------------------------------------------


def test_leak_is_below_1e_12_at_length_256():
    n = 256
    idx = VectorSpaceWithBasis.from_values("indices", range(n))
    qs = VectorSpaceWithBasis.from_values("q", range(-1, n + 1))
    # query at position p has value p - 2 + p % 3, so it selects 0..n keys (and none at p=1)
    queries = [p - 2 + p % 3 for p in range(1, n + 1)]
    xs = residual(n, indices=(idx, list(range(n))), q=(qs, queries))
    ov = attention.value_map(NUM, NUM_OUT, numerical=True)
    c = attention.default_coldness(n)
    for causal in (False, True):
        head = attention.aggregate_head(qs, idx, operator.lt, ov, ONE, BOS, c, causal=causal)
        p = head.pattern(xs)
        sel = selection(operator.lt, range(n), queries, causal)
        leak = np.where(sel, 0.0, p[1:, 1:]).sum(axis=-1)
        bos = p[1:, 0]
        assert (leak[sel.any(axis=1)] + bos[sel.any(axis=1)]).max() < 1e-12
        assert leak[~sel.any(axis=1)].max() < 1e-12  # no match: all but 1e-12 on BOS
        assert p[0, 1:].sum() < 1e-12  # the BOS query


def test_same_sop_as_key_and_query():
    # Select(k, k, EQ): each position averages over the positions holding its own value.
    xs = residual(N, k=(K, KEYS), v=(NUM, NUMBERS))
    ov = attention.value_map(NUM, NUM_OUT, numerical=True)
    head = attention.aggregate_head(K, K, operator.eq, ov, ONE, BOS, COLDNESS)
    got = head.apply(xs).project(NUM_OUT).magnitudes[1:, 0]
    want = [np.mean([x for k, x in zip(KEYS, NUMBERS, strict=True) if k == q]) for q in KEYS]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
