"""Datasets: the work on one candidate program, and on one shard of candidates.

``build_row(config, index)`` draws candidate ``index`` from its own RNG, seeded by
``(seed, index)`` alone, so the dataset does not depend on how many workers run or in which
order: sample -> check it on random inputs (not trivial, mostly inside the evaluator's
domain) -> compile -> verify the model against the evaluator on the same inputs -> one row
(source text, sizes, layout, verification, weights as safetensors bytes). Anything that stops
a candidate becomes a failure record with a stage and a reason; nothing here raises.

Labels carry process-wide unique ids (``map3_1187``); the model is relabelled with the
program's own names (``map3``), which the sampler makes unique, so the bytes of a row are
the same in every process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
import re
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from tracr.compiler import compiling
from tracr.datasets.canonical import program_hash
from tracr.datasets.parquet import ShardEncoder, decode_rows
from tracr.datasets.sampler import Rejected, SamplerConfig, sample
from tracr.errors import TracrError, UnsupportedExprError
from tracr.export import safetensors
from tracr.frontend import dumps
from tracr.model import CompiledModel, Layout, NumericalOutputEncoder
from tracr.model.number_formats import PrecisionRecord
from tracr.rasp import rasp

BOS = "BOS"
ATOL = 1e-5  # numerical outputs, as in the differential tests


@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    """Everything that decides a dataset's content (``count`` only decides where it stops)."""

    sampler: SamplerConfig = SamplerConfig()
    seed: int = 0
    verify_inputs: int = 32
    shard_size: int = 64  # candidates per shard

    def to_dict(self) -> dict[str, Any]:
        return {"sampler": self.sampler.to_dict(), "seed": self.seed,
                "verify_inputs": self.verify_inputs, "shard_size": self.shard_size}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DatasetConfig:
        return cls(SamplerConfig.from_dict(d["sampler"]), d["seed"], d["verify_inputs"],
                   d["shard_size"])  # fmt: skip


