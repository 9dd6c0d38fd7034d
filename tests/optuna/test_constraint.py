"""Tests of oneproxy_plugins.optuna.constraint: both Optuna forms, every constrained sampler."""

from __future__ import annotations

import pickle
import warnings

import optuna
import pytest

from oneproxy_plugins.optuna import LatencyConstraint, TableLatency, trial_constraints
from oneproxy_plugins.optuna import constraint as constraint_module
from oneproxy_plugins.optuna.attrs import VIOLATION_KEY

MAX_MS = 5.0


@pytest.fixture
def constraint(ridge):
    return LatencyConstraint(ridge, max_ms=MAX_MS)


class TestLatencyConstraint:
    def test_violation_and_feasibility(self, constraint, space):
        fast = ("none",) * 6
        slow = ("nor_conv_3x3",) * 6
        assert constraint.predict_ms(fast) == pytest.approx(1.0, abs=1e-3)
        assert constraint.violation(space.to_id(slow)) == pytest.approx(1 + 6 * 1.5 - MAX_MS,
                                                                         abs=1e-3)
        assert constraint.is_feasible(fast) and not constraint.is_feasible(slow)

    def test_predict_many_fills_the_cache(self, constraint, space):
        archs = space.sample_many(5, rng=1)
        ms = constraint.predict_many(archs)
        assert [constraint.predict_ms(a) for a in archs] == ms.tolist()

    def test_pickles(self, constraint):
        clone = pickle.loads(pickle.dumps(constraint))
        assert clone.max_ms == MAX_MS and clone.space.name == "nasbench201"

    def test_bad_max_ms(self, ridge):
        for bad in (0, -1.0, float("nan"), "5", True):
            with pytest.raises(ValueError, match="'max_ms' argument must be a positive number"):
                LatencyConstraint(ridge, max_ms=bad)

    def test_predictor_from_another_space(self, ridge):
        with pytest.raises(ValueError, match="space 'nasbench201' but the search space is 'fbnet'"):
            LatencyConstraint(ridge, 5.0, space="fbnet")

    def test_not_a_predictor(self):
        with pytest.raises(TypeError, match="must have a predict"):
            LatencyConstraint(object(), 5.0)

    def test_a_bad_prediction_is_an_error_not_a_number(self, space):
        class Broken:
            space = "nasbench201"

            def predict(self, X):
                return [float("nan")] * len(X)

        constraint = LatencyConstraint(Broken(), 5.0)
        with pytest.raises(ValueError, match="Broken.predict gave nan ms for"):
            constraint.violation(space.sample(0))

    def test_the_old_keyword_still_works(self, ridge):
        with pytest.warns(FutureWarning, match="'predictor' argument of LatencyConstraint\\(\\) "
                                               "is deprecated .* use 'latency'"):
            constraint = LatencyConstraint(predictor=ridge, max_ms=MAX_MS)
        assert constraint.latency is ridge

    def test_trial_without_the_architecture(self, constraint):
        study = optuna.create_study()

        def objective(trial):
            constraint.apply(trial)
            return trial.suggest_float("x", 0, 1)

        with pytest.raises(ValueError, match="trial 0 has no 'nasbench201' architecture"):
            study.optimize(objective, n_trials=1)
        frozen = optuna.trial.create_trial(params={"x": 0.5}, distributions={
            "x": optuna.distributions.FloatDistribution(0, 1)}, value=1.0)
        with pytest.raises(ValueError, match="suggest it first with space.suggest"):
            constraint(frozen)


