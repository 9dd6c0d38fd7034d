"""Tests of oneproxy_plugins.adaproxy.paper: the paper's AdaProxy."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.adaproxy import AdaProxyPaper, ProxyPool
from oneproxy_plugins.exceptions import UnknownDeviceError

from .conftest import fit_score

class TestAdaProxyPaper:
    def test_l2_and_l1_fit_a_linear_target(self, synthetic_nb201):
        table, _ = synthetic_nb201
        pool = ProxyPool(table, ["gpu_a"])
        for penalty in ("l2", "l1"):
            model = AdaProxyPaper(pool, penalty=penalty)
            assert fit_score(model, table, "gpu_b", k=20) > 0.9
            assert model.b_.shape == (36,)
            assert model.alpha_ > 0

    def test_strong_penalty_reduces_to_scaled_proxy(self, synthetic_nb201):
        table, _ = synthetic_nb201
        pool = ProxyPool(table, ["gpu_a"])
        model = AdaProxyPaper(pool, alphas=[1e9]).fit(table.archs[:10], table.column("gpu_b")[:10])
        assert np.abs(model.b_).max() < 1e-3

    def test_errors(self, synthetic_nb201):
        table, _ = synthetic_nb201
        pool = ProxyPool(table, ["gpu_a"])
        y = table.column("gpu_b")[:5]
        with pytest.raises(ValueError, match=r"'penalty' parameter must be one of \['l2', 'l1'\]; "
                                             "got 'l3'"):
            AdaProxyPaper(pool, penalty="l3").fit(table.archs[:5], y)
        for alphas in ([-1.0], [], ["a"], [[1.0]], [np.inf]):
            with pytest.raises(ValueError, match="'alphas' parameter must be a non-empty list"):
                AdaProxyPaper(pool, alphas=alphas).fit(table.archs[:5], y)
        with pytest.raises(UnknownDeviceError, match="Unknown device 'cpu_a'"):
            AdaProxyPaper(pool, proxy="cpu_a").fit(table.archs[:5], y)


