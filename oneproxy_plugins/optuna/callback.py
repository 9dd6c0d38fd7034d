"""`OneProxyCallback` and `register_target`: record target devices' latency of a study's trials.

One study searched on the proxy serves every target device: for each finished trial the
callback predicts the architecture's latency on every registered target and records it in the
study's storage (layout in :mod:`oneproxy_plugins.optuna.attrs`).
:func:`~oneproxy_plugins.optuna.pareto_front_for` then reads a target's Pareto front from
the study, also from a study reloaded from storage in another process, where the predictors
are not at hand. A target added after the search is registered with :func:`register_target`
(or adapted from a few measurements with :func:`~oneproxy_plugins.optuna.adapt_target`), which
records it for every finished trial at once.

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.optuna import OneProxyCallback, OneProxyObjective, TableLatency
    >>> from oneproxy_plugins.optuna import pareto_front_for
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> table = LatencyTable(ids, ["phone", "gpu"], np.c_[1 + np.arange(len(ids)) % 7,
    ...                      1 + np.arange(len(ids)) % 5], space="nasbench201")
    >>> objective = OneProxyObjective(lambda trial, arch: arch.count("nor_conv_3x3"),
    ...                               TableLatency(table, "phone"))
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"])
    >>> callback = OneProxyCallback({"gpu": TableLatency(table, "gpu")})
    >>> study.optimize(objective, n_trials=10, callbacks=[callback])
    >>> len(pareto_front_for(study, "gpu")) >= 1
    True
"""

from __future__ import annotations

import math
import secrets
import threading
import weakref
from collections.abc import Mapping
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from oneproxy_plugins._transient import TransientState
from oneproxy_plugins.latency.sources import source_space
from oneproxy_plugins.optuna.attrs import (check_target_name, check_targets,
                                           register_target_record, study_info,
                                           trial_arch_id, write_latencies)
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["OneProxyCallback", "register_target"]


def _study_space(study: optuna.Study, space: BaseSpace | None, what: str) -> BaseSpace:
    """The space of a study (recorded by OneProxyObjective), checked against ``space``."""
    recorded = study_info(study)["space"]
    if recorded is not None and space is not None and recorded != space.name:
        raise ValueError(f"The {what} predicts {space.name!r} architectures but study "
                         f"{study.study_name!r} searches {recorded!r}; use a {recorded!r} "
                         "predictor.")
    if space is None and recorded is None:
        raise ValueError(f"Study {study.study_name!r} has no recorded search space (it was not "
                         "run with OneProxyObjective); pass space=<name>.")
    return space if space is not None else get_space(recorded)


class OneProxyCallback(TransientState):
    """After each finished trial, record its predicted latency on every registered target.

    Pass it to ``study.optimize(..., callbacks=[callback])``. Failed and pruned trials are
    skipped. The latencies go into the study's storage, one write per trial for all targets.

    Args:
        targets: ``{name: latency source}``: predictors of the study's space (fitted
            predictors, ``AdaProxyPredictor``, ``TableLatency``, ...). Names are non-empty and
            contain no ``:``.
        space: The search space; default the predictors' (they must agree).

    Raises:
        ValueError: A bad name, or predictors of different spaces (or of another space than
            the study's, at the first trial).
    """

    # the targets whose record each study object already has (weak: studies may go)
    _transient = {"_lock": threading.Lock, "_registered": weakref.WeakKeyDictionary}

    def __init__(self, targets: Mapping[str, Any], *, space: str | BaseSpace | None = None
                 ) -> None:
        space = get_space(space) if space is not None else None
        self.targets, self.space = check_targets(targets, space)
        self._init_transient()

    def __repr__(self) -> str:
        return f"OneProxyCallback(targets={sorted(self.targets)})"

    def add_target(self, name: str, predictor: Any) -> None:
        """Register one more target for the trials still to come."""
        checked, space = check_targets({name: predictor}, self.space)
        with self._lock:
            self.space = space
            self.targets.update(checked)

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        if trial.state != TrialState.COMPLETE or not self.targets:
            return
        with self._lock:
            targets = dict(self.targets)
            new = [n for n in targets if n not in self._registered.get(study, ())]
        if new:
            space = _study_space(study, self.space, "OneProxyCallback")
            for name in new:
                register_target_record(study, name, space,
                                       {"source": type(targets[name]).__name__}, replace=False)
            with self._lock:
                self._registered.setdefault(study, set()).update(new)
        arch_id = trial_arch_id(trial, self.space)
        if arch_id is None:
            raise ValueError(f"OneProxyCallback: trial {trial.number} has no {self.space.name!r} "
                             "architecture; suggest it with space.suggest(trial) or "
                             "OneProxyObjective.")
        latencies = {}
        for name, predictor in targets.items():
            ms = float(predictor.predict([arch_id])[0])
            if math.isfinite(ms):  # NaN: the target has no value for it (nothing recorded)
                latencies[name] = {trial.number: ms}
        if latencies:
            write_latencies(study, latencies, part=f"trial-{trial.number}")


def register_target(study: optuna.Study, name: str, predictor: Any, *,
                    record: Mapping[str, Any] | None = None,
                    space: str | BaseSpace | None = None) -> dict[int, float]:
    """Register a target on a finished (or running) study: record its latency of every trial.

    Predicts all completed trials' architectures in one call and writes them in one storage
    write; a NaN prediction (no value for that architecture) records nothing. Registering a
    name again records the new predictions over the old ones.

    Args:
        study: The study (in memory or loaded from storage).
        name: The target's name.
        predictor: Its latency source, of the study's space.
        record: Extra JSON-able facts kept in the target's record (e.g. measured samples).
        space: The search space, when the study has none recorded.

    Returns:
        ``{trial number: predicted ms}`` of the completed trials.

    Raises:
        ValueError: A bad name, or a predictor of another space than the study's.
    """
    check_target_name(name)
    space_obj = _study_space(study, source_space(predictor, space, name="'predictor' argument"),
                             "predictor")
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    numbers, ids = [], []
    for trial in trials:
        arch_id = trial_arch_id(trial, space_obj)
        if arch_id is not None:
            numbers.append(trial.number)
            ids.append(arch_id)
    latencies: dict[int, float] = {}
    if ids:
        unique = list(dict.fromkeys(ids))
        predicted = dict(zip(unique, map(float, predictor.predict(unique))))
        latencies = {n: predicted[a] for n, a in zip(numbers, ids) if math.isfinite(predicted[a])}
    batch = f"{name}-{secrets.token_hex(4)}"
    write_latencies(study, {name: latencies}, part=batch)  # before the record that names it
    register_target_record(study, name, space_obj, {"source": type(predictor).__name__,
                                                    **(record or {}), "batch": batch},
                           replace=True)
    return latencies
