"""``oneproxy measure``: the command, its one-line errors, resume, and a real SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

from oneproxy_plugins.cli import main
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.measure import ResultStore
from oneproxy_plugins.spaces import get_space

pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[measure]'")

DEVICE = "cpu-torch-t1-b1"
FAST = ["--rounds", "2", "--warmup", "1", "--repeats", "2", "--build-cfg", "C=4,N=1",
        "--no-progress"]


def invoke(*args: str):
    return CliRunner().invoke(main, ["measure", *args], catch_exceptions=False)


def base(out, samples: int = 3) -> list[str]:
    return ["--space", "nasbench201", "--device", DEVICE, "--samples", str(samples),
            "--seed", "1", "--out", str(out), *FAST]


class TestMeasure:
    def test_writes_positive_latencies_then_resume_measures_nothing(self, tmp_path):
        out = tmp_path / "t.csv"
        result = invoke(*base(out))
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[-1].startswith(
            f"{DEVICE}: measured 3, skipped 0, failed 0 -> {out}")
        table = LatencyTable.from_csv(out, space="nasbench201")
        assert len(table) == 3 and (table.column(DEVICE) > 0).all()
        assert (tmp_path / "t.details.jsonl").exists()

        text = out.read_text()
        again = invoke(*base(out), "--resume")
        assert again.exit_code == 0
        assert "measured 0, skipped 3, failed 0" in again.output.splitlines()[-1]
        assert out.read_text() == text

    def test_archs_file(self, tmp_path):
        space = get_space("nasbench201")
        ids = [space.to_id(a) for a in space.sample_many(2, 9)]
        archs = tmp_path / "archs.csv"
        archs.write_text("arch,note\n" + "".join(f"{a},x\n" for a in ids))
        out = tmp_path / "t.csv"
        result = invoke("--space", "nasbench201", "--device", DEVICE, "--archs", str(archs),
                        "--out", str(out), *FAST)
        assert result.exit_code == 0, result.output
        assert LatencyTable.from_csv(out).archs == ids


class TestErrors:
    def test_existing_file_without_resume(self, tmp_path):
        out = tmp_path / "t.csv"
        out.write_text("arch,cpu-torch-t1-b1\n")
        result = invoke(*base(out))
        assert result.exit_code == 2
        assert result.output == (f"Error: {out} exists; pass --resume to continue it, or choose "
                                 "another --out file.\n")

    @pytest.mark.parametrize("device, message", [
        ("cpu-torch-b1", "has no thread count"),
        ("gpu-torch-b1", "target 'gpu' is not supported; allowed: cpu, cuda"),
        ("cpu-tvm-t1-b1", "Unknown runtime 'tvm'; known:"),
    ])
    def test_bad_device_is_one_line(self, tmp_path, device, message):
        args = base(tmp_path / "t.csv")
        args[args.index("--device") + 1] = device
        result = invoke(*args)
        assert result.exit_code == 2
        assert len(result.output.splitlines()) == 1 and message in result.output
        assert result.output.startswith("Error: ")
        assert not (tmp_path / "t.csv").exists()

    def test_samples_or_archs(self, tmp_path):
        result = invoke("--space", "nasbench201", "--device", DEVICE, "--out",
                        str(tmp_path / "t.csv"))
        assert result.exit_code == 2 and "pass either --samples N or --archs FILE" in result.output

    def test_bad_build_cfg(self, tmp_path):
        args = base(tmp_path / "t.csv")
        args[args.index("--build-cfg") + 1] = "C4"
        result = invoke(*args)
        assert result.exit_code == 2 and "expected KEY=VALUE pairs" in result.output

    def test_missing_archs_file(self, tmp_path):
        result = invoke("--space", "nasbench201", "--device", DEVICE, "--archs",
                        str(tmp_path / "none.csv"), "--out", str(tmp_path / "t.csv"), *FAST)
        assert result.exit_code == 2 and result.output.startswith("Error: ")
        assert "none.csv" in result.output


def _complete_rows(path) -> int:
    if not path.exists():
        return 0
    data = path.read_bytes()
    return max(data[:data.rfind(b"\n") + 1].count(b"\n") - 1, 0)


def test_sigkill_keeps_rows_and_resume_completes(tmp_path):
    out = tmp_path / "t.csv"
    args = ["--space", "nasbench201", "--device", DEVICE, "--samples", "20", "--seed", "3",
            "--out", str(out), "--rounds", "4", "--warmup", "1", "--repeats", "3",
            "--build-cfg", "C=4,N=1", "--chunk-size", "1", "--no-progress"]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from oneproxy_plugins.cli import main; main()", "measure", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while _complete_rows(out) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    kept = ResultStore(out, DEVICE).read()
    assert 2 <= len(kept.results) < 20
    assert all(r.ok and r.latency_ms > 0 for r in kept.results.values())

    # Resuming may time with other settings (only space, reference and build config must match).
    args[args.index("--rounds") + 1] = "1"
    result = invoke(*args, "--resume")
    assert result.exit_code == 0, result.output
    assert f"skipped {len(kept.results)}, failed 0" in result.output
    table = LatencyTable.from_csv(out, space="nasbench201")
    assert len(table) == 20 and (table.column(DEVICE) > 0).all()
    np.testing.assert_allclose(table.select(archs=list(kept.results)).column(DEVICE),
                               [r.latency_ms for r in kept.results.values()], rtol=1e-5)
