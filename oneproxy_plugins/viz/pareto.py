"""Pareto-front drawings on arrays: each device's front, and the proxy's front vs a target's.

Host-neutral: the drawing functions take the arrays of :class:`FrontData` and
:class:`FrontComparisonData`, whoever computed them. The data functions that read them from an
Optuna study, and the study-level plots shaped like ``optuna.visualization.plot_pareto_front``,
are in :mod:`oneproxy_plugins.optuna.visualization`.

- :func:`plot_fronts`: one panel per device: every trial at its latency on that device, its
  Pareto front drawn as a staircase.
- :func:`plot_front_comparison`: on one target's latency axis, the target's front and the
  proxy's front (the trials the proxy search would pick) overlaid: where the proxy's ranking
  carries over, the two coincide.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.fronts import pareto_mask
    >>> latency, metric = np.array([1.0, 2.0, 3.0]), np.array([0.7, 0.9, 0.8])
    >>> front = pareto_mask(np.c_[metric, latency], ["maximize", "minimize"])
    >>> fig = plot_fronts([FrontData("phone", latency, metric, front, True)])
    >>> fig.axes[0].get_title()
    'phone'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._imports import optional_import

if TYPE_CHECKING:
    import matplotlib.axes
    import matplotlib.figure

__all__ = ["FrontData", "plot_fronts", "FrontComparisonData", "plot_front_comparison"]


class FrontData(NamedTuple):
    """One device's panel: every trial at its latency there, and its Pareto front."""

    device: str
    """The device's name (the proxy's or a target's)."""
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


def _staircase(ax: Any, latency: np.ndarray, metric: np.ndarray, **style: Any) -> None:
    order = np.argsort(latency, kind="stable")
    x, y = latency[order], metric[order]
    ax.step(x, y, where="post", **style)


def plot_fronts(data: Sequence[FrontData], path: str | os.PathLike | None = None, *,
                ncols: int = 3, metric_name: str = "metric") -> matplotlib.figure.Figure:
    """Draw each device's trials and Pareto front, one panel per device.

    Args:
        data: One :class:`FrontData` per panel (e.g. from
            :func:`oneproxy_plugins.optuna.visualization.target_fronts_data`).
        path: Write the figure there (e.g. ``fronts.png``), or ``None``.
        ncols: Panels per row.
        metric_name: Label of the metric axis.

    Returns:
        The matplotlib ``Figure`` (no pyplot state).
    """
    Figure = optional_import("matplotlib.figure").Figure

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
    Figure = optional_import("matplotlib.figure").Figure

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


_MOVED = {"target_fronts_data": "oneproxy_plugins.optuna.visualization.target_fronts_data",
          "front_comparison_data": "oneproxy_plugins.optuna.visualization.front_comparison_data",
          "plot_target_fronts": "oneproxy_plugins.viz.pareto.plot_fronts"}


def __getattr__(name: str) -> Any:
    """The study-reading functions that lived here before they moved to the Optuna adapter."""
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    from oneproxy_plugins._deprecation import warn_renamed_name

    new = _MOVED[name]
    warn_renamed_name(f"{__name__}.{name}", new)
    module, _, attr = new.rpartition(".")
    return getattr(importlib.import_module(module), attr)
