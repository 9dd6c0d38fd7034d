"""The matplotlib twins of :mod:`oneproxy_plugins.optuna.visualization`.

As ``optuna.visualization.matplotlib`` mirrors ``optuna.visualization``: the same functions and
arguments, matplotlib objects instead of plotly figures (no pyplot state; save them with
``ax.figure.savefig(...)``). :func:`plot_front_comparison` adds the one plot plotly has no
twin of: the proxy's front against the target's on the target's latency axis.

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.latency import LatencyTable, TableLatency
    >>> from oneproxy_plugins.optuna import OneProxyObjective
    >>> from oneproxy_plugins.optuna.visualization.matplotlib import plot_target_fronts
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> table = LatencyTable(ids, ["phone", "gpu"], np.c_[1 + np.arange(len(ids)) % 7,
    ...                      1 + np.arange(len(ids)) % 5], space="nasbench201")
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"])
    >>> study.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3"),
    ...                                  TableLatency(table, "phone"), proxy_name="phone",
    ...                                  targets={"gpu": TableLatency(table, "gpu")}),
    ...                n_trials=20)
    >>> [ax.get_title() for ax in plot_target_fronts(study).axes]
    ['phone', 'gpu']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import optuna

from oneproxy_plugins.optuna.visualization._data import (front_comparison_data, metric_name,
                                                         target_front_info, target_fronts_data)
from oneproxy_plugins.viz import pareto as _draw

if TYPE_CHECKING:
    import matplotlib.axes
    import matplotlib.figure

__all__ = ["plot_target_front", "plot_target_fronts", "plot_front_comparison"]


def plot_target_front(study: optuna.Study, target: str | None = None, *,
                      metric_index: int = 0) -> matplotlib.axes.Axes:
    """A target device's Pareto front of a proxy study (see
    :func:`oneproxy_plugins.optuna.visualization.plot_target_front`).

    Returns:
        The matplotlib ``Axes``.
    """
    info = target_front_info(study, target, metric_index=metric_index)
    fig = _draw.plot_fronts([info.data], ncols=1, metric_name=info.metric_name)
    return fig.axes[0]


def plot_target_fronts(study: optuna.Study, targets: Sequence[str] | None = None, *,
                       metric_index: int = 0, ncols: int = 3,
                       path: str | os.PathLike | None = None) -> matplotlib.figure.Figure:
    """The proxy's and every target's Pareto front, one panel each (see
    :func:`oneproxy_plugins.optuna.visualization.plot_target_fronts`).

    Args:
        study: The proxy study.
        targets: Registered target names (default: all of them), shown after the proxy.
        metric_index: Which objective is the metric.
        ncols: Panels per row.
        path: Also write the figure there (e.g. ``fronts.png``).

    Returns:
        The matplotlib ``Figure``.
    """
    data = target_fronts_data(study, targets, metric_index=metric_index)
    return _draw.plot_fronts(data, path, ncols=ncols,
                             metric_name=metric_name(study, metric_index))


def plot_front_comparison(study: optuna.Study, target: str, *, metric_index: int = 0,
                          path: str | os.PathLike | None = None) -> matplotlib.axes.Axes:
    """The proxy's front and a target's front on the target's latency axis.

    Args:
        study: The proxy study.
        target: A registered target name.
        metric_index: Which objective is the metric.
        path: Also write the figure there.

    Returns:
        The matplotlib ``Axes``.
    """
    data = front_comparison_data(study, target, metric_index=metric_index)
    return _draw.plot_front_comparison(*data, path=path,
                                       metric_name=metric_name(study, metric_index))
