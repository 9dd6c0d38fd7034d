"""Tests of oneproxy_plugins.nni.strategy: real NAS experiments with the sequential engine."""

from __future__ import annotations

import logging

import numpy as np
import pytest

pytest.importorskip("nni")

from nni.nas.hub.pytorch import NasBench201  # noqa: E402
from nni.nas.strategy import Random, RegularizedEvolution  # noqa: E402
from nni.nas.strategy.middleware import Chain  # noqa: E402

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool  # noqa: E402
from oneproxy_plugins.latency import LatencyTable  # noqa: E402
from oneproxy_plugins.nni.benchmark import TabularEvaluator  # noqa: E402
from oneproxy_plugins.nni.profiler import OneProxyProfiler  # noqa: E402
from oneproxy_plugins.nni.strategy import LatencyFilter, OneProxyStrategy  # noqa: E402
from oneproxy_plugins.predictors import RidgePredictor  # noqa: E402
from oneproxy_plugins.spaces import get_space  # noqa: E402


def brute_force_front(rows: list[tuple[str, float, float]], maximize: bool = True) -> set[str]:
    """Ids of ``(id, metric, latency)`` rows that no other row dominates (quadratic)."""
    sign = 1 if maximize else -1
    return {a for a, m, lat in rows
            if not any(sign * m2 >= sign * m and lat2 <= lat and (sign * m2 > sign * m
                                                                  or lat2 < lat)
                       for _, m2, lat2 in rows)}


@pytest.fixture(scope="module")
def synthetic_setup(synthetic_nb201):
    """Everything a synthetic NAS-Bench-201 search needs, on all 15625 cells: an accuracy
    table, a proxy predictor fitted on ``gpu_a`` and two targets adapted from 10 samples."""
    table, weights = synthetic_nb201
    space = get_space("nasbench201")
    all_ids = [space.to_id(a) for a in space.enumerate()]
    x = space.encode_many(all_ids)
    acc = 50 + 6 * np.array([a.count("conv") for a in all_ids]) - 4 * np.array(
        [a.count("none") for a in all_ids]) + np.random.default_rng(3).normal(0, 1, len(all_ids))
    accuracy = LatencyTable(all_ids, ["cifar10"], acc, space="nasbench201")
    proxy = RidgePredictor(space="nasbench201", alpha="auto", log_target=True).fit(
        table.archs, table.column("gpu_a"))
    pool = ProxyPool(table, ["gpu_a", "cpu_a"])
    targets, truth = {}, {}
    for name in ("gpu_b", "cpu_b"):
        true_ms = np.exp(1.0 + x @ weights[name])
        truth[name] = dict(zip(all_ids, true_ms))
        picks = list(np.random.default_rng(5).choice(len(all_ids), 10, replace=False))
        targets[name] = AdaProxyPredictor(pool).fit([all_ids[i] for i in picks], true_ms[picks])
    budget = float(np.median(proxy.predict(table.archs)))
    return accuracy, proxy, targets, truth, budget


