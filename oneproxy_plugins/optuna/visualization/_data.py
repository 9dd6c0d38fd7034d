"""What the front plots of a study draw: each device's trials and Pareto front, as arrays.

The data functions behind :mod:`oneproxy_plugins.optuna.visualization` (plotly) and its
matplotlib twin; the drawing functions only draw. Fronts are computed on the two plotted
objectives (a metric and the latency on the device) with
:func:`oneproxy_plugins.fronts.pareto_mask`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import optuna

from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.optuna.attrs import ARCH_KEY, list_targets, study_info
from oneproxy_plugins.optuna.fronts import target_values
from oneproxy_plugins.viz.pareto import FrontComparisonData, FrontData

__all__ = ["TargetFrontInfo", "target_front_info", "target_fronts_data", "front_comparison_data"]


class TargetFrontInfo(NamedTuple):
    """One device's trials, for a Pareto-front plot: the panel data plus who each point is."""

    data: FrontData
    """The arrays drawn (latency on the device, metric, front mask)."""
    numbers: np.ndarray
    """Array ``(n_trials,)``: each point's trial number."""
    archs: list[str | None]
    """Each point's architecture id (``None`` when not recorded)."""
    metric_name: str
    """The metric's axis label."""


def _check_metric_index(study: optuna.Study, metric_index: int, latency_index: int) -> None:
    n = len(study.directions)
    if (isinstance(metric_index, bool) or not isinstance(metric_index, int)
            or not 0 <= metric_index < n or metric_index == latency_index):
        allowed = [i for i in range(n) if i != latency_index]
        raise ValueError(f"The 'metric_index' argument must be one of {allowed} (the study's "
                         f"metric objectives); got {metric_index!r}.")


def metric_name(study: optuna.Study, metric_index: int) -> str:
    """The metric's axis label: its name set with ``study.set_metric_names``, or its index."""
    names = study.metric_names
    return names[metric_index] if names else f"objective {metric_index}"


def target_front_info(study: optuna.Study, target: str | None = None, *,
                      metric_index: int = 0) -> TargetFrontInfo:
    """A device's trials and its Pareto front in (metric, latency on the device).

    Args:
        study: A study run with :class:`~oneproxy_plugins.optuna.OneProxyObjective` (or with
            the proxy latency as its last objective).
        target: A registered target's name, or ``None`` for the proxy.
        metric_index: Which objective is the metric (default the first).

    Returns:
        A :class:`TargetFrontInfo` over the completed, feasible trials that have a latency on
        the device. Its ``device`` is the target's name, or the proxy's recorded name
        (``"proxy"`` when the study does not record one).

    Raises:
        LookupError: An unknown target name.
        ValueError: ``metric_index`` is not a metric objective.
    """
    data = target_values(study, target)
    _check_metric_index(study, metric_index, data.latency_index)
    latency = data.values[:, data.latency_index]
    metric = data.values[:, metric_index]
    direction = data.directions[metric_index].name.lower()
    front = pareto_mask(np.c_[metric, latency], [direction, "minimize"])
    device = target if target is not None else _proxy_name(study)
    numbers = np.array([t.number for t in data.trials], dtype=np.int64)
    archs = [t.user_attrs.get(ARCH_KEY) for t in data.trials]
    return TargetFrontInfo(FrontData(device, latency, metric, front, direction == "maximize"),
                           numbers, archs, metric_name(study, metric_index))


def _proxy_name(study: optuna.Study) -> str:
    return study_info(study)["proxy"] or "proxy"


def target_fronts_data(study: optuna.Study, targets: Sequence[str] | None = None, *,
                       metric_index: int = 0) -> list[FrontData]:
    """Each device's trials and Pareto front, the proxy first.

    Args:
        study: The proxy study.
        targets: Registered target names to show after the proxy (default: all of them).
        metric_index: Which objective is the metric (default the first).

    Returns:
        One :class:`~oneproxy_plugins.viz.pareto.FrontData` per device, the proxy first.

    Raises:
        LookupError: An unknown target name.
        ValueError: ``metric_index`` is not a metric objective.
    """
    names = list_targets(study) if targets is None else list(targets)
    return [target_front_info(study, t, metric_index=metric_index).data
            for t in [None, *names]]


def front_comparison_data(study: optuna.Study, target: str, *, metric_index: int = 0
                          ) -> FrontComparisonData:
    """A target's front and the proxy's front, both on the target's recorded latency axis.

    Args:
        study: The proxy study.
        target: A registered target name.
        metric_index: Which objective is the metric.

    Returns:
        A :class:`~oneproxy_plugins.viz.pareto.FrontComparisonData` over the trials that have
        the target's latency.
    """
    on_target = target_front_info(study, target, metric_index=metric_index)
    on_proxy = target_front_info(study, None, metric_index=metric_index)
    row = {int(n): i for i, n in enumerate(on_proxy.numbers)}
    rows = np.array([row[int(n)] for n in on_target.numbers], dtype=np.int64)
    direction = "maximize" if on_target.data.maximize else "minimize"
    proxy_front = pareto_mask(np.c_[on_proxy.data.metric[rows], on_proxy.data.latency_ms[rows]],
                              [direction, "minimize"])
    data = on_target.data
    return FrontComparisonData(target, data.latency_ms, data.metric, proxy_front, data.front,
                               data.maximize)
