"""``oneproxy measure`` killed with SIGKILL at random points, and several processes on one file.

Real ``oneproxy measure`` subprocesses on tiny NAS-Bench-201 networks with the fastest timing
settings. The figures of docs/reliability.md come from here; run with ``-s`` to see them.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.measure import ResultStore
from oneproxy_plugins.spaces import get_space

pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[measure]'")

DEVICE = "cpu-torch-t1-b1"
FASTEST = ["--rounds", "2", "--warmup", "0", "--repeats", "1", "--budget", "0.05",
           "--build-cfg", "C=4,N=1", "--no-progress"]
COMMAND = [sys.executable, "-c", "from oneproxy_plugins.cli import main; main()", "measure"]


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def complete_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    data = path.read_bytes()
    return data[:data.rfind(b"\n") + 1].decode("utf-8").splitlines()


def n_rows(out: Path) -> int:
    return max(len(complete_lines(out)) - 1, 0)


def n_details(out: Path) -> int:
    return sum('"type": "arch"' in line for line in complete_lines(out.with_suffix(
        ".details.jsonl")))


def leftovers(out: Path) -> list[str]:
    """Worker locks and claims: files a process that ended cleanly does not leave behind."""
    return sorted(p.name for p in out.parent.iterdir()
                  if ".worker-" in p.name or p.name.endswith(".claims.json"))


def worker_locks(out: Path) -> set[str]:
    return {n for n in os.listdir(out.parent) if ".worker-" in n}


def check_readable(out: Path, requested: set[str], kept: dict[str, float]) -> dict[str, float]:
    """The table after a kill: whole lines, no duplicate, every row readable by the package's
    readers, and every row kept before still there with its value. Returns the rows."""
    if not out.exists():
        assert not kept, "the table disappeared"
        return {}
    data = out.read_bytes()
    assert data.endswith(b"\n"), f"torn last row: {data[-60:]!r}"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == ["arch", DEVICE]
    archs = [row[0] for row in rows[1:]]
    assert len(archs) == len(set(archs)), "duplicate rows"
    assert set(archs) <= requested
    run = ResultStore(out, DEVICE).read()
    assert list(run.results) == archs
    assert all(r.ok and r.latency_ms > 0 for r in run.results.values())
    assert LatencyTable.from_csv(out, space="nasbench201").archs == archs
    for line in complete_lines(out.with_suffix(".details.jsonl")):
        json.loads(line)
    values = {a: r.latency_ms for a, r in run.results.items()}
    assert {a: values.get(a) for a in kept} == kept, "a kept row was lost or changed"
    return values


def summary_counts(stdout: str) -> dict[str, int]:
    """The numbers of the command's summary line."""
    line = stdout.strip().splitlines()[-1]
    counts = {key: int(re.search(rf"{key} (\d+)", line).group(1))
              for key in ("measured", "skipped", "failed")}
    pending = re.search(r"(\d+) still measured by other processes", line)
    counts["pending"] = int(pending.group(1)) if pending else 0
    return counts


# Where each kill lands: "start" while Python and torch load, before the process has
# written anything (before the header on a new file); "writer" just after it registered as a
# writer, while the reference network is prepared and the first chunk timed; "sidecar" the
# moment the details file gains a chunk (the table's append follows within microseconds, so
# the kill lands just before or just after it); "row" some time after the table gained a
# chunk, in the middle of the next one.
KILL_POINTS = ["start", "writer", "sidecar", "row", "writer", "start", "row"]
DELAY_S = {"start": (0.0, 0.6), "writer": (0.0, 0.15), "sidecar": (0.0, 0.0), "row": (0.0, 0.3)}


def wait_for(point: str, proc: subprocess.Popen, out: Path, deadline: float) -> bool:
    """Wait until the event ``point`` names has happened; False if the process ended first."""
    rows, details, workers = n_rows(out), n_details(out), worker_locks(out)
    happened = {"start": lambda: True,
                "writer": lambda: bool(worker_locks(out) - workers),  # not a killed one's
                "sidecar": lambda: n_details(out) > details,
                "row": lambda: n_rows(out) > rows}[point]
    while not happened():
        if proc.poll() is not None:
            return False
        assert time.monotonic() < deadline, f"no {point!r} event within the time limit"
        time.sleep(0.002)
    return proc.poll() is None


def test_sigkill_at_random_points_then_resume_completes(tmp_path):
    out = tmp_path / "t.csv"
    space = get_space("nasbench201")
    requested = {space.to_id(a) for a in space.sample_many(24, 4)}
    args = ["--space", "nasbench201", "--device", DEVICE, "--samples", "24", "--seed", "4",
            "--out", str(out), "--chunk-size", "2", "--resume", *FASTEST]
    rng = random.Random(8)
    kept: dict[str, float] = {}
    survived = []
    for point in KILL_POINTS:
        delay = rng.uniform(*DELAY_S[point])
        proc = spawn(*args)
        try:
            running = wait_for(point, proc, out, time.monotonic() + 60)
            time.sleep(delay)
            if running and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
        finally:
            stdout, stderr = proc.communicate(timeout=30)
        if proc.returncode != -signal.SIGKILL:  # it finished before the kill
            assert proc.returncode == 0, stderr
            break
        kept = check_readable(out, requested, kept)
        survived.append(f"{point}+{delay:.2f}s:{len(kept) if out.exists() else 'no table'}")

    proc = spawn(*args)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    counts = summary_counts(stdout)
    final = check_readable(out, requested, kept)
    print(f"\nkills survived: {len(survived)} (point+delay:rows kept) {' '.join(survived)}; "
          f"final resume: {counts}")
    assert len(survived) >= 5
    assert set(final) == requested and len(final) == 24
    assert counts == {"measured": 24 - len(kept), "skipped": len(kept), "failed": 0,
                      "pending": 0}
    assert leftovers(out) == []  # the killed workers' locks and claims were cleared


def write_archs(path: Path, ids: list[str]) -> str:
    path.write_text("arch\n" + "".join(f"{a}\n" for a in ids))
    return str(path)


def test_processes_on_one_file_measure_each_arch_once(tmp_path):
    out = tmp_path / "t.csv"
    space = get_space("nasbench201")
    ids = [space.to_id(a) for a in space.sample_many(18, 11)]
    lists = [ids[:12], ids[6:], ids[::-1]]  # overlapping, and one with all of them
    procs = [spawn("--space", "nasbench201", "--device", DEVICE,
                   "--archs", write_archs(tmp_path / f"archs{i}.csv", archs),
                   "--out", str(out), "--resume", "--chunk-size", "1", *FASTEST)
             for i, archs in enumerate(lists)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e for _, e in outputs]
    counts = [summary_counts(stdout) for stdout, _ in outputs]
    print(f"\n{len(procs)} processes on one file, {len(ids)} architectures: {counts}")

    table = LatencyTable.from_csv(out, space="nasbench201")  # duplicate rows would raise
    assert sorted(table.archs) == sorted(ids)
    assert (table.column(DEVICE) > 0).all()
    details = [json.loads(line) for line in complete_lines(out.with_suffix(".details.jsonl"))]
    measured = collections.Counter(r["arch"] for r in details if r["type"] == "arch")
    assert measured == dict.fromkeys(ids, 1)  # nobody measured an architecture twice
    assert sum(c["measured"] for c in counts) == len(ids)
    assert sum(c["measured"] > 0 for c in counts) >= 2  # the work was shared
    assert all(c["failed"] == 0 for c in counts)
    assert leftovers(out) == []
