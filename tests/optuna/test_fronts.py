"""Tests of oneproxy_plugins.optuna.fronts: the Pareto and hypervolume math, per-target fronts."""

from __future__ import annotations

import itertools

import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.optuna import (OneProxyObjective, TableLatency, hypervolume_2d,
                                     pareto_front_for, pareto_mask, register_target,
                                     target_values)


def _brute_force_mask(loss: np.ndarray) -> np.ndarray:
    n = len(loss)
    return np.array([not any((loss[j] <= loss[i]).all() and (loss[j] < loss[i]).any()
                             for j in range(n)) for i in range(n)], dtype=bool)


def _brute_force_hv(loss: np.ndarray, ref: tuple[float, float]) -> float:
    """Union of the points' boxes measured cell by cell on the grid of their coordinates."""
    pts = loss[(loss[:, 0] < ref[0]) & (loss[:, 1] < ref[1])]
    xs = np.unique(np.r_[pts[:, 0], ref[0]])
    ys = np.unique(np.r_[pts[:, 1], ref[1]])
    area = 0.0
    for (x0, x1), (y0, y1) in itertools.product(zip(xs[:-1], xs[1:]), zip(ys[:-1], ys[1:])):
        if ((pts[:, 0] <= x0) & (pts[:, 1] <= y0)).any():
            area += (x1 - x0) * (y1 - y0)
    return area


# integers make ties and duplicates frequent, where front bugs hide
small_values = st.integers(min_value=0, max_value=6).map(float)


class TestParetoMask:
    def test_known_front(self):
        values = np.array([[1.0, 5.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0], [2.0, 2.0]])
        assert pareto_mask(values).tolist() == [True, True, False, True, True]

    def test_directions(self):
        values = np.array([[90.0, 5.0], [80.0, 2.0], [70.0, 3.0]])  # accuracy, latency
        assert pareto_mask(values, ["maximize", "minimize"]).tolist() == [True, True, False]
        assert pareto_mask(values, [optuna.study.StudyDirection.MAXIMIZE,
                                    optuna.study.StudyDirection.MINIMIZE]).tolist() == [
            True, True, False]

    def test_equal_x_only_lowest_y(self):
        assert pareto_mask(np.array([[1.0, 2.0], [1.0, 3.0]])).tolist() == [True, False]

    def test_nan_rows_never_on_front(self):
        values = np.array([[np.nan, 0.0], [1.0, 1.0]])
        assert pareto_mask(values).tolist() == [False, True]
        assert not pareto_mask(np.full((3, 2), np.nan)).any()

    def test_one_objective(self):
        assert pareto_mask(np.array([[3.0], [1.0], [1.0]])).tolist() == [False, True, True]

    @given(arrays(np.float64, st.tuples(st.integers(1, 25), st.just(2)), elements=small_values))
    @settings(max_examples=150, deadline=None)
    def test_2d_matches_brute_force(self, values):
        np.testing.assert_array_equal(pareto_mask(values), _brute_force_mask(values))

    @given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(3, 4)),
                  elements=small_values))
    @settings(max_examples=80, deadline=None)
    def test_nd_matches_brute_force(self, values):
        np.testing.assert_array_equal(pareto_mask(values), _brute_force_mask(values))

    @given(arrays(np.float64, st.tuples(st.integers(1, 20), st.just(2)), elements=small_values))
    @settings(max_examples=60, deadline=None)
    def test_invariant_under_monotone_transforms(self, values):
        transformed = np.c_[np.exp(values[:, 0]), 3 * values[:, 1] + 1]
        np.testing.assert_array_equal(pareto_mask(values), pareto_mask(transformed))

    def test_errors(self):
        with pytest.raises(ValueError, match="must be 2-D"):
            pareto_mask(np.ones(3))
        with pytest.raises(ValueError, match="has 1 entries for 2 objectives"):
            pareto_mask(np.ones((3, 2)), ["minimize"])
        with pytest.raises(ValueError, match="'minimize' or 'maximize'; got 'up'"):
            pareto_mask(np.ones((3, 2)), ["up", "minimize"])


