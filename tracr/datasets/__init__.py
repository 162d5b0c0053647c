"""Datasets of compiled transformers: random RASP programs, compiled, verified, written.

A leaf above the compiler, the frontend (programs as text) and export (weights as bytes)::

    from tracr import datasets
    summary = datasets.generate("out/", count=1000, workers=2)   # or: tracr dataset generate
    for program, model in datasets.load("out/"):
        ...

Modules: ``sampler`` (random programs from the frontend's function catalogue),
``canonical`` (a hash blind to names, for deduplication), ``worker`` (one candidate: sample,
check, compile, verify, one row), ``engines`` (a process pool or Ray: the one place the
engine is chosen), ``writer`` (sharded Parquet, resumable), ``generate`` (the driver),
``reading`` (rows and (program, model) pairs back). Parquet needs ``tracr[datasets]``
(pyarrow); Ray needs ``tracr[ray]``.
"""

from __future__ import annotations

from tracr.datasets.canonical import program_hash
from tracr.datasets.engines import ENGINES
from tracr.datasets.generate import Summary, generate
from tracr.datasets.reading import load, rows, shard_files
from tracr.datasets.sampler import DEFAULT_MIX, Rejected, Sample, SamplerConfig, sample
from tracr.datasets.worker import DatasetConfig, build_row, candidate_rng

__all__ = [
    "DEFAULT_MIX",
    "ENGINES",
    "DatasetConfig",
    "Rejected",
    "Sample",
    "SamplerConfig",
    "Summary",
    "build_row",
    "candidate_rng",
    "generate",
    "load",
    "program_hash",
    "rows",
    "sample",
    "shard_files",
]
