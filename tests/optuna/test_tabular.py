"""Tests of oneproxy_plugins.optuna.tabular: tabular searches and fronts read by storage URL."""

from __future__ import annotations

import optuna
import pytest
from optuna.storages import JournalStorage

from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownNameError
from oneproxy_plugins.optuna import (TableLatency, TabularAccuracy, open_storage,
                                     pareto_front_for, run_tabular_search, target_fronts)
from oneproxy_plugins.optuna.tabular import make_sampler


class TestOpenStorage:
    def test_forms(self, tmp_path):
        assert open_storage(None) is None
        url = f"sqlite:///{tmp_path / 'a.db'}"
        storage = open_storage(url)
        assert isinstance(storage, optuna.storages.RDBStorage) and storage.url == url
        assert isinstance(open_storage(tmp_path / "study.log"), JournalStorage)
        assert isinstance(open_storage(f"journal:{tmp_path / 'x.txt'}"), JournalStorage)
        storage = optuna.storages.InMemoryStorage()
        assert open_storage(storage) is storage

    @pytest.mark.parametrize("storage, message", [
        ("nope://x", r"Storage 'nope://x' cannot be opened \(.*\); expected a database URL"),
        ("mysql://u@127.0.0.1:1/db", "cannot be opened"),
        ("", "is not a database URL"),
        ("journal:", "names no journal file"),
    ])
    def test_bad_storages(self, storage, message):
        with pytest.raises(ValueError, match=message):
            open_storage(storage)


class TestTabularAccuracy:
    def test_lookup_and_errors(self, nb201_tables, space):
        acc = TabularAccuracy(nb201_tables[1], "cifar10")
        arch = ("nor_conv_3x3",) * 6
        assert acc(None, arch) == pytest.approx(
            TableLatency(nb201_tables[1], "cifar10").predict([arch])[0])
        with pytest.raises(UnknownNameError, match="Unknown dataset 'svhn'; known: cifar10, "
                                                   "cifar100"):
            TabularAccuracy(nb201_tables[1], "svhn")


def test_make_sampler():
    assert isinstance(make_sampler("nsga2", 0), optuna.samplers.NSGAIISampler)
    with pytest.raises(UnknownNameError, match="Unknown sampler 'cmaes'"):
        make_sampler("cmaes")


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

        fronts = target_fronts(url, "nb")
        assert sorted(fronts) == ["other", "proxy"]
        proxy_front = [t.number for t in pareto_front_for(study)]
        assert [row["number"] for row in fronts["proxy"]] == proxy_front
        row = fronts["other"][0]
        assert set(row) == {"number", "arch", "values", "latency_ms"}
        assert row["latency_ms"] == pytest.approx(
            TableLatency(nb201_tables[0], "other").predict([row["arch"]])[0])
        latencies = [r["latency_ms"] for r in fronts["other"]]
        assert latencies == sorted(latencies)
        assert target_fronts(url, "nb", targets=["other"], max_ms=2.5).keys() == {"other"}

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
