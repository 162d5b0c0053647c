"""Batch generation: deterministic whatever the workers, resumable, readable back."""

from __future__ import annotations

import json

import pytest

from tracr import datasets
from tracr.cli import main
from tracr.datasets import DatasetConfig, SamplerConfig
from tracr.errors import DatasetError, MissingDependencyError
from tracr.rasp import rasp

CONFIG = DatasetConfig(SamplerConfig(max_seq_len=5, min_ops=3, max_ops=8), seed=11,
                       verify_inputs=12, shard_size=8)  # fmt: skip
CONTENT = ["id", "hash", "source", "n_layers", "d_model", "layout", "verified", "weights"]


def _content(directory) -> list[tuple]:
    return [tuple(row[c] for c in CONTENT) for row in datasets.rows(directory)]


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    directory = tmp_path_factory.mktemp("two")
    summary = datasets.generate(directory, 20, CONFIG, workers=2)
    return directory, summary


def test_writes_count_verified_distinct_programs(two_workers):
    directory, summary = two_workers
    rows = list(datasets.rows(directory))
    assert len(rows) == summary.rows == 20
    assert all(row["verified"] and row["mismatches"] == 0 for row in rows)
    assert len({row["hash"] for row in rows}) == 20
    assert [row["index"] for row in rows] == sorted(row["index"] for row in rows)
    # The last shard may be cut short: its accepted candidates past the cut are not failures.
    assert summary.candidates >= 20 + sum(summary.failures.values())
    saved = json.loads((directory / "summary.json").read_text())
    assert saved["rows"] == 20 and saved["failures"] == dict(summary.failures.most_common())
    failures = [f for p in sorted(directory.glob("*.failures.json"))
                for f in json.loads(p.read_text())]  # fmt: skip
    assert {f["stage"] for f in failures} <= {"sample", "behaviour", "compile", "deduplicate"}
    assert all(f["reason"] for f in failures)


def test_pairs_read_back_agree(two_workers):
    directory, _ = two_workers
    pairs = list(datasets.load(directory))
    assert len(pairs) == 20
    for program, model in pairs[:8]:
        for xs in ([0], [4, 3, 2, 1, 0], [1, 1, 2]):
            want = rasp.evaluate(program, xs)
            got = model.apply(["BOS", *xs]).decoded[1:]
            if rasp.is_numerical(program):
                assert all(abs(w - g) < 1e-5 for w, g in zip(want, got, strict=True))
            else:
                assert got == want


def test_same_dataset_with_one_worker_and_on_resume(two_workers, tmp_path):
    directory, _ = two_workers
    one = tmp_path / "one"
    first = datasets.generate(one, 7, CONFIG, workers=1)  # cut inside a shard
    assert first.rows == 7 and first.resumed_shards == 0
    again = datasets.generate(one, 20, CONFIG, workers=1)
    assert again.resumed_shards >= 1 and again.new_rows == 13
    assert _content(one) == _content(directory)
    done = datasets.generate(one, 20, CONFIG, workers=1)
    assert done.new_rows == 0 and done.candidates == 0


def test_huggingface_datasets_reads_the_shards(two_workers, tmp_path, monkeypatch):
    import datasets as hf  # Hugging Face's, from the dev extra
    directory, _ = two_workers
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    files = [str(p) for p in datasets.shard_files(directory)]
    table = hf.load_dataset("parquet", data_files=files, split="train",
                            cache_dir=str(tmp_path / "hf"))  # fmt: skip
    assert table.num_rows == 20
    assert table["source"] == [row["source"] for row in datasets.rows(directory)]


def test_resuming_with_other_settings_is_refused(two_workers):
    directory, _ = two_workers
    other = DatasetConfig(CONFIG.sampler, seed=12, verify_inputs=12, shard_size=8)
    with pytest.raises(DatasetError, match=r"made with other settings \(seed differ\)"):
        datasets.generate(directory, 20, other)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"count": 0}, "--count must be at least 1, got 0"),
        ({"workers": 0}, "--workers must be at least 1, got 0"),
        ({"engine": "spark"}, "unknown engine 'spark'; choose one of process, ray"),
        ({"address": "auto"}, "--address names a Ray cluster; it needs --engine ray"),
    ],
)
def test_argument_errors(tmp_path, kwargs, message):
    args = {"count": 5, **kwargs}
    with pytest.raises(DatasetError) as info:
        datasets.generate(tmp_path / "d", args.pop("count"), CONFIG, **args)
    assert message in str(info.value)


def test_reading_a_directory_that_is_no_dataset(tmp_path):
    with pytest.raises(DatasetError, match="is not a tracr dataset"):
        list(datasets.load(tmp_path))


def test_missing_pyarrow_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(MissingDependencyError, match=r"pip install 'tracr\[datasets\]'"):
        datasets.writer.pyarrow_modules()


def test_cli_generates_and_summarises(two_workers, tmp_path, capsys):
    out = tmp_path / "cli"
    status = main(["dataset", "generate", "--count", "6", "--out", str(out), "--workers", "1",
                   "--seed", "11", "--max-seq-len", "5", "--ops", "3-8", "--verify-inputs",
                   "12", "--shard-size", "8", "--no-progress"])  # fmt: skip
    text = capsys.readouterr().out
    assert status == 0
    assert "6/6 programs in the dataset (6 new, 6 of them verified exact" in text
    assert "programs/s" in text and f"wrote {out}" in text
    # The same settings as CONFIG, so the same programs as the first six of that dataset.
    assert _content(out) == _content(two_workers[0])[:6]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--ops", "x"], "--ops takes N or MIN-MAX, got 'x'"),
        (["--mix", "map"], "--mix takes NAME=NUMBER pairs separated by commas, got 'map'"),
        (["--mix", "mapp=1"], "unknown operations in the mix: ['mapp']"),
        (["--ops", "9-2"], "need 1 <= min_ops <= max_ops, got 9..2"),
    ],
)
def test_cli_errors(tmp_path, capsys, argv, message):
    base = ["dataset", "generate", "--count", "3", "--out", str(tmp_path / "x")]
    assert main(base + argv) == 2
    assert message in capsys.readouterr().err


def test_the_progress_bar_shows_programs_per_second():
    import io

    from tracr.cli.cmd_dataset import _RateProgress

    stream = io.StringIO()
    bar = _RateProgress(10, "programs", stream=stream, enabled=True)
    bar.update(4)
    bar.close()
    assert "4/10" in stream.getvalue() and "programs/s" in stream.getvalue()


def test_missing_ray_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(MissingDependencyError, match=r"pip install 'tracr\[ray\]'"):
        datasets.engines.open_engine("ray", 1)
