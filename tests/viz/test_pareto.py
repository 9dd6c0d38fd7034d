"""Tests of oneproxy_plugins.viz.pareto: the drawings of fronts given as arrays."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.viz.pareto import (FrontComparisonData, FrontData, axis_view,
                                         plot_front_comparison, plot_fronts)

pytest.importorskip("matplotlib")


def _panel(device, seed):
    rng = np.random.default_rng(seed)
    latency, metric = rng.uniform(1, 10, 30), rng.uniform(0.5, 0.9, 30)
    return FrontData(device, latency, metric,
                     pareto_mask(np.c_[metric, latency], ["maximize", "minimize"]), True)


def test_plot_fronts_draws_one_titled_panel_per_device(tmp_path):
    fig = plot_fronts([_panel("phone", 0), _panel("gpu", 1), _panel("cpu", 2)],
                      tmp_path / "fronts.png", ncols=2, metric_name="accuracy")
    assert (tmp_path / "fronts.png").stat().st_size > 0
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["phone", "gpu", "cpu"]
    assert visible[1].get_xlabel() == "latency on gpu (ms)"
    assert visible[0].get_ylabel() == "accuracy"


def test_every_panel_has_a_legend(tmp_path):
    fig = plot_fronts([_panel("phone", 0), _panel("gpu", 1)], ncols=2)
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["trials", "Pareto front"]


class TestAxisView:
    def test_a_far_outlier_is_left_out_and_counted(self):
        values = np.r_[np.linspace(0.90, 0.97, 29), 0.10]
        view = axis_view(values)
        assert view.below.tolist() == [False] * 29 + [True] and not view.above.any()
        assert 0.89 < view.low < 0.90 and 0.97 < view.high < 0.98  # 5% margins

    def test_kept_points_are_always_shown(self):
        values = np.r_[np.linspace(0.90, 0.97, 29), 0.10]
        keep = np.zeros(30, bool)
        keep[-1] = True
        view = axis_view(values, keep)
        assert view.low < 0.10 and not view.below.any()

    @pytest.mark.parametrize("values", [[1.0, 50.0, 2.0], [3.0] * 10, np.r_[np.ones(9), 5.0]])
    def test_too_few_points_or_no_spread_hide_nothing(self, values):
        view = axis_view(values)
        assert not view.below.any() and view.low <= min(values)
        assert not view.above.any() and view.high >= max(values)

    def test_high_outliers_and_nan(self):
        values = np.r_[np.linspace(1, 2, 20), 40.0, np.nan]
        view = axis_view(values)
        assert view.above.tolist() == [False] * 20 + [True, False] and view.high < 3


def test_outliers_are_drawn_on_the_edge_and_named_in_the_legend():
    rng = np.random.default_rng(0)
    latency, metric = rng.uniform(4, 9, 30), rng.uniform(0.8, 0.97, 30)
    latency[3], metric[5], metric[7] = 40.0, 0.10, 0.12
    front = pareto_mask(np.c_[metric, latency], ["maximize", "minimize"])
    ax = plot_fronts([FrontData("cpu", latency, metric, front, True)]).axes[0]
    low, high = ax.get_ylim()
    assert low > 0.7 and high < 1.0  # the two diverged trials do not squeeze the others
    assert ax.get_xlim()[1] < 12
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "1 trial right of the axis (at 40)" in labels
    assert "2 trials below the axis (lowest 0.1)" in labels


def test_plot_front_comparison(tmp_path):
    panel = _panel("gpu", 3)
    data = FrontComparisonData("gpu", panel.latency_ms, panel.metric, panel.front[::-1],
                               panel.front, True)
    ax = plot_front_comparison(*data, path=tmp_path / "cmp.png")
    assert (tmp_path / "cmp.png").stat().st_size > 0 and "gpu" in ax.get_xlabel()


def test_plot_errors():
    with pytest.raises(ValueError, match="one entry per trial"):
        plot_front_comparison("gpu", [1.0, 2.0], [1.0], [True], [True])
    with pytest.raises(ValueError, match="'data' argument is empty"):
        plot_fronts([])
    with pytest.raises(ValueError, match="'ncols' argument must be an int >= 1"):
        plot_fronts([_panel("a", 0)], ncols=0)


def test_study_functions_moved_to_the_optuna_adapter():
    import oneproxy_plugins.viz.pareto as pareto
    from oneproxy_plugins.optuna.visualization import target_fronts_data

    with pytest.warns(FutureWarning, match="viz.pareto.target_fronts_data is deprecated .* use "
                                           "oneproxy_plugins.optuna.visualization"):
        assert pareto.target_fronts_data is target_fronts_data
    with pytest.warns(FutureWarning, match="use oneproxy_plugins.viz.pareto.plot_fronts"):
        assert pareto.plot_target_fronts is plot_fronts
    with pytest.raises(AttributeError):
        pareto.nothing_here  # noqa: B018