class TestHypervolume2D:
    def test_known_values(self):
        assert hypervolume_2d(np.array([[0.0, 0.5], [0.5, 0.0]]), [1.0, 1.0]) == 0.75
        assert hypervolume_2d(np.array([[0.0, 0.0]]), [2.0, 3.0]) == 6.0
        assert hypervolume_2d(np.empty((0, 2)), [1.0, 1.0]) == 0.0

    def test_points_outside_the_reference_add_nothing(self):
        assert hypervolume_2d(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]), [1.0, 1.0]) == 0.0

    def test_dominated_points_add_nothing(self):
        front = np.array([[0.1, 0.6], [0.4, 0.2]])
        with_dominated = np.r_[front, [[0.5, 0.7], [0.4, 0.2]]]
        expected = hypervolume_2d(front, [1, 1])
        assert hypervolume_2d(with_dominated, [1, 1]) == pytest.approx(expected)

    @given(arrays(np.float64, st.tuples(st.integers(0, 15), st.just(2)), elements=small_values))
    @settings(max_examples=150, deadline=None)
    def test_matches_brute_force(self, loss):
        ref = (5.0, 6.0)
        assert hypervolume_2d(loss, ref) == pytest.approx(_brute_force_hv(loss, ref))

    def test_error(self):
        with pytest.raises(ValueError, match=r"shape \(n_points, 2\); got \(3, 3\)"):
            hypervolume_2d(np.ones((3, 3)), [1, 1])


@pytest.fixture
def study(nb201_tables):
    latency, accuracy = nb201_tables
    acc = TableLatency(accuracy, "cifar10")
    objective = OneProxyObjective(lambda trial, arch: float(acc.predict([arch])[0]),
                                  TableLatency(latency, "proxy"))
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=3))
    study.optimize(objective, n_trials=60)
    return study


class TestTargetValues:
    def test_proxy_values_are_the_study_values(self, study):
        data = target_values(study)
        assert len(data.trials) == 60 and data.latency_index == 1
        np.testing.assert_array_equal(data.values, [t.values for t in data.trials])

    def test_registered_target_replaces_the_latency(self, study, nb201_tables):
        other = TableLatency(nb201_tables[0], "other")
        register_target(study, "other", other)
        data = target_values(study, "other")
        expected = other.predict([t.user_attrs["oneproxy:arch"] for t in data.trials])
        np.testing.assert_allclose(data.values[:, 1], expected)
        np.testing.assert_array_equal(data.values[:, 0], [t.values[0] for t in data.trials])

    def test_predictor_target_and_max_ms(self, study, nb201_tables):
        other = TableLatency(nb201_tables[0], "other")
        data = target_values(study, other, max_ms=4.0)
        assert len(data.trials) < 60 and (data.values[:, 1] <= 4.0).all()

    def test_unknown_target_lists_the_known(self, study, nb201_tables):
        register_target(study, "other", TableLatency(nb201_tables[0], "other"))
        with pytest.raises(UnknownNameError, match="Unknown target 'gpu'; known: other"):
            target_values(study, "gpu")

    def test_predictor_of_another_space(self, study):
        from oneproxy_plugins.predictors import RidgePredictor

        predictor = RidgePredictor(space="fbnet")
        with pytest.raises(ValueError, match="space 'fbnet' but the search space is 'nasbench201'"):
            target_values(study, predictor)

    def test_infeasible_trials_left_out(self, space, ridge):
        from oneproxy_plugins.optuna import LatencyConstraint, trial_constraints

        from .conftest import constrained

        constraint = LatencyConstraint(ridge, max_ms=5.0)
        sampler = constrained(optuna.samplers.NSGAIISampler, constraint, seed=0)
        study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
        study.optimize(OneProxyObjective(lambda t, a: a.count("skip_connect"), ridge,
                                         constraint=constraint), n_trials=30)
        infeasible = [t for t in study.trials if max(trial_constraints(t).values()) > 0]
        assert infeasible  # the budget cuts some
        assert len(target_values(study).trials) == 30 - len(infeasible)


class TestParetoFrontFor:
    def test_proxy_front_is_best_trials(self, study):
        front = pareto_front_for(study)
        assert {t.number for t in front} == {t.number for t in study.best_trials}
        latencies = [t.values[1] for t in front]
        assert latencies == sorted(latencies)

    def test_same_ranking_target_gives_the_same_front(self, study, nb201_tables):
        register_target(study, "same", TableLatency(nb201_tables[0], "same"))
        assert ([t.number for t in pareto_front_for(study, "same")]
                == [t.number for t in pareto_front_for(study)])

    def test_other_target_front_is_the_target_optimum(self, study, nb201_tables):
        other = TableLatency(nb201_tables[0], "other")
        register_target(study, "other", other)
        front = pareto_front_for(study, "other")
        values = np.array([[t.values[0], other.predict([t.user_attrs["oneproxy:arch"]])[0]]
                           for t in study.trials])
        mask = pareto_mask(values, ["maximize", "minimize"])
        assert {t.number for t in front} == {t.number for t, m in zip(study.trials, mask) if m}
        assert [t.number for t in front] == [t.number for t in pareto_front_for(study, other)]
