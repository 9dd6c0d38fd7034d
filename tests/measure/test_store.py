"""ResultStore: the append-only results table and its sidecar."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from oneproxy_plugins.exceptions import DataFormatError
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.measure import ArchResult, ResultStore
from oneproxy_plugins.measure.store import details_path_for

DEVICE = "cpu-torch-t1-b1"


def ok(arch: str, ratio: float = 2.0) -> ArchResult:
    return ArchResult(arch, "ok", ratio=ratio, raw_ms=3.0 * ratio, reference_ms=1.4, spread=0.1,
                      ratio_spread=0.05, n_runs=10, n_rounds=5, n_outliers=1)


@pytest.fixture
def store(tmp_path) -> ResultStore:
    s = ResultStore(tmp_path / "t.csv", DEVICE)
    s.create({"space": "toy", "reference": "d1-w4"})
    return s


class TestArchResult:
    def test_json_round_trip_keeps_nan(self):
        failed = ArchResult.failed("x", "ValueError: no")
        record = json.loads(json.dumps(failed.to_json()))
        assert record["latency_ms"] is None and record["type"] == "arch"
        back = ArchResult.from_json(record)
        assert math.isnan(back.latency_ms) and back.error == "ValueError: no" and not back.ok
        assert ArchResult.from_json(ok("a").to_json()) == ok("a")


def test_details_path():
    assert details_path_for("runs/t.csv").name == "t.details.jsonl"
    assert details_path_for("runs/t").name == "t.details.jsonl"


class TestCreate:
    def test_header_and_meta(self, store):
        assert store.path.read_text() == f"arch,{DEVICE}\n"
        run = store.read()
        assert run.meta["space"] == "toy" and run.meta["device"] == DEVICE
        assert run.results == {} and run.reference_ms is None

    def test_existing_file_is_an_error(self, store):
        with pytest.raises(FileExistsError, match=r"t.csv exists already"):
            store.create({})

    def test_crash_while_creating_leaves_no_table(self, tmp_path, monkeypatch):
        # The header goes to a temporary file renamed into place: a process dying before the
        # rename leaves no CSV at all, never an empty or half-written one.
        store = ResultStore(tmp_path / "t.csv", DEVICE)
        replace = os.replace

        def dies_before_the_csv(src, dst):
            if str(dst).endswith(".csv"):
                raise KeyboardInterrupt  # stands in for the process dying here
            replace(src, dst)

        monkeypatch.setattr(os, "replace", dies_before_the_csv)
        with pytest.raises(KeyboardInterrupt):
            store.create({"space": "toy"})
        monkeypatch.undo()
        assert sorted(p.name for p in tmp_path.iterdir()) == [".oneproxy-locks", "t.details.jsonl"]
        store.create({"space": "toy"})
        assert store.read().meta["space"] == "toy"

    @pytest.mark.parametrize("leftover", ["", "arch,cpu-to"])
    def test_file_without_a_header_line_is_replaced(self, tmp_path, leftover):
        path = tmp_path / "t.csv"
        path.write_text(leftover)  # an older version killed between creating and writing
        ResultStore(path, DEVICE).create({"space": "toy"})
        assert path.read_text() == f"arch,{DEVICE}\n"


class TestAppend:
    def test_rows_normalised_by_the_first_reference(self, store):
        written = store.append([ok("a", 2.0), ok("b", 3.0)], reference_ms=1.5)
        assert [r.latency_ms for r in written] == [3.0, 4.5]
        store.append([ok("c", 1.0)], reference_ms=99.0)  # a later, slower chunk
        run = store.read()
        assert run.reference_ms == 1.5
        assert run.results["c"].latency_ms == 1.5
        assert run.results["a"].raw_ms == 6.0 and run.results["a"].n_runs == 10

    def test_table_readable_by_latency_table(self, store):
        store.append([ok("a"), ArchResult.failed("b", "ValueError: broken")], reference_ms=2.0)
        table = LatencyTable.from_csv(store.path)
        assert table.devices == [DEVICE]
        np.testing.assert_array_equal(table.column(DEVICE), [4.0, np.nan])
        assert store.read().results["b"].error == "ValueError: broken"
        raw = store.read().table(raw=True)
        np.testing.assert_array_equal(raw.column(DEVICE), [6.0, np.nan])

    def test_already_present_rows_are_skipped(self, store):
        store.append([ok("a", 2.0)], reference_ms=1.0)
        written = store.append([ok("a", 5.0), ok("b")], reference_ms=1.0)
        assert [r.arch for r in written] == ["b"]
        assert store.read().results["a"].ratio == 2.0
        assert store.path.read_text().count("\na,") == 1

    def test_repeats_within_one_call_written_once(self, store):
        written = store.append([ok("a", 2.0), ok("a", 5.0), ok("b")], reference_ms=1.0)
        assert [r.arch for r in written] == ["a", "b"]
        assert store.path.read_text().count("\na,") == 1

    def test_torn_last_line_ignored_then_cut(self, store):
        store.append([ok("a")], reference_ms=1.0)
        with open(store.path, "a") as fh:
            fh.write("b,12")  # a writer killed in the middle of a line
        with open(store.details_path, "a") as fh:
            fh.write('{"type": "arch", "arch": "b", "sta')
        assert list(store.read().results) == ["a"]
        store.append([ok("c")], reference_ms=1.0)
        assert store.path.read_text().splitlines()[1:] == ["a,2", "c,2"]
        assert list(store.read().results) == ["a", "c"]
        assert LatencyTable.from_csv(store.path).archs == ["a", "c"]

    def test_sidecar_without_row_is_not_done(self, store):
        store.append([ok("a")], reference_ms=1.0)
        with open(store.details_path, "a") as fh:  # killed between sidecar and table
            fh.write(json.dumps(ok("b").to_json()) + "\n")
        assert list(store.read().results) == ["a"]
        store.append([ok("b", 4.0)], reference_ms=1.0)
        assert store.read().results["b"].ratio == 4.0

    def test_all_failed_chunk_writes_no_reference(self, store):
        store.append([ArchResult.failed("x", "boom")], reference_ms=math.nan)
        assert store.read().reference_ms is None
        store.append([ok("a")], reference_ms=2.0)
        assert store.read().reference_ms == 2.0


class TestRead:
    def test_csv_without_sidecar_still_reads(self, store):
        store.append([ok("a"), ArchResult.failed("b", "boom")], reference_ms=1.0)
        store.details_path.unlink()
        run = store.read()
        assert run.results["a"].latency_ms == 2.0 and not run.results["b"].ok
        assert run.meta == {}

    def test_other_device_header_is_an_error(self, store):
        other = ResultStore(store.path, "cpu-ort-t1-b1")
        with pytest.raises(DataFormatError, match=r"t.csv: header is 'arch,cpu-torch-t1-b1'; a "
                                                  r"results file of device 'cpu-ort-t1-b1' "
                                                  r"starts with 'arch,cpu-ort-t1-b1'"):
            other.read()

    def test_bad_row_is_named(self, store):
        with open(store.path, "a") as fh:
            fh.write("a,-3\n")
        with pytest.raises(DataFormatError, match=r"t.csv line 2, device 'cpu-torch-t1-b1': "
                                                  r"-3.0 ms"):
            store.read()

    def test_unreadable_sidecar_record_is_skipped(self, store, caplog):
        store.append([ok("a")], reference_ms=1.0)
        with open(store.details_path, "a") as fh:
            fh.write("not json\n")
        assert list(store.read().results) == ["a"]
        assert "unreadable record skipped" in caplog.text


_WRITER = """
import sys
from oneproxy_plugins.measure import ArchResult, ResultStore
store = ResultStore(sys.argv[1], sys.argv[2])
for i in range(int(sys.argv[4])):
    store.append([ArchResult(f"w{sys.argv[3]}-{i}", "ok", ratio=1.0 + i)], reference_ms=1.0)
