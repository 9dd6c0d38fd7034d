"""Tests of oneproxy_plugins.optuna.sampler: no infeasible architecture ever reaches the objective,
and with nothing infeasible the wrapper is its base sampler."""

from __future__ import annotations

import pickle
import warnings

import optuna
import pytest

from oneproxy_plugins.optuna import (InfeasibleBudgetError, LatencyConstraint,
                                     ProxyConstrainedSampler, trial_constraints)

from .conftest import constrained

LOOSE = 1e9  # nothing is infeasible


def _score(arch):
    return arch.count("nor_conv_3x3") + 0.5 * arch.count("nor_conv_1x1")


def _make(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return {
            "tpe": lambda: optuna.samplers.TPESampler(seed=1, n_startup_trials=5),
            "tpe-multivariate": lambda: optuna.samplers.TPESampler(
                seed=1, n_startup_trials=5, multivariate=True),
            "nsga2": lambda: optuna.samplers.NSGAIISampler(seed=1, population_size=6),
            "nsga3": lambda: optuna.samplers.NSGAIIISampler(seed=1, population_size=6),
            "random": lambda: optuna.samplers.RandomSampler(seed=1),
            "gp": lambda: optuna.samplers.GPSampler(seed=1, n_startup_trials=3),
        }[name]()


def _study(sampler, n_objectives):
    directions = ["maximize", "minimize"][:n_objectives]
    return optuna.create_study(directions=directions, sampler=sampler)


def _objective(space, constraint, n_objectives, evaluated=None, apply=False):
    """An objective with the architecture first, then a float and an int hyperparameter."""
    def objective(trial):
        arch = space.suggest(trial)
        if evaluated is not None:
            evaluated.append(arch)
        if apply:
            constraint.apply(trial)
        lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
        width = trial.suggest_int("width", 8, 64)
        score = _score(arch) + lr + width / 100
        return (score, constraint.predict_ms(arch)) if n_objectives == 2 else score
    return objective


class TestNoInfeasibleEvaluation:
    @pytest.mark.parametrize("name,n_objectives", [("tpe", 1), ("tpe", 2), ("nsga2", 2)])
    def test_zero_infeasible_trials_evaluated(self, name, n_objectives, space, ridge):
        constraint = LatencyConstraint(ridge, max_ms=5.0)
        sampler = ProxyConstrainedSampler(_make(name), constraint)
        evaluated = []
        study = _study(sampler, n_objectives)
        study.optimize(_objective(space, constraint, n_objectives, evaluated), n_trials=40)
        assert len(evaluated) == 40
        assert all(constraint.is_feasible(a) for a in evaluated)
        # the budget binds: the base alone would have evaluated infeasible architectures
        alone = []
        _study(_make(name), n_objectives).optimize(
            _objective(space, constraint, n_objectives, alone), n_trials=40)
        assert sum(not constraint.is_feasible(a) for a in alone) >= 5
        assert sampler.n_resampled_ > 0

    def test_fallback_when_the_base_keeps_proposing_infeasible(self, space, ridge):
        slow = space.to_params(("nor_conv_3x3",) * 6)
        constraint = LatencyConstraint(ridge, max_ms=5.0)

        class AlwaysSlow(optuna.samplers.RandomSampler):
            def sample_independent(self, study, trial, name, distribution):
                return slow[name]

        base = AlwaysSlow(seed=0)
        sampler = ProxyConstrainedSampler(base, constraint, max_resample=3, seed=0)
        evaluated = []

        def objective(trial):
            evaluated.append(space.suggest(trial))
            return 0.0

        optuna.create_study(sampler=sampler).optimize(objective, n_trials=3)
        assert all(constraint.is_feasible(a) for a in evaluated)
        assert sampler.n_fallback_ == 3

    def test_impossible_budget_names_the_fastest(self, space, ridge):
        constraint = LatencyConstraint(ridge, max_ms=0.5)  # the fastest cell is ~1 ms
        sampler = ProxyConstrainedSampler(optuna.samplers.RandomSampler(seed=0), constraint,
                                          max_resample=2)
        with pytest.raises(InfeasibleBudgetError,
                           match=r"fastest predicted was 1(\.\d+)? ms\. Raise max_ms"):
            optuna.create_study(sampler=sampler).optimize(lambda t: _score(space.suggest(t)),
                                                          n_trials=1)

    def test_enqueued_parameters_are_kept(self, space, ridge):
        constraint = LatencyConstraint(ridge, max_ms=5.0)
        sampler = ProxyConstrainedSampler(optuna.samplers.RandomSampler(seed=0), constraint)
        study = optuna.create_study(sampler=sampler)
        study.enqueue_trial({"edge_0_1": "nor_conv_3x3", "edge_0_2": "nor_conv_3x3"})
        study.optimize(lambda t: _score(space.suggest(t)), n_trials=1)
        arch = space.from_params(study.trials[0].params)
        assert arch[:2] == ("nor_conv_3x3", "nor_conv_3x3")
        assert constraint.is_feasible(arch)

    def test_threads(self, space, ridge):
        constraint = LatencyConstraint(ridge, max_ms=5.0)
        sampler = ProxyConstrainedSampler(optuna.samplers.TPESampler(seed=0), constraint)
        evaluated = []
        _study(sampler, 2).optimize(_objective(space, constraint, 2, evaluated), n_trials=30,
                                    n_jobs=3)
        assert len(evaluated) == 30 and all(constraint.is_feasible(a) for a in evaluated)


class TestSameAsBaseWhenNothingIsInfeasible:
    @pytest.mark.parametrize("name,n_objectives", [
        ("tpe", 1), ("tpe-multivariate", 1), ("tpe", 2), ("nsga2", 2), ("nsga3", 2),
        ("random", 2), ("gp", 1)])
    def test_same_suggestions_under_the_same_seed(self, name, n_objectives, space, ridge):
        constraint = LatencyConstraint(ridge, max_ms=LOOSE)
        n_trials = 5 if name == "gp" else 25
        base = _study(_make(name), n_objectives)
        base.optimize(_objective(space, constraint, n_objectives), n_trials=n_trials)
        wrapped = _study(ProxyConstrainedSampler(_make(name), constraint), n_objectives)
        wrapped.optimize(_objective(space, constraint, n_objectives), n_trials=n_trials)
        assert [t.params for t in wrapped.trials] == [t.params for t in base.trials]

    @pytest.mark.parametrize("cls,kwargs", [
        (optuna.samplers.TPESampler, {"seed": 1, "n_startup_trials": 5}),
        (optuna.samplers.NSGAIISampler, {"seed": 1, "population_size": 6})], ids=["tpe", "nsga2"])
    def test_constrained_study(self, cls, kwargs, space, ridge):
        # the constraint binds (apply), the sampler's budget does not: both see the same
        binding = LatencyConstraint(ridge, max_ms=5.0)
        loose = LatencyConstraint(ridge, max_ms=LOOSE)
        base = _study(constrained(cls, binding, **kwargs), 2)
        base.optimize(_objective(space, binding, 2, apply=True), n_trials=25)
        wrapped = _study(ProxyConstrainedSampler(constrained(cls, binding, **kwargs), loose), 2)
        wrapped.optimize(_objective(space, binding, 2, apply=True), n_trials=25)
        assert [t.params for t in wrapped.trials] == [t.params for t in base.trials]
        constraints = [trial_constraints(t) for t in wrapped.trials]
        assert constraints == [trial_constraints(t) for t in base.trials]
        assert any(max(c.values()) > 0 for c in constraints)

    def test_pickled_sampler_continues_like_the_pickled_base(self, space, ridge):
        constraint = LatencyConstraint(ridge, max_ms=LOOSE)
        base = _study(_make("tpe"), 1)
        wrapped = _study(ProxyConstrainedSampler(_make("tpe"), constraint), 1)
        for study in (base, wrapped):
            study.optimize(_objective(space, constraint, 1), n_trials=8)
        base.sampler = pickle.loads(pickle.dumps(base.sampler))
        wrapped.sampler = pickle.loads(pickle.dumps(wrapped.sampler))
        assert isinstance(wrapped.sampler, ProxyConstrainedSampler)
        for study in (base, wrapped):
            study.optimize(_objective(space, constraint, 1), n_trials=8)
        assert [t.params for t in wrapped.trials] == [t.params for t in base.trials]

    def test_reseed_rng_reseeds_the_base(self, ridge, monkeypatch):
        base = _make("tpe")
        calls = []
        monkeypatch.setattr(base, "reseed_rng", lambda: calls.append("reseed"))
        ProxyConstrainedSampler(base, LatencyConstraint(ridge, max_ms=LOOSE)).reseed_rng()
        assert calls == ["reseed"]

    def test_before_and_after_trial_reach_the_base(self, space, ridge):
        class Spy(optuna.samplers.RandomSampler):
            def __init__(self):
                super().__init__(seed=0)
                self.events = []

            def before_trial(self, study, trial):
                self.events.append(("before", trial.number))
                super().before_trial(study, trial)

            def after_trial(self, study, trial, state, values):
                self.events.append(("after", trial.number, state.name))
                super().after_trial(study, trial, state, values)

        spy = Spy()
        sampler = ProxyConstrainedSampler(spy, LatencyConstraint(ridge, max_ms=LOOSE))
        optuna.create_study(sampler=sampler).optimize(lambda t: _score(space.suggest(t)),
                                                      n_trials=2)
        assert spy.events == [("before", 0), ("after", 0, "COMPLETE"),
                              ("before", 1), ("after", 1, "COMPLETE")]

    def test_other_parameters_go_to_the_base(self, space, ridge):
        class Spy(optuna.samplers.RandomSampler):
            def __init__(self):
                super().__init__(seed=0)
                self.independent = []

            def sample_independent(self, study, trial, name, distribution):
                self.independent.append(name)
                return super().sample_independent(study, trial, name, distribution)

        spy = Spy()
        sampler = ProxyConstrainedSampler(spy, LatencyConstraint(ridge, max_ms=LOOSE))
        study = optuna.create_study(sampler=sampler)
        study.optimize(_objective(space, sampler.constraint, 1), n_trials=1)
        assert spy.independent == [*space.params, "lr", "width"]
        assert study.trials[0].params["width"] in range(8, 65)


class TestErrors:
    def test_bad_arguments(self, ridge):
        constraint = LatencyConstraint(ridge, max_ms=5.0)
        with pytest.raises(TypeError, match="'base_sampler' argument must be an Optuna sampler"):
            ProxyConstrainedSampler("tpe", constraint)
        with pytest.raises(TypeError, match="'constraint' argument must be a LatencyConstraint"):
            ProxyConstrainedSampler(optuna.samplers.TPESampler(), 5.0)
        with pytest.raises(ValueError, match="'max_resample' argument must be an int >= 1; got 0"):
            ProxyConstrainedSampler(optuna.samplers.TPESampler(), constraint, max_resample=0)

    def test_study_without_the_space(self, ridge):
        sampler = ProxyConstrainedSampler(optuna.samplers.RandomSampler(seed=0),
                                          LatencyConstraint(ridge, max_ms=5.0))
        study = optuna.create_study(sampler=sampler)
        with pytest.raises(ValueError, match="without any 'nasbench201' parameter.*space.suggest"):
            study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
