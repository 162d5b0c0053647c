"""The reference's ``tracr.craft.transformers`` surface (SPEC 2b): blocks built by hand and
applied to hand-made residual streams give the numbers their weights say."""

from __future__ import annotations

import numpy as np
import pytest

from tracr.craft import bases, transformers, vectorspace_fns

D = bases.BasisDirection
Q, K, V, OUT, H = D("q"), D("k"), D("v"), D("out"), D("h")
RESIDUAL = bases.VectorSpaceWithBasis([H, K, OUT, Q, V, D("unused")])


def space(*dirs):
    return bases.VectorSpaceWithBasis(list(dirs))


def stream(rows: list[dict]) -> bases.VectorInBasis:
    """A [T, d] stream in RESIDUAL from one {direction: magnitude} per position."""
    return bases.VectorInBasis.stack([RESIDUAL.make_vector(r) for r in rows])


def copy_head(**kwargs) -> transformers.AttentionHead:
    """Score = 2 * q[query] * k[key]; value copies v into out."""
    w_qk = vectorspace_fns.ScalarBilinear(space(Q), space(K), np.array([[2.0]]))
    w_ov = vectorspace_fns.Linear(space(V), space(OUT), np.array([[1.0]]))
    return transformers.AttentionHead(w_qk, w_ov, **kwargs)


X = stream([{Q: 1, K: 0, V: 10}, {Q: 1, K: 1, V: 20}, {Q: 0, K: 1, V: 40}])


def softmax(row):
    e = np.exp(np.asarray(row, dtype=float) - max(row))
    return e / e.sum()


def test_attention_head_apply_is_softmax_of_qk_times_ov():
    head = copy_head()
    assert head.residual_space == space(K, OUT, Q, V)  # by default: the spaces its maps use
    assert not head.causal
    out = head.apply(X)
    assert list(out.basis_directions) == list(head.residual_space.basis)
    want = [softmax([0, 2, 2]) @ [10, 20, 40], softmax([0, 2, 2]) @ [10, 20, 40],
            softmax([0, 0, 0]) @ [10, 20, 40]]  # fmt: skip
    np.testing.assert_allclose(out.project([OUT]).magnitudes[:, 0], want, rtol=1e-12)
    assert (out.project([K, Q, V]).magnitudes == 0).all()


def test_causal_head_attends_only_to_earlier_positions():
    out = copy_head(causal=True).apply(X).project([OUT]).magnitudes[:, 0]
    want = [10, softmax([0, 2]) @ [10, 20], softmax([0, 0, 0]) @ [10, 20, 40]]
    np.testing.assert_allclose(out, want, rtol=1e-12)


def test_head_arguments_in_the_reference_order():
    w_qk = vectorspace_fns.ScalarBilinear(space(Q), space(K), np.array([[2.0]]))
    w_ov = vectorspace_fns.Linear(space(V), space(OUT), np.array([[1.0]]))
    head = transformers.AttentionHead(w_qk, w_ov, RESIDUAL, True)
    assert head.residual_space == RESIDUAL and head.causal
    assert list(head.apply(X).basis_directions) == list(RESIDUAL.basis)


def test_head_residual_space_must_hold_its_maps():
    with pytest.raises(ValueError, match=r"residual_space lacks directions its maps use: \['v'\]"):
        copy_head(residual_space=space(Q, K, OUT))


def test_w_ov_residual_is_w_ov_on_the_whole_residual():
    head = copy_head(residual_space=RESIDUAL)
    full = head.w_ov_residual
    assert full.input_space == full.output_space == RESIDUAL
    image = full(RESIDUAL.make_vector({V: 3.0, Q: 5.0}))
    assert image == RESIDUAL.make_vector({OUT: 3.0})


