"""NSGA-II steered by every target (`target_steered_sampler`, `TargetSteeredSelection`)."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution

from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.latency import TableLatency
from oneproxy_plugins.optuna import (ARCH_KEY, OneProxyObjective, TabularAccuracy,
                                     TargetSteeredSelection, pareto_front_for, run_search,
                                     target_latency_key, target_steered_sampler)


class CountingLatency(TableLatency):
    """A table source that counts the architectures it was asked to predict."""

    asked: list[str]

    def predict(self, archs):
        self.asked = [*getattr(self, "asked", []), *archs]
        return super().predict(archs)


def _study_with(space, tables, archs, *, proxy="proxy", attrs=None):
    """A study of finished trials, one per architecture, valued (accuracy, proxy ms)."""
    latency, accuracy = tables
    acc = accuracy.column("cifar10")[accuracy.rows_of(archs)]
    study = optuna.create_study(directions=["maximize", "minimize"])
    study.set_user_attr("oneproxy:study", {"space": space.name, "latency_index": 1,
                                           "proxy": proxy})
    proxy_ms = TableLatency(latency, proxy).predict(archs)
    distributions = {p: CategoricalDistribution(space.params[p]) for p in space.params}
    for i, arch_id in enumerate(archs):
        study.add_trial(optuna.trial.create_trial(
            params=space.to_params(space.from_id(arch_id)), distributions=distributions,
            values=[float(acc[i]), float(proxy_ms[i])],
            user_attrs={ARCH_KEY: arch_id, **((attrs or {}).get(arch_id, {}))}))
    return study


def _fronts(space, tables, n, rng):
    """A study of ``n`` random cells, and the trial numbers of the proxy's and of the 'other'
    device's Pareto front among them."""
    latency, _ = tables
    archs = [space.to_id(a) for a in space.sample_many(n, rng=rng)]
    study = _study_with(space, tables, archs)
    population = study.get_trials(deepcopy=False)
    values = np.array([t.values for t in population])
    other = latency.column("other")[latency.rows_of(archs)]
    return study, population, [
        {population[i].number for i in np.flatnonzero(pareto_mask(v, ["maximize", "minimize"]))}
        for v in (values, np.c_[values[:, 0], other])]


def test_survivors_hold_each_targets_front(space, nb201_tables):
    latency, _ = nb201_tables
    study, population, (proxy_front, other_front) = _fronts(space, nb201_tables, 120, 3)
    assert other_front - proxy_front, "the fixture's devices must rank differently"

    room = len(proxy_front | other_front) + 5
    selection = TargetSteeredSelection({"other": TableLatency(latency, "other")},
                                       population_size=room)
    survivors = {t.number for t in selection(study, population)}
    assert len(survivors) == room
    assert proxy_front | other_front <= survivors

    # Optuna's own selection, by the study's values alone, drops part of the target's front
    plain = optuna.samplers.nsgaii._elite_population_selection_strategy
    own = plain.NSGAIIElitePopulationSelectionStrategy(population_size=room)
    assert not other_front <= {t.number for t in own(study, population)}

    # without the proxy's view only the target's front is sure to survive
    selection = TargetSteeredSelection({"other": TableLatency(latency, "other")},
                                       population_size=len(other_front), include_proxy=False)
    assert {t.number for t in selection(study, population)} == other_front


