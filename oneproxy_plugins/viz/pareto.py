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

Both zoom on the range where the trials and the front are (:func:`axis_view`): a trial far
outside it (a training run that diverged to 10% accuracy, a network ten times slower than the
rest) is drawn on the axis edge as an arrowhead pointing its way, and counted in a note with
its value, never hidden and never allowed to squeeze every other point into a corner.

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

__all__ = ["FrontData", "plot_fronts", "FrontComparisonData", "plot_front_comparison",
           "AxisView", "axis_view"]


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


class AxisView(NamedTuple):
    """The range an axis shows, and the points outside it."""

    low: float
    """Lower limit of the axis."""
    high: float
    """Upper limit of the axis."""
    below: np.ndarray
    """Boolean ``(n,)``: points under ``low`` (drawn on the lower edge)."""
    above: np.ndarray
    """Boolean ``(n,)``: points over ``high`` (drawn on the upper edge)."""


def axis_view(values: Any, keep: Any = None, *, fence: float = 3.0, pad: float = 0.05
              ) -> AxisView:
    """The range of one axis that shows the bulk of the points, and which points are outliers.

    A point is an outlier when it lies more than ``fence`` interquartile ranges beyond the
    quartiles (Tukey's fences, wide by default) and is not in ``keep``; the range spans every
    other point, padded by ``pad`` of its width. With fewer than 8 points, or no spread, nothing
    is an outlier.

    Args:
        values: Array ``(n,)``: the coordinates on this axis.
        keep: Boolean ``(n,)`` of points the range must show (e.g. the Pareto front).
        fence: Width of the fences, in interquartile ranges.
        pad: Margin on each side, as a share of the shown range.

    Returns:
        An :class:`AxisView`.

    Example:
        >>> view = axis_view([0.9, 0.91, 0.93, 0.94, 0.95, 0.95, 0.96, 0.97, 0.1])
        >>> round(view.low, 3), view.below.tolist()[-1]
        (0.897, True)
    """
    values = np.asarray(values, dtype=np.float64)
    keep = np.zeros(len(values), bool) if keep is None else np.asarray(keep, dtype=bool)
    finite = np.isfinite(values)
    inside = finite.copy()
    if finite.sum() >= 8:
        q1, q3 = np.percentile(values[finite], [25, 75])
        spread = q3 - q1
        if spread > 0:
            inside &= ((values >= q1 - fence * spread) & (values <= q3 + fence * spread)) | keep
    shown = values[inside] if inside.any() else np.array([0.0, 1.0])
    low, high = float(shown.min()), float(shown.max())
    margin = (high - low) * pad or max(abs(high) * pad, 1e-9)
    return AxisView(low - margin, high + margin, finite & ~inside & (values < low),
                    finite & ~inside & (values > high))


def _scatter_in_view(ax: Any, x: np.ndarray, y: np.ndarray, xview: AxisView, yview: AxisView,
                     **style: Any) -> None:
    """Scatter the points inside both views; put each outlier on the edge it lies beyond, as an
    arrowhead pointing that way, labelled (for the legend) with how many and how far."""
    inside = ~(xview.below | xview.above | yview.below | yview.above)
    ax.scatter(x[inside], y[inside], **style)
    for view, values, axis in ((xview, x, 0), (yview, y, 1)):
        for mask, edge, marker, word in ((view.below, view.low, "<v"[axis], "below"),
                                         (view.above, view.high, ">^"[axis], "above")):
            if not mask.any():
                continue
            along = y[mask] if axis == 0 else x[mask]
            across = yview if axis == 0 else xview
            along = np.clip(along, across.low, across.high)
            edge_at = np.full(len(along), edge)
            px, py = (edge_at, along) if axis == 0 else (along, edge_at)
            extreme = values[mask].min() if word == "below" else values[mask].max()
            side = ("left of" if word == "below" else "right of") if axis == 0 else word
            n = int(mask.sum())
            where = (f"at {extreme:.3g}" if n == 1 else
                     f"{'lowest' if word == 'below' else 'highest'} {extreme:.3g}")
            ax.scatter(px, py, marker=marker, s=30, color=style.get("color", "0.5"),
                       clip_on=False, zorder=4,
                       label=f"{n} trial{'s' if n > 1 else ''} {side} the axis ({where})")
    ax.set_xlim(xview.low, xview.high)
    ax.set_ylim(yview.low, yview.high)


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
        front = np.asarray(panel.front, dtype=bool)
        latency = np.asarray(panel.latency_ms, dtype=np.float64)
        metric = np.asarray(panel.metric, dtype=np.float64)
        _scatter_in_view(ax, latency, metric, axis_view(latency, front),
                         axis_view(metric, front), s=8, color="0.7", label="trials")
        ax.scatter(latency[front], metric[front], s=16, color="C3", label="Pareto front",
                   zorder=3)
        if front.any():
            _staircase(ax, latency[front], metric[front], color="C3", linewidth=1)
        ax.set_title(panel.device)
        ax.set_xlabel(f"latency on {panel.device} (ms)")
        ax.set_ylabel(metric_name)
        # every panel has its own series (its outliers too), so every panel says what they are
        ax.legend(loc="best", fontsize=7)
    for ax in axes[len(data):]:
        ax.set_visible(False)
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
        maximize: Whether the metric is maximised (kept for the data tuple; the legend goes
            where matplotlib finds room).
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
    fronts = proxy_front | target_front
    _scatter_in_view(ax, latency_ms, metric, axis_view(latency_ms, fronts),
                     axis_view(metric, fronts), s=8, color="0.7", label="trials")
    if target_front.any():
        _staircase(ax, latency_ms[target_front], metric[target_front], color="C0",
                   linewidth=1.5, label=f"{target} front")
    ax.scatter(latency_ms[proxy_front], metric[proxy_front], s=28, facecolors="none",
               edgecolors="C3", linewidths=1.2, label="proxy front", zorder=3)
    ax.set_xlabel(f"latency on {target} (ms)")
    ax.set_ylabel(metric_name)
    ax.set_title(f"proxy front vs {target} front")
    ax.legend(loc="best", fontsize=7)
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
