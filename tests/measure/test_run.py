"""measure_archs: structure of a run, resume, failures, chunks, runtimes."""

from __future__ import annotations

import weakref

import numpy as np
import pytest
import torch

from oneproxy_plugins.exceptions import MeasurementError, UnknownRuntimeError
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.measure import ArchResult, ResultStore, measure_archs

DEVICE = "cpu-torch-t1-b1"


@pytest.fixture
def archs(nb201):
    return [nb201.to_id(a) for a in nb201.sample_many(3, 5)]


class TestStructure:
    def test_in_memory_run(self, nb201, archs, fast, capsys):
        run = measure_archs(nb201, archs, DEVICE, **fast)
        assert list(run.results) == archs and run.path is None
        assert (run.n_measured, run.n_skipped, run.n_failed) == (3, 0, 0)
        for r in run.results.values():
            assert r.ok and r.latency_ms > 0 and r.raw_ms > 0 and r.ratio > 0
            assert (r.n_rounds, r.n_runs) == (fast["n_rounds"],
                                              fast["n_rounds"] * fast["n_repeats"])
            assert 0 <= r.n_outliers < r.n_runs
        assert run.reference == nb201.to_id(nb201.sample(0)) and run.reference_ms > 0
        table = run.table()
        assert isinstance(table, LatencyTable) and table.devices == [DEVICE]
        assert (table.column(DEVICE) > 0).all() and (run.table(raw=True).column(DEVICE) > 0).all()
        assert capsys.readouterr() == ("", "")  # library code never prints

    def test_normalised_is_ratio_times_reference(self, nb201, archs, fast):
        run = measure_archs(nb201, archs, DEVICE, **fast)
        for r in run.results.values():
            assert r.latency_ms == pytest.approx(r.ratio * run.reference_ms)

    def test_threads_restored(self, nb201, archs, fast):
        before = torch.get_num_threads()
        measure_archs(nb201, archs[:1], DEVICE, **fast)
        assert torch.get_num_threads() == before

    def test_duplicates_and_equivalent_ids_measured_once(self, nb201, archs, fast):
        run = measure_archs(nb201, [archs[0], nb201.from_id(archs[0]), archs[1]], DEVICE, **fast)
        assert list(run.results) == archs[:2] and run.n_measured == 2

    def test_explicit_reference(self, nb201, archs, fast):
        run = measure_archs(nb201, archs[:1], DEVICE, reference=archs[0], **fast)
        assert run.reference == archs[0] and run.results[archs[0]].ok

    def test_summary_line(self, nb201, archs, fast, tmp_path):
        run = measure_archs(nb201, archs, DEVICE, out=tmp_path / "t.csv", **fast)
        assert run.summary().startswith(f"{DEVICE}: measured 3, skipped 0, failed 0 -> ")


