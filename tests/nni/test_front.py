"""Tests of oneproxy_plugins.nni._front: records and two-objective fronts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oneproxy_plugins.nni._front import (FrontPoint, ModelRecord, check_budget, check_mode,
                                         fronts_by_target, non_dominated_2d, pareto_points)


def brute_force(metric, latency, maximize=True):
    sign = 1 if maximize else -1
    n = len(metric)
    return [not any(sign * metric[j] >= sign * metric[i] and latency[j] <= latency[i]
                    and (sign * metric[j] > sign * metric[i] or latency[j] < latency[i])
                    for j in range(n)) for i in range(n)]


class TestNonDominated2d:
    def test_known_front(self):
        metric = np.array([0.9, 0.8, 0.7, 0.9, 0.95])
        latency = np.array([3.0, 1.0, 2.0, 3.0, 5.0])
        assert non_dominated_2d(metric, latency).tolist() == [True, True, False, True, True]
        # minimising the negated metric is the same front
        assert non_dominated_2d(-metric, latency, maximize=False).tolist() == \
            [True, True, False, True, True]

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=25),
           st.booleans())
    def test_matches_brute_force(self, points, maximize):
        metric = np.array([p[0] for p in points], dtype=float)
        latency = np.array([p[1] for p in points], dtype=float)
        assert non_dominated_2d(metric, latency, maximize=maximize).tolist() == \
            brute_force(metric, latency, maximize)

    def test_empty(self):
        assert non_dominated_2d(np.empty(0), np.empty(0)).tolist() == []

    @pytest.mark.parametrize("metric, latency, match", [
        ([1.0, 2.0], [1.0], r"same length; got shapes \(2,\) and \(1,\)"),
        ([np.nan], [1.0], "must be finite"),
    ])
    def test_errors(self, metric, latency, match):
        with pytest.raises(ValueError, match=match):
            non_dominated_2d(np.array(metric), np.array(latency))


class TestParetoPoints:
    def records(self):
        return [ModelRecord("a", {"x": 1}, 1.0, status="trained", metric=70.0),
                ModelRecord("b", {"x": 2}, 2.0, status="trained", metric=80.0),
                ModelRecord("b", {"x": 2}, 2.0, status="trained", metric=82.0),
                ModelRecord("c", {"x": 3}, 3.0, status="trained", metric=75.0),
                ModelRecord("d", {"x": 4}, 9.0, False, status="invalid"),
                ModelRecord("e", {"x": 5}, 0.5, status="failed")]

    def test_best_metric_per_architecture_fastest_first(self):
        assert pareto_points(self.records()) == [FrontPoint("a", 70.0, 1.0, {"x": 1}),
                                                 FrontPoint("b", 82.0, 2.0, {"x": 2})]

    def test_minimize_and_budget(self):
        assert [p.arch_id for p in pareto_points(self.records(), maximize=False)] == ["a"]
        assert pareto_points(self.records(), budget_ms=0.9) == []

    def test_other_device(self):
        lat = {"a": 5.0, "b": 4.0, "c": 1.0}
        points = pareto_points(self.records(), lambda ids: np.array([lat[i] for i in ids]))
        assert [(p.arch_id, p.latency_ms) for p in points] == [("c", 1.0), ("b", 4.0)]

    def test_wrong_prediction_count(self):
        with pytest.raises(ValueError, match=r"returned 1 values for 3 architectures"):
            pareto_points(self.records(), lambda ids: np.array([1.0]))

    def test_fronts_by_target(self):
        class Flat:
            def predict(self, ids):
                return np.ones(len(ids))

        fronts = fronts_by_target(self.records(), {"flat": Flat()})
        assert [p.arch_id for p in fronts["flat"]] == ["b"]


class TestChecks:
    def test_budget(self):
        assert check_budget(None) is None
        assert check_budget(np.float32(2.5)) == 2.5
        for bad in (0, -1.0, float("inf"), True, "3"):
            with pytest.raises(ValueError, match="must be a positive number of milliseconds"):
                check_budget(bad)

    def test_mode(self):
        assert check_mode("minimize") == "minimize"
        with pytest.raises(ValueError, match=r"one of \['maximize', 'minimize'\]; got 'up'"):
            check_mode("up")
