"""Tests of oneproxy_plugins.nni.tuner, driven through NNI's tuner interface."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nni")

import nni  # noqa: E402
from nni.__main__ import _create_algo  # noqa: E402
from nni.experiment.config import ExperimentConfig  # noqa: E402
from nni.tuner import Tuner  # noqa: E402

from oneproxy_plugins.nni.hub import UnsupportedSampleError  # noqa: E402
from oneproxy_plugins.nni.tuner import OneProxyTuner, load_proxy_predictor  # noqa: E402
from oneproxy_plugins.predictors import RidgePredictor, save_predictor  # noqa: E402
from oneproxy_plugins.spaces import get_space  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPACE = get_space("nasbench201")
SEARCH_SPACE = {name: {"_type": "choice", "_value": list(choices)}
                for name, choices in SPACE.params.items()}


def brute_force_front(rows):
    return {a for a, m, lat in rows
            if not any(m2 >= m and lat2 <= lat and (m2 > m or lat2 < lat) for _, m2, lat2 in rows)}


def drive(tuner: Tuner, score, n: int) -> list[dict]:
    """What NNI's dispatcher does: ask for parameters, run the trial, report its result."""
    out = []
    for parameter_id in range(n):
        params = tuner.generate_parameters(parameter_id)
        json.dumps(params)  # NNI sends them to the trial as JSON
        tuner.receive_trial_result(parameter_id, params, score(params))
        tuner.trial_end(parameter_id, True)
        out.append(params)
    return out


@pytest.fixture(scope="module")
def accuracy_of(nb201_tables):
    accuracy = nb201_tables[1]

    def score(params):
        return {"default": float(accuracy.column("cifar10")[accuracy.row_of(
            SPACE.to_id(SPACE.from_params(params)))]), "extra": 1.0}

    return score


@pytest.fixture(scope="module")
def small_proxy(synthetic_nb201):
    table, _ = synthetic_nb201
    return RidgePredictor(space="nasbench201", alpha="auto", log_target=True).fit(
        table.archs, table.column("gpu_a"))


class TestFromExperimentConfig:
    def test_example_config_builds_the_tuner_by_class_name(self, shared_data_dir, monkeypatch,
                                                           accuracy_of, proxy_predictor):
        """The example YAML, loaded and validated by NNI, then the tuner created the way NNI's
        dispatcher creates it, and driven for 40 trials."""
        monkeypatch.setenv("ONEPROXY_DATA", str(shared_data_dir))
        monkeypatch.chdir(EXAMPLES)
        config = ExperimentConfig.load(EXAMPLES / "nni_tuner_config.yml")
        canonical = config.json()
        tuner = _create_algo(canonical["tuner"], "tuner")
        assert isinstance(tuner, OneProxyTuner) and tuner.max_ms == 10.0
        search_space = json.loads(Path(canonical["searchSpaceFile"]).read_text())
        tuner.update_search_space(search_space)

        params = drive(tuner, accuracy_of, 40)
        ids = [SPACE.to_id(SPACE.from_params(p)) for p in params]
        assert len(set(ids)) == 40  # never the same configuration twice
        latency = proxy_predictor.predict(ids)
        assert (latency <= 10.0 + 1e-9).all()
        np.testing.assert_allclose([tuner.latency_ms(p) for p in params], latency)
        assert tuner.n_rejected_ > 0
        rows = [(r.arch_id, r.metric, r.latency_ms) for r in tuner.records]
        assert {p.arch_id for p in tuner.pareto_front()} == brute_force_front(rows)

    def test_trial_script_reports_the_table_value(self, shared_data_dir, monkeypatch,
                                                  accuracy_of):
        import runpy

        params = SPACE.to_params(SPACE.sample(0))
        monkeypatch.setenv("ONEPROXY_DATA", str(shared_data_dir))
        monkeypatch.setattr("sys.argv", ["nni_tuner_trial.py", "--params", json.dumps(params)])
        reported = []
        monkeypatch.setattr(nni, "report_final_result", reported.append)
        runpy.run_path(str(EXAMPLES / "nni_tuner_trial.py"), run_name="__main__")
        assert reported == [accuracy_of(params)["default"]]


