"""Tests of oneproxy_plugins.latency.sources: the latency sources every host asks, and the one
validated cache in front of them."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest

from oneproxy_plugins.exceptions import UnknownDeviceError
from oneproxy_plugins.latency import (LatencyCache, LatencySource, LatencyTable, MeasuredLatency,
                                      QuantileLatency, TableLatency, source_space)
from oneproxy_plugins.spaces import get_space

IDS = ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
       "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
       "|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|none~2|"]


@pytest.fixture(scope="module")
def space():
    return get_space("nasbench201")


class Counting:
    """A latency source that counts how often it is asked, and what it answers."""

    space = "nasbench201"

    def __init__(self, answer=None):
        self.calls: list[list[str]] = []
        self.answer = answer

    def predict(self, X):
        self.calls.append(list(X))
        if self.answer is not None:
            return self.answer(X)
        return np.array([1.0 + x.count("conv") for x in X])


class TestTableLatency:
    def test_lookup_by_id_or_value(self, space):
        source = TableLatency(LatencyTable(IDS[:2], ["cpu"], np.array([1.0, 3.0]),
                                           space="nasbench201"), "cpu")
        assert source.predict([IDS[1], space.from_id(IDS[0])]).tolist() == [3.0, 1.0]
        assert source.space == "nasbench201"
        assert isinstance(source, LatencySource)

    def test_missing_architecture(self):
        table = LatencyTable(IDS[:2], ["cpu"], np.array([1.0, np.nan]), space="nasbench201")
        with pytest.raises(KeyError, match="has no 'cpu' measurement"):
            TableLatency(table, "cpu").predict([IDS[1]])
        assert np.isnan(TableLatency(table, "cpu", missing="nan").predict([IDS[1]])[0])

    def test_errors(self):
        table = LatencyTable(IDS[:2], ["cpu"], np.array([1.0, 2.0]))
        with pytest.raises(UnknownDeviceError, match="Unknown device 'gpu'; known: cpu"):
            TableLatency(table, "gpu", space="nasbench201")
        with pytest.raises(ValueError, match="no space; pass space=<name>"):
            TableLatency(table, "cpu")
        with pytest.raises(TypeError, match="must be a LatencyTable"):
            TableLatency({"a": 1.0}, "cpu")
        with pytest.raises(ValueError, match=r"'missing' argument must be one of \['raise', "
                                             r"'nan'\]; got 'skip'"):
            TableLatency(table, "cpu", space="nasbench201", missing="skip")


class TestSourceSpace:
    def test_space_from_the_source_or_given(self):
        assert source_space(Counting()).name == "nasbench201"
        assert source_space(Counting(), "nasbench201").name == "nasbench201"

    def test_mismatch_and_missing(self):
        with pytest.raises(ValueError, match="use a predictor fitted on 'fbnet' architectures"):
            source_space(Counting(), "fbnet")

        class NoSpace:
            space = None

            def predict(self, X):
                return np.ones(len(X))

        with pytest.raises(ValueError, match="has no 'space'; pass space=<name>"):
            source_space(NoSpace())
        assert source_space(NoSpace(), "fbnet").name == "fbnet"
        with pytest.raises(TypeError, match="must have a predict"):
            source_space(object())


class TestLatencyCache:
    def test_asks_once_per_architecture(self, space):
        source = Counting()
        cache = LatencyCache(source)
        assert cache.predict([IDS[0], IDS[1], IDS[0]]).tolist() == [1.0, 2.0, 1.0]
        assert cache.predict([space.from_id(IDS[1]), IDS[2]]).tolist() == [2.0, 2.0]
        assert source.calls == [[IDS[0], IDS[1]], [IDS[2]]]
        assert cache.predict_one(IDS[1]) == 2.0 and len(source.calls) == 2
        assert len(cache) == 3 and IDS[2] in cache and cache.get("nope") is None

    @pytest.mark.parametrize("answer, message", [
        (lambda X: -np.ones(len(X)), r"Counting.predict gave -1.0 ms for '\|none~0.*'; a latency "
                                     "must be positive and finite"),
        (lambda X: np.full(len(X), np.inf), "gave inf ms"),
        (lambda X: np.full(len(X), np.nan), "gave nan ms"),
        (lambda X: np.ones(len(X) + 1), r"returned shape \(2,\) for 1 architectures"),
    ])
    def test_bad_answers_name_the_source_and_architecture(self, answer, message):
        cache = LatencyCache(Counting(answer))
        with pytest.raises(ValueError, match=message):
            cache.predict([IDS[0]])
        assert len(cache) == 0  # nothing bad is remembered

    def test_missing_values_when_allowed(self):
        cache = LatencyCache(Counting(lambda X: np.full(len(X), np.nan)), allow_missing=True)
        assert np.isnan(cache.predict_one(IDS[0]))
        with pytest.raises(ValueError, match="gave -1.0 ms"):
            LatencyCache(Counting(lambda X: -np.ones(len(X))), allow_missing=True).predict(IDS)

    def test_forgets_when_full(self):
        source = Counting()
        cache = LatencyCache(source, max_size=2)
        cache.predict(IDS[:2])
        cache.predict(IDS[2:])
        assert len(cache) == 1 and IDS[2] in cache
        with pytest.raises(ValueError, match="'max_size' argument must be an int >= 1 or None"):
            LatencyCache(source, max_size=0)

    def test_threads_ask_the_source_once(self):
        barrier = threading.Barrier(4)
        source = Counting()
        cache = LatencyCache(source)

        def ask():
            barrier.wait()
            cache.predict(IDS)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(len(c) for c in source.calls) == len(IDS)

    def test_pickles_with_its_values(self):
        cache = LatencyCache(Counting())
        cache.predict(IDS)
        clone = pickle.loads(pickle.dumps(cache))
        assert clone.predict(IDS).tolist() == cache.predict(IDS).tolist()
        assert clone.source.calls == [IDS]  # the clone asked nothing


class TestMeasuredLatency:
    @pytest.mark.needs("torch")
    def test_measures_once_and_remembers(self, space, monkeypatch):
        source = MeasuredLatency("nasbench201", build_cfg={"C": 4, "N": 1}, n_rounds=2,
                                 n_warmup=1, n_repeats=2, budget_s=0.2)
        first = source.predict(IDS[:2])
        assert first.shape == (2,) and (first > 0).all()
        assert source.reference_ms_ > 0

        import oneproxy_plugins.measure.run as run_module

        def fail(*args, **kwargs):
            raise AssertionError("measured again")

        monkeypatch.setattr(run_module, "measure_archs", fail)
        np.testing.assert_array_equal(source.predict([space.from_id(IDS[1]), IDS[0]]),
                                      first[::-1])
        clone = pickle.loads(pickle.dumps(source))
        assert clone.measured_ == source.measured_


@pytest.fixture(scope="module")
def adapted():
    """An AdaProxyPredictor fitted on 10 of 400 made-up architectures: a target that follows
    the op counts differently from the one proxy, with 10 % timing noise."""
    from oneproxy_plugins.adaproxy import AdaProxyPredictor

    space = get_space("nasbench201")
    ids = [space.to_id(a) for a in space.sample_many(400, rng=3)]
    counts = space.encode_many(ids)[:, 30:35]  # op counts
    rng = np.random.default_rng(3)
    pool = LatencyTable(ids, ["cpu"], 1 + counts @ [0.0, 0.1, 1, 2, 0.5], space=space.name)
    target = (2 + counts @ [0.0, 0.3, 1, 1, 0.5]) * np.exp(rng.normal(0, 0.1, len(ids)))
    return AdaProxyPredictor(pool).fit(ids[:10], target[:10]), ids, target


class TestQuantileLatency:
    def test_a_budget_held_with_probability_q(self, adapted):
        model, ids, target = adapted
        budget = float(np.median(target))
        feasible = {}
        for q in (0.5, 0.9):
            source = QuantileLatency(model, q)
            assert source.space == model.space
            feasible[q] = source.predict(ids) <= budget
        assert np.allclose(QuantileLatency(model, 0.5).predict(ids), model.predict(ids))
        # the 0.9 quantile keeps a subset of the median's feasible set, and a safer one: the
        # kept architectures' true latency is within the budget more often
        assert 0 < feasible[0.9].sum() < feasible[0.5].sum()
        assert not (feasible[0.9] & ~feasible[0.5]).any()
        within = {q: np.mean(target[feasible[q]] <= budget) for q in feasible}
        assert within[0.9] >= within[0.5] + 0.1 and within[0.9] >= 0.8

    @pytest.mark.needs("optuna")
    def test_constrains_a_real_study(self, adapted):
        import optuna

        from oneproxy_plugins.optuna import LatencyConstraint

        model, _, _ = adapted
        space = get_space("nasbench201")
        source = QuantileLatency(model, 0.9)
        assert "q=0.9" in repr(source)
        constraint = LatencyConstraint(source, max_ms=4.0)

        def objective(trial):
            arch = space.suggest(trial)
            constraint.apply(trial)
            return float(len(set(arch)))

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
        study.optimize(objective, n_trials=8)
        for trial in study.trials:
            arch = space.to_id(space.from_params(trial.params))
            value = float(model.predict_quantile([arch], 0.9)[0]) - 4.0
            assert constraint_value(trial) == pytest.approx(value)

    def test_needs_a_predictive_distribution(self, adapted):
        from oneproxy_plugins.predictors import RidgePredictor

        with pytest.raises(TypeError, match="predict_quantile"):
            QuantileLatency(RidgePredictor(space="nasbench201"), 0.9)
        for bad in (0, 1, 1.5, "0.9", float("nan")):
            with pytest.raises(ValueError, match="'q' argument"):
                QuantileLatency(adapted[0], bad)


def constraint_value(trial):
    from oneproxy_plugins.optuna import trial_constraints

    (value,) = trial_constraints(trial).values()
    return value
