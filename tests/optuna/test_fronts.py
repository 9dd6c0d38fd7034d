"""Tests of oneproxy_plugins.optuna.fronts: each target's Pareto front of one proxy study."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.optuna import (OneProxyObjective, TableLatency, pareto_front_for,
                                     register_target, target_values)


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
