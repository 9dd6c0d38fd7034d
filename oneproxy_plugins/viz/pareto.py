"""Pareto-front plots of one proxy study: each target's front, and proxy front vs target front.

Data functions (tested) and drawing functions apart, as in :mod:`oneproxy_plugins.viz`:

- :func:`target_fronts_data` / :func:`plot_target_fronts`: one panel per device (the proxy and
  every registered target): every trial at its latency on that device, its Pareto front drawn
  as a staircase.
- :func:`front_comparison_data` / :func:`plot_front_comparison`: on one target's latency axis,
  the target's front and the proxy's front (the trials the proxy search would pick) overlaid:
  where the proxy's ranking carries over, the two coincide. The target's latencies are the
  ones recorded on the study (measured, or predicted for an adapted target).

Fronts are computed on the two plotted objectives (a metric and the latency). Optuna's own
``optuna.visualization.matplotlib.plot_pareto_front(study, targets=...)`` shows the proxy's
front at target latencies too; see ``docs/optuna.md``.

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.optuna import OneProxyObjective, TableLatency, register_target
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> table = LatencyTable(ids, ["phone", "gpu"], np.c_[1 + np.arange(len(ids)) % 7,
    ...                      1 + np.arange(len(ids)) % 5], space="nasbench201")
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"])
    >>> study.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3"),
    ...                                  TableLatency(table, "phone")), n_trials=20)
    >>> _ = register_target(study, "gpu", TableLatency(table, "gpu"))
    >>> data = front_comparison_data(study, "gpu")
    >>> data.latency_ms.shape == data.proxy_front.shape
    True
    >>> ax = plot_front_comparison(*data)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.optuna.attrs import list_targets
from oneproxy_plugins.optuna.fronts import pareto_mask, target_values

if TYPE_CHECKING:
    import matplotlib.axes
    import matplotlib.figure
    import optuna

__all__ = ["FrontData", "target_fronts_data", "plot_target_fronts", "FrontComparisonData",
           "front_comparison_data", "plot_front_comparison"]


class FrontData(NamedTuple):
    """One device's panel: every trial at its latency there, and its Pareto front."""

    device: str
    """``"proxy"`` or a target's name."""
    latency_ms: np.ndarray
    """Array ``(n_trials,)``: each trial's latency on the device, ms."""
    metric: np.ndarray
    """Array ``(n_trials,)``: each trial's metric."""
    front: np.ndarray
    """Boolean array ``(n_trials,)``: Pareto-optimal in (metric, latency on the device)."""
    maximize: bool
    """Whether the metric is maximised."""


class FrontComparisonData(NamedTuple):
    """What :func:`plot_front_comparison` draws: ``plot_front_comparison(*data)``."""

    target: str
    """The target's name."""
    latency_ms: np.ndarray
    """Array ``(n_trials,)``: each trial's latency on the target, ms."""
    metric: np.ndarray
    """Array ``(n_trials,)``: each trial's metric."""
    proxy_front: np.ndarray
    """Boolean ``(n_trials,)``: Pareto-optimal in (metric, proxy latency)."""
    target_front: np.ndarray
    """Boolean ``(n_trials,)``: Pareto-optimal in (metric, target latency)."""
    maximize: bool
    """Whether the metric is maximised."""


def _check_metric_index(study: optuna.Study, metric_index: int, latency_index: int) -> None:
    n = len(study.directions)
    if (isinstance(metric_index, bool) or not isinstance(metric_index, int)
            or not 0 <= metric_index < n or metric_index == latency_index):
        allowed = [i for i in range(n) if i != latency_index]
        raise ValueError(f"The 'metric_index' argument must be one of {allowed} (the study's "
                         f"metric objectives); got {metric_index!r}.")


