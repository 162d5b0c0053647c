"""The compressed model file, the ``tracr compress`` command and the pictures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tracr import compress
from tracr.cli import main
from tracr.compress import CompressedModel, files, plots
from tracr.errors import CompressionError, ModelFormatError
from tracr.export import _safetensors_format as fmt
from tracr.export import safetensors


@pytest.fixture
def compressed(reverse_model):
    w = np.random.default_rng(3).standard_normal((5, reverse_model.model_config.d_model))
    return CompressedModel(reverse_model, w)


def test_save_load_round_trip(compressed, tmp_path):
    path = tmp_path / "small.safetensors"
    compress.save(compressed, path)
    loaded = compress.load(path)
    np.testing.assert_array_equal(loaded.w, compressed.w)
    assert loaded.decompress_every_layer is False
    assert loaded.residual_labels == compressed.residual_labels
    tokens = ["BOS", 3, 1, 2]
    np.testing.assert_array_equal(loaded.apply(tokens).logits, compressed.apply(tokens).logits)
    assert loaded.apply(tokens).decoded == compressed.apply(tokens).decoded


def test_round_trip_keeps_decompress_every_layer(reverse_model):
    cm = CompressedModel(reverse_model, np.eye(reverse_model.model_config.d_model)[:4], True)
    assert files.from_bytes(files.to_bytes(cm)).decompress_every_layer is True


def _edit(blob: bytes, tensors=None, **meta) -> bytes:
    t, m = fmt.loads(blob)
    t |= tensors or {}
    m |= meta
    return fmt.dumps(t, m)


def test_bad_files_raise_model_format_error(compressed, reverse_model):
    blob = files.to_bytes(compressed)
    cases = [
        (safetensors.to_bytes(reverse_model), "this is a compiled model, not a compressed one"),
        (_edit(blob, format="other"), "not a compressed tracr model: metadata 'format' is 'other'"),
        (_edit(blob, compressed_format_version="9"), "compressed format version '9'; .* upgrade"),
        (_edit(blob, tensors={"compress/w": np.zeros((5, 2))}), "does not match its checksum"),
        (_edit(blob, compression="{}"), "malformed 'compression' metadata"),
        (
            _edit(
                blob, compression=json.dumps({"embedding_size": 4, "decompress_every_layer": False})
            ),
            r"'compress/w' has shape \[5, \d+\], expected \[4, \d+\]",
        ),  # fmt: skip
        (b"not a file at all", "not a safetensors file"),
    ]
    for bad, message in cases:
        with pytest.raises(ModelFormatError, match=message):
            files.from_bytes(bad)


def test_compiled_loader_refuses_a_compressed_file(compressed):
    with pytest.raises(ModelFormatError, match="'tracr.compressed_model'"):
        safetensors.from_bytes(files.to_bytes(compressed))


def test_cli_compress_writes_a_model_and_prints_accuracy(tmp_path, capsys):
    out = tmp_path / "len.safetensors"
    argv = ["compress", "lib:length", "--max-seq-len", "3", "--embedding-size", "3"]
    status = main([*argv, "--steps", "20", "--quiet", "-o", str(out)])
    stdout = capsys.readouterr().out
    assert status == 0
    assert "compressed d_model" in stdout and "-> 3:" in stdout and "held-out" in stdout
    assert f"wrote {out}" in stdout
    loaded = compress.load(out)
    assert loaded.embedding_size == 3


def test_cli_compress_a_model_file(tmp_path, capsys, reverse_model):
    src = tmp_path / "rev.safetensors"
    safetensors.save(reverse_model, src)
    out = tmp_path / "rev4.safetensors"
    status = main(["compress", str(src), "-k", "4", "--steps", "10", "--quiet", "-o", str(out)])
    assert status == 0
    assert compress.load(out).w.shape == (4, reverse_model.model_config.d_model)


def test_cli_compress_refuses_a_bad_size(capsys):
    status = main(["compress", "lib:length", "--embedding-size", "0", "--quiet"])
    assert status == 2
    assert "embedding_size 0 must be an integer from 1 to d_model" in capsys.readouterr().err


def test_evaluator_domain_leaves_out_inputs_the_evaluator_rejects():
    from tracr.cli.cmd_compress import _evaluator_domain
    from tracr.rasp import rasp

    halves = rasp.numerical(rasp.Map(lambda x: 1 / x, rasp.tokens))
    model = type("M", (), {"model_config": type("C", (), {"causal": False})()})()
    domain = _evaluator_domain(halves, model)
    assert domain([1, 2]) is True
    assert domain([1, 0]) is False


def test_overlap_heatmap_shows_w_transpose_w(compressed):
    fig = plots.overlap_heatmap(compressed)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), compressed.w.T @ compressed.w)
    assert [t.get_text() for t in ax.get_yticklabels()] == compressed.residual_labels


def test_feature_norms_are_column_norms(compressed):
    fig = plots.feature_norms(compressed)
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_allclose(heights, np.linalg.norm(compressed.w, axis=0))


def test_accuracy_curve_and_files(frac_model, tmp_path):
    fast = {"steps": 10, "pool_size": 32, "held_out": 16, "eval_every": 5, "quiet": True}
    results = compress.sweep(frac_model, [1, 3], **fast)
    fig = plots.accuracy_curve(results, path=tmp_path / "curve.png")
    x, y = fig.axes[0].lines[0].get_data()
    assert list(x) == [1, 3]
    assert list(y) == [100 * r.accuracy for r in results]
    assert (tmp_path / "curve.png").stat().st_size > 0


def test_pictures_refuse_bad_paths_and_empty_sweeps(compressed):
    with pytest.raises(CompressionError, match=r"use a \.png or \.svg path"):
        plots.overlap_heatmap(compressed, path="w.txt")
    with pytest.raises(CompressionError, match="needs at least one CompressionResult"):
        plots.accuracy_curve([])


@pytest.mark.slow
def test_compression_study_example_writes_its_pictures(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "compression_study.py"
    spec = importlib.util.spec_from_file_location("compression_study", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(tmp_path), "--programs", "frac_prevs", "--sizes", "2,3", "--steps", "5"])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "frac_prevs_accuracy.png" in names
    assert any(n.startswith("frac_prevs_overlap_k") for n in names)
    assert any(n.startswith("frac_prevs_norms_k") for n in names)
    assert "embedding_size   2:" in capsys.readouterr().out
