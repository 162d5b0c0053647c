"""In CI (``.ci/run`` sets TRACR_CI=1) every optional extra is installed, so the tests that
``importorskip`` them run instead of skipping; this test fails if one is missing."""

from __future__ import annotations

import importlib
import os
import shutil

import pytest

EXTRAS = ["torch", "jax", "haiku", "transformer_lens", "matplotlib", "nnsight", "safetensors",
          "playwright", "nbclient", "nbformat", "ipykernel", "pyarrow", "ray"]


@pytest.mark.skipif(os.environ.get("TRACR_CI") != "1", reason="only CI promises every extra")
@pytest.mark.parametrize("module", EXTRAS)
def test_every_extra_is_installed_in_ci(module):
    importlib.import_module(module)


@pytest.mark.skipif(os.environ.get("TRACR_CI") != "1", reason="only CI installs Chromium")
def test_chromium_is_installed_in_ci():
    assert shutil.which("chromium") == "/usr/bin/chromium"
