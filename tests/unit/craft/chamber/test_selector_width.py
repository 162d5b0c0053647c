"""SelectorWidth = width_head (writes 1/(w+1)) + discretising_mlp (1/(w+1) -> w), end to end.

Regression (SPEC 5): the reference's fixed MLP sharpness broke every width above 10.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

from tracr.craft.bases import BasisDirection, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.bases import join_vector_spaces as join
from tracr.craft.chamber import attention, numerical_mlp
from tracr.craft.transformers import SeriesWithResiduals

ONE = BasisDirection("one")
BOS = BasisDirection("tokens", "BOS")
SCRATCH = BasisDirection("w__width_scratch")


def width_of(x: float) -> int:
    return round(1.0 / x) - 1


def selector_width(q_space, k_space, pred, n: int, numerical: bool, causal: bool = False):
    """The two blocks the compiler emits for SelectorWidth at max_seq_len n, and the out space."""
    c = attention.default_coldness(n)
    head = attention.width_head(q_space, k_space, pred, ONE, BOS, SCRATCH, c, causal=causal)
    if numerical:
        out = VectorSpaceWithBasis((BasisDirection("w"),))
    else:
        out = VectorSpaceWithBasis.from_values("w", range(n + 1))
    mlp = numerical_mlp.discretising_mlp(
        VectorSpaceWithBasis((SCRATCH,)), out, width_of, [1.0 / (w + 1) for w in range(n + 1)],
        ONE, BOS, "w__hidden", numerical_output=numerical,
    )  # fmt: skip
    return SeriesWithResiduals([head, mlp]), out


def stream(n: int, queries: list[int], q_space, k_space) -> VectorInBasis:
    """Keys are indices 0..n-1; queries are values of the SOp ``q``; BOS at position 0."""
    full = join(q_space, k_space, VectorSpaceWithBasis((ONE, BOS)))
    mags = np.zeros((n + 1, full.num_dims))
    mags[:, full.index(ONE)] = 1.0
    mags[0, full.index(BOS)] = 1.0
    for t in range(1, n + 1):
        mags[t, full.index(BasisDirection("indices", t - 1))] = 1.0
        mags[t, full.index(BasisDirection("q", queries[t - 1]))] = 1.0
    return VectorInBasis(full.basis, mags)


def check(got: np.ndarray, widths: list[int], out: VectorSpaceWithBasis, numerical: bool):
    """Rows of ``got`` are BOS then one per query; BOS must be exactly zero."""
    assert (got[0] == 0.0).all()
    if numerical:
        np.testing.assert_allclose(got[1:, 0], widths, rtol=0, atol=1e-6)
    else:
        want = np.zeros((len(widths), out.num_dims))
        want[np.arange(len(widths)), widths] = 1.0
        assert np.array_equal(np.round(got[1:], 9), want)


@pytest.mark.parametrize("numerical", [False, True], ids=["categorical", "numerical"])
@pytest.mark.parametrize("n", [10, 11, 16, 256])
def test_every_width_up_to_n(n, numerical):
    # Keys are indices 0..n-1 and pred = LT(key, query): a query with value w selects exactly
    # the w keys 0..w-1. Two sequences cover the widths 0..n-1 and 1..n.
    k_space = VectorSpaceWithBasis.from_values("indices", range(n))
    q_space = VectorSpaceWithBasis.from_values("q", range(n + 1))
    series, out = selector_width(q_space, k_space, operator.lt, n, numerical)
    for widths in (list(range(n)), list(range(1, n + 1))):
        got = series.apply(stream(n, widths, q_space, k_space)).project(out).magnitudes
        check(got, widths, out, numerical)


def test_width_head_writes_one_over_w_plus_one():
    n = 256
    k_space = VectorSpaceWithBasis.from_values("indices", range(n))
    q_space = VectorSpaceWithBasis.from_values("q", range(n + 1))
    c = attention.default_coldness(n)
    head = attention.width_head(q_space, k_space, operator.lt, ONE, BOS, SCRATCH, c)
    got = head.apply(stream(n, list(range(n)), q_space, k_space)).project([SCRATCH]).magnitudes
    got = got[:, 0]
    np.testing.assert_allclose(got[1:], [1 / (w + 1) for w in range(n)], rtol=1e-12, atol=0)
    assert got[0] == pytest.approx(1.0, abs=1e-12)  # BOS attends to itself; the MLP silences it


@pytest.mark.parametrize("numerical", [False, True], ids=["categorical", "numerical"])
def test_causal_true_selector_counts_the_prefix(numerical):
    # SelectorWidth(Select(indices, indices, TRUE)) in a decoder: position p sees p keys.
    n = 256
    k_space = VectorSpaceWithBasis.from_values("indices", range(n))
    q_space = VectorSpaceWithBasis.from_values("q", [0])
    series, out = selector_width(q_space, k_space, None, n, numerical, causal=True)
    got = series.apply(stream(n, [0] * n, q_space, k_space)).project(out).magnitudes
    check(got, list(range(1, n + 1)), out, numerical)


def test_true_selector_without_causality_is_the_length():
    n = 40
    k_space = VectorSpaceWithBasis.from_values("indices", range(n))
    q_space = VectorSpaceWithBasis.from_values("q", [0])
    series, out = selector_width(q_space, k_space, None, n, numerical=False)
    for length in (1, 7, 40):  # shorter sequences than max_seq_len
        got = series.apply(stream(length, [0] * length, q_space, k_space)).project(out)
        check(got.magnitudes, [length] * length, out, numerical=False)


def test_key_mask_hides_padding_from_the_count():
    n = 16
    k_space = VectorSpaceWithBasis.from_values("indices", range(n))
    q_space = VectorSpaceWithBasis.from_values("q", [0])
    series, out = selector_width(q_space, k_space, None, n, numerical=True)
    mask = np.array([True] * 11 + [False] * 6)  # BOS + 10 tokens + 6 PAD
    got = series.apply(stream(n, [0] * n, q_space, k_space), key_mask=mask).project(out)
    check(got.magnitudes, [10] * n, out, numerical=True)


def test_float32_weights_keep_the_categorical_width_decodable():
    # Not exactness, a margin: the steps near w = 256 have slopes ~1.3e5, so in float32 the
    # pre-activations lose ~1e-2 and the one-hot is only approximately one-hot. Its argmax
    # must still be right (what a float32 backend decodes).
    n = 256
    values = [1.0 / (w + 1) for w in range(n + 1)]
    out = VectorSpaceWithBasis.from_values("w", range(n + 1))
    mlp = numerical_mlp.discretising_mlp(
        VectorSpaceWithBasis((SCRATCH,)), out, width_of, values, ONE, BOS, "h", False
    )
    space = mlp.fst.input_space  # one, bos, scratch
    x = np.zeros((n + 1, 3), dtype=np.float32)
    x[:, space.index(ONE)] = 1.0
    x[:, space.index(SCRATCH)] = np.array(values, dtype=np.float32)
    w1, w2 = mlp.fst.matrix.astype(np.float32), mlp.snd.matrix.astype(np.float32)
    got = np.maximum(x @ w1, 0) @ w2
    assert (got.argmax(axis=1) == np.arange(n + 1)).all()
    assert np.abs(got - np.eye(n + 1)).max() < 1e-2
