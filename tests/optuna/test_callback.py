"""Tests of oneproxy_plugins.optuna.callback: targets recorded per trial and after the search."""

from __future__ import annotations

import optuna
import pytest

from oneproxy_plugins.optuna import (OneProxyCallback, OneProxyObjective, TableLatency,
                                     list_targets, pareto_front_for, recorded_latencies,
                                     register_target)


@pytest.fixture
def sources(nb201_tables):
    latency, accuracy = nb201_tables
    return {name: TableLatency(latency, name) for name in latency.devices}, \
        TableLatency(accuracy, "cifar10")


def _objective(sources):
    latency, accuracy = sources
    return OneProxyObjective(lambda t, arch: float(accuracy.predict([arch])[0]), latency["proxy"])


class TestOneProxyCallback:
    def test_records_every_target_after_each_trial(self, sources):
        latency, _ = sources
        callback = OneProxyCallback({"other": latency["other"], "blend": latency["blend"]})
        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(_objective(sources), n_trials=12, callbacks=[callback])
        assert list_targets(study) == ["blend", "other"]
        for name in ("other", "blend"):
            recorded = recorded_latencies(study, name)
            assert sorted(recorded) == list(range(12))
            for trial in study.trials:
                assert recorded[trial.number] == pytest.approx(
                    latency[name].predict([trial.user_attrs["oneproxy:arch"]])[0])

    def test_skips_failed_and_pruned_trials(self, sources):
        latency, _ = sources

        def func(trial, arch):
            if trial.number % 2:
                raise optuna.TrialPruned()
            return 1.0

        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(OneProxyObjective(func, latency["proxy"]), n_trials=4,
                       callbacks=[OneProxyCallback({"other": latency["other"]})])
        assert sorted(recorded_latencies(study, "other")) == [0, 2]

    def test_add_target_midway_and_register_the_past(self, sources):
        latency, _ = sources
        callback = OneProxyCallback({})
        study = optuna.create_study(directions=["maximize", "minimize"])
        study.optimize(_objective(sources), n_trials=5, callbacks=[callback])
        callback.add_target("other", latency["other"])
        study.optimize(_objective(sources), n_trials=5, callbacks=[callback])
        assert sorted(recorded_latencies(study, "other")) == [5, 6, 7, 8, 9]
        registered = register_target(study, "other", latency["other"])
        assert sorted(registered) == list(range(10))
        assert sorted(recorded_latencies(study, "other")) == list(range(10))
        # the callback does not overwrite the registration's record afterwards
        study.optimize(_objective(sources), n_trials=1, callbacks=[callback])
        assert sorted(recorded_latencies(study, "other")) == list(range(11))

    def test_reloaded_from_sqlite(self, sources, tmp_path):
        latency, _ = sources
        url = f"sqlite:///{tmp_path / 'study.db'}"
        study = optuna.create_study(directions=["maximize", "minimize"], storage=url,
                                    study_name="s", sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(_objective(sources), n_trials=15,
                       callbacks=[OneProxyCallback({"other": latency["other"]})])
        expected = [t.number for t in pareto_front_for(study, "other")]
        del study
        reloaded = optuna.load_study(study_name="s", storage=url)
        assert [t.number for t in pareto_front_for(reloaded, "other")] == expected
        assert expected

    def test_one_callback_for_same_named_studies_in_two_storages(self, sources, tmp_path):
        latency, _ = sources
        callback = OneProxyCallback({"other": latency["other"]})
        for storage in (f"sqlite:///{tmp_path / 'a.db'}", None):
            study = optuna.create_study(directions=["maximize", "minimize"], storage=storage,
                                        study_name="same")
            study.optimize(_objective(sources), n_trials=2, callbacks=[callback])
            assert list_targets(study) == ["other"]

    def test_pickles(self, sources):
        import pickle

        latency, _ = sources
        clone = pickle.loads(pickle.dumps(OneProxyCallback({"other": latency["other"]})))
        assert list(clone.targets) == ["other"]


class TestErrors:
    def test_bad_targets(self, sources, ridge):
        from oneproxy_plugins.predictors import RidgePredictor

        with pytest.raises(TypeError, match="'targets' argument must be a mapping"):
            OneProxyCallback([ridge])
        with pytest.raises(ValueError, match="non-empty str without ':'"):
            OneProxyCallback({"a:b": ridge})
        with pytest.raises(ValueError, match="predictor of target 'f' predicts latencies of "
                                             "space 'fbnet'"):
            OneProxyCallback({"n": ridge, "f": RidgePredictor(space="fbnet")})

    def test_target_of_another_space_than_the_study(self, sources):
        from oneproxy_plugins.latency import LatencyTable
        from oneproxy_plugins.spaces import get_space

        fbnet = get_space("fbnet")
        ids = [fbnet.to_id(a) for a in fbnet.sample_many(3, rng=0)]
        other = TableLatency(LatencyTable(ids, ["x"], [1.0, 2.0, 3.0], space="fbnet"), "x")
        study = optuna.create_study(directions=["maximize", "minimize"])
        with pytest.raises(ValueError, match="predicts 'fbnet' architectures but study .* "
                                             "searches 'nasbench201'"):
            study.optimize(_objective(sources), n_trials=1,
                           callbacks=[OneProxyCallback({"x": other})])
        with pytest.raises(ValueError, match="searches 'nasbench201'; use a 'nasbench201'"):
            register_target(study, "x", other)

    def test_study_without_the_plugin(self, sources, space, ridge):
        latency, _ = sources
        study = optuna.create_study()  # the user's own objective, suggesting the space
        study.optimize(lambda t: float(len(set(space.suggest(t)))), n_trials=3)
        recorded = register_target(study, "other", latency["other"])
        assert sorted(recorded) == [0, 1, 2]

        class NoSpace:
            space = None

            def predict(self, X):
                return [1.0] * len(X)

        with pytest.raises(ValueError, match="'predictor' argument has no 'space'"):
            register_target(study, "x", NoSpace())
