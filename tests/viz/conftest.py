"""Compiled library programs shared by the picture tests (compiled once per session).

Pictures are built with ``matplotlib.figure.Figure`` (no pyplot), which renders with Agg when
written; the backend is pinned to Agg anyway so that no test can open a window.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from tracr.compiler import compiling, lib
from tracr.model.model import CompiledModel
from tracr.rasp import rasp

os.environ.setdefault("MPLBACKEND", "Agg")


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    model: CompiledModel
    tokens: list  # BOS first


def _case(name: str, program, vocab, tokens, max_seq_len: int = 5) -> Case:
    model = compiling.compile_rasp_to_model(program, vocab=vocab, max_seq_len=max_seq_len)
    return Case(name, model, [model.input_encoder.bos_token, *tokens])


@pytest.fixture(scope="session")
def cases() -> dict[str, Case]:
    return {
        c.name: c
        for c in [
            _case(
                "sort_unique",
                lib.make_sort_unique(rasp.tokens, rasp.tokens),
                {1, 2, 3, 4},
                [3, 1, 4, 2],
            ),
            _case("reverse", lib.make_reverse(rasp.tokens), {1, 2, 3}, [1, 2, 3, 3]),
            _case("frac_prevs", lib.make_frac_prevs(rasp.tokens == 1), {0, 1}, [1, 0, 1]),
            _case(
                "pair_balance",
                lib.make_pair_balance(rasp.tokens, "(", ")"),
                {"(", ")"},
                ["(", "(", ")"],
            ),
            _case("hist", lib.make_hist(), {"a", "b"}, ["a", "b", "a"], max_seq_len=4),
        ]
    }


@pytest.fixture(params=["sort_unique", "reverse", "frac_prevs", "pair_balance", "hist"])
def case(request, cases) -> Case:
    """Each of the programs above in turn."""
    return cases[request.param]