class TestOneProxyTuner:
    def test_evolution_spreads_the_front_and_targets(self, synthetic_nb201, small_proxy):
        table, _ = synthetic_nb201
        budget = float(np.median(small_proxy.predict(table.archs)))
        target = RidgePredictor(space="nasbench201", alpha="auto", log_target=True).fit(
            table.archs, table.column("cpu_a"))
        tuner = OneProxyTuner("nasbench201", latency=small_proxy, max_ms=budget, seed=1,
                              n_startup=5, targets={"cpu_a": target})
        assert isinstance(tuner, Tuner)
        tuner.update_search_space(SEARCH_SPACE)

        def score(params):
            arch = SPACE.to_id(SPACE.from_params(params))
            return 50 + 6 * arch.count("conv") - 4 * arch.count("none")

        drive(tuner, score, 30)
        assert all(r.latency_ms <= budget and r.status == "trained" for r in tuner.records)
        fronts = tuner.target_fronts(max_ms={"cpu_a": 1e9})
        rows = [(r.arch_id, r.metric, float(target.predict([r.arch_id])[0]))
                for r in tuner.records]
        assert {p.arch_id for p in fronts["cpu_a"]} == brute_force_front(rows)

    def test_other_hyperparameters(self, small_proxy):
        space = {**SEARCH_SPACE,
                 "lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
                 "batch": {"_type": "choice", "_value": [32, 64]},
                 "layers": {"_type": "randint", "_value": [1, 4]},
                 "dropout": {"_type": "quniform", "_value": [0.0, 0.5, 0.1]},
                 "wd": {"_type": "normal", "_value": [0.0, 1.0]}}
        tuner = OneProxyTuner("nasbench201", latency=small_proxy, seed=0, n_startup=3)
        tuner.update_search_space(space)
        params = drive(tuner, lambda p: 1.0 / p["lr"], 12)
        for p in params:
            assert set(p) == set(space)
            assert 1e-4 <= p["lr"] <= 1e-1 and p["batch"] in (32, 64)
            assert p["layers"] in (1, 2, 3) and type(p["layers"]) is int
            assert 0.0 <= p["dropout"] <= 0.5 and isinstance(p["wd"], float)

    def test_minimize_failed_trials_and_import(self, small_proxy):
        tuner = OneProxyTuner("nasbench201", latency=small_proxy, optimize_mode="minimize",
                              seed=0)
        tuner.update_search_space(SEARCH_SPACE)
        tuner.generate_parameters(0)
        tuner.trial_end(0, False)
        assert tuner.records[0].status == "failed"
        archs = [SPACE.to_params(a) for a in SPACE.sample_many(3, rng=10)]
        tuner.import_data([{"parameter": archs[0], "value": 3.0},
                           nni.dump({"parameter": archs[1], "value": {"default": 1.0}})])
        tuner.receive_trial_result(99, archs[2], 2.0)  # a trial the tuner did not propose
        front = tuner.pareto_front()
        assert min(p.metric for p in front) == 1.0  # the lowest metric is on a minimised front
        metrics = [p.metric for p in front]  # fastest first: slower points must score lower
        assert metrics == sorted(metrics, reverse=True)
        assert [r.status for r in tuner.records] == ["failed"] + ["trained"] * 3

    def test_no_more_trials(self, small_proxy, caplog):
        tuner = OneProxyTuner("nasbench201", latency=small_proxy, max_ms=1e-6, max_tries=20)
        tuner.update_search_space(SEARCH_SPACE)
        with pytest.raises(nni.NoMoreTrialError, match="No new configuration within the 1e-06 "
                                                       "ms budget in 20 tries"):
            tuner.generate_parameters(0)
        assert tuner.n_rejected_ == 20
        assert "found no new configuration" in caplog.text
        # NNI's generate_multiple_parameters turns it into "no more trials"
        assert tuner.generate_multiple_parameters([1, 2]) == []

    def test_small_space_is_exhausted(self, small_proxy):
        tiny = {name: {"_type": "choice", "_value": ["none"]} for name in SPACE.params}
        tiny["edge_2_3"]["_value"] = ["none", "skip_connect"]
        tuner = OneProxyTuner("nasbench201", latency=small_proxy, max_tries=50, n_startup=1)
        tuner.update_search_space(tiny)
        assert len(drive(tuner, lambda p: 1.0, 2)) == 2
        with pytest.raises(nni.NoMoreTrialError):
            tuner.generate_parameters(2)

    def test_hub_labels(self, small_proxy):
        ops = ["none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3"]
        space = {f"cell/{e}": {"_type": "choice", "_value": ops}
                 for e in ("0_1", "0_2", "1_2", "0_3", "1_3", "2_3")}
        tuner = OneProxyTuner("nasbench201", latency=small_proxy, seed=0)
        tuner.update_search_space(space)
        params = tuner.generate_parameters(0)
        assert tuner.records[0].arch_id.count("~") == 6 and set(params) == set(space)

    def test_predictor_json_file(self, small_proxy, tmp_path):
        path = save_predictor(small_proxy, tmp_path / "proxy.json")
        tuner = OneProxyTuner("nasbench201", latency=str(path))
        assert tuner.latency.predict(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"]) == \
            pytest.approx(small_proxy.predict(["|none~0|+|none~0|none~1|+|none~0|none~1|"
                                               "none~2|"]))


