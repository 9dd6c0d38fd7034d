"""Tests of oneproxy_plugins.nni.profiler: the latency profiler in NNI's own machinery."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nni")

from nni.nas.hub.pytorch import NasBench201  # noqa: E402
from nni.nas.oneshot.pytorch.profiler import (RangeProfilerFilter,  # noqa: E402
                                              SampleProfilerPenalty)
from nni.nas.profiler import Profiler  # noqa: E402
from nni.nas.strategy import Random  # noqa: E402
from nni.nas.strategy.middleware import Chain, Filter  # noqa: E402

from oneproxy_plugins.nni.benchmark import TabularEvaluator  # noqa: E402
from oneproxy_plugins.nni.hub import UnsupportedSampleError  # noqa: E402
from oneproxy_plugins.latency.sources import source_space  # noqa: E402
from oneproxy_plugins.nni.profiler import OneProxyProfiler  # noqa: E402
from oneproxy_plugins.predictors import RidgePredictor  # noqa: E402

SAMPLE = {"cell/0_1": "conv_3x3", "cell/0_2": "none", "cell/1_2": "skip_connect",
          "cell/0_3": "avg_pool_3x3", "cell/1_3": "none", "cell/2_3": "conv_1x1"}
SAMPLE_ID = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"


@pytest.fixture(scope="module")
def nb201_space():
    return NasBench201()


class BadPredictor:
    space = "nasbench201"

    def __init__(self, values):
        self.values = values

    def predict(self, ids):
        return self.values


class TestOneProxyProfiler:
    def test_is_an_nni_profiler(self, nb201_space, proxy_predictor):
        profiler = OneProxyProfiler(nb201_space, proxy_predictor)
        assert isinstance(profiler, Profiler)
        assert profiler.space.name == "nasbench201"
        assert profiler.mapping.prefix == "cell/"

    def test_profile_is_the_predicted_latency(self, nb201_space, proxy_predictor):
        profiler = OneProxyProfiler(nb201_space, proxy_predictor)
        assert profiler.arch_id(SAMPLE) == SAMPLE_ID
        assert profiler.profile(SAMPLE) == pytest.approx(proxy_predictor.predict([SAMPLE_ID])[0])
        other = {**SAMPLE, "cell/0_1": "none"}
        np.testing.assert_allclose(profiler.profile_many([SAMPLE, other]),
                                   [profiler.profile(SAMPLE), profiler.profile(other)])

    def test_repeated_architectures_are_cached(self, nb201_space, nb201_tables,
                                               column_predictor):
        predictor = column_predictor(nb201_tables[0], "pixel3")
        profiler = OneProxyProfiler(nb201_space, predictor)
        first = profiler.profile(SAMPLE)
        assert profiler.profile(dict(SAMPLE)) == first
        assert predictor.calls == 1
        assert first == pytest.approx(nb201_tables[0].column("pixel3")[
            nb201_tables[0].row_of(SAMPLE_ID)])

    def test_space_from_argument(self, nb201_space, proxy_predictor):
        features = RidgePredictor(alpha=1e-3).fit(
            np.eye(3), [1.0, 2.0, 3.0])  # no space: features only
        with pytest.raises(ValueError, match="has no 'space'; pass space=<name> as well"):
            OneProxyProfiler(nb201_space, features)
        assert source_space(proxy_predictor, "nasbench201").name == "nasbench201"


class TestInNNIMachinery:
    def test_filter_constraint_in_a_real_experiment(self, nb201_space, nb201_tables,
                                                    proxy_predictor, run_experiment):
        """The issue's recipe: NNI's Filter around NNI's Random strategy."""
        profiler = OneProxyProfiler(nb201_space, proxy_predictor)
        budget = 9.0
        strategy = Chain(Random(seed=1), Filter(lambda model: profiler.profile(model.sample)
                                                <= budget))
        evaluator = TabularEvaluator(nb201_tables[1], "cifar10")
        run_experiment(nb201_space, evaluator, strategy, 25)
        models = list(strategy.list_models(sort=False))
        trained = [m for m in models if m.status.value == "trained"]
        invalid = [m for m in models if m.status.value == "invalid"]
        assert len(trained) == 25 and invalid
        assert all(profiler.profile(m.sample) <= budget for m in trained)
        assert all(profiler.profile(m.sample) > budget for m in invalid)
        assert all(m.metric == evaluator.value_of(m.sample) for m in trained)

    def test_one_shot_filter_and_penalty(self, nb201_space, proxy_predictor):
        profiler = OneProxyProfiler(nb201_space, proxy_predictor)
        latency = profiler.profile(SAMPLE)
        assert RangeProfilerFilter(profiler, max=latency + 0.01)(SAMPLE)
        assert not RangeProfilerFilter(profiler, max=latency - 0.01)(SAMPLE)
        penalty = SampleProfilerPenalty(profiler, baseline=latency / 2, scale=0.5)
        loss, details = penalty(1.0, SAMPLE)
        assert details["penalty"] == pytest.approx(latency)
        assert loss == pytest.approx(1.0 + 0.5 * (2.0 - 1.0))


class TestDeprecatedNames:
    def test_predictor_keyword(self, nb201_space, proxy_predictor):
        with pytest.warns(FutureWarning, match="'predictor' argument of OneProxyProfiler\\(\\) "
                                               "is deprecated"):
            profiler = OneProxyProfiler(nb201_space, predictor=proxy_predictor)
        assert profiler.latency is proxy_predictor


class TestErrors:
    def test_unsupported_model_space(self, tiny_space_class, proxy_predictor):
        from nni.nas.hub.pytorch import ProxylessNAS

        with pytest.raises(UnsupportedSampleError, match="of space 'nasbench201'"):
            OneProxyProfiler(ProxylessNAS(), proxy_predictor)

    def test_predictor_of_another_space(self, nb201_space):
        fbnet = RidgePredictor(space="fbnet")
        with pytest.raises(ValueError, match="predicts latencies of space 'fbnet' but the "
                                             "search space is 'nasbench201'"):
            OneProxyProfiler(nb201_space, fbnet, space="nasbench201")

    def test_not_a_predictor(self, nb201_space):
        with pytest.raises(TypeError, match=r"must have a predict\(arch_ids\) -> ms method"):
            OneProxyProfiler(nb201_space, object())

    @pytest.mark.parametrize("values, match", [
        ([-1.0], r"BadPredictor.predict gave -1\.0 ms for '\|nor_conv_3x3~0\|.*must be "
                 "positive and finite"),
        ([1.0, 2.0], r"returned shape \(2,\) for 1 architectures"),
    ])
    def test_bad_predictions(self, nb201_space, values, match):
        profiler = OneProxyProfiler(nb201_space, BadPredictor(values))
        with pytest.raises(ValueError, match=match):
            profiler.profile(SAMPLE)
