"""``python -m bench``: rows written as they finish, large rows estimated and skipped."""

from __future__ import annotations

import json

import pytest

import bench.__main__ as bench_main
from bench import common
from bench.estimate import estimate
from tracr.compiler import compiling, lib_catalog


@pytest.mark.parametrize(("name", "v", "n"), [("reverse", 5, 5), ("sort", 10, 32),
                                              ("shuffle_dyck", 5, 8), ("frac_prevs", 5, 10)])
def test_estimate_bounds_the_compiled_shapes(name, v, n):
    case = lib_catalog.build(name, v, n)
    est = estimate(case.program, case.vocab, n, batch=10)
    cfg = compiling.compile_rasp_to_model(case.program, case.vocab, n).model_config
    assert est.d_model >= cfg.d_model and est.mlp_hidden >= cfg.mlp_hidden_size
    assert est.layers >= cfg.num_layers  # equal today; an upper bound is what matters


def test_a_row_above_the_budget_is_skipped_with_a_note():
    row = bench_main.skipped_row("sort_freq", 16, 64, budget=2.0)
    assert row["skipped"].startswith("skipped: estimated ")
    assert row["skipped"].endswith("> budget 2 GiB")
    assert bench_main.skipped_row("length", 5, 5, budget=2.0) is None


def test_each_row_is_in_the_json_as_soon_as_it_is_measured(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    seen = []
    measure = bench_main.measure

    def spy(name, v, n, fresh):
        path = tmp_path / "compile_length_count.json"
        seen.append(len(json.loads(path.read_text())["rows"]) if path.exists() else 0)
        return measure(name, v, n, fresh)

    monkeypatch.setattr(bench_main, "measure", spy)
    argv = ["--programs", "length,count", "--sizes", "3x3", "--no-fresh"]
    assert bench_main.main(argv) == 0
    assert seen == [0, 1]  # the first row was on disk before the second was measured
    rows = json.loads((tmp_path / "compile_length_count.json").read_text())["rows"]
    assert [r["program"] for r in rows] == ["length", "count"]
    assert all(r["exact"] == "200/200" for r in rows)


def test_quick_by_default_full_on_request():
    assert max(n for _, n in bench_main.QUICK_SIZES) <= 10
    assert (16, 64) in bench_main.FULL_SIZES