@pytest.mark.skipif(not constraint_module.HAS_SET_CONSTRAINT, reason="Optuna < 5")
class TestSetConstraintForm:
    @pytest.mark.parametrize("make", [
        lambda: optuna.samplers.TPESampler(seed=0, n_startup_trials=5),
        lambda: optuna.samplers.NSGAIISampler(seed=0, population_size=6),
        lambda: optuna.samplers.NSGAIIISampler(seed=0, population_size=6),
        lambda: optuna.samplers.GPSampler(seed=0, n_startup_trials=3),
    ], ids=["tpe", "nsga2", "nsga3", "gp"])
    def test_samplers_see_the_constraint(self, make, space, constraint):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = make()
        multi = not isinstance(sampler, (optuna.samplers.TPESampler, optuna.samplers.GPSampler))
        directions = ["maximize", "minimize"] if multi else ["maximize"]

        def objective(trial):
            arch = space.suggest(trial)
            constraint.apply(trial)
            score = arch.count("nor_conv_3x3") + 0.5 * arch.count("nor_conv_1x1")
            return (score, constraint.predict_ms(arch)) if multi else score

        study = optuna.create_study(directions=directions, sampler=sampler)
        n_trials = 5 if isinstance(sampler, optuna.samplers.GPSampler) else 14
        study.optimize(objective, n_trials=n_trials)
        for trial in study.trials:
            arch = space.from_params(trial.params)
            assert trial.constraints == {"oneproxy_latency": pytest.approx(
                constraint.predict_ms(arch) - MAX_MS)}
        feasible = {t.number for t in study.trials if t.constraints["oneproxy_latency"] <= 0}
        assert {t.number for t in study.best_trials} <= feasible

    def test_apply_returns_the_value_and_takes_an_arch(self, space, constraint):
        study = optuna.create_study()
        trial = study.ask()
        arch = space.suggest(trial)
        value = constraint.apply(trial, space.to_id(arch))
        assert value == pytest.approx(constraint.predict_ms(arch) - MAX_MS)
        assert study.trials[0].constraints == {"oneproxy_latency": value}

    def test_constraints_func_form_still_works(self, space, constraint):
        # Optuna 4.x users pass the constraint to the sampler; Optuna 5 still accepts it.
        with pytest.warns(FutureWarning, match="constraints_func"):
            sampler = optuna.samplers.TPESampler(seed=0, constraints_func=constraint)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        study.optimize(lambda t: space.suggest(t).count("nor_conv_3x3"), n_trials=8)
        for trial in study.trials:
            (value,) = trial.constraints.values()
            assert value == pytest.approx(constraint.predict_ms(space.from_params(trial.params))
                                          - MAX_MS)


class TestOptuna4Form:
    """The Optuna 4.x path, taken when ``trial.set_constraint`` does not exist."""

    def test_apply_records_a_user_attr_that_constraints_func_reads(self, monkeypatch, space,
                                                                     constraint):
        monkeypatch.setattr(constraint_module, "HAS_SET_CONSTRAINT", False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            sampler = optuna.samplers.NSGAIISampler(seed=0, population_size=4,
                                                    constraints_func=constraint)
        study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)

        def objective(trial):
            arch = space.suggest(trial)
            constraint.apply(trial)
            return arch.count("nor_conv_3x3"), constraint.predict_ms(arch)

        study.optimize(objective, n_trials=8)
        for trial in study.trials:
            recorded = trial.user_attrs[VIOLATION_KEY]
            assert recorded == pytest.approx(constraint.predict_ms(
                space.from_params(trial.params)) - MAX_MS)
            assert constraint(trial) == (recorded,)
            assert list(trial_constraints(trial).values()) == [pytest.approx(recorded)]

    def test_call_without_apply_predicts_from_params(self, space, constraint):
        arch = ("nor_conv_3x3",) * 6
        frozen = optuna.trial.create_trial(
            params=space.to_params(arch), distributions=space.distributions(), value=1.0)
        assert constraint(frozen) == (pytest.approx(constraint.predict_ms(arch) - MAX_MS),)


def test_table_latency_constraint(nb201_tables, space):
    constraint = LatencyConstraint(TableLatency(nb201_tables[0], "proxy"), max_ms=3.0)
    assert constraint.is_feasible(("none",) * 6)
    assert not constraint.is_feasible(("nor_conv_3x3",) * 6)
