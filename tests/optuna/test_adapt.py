"""Tests of oneproxy_plugins.optuna.adapt: AdaProxy in the loop, without searching again."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.optuna import (OneProxyCallback, OneProxyObjective, TableLatency,
                                     adapt_target, choose_target_samples, pareto_front_for,
                                     proxy_table, recorded_latencies, refit_targets,
                                     target_predictor)


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


def _lookup(source):
    return lambda arch: float(source.predict([arch])[0])


class TestTargetsTogether:
    """adapt_target(companions=...) fits a target with the targets adapted before it
    (adapt_jointly), and refit_targets refits them all together from the samples stored on
    the study."""

    @pytest.fixture
    def blend(self, nb201_tables):
        return TableLatency(nb201_tables[0], "blend")

    def test_the_earlier_targets_join_the_fit(self, study, other, blend):
        first = adapt_target(study, "blend", _lookup(blend), k=6, seed=1)
        assert first.pool_.devices == ["proxy"]  # nothing adapted before it
        assert "companions" not in study.user_attrs["oneproxy:target:blend"]
        model = adapt_target(study, "other", _lookup(other), k=6, companions=True)
        assert model.pool_.devices == ["proxy", "~self", "~blend"]
        record = study.user_attrs["oneproxy:target:other"]
        blend_samples = study.user_attrs["oneproxy:target:blend"]["samples"]
        assert record["companions"] == {"blend": blend_samples}
        # what is recorded is the joint fit's latency, and it differs from the fit alone
        alone = AdaProxyPredictor(ProxyPool(proxy_table(study))).fit(
            list(record["samples"]), list(record["samples"].values()))
        recorded = recorded_latencies(study, "other")
        archs = {t.number: t.user_attrs["oneproxy:arch"] for t in study.trials}
        numbers = sorted(recorded)
        ids = [archs[n] for n in numbers]
        np.testing.assert_allclose([recorded[n] for n in numbers], model.predict(ids))
        assert not np.allclose(alone.predict(ids), model.predict(ids))

    def test_with_companions_each_target_measures_its_own_choice(self, study, other, blend):
        from oneproxy_plugins.sampling import target_seed

        adapt_target(study, "blend", _lookup(blend), k=6)  # alone: the seed as given
        adapt_target(study, "other", _lookup(other), k=6, companions=True)
        chosen = {name: list(study.user_attrs[f"oneproxy:target:{name}"]["samples"])
                  for name in ("blend", "other")}
        assert chosen["blend"] == choose_target_samples(study, 6, seed=0)
        assert chosen["other"] == choose_target_samples(study, 6, seed=target_seed(0, "other"))
        assert chosen["blend"] != chosen["other"]

    def test_alone_by_default_or_named(self, study, other, blend, nb201_tables):
        adapt_target(study, "blend", _lookup(blend), k=6, seed=1)
        adapt_target(study, "same", _lookup(TableLatency(nb201_tables[0], "same")), k=6, seed=2)
        alone = adapt_target(study, "other", _lookup(other), k=6)
        assert alone.pool_.devices == ["proxy"]
        assert "companions" not in study.user_attrs["oneproxy:target:other"]
        named = adapt_target(study, "other", _lookup(other), k=6, companions=["same"])
        assert named.pool_.devices == ["proxy", "~self", "~same"]
        assert list(study.user_attrs["oneproxy:target:other"]["companions"]) == ["same"]

    def test_bad_companions_fail_before_measuring(self, study, blend):
        adapt_target(study, "blend", _lookup(blend), k=6)
        measured = []

        def measure(arch):
            measured.append(arch)
            return 1.0

        with pytest.raises(UnknownNameError, match="Unknown adapted target 'gpu'; known: blend"):
            adapt_target(study, "other", measure, k=6, companions=["gpu"])
        with pytest.raises(TypeError, match="got the str 'blend' .wrap one name in a list"):
            adapt_target(study, "other", measure, k=6, companions="blend")
        with pytest.raises(TypeError, match="True, False or a list of target names; got 1"):
            adapt_target(study, "other", measure, k=6, companions=1)
        assert measured == []

    def test_refit_after_reload_and_refit_targets(self, nb201_tables, other, blend, tmp_path):
        url = f"sqlite:///{tmp_path / 's.db'}"
        stored = optuna.create_study(directions=["maximize", "minimize"], storage=url,
                                     study_name="together",
                                     sampler=optuna.samplers.RandomSampler(seed=0))
        stored.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3"),
                                          TableLatency(nb201_tables[0], "proxy")), n_trials=40)
        ids = [t.user_attrs["oneproxy:arch"] for t in stored.trials]
        first = adapt_target(stored, "blend", _lookup(blend), samples=ids[:6])
        second = adapt_target(stored, "other", _lookup(other), samples=ids[6:12],
                              companions=True)
        reloaded = optuna.load_study(study_name="together", storage=url)
        np.testing.assert_allclose(target_predictor(reloaded, "other").predict(ids),
                                   second.predict(ids))
        callback = OneProxyCallback({})
        fits = refit_targets(reloaded, callback=callback)
        assert list(fits) == ["blend", "other"] and set(callback.targets) == {"blend", "other"}
        # the first target gains the second as a companion; the second's fit is unchanged
        assert fits["blend"].pool_.devices == ["proxy", "~self", "~other"]
        assert not np.allclose(fits["blend"].predict(ids), first.predict(ids))
        np.testing.assert_allclose(fits["other"].predict(ids), second.predict(ids))
        recorded = recorded_latencies(reloaded, "blend")
        np.testing.assert_allclose([recorded[t.number] for t in reloaded.trials],
                                   fits["blend"].predict(ids))
        again = optuna.load_study(study_name="together", storage=url)
        np.testing.assert_allclose(target_predictor(again, "blend").predict(ids),
                                   fits["blend"].predict(ids))
        only = refit_targets(again, ["other"])
        assert list(only) == ["other"]
        with pytest.raises(UnknownNameError, match="Unknown adapted target 'gpu'"):
            refit_targets(again, ["gpu"])


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
