"""Pareto-front plots of one proxy study on every target device, shaped like Optuna's own.

:func:`plot_target_front` is ``optuna.visualization.plot_pareto_front`` with the proxy's
latency replaced by a target's: every completed trial at its latency on the target (recorded
while it ran, registered afterwards, or adapted with
:func:`~oneproxy_plugins.optuna.adapt_target`), the target's Pareto front highlighted, the
trial number and architecture in the hover text. :func:`plot_target_fronts` draws the proxy and
every registered target side by side. Both return a plotly ``Figure`` (``pip install
'oneproxy-plugins[viz]'``); :mod:`oneproxy_plugins.optuna.visualization.matplotlib` has the
same functions returning matplotlib objects, as ``optuna.visualization.matplotlib`` does.

The data behind them (tested apart) is :func:`target_front_info`, :func:`target_fronts_data`
and :func:`front_comparison_data`.

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.latency import LatencyTable, TableLatency
    >>> from oneproxy_plugins.optuna import OneProxyObjective
    >>> from oneproxy_plugins.optuna.visualization import plot_target_front
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> table = LatencyTable(ids, ["phone", "gpu"], np.c_[1 + np.arange(len(ids)) % 7,
    ...                      1 + np.arange(len(ids)) % 5], space="nasbench201")
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"],
    ...                             sampler=optuna.samplers.RandomSampler(seed=0))
    >>> study.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3"),
    ...                                  TableLatency(table, "phone"),
    ...                                  targets={"gpu": TableLatency(table, "gpu")}),
    ...                n_trials=20)
    >>> fig = plot_target_front(study, "gpu")
    >>> fig.layout.title.text
    'Pareto-front Plot on gpu'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import optuna

from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.optuna.attrs import list_targets
from oneproxy_plugins.optuna.visualization._data import (TargetFrontInfo, front_comparison_data,
                                                         target_front_info, target_fronts_data)

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["plot_target_front", "plot_target_fronts", "TargetFrontInfo", "target_front_info",
           "target_fronts_data", "front_comparison_data"]


def _traces(info: TargetFrontInfo, *, colorbar: bool) -> list[Any]:
    go = optional_import("plotly.graph_objects")
    data = info.data
    hover = [f"Trial {n}<br>{arch}" if arch else f"Trial {n}"
             for n, arch in zip(info.numbers.tolist(), info.archs)]
    template = ("%{text}<br>latency %{x:.4g} ms<br>" + info.metric_name
                + " %{y:.4g}<extra></extra>")
    traces = []
    for on_front, scale, title in ((False, "Blues", "Trial"), (True, "Reds", "Best Trial")):
        rows = data.front == on_front
        marker: dict[str, Any] = {"line": {"width": 0.5, "color": "Grey"},
                                  "color": info.numbers[rows].tolist(), "colorscale": scale}
        if colorbar:
            marker["colorbar"] = {"title": title, **({"x": 1.1, "xpad": 40} if on_front else {})}
        traces.append(go.Scatter(x=data.latency_ms[rows].tolist(), y=data.metric[rows].tolist(),
                                 text=[h for h, r in zip(hover, rows) if r], mode="markers",
                                 hovertemplate=template, marker=marker, showlegend=False))
    return traces


def plot_target_front(study: optuna.Study, target: str | None = None, *,
                      metric_index: int = 0) -> go.Figure:
    """A target device's Pareto front of a proxy study, as a plotly figure.

    Args:
        study: A study run with :class:`~oneproxy_plugins.optuna.OneProxyObjective`.
        target: A registered target's name, or ``None`` for the proxy's own front.
        metric_index: Which objective is the metric (default the first).

    Returns:
        A ``plotly.graph_objects.Figure``: latency on the device (ms) against the metric, the
        front's trials in red, the others in blue, coloured by trial number.

    Raises:
        ImportError: plotly is not installed (the message names the extra).
        LookupError: An unknown target name.
        ValueError: ``metric_index`` is not a metric objective.
    """
    go = optional_import("plotly.graph_objects")
    info = target_front_info(study, target, metric_index=metric_index)
    fig = go.Figure(data=_traces(info, colorbar=True))
    fig.update_layout(title=f"Pareto-front Plot on {info.data.device}",
                      xaxis_title=f"latency on {info.data.device} (ms)",
                      yaxis_title=info.metric_name)
    return fig


def plot_target_fronts(study: optuna.Study, targets: Sequence[str] | None = None, *,
                       metric_index: int = 0, ncols: int = 3) -> go.Figure:
    """The proxy's and every target's Pareto front of one study, side by side.

    Args:
        study: The proxy study.
        targets: Registered target names (default: all of them), shown after the proxy.
        metric_index: Which objective is the metric.
        ncols: Panels per row.

    Returns:
        A ``plotly.graph_objects.Figure`` with one subplot per device.

    Raises:
        ImportError: plotly is not installed (the message names the extra).
        LookupError: An unknown target name.
    """
    from oneproxy_plugins._checks import check_int

    subplots = optional_import("plotly.subplots")
    names = list_targets(study) if targets is None else list(targets)
    infos = [target_front_info(study, t, metric_index=metric_index) for t in [None, *names]]
    ncols = min(check_int("ncols", ncols, 1), len(infos))
    nrows = -(-len(infos) // ncols)
    fig = subplots.make_subplots(rows=nrows, cols=ncols,
                                 subplot_titles=[i.data.device for i in infos])
    for k, info in enumerate(infos):
        row, col = k // ncols + 1, k % ncols + 1
        for trace in _traces(info, colorbar=k == 0):
            fig.add_trace(trace, row=row, col=col)
        fig.update_xaxes(title_text=f"latency on {info.data.device} (ms)", row=row, col=col)
        fig.update_yaxes(title_text=info.metric_name, row=row, col=col)
    fig.update_layout(title="Pareto-front Plot on each device")
    return fig