class TestOneProxyStrategy:
    def test_end_to_end_tiny_space(self, tiny_space_class, synthetic_setup,
                                   run_experiment):
        accuracy, proxy, targets, _, budget = synthetic_setup
        strategy = OneProxyStrategy(RegularizedEvolution(population_size=8, sample_size=4,
                                                         seed=0),
                                    proxy, max_ms=budget, targets=targets)
        evaluator = TabularEvaluator(accuracy, "cifar10")
        run_experiment(tiny_space_class(), evaluator, strategy, 30)

        models = list(strategy.list_models(sort=False))
        records = strategy.records
        assert len(records) == len(models)
        trained = [r for r in records if r.status == "trained"]
        invalid = [r for r in records if r.status == "invalid"]
        assert len(trained) == 30 and invalid
        # the constraint held for every evaluated model, by the records and by NNI's own list
        profiler = OneProxyProfiler(tiny_space_class(), proxy)
        for model in models:
            latency = profiler.profile(model.sample)
            if model.status.value == "trained":
                assert latency <= budget
                assert model.metric == evaluator.value_of(model.sample)
            else:
                assert model.status.value == "invalid" and latency > budget
        assert all(r.within_budget and r.latency_ms <= budget and r.metric is not None
                   for r in trained)
        assert all(not r.within_budget and r.metric is None for r in invalid)

        rows = [(r.arch_id, r.metric, r.latency_ms) for r in trained]
        front = strategy.pareto_front()
        assert {p.arch_id for p in front} == brute_force_front(rows)
        assert [p.latency_ms for p in front] == sorted(p.latency_ms for p in front)

        fronts = strategy.target_fronts()
        assert set(fronts) == {"gpu_b", "cpu_b"}
        for name, points in fronts.items():
            lat = dict(zip([r.arch_id for r in trained],
                           targets[name].predict([r.arch_id for r in trained])))
            expected = brute_force_front([(a, m, lat[a]) for a, m, _ in rows])
            assert {p.arch_id for p in points} == expected
            assert all(p.latency_ms == pytest.approx(lat[p.arch_id]) for p in points)

    @pytest.mark.parametrize("space_kind, model_format", [("hub", "simplified"),
                                                          ("tiny", "raw")])
    def test_real_tables_and_true_target_fronts(self, space_kind, model_format, nb201_tables,
                                                proxy_predictor, column_predictor,
                                                tiny_space_class, run_experiment):
        """NAS-Bench-201 from ../shared/data: measured accuracy, the 1080ti_1 proxy, and two
        targets read from their measured columns, so every front can be checked exactly."""
        latency, accuracy = nb201_tables
        budget = 10.0
        truth = {name: column_predictor(latency, name) for name in ("pixel3", "gold_6240")}
        strategy = OneProxyStrategy(Random(seed=3), proxy_predictor, max_ms=budget)
        model_space = NasBench201() if space_kind == "hub" else tiny_space_class()
        evaluator = TabularEvaluator(accuracy, "cifar100")
        run_experiment(model_space, evaluator, strategy, 25, model_format)
        trained = [r for r in strategy.records if r.status == "trained"]
        assert len(trained) == 25
        assert all(r.latency_ms <= budget for r in trained)
        assert all(r.metric == evaluator.value_of(r.sample) for r in trained)
        fronts = strategy.target_fronts(truth, max_ms={"pixel3": 5.0})
        for name, points in fronts.items():
            rows = [(r.arch_id, r.metric, float(truth[name].predict([r.arch_id])[0]))
                    for r in trained]
            if name == "pixel3":
                rows = [row for row in rows if row[2] <= 5.0]
            assert {p.arch_id for p in points} == brute_force_front(rows)

    def test_patience_ends_the_run_with_a_warning(self, tiny_space_class, synthetic_setup,
                                                  run_experiment, caplog):
        accuracy, proxy, _, _, _ = synthetic_setup
        strategy = OneProxyStrategy(Random(seed=0), proxy, max_ms=1e-3, patience=5)
        with caplog.at_level(logging.WARNING, logger="oneproxy_plugins.nni.strategy"):
            run_experiment(tiny_space_class(), TabularEvaluator(accuracy, "cifar10"), strategy,
                           10)
        assert [r.status for r in strategy.records] == ["invalid"] * 5
        assert strategy.pareto_front() == []
        assert "5 models in a row exceeded the proxy-latency budget of 0.001 ms" in caplog.text

    def test_latency_filter_in_nni_chain(self, tiny_space_class, synthetic_setup,
                                         run_experiment):
        accuracy, proxy, _, _, budget = synthetic_setup
        latency_filter = LatencyFilter(proxy, budget)
        strategy = Chain(Random(seed=2), latency_filter)
        run_experiment(tiny_space_class(), TabularEvaluator(accuracy, "cifar10"), strategy,
                       8)
        trained = [r for r in latency_filter.records if r.status == "trained"]
        assert len(trained) == 8 and all(r.latency_ms <= budget for r in trained)

    def test_no_budget_records_everything(self, tiny_space_class, synthetic_setup,
                                          run_experiment):
        accuracy, proxy, _, _, _ = synthetic_setup
        strategy = OneProxyStrategy(Random(seed=4), proxy)
        run_experiment(tiny_space_class(), TabularEvaluator(accuracy, "cifar10"), strategy,
                       6)
        assert strategy.max_ms is None
        assert [r.status for r in strategy.records] == ["trained"] * 6


