"""The toy plugin package, installed for a test as pip would install it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from oneproxy_plugins.plugins import reset_plugin_manager

HERE = Path(__file__).resolve().parent


@pytest.fixture()
def toy_installed(tmp_path, monkeypatch):
    """Install the toy plugin the way pip would: a dist-info with an entry point on sys.path."""
    dist = tmp_path / "toy_oneproxy_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-oneproxy-plugin\n"
                                   "Version: 0.1\n")
    (dist / "entry_points.txt").write_text("[oneproxy_plugins]\ntoy = toy_oneproxy_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(HERE))
    reset_plugin_manager()
    yield
    sys.modules.pop("toy_oneproxy_plugin", None)
    reset_plugin_manager()