"""


def test_concurrent_appends_keep_every_line(store):
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(store.path), DEVICE, str(w),
                               "25"]) for w in range(2)]
    assert [p.wait(60) for p in procs] == [0, 0]
    run = store.read()
    assert len(run.results) == 50
    assert all(r.ok and r.latency_ms > 0 for r in run.results.values())
    assert len(store.details_path.read_text().splitlines()) == 1 + 1 + 50  # meta, ref, rows


def leftover_worker_files(store: ResultStore) -> list[str]:
    return sorted(p.name for p in store.path.parent.iterdir()
                  if ".worker-" in p.name or p.name.endswith(".claims.json"))


_CLAIMER = """
import sys
from oneproxy_plugins.measure import ResultStore
store = ResultStore(sys.argv[1], sys.argv[2])
with store.worker() as worker:
    print(store.claim(sys.argv[3].split(","), 10, worker), flush=True)
    sys.stdin.read()  # holds its claim until killed
"""


class TestClaims:
    def test_workers_split_the_work(self, store):
        archs = ["a", "b", "c", "d", "e"]
        with store.worker() as w1, store.worker() as w2:
            assert store.claim(archs, 2, w1) == ["a", "b"]
            assert store.claim(archs, 2, w2) == ["c", "d"]
            store.append([ok("a"), ok("b")], reference_ms=1.0)
            assert store.claim(archs, 2, w1) == ["e"]  # replaces its claim of the rows written
            assert json.loads(store.claims_path.read_text()) == {w1: ["e"], w2: ["c", "d"]}
            store.append([ok("c"), ok("d")], reference_ms=1.0)
            assert store.claim(archs, 2, w2) == []
            assert json.loads(store.claims_path.read_text()) == {w1: ["e"]}
        assert leftover_worker_files(store) == []  # leaving drops the claims and the locks

    def test_rows_in_the_table_are_not_claimed(self, store):
        store.append([ok("a")], reference_ms=1.0)
        with store.worker() as worker:
            assert store.claim(["a", "b", "b"], 5, worker) == ["b"]

    def test_claims_of_a_killed_worker_lapse(self, store):
        proc = subprocess.Popen([sys.executable, "-c", _CLAIMER, str(store.path), DEVICE,
                                 "a,b"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline() == "['a', 'b']\n"
            with store.worker() as worker:
                assert store.claim(["a", "b", "c"], 5, worker) == ["c"]  # it is alive
                proc.kill()  # SIGKILL: no clean-up runs; the OS releases its lock
                proc.wait(10)
                assert store.claim(["a", "b", "c"], 5, worker) == ["a", "b", "c"]
        finally:
            proc.kill()
            proc.wait(10)
            proc.stdin.close()
            proc.stdout.close()
        assert leftover_worker_files(store) == []

    def test_claim_outside_worker_is_an_error(self, store):
        with pytest.raises(ValueError, match=r"The 'worker' argument must be an id yielded by "
                                             r"ResultStore.worker\(\) inside its 'with' block; "
                                             r"got 'nobody'"):
            store.claim(["a"], 1, "nobody")
        with store.worker() as worker:
            pass
        with pytest.raises(ValueError, match="got '" + worker):
            store.claim(["a"], 1, worker)

    def test_bad_count_is_an_error(self, store):
        with store.worker() as worker, pytest.raises(
                ValueError, match=r"The 'n' argument must be an int >= 1; got 0"):
            store.claim(["a"], 0, worker)