class TestDeprecatedNames:
    def test_class_args_of_the_old_names(self, small_proxy):
        with pytest.warns(FutureWarning, match="'budget_ms' argument of OneProxyTuner\\(\\)"):
            tuner = OneProxyTuner("nasbench201", predictor=small_proxy, budget_ms=3.0)
        assert tuner.max_ms == 3.0 and tuner.latency is small_proxy
        with pytest.warns(FutureWarning, match="OneProxyTuner.budget_ms is deprecated"):
            assert tuner.budget_ms == 3.0


class TestErrors:
    @pytest.mark.parametrize("kwargs, match", [
        ({}, "Give the proxy latency as either 'latency'"),
        ({"latency": "x.json", "data_dir": "d"}, "Give the proxy latency as either"),
        ({"data_dir": "d"}, "The 'proxy' argument must name the proxy device's column"),
        ({"n_startup": 0}, r"'n_startup' argument must be an int >= 1; got 0"),
        ({"max_tries": 2.5}, r"'max_tries' argument must be an int >= 1; got 2\.5"),
        ({"seed": "1"}, r"'seed' argument must be an int or None; got '1'"),
        ({"optimize_mode": "best"}, r"one of \['maximize', 'minimize'\]"),
        ({"max_ms": -1}, r"'max_ms' argument must be a positive number"),
    ])
    def test_bad_arguments(self, small_proxy, kwargs, match):
        if not {"latency", "data_dir"} & set(kwargs) and kwargs:
            kwargs = {"latency": small_proxy, **kwargs}
        with pytest.raises(ValueError, match=match):
            OneProxyTuner("nasbench201", **kwargs)

    def test_unknown_proxy_device(self, shared_data_dir):
        with pytest.raises(LookupError, match="Unknown device 'phone'"):
            load_proxy_predictor("nasbench201", data_dir=shared_data_dir, proxy="phone")

    @pytest.mark.parametrize("change, error, match", [
        ({"edge_0_1": {"_type": "randint", "_value": [0, 3]}}, ValueError,
         r"Architecture parameter 'edge_0_1' must be a 'choice'; got 'randint'"),
        ({"edge_0_1": {"_type": "choice", "_value": ["none", "conv_9x9"]}}, ValueError,
         r"'edge_0_1': 'conv_9x9' is not allowed for space 'nasbench201'; allowed: \['none'"),
        ({"opt": {"_type": "choice", "_value": [{"_name": "sgd", "lr": {
            "_type": "uniform", "_value": [0, 1]}}]}}, ValueError,
         r"Nested choices are not supported by OneProxyTuner; found 'opt/0/lr'"),
    ])
    def test_bad_search_space(self, small_proxy, change, error, match):
        tuner = OneProxyTuner("nasbench201", latency=small_proxy)
        with pytest.raises(error, match=match):
            tuner.update_search_space({**SEARCH_SPACE, **change})

    def test_search_space_of_another_space(self, small_proxy):
        tuner = OneProxyTuner("nasbench201", latency=small_proxy)
        with pytest.raises(UnsupportedSampleError, match="of space 'nasbench201'"):
            tuner.update_search_space({"layer_00": {"_type": "choice", "_value": ["skip"]}})
        with pytest.raises(ValueError, match="must be a non-empty dict of parameters"):
            tuner.update_search_space({})

    def test_generate_before_search_space(self, small_proxy):
        with pytest.raises(RuntimeError, match=r"NNI calls update_search_space\(\) first"):
            OneProxyTuner("nasbench201", latency=small_proxy).generate_parameters(0)

    def test_non_finite_result(self, small_proxy):
        tuner = OneProxyTuner("nasbench201", latency=small_proxy, seed=0)
        tuner.update_search_space(SEARCH_SPACE)
        params = tuner.generate_parameters(0)
        with pytest.raises(ValueError, match=r"Trial 0 reported nan; the metric must be finite"):
            tuner.receive_trial_result(0, params, float("nan"))
