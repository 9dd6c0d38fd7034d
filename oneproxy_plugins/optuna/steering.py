"""One NSGA-II search steered by every target device, not by the proxy alone.

A study that minimises the proxy's latency concentrates its trials on the proxy's Pareto
front. A target whose latency ranks architectures differently (a GPU against a phone proxy)
has its own front elsewhere, and ranking that study's trials with the target's *true*
latency still misses part of it: the search never proposed those architectures. Here the
study keeps its objectives (the user's metrics and the proxy latency) and NSGA-II keeps its
crossover and mutation; what changes is which trials survive into the next generation.

:class:`TargetSteeredSelection` is an elite population selection for Optuna's
``NSGAIISampler`` (its ``elite_population_selection_strategy`` argument). Each trial is ranked
once per *view*: the study's own values, and the same values with the proxy latency replaced
by each target's predicted latency (an :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor`
adapted from a few measurements, a fitted predictor, a table). A trial's rank is its best rank
in any view, so the first generation's survivors are the union of every target's front. Where
a rank level does not fit in the population, the views take turns, each picking its most
isolated trial (NSGA-II's crowding distance within that view). Trials that repeat an
architecture already kept are dropped first: they would spend a survivor's place on a copy.

:func:`target_steered_sampler` builds the sampler. It works with any storage and with
:class:`~oneproxy_plugins.optuna.OneProxyCallback` or ``OneProxyObjective(targets=...)``
recording the targets for :func:`~oneproxy_plugins.optuna.pareto_front_for`.

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.latency import LatencyTable, TableLatency
    >>> from oneproxy_plugins.optuna import OneProxyObjective, target_steered_sampler
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> counts = space.encode_many(ids)[:, 30:]
    >>> table = LatencyTable(ids, ["phone", "gpu"], np.c_[1 + counts @ [0, 0, 1, 2, .5],
    ...                      1 + counts @ [0, 1, .2, .1, 2]], space=space.name)
    >>> gpu = TableLatency(table, "gpu")
    >>> sampler = target_steered_sampler({"gpu": gpu}, population_size=10, seed=0)
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
    >>> study.optimize(OneProxyObjective(lambda trial, arch: arch.count("nor_conv_3x3"),
    ...                                  TableLatency(table, "phone"), targets={"gpu": gpu}),
    ...                n_trials=30)
    >>> len(study.trials)
    30
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._transient import TransientState
from oneproxy_plugins.fronts import crowding_distance, nondominated_rank
from oneproxy_plugins.optuna.attrs import (check_targets, study_info, target_latency_key,
                                           trial_arch_id)
from oneproxy_plugins.optuna.constraint import trial_constraints
from oneproxy_plugins.spaces import BaseSpace

__all__ = ["TargetSteeredSelection", "target_steered_sampler", "default_population"]


def default_population(n_views: int) -> int:
    """The default population size for ``n_views`` fronts (the targets, plus the proxy).

    ``max(20, ceil(2 n_views / 3))``: smaller than Optuna's 50, so 500 trials are 25
    generations, and growing with the fronts that share the survivors. Chosen on NAS-Bench-201
    with pixel3 as the proxy, seeds 0-9 (``docs/benchmarks.md``, one search for every target):
    with 20 targets, 16 / 20 / 24 / 50 gave a worst ``hv_ratio`` of 0.969 / 0.972 / 0.964 /
    0.81 (50: steered by the proxy alone); with 32 targets, 16 / 20 / 24 / 28 gave 0.948 /
    0.970 / 0.972 / 0.967 on the 20 measured everywhere.
    """
    return max(20, math.ceil(2 * n_views / 3))


class TargetSteeredSelection(TransientState):
    """NSGA-II elite selection that keeps every target's front (see the module docstring).

    Pass it as ``optuna.samplers.NSGAIISampler(elite_population_selection_strategy=...)``, or
    build the sampler with :func:`target_steered_sampler`.

    Args:
        targets: ``{name: latency source}``: predictors of the study's space (the targets'
            adapted predictors, tables, ...). A trial's latency on a target is read from its
            ``oneproxy:latency_ms:<name>`` attribute when
            ``OneProxyObjective(targets=...)`` recorded it, and predicted otherwise (once per
            architecture). An architecture a target has no value for (NaN) ranks last in that
            target's view.
        population_size: Survivors per generation (the sampler's ``population_size``;
            default :func:`default_population` of the number of views).
        include_proxy: Also rank by the study's own values (the proxy's front survives too).
        space: The search space; default the predictors' (they must agree).

    Raises:
        TypeError: ``targets`` is not a mapping.
        ValueError: No target, a bad name, ``population_size`` < 2, or predictors of different
            spaces.
    """

    _transient = {"_lock": threading.Lock, "_cache": dict}

    def __init__(self, targets: Mapping[str, Any], *, population_size: int | None = None,
                 include_proxy: bool = True, space: str | BaseSpace | None = None) -> None:
        self.targets, self.space = check_targets(targets, space)
        if not self.targets:
            raise ValueError("The 'targets' argument needs at least one target to steer by.")
        self.include_proxy = bool(include_proxy)
        if population_size is None:
            population_size = default_population(len(self.targets) + self.include_proxy)
        self.population_size = check_int("population_size", population_size, 2)
        self._init_transient()

    def __repr__(self) -> str:
        return (f"TargetSteeredSelection(targets={sorted(self.targets)}, "
                f"population_size={self.population_size}, include_proxy={self.include_proxy})")

    def _latencies(self, name: str, trials: list[FrozenTrial], ids: list[str | None]
                   ) -> np.ndarray:
        """Each trial's latency on one target: recorded, else predicted (cached per arch)."""
        key = target_latency_key(name)
        out = np.full(len(trials), np.nan)
        with self._lock:
            cache = self._cache.setdefault(name, {})
        missing = set()
        for i, (trial, arch_id) in enumerate(zip(trials, ids)):
            ms = trial.user_attrs.get(key)
            if isinstance(ms, (int, float)) and not isinstance(ms, bool):
                out[i] = ms
            elif arch_id is not None and arch_id not in cache:
                missing.add(arch_id)
        if missing:
            unique = sorted(missing)
            predicted = np.asarray(self.targets[name].predict(unique), dtype=np.float64)
            with self._lock:
                cache.update(zip(unique, predicted))
        for i, arch_id in enumerate(ids):
            if math.isnan(out[i]) and arch_id is not None:
                out[i] = cache[arch_id]
        return out

    def _view_ranks(self, study: optuna.Study, trials: list[FrozenTrial]
                    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Rank of each trial in each view ``(n_views, n)``, and each view's values."""
        index = int(study_info(study)["latency_index"])
        values = np.array([t.values for t in trials], dtype=np.float64)
        ids = [trial_arch_id(t, self.space) for t in trials]
        views = [values] if self.include_proxy else []
        for name in self.targets:
            view = values.copy()
            view[:, index] = self._latencies(name, trials, ids)
            views.append(view)
        # infeasible trials (a constraint > 0) after every feasible one, least violation first
        violation = np.array([sum(max(v, 0.0) for v in trial_constraints(t).values())
                              for t in trials])
        infeasible = violation > 0
        violation_rank = np.argsort(np.argsort(violation, kind="stable"), kind="stable")
        ranks = []
        for view in views:
            rank = nondominated_rank(view, study.directions)
            rank[infeasible] = len(trials) + violation_rank[infeasible]
            ranks.append(rank)
        return np.array(ranks), views

    def __call__(self, study: optuna.Study, population: list[FrozenTrial]) -> list[FrozenTrial]:
        """The trials that survive into the next generation (at most ``population_size``)."""
        # one trial per architecture (its first): a copy would take a survivor's place
        seen: set[Any] = set()
        trials = []
        for trial in sorted(population, key=lambda t: t.number):
            key = tuple(sorted(trial.params.items(), key=lambda kv: kv[0]))
            if key not in seen:
                seen.add(key)
                trials.append(trial)
        if len(trials) <= self.population_size:
            return trials
        ranks, views = self._view_ranks(study, trials)
        best = ranks.min(axis=0)
        elite: list[int] = []
        for level in np.unique(best):
            members = np.flatnonzero(best == level)
            room = self.population_size - len(elite)
            if len(members) <= room:
                elite.extend(members.tolist())
                continue
            elite.extend(self._fill(members, ranks, views, level, room))
            break
        return [trials[i] for i in elite]

    @staticmethod
    def _fill(members: np.ndarray, ranks: np.ndarray, views: list[np.ndarray], level: int,
              room: int) -> list[int]:
        """``room`` of ``members``: the views take turns, most isolated in the view first."""
        queues = []
        for rank, view in zip(ranks, views):
            on = members[rank[members] == level]
            if len(on):
                big = np.finfo(float).max  # a target without a value: far away, not NaN
                finite = np.nan_to_num(view[on], nan=big, posinf=big, neginf=-big)
                order = np.argsort(-crowding_distance(finite), kind="stable")
                queues.append(list(on[order]))
        chosen: list[int] = []
        taken: set[int] = set()
        while len(chosen) < room:
            for queue in queues:
                while queue and queue[0] in taken:
                    queue.pop(0)
                if queue and len(chosen) < room:
                    taken.add(queue[0])
                    chosen.append(int(queue.pop(0)))
        return chosen


def target_steered_sampler(targets: Mapping[str, Any], *,
                           population_size: int | None = None,
                           include_proxy: bool = True, seed: int | None = None,
                           space: str | BaseSpace | None = None,
                           **kwargs: Any) -> optuna.samplers.NSGAIISampler:
    """An ``NSGAIISampler`` whose survivors are every target's front (and the proxy's).

    Args:
        targets: ``{name: latency source}`` of the study's space (see
            :class:`TargetSteeredSelection`).
        population_size: NSGA-II's population size (default :func:`default_population` of the
            number of fronts steered by: at least 20, Optuna's own is 50).
        include_proxy: Keep the proxy's own front among the survivors too.
        seed: The sampler's seed.
        space: The search space, when the predictors do not name it.
        **kwargs: Further ``NSGAIISampler`` arguments (``mutation_prob``, ``crossover``, ...).

    Returns:
        The sampler (Optuna's experimental-argument warning for the selection is silenced
        here: the argument exists since Optuna 3.3 and is what this function is for).
    """
    selection = TargetSteeredSelection(targets, population_size=population_size,
                                       include_proxy=include_proxy, space=space)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*elite_population_selection_strategy.*",
                                category=optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.NSGAIISampler(population_size=selection.population_size,
                                             seed=seed,
                                             elite_population_selection_strategy=selection,
                                             **kwargs)