class TestCheckpoint:
    def test_records_and_fronts_survive_state_dict(self, tiny_space_class, synthetic_setup,
                                                   run_experiment, tmp_path):
        """What NNI checkpoints (Chain.state_dict: the strategy's and every middleware's) holds
        the records, as JSON-able values that NNI's torch-based serializer reloads with
        weights_only; a fresh strategy loaded from it has the same fronts."""
        import json

        from nni.nas.utils.serializer import get_default_serializer

        accuracy, proxy, targets, _, budget = synthetic_setup
        strategy = OneProxyStrategy(Random(seed=5), proxy, max_ms=budget, targets=targets)
        run_experiment(tiny_space_class(), TabularEvaluator(accuracy, "cifar10"), strategy, 10)
        state = strategy.state_dict()
        filter_state = state["middlewares"][0]
        assert json.loads(json.dumps(filter_state)) == filter_state
        get_default_serializer().save(filter_state, tmp_path / "filter.ckpt")
        assert get_default_serializer().load(tmp_path / "filter.ckpt") == filter_state

        resumed = OneProxyStrategy(Random(seed=5), proxy, max_ms=budget, targets=targets)
        resumed.load_state_dict(state)
        assert resumed.records == strategy.records and len(resumed.records) >= 10
        assert resumed.pareto_front() == strategy.pareto_front() != []
        assert resumed.target_fronts() == strategy.target_fronts()

    def test_a_checkpoint_without_records_loads_none(self, proxy_predictor):
        latency_filter = LatencyFilter(proxy_predictor, 5.0)
        latency_filter.load_state_dict({"filter_count_patience": 0, "filter_count_total": 0})
        assert latency_filter.records == []


class TestDeprecatedNames:
    def test_budget_ms_and_predictor_still_work(self, proxy_predictor):
        with pytest.warns(FutureWarning, match="'budget_ms' argument of OneProxyStrategy\\(\\) "
                                               "is deprecated .* use 'max_ms'"):
            strategy = OneProxyStrategy(Random(), proxy_predictor, budget_ms=5.0)
        assert strategy.max_ms == 5.0
        with pytest.warns(FutureWarning, match="OneProxyStrategy.budget_ms is deprecated"):
            assert strategy.budget_ms == 5.0
        with pytest.warns(FutureWarning, match="'predictor' argument of LatencyFilter\\(\\)"):
            assert LatencyFilter(predictor=proxy_predictor, max_ms=2.0).max_ms == 2.0
        with pytest.warns(FutureWarning, match="'budgets_ms' argument"):
            with pytest.raises(ValueError, match="No target predictors"):
                strategy.target_fronts(budgets_ms={})
        with pytest.raises(TypeError, match="got both 'budget_ms' \\(deprecated\\) and 'max_ms'"):
            OneProxyStrategy(Random(), proxy_predictor, budget_ms=5.0, max_ms=5.0)


class TestErrors:
    @pytest.mark.parametrize("kwargs, match", [
        ({"max_ms": 0}, r"'max_ms' argument must be a positive number of milliseconds or "
                           r"None; got 0"),
        ({"max_ms": "5"}, r"'max_ms' argument must be a positive number"),
        ({"optimize_mode": "max"}, r"'optimize_mode' argument must be one of \['maximize', "
                                   r"'minimize'\]; got 'max'"),
        ({"patience": 0}, r"'patience' argument must be an int >= 1; got 0"),
    ])
    def test_bad_arguments(self, proxy_predictor, kwargs, match):
        with pytest.raises(ValueError, match=match):
            OneProxyStrategy(Random(), proxy_predictor, **kwargs)

    def test_target_of_another_space(self, proxy_predictor):
        with pytest.raises(ValueError, match=r"The targets\['pixel3'\] predicts latencies "
                                             r"of space 'fbnet'"):
            OneProxyStrategy(Random(), proxy_predictor,
                             targets={"pixel3": RidgePredictor(space="fbnet")})
        strategy = OneProxyStrategy(Random(), proxy_predictor)
        with pytest.raises(ValueError, match="A target name must be a non-empty str"):
            strategy.add_target("", proxy_predictor)

    def test_target_fronts_needs_targets(self, proxy_predictor):
        strategy = OneProxyStrategy(Random(), proxy_predictor)
        with pytest.raises(ValueError, match=r"No target predictors: pass targets="):
            strategy.target_fronts()
        with pytest.raises(ValueError, match=r"max_ms names unknown target\(s\) \['cpu'\]"):
            strategy.target_fronts({"gpu": proxy_predictor}, max_ms={"cpu": 1.0})

    def test_filter_outside_a_chain(self, proxy_predictor):
        with pytest.raises(RuntimeError, match="LatencyFilter has no model space yet"):
            LatencyFilter(proxy_predictor, 5.0)._admit(object())