def _panel(study: optuna.Study, target: str | None, metric_index: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    data = target_values(study, target)
    _check_metric_index(study, metric_index, data.latency_index)
    latency = data.values[:, data.latency_index]
    metric = data.values[:, metric_index]
    direction = data.directions[metric_index].name.lower()
    front = pareto_mask(np.c_[metric, latency], [direction, "minimize"])
    numbers = np.array([t.number for t in data.trials], dtype=np.int64)
    return numbers, latency, metric, front, direction == "maximize"


def target_fronts_data(study: optuna.Study, targets: Sequence[str] | None = None, *,
                       metric_index: int = 0) -> list[FrontData]:
    """Each device's trials and Pareto front, for :func:`plot_target_fronts`.

    Args:
        study: A study run with :class:`~oneproxy_plugins.optuna.OneProxyObjective` (or with
            the proxy latency as its last objective).
        targets: Registered target names to show after the proxy (default: all of them).
        metric_index: Which objective is the metric (default the first).

    Returns:
        One :class:`FrontData` per device, the proxy first.

    Raises:
        LookupError: An unknown target name.
        ValueError: ``metric_index`` is not a metric objective.
    """
    names = list_targets(study) if targets is None else list(targets)
    out = []
    for device, target in [("proxy", None), *((n, n) for n in names)]:
        _, latency, metric, front, maximize = _panel(study, target, metric_index)
        out.append(FrontData(device, latency, metric, front, maximize))
    return out


def front_comparison_data(study: optuna.Study, target: str, *, metric_index: int = 0
                          ) -> FrontComparisonData:
    """A target's front and the proxy's front, both on the target's recorded latency axis.

    Args:
        study: The proxy study.
        target: A registered target name.
        metric_index: Which objective is the metric.

    Returns:
        A :class:`FrontComparisonData` over the trials that have the target's latency.
    """
    numbers, latency, metric, target_front, maximize = _panel(study, target, metric_index)
    proxy_numbers, proxy_latency, proxy_metric, _, _ = _panel(study, None, metric_index)
    row = {int(n): i for i, n in enumerate(proxy_numbers)}
    rows = np.array([row[int(n)] for n in numbers], dtype=np.int64)
    direction = "maximize" if maximize else "minimize"
    proxy_front = pareto_mask(np.c_[proxy_metric[rows], proxy_latency[rows]],
                              [direction, "minimize"])
    return FrontComparisonData(target, latency, metric, proxy_front, target_front, maximize)


def _staircase(ax: Any, latency: np.ndarray, metric: np.ndarray, **style: Any) -> None:
    order = np.argsort(latency, kind="stable")
    x, y = latency[order], metric[order]
    ax.step(x, y, where="post", **style)


def plot_target_fronts(data: Sequence[FrontData], path: str | os.PathLike | None = None, *,
                       ncols: int = 3, metric_name: str = "metric") -> matplotlib.figure.Figure:
    """Draw each device's trials and Pareto front, one panel per device.

    Args:
        data: From :func:`target_fronts_data`.
        path: Write the figure there (e.g. ``fronts.png``), or ``None``.
        ncols: Panels per row.
        metric_name: Label of the metric axis.

    Returns:
        The matplotlib ``Figure`` (no pyplot state).
    """
    from matplotlib.figure import Figure

    if not data:
        raise ValueError("The 'data' argument is empty; nothing to draw.")
    ncols = min(check_int("ncols", ncols, 1), len(data))
    nrows = -(-len(data) // ncols)
    fig = Figure(figsize=(4.0 * ncols, 3.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, data):
        ax.scatter(panel.latency_ms, panel.metric, s=8, color="0.75", label="trials")
        front = panel.front
        ax.scatter(panel.latency_ms[front], panel.metric[front], s=16, color="C3",
                   label="Pareto front", zorder=3)
        if front.any():
            _staircase(ax, panel.latency_ms[front], panel.metric[front], color="C3",
                       linewidth=1)
        ax.set_title(panel.device)
        ax.set_xlabel(f"latency on {panel.device} (ms)")
        ax.set_ylabel(metric_name)
    for ax in axes[len(data):]:
        ax.set_visible(False)
    axes[0].legend(loc="best", fontsize=8)
    if path is not None:
        fig.savefig(os.fspath(path), dpi=150)
    return fig


def plot_front_comparison(target: str, latency_ms: Any, metric: Any, proxy_front: Any,
                          target_front: Any, maximize: bool = True,
                          path: str | os.PathLike | None = None,
                          ax: matplotlib.axes.Axes | None = None, *,
                          metric_name: str = "metric") -> matplotlib.axes.Axes:
    """Overlay the proxy's front and the target's front on the target's latency axis.

    Args:
        target: The target's name (axis label).
        latency_ms: Array ``(n,)``: trials' latency on the target.
        metric: Array ``(n,)``: trials' metric.
        proxy_front: Boolean ``(n,)``: the proxy's Pareto-optimal trials.
        target_front: Boolean ``(n,)``: the target's Pareto-optimal trials.
        maximize: Whether the metric is maximised (places the legend off the front).
        path: Write the figure there, or ``None``.
        ax: Axes to draw into; default a new figure.
        metric_name: Label of the metric axis.

    Returns:
        The matplotlib ``Axes``.

    Raises:
        ValueError: The arrays' lengths differ.
    """
    from matplotlib.figure import Figure

    latency_ms = np.asarray(latency_ms, dtype=np.float64)
    metric = np.asarray(metric, dtype=np.float64)
    proxy_front = np.asarray(proxy_front, dtype=bool)
    target_front = np.asarray(target_front, dtype=bool)
    if not (len(latency_ms) == len(metric) == len(proxy_front) == len(target_front)):
        raise ValueError("latency_ms, metric, proxy_front and target_front must have one entry "
                         f"per trial; got lengths {len(latency_ms)}, {len(metric)}, "
                         f"{len(proxy_front)}, {len(target_front)}.")
    if ax is None:
        ax = Figure(figsize=(5.5, 4.0), layout="constrained").add_subplot()
    ax.scatter(latency_ms, metric, s=8, color="0.8", label="trials")
    if target_front.any():
        _staircase(ax, latency_ms[target_front], metric[target_front], color="C0",
                   linewidth=1.5, label=f"{target} front")
    ax.scatter(latency_ms[proxy_front], metric[proxy_front], s=28, facecolors="none",
               edgecolors="C3", linewidths=1.2, label="proxy front", zorder=3)
    ax.set_xlabel(f"latency on {target} (ms)")
    ax.set_ylabel(metric_name)
    ax.set_title(f"proxy front vs {target} front")
    # a maximised metric's front rises to the right: keep the legend out of its way
    ax.legend(loc="lower right" if maximize else "upper right", fontsize=8)
    if path is not None:
        ax.figure.savefig(os.fspath(path), dpi=150)
    return ax
