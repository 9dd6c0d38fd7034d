"""The main job, shrunk: real measurements with torch and ONNX Runtime on tiny networks."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from oneproxy_plugins.cli import main

pytest.importorskip("onnxruntime", reason="the demo's target runtime is ONNX Runtime")


def test_run_demo_measures_and_adapts(tmp_path):
    from oneproxy_plugins.demo import run_demo

    result = run_demo(tmp_path, n_archs=24, k=5, n_rounds=1, build_cfg={"C": 4, "N": 1},
                      progress=False)
    assert result.n_archs == 24 and result.k == 5 and result.n_heldout == 19
    assert -1 <= result.srcc_before <= 1 and -1 <= result.srcc_after <= 1
    assert result.scatter_png is not None and result.scatter_png.stat().st_size > 1000
    assert (tmp_path / "proxy.csv").exists() and (tmp_path / "target.csv").exists()
    # a second run resumes: nothing is measured again
    again = run_demo(tmp_path, n_archs=24, k=5, n_rounds=1, build_cfg={"C": 4, "N": 1},
                     progress=False)
    assert again.srcc_before == pytest.approx(result.srcc_before)


def test_bad_k(tmp_path):
    from oneproxy_plugins.demo import run_demo

    with pytest.raises(ValueError, match=r"'k' argument must be in \[3, 19\]"):
        run_demo(tmp_path, n_archs=20, k=20)


def test_cli_rejects_k_not_below_archs(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--archs", "20",
                                       "--samples", "20"])
    assert result.exit_code == 2
    assert "must be smaller than --archs (20)" in result.output
