"""examples/nni_nasbench201.py run as a user would (docs/nni.md's blocks run in
tests/test_docs.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nni")

ROOT = Path(__file__).resolve().parents[2]


def run_example(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``python examples/nni_nasbench201.py *args`` from the repository root, ``HOME`` at
    ``tmp_path``."""
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "examples/nni_nasbench201.py", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_example_script(shared_data_dir, tmp_path):
    result = run_example(tmp_path, str(shared_data_dir), "--trials", "60")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "60 models trained" in out
    assert "every trained model's proxy latency <= budget: True" in out
    ratios = [float(r) for r in re.findall(r"hypervolume ratio ([0-9.]+)", out)]
    assert len(ratios) == 2 and all(r > 0.9 for r in ratios)
    # the experiment's folder was a temporary one; only NNI's manifest is left in HOME
    assert [p.name for p in tmp_path.glob("nni-experiments/*")] == [".experiment"]


def test_example_usage_error(tmp_path):
    result = run_example(tmp_path)
    assert result.returncode == 2 and "data_dir" in result.stderr
