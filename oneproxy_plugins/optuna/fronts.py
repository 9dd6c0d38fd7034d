"""Per-target Pareto fronts of one proxy study, and the array math behind them.

The array functions work on plain arrays: :func:`pareto_mask` (which points no other point
dominates, any number of objectives, each minimised or maximised) and :func:`hypervolume_2d`
(the area two minimised objectives dominate up to a reference point, by a sorted sweep).

:func:`pareto_front_for` answers the question of one-proxy NAS: given a study searched with the
proxy latency as its last objective, which trials are Pareto-optimal on a *target* device? It
replaces the proxy latency with the target's (recorded by
:class:`~oneproxy_plugins.optuna.OneProxyCallback` or
:func:`~oneproxy_plugins.optuna.register_target`, or predicted on the spot) and ranks again.

Example:
    >>> import numpy as np
    >>> pareto_mask(np.array([[1.0, 5.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0]])).tolist()
    [True, True, False, True]
    >>> hypervolume_2d(np.array([[0.0, 0.5], [0.5, 0.0]]), reference=[1.0, 1.0])
    0.75
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from oneproxy_plugins.optuna.attrs import (ARCH_KEY, list_targets, recorded_latencies, study_info,
                                           trial_arch_id)
from oneproxy_plugins.optuna.constraint import trial_constraints
from oneproxy_plugins.optuna.latency import source_space

__all__ = ["pareto_mask", "hypervolume_2d", "TargetValues", "target_values", "front_rows",
           "pareto_front_for"]

logger = logging.getLogger(__name__)

_CHUNK = 512


def _signs(directions: Sequence[Any] | None, n_objectives: int) -> np.ndarray:
    """+1 for each minimised objective, -1 for each maximised one."""
    if directions is None:
        return np.ones(n_objectives)
    if len(directions) != n_objectives:
        raise ValueError(f"The 'directions' argument has {len(directions)} entries for "
                         f"{n_objectives} objectives.")
    signs = []
    for d in directions:
        name = d.name.lower() if isinstance(d, StudyDirection) else str(d).lower()
        if name not in ("minimize", "maximize"):
            raise ValueError(f"Each direction must be 'minimize' or 'maximize'; got {d!r}.")
        signs.append(1.0 if name == "minimize" else -1.0)
    return np.array(signs)


def pareto_mask(values: Any, directions: Sequence[Any] | None = None) -> np.ndarray:
    """Which points are Pareto-optimal (no other point is as good everywhere and better once).

    Equal points do not dominate each other, so duplicates of a front point are all on the
    front. Rows holding NaN are never on it.

    Args:
        values: Array of shape ``(n_points, n_objectives)``.
        directions: ``"minimize"``/``"maximize"`` (or ``StudyDirection``) per objective;
            default all minimised.

    Returns:
        Boolean array of shape ``(n_points,)``.

    Raises:
        ValueError: ``values`` is not 2-D or ``directions`` has the wrong length.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"The 'values' argument must be 2-D (n_points, n_objectives); got shape "
                         f"{values.shape}.")
    loss = values * _signs(directions, values.shape[1])
    mask = np.zeros(len(loss), dtype=bool)
    rows = np.flatnonzero(~np.isnan(loss).any(axis=1))
    if rows.size == 0:
        return mask
    loss = loss[rows]
    if loss.shape[1] == 1:
        mask[rows] = loss[:, 0] == loss[:, 0].min()
    elif loss.shape[1] == 2:
        mask[rows] = _pareto_2d(loss[:, 0], loss[:, 1])
    else:
        mask[rows] = _pareto_nd(loss)
    return mask


def _pareto_2d(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-dominated points of two minimised objectives, O(n log n)."""
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    starts = np.r_[True, xs[1:] != xs[:-1]]  # first (lowest y) point of each equal-x group
    group = np.cumsum(starts) - 1
    group_min = ys[starts]
    before = np.r_[np.inf, np.minimum.accumulate(group_min)[:-1]]  # best y at smaller x
    keep = (ys < before[group]) & (ys == group_min[group])
    out = np.empty(len(x), dtype=bool)
    out[order] = keep
    return out


def _pareto_nd(loss: np.ndarray) -> np.ndarray:
    """Non-dominated points of any number of minimised objectives, pairwise in chunks."""
    keep = np.ones(len(loss), dtype=bool)
    for start in range(0, len(loss), _CHUNK):
        block = loss[start:start + _CHUNK]  # (b, m) against all (n, m)
        no_worse = (loss[None, :, :] <= block[:, None, :]).all(axis=2)
        better = (loss[None, :, :] < block[:, None, :]).any(axis=2)
        keep[start:start + _CHUNK] = ~(no_worse & better).any(axis=1)
    return keep


def hypervolume_2d(loss: Any, reference: Sequence[float]) -> float:
    """Area dominated by points of two minimised objectives, bounded by a reference point.

    Points not strictly better than the reference in both objectives add nothing.

    Args:
        loss: Array of shape ``(n_points, 2)``, both columns minimised.
        reference: The reference point ``(r0, r1)``.

    Returns:
        The hypervolume (0 for no point).

    Raises:
        ValueError: ``loss`` is not of shape ``(n, 2)``.
    """
    loss = np.asarray(loss, dtype=np.float64)
    if loss.ndim != 2 or loss.shape[1] != 2:
        raise ValueError(f"The 'loss' argument must have shape (n_points, 2); got {loss.shape}.")
    r0, r1 = (float(r) for r in reference)
    inside = loss[(loss[:, 0] < r0) & (loss[:, 1] < r1)]
    if inside.size == 0:
        return 0.0
    inside = inside[np.argsort(inside[:, 0], kind="stable")]
    best_y = np.minimum.accumulate(inside[:, 1])
    widths = np.diff(np.r_[inside[:, 0], r0])
    return float(np.sum(widths * (r1 - best_y)))


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
            recorded = recorded_latencies(study, target, attrs)
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

