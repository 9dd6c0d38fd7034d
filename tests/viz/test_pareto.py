"""Tests of oneproxy_plugins.viz.pareto: the fronts' data, and smoke tests of the plots."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.optuna import (OneProxyObjective, TableLatency, pareto_front_for,
                                     register_target)
from oneproxy_plugins.spaces import get_space
from oneproxy_plugins.viz.pareto import (FrontComparisonData, FrontData, front_comparison_data,
                                         plot_front_comparison, plot_target_fronts,
                                         target_fronts_data)

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def study():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = get_space("nasbench201")
    ids = [space.to_id(a) for a in space.enumerate()]
    counts = space.encode_many(ids)[:, 30:]
    table = LatencyTable(ids, ["phone", "gpu", "same"],
                         np.c_[1 + counts @ [0, 0.1, 0.6, 1.5, 0.3],
                               2 + counts @ [0, 0.4, 1.2, 0.5, 0.1],
                               3 * (1 + counts @ [0, 0.1, 0.6, 1.5, 0.3])],
                         space="nasbench201")
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3") + 0.1 * a.count(
        "skip_connect"), TableLatency(table, "phone")), n_trials=60)
    register_target(study, "gpu", TableLatency(table, "gpu"))
    register_target(study, "same", TableLatency(table, "same"))
    return study


class TestTargetFrontsData:
    def test_one_panel_per_device(self, study):
        data = target_fronts_data(study)
        assert [d.device for d in data] == ["proxy", "gpu", "same"]
        assert all(isinstance(d, FrontData) and d.maximize for d in data)
        for panel, target in zip(data, [None, "gpu", "same"]):
            front = {t.number for t in pareto_front_for(study, target)}
            numbers = [t.number for t in study.trials]
            assert {n for n, f in zip(numbers, panel.front) if f} == front

    def test_targets_subset_and_errors(self, study):
        assert [d.device for d in target_fronts_data(study, ["gpu"])] == ["proxy", "gpu"]
        with pytest.raises(LookupError, match="Unknown target 'tpu'"):
            target_fronts_data(study, ["tpu"])
        with pytest.raises(ValueError, match=r"'metric_index' argument must be one of \[0\]"):
            target_fronts_data(study, metric_index=1)


class TestFrontComparisonData:
    def test_same_ranking_fronts_coincide(self, study):
        data = front_comparison_data(study, "same")
        assert isinstance(data, FrontComparisonData)
        np.testing.assert_array_equal(data.proxy_front, data.target_front)

    def test_other_device(self, study):
        data = front_comparison_data(study, "gpu")
        assert data.target == "gpu" and data.target_front.any() and data.proxy_front.any()
        assert {t.number for t in pareto_front_for(study, "gpu")} == {
            t.number for t, f in zip(study.trials, data.target_front) if f}
        assert {t.number for t in pareto_front_for(study)} == {
            t.number for t, f in zip(study.trials, data.proxy_front) if f}


def test_plots_write_pngs(study, tmp_path):
    fig = plot_target_fronts(target_fronts_data(study), tmp_path / "fronts.png", ncols=2)
    assert (tmp_path / "fronts.png").stat().st_size > 0
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3
    ax = plot_front_comparison(*front_comparison_data(study, "gpu"), path=tmp_path / "cmp.png")
    assert (tmp_path / "cmp.png").stat().st_size > 0 and "gpu" in ax.get_xlabel()


def test_plot_errors():
    with pytest.raises(ValueError, match="one entry per trial"):
        plot_front_comparison("gpu", [1.0, 2.0], [1.0], [True], [True])
    with pytest.raises(ValueError, match="'data' argument is empty"):
        plot_target_fronts([])
