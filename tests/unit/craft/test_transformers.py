"""Attention heads, MLPs and residual series, applied to small hand-made residual streams."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

import tracr.craft
from tracr.craft.bases import BasisDirection, BasisError, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.transformers import MLP, AttentionHead, MultiAttentionHead, SeriesWithResiduals
from tracr.craft.vectorspace_fns import Linear, ScalarBilinear

A, B, C = BasisDirection("a"), BasisDirection("b"), BasisDirection("c")
H1, H2 = BasisDirection("h", 1), BasisDirection("h", 2)


def sp(*dirs: BasisDirection) -> VectorSpaceWithBasis:
    return VectorSpaceWithBasis(dirs)


def stream(dirs: tuple[BasisDirection, ...], rows: list[list[float]]) -> VectorInBasis:
    s = sp(*dirs)
    assert s.basis == dirs, "list the directions in sorted order"
    return VectorInBasis(s.basis, np.array(rows, dtype=float))


def relu_mlp(in_dir, hidden, out_dir, w_in: float, w_out: float, label: str) -> MLP:
    return MLP(
        Linear.from_entries(sp(in_dir), sp(hidden), {(in_dir, hidden): w_in}),
        Linear.from_entries(sp(hidden), sp(out_dir), {(hidden, out_dir): w_out}),
        label=label,
    )


# --- attention -------------------------------------------------------------------------------


def copy_head(causal: bool = False) -> AttentionHead:
    """Every query scores key k by 10 * a[k]; the value copies b into c."""
    qk = ScalarBilinear.from_entries(sp(C), sp(A), {(C, A): 10.0})
    ov = Linear.from_entries(sp(B), sp(C), {(B, C): 1.0})
    return AttentionHead(qk, ov, causal=causal, label="copy")


# directions a, b, c; c = 1 at every query so the score is 10 * a[k]
X = stream((A, B, C), [[0, 1, 1], [1, 2, 1], [0, 4, 1], [1, 8, 1]])


def test_head_pattern_is_a_softmax_over_keys():
    head = copy_head()
    p = head.pattern(X)
    logits = np.array([0.0, 10.0, 0.0, 10.0])
    want = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(p, np.tile(want, (4, 1)), rtol=1e-15)
    assert head.residual_space == sp(A, B, C)


def test_head_apply_averages_the_values():
    out = copy_head().apply(X)
    assert out.basis_directions == (A, B, C)  # the head's residual space, as in the reference
    assert (out.magnitudes[:, :2] == 0).all()
    out = out.project([C])
    w = np.exp(10.0) / (2 * np.exp(10.0) + 2)
    want = w * (2 + 8) + (1 - 2 * w) / 2 * (1 + 4)
    np.testing.assert_allclose(out.magnitudes[:, 0], want, rtol=1e-14)


def test_causal_head_sees_only_earlier_keys():
    p = copy_head(causal=True).pattern(X)
    assert np.array_equal(p > 0, np.tril(np.ones((4, 4), dtype=bool)))
    assert p[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)


def test_key_mask_removes_keys():
    mask = np.array([True, True, True, False])
    p = copy_head().pattern(X, key_mask=mask)
    assert (p[:, 3] == 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    out = copy_head().apply(X, key_mask=mask).project([C])
    np.testing.assert_allclose(out.magnitudes, p @ X.magnitudes[:, [1]], rtol=1e-15)


def test_multi_head_outputs_add():
    h1 = copy_head()
    qk = ScalarBilinear.from_entries(sp(C), sp(A), {(C, A): -10.0})
    h2 = AttentionHead(qk, Linear.from_entries(sp(B), sp(A), {(B, A): 2.0}))
    multi = MultiAttentionHead([h1, h2])
    assert multi.residual_space == sp(A, B, C)
    out = multi.apply(X)
    want = h1.apply(X).project(out.space) + h2.apply(X).project(out.space)
    assert out == want


# --- MLP -------------------------------------------------------------------------------------


def test_mlp_hidden_spaces_must_agree():
    fst = Linear.from_entries(sp(A), sp(H1), {(A, H1): 1.0})
    snd = Linear.from_entries(sp(H2), sp(B), {(H2, B): 1.0})
    with pytest.raises(ValueError, match=r"^MLP 'bad': hidden spaces of its two maps differ$"):
        MLP(fst, snd, label="bad")


def test_mlp_applies_relu_between_its_maps():
    mlp = MLP(
        Linear.from_entries(sp(A), sp(H1, H2), {(A, H1): 1.0, (A, H2): -1.0}),
        Linear.from_entries(sp(H1, H2), sp(B), {(H1, B): 1.0, (H2, B): -1.0}),
    )  # relu(a) - relu(-a) = a
    x = stream((A,), [[-2.5], [0.0], [3.0]])
    assert mlp.apply(x).magnitudes.tolist() == [[0.0, -2.5], [0.0, 0.0], [0.0, 3.0]]  # a, b
    assert mlp.hidden_size == 2
    assert mlp.residual_space == sp(A, B)


def test_mlps_combine_in_parallel():
    m1 = relu_mlp(A, BasisDirection("p"), B, -1.0, 1.0, "m1")  # b += relu(-a)
    m2 = relu_mlp(A, BasisDirection("q"), C, 1.0, 3.0, "m2")  # c += 3 relu(a)
    both = MLP.combine_in_parallel([m1, m2])
    assert both.label == "m1+m2"
    assert both.hidden_size == 2
    x = stream((A, B, C), [[-2, 0, 0], [5, 0, 0]])
    out = both.apply(x).project(x.space)
    want = m1.apply(x).project(x.space) + m2.apply(x).project(x.space)
    assert out == want
    assert out.magnitudes.tolist() == [[0, 2, 0], [0, 0, 15]]


def test_mlps_sharing_hidden_directions_are_refused():
    # Regression: hidden units with the same direction used to be merged silently, so each
    # MLP's second layer read the other's units and both outputs came out wrong.
    m1 = relu_mlp(A, H1, B, 1.0, 1.0, "m1")
    m2 = relu_mlp(C, H1, B, 1.0, 1.0, "m2")
    with pytest.raises(BasisError) as info:
        MLP.combine_in_parallel([m1, m2])
    assert str(info.value) == (
        "MLPs 'm1' and 'm2' share hidden directions ['h:1']; give each MLP its own hidden name"
    )


# --- series ----------------------------------------------------------------------------------


def test_series_adds_each_block_to_the_residual_in_turn():
    head = copy_head()
    # reads c after the head has added to it: b_new = b + 2 relu(c)
    mlp = relu_mlp(C, BasisDirection("h"), B, 1.0, 2.0, "m")
    series = SeriesWithResiduals([head, mlp])
    assert series.residual_space == sp(A, B, C)
    got = series.apply(X)
    after_head = X + head.apply(X).project(X.space)
    want = after_head + mlp.apply(after_head).project(X.space)
    assert got == want


def test_series_keeps_directions_no_block_touches_and_passes_the_key_mask():
    d = BasisDirection("d")
    x = stream((A, B, C, d), [[0, 1, 1, 7], [1, 2, 1, 7], [0, 4, 1, 7], [1, 8, 1, 7]])
    mask = np.array([True, True, False, True])
    got = SeriesWithResiduals([copy_head()]).apply(x, key_mask=mask)
    assert got.magnitudes[:, 3].tolist() == [7.0] * 4
    want = x + copy_head().apply(x, key_mask=mask).project(x.space)
    assert got == want


def test_craft_imports_nothing_from_rasp_or_the_compiler():
    root = pathlib.Path(tracr.craft.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if name.startswith("tracr"):
                    allowed = name.startswith("tracr.craft") or name == "tracr.errors"
                    assert allowed, f"{path.name} imports {name}"