class TestFile:
    def test_written_table(self, nb201, archs, fast, tmp_path):
        out = tmp_path / "t.csv"
        run = measure_archs(nb201, archs, DEVICE, out=out, **fast)
        table = LatencyTable.from_csv(out, space="nasbench201")
        assert table.archs == archs
        np.testing.assert_allclose(table.column(DEVICE), run.table().column(DEVICE), rtol=1e-5)
        stored = ResultStore(out, DEVICE).read()
        assert stored.meta["reference"] == run.reference
        assert stored.meta["build_cfg"] == fast["build_cfg"]

    def test_resume_measures_nothing_when_complete(self, nb201, archs, fast, tmp_path):
        out = tmp_path / "t.csv"
        first = measure_archs(nb201, archs, DEVICE, out=out, **fast)
        text = out.read_text()
        again = measure_archs(nb201, archs, DEVICE, out=out, resume=True, **fast)
        assert (again.n_measured, again.n_skipped, again.n_failed) == (0, 3, 0)
        assert out.read_text() == text
        assert again.results == first.results

    def test_resume_measures_only_missing(self, nb201, archs, fast, tmp_path):
        out = tmp_path / "t.csv"
        measure_archs(nb201, archs[:2], DEVICE, out=out, **fast)
        run = measure_archs(nb201, archs, DEVICE, out=out, resume=True, **fast)
        assert (run.n_measured, run.n_skipped) == (1, 2)
        assert LatencyTable.from_csv(out).archs == archs

    def test_existing_file_needs_resume(self, nb201, archs, fast, tmp_path):
        out = tmp_path / "t.csv"
        measure_archs(nb201, archs[:1], DEVICE, out=out, **fast)
        with pytest.raises(FileExistsError, match=r"t.csv exists; pass resume=True \(CLI: "
                                                  r"--resume\) to continue it, or choose"):
            measure_archs(nb201, archs, DEVICE, out=out, **fast)

    def test_resume_with_other_settings_is_an_error(self, nb201, archs, fast, tmp_path):
        out = tmp_path / "t.csv"
        measure_archs(nb201, archs[:1], DEVICE, out=out, **fast)
        fast["build_cfg"] = {"C": 8, "N": 1}
        with pytest.raises(ValueError, match=r"was measured with build_cfg \{'C': 4, 'N': 1\}; "
                                             r"this run has \{'C': 8, 'N': 1\}"):
            measure_archs(nb201, archs, DEVICE, out=out, resume=True, **fast)

    def test_resume_keeps_the_recorded_reference(self, nb201, archs, fast, tmp_path):
        out = tmp_path / "t.csv"
        first = measure_archs(nb201, archs[:1], DEVICE, out=out, reference=archs[2], **fast)
        again = measure_archs(nb201, archs[:2], DEVICE, out=out, resume=True, **fast)
        assert again.reference == first.reference == archs[2]
        assert again.reference_ms == first.reference_ms

    def test_chunks_append_as_they_finish(self, nb201, archs, fast, tmp_path, monkeypatch):
        sizes = []
        original = ResultStore.append

        def spy(self, results, **kwargs):
            sizes.append(len(results))
            return original(self, results, **kwargs)

        monkeypatch.setattr(ResultStore, "append", spy)
        run = measure_archs(nb201, archs, DEVICE, out=tmp_path / "t.csv", chunk_size=2, **fast)
        assert sizes == [2, 1] and run.n_measured == 3
        # every chunk is normalised on the file's one scale
        scales = [r.latency_ms / r.ratio for r in run.results.values()]
        np.testing.assert_allclose(scales, run.reference_ms, rtol=1e-12)

    def test_a_chunk_is_freed_before_the_next_is_prepared(self, nb201, archs, fast, tmp_path,
                                                          monkeypatch):
        built, alive_at_build = [], []
        build = nb201.build

        def spy(arch, **cfg):
            alive_at_build.append(sum(ref() is not None for ref in built[1:]))  # [0]: reference
            module = build(arch, **cfg)
            built.append(weakref.ref(module))
            return module

        monkeypatch.setattr(nb201, "build", spy)
        measure_archs(nb201, archs, DEVICE, out=tmp_path / "t.csv", chunk_size=1, **fast)
        assert alive_at_build == [0, 0, 0, 0]


class TestSharedFile:
    def test_archs_another_process_claimed_are_left_to_it(self, nb201, archs, fast, tmp_path):
        out = tmp_path / "t.csv"
        store = ResultStore(out, DEVICE)
        with store.worker() as other:  # stands in for a process measuring archs[0]
            assert store.claim(archs[:1], 1, other) == archs[:1]
            run = measure_archs(nb201, archs, DEVICE, out=out, resume=True, **fast)
        assert (run.n_measured, run.n_skipped, run.n_pending) == (2, 0, 1)
        assert list(run.results) == archs[1:]
        assert run.summary().startswith(f"{DEVICE}: measured 2, skipped 0, failed 0, 1 still "
                                        f"measured by other processes -> {out}")

    def test_rows_written_meanwhile_count_as_skipped(self, nb201, archs, fast, tmp_path,
                                                     monkeypatch):
        out = tmp_path / "t.csv"
        claim = ResultStore.claim

        def others_write_first(self, ids, n, worker):  # another process finishes archs[0]
            if not self.read().results:
                self.append([ArchResult(archs[0], "ok", ratio=1.0)], reference_ms=1.0)
            return claim(self, ids, n, worker)

        monkeypatch.setattr(ResultStore, "claim", others_write_first)
        run = measure_archs(nb201, archs, DEVICE, out=out, resume=True, **fast)
        assert (run.n_measured, run.n_skipped, run.n_pending) == (2, 1, 0)
        assert list(run.results) == archs and run.results[archs[0]].ratio == 1.0

    def test_resume_on_a_file_created_meanwhile(self, nb201, archs, fast, tmp_path,
                                                monkeypatch):
        # Two processes starting together both find no file; the second to create it reads
        # the first's file instead of failing.
        out = tmp_path / "t.csv"
        first = measure_archs(nb201, archs[:1], DEVICE, out=out, **fast)
        monkeypatch.setattr(ResultStore, "exists", lambda self: False)
        run = measure_archs(nb201, archs, DEVICE, out=out, resume=True, **fast)
        assert (run.n_measured, run.n_skipped) == (2, 1)
        assert run.reference_ms == first.reference_ms
        with pytest.raises(FileExistsError, match=r"t.csv exists; pass resume=True"):
            measure_archs(nb201, archs, DEVICE, out=out, **fast)


