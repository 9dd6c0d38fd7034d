"""Tests of oneproxy_plugins.optuna.objective: the proxy latency as the last objective."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
import torch

from oneproxy_plugins.optuna import (ARCH_KEY, LATENCY_KEY, STUDY_KEY, LatencyConstraint,
                                     OneProxyObjective, TableLatency, trial_constraints)

from .conftest import constrained


@pytest.fixture
def proxy(nb201_tables):
    return TableLatency(nb201_tables[0], "proxy")


def _accuracy(trial, arch):
    return arch.count("nor_conv_3x3") / 6


class TestOneProxyObjective:
    def test_appends_the_proxy_latency_and_records_attrs(self, proxy, space):
        study = optuna.create_study(directions=["maximize", "minimize"],
                                    sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(OneProxyObjective(_accuracy, proxy), n_trials=6)
        for trial in study.trials:
            arch = space.from_params(trial.params)
            assert trial.user_attrs[ARCH_KEY] == space.to_id(arch)
            assert trial.values == [_accuracy(trial, arch),
                                    pytest.approx(proxy.predict([arch])[0])]
            assert trial.user_attrs[LATENCY_KEY] == trial.values[1]
        assert study.user_attrs[STUDY_KEY] == {"space": "nasbench201", "latency_index": 1,
                                               "proxy": "proxy"}

    def test_several_metrics_and_extra_parameters(self, proxy):
        def func(trial, arch):
            lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
            return np.float32(lr), torch.tensor(float(arch.count("none")))

        study = optuna.create_study(directions=["minimize", "minimize", "minimize"])
        study.optimize(OneProxyObjective(func, proxy), n_trials=3)
        assert all(len(t.values) == 3 and "lr" in t.params for t in study.trials)

    def test_torch_scalar(self, proxy):
        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(OneProxyObjective(lambda t, a: torch.tensor(0.5), proxy), n_trials=1)
        assert study.trials[0].values[0] == 0.5

    def test_constraint_is_applied(self, ridge):
        constraint = LatencyConstraint(ridge, max_ms=5.0)
        study = optuna.create_study(directions=["maximize", "minimize"], sampler=constrained(
            optuna.samplers.TPESampler, constraint, seed=0))
        study.optimize(OneProxyObjective(_accuracy, ridge, constraint=constraint), n_trials=4)
        for trial in study.trials:
            assert list(trial_constraints(trial).values()) == [pytest.approx(
                trial.values[1] - 5.0)]

    def test_pruned_trials_keep_the_latency(self, proxy):
        def func(trial, arch):
            raise optuna.TrialPruned()

        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(OneProxyObjective(func, proxy), n_trials=2)
        assert all(t.state == optuna.trial.TrialState.PRUNED and LATENCY_KEY in t.user_attrs
                   for t in study.trials)

    def test_as_a_study_optimize_argument_with_threads(self, proxy):
        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(OneProxyObjective(_accuracy, proxy), n_trials=12, n_jobs=3)
        assert len(study.trials) == 12
        assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


class TestTargetsAndNames:
    def test_targets_known_while_a_trial_runs_are_its_attributes(self, proxy, nb201_tables):
        from oneproxy_plugins.optuna import list_targets, pareto_front_for, target_latency_key

        table = nb201_tables[0]
        study = optuna.create_study(directions=["maximize", "minimize"],
                                    sampler=optuna.samplers.RandomSampler(seed=1))
        study.optimize(OneProxyObjective(_accuracy, proxy,
                                         targets={"other": TableLatency(table, "other")}),
                       n_trials=10)
        key = target_latency_key("other")
        other = TableLatency(table, "other")
        for trial in study.trials:
            assert trial.user_attrs[key] == other.predict([trial.user_attrs[ARCH_KEY]])[0]
        assert list_targets(study) == ["other"]
        assert study.user_attrs["oneproxy:target:other"] == {"space": "nasbench201",
                                                             "source": "TableLatency"}
        assert [t.number for t in pareto_front_for(study, "other")] == [
            t.number for t in pareto_front_for(study, other)]

    def test_a_target_without_a_value_records_nothing(self, proxy, nb201_tables, space):
        from oneproxy_plugins.latency import LatencyTable
        from oneproxy_plugins.optuna import target_latency_key

        ids = nb201_tables[0].archs
        half = LatencyTable(ids, ["half"], np.where(np.arange(len(ids)) % 2, 1.0, np.nan),
                            space="nasbench201")
        study = optuna.create_study(directions=["maximize", "minimize"],
                                    sampler=optuna.samplers.RandomSampler(seed=2))
        study.optimize(OneProxyObjective(_accuracy, proxy, targets={
            "half": TableLatency(half, "half", missing="nan")}), n_trials=12)
        recorded = [target_latency_key("half") in t.user_attrs for t in study.trials]
        measured = [ids.index(t.user_attrs[ARCH_KEY]) % 2 == 1 for t in study.trials]
        assert recorded == measured and any(recorded) and not all(recorded)

    def test_proxy_name_and_its_old_spelling(self, proxy):
        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(OneProxyObjective(_accuracy, proxy, proxy_name="phone"), n_trials=1)
        assert study.user_attrs[STUDY_KEY]["proxy"] == "phone"
        with pytest.warns(FutureWarning, match="'proxy' argument of OneProxyObjective\\(\\) is "
                                               "deprecated .* use 'proxy_name'"):
            objective = OneProxyObjective(_accuracy, proxy, proxy="phone")
        assert objective.proxy_name == "phone"

    def test_bad_targets(self, proxy):
        with pytest.raises(TypeError, match="'targets' argument must be a mapping"):
            OneProxyObjective(_accuracy, proxy, targets=[proxy])
        with pytest.raises(ValueError, match="A target name must be a non-empty str without ':'"):
            OneProxyObjective(_accuracy, proxy, targets={"a:b": proxy})


class TestErrors:
    def test_single_direction(self, proxy):
        study = optuna.create_study(direction="maximize")
        with pytest.raises(ValueError, match=r"directions=\[<one per metric.*got "
                                             r"directions=\['maximize'\]"):
            study.optimize(OneProxyObjective(_accuracy, proxy), n_trials=1)

    def test_latency_not_minimised(self, proxy):
        study = optuna.create_study(directions=["minimize", "maximize"])
        with pytest.raises(ValueError, match="'minimize'\\]"):
            study.optimize(OneProxyObjective(_accuracy, proxy), n_trials=1)

    def test_wrong_number_of_metrics(self, proxy):
        study = optuna.create_study(directions=["maximize", "minimize"])
        with pytest.raises(ValueError, match="returned 2 metric.*needs 3 directions; it has 2"):
            study.optimize(OneProxyObjective(lambda t, a: (1.0, 2.0), proxy), n_trials=1)

    def test_not_a_number(self, proxy):
        study = optuna.create_study(directions=["maximize", "minimize"])
        with pytest.raises(TypeError, match="must return a number or a sequence of numbers; "
                                            "got str"):
            study.optimize(OneProxyObjective(lambda t, a: "good", proxy), n_trials=1)

    def test_predictor_from_another_space(self, proxy):
        from oneproxy_plugins.predictors import RidgePredictor

        with pytest.raises(ValueError, match="'latency' argument predicts latencies of space "
                                             "'fbnet' but the search space is 'nasbench201'"):
            OneProxyObjective(_accuracy, RidgePredictor(space="fbnet"), space="nasbench201")

    def test_constraint_from_another_space(self, proxy):
        from oneproxy_plugins.predictors import RidgePredictor

        fbnet = RidgePredictor(space="fbnet")
        with pytest.raises(ValueError, match="constraint' is on space 'fbnet'"):
            OneProxyObjective(_accuracy, proxy, constraint=LatencyConstraint(fbnet, 5.0))

    def test_bad_func_and_latency(self, proxy):
        with pytest.raises(TypeError, match="'func' argument must be a callable"):
            OneProxyObjective(3, proxy)
        with pytest.raises(TypeError, match="'latency' argument must have a predict"):
            OneProxyObjective(_accuracy, lambda arch: 1.0)
