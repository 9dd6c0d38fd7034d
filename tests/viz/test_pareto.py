"""Tests of oneproxy_plugins.viz.pareto: the drawings of fronts given as arrays."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.viz.pareto import (FrontComparisonData, FrontData, plot_front_comparison,
                                         plot_fronts)

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