def test_a_level_that_does_not_fit_is_shared_among_the_views(space, nb201_tables):
    latency, _ = nb201_tables
    study, population, fronts = _fronts(space, nb201_tables, 200, 4)
    size = 6
    assert all(len(f) > size for f in fronts)
    selection = TargetSteeredSelection({"other": TableLatency(latency, "other")},
                                       population_size=size)
    survivors = {t.number for t in selection(study, population)}
    assert len(survivors) == size
    # each view's turn gives it half of the places (an overlap may count for both)
    assert all(len(survivors & front) >= size // 2 for front in fronts)


def test_repeated_architectures_take_one_place(space, nb201_tables):
    latency, _ = nb201_tables
    archs = [space.to_id(a) for a in space.sample_many(10, rng=5)]
    study = _study_with(space, nb201_tables, archs + archs[:4])
    population = study.get_trials(deepcopy=False)
    selection = TargetSteeredSelection({"other": TableLatency(latency, "other")},
                                       population_size=50)
    survivors = selection(study, population)
    assert [t.number for t in survivors] == list(range(10))  # the first of each, once


def test_recorded_latencies_are_read_before_predicting(space, nb201_tables):
    latency, _ = nb201_tables
    archs = [space.to_id(a) for a in space.sample_many(30, rng=6)]
    other = latency.column("other")[latency.rows_of(archs)]
    recorded = {a: {target_latency_key("other"): float(ms)} for a, ms in zip(archs[:20], other)}
    study = _study_with(space, nb201_tables, archs, attrs=recorded)
    source = CountingLatency(latency, "other")
    selection = TargetSteeredSelection({"other": source}, population_size=5)
    selection(study, study.get_trials(deepcopy=False))
    assert sorted(source.asked) == sorted(archs[20:])
    selection(study, study.get_trials(deepcopy=False))  # predicted once per architecture
    assert len(source.asked) == 10


def test_run_search_builds_the_steered_sampler(space, nb201_tables, monkeypatch):
    latency, accuracy = nb201_tables
    calls = []
    select = TargetSteeredSelection.__call__
    monkeypatch.setattr(TargetSteeredSelection, "__call__",
                        lambda self, study, population: calls.append(len(population))
                        or select(self, study, population))
    targets = {"other": TableLatency(latency, "other"), "blend": TableLatency(latency, "blend")}
    study = run_search(TabularAccuracy(accuracy, "cifar10"), TableLatency(latency, "proxy"),
                       n_trials=60, targets=targets, sampler="nsga2-targets", seed=0)
    sampler = study.sampler
    assert isinstance(sampler, optuna.samplers.NSGAIISampler)
    selection = sampler._elite_population_selection_strategy
    assert isinstance(selection, TargetSteeredSelection)
    assert sorted(selection.targets) == ["blend", "other"]
    assert len(study.trials) == 60
    # the generations after the first were bred from the survivors it chose
    assert calls and max(calls) > sampler.population_size
    assert len(pareto_front_for(study, "other")) >= 1  # recorded while the trials ran


def test_population_grows_with_the_fronts_it_keeps(nb201_tables):
    source = TableLatency(nb201_tables[0], "other")
    assert TargetSteeredSelection({"other": source}).population_size == 20
    many = {f"t{i}": source for i in range(40)}  # 41 fronts with the proxy's
    assert TargetSteeredSelection(many).population_size == 28
    assert TargetSteeredSelection(many, include_proxy=False).population_size == 27
    sampler = target_steered_sampler(many, seed=0)
    assert sampler._elite_population_selection_strategy.population_size == 28
    assert target_steered_sampler(many, population_size=6).population_size == 6


def test_errors(nb201_tables):
    latency, _ = nb201_tables
    source = TableLatency(latency, "other")
    with pytest.raises(TypeError, match="mapping"):
        TargetSteeredSelection([source])
    with pytest.raises(ValueError, match="at least one target"):
        TargetSteeredSelection({})
    with pytest.raises(ValueError, match="population_size"):
        TargetSteeredSelection({"other": source}, population_size=1)
    with pytest.raises(ValueError, match="':'"):
        target_steered_sampler({"a:b": source})
    with pytest.raises(ValueError, match="needs at least one target"):
        run_search(lambda trial, arch: 1.0, TableLatency(latency, "proxy"), n_trials=1,
                   sampler="nsga2-targets")
    from oneproxy_plugins.optuna import make_sampler

    with pytest.raises(ValueError, match="target_steered_sampler"):
        make_sampler("nsga2-targets")


def test_objective_records_targets_the_selection_reads(space, nb201_tables):
    """With OneProxyObjective(targets=...), the latencies come from the trials: the selection
    predicts nothing itself."""
    latency, accuracy = nb201_tables
    source = CountingLatency(latency, "other")
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=target_steered_sampler({"other": source}, seed=0,
                                                               population_size=8))
    objective = OneProxyObjective(TabularAccuracy(accuracy, "cifar10"),
                                  TableLatency(latency, "proxy"),
                                  targets={"other": TableLatency(latency, "other")})
    study.optimize(objective, n_trials=40)
    assert len(study.trials) == 40
    assert getattr(source, "asked", []) == []
