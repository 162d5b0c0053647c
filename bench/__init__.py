"""Benchmarks: ``python -m bench`` (compile / size / exactness table), ``python -m bench.fuzz``,
``python -m bench.backends``. They print tables and write JSON under ``bench/results/``."""
