"""The public facade of ``oneproxy_plugins``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import oneproxy_plugins as op


def test_every_public_name_resolves():
    for name in op.__all__:
        assert getattr(op, name) is not None


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        op.nope  # noqa: B018


def test_import_stays_light():
    code = ("import sys, oneproxy_plugins; "
            "print(sorted(m for m in ('torch', 'nni', 'optuna', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
