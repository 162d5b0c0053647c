"""One candidate at a time: rows, failure records (never raised), relabelled models."""

from __future__ import annotations

import re

import pytest

from tracr.datasets import DatasetConfig, SamplerConfig, build_row, worker
from tracr.errors import UnsupportedExprError
from tracr.export import safetensors
from tracr.frontend import load_program

CONFIG = DatasetConfig(SamplerConfig(max_seq_len=4, min_ops=3, max_ops=6), seed=2,
                       verify_inputs=10, shard_size=12)  # fmt: skip


def _first_row(config: DatasetConfig = CONFIG) -> dict:
    return worker.run_shard(config, 0).rows()[0]


def test_a_row_holds_source_sizes_layout_and_weights():
    row = _first_row()
    model = safetensors.from_bytes(row["weights"])
    assert row["verified"] and row["checked"] >= 5 and "all exact" in row["verification"]
    assert (row["n_layers"], row["d_model"]) == (model.model_config.num_layers,
                                                 model.model_config.d_model)  # fmt: skip
    program = load_program(row["source"])
    xs = [0, 4, 2]
    assert model.apply(["BOS", *xs]).decoded[1:] == pytest.approx(program(xs))
    assert build_row(CONFIG, row["index"]) == row  # the same bytes every time


def test_labels_lose_their_process_wide_ids():
    row = _first_row()
    model = safetensors.from_bytes(row["weights"])
    names = set(re.findall(r"^(\w+?) =", row["source"], flags=re.M))
    for label in model.residual_labels:
        base = label.split(":")[0].removesuffix("__width_scratch")
        assert base in names | {"one", "tokens", "indices"}, label
    assert re.search(r"_\d{3,}", row["layout"]) is None


def test_failures_are_records_not_exceptions(monkeypatch):
    trivial = DatasetConfig(SamplerConfig(vocab=(0,), max_seq_len=1, min_ops=1, max_ops=3),
                            shard_size=6)  # fmt: skip
    result = worker.run_shard(trivial, 0)
    assert result.rows() == [] and result.entries == []
    assert {f["stage"] for f in result.failures} <= {"sample", "behaviour"}
    assert any(f["reason"] == "trivial: the output is one constant" for f in result.failures)

    def refuse(*args, **kwargs):
        raise UnsupportedExprError("cannot compile 1 expression(s): nope")

    monkeypatch.setattr(worker.compiling, "compile_rasp_to_model", refuse)
    failures = worker.run_shard(CONFIG, 0).failures
    refused = [f for f in failures if f["stage"] == "compile"]
    assert refused and refused[0]["reason"] == "refused by the compiler"
    assert "nope" in refused[0]["detail"]

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(worker.compiling, "compile_rasp_to_model", crash)
    crashed = [f for f in worker.run_shard(CONFIG, 0).failures if f["stage"] == "compile"]
    assert crashed[0]["reason"] == "crash: RuntimeError" and "boom" in crashed[0]["detail"]


def test_a_wrong_model_is_recorded_as_unverified(monkeypatch):
    index = _first_row()["index"]
    real = worker._evaluate

    def wrong(v):
        return v + 1 if isinstance(v, int | float) and not isinstance(v, bool) else "not this"

    def lie(program, inputs):
        return [(xs, [wrong(v) for v in out]) for xs, out in real(program, inputs)]

    monkeypatch.setattr(worker, "_evaluate", lie)
    row = build_row(CONFIG, index)
    assert not row["verified"] and row["mismatches"] > 0
    assert "positions differ, first: input" in row["verification"]
