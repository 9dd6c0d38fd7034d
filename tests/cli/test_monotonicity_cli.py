"""`oneproxy srcc` and `oneproxy select-proxy` on a data dir the tests write."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from oneproxy_plugins.cli import main


@pytest.fixture()
def data_dir(make_data_dir, synthetic_nb201):
    return make_data_dir(synthetic_nb201[0])


@pytest.mark.needs("matplotlib")
def test_srcc_matrix_json_and_png(data_dir, tmp_path, synthetic_nb201):
    png = tmp_path / "h.png"
    result = CliRunner().invoke(main, ["srcc", "--space", "nasbench201", "--data", str(data_dir),
                                       "--devices", "gpu_a,gpu_b,odd", "--png", str(png),
                                       "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    m = np.array(payload["matrix"])
    assert payload["devices"] == ["gpu_a", "gpu_b", "odd"]
    assert np.allclose(np.diag(m), 1) and np.allclose(m, m.T)
    assert m[0, 1] > m[0, 2]  # gpu_b shares gpu_a's weight pattern, odd does not
    assert png.stat().st_size > 1000


def test_select_proxy_picks_the_similar_device(data_dir, tmp_path, synthetic_nb201):
    table, _ = synthetic_nb201
    y = table.column("gpu_b")
    rows = range(0, 2000, 100)
    samples = tmp_path / "s.csv"
    samples.write_text("arch,latency_ms\n" + "".join(f"{table.archs[i]},{y[i]}\n" for i in rows))
    result = CliRunner().invoke(main, ["select-proxy", "--space", "nasbench201", "--data",
                                       str(data_dir), "--proxies", "gpu_a,cpu_a,odd",
                                       "--target-samples", str(samples), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["best"] == "gpu_a" and payload["needs_adaptation"] is False
    assert [r["device"] for r in payload["ranking"]][0] == "gpu_a"


def test_unknown_device_is_one_line(data_dir):
    result = CliRunner().invoke(main, ["srcc", "--space", "nasbench201", "--data", str(data_dir),
                                       "--devices", "gpu_a,ghost"])
    assert result.exit_code == 2 and "Unknown device 'ghost'" in result.output
