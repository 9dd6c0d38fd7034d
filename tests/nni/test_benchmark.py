"""Tests of oneproxy_plugins.nni.benchmark: the tabular evaluator."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nni")

import nni  # noqa: E402
from nni.nas.evaluator import Evaluator  # noqa: E402
from nni.nas.hub.pytorch import NasBench201  # noqa: E402
from nni.nas.space import RawFormatModelSpace  # noqa: E402

from oneproxy_plugins.exceptions import InvalidArchitectureError, UnknownDeviceError  # noqa: E402
from oneproxy_plugins.latency import LatencyTable  # noqa: E402
from oneproxy_plugins.nni.benchmark import TabularEvaluator  # noqa: E402

IDS = ["|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
       "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"]
SAMPLE = {"cell/0_1": "conv_3x3", "cell/0_2": "none", "cell/1_2": "none", "cell/0_3": "none",
          "cell/1_3": "none", "cell/2_3": "none"}


@pytest.fixture
def table():
    return LatencyTable(IDS, ["cifar10", "cifar100"], np.array([[80.0, 50.0], [10.0, np.nan]]),
                        space="nasbench201")


class TestTabularEvaluator:
    def test_is_an_nni_evaluator(self, table):
        assert isinstance(TabularEvaluator(table, "cifar10"), Evaluator)

    def test_value_of_hub_and_parameter_samples(self, table):
        evaluator = TabularEvaluator(table, "cifar10")
        assert evaluator.value_of(SAMPLE) == 80.0
        assert evaluator.value_of({"edge_0_1": "none", "edge_0_2": "none", "edge_1_2": "none",
                                   "edge_0_3": "none", "edge_1_3": "none",
                                   "edge_2_3": "none"}) == 10.0

    def test_reports_inside_a_trial_without_building_the_network(self, table, monkeypatch):
        evaluator = TabularEvaluator(table, "cifar10")
        model = RawFormatModelSpace(NasBench201(), evaluator).freeze(SAMPLE)

        def no_network():
            raise AssertionError("the network was built")

        monkeypatch.setattr(model, "executable_model", no_network)
        with Evaluator.mock_runtime(model):
            assert model.execute() == 80.0
        assert model.metric == 80.0  # reported with nni.report_final_result
        assert evaluator.evaluate(SAMPLE) == 80.0  # outside a trial: nothing to report
        assert nni.get_current_parameter() is None

    def test_real_nasbench201_accuracy(self, shared_data_dir):
        evaluator = TabularEvaluator.from_data_dir(shared_data_dir, "nasbench201", "cifar10")
        best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|" \
               "nor_conv_3x3~1|nor_conv_3x3~2|"
        sample = {"cell/0_1": "conv_3x3", "cell/0_2": "conv_3x3", "cell/1_2": "conv_3x3",
                  "cell/0_3": "skip_connect", "cell/1_3": "conv_3x3", "cell/2_3": "conv_3x3"}
        assert evaluator.value_of(sample) == evaluator.table.column("cifar10")[
            evaluator.table.row_of(best)]
        assert 90 < evaluator.value_of(sample) < 100


class TestErrors:
    def test_unknown_column(self, table):
        with pytest.raises(UnknownDeviceError, match="Unknown device 'imagenet'; known: "
                                                     "cifar10, cifar100"):
            TabularEvaluator(table, "imagenet")

    def test_not_a_table(self):
        with pytest.raises(TypeError, match="must be a LatencyTable; got dict"):
            TabularEvaluator({}, "cifar10")

    def test_table_without_space(self):
        bare = LatencyTable(IDS, ["cifar10"], np.array([1.0, 2.0]))
        with pytest.raises(ValueError, match="The table has no space; pass space=<name>"):
            TabularEvaluator(bare, "cifar10")

    def test_architecture_not_in_table(self, table):
        with pytest.raises(InvalidArchitectureError, match=r"is not in the table \(2 "
                                                           r"nasbench201 rows\)"):
            TabularEvaluator(table, "cifar10").value_of({**SAMPLE, "cell/2_3": "conv_1x1"})

    def test_missing_value(self, table):
        with pytest.raises(InvalidArchitectureError, match=r"has no 'cifar100' value in the "
                                                           r"table \(NaN\)"):
            TabularEvaluator(table, "cifar100").value_of({**SAMPLE, "cell/0_1": "none"})

    def test_unsampled_model(self, table):
        model = RawFormatModelSpace(NasBench201(), TabularEvaluator(table, "cifar10"))
        with pytest.raises(ValueError, match=r"needs a sampled model \(model\.sample is None\)"):
            model.evaluator._execute(model)
