"""Golden text dumps of what gets compiled where (program graph, layers, residual layout).

A change in allocation or layout shows up here as a diff to review. Expression ids depend on
creation order, so they are renumbered by first appearance. To accept a change on purpose:
``TRACR_UPDATE_GOLDEN=1 python -m pytest tests/golden`` and commit the new files.
"""

import os
import re
from pathlib import Path

import pytest

from tracr.compiler import compiling, lib_catalog
from tracr.model.text import model_text

HERE = Path(__file__).parent
PROGRAMS = ["reverse", "sort_unique", "frac_prevs", "shift_by", "sort_dup", "shuffle_dyck2", "sort",
            "dyck1"]


def _renumber(text: str) -> str:
    ids: dict[str, int] = {}

    def sub(m: re.Match) -> str:
        return "_#" + str(ids.setdefault(m.group(1), len(ids) + 1))

    return re.sub(r"_(\d+)(?=\b|_)", sub, text)


# The reference layout's goldens keep their original names; the economical default's carry
# ".economical" (they differ where a cheaper construction was chosen, e.g. reverse).
GOLDEN_SUFFIX = {"reference": "", "economical": ".economical"}


@pytest.mark.parametrize("layout", sorted(GOLDEN_SUFFIX))
@pytest.mark.parametrize("name", PROGRAMS)
def test_layout_matches_golden(name, layout):
    case = lib_catalog.build(name, vocab_size=3, max_seq_len=4)
    model = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len,
                                            layout=layout)
    text = _renumber(model_text(model)) + "\n"
    path = HERE / f"{name}{GOLDEN_SUFFIX[layout]}.txt"
    if os.environ.get("TRACR_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}; run with TRACR_UPDATE_GOLDEN=1"
    assert text == path.read_text()
