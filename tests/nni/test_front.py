"""Tests of oneproxy_plugins.nni._front: records and two-objective fronts."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.nni._front import (FrontPoint, ModelRecord, check_mode, fronts_by_target,
                                         pareto_points)


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
        assert pareto_points(self.records(), max_ms=0.9) == []
        with pytest.warns(FutureWarning, match="'budget_ms' argument of pareto_points"):
            assert pareto_points(self.records(), budget_ms=0.9) == []

    def test_other_device(self):
        lat = {"a": 5.0, "b": 4.0, "c": 1.0}
        points = pareto_points(self.records(), lambda ids: np.array([lat[i] for i in ids]))
        assert [(p.arch_id, p.latency_ms) for p in points] == [("c", 1.0), ("b", 4.0)]

    def test_wrong_prediction_count(self):
        with pytest.raises(ValueError, match=r"gave 1 latencies for 3 architectures"):
            pareto_points(self.records(), lambda ids: np.array([1.0]))
        with pytest.raises(ValueError, match=r"row 1: nan ms; latencies must be positive"):
            pareto_points(self.records(), lambda ids: np.array([1.0, np.nan, 2.0]))

    def test_nan_metric_records_are_on_no_front(self):
        records = [*self.records(), ModelRecord("f", {"x": 6}, 0.1, status="trained",
                                                metric=float("nan"))]
        assert [p.arch_id for p in pareto_points(records)] == ["a", "b"]

    def test_fronts_by_target(self):
        class Flat:
            def predict(self, ids):
                return np.ones(len(ids))

        fronts = fronts_by_target(self.records(), {"flat": Flat()})
        assert [p.arch_id for p in fronts["flat"]] == ["b"]


class TestChecks:
    def test_budget_per_target(self):
        class Flat:
            def predict(self, ids):
                return np.ones(len(ids))

        for bad in (0, -1.0, float("inf"), True, "3"):
            with pytest.raises(ValueError, match=r"max_ms\['flat'\]\" argument must be a "
                                                 "positive number of milliseconds"):
                fronts_by_target(TestParetoPoints().records(), {"flat": Flat()},
                                 max_ms={"flat": bad})
        with pytest.raises(ValueError, match=r"max_ms names unknown target\(s\) \['gpu'\]"):
            fronts_by_target(TestParetoPoints().records(), {"flat": Flat()}, max_ms={"gpu": 1})

    def test_mode(self):
        assert check_mode("minimize") == "minimize"
        with pytest.raises(ValueError, match=r"one of \['maximize', 'minimize'\]; got 'up'"):
            check_mode("up")
