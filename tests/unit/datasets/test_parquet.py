"""Shards travel as Parquet bytes and are written through: row groups, filtering, digests."""

from __future__ import annotations

import random

import pytest

from tracr.datasets import DatasetConfig, SamplerConfig, canonical, parquet, worker
from tracr.datasets.generate import Summary, _commit
from tracr.datasets.writer import ShardWriter, shard_path

CONFIG = DatasetConfig(SamplerConfig(max_seq_len=4, min_ops=3, max_ops=6), seed=5,
                       verify_inputs=8, shard_size=10)  # fmt: skip


@pytest.fixture(scope="module")
def shard() -> worker.ShardResult:
    return worker.run_shard(CONFIG, 0)


def _row(index: int, weights: bytes) -> dict:
    row = {name: 0 for name, _ in parquet.COLUMNS}
    row.update(id=f"0-{index}", index=index, hash=f"{index:064x}", source="s", vocab="[]",
               layout="{}", verified=True, verification="v", weights=weights)  # fmt: skip
    return row


def test_entries_describe_the_encoded_rows(shard):
    rows = shard.rows()
    assert len(rows) >= 3
    assert shard.entries == [{k: r[k] for k in ("index", "id", "hash", "verified")} for r in rows]
    assert len(shard.entries) + len(shard.failures) == CONFIG.shard_size


def test_rows_are_flushed_in_bounded_row_groups(monkeypatch, tmp_path):
    monkeypatch.setattr(parquet, "ROW_GROUP_BYTES", 1000)
    encoder = parquet.ShardEncoder(3)
    rows = [_row(i, bytes([i]) * (300 + 100 * i)) for i in range(7)]
    for row in rows:
        encoder.add(row)
    data = encoder.finish()
    groups = [table.num_rows for table in parquet.row_groups(data)]
    assert sum(groups) == 7 and len(groups) >= 3  # never all rows in one group
    assert parquet.decode_rows(data) == rows
    # Keep rows from different row groups; the flag and the shard number are the file's.
    path = tmp_path / "x.parquet"
    parquet.write_selected(path, data, 3, {1, 4, 6}, complete=False)
    _, pq = parquet.pyarrow_modules()
    table = pq.read_table(path)
    assert table.to_pylist() == [rows[1], rows[4], rows[6]]
    meta = table.schema.metadata
    assert meta[b"tracr.complete"] == b"false" and meta[b"tracr.shard"] == b"3"


def test_an_empty_shard_is_a_readable_file(tmp_path):
    data = parquet.ShardEncoder(0).finish()
    assert parquet.decode_rows(data) == []
    path = tmp_path / "e.parquet"
    parquet.write_selected(path, data, 0, None, complete=False)
    _, pq = parquet.pyarrow_modules()
    assert pq.read_metadata(path).num_rows == 0


def test_commit_drops_duplicates_and_cuts_the_last_shard(shard, tmp_path):
    writer = ShardWriter(tmp_path, CONFIG)
    entries = shard.entries
    seen = canonical.DigestSet()
    seen.add(canonical.short_digest(entries[1]["hash"]))  # as if an earlier shard held it
    summary = Summary(count=len(entries) - 2)
    _commit(writer, shard, seen, summary)
    written = [r["index"] for r in parquet.decode_rows(shard_path(tmp_path, 0).read_bytes())]
    expected = [e["index"] for e in entries if e is not entries[1]][: summary.count]
    assert written == expected and summary.rows == summary.new_rows == len(expected)
    assert writer.finished() == [(0, len(expected), False)]  # cut short: computed again later
    duplicates = [f for f in writer.failures(0) if f["stage"] == "deduplicate"]
    assert [f["index"] for f in duplicates] == [entries[1]["index"]]


def test_commit_writes_a_whole_shard_through(shard, tmp_path):
    writer = ShardWriter(tmp_path, CONFIG)
    summary = Summary(count=100)
    _commit(writer, shard, canonical.DigestSet(), summary)
    assert shard_path(tmp_path, 0).read_bytes() == shard.data
    assert writer.finished() == [(0, len(shard.entries), True)]


def test_digest_set_matches_a_python_set_across_merges():
    rng = random.Random(0)
    keys = [rng.getrandbits(64) for _ in range(500)] + [0, 2**64 - 1, 2**63]
    digests, reference = canonical.DigestSet(batch=7), set()
    for key in keys + keys[:50]:
        assert (key in digests) == (key in reference)
        digests.add(key)
        reference.add(key)
    assert len(digests) == len(reference)
    assert all(key in digests for key in reference)
    assert not any(rng.getrandbits(64) in digests for _ in range(200))
    assert digests.nbytes < 70 * len(reference) / 4  # merged into 8-byte slots
