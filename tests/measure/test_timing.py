"""Timing: warm-up, repeats, budget, outliers, interleaved rounds and their summaries."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from oneproxy_plugins.exceptions import MeasurementError
from oneproxy_plugins.measure.timing import (InterleavedTimings, cuda_event_timer, fixed_threads,
                                             outlier_mask, reference_level, relative_iqr,
                                             run_interleaved, summarize_timings, time_runs,
                                             wall_timer)


class Counter:
    """A function that counts its calls; with :meth:`timer`, its 'time' is its call number."""

    def __init__(self, log: list | None = None, name: str = "f") -> None:
        self.calls = 0
        self.log = log
        self.name = name

    def __call__(self) -> None:
        self.calls += 1
        if self.log is not None:
            self.log.append(self.name)

    @staticmethod
    def timer(fn) -> float:
        fn()
        return float(fn.calls)


class TestTimeRuns:
    def test_warmup_is_discarded(self):
        fn = Counter()
        samples = time_runs(fn, n_warmup=3, n_repeats=4, timer=Counter.timer)
        assert fn.calls == 7
        np.testing.assert_array_equal(samples, [4, 5, 6, 7])

    def test_real_timer_gives_positive_milliseconds(self):
        samples = time_runs(lambda: sum(range(100)), n_warmup=1, n_repeats=5)
        assert samples.shape == (5,) and (samples > 0).all()

    def test_budget_stops_after_one_timed_run(self):
        fn = Counter()
        samples = time_runs(lambda: (fn(), time.sleep(0.002)), n_warmup=2, n_repeats=50,
                            budget_s=0.001)
        assert samples.shape == (1,)
        assert fn.calls == 3

    def test_wall_timer_measures_a_sleep(self):
        assert wall_timer(lambda: time.sleep(0.01)) >= 9.0


class TestOutlierMask:
    def test_slow_outlier_flagged(self):
        np.testing.assert_array_equal(outlier_mask(np.array([10, 10.1, 9.9, 10.05, 50])),
                                      [False, False, False, False, True])

    def test_fast_values_are_never_outliers(self):
        assert not outlier_mask(np.array([10, 10.1, 9.9, 10.05, 1])).any()

    def test_zero_mad_and_few_samples_flag_nothing(self):
        assert not outlier_mask(np.array([5.0, 5.0, 5.0, 9.0, 5.0])).any()
        assert not outlier_mask(np.array([1.0, 1.01, 0.99, 100.0])).any()

    def test_threshold(self):
        x = np.array([10, 10.1, 9.9, 10.05, 11])
        assert outlier_mask(x, z=3.5).sum() == 1
        assert outlier_mask(x, z=100).sum() == 0


def test_relative_iqr():
    assert relative_iqr(np.array([1.0, 2.0, 3.0, 4.0, 5.0])) == pytest.approx(2.0 / 3.0)
    assert relative_iqr(np.array([7.0])) == 0.0


def test_fixed_threads_restores_the_count():
    before = torch.get_num_threads()
    with fixed_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with fixed_threads(None):
        assert torch.get_num_threads() == before


class TestRunInterleaved:
    def test_every_key_every_round_beside_the_reference(self):
        log: list[str] = []
        runners = {k: Counter(log, k) for k in "abc"}
        reference = Counter(log, "ref")
        visited = []
        timings = run_interleaved(runners, reference, n_rounds=4, n_warmup=2, n_repeats=3,
                                  timer=Counter.timer, on_visit=visited.append)
        assert isinstance(timings, InterleavedTimings) and not timings.errors
        for key, fn in runners.items():
            assert fn.calls == 4 * (2 + 3)
            assert [len(s) for s in timings.samples[key]] == [3] * 4
            assert [len(r) for r in timings.reference[key]] == [3] * 4
            # warm-up runs discarded: each visit's samples start after its 2 warm-up calls
            assert [s[0] for s in timings.samples[key]] == [3, 8, 13, 18]
        assert reference.calls == 3 * 4 * (2 + 3)
        assert sorted(visited) == sorted("abc" * 4)

    def test_reference_alternates_before_and_after(self):
        log: list[str] = []
        run_interleaved({"a": Counter(log, "a")}, Counter(log, "ref"), n_rounds=2, n_warmup=0,
                        n_repeats=1, timer=Counter.timer)
        assert log == ["ref", "a", "a", "ref"]

    def test_rounds_visit_in_different_orders(self):
        log: list[str] = []
        keys = [str(i) for i in range(8)]
        run_interleaved({k: Counter(log, k) for k in keys}, Counter(), n_rounds=3, n_warmup=0,
                        n_repeats=1, timer=Counter.timer, seed=1)
        orders = [log[i * 8:(i + 1) * 8] for i in range(3)]
        assert all(sorted(o) == keys for o in orders)
        assert len({tuple(o) for o in orders}) > 1

    def test_failing_key_recorded_and_dropped(self):
        calls = []

        def broken():
            calls.append(1)
            raise RuntimeError("boom\nsecond line")

        timings = run_interleaved({"ok": Counter(), "bad": broken}, Counter(), n_rounds=3,
                                  n_warmup=1, n_repeats=2, timer=Counter.timer)
        assert timings.errors == {"bad": "RuntimeError: boom second line"}
        assert len(calls) == 1
        assert len(timings.samples["ok"]) == 3 and timings.samples["bad"] == []

    def test_failing_reference_raises(self):
        def broken():
            raise OSError("gone")

        with pytest.raises(MeasurementError, match=r"The reference network failed: OSError: "
                                                   r"gone"):
            run_interleaved({"a": Counter()}, broken, n_rounds=1, n_warmup=0, n_repeats=1)


class TestSummarizeTimings:
    def test_ratio_cancels_host_drift(self):
        speed = [1.0, 1.5, 0.8, 2.0]  # the host slows down and speeds up between rounds
        samples = [np.array([2.0, 2.0, 2.0]) * s for s in speed]
        reference = [np.array([1.0, 1.0, 1.0]) * s for s in speed]
        s = summarize_timings(samples, reference)
        assert s.ratio == pytest.approx(2.0)
        assert s.ratio_spread == pytest.approx(0.0)
        assert s.spread > 0.2
        assert s.raw_ms == pytest.approx(np.median(np.concatenate(samples)))
        assert (s.n_runs, s.n_rounds, s.n_outliers) == (12, 4, 0)

    def test_outliers_left_out(self):
        samples = [np.array([2.0, 2.01, 1.99, 2.0, 40.0])]
        s = summarize_timings(samples, [np.array([1.0, 1.01, 0.99, 1.0, 1.0])])
        assert s.n_outliers == 1 and s.n_runs == 5
        assert s.raw_ms == pytest.approx(2.0)
        assert s.spread < 0.01

    def test_visit_statistic(self):
        samples = [np.array([2.0, 3.0, 4.0])]  # the fastest run is the least disturbed one
        reference = [np.array([1.0, 1.5, 1.6])]
        assert summarize_timings(samples, reference).ratio == pytest.approx(2.0)
        assert summarize_timings(samples, reference, visit_statistic="median").ratio == \
            pytest.approx(2.0)
        assert summarize_timings([np.array([2.0, 5.0, 6.0])], reference,
                                 visit_statistic="median").ratio == pytest.approx(5.0 / 1.5)
        with pytest.raises(ValueError, match=r"The 'visit_statistic' argument must be one of "
                                             r"\['min', 'median'\]; got 'mean'"):
            summarize_timings(samples, reference, visit_statistic="mean")

    def test_reference_level(self):
        visits = [np.array([1.0, 1.2, 1.1]), np.array([3.0, 9.0, 8.0]), np.array([1.1, 2.0, 5.0])]
        s = summarize_timings([v * 2 for v in visits], visits)
        assert s.reference_ms == reference_level(visits) == pytest.approx(1.1)
        assert reference_level(visits, visit_statistic="median") == pytest.approx(2.0)
        assert np.isnan(reference_level([]))

    def test_rounds_must_pair(self):
        with pytest.raises(ValueError, match=r"as many reference visits as architecture visits "
                                             r"\(>= 1\); got 2 and 1"):
            summarize_timings([np.ones(2), np.ones(2)], [np.ones(2)])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_event_timer():
    x = torch.randn(512, 512, device="cuda")
    timer = cuda_event_timer()
    samples = time_runs(lambda: x @ x, n_warmup=2, n_repeats=3, timer=timer)
    assert samples.shape == (3,) and (samples > 0).all()
