"""Per-target Pareto fronts of one proxy study.

:func:`pareto_front_for` answers the question of one-proxy NAS: given a study searched with the
proxy latency as its last objective, which trials are Pareto-optimal on a *target* device? It
replaces the proxy latency with the target's (recorded by
:class:`~oneproxy_plugins.optuna.OneProxyCallback` or
:func:`~oneproxy_plugins.optuna.register_target`, or predicted on the spot) and ranks again
with the package's one Pareto implementation, :func:`oneproxy_plugins.fronts.pareto_mask`.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import numpy as np
import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.latency.sources import source_space
from oneproxy_plugins.optuna.attrs import (ARCH_KEY, list_targets, recorded_latencies, study_info,
                                           trial_arch_id)
from oneproxy_plugins.optuna.constraint import trial_constraints

__all__ = ["TargetValues", "target_values", "front_rows", "front_records", "pareto_front_for"]

logger = logging.getLogger(__name__)


def _is_feasible(trial: FrozenTrial) -> bool:
    return all(v <= 0 for v in trial_constraints(trial).values())


class TargetValues(NamedTuple):
    """The study's objective values with the proxy latency replaced by a target's."""

    trials: list[FrozenTrial]
    """Completed, feasible trials that have the target's latency."""
    values: np.ndarray
    """Array ``(n_trials, n_objectives)``; column ``latency_index`` is the target's ms."""
    latency_index: int
    """Which column is the latency."""
    directions: list[StudyDirection]
    """The study's directions."""


def target_values(study: optuna.Study, target: Any = None, *, max_ms: float | None = None
                  ) -> TargetValues:
    """Objective values of a study's trials as seen on a target device.

    Args:
        study: A study run with the proxy latency as one objective (the last by default, or
            the one recorded by :class:`~oneproxy_plugins.optuna.OneProxyObjective`).
        target: ``None`` for the proxy itself; a registered target's name (its recorded
            latencies); or a latency source of the study's space (predicted now, not recorded).
        max_ms: Leave out trials whose target latency exceeds it.

    Returns:
        A :class:`TargetValues`. Infeasible trials (a constraint > 0) are left out, as
        ``study.best_trials`` does.

    Raises:
        LookupError: ``target`` is a name that is not registered on the study.
        ValueError: A predictor of another space than the study's.
    """
    info = study_info(study)
    index = int(info["latency_index"])
    trials = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
              if _is_feasible(t)]
    values = np.array([t.values for t in trials], dtype=np.float64).reshape(
        len(trials), len(study.directions))
    if target is not None:
        if isinstance(target, str):
            attrs = study.user_attrs
            known = list_targets(study)
            if target not in known:
                from oneproxy_plugins.exceptions import UnknownNameError

                raise UnknownNameError("target", target, known)
            recorded = recorded_latencies(study, target, attrs, trials)
            ms = np.array([recorded.get(t.number, np.nan) for t in trials])
            missing = int(np.isnan(ms).sum())
            if missing:
                logger.warning("%d completed trial(s) of study %r have no recorded latency on "
                               "target %r and are left out; call register_target(study, %r, "
                               "predictor) to record them.", missing, study.study_name, target,
                               target)
        else:
            space = source_space(target, info["space"], name="'target' argument")
            ids = [trial_arch_id(t, space) for t in trials]
            ms = np.full(len(trials), np.nan)
            known_rows = [i for i, a in enumerate(ids) if a is not None]
            if known_rows:
                unique = list(dict.fromkeys(ids[i] for i in known_rows))
                predicted = dict(zip(unique, map(float, target.predict(unique))))
                ms[known_rows] = [predicted[ids[i]] for i in known_rows]
        values[:, index] = ms
    keep = ~np.isnan(values[:, index])
    if max_ms is not None:
        keep &= values[:, index] <= max_ms
    rows = np.flatnonzero(keep)
    return TargetValues([trials[i] for i in rows], values[rows], index, list(study.directions))


def pareto_front_for(study: optuna.Study, target: Any = None, *, max_ms: float | None = None
                     ) -> list[FrozenTrial]:
    """A target device's Pareto-optimal trials of a proxy study, fastest on the target first.

    Args:
        study: The study (in memory, or reloaded with ``optuna.load_study``).
        target: A registered target name, a latency source of the study's space, or ``None``
            for the proxy's own front (the same trials as ``study.best_trials``).
        max_ms: Only trials within this target latency budget.

    Returns:
        The trials, sorted by target latency, then by trial number.

    Raises:
        LookupError: ``target`` is a name that is not registered on the study.
        ValueError: A predictor of another space than the study's.
    """
    data = target_values(study, target, max_ms=max_ms)
    return [data.trials[i] for i in front_rows(data)]


def front_records(study: optuna.Study, target: Any = None, *, max_ms: float | None = None
                  ) -> list[dict[str, Any]]:
    """A target's Pareto front as JSON-able rows, fastest on the target first.

    Args:
        study: The study.
        target: As for :func:`pareto_front_for`.
        max_ms: Only trials within this target latency budget.

    Returns:
        ``[{"number", "arch", "values", "latency_ms"}, ...]``: ``values`` are the trial's
        objective values with the latency replaced by the target's, ``arch`` its architecture
        id (``None`` when not recorded).
    """
    data = target_values(study, target, max_ms=max_ms)
    return [{"number": data.trials[i].number,
             "arch": data.trials[i].user_attrs.get(ARCH_KEY),
             "values": [float(v) for v in data.values[i]],
             "latency_ms": float(data.values[i, data.latency_index])} for i in front_rows(data)]


def front_rows(data: TargetValues) -> list[int]:
    """Rows of ``data`` on its Pareto front, by target latency, then trial number."""
    rows = np.flatnonzero(pareto_mask(data.values, data.directions))
    return sorted(rows.tolist(),
                  key=lambda i: (data.values[i, data.latency_index], data.trials[i].number))