class TestFailures:
    def test_failures_recorded_and_the_run_goes_on(self, toy_space, tmp_path):
        archs = ["d1-w4", "d3-w8", "d2-w8", "d2-w4"]
        out = tmp_path / "toy.csv"
        run = measure_archs(toy_space, archs, DEVICE, out=out, reference="d1-w4", n_rounds=3,
                            n_warmup=1, n_repeats=2, progress=False)
        assert (run.n_measured, run.n_failed) == (2, 2)
        assert run.results["d3-w8"].error == "ValueError: d3-w8 is not buildable, on purpose"
        assert run.results["d2-w8"].error == "RuntimeError: device fell over"
        assert run.results["d1-w4"].ok and run.results["d2-w4"].ok
        table = LatencyTable.from_csv(out)
        assert np.isnan(table.column(DEVICE)).tolist() == [False, True, True, False]
        again = measure_archs(toy_space, archs, DEVICE, out=out, resume=True, n_rounds=3,
                              n_warmup=1, n_repeats=2, progress=False)
        assert (again.n_measured, again.n_skipped) == (0, 4)  # failures are not retried
        assert again.results["d3-w8"].status == "failed"

    def test_failing_reference_is_an_error(self, toy_space):
        with pytest.raises(MeasurementError, match=r"The reference 'd3-w8' cannot be measured on "
                                                   r"cpu-torch-t1-b1: ValueError: d3-w8 is not"):
            measure_archs(toy_space, ["d1-w4"], DEVICE, reference="d3-w8", progress=False)


class TestArguments:
    @pytest.mark.parametrize("kwargs, message", [
        ({"n_rounds": 0}, r"The 'n_rounds' argument must be an int >= 1; got 0"),
        ({"n_warmup": -1}, r"The 'n_warmup' argument must be an int >= 0; got -1"),
        ({"n_repeats": 1.5}, r"The 'n_repeats' argument must be an int >= 1; got 1.5"),
        ({"chunk_size": 0}, r"The 'chunk_size' argument must be an int >= 1; got 0"),
        ({"budget_s": 0}, r"The 'budget_s' argument must be a number > 0; got 0"),
        ({"visit_statistic": "mode"}, r"The 'visit_statistic' argument must be one of "
                                      r"\['min', 'median'\]; got 'mode'"),
    ])
    def test_bad_numbers(self, toy_space, kwargs, message):
        with pytest.raises(ValueError, match=message):
            measure_archs(toy_space, ["d1-w4"], DEVICE, progress=False, **kwargs)

    def test_bad_device(self, toy_space):
        with pytest.raises(ValueError, match=r"has no thread count"):
            measure_archs(toy_space, ["d1-w4"], "cpu-torch-b1")
        with pytest.raises(UnknownRuntimeError, match=r"known: .*torch"):
            measure_archs(toy_space, ["d1-w4"], "cpu-nope-t1-b1")

    def test_bad_arch(self, toy_space):
        with pytest.raises(ValueError, match=r"Malformed toy id 'x'"):
            measure_archs(toy_space, ["x"], DEVICE)


class TestRuntimes:
    def test_onnx_runtime(self, nb201, archs, fast, tmp_path):
        pytest.importorskip("onnxruntime")
        run = measure_archs(nb201, archs[:2], "cpu-ort-t1-b1", out=tmp_path / "o.csv", **fast)
        assert run.n_measured == 2
        assert (LatencyTable.from_csv(tmp_path / "o.csv").column("cpu-ort-t1-b1") > 0).all()

    def test_channels_last(self, nb201, archs, fast):
        run = measure_archs(nb201, archs[:1], "cpu-torch-t1-b1-cl", **fast)
        assert run.n_measured == 1 and run.device == "cpu-torch-t1-b1-cl"

    @pytest.mark.skipif(torch.cuda.is_available(), reason="this host has CUDA")
    def test_cuda_unavailable(self, nb201, archs, fast):
        with pytest.raises(MeasurementError, match=r"needs CUDA"):
            measure_archs(nb201, archs, "cuda-torch-b1", **fast)

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
    def test_cuda(self, nb201, archs, fast):
        run = measure_archs(nb201, archs, "cuda-torch-b1", **fast)
        assert run.n_measured == 3
        assert all(r.raw_ms > 0 for r in run.results.values())
