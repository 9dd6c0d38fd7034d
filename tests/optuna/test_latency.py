"""Tests of oneproxy_plugins.optuna.latency: table lookups and on-host measurement."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from oneproxy_plugins.exceptions import UnknownDeviceError
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.optuna import MeasuredLatency, TableLatency
from oneproxy_plugins.optuna.latency import predict_one, source_space

IDS = ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
       "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"]


class TestTableLatency:
    def test_lookup_by_id_or_value(self, space):
        source = TableLatency(LatencyTable(IDS, ["cpu"], np.array([1.0, 3.0]),
                                           space="nasbench201"), "cpu")
        assert source.predict([IDS[1], space.from_id(IDS[0])]).tolist() == [3.0, 1.0]
        assert source.space == "nasbench201"

    def test_missing_architecture(self, space):
        table = LatencyTable(IDS, ["cpu"], np.array([1.0, np.nan]), space="nasbench201")
        with pytest.raises(KeyError, match="has no 'cpu' measurement"):
            TableLatency(table, "cpu").predict([IDS[1]])

    def test_errors(self):
        table = LatencyTable(IDS, ["cpu"], np.array([1.0, 2.0]))
        with pytest.raises(UnknownDeviceError, match="Unknown device 'gpu'; known: cpu"):
            TableLatency(table, "gpu", space="nasbench201")
        with pytest.raises(ValueError, match="no space; pass space=<name>"):
            TableLatency(table, "cpu")
        with pytest.raises(TypeError, match="must be a LatencyTable"):
            TableLatency({"a": 1.0}, "cpu")


class TestSourceSpace:
    def test_space_from_the_source_or_given(self, ridge):
        assert source_space(ridge).name == "nasbench201"
        assert source_space(ridge, "nasbench201").name == "nasbench201"

    def test_mismatch_and_missing(self, ridge):
        with pytest.raises(ValueError, match="use a predictor fitted on 'fbnet' architectures"):
            source_space(ridge, "fbnet")

        class NoSpace:
            space = None

            def predict(self, X):
                return np.ones(len(X))

        with pytest.raises(ValueError, match="has no 'space'; pass space=<name>"):
            source_space(NoSpace())

    def test_predict_one_checks_the_value(self):
        class Zero:
            space = "nasbench201"

            def predict(self, X):
                return np.zeros(len(X))

        with pytest.raises(ValueError, match="Zero gave 0.0 ms"):
            predict_one(Zero(), IDS[0])


class TestMeasuredLatency:
    def test_measures_once_and_remembers(self, space, monkeypatch):
        source = MeasuredLatency("nasbench201", build_cfg={"C": 4, "N": 1}, n_rounds=2,
                                 n_warmup=1, n_repeats=2, budget_s=0.2)
        first = source.predict(IDS)
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