def test_heads_and_multi_heads():
    h1, h2 = copy_head(), copy_head(causal=True)
    assert h1.num_heads == 1 and list(h1.as_multi().heads()) == [h1]
    multi = transformers.MultiAttentionHead([h1, transformers.MultiAttentionHead([h2])])
    assert multi.sub_blocks[0] is h1
    assert list(multi.heads()) == [h1, h2] and multi.num_heads == 2
    assert multi.as_multi() is multi
    got = multi.apply(X).project([OUT])
    want = h1.apply(X).project([OUT]) + h2.apply(X).project([OUT])
    np.testing.assert_allclose(got.magnitudes, want.magnitudes, rtol=1e-12)


def abs_mlp(out: bases.BasisDirection = OUT, hidden: str = "hidden") -> transformers.MLP:
    """out = relu(v) + relu(-v) = |v|."""
    hid = space(D(hidden, "+"), D(hidden, "-"))
    fst = vectorspace_fns.Linear(space(V), hid, np.array([[-1.0, 1.0]]))  # either order: |v|
    snd = vectorspace_fns.Linear(hid, space(out), np.array([[1.0], [1.0]]))
    return transformers.MLP(fst, snd)


def test_mlp_apply_is_snd_of_relu_of_fst():
    mlp = abs_mlp()
    assert mlp.residual_space == space(OUT, V)
    x = bases.VectorInBasis.stack([RESIDUAL.make_vector({V: v}) for v in (-3.0, 0.0, 2.5)])
    out = mlp.apply(x)
    assert list(out.basis_directions) == [OUT, V]
    assert out.magnitudes.tolist() == [[3.0, 0.0], [0.0, 0.0], [2.5, 0.0]]
    given = transformers.MLP(mlp.fst, mlp.snd, RESIDUAL)  # the reference's argument order
    assert given.residual_space == RESIDUAL


def test_relu_clips_negative_magnitudes():
    v = bases.VectorInBasis([Q, V], np.array([-1.0, 2.0]))
    assert transformers.relu(v).magnitudes.tolist() == [0.0, 2.0]


def test_mlps_combine_in_parallel():
    both = transformers.MLP.combine_in_parallel([abs_mlp(), abs_mlp(D("out2"), "other")])
    x = bases.VectorInBasis.stack([RESIDUAL.make_vector({V: -2.0})])
    assert both.apply(x).project([OUT, D("out2")]).magnitudes.tolist() == [[2.0, 2.0]]
    assert both.residual_space == space(OUT, D("out2"), V)


def test_series_with_residuals_adds_each_block_in_turn():
    head, mlp = copy_head(), abs_mlp(out=H)  # the MLP reads v, writes h
    series = transformers.SeriesWithResiduals([head, mlp])
    assert series.blocks == [head, mlp]
    assert series.residual_space == bases.join_vector_spaces(head.residual_space, space(H))
    got = series.apply(X)
    after_head = X + head.apply(X).project(X.space)
    np.testing.assert_allclose(got.project([OUT]).magnitudes, after_head.project([OUT]).magnitudes)
    assert got.project([H]).magnitudes[:, 0].tolist() == [10, 20, 40]  # |v|
    assert got.project([Q, K, V]) == X.project([Q, K, V])  # the stream is kept


def test_a_nested_series_runs_its_blocks_once():
    head, mlp = copy_head(), abs_mlp(out=H)
    flat = transformers.SeriesWithResiduals([head, mlp]).apply(X)
    nested = transformers.SeriesWithResiduals([transformers.SeriesWithResiduals([head]), mlp])
    np.testing.assert_allclose(nested.apply(X).magnitudes, flat.magnitudes, rtol=1e-15)


def test_every_block_is_a_block():
    for block in (copy_head(), abs_mlp(), copy_head().as_multi(),
                  transformers.SeriesWithResiduals([abs_mlp()])):  # fmt: skip
        assert isinstance(block, transformers.Block)
    assert isinstance(abs_mlp(), transformers.HalfLayerBlock)
    assert not isinstance(transformers.SeriesWithResiduals([]), transformers.HalfLayerBlock)
