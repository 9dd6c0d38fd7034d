"""Tests of oneproxy_plugins.optuna.tabular: tabular searches and fronts read by storage URL."""

from __future__ import annotations

import pytest

from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownNameError
from oneproxy_plugins.optuna import (TableLatency, TabularAccuracy, load_target_fronts,
                                     pareto_front_for, run_tabular_search, target_fronts)


class TestTabularAccuracy:
    def test_lookup_and_errors(self, nb201_tables, space):
        acc = TabularAccuracy(nb201_tables[1], "cifar10")
        arch = ("nor_conv_3x3",) * 6
        assert acc(None, arch) == pytest.approx(
            TableLatency(nb201_tables[1], "cifar10").predict([arch])[0])
        with pytest.raises(UnknownNameError, match="Unknown dataset 'svhn'; known: cifar10, "
                                                   "cifar100"):
            TabularAccuracy(nb201_tables[1], "svhn")


class TestRunTabularSearch:
    def test_search_with_targets_and_budget(self, data_dir, nb201_tables, tmp_path):
        url = f"sqlite:///{tmp_path / 'study.db'}"
        study = run_tabular_search("nasbench201", [data_dir], accuracy="cifar10", proxy="proxy",
                                   n_trials=12, storage=url, study_name="nb", sampler="random",
                                   max_ms=5.0, targets=["other"])
        assert len(study.trials) == 12
        assert all(t.values[1] <= 5.0 for t in study.trials)
        # continues the stored study
        study = run_tabular_search("nasbench201", [data_dir], accuracy="cifar10", proxy="proxy",
                                   n_trials=3, storage=url, study_name="nb",
                                   table=nb201_tables[0], accuracy_table=nb201_tables[1])
        assert len(study.trials) == 15

        fronts = load_target_fronts(url, "nb")
        assert sorted(fronts) == ["other", "proxy"]
        proxy_front = [t.number for t in pareto_front_for(study)]
        assert [row["number"] for row in fronts["proxy"]] == proxy_front
        row = fronts["other"][0]
        assert set(row) == {"number", "arch", "values", "latency_ms"}
        assert row["latency_ms"] == pytest.approx(  # the data directory's CSV: 6 digits
            TableLatency(nb201_tables[0], "other").predict([row["arch"]])[0], rel=1e-5)
        latencies = [r["latency_ms"] for r in fronts["other"]]
        assert latencies == sorted(latencies)
        assert load_target_fronts(url, "nb", targets=["other"], max_ms=2.5).keys() == {"other"}
        with pytest.warns(FutureWarning, match=r"optuna.target_fronts\(\) is deprecated .* use "
                                               r"oneproxy_plugins.optuna.load_target_fronts"):
            assert target_fronts(url, "nb") == fronts

    def test_defaults_are_optunas(self, data_dir, nb201_tables):
        """TPE, unseeded, as optuna.create_study and run_search: the same defaults everywhere."""
        study = run_tabular_search("nasbench201", [data_dir], accuracy="cifar10", proxy="proxy",
                                   n_trials=2, table=nb201_tables[0],
                                   accuracy_table=nb201_tables[1])
        import optuna

        assert isinstance(study.sampler, optuna.samplers.TPESampler)

    def test_errors(self, data_dir, nb201_tables):
        kwargs = dict(accuracy="cifar10", table=nb201_tables[0], accuracy_table=nb201_tables[1])
        with pytest.raises(UnknownDeviceError, match="Unknown device 'gpu'"):
            run_tabular_search("nasbench201", [data_dir], proxy="gpu", n_trials=1, **kwargs)
        with pytest.raises(ValueError, match="'n_trials' argument must be an int >= 1; got 0"):
            run_tabular_search("nasbench201", [data_dir], proxy="proxy", n_trials=0, **kwargs)
        with pytest.raises(UnknownNameError, match="Unknown target 'gpu'"):
            study = run_tabular_search("nasbench201", [data_dir], proxy="proxy", n_trials=2,
                                       storage=None, **kwargs)
            from oneproxy_plugins.optuna import target_values

            target_values(study, "gpu")
