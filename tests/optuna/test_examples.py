"""The Optuna examples run as a user would run them (docs/optuna.md's blocks run in
tests/test_docs.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_example(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_tabular_nasbench201(shared_data_dir, tmp_path):
    result = run_example("examples/optuna_tabular_nasbench201.py", str(shared_data_dir),
                         str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "searched 500 trials on pixel3" in result.stdout
    for target in ("titanx_256", "titanx_1", "gold_6240"):
        found, optimal = map(int, re.search(
            rf"{target}: +\d+ Pareto trials \((\d+) of the (\d+) truly optimal",
            result.stdout).groups())
        assert 0 < found <= optimal
    assert {p.name for p in tmp_path.glob("*.png")} == {"target_fronts.png",
                                                        "proxy_vs_titanx_1.png"}


def test_tabular_usage_error():
    result = run_example("examples/optuna_tabular_nasbench201.py")
    assert result.returncode == 1 and "Usage:" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("ONEPROXY_SLOW"),
                    reason="trains and measures networks for ~20 s (minutes on a busy machine); "
                           "set ONEPROXY_SLOW=1")
def test_live_training_and_measurement():
    result = run_example("examples/optuna_live.py", "6", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "6 trials trained and measured" in result.stdout
    budget, slowest = map(float, re.search(r"budget ([0-9.]+) ms .* slowest trained ([0-9.]+) ms",
                                           result.stdout).groups())
    assert slowest <= budget
    assert re.search(r"target cpu-ort-t1-b1 from 5 measurements: [1-9]\d* Pareto trials",
                     result.stdout)
