"""Tests of oneproxy_plugins.optuna.adapt: AdaProxy in the loop, without searching again."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.optuna import (OneProxyCallback, OneProxyObjective, TableLatency,
                                     adapt_target, choose_target_samples, pareto_front_for,
                                     proxy_table, recorded_latencies, target_predictor)


@pytest.fixture
def study(nb201_tables):
    latency, accuracy = nb201_tables
    acc = TableLatency(accuracy, "cifar10")
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(OneProxyObjective(lambda t, a: float(acc.predict([a])[0]),
                                     TableLatency(latency, "proxy")), n_trials=80)
    return study


@pytest.fixture
def other(nb201_tables):
    return TableLatency(nb201_tables[0], "other")


class TestProxyTable:
    def test_one_column_of_the_evaluated_architectures(self, study, nb201_tables):
        table = proxy_table(study)
        assert table.devices == ["proxy"] and table.space == "nasbench201"
        assert set(table.archs) == {t.user_attrs["oneproxy:arch"] for t in study.trials}
        np.testing.assert_allclose(table.column("proxy"),
                                   TableLatency(nb201_tables[0], "proxy").predict(table.archs))

    def test_too_few_trials(self, nb201_tables):
        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(OneProxyObjective(lambda t, a: 1.0, TableLatency(nb201_tables[0], "proxy")),
                       n_trials=1)
        with pytest.raises(ValueError, match="has 1 completed architecture.*at least 3"):
            proxy_table(study)


class TestChooseTargetSamples:
    def test_near_the_front_of_the_study(self, study):
        from oneproxy_plugins.fronts import nondominated_rank

        chosen = choose_target_samples(study, 10, seed=0)
        assert len(chosen) == len(set(chosen)) == 10
        trials = [t for t in study.trials if t.values is not None]
        archs = list(dict.fromkeys(t.user_attrs["oneproxy:arch"] for t in trials))
        assert set(chosen) <= set(archs)
        # every choice is in the best layers holding a quarter of the study's architectures
        value = {t.user_attrs["oneproxy:arch"]: t.values for t in trials}
        rank = nondominated_rank([value[a] for a in archs], ["maximize", "minimize"])
        cutoff = np.sort(rank)[max(int(np.ceil(0.25 * len(archs))), 10) - 1]
        kept = {a for a, r in zip(archs, rank) if r <= cutoff}
        assert set(chosen) <= kept and len(kept) < len(archs)

    def test_share_one_and_a_full_pool(self, study, nb201_tables):
        pool = ProxyPool(nb201_tables[0], ["proxy"])
        chosen = choose_target_samples(study, 6, pool=pool, share=1.0, seed=1)
        studied = {t.user_attrs["oneproxy:arch"] for t in study.trials}
        assert len(set(chosen)) == 6 and set(chosen) <= studied

    def test_errors(self, study):
        with pytest.raises(ValueError, match="'k' argument must be an int >= 3"):
            choose_target_samples(study, 2)
        with pytest.raises(ValueError, match=r"'share' argument must be a number in \(0, 1\]"):
            choose_target_samples(study, 5, share=2)
        with pytest.raises(ValueError, match=r"larger than the \d+ architectures available"):
            choose_target_samples(study, 500)
        with pytest.raises(TypeError, match="'pool' argument must be a ProxyPool"):
            choose_target_samples(study, 5, pool="proxy")


class TestAdaptTarget:
    def test_measures_k_fits_and_registers(self, study, other):
        measured = []

        def measure(arch):
            measured.append(arch)
            return float(other.predict([arch])[0])

        callback = OneProxyCallback({})
        model = adapt_target(study, "other", measure, k=10, callback=callback)
        assert isinstance(model, AdaProxyPredictor) and len(measured) == 10
        assert isinstance(measured[0], tuple)  # the space's architecture value
        recorded = recorded_latencies(study, "other")
        assert sorted(recorded) == [t.number for t in study.trials]
        record = study.user_attrs["oneproxy:target:other"]
        assert record["method"] == "adaproxy" and len(record["samples"]) == 10
        assert "other" in callback.targets
        # the adapted front is closer to the target's own than the proxy's front
        truth = {t.number for t in pareto_front_for(study, other)}

        def recall(front):
            return len(truth & {t.number for t in front}) / len(truth)

        assert recall(pareto_front_for(study, "other")) > recall(pareto_front_for(study))

    def test_given_samples_and_refit_after_reload(self, nb201_tables, other, tmp_path):
        url = f"sqlite:///{tmp_path / 's.db'}"
        stored = optuna.create_study(directions=["maximize", "minimize"], storage=url,
                                     study_name="copy")
        stored.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3"),
                                          TableLatency(nb201_tables[0], "proxy")), n_trials=12)
        ids = [t.user_attrs["oneproxy:arch"] for t in stored.trials[:6]]
        model = adapt_target(stored, "other", lambda a: float(other.predict([a])[0]),
                             samples=ids)
        reloaded = optuna.load_study(study_name="copy", storage=url)
        refit = target_predictor(reloaded, "other")
        np.testing.assert_allclose(refit.predict(ids), model.predict(ids))
        with pytest.raises(UnknownNameError, match="Unknown adapted target 'gpu'; known: other"):
            target_predictor(reloaded, "gpu")

    def test_bad_measurement(self, study):
        with pytest.raises(ValueError, match="returned: -2.0 ms; latencies must be positive"):
            adapt_target(study, "other", lambda arch: -2.0, k=4)
        with pytest.raises(ValueError, match="returned: 'slow' ms"):
            adapt_target(study, "other", lambda arch: "slow", k=4)


@pytest.mark.needs("torch")
def test_adapt_target_measures_on_a_device(study, tmp_path):
    out = tmp_path / "target.csv"
    options = {"out": out, "build_cfg": {"C": 4, "N": 1}, "n_rounds": 2, "progress": False}
    model = adapt_target(study, "host", "cpu-torch-t1-b1", k=5, measure_options=options)
    record = study.user_attrs["oneproxy:target:host"]
    assert len(record["samples"]) == 5 and all(v > 0 for v in record["samples"].values())
    assert out.exists() and len(out.read_text().splitlines()) == 6  # header + 5, resumable
    assert np.all(model.predict(list(record["samples"])) > 0)
    with pytest.raises(ValueError, match="measure_options go with a device"):
        adapt_target(study, "x", lambda a: 1.0, k=4, measure_options={"n_rounds": 2})
