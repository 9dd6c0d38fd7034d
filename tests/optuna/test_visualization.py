"""Tests of oneproxy_plugins.optuna.visualization: each target's front of one study, plotly
and matplotlib."""

from __future__ import annotations

import warnings

import numpy as np
import optuna
import pytest

from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.optuna import (OneProxyObjective, TableLatency, pareto_front_for,
                                     register_target)
from oneproxy_plugins.optuna.visualization import (front_comparison_data, plot_target_front,
                                                   plot_target_fronts, target_front_info,
                                                   target_fronts_data)
from oneproxy_plugins.spaces import get_space
from oneproxy_plugins.viz.pareto import FrontComparisonData, FrontData


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
    with warnings.catch_warnings():  # experimental in Optuna 5
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["accuracy", "latency"])
    study.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3") + 0.1 * a.count(
        "skip_connect"), TableLatency(table, "phone"),
        targets={"gpu": TableLatency(table, "gpu")}), n_trials=60)
    register_target(study, "same", TableLatency(table, "same"))
    return study


class TestTargetFrontsData:
    def test_one_panel_per_device_named_after_it(self, study):
        data = target_fronts_data(study)
        assert [d.device for d in data] == ["phone", "gpu", "same"]
        assert all(isinstance(d, FrontData) and d.maximize for d in data)
        for panel, target in zip(data, [None, "gpu", "same"]):
            front = {t.number for t in pareto_front_for(study, target)}
            numbers = [t.number for t in study.trials]
            assert {n for n, f in zip(numbers, panel.front) if f} == front

    def test_targets_subset_and_errors(self, study):
        assert [d.device for d in target_fronts_data(study, ["gpu"])] == ["phone", "gpu"]
        with pytest.raises(LookupError, match="Unknown target 'tpu'"):
            target_fronts_data(study, ["tpu"])
        with pytest.raises(ValueError, match=r"'metric_index' argument must be one of \[0\]"):
            target_fronts_data(study, metric_index=1)

    def test_info_knows_each_point(self, study):
        info = target_front_info(study, "gpu")
        assert info.metric_name == "accuracy"
        assert info.numbers.tolist() == [t.number for t in study.trials]
        assert info.archs == [t.user_attrs["oneproxy:arch"] for t in study.trials]


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


class TestPlotly:
    def test_target_front_like_optunas_pareto_front(self, study):
        pytest.importorskip("plotly")
        fig = plot_target_front(study, "gpu")
        assert fig.layout.title.text == "Pareto-front Plot on gpu"
        assert fig.layout.xaxis.title.text == "latency on gpu (ms)"
        assert fig.layout.yaxis.title.text == "accuracy"
        others, best = fig.data
        front = {t.number for t in pareto_front_for(study, "gpu")}
        assert set(best.marker.color) == front
        assert len(others.x) + len(best.x) == len(study.trials)
        assert all(text.startswith("Trial ") and "|" in text for text in best.text)

    def test_target_fronts_one_subplot_per_device(self, study):
        pytest.importorskip("plotly")
        fig = plot_target_fronts(study, ncols=2)
        assert [a.text for a in fig.layout.annotations] == ["phone", "gpu", "same"]
        assert len(fig.data) == 6


class TestMatplotlib:
    def test_twins(self, study, tmp_path):
        pytest.importorskip("matplotlib")
        from oneproxy_plugins.optuna.visualization import matplotlib as twin

        ax = twin.plot_target_front(study, "gpu")
        assert ax.get_title() == "gpu" and ax.get_ylabel() == "accuracy"
        fig = twin.plot_target_fronts(study, path=tmp_path / "f.png")
        assert [a.get_title() for a in fig.axes if a.get_visible()] == ["phone", "gpu", "same"]
        assert (tmp_path / "f.png").stat().st_size > 0
        ax = twin.plot_front_comparison(study, "gpu", path=tmp_path / "c.png")
        assert "gpu" in ax.get_xlabel() and (tmp_path / "c.png").stat().st_size > 0
