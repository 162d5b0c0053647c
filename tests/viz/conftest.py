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


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright (the system's Chromium, not a download).

    CI (``.ci/run``) installs Chromium and sets TRACR_CI=1, so there a missing
    browser fails; elsewhere the browser tests are skipped with the reason.
    """
    required = os.environ.get("TRACR_CI") == "1"
    if not os.path.exists(CHROMIUM) and not required:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that fails the test on any script error or network request."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: None if r.url.startswith(("file:", "about:", "data:"))
          else problems.append(f"network request: {r.url}"))
    yield pg
    context.close()
    assert problems == []
