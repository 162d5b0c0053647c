"""Every relative link in the READMEs points to a file that exists (README.md links to
``tracr/craft/chamber/README.md``, say)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = sorted([ROOT / "README.md", *(ROOT / "tracr").rglob("README.md")])
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(readme):
    targets = [t for t in LINK.findall(readme.read_text()) if "://" not in t]
    missing = [t for t in targets if not (readme.parent / t).exists()]
    assert missing == []


def test_the_chamber_readme_names_every_construction():
    text = (ROOT / "tracr/craft/chamber/README.md").read_text()
    for module in (ROOT / "tracr/craft/chamber").glob("*.py"):
        public = re.findall(r"^def ([a-z]\w*)\(", module.read_text(), re.M)
        assert [f for f in public if f"`{f}" not in text] == [], module.name