@dataclasses.dataclass(frozen=True)
class ShardResult:
    """One computed shard: its rows as Parquet bytes (``data``, see ``parquet``), what the
    driver needs of each row to deduplicate and count (``entries``: index, id, hash,
    verified), and the failure records."""

    shard: int
    data: bytes
    entries: list[dict[str, Any]]
    failures: list[dict[str, Any]]

    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts (decodes ``data``)."""
        return decode_rows(self.data)


class _Stop(Exception):
    def __init__(self, stage: str, reason: str, detail: str = ""):
        super().__init__(reason)
        self.stage, self.reason, self.detail = stage, reason, detail


def candidate_rng(seed: int, index: int) -> random.Random:
    digest = hashlib.sha256(f"tracr.datasets/{seed}/{index}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def run_shard(config: DatasetConfig, shard: int) -> ShardResult:
    """Every candidate of one shard: indices ``shard * shard_size`` onwards, each row encoded
    as soon as it is built (so a shard's rows are never all held as Python objects)."""
    encoder, entries, failures = ShardEncoder(shard), [], []
    start = shard * config.shard_size
    for index in range(start, start + config.shard_size):
        try:
            row = build_row(config, index)
        except _Stop as stop:
            failures.append({"index": index, "stage": stop.stage, "reason": stop.reason,
                             "detail": stop.detail})  # fmt: skip
            continue
        encoder.add(row)
        entries.append({key: row[key] for key in ("index", "id", "hash", "verified")})
    return ShardResult(shard, encoder.finish(), entries, failures)


def build_row(config: DatasetConfig, index: int) -> dict[str, Any]:
    rng = candidate_rng(config.seed, index)
    sampler = config.sampler
    try:
        drawn = sample(sampler, rng)
    except Rejected as exc:
        raise _Stop("sample", exc.reason) from None
    program = drawn.program
    inputs = _inputs(rng, sampler, config.verify_inputs)
    cases = _evaluate(program, inputs)
    model = _guarded("compile", lambda: _compile(program, sampler))
    mismatches = _guarded("verify", lambda: _verify(model, cases))
    model, layout = relabel(model, {n.label: n.name for n in rasp.topological_sort(program)})
    source = _guarded("dump", lambda: dumps(program))
    cfg = model.model_config
    return {
        "id": f"{config.seed}-{index}", "index": index, "hash": program_hash(program),
        "source": source, "vocab": json.dumps(sorted(sampler.vocab, key=repr)),
        "max_seq_len": sampler.max_seq_len, "n_ops": drawn.n_ops, "depth": drawn.depth,
        "n_layers": cfg.num_layers, "n_heads": cfg.num_heads, "d_model": cfg.d_model,
        "d_head": cfg.key_size, "d_mlp": cfg.mlp_hidden_size,
        "layout": json.dumps(layout), "verified": not mismatches,
        "checked": len(cases), "mismatches": len(mismatches),
        "verification": _verification_text(len(cases), len(inputs), mismatches),
        "weights": safetensors.to_bytes(model),
    }  # fmt: skip


def _inputs(rng: random.Random, sampler: SamplerConfig, count: int) -> list[list[Any]]:
    tokens = sorted(sampler.vocab, key=repr)
    n = sampler.max_seq_len
    lengths = [n, 1] + [rng.randint(1, n) for _ in range(max(count - 2, 0))]
    return [[rng.choice(tokens) for _ in range(length)] for length in lengths[:count]]


def _evaluate(program: rasp.SOp, inputs: list[list[Any]]) -> list[tuple[list[Any], list[Any]]]:
    """(input, evaluator output) pairs; stops a program whose output is one constant (trivial)
    or that lies outside the evaluator's domain on most inputs."""
    cases = []
    for xs in inputs:
        try:
            cases.append((xs, rasp.evaluate(program, xs)))
        except TracrError:
            continue
    if len(cases) * 2 < len(inputs):
        raise _Stop("behaviour", "evaluator fails on most inputs")
    if len({repr(v) for _, out in cases for v in out}) < 2:
        raise _Stop("behaviour", "trivial: the output is one constant")
    return cases


def _verify(model: CompiledModel, cases: list[tuple[list[Any], list[Any]]]) -> list[str]:
    """Positions where the model's decoded output differs from the evaluator's."""
    numerical = isinstance(model.output_encoder, NumericalOutputEncoder)
    decoded = model.apply_batch([[BOS, *xs] for xs, _ in cases]).decoded
    mismatches = []
    for (xs, want), got in zip(cases, decoded, strict=True):
        for pos, (w, g) in enumerate(zip(want, got[1:], strict=False)):
            if not _same(w, g, numerical):
                mismatches.append(f"input {xs!r}, position {pos}: evaluator {w!r}, model {g!r}")
    return mismatches


def _same(want: Any, got: Any, numerical: bool) -> bool:
    if want is None or got is None or not numerical:
        return want == got
    return math.isclose(float(want), float(got), abs_tol=ATOL, rel_tol=0.0)


def _compile(program: rasp.SOp, sampler: SamplerConfig) -> CompiledModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compiling.compile_rasp_to_model(program, set(sampler.vocab), sampler.max_seq_len,
                                               compiler_bos=BOS)  # fmt: skip


def _guarded(stage: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except UnsupportedExprError as exc:
        raise _Stop(stage, "refused by the compiler", str(exc)) from None
    except TracrError as exc:
        raise _Stop(stage, f"{type(exc).__name__}", str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a crash is recorded, never fatal
        detail = "".join(traceback.format_exception_only(exc)).strip()
        raise _Stop(stage, f"crash: {type(exc).__name__}", detail) from None


def _verification_text(checked: int, total: int, mismatches: list[str]) -> str:
    text = f"{checked} inputs checked"
    if checked < total:
        text += f" ({total - checked} outside the evaluator's domain)"
    if mismatches:
        return f"{text}; {len(mismatches)} positions differ, first: {mismatches[0]}"
    return f"{text}, all exact"


def relabel(model: CompiledModel, names: dict[str, str]) -> tuple[CompiledModel, dict]:
    """The model with every expression label (``map3_1187``) replaced by ``names[label]``,
    and its layout as a dict."""
    names = {label: name for label, name in names.items() if label != name}
    if not names:
        return model, model.layout.to_dict()
    alternatives = "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<![A-Za-z0-9_])({alternatives})(?![0-9])")

    def sub(text: str) -> str:
        return pattern.sub(lambda m: names[m.group(1)], text)

    layout = _map_strings(model.layout.to_dict(), sub)
    labels = [sub(label) for label in model.residual_labels]
    model = dataclasses.replace(model, residual_labels=labels, layout=Layout.from_dict(layout),
                                program=sub(model.program))  # fmt: skip
    if model.precision is not None:  # its problems name labels too (and must not depend on
        # the process's label counter, or the dataset would depend on the engine)
        model = dataclasses.replace(model, precision=PrecisionRecord(
            {fmt: tuple(map(sub, lines)) for fmt, lines in model.precision.problems.items()}))
    return model, layout


def _map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_map_strings(v, fn) for v in value)
    return value
