"""ResultStore: the append-only results table and its sidecar."""

from __future__ import annotations

import json
import math
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
