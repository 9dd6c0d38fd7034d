"""Tests of oneproxy_plugins.predictors.metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from oneproxy_plugins.predictors.metrics import fit_report, rmse, within_pct


class TestRmse:
    def test_known_value(self):
        assert rmse([1.0, 2.0, 3.0], [1.0, 2.0, 6.0]) == pytest.approx(math.sqrt(3.0))

    def test_perfect_prediction_is_zero(self):
        assert rmse([4.0, 5.0], np.array([4.0, 5.0])) == 0.0

    def test_length_mismatch_raises(self):
        with pytest.raises(ValueError, match="same length; got 2 and 3"):
            rmse([1.0, 2.0], [1.0, 2.0, 3.0])

    def test_empty_raises(self):
        with pytest.raises(ValueError, match="are empty"):
            rmse([], [])

    def test_two_dimensional_raises(self):
        with pytest.raises(ValueError, match=r"'y_pred' argument must be 1-D; got shape \(1, 2\)"):
            rmse([1.0, 2.0], [[1.0, 2.0]])

    def test_non_numeric_raises(self):
        with pytest.raises(ValueError, match="'y_true' argument must be a 1-D sequence of numbers; got "
                                             "list"):
            rmse(["a", "b"], [1.0, 2.0])


class TestWithinPct:
    def test_nn_meter_ten_percent(self):
        # errors: 5%, 10% (inclusive), 20%, 0%
        assert within_pct([10.0, 10.0, 10.0, 1.0], [10.5, 9.0, 12.0, 1.0]) == 0.75

    def test_custom_tolerance(self):
        assert within_pct([10.0, 10.0], [10.5, 12.0], pct=5) == 0.5
        assert within_pct([10.0, 10.0], [10.5, 12.0], pct=25) == 1.0

    @pytest.mark.parametrize("pct", [0, -5, "10", True])
    def test_bad_pct_raises(self, pct):
        with pytest.raises(ValueError, match=r"'pct' argument must be a number > 0; got"):
            within_pct([1.0], [1.0], pct=pct)

    def test_non_positive_truth_raises(self):
        with pytest.raises(ValueError, match=r"y_true row 1: 0\.0 ms; relative errors need "
                                             r"positive measured latencies"):
            within_pct([1.0, 0.0], [1.0, 1.0])


class TestFitReport:
    def test_keys_and_values(self):
        report = fit_report([1.0, 2.0, 4.0], [1.05, 2.0, 3.0])
        assert set(report) == {"srcc", "rmse_ms", "within_10pct", "n_samples"}
        assert report["srcc"] == 1.0
        assert report["rmse_ms"] == pytest.approx(math.sqrt((0.05 ** 2 + 1.0) / 3))
        assert report["within_10pct"] == pytest.approx(2 / 3)
        assert report["n_samples"] == 3

    def test_srcc_nan_for_constant_predictions_with_warning(self):
        from oneproxy_plugins.monotonicity import MonotonicityWarning

        with pytest.warns(MonotonicityWarning, match="constant"):
            report = fit_report([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
        assert math.isnan(report["srcc"]) and report["within_10pct"] == pytest.approx(1 / 3)
