"""Tests of oneproxy_plugins.targets: choose, measure, fit and estimate in one step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.exceptions import MeasurementError
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.spaces import get_space
from oneproxy_plugins.targets import adapt_on_device, loo_predictions, loo_srcc

TINY = {"build_cfg": {"C": 4, "N": 1}, "n_rounds": 2, "n_repeats": 3, "progress": False}


class _Mean:
    """Predicts the mean of what it was fitted on: leave-one-out turns that into a perfectly
    reversed ranking (leaving out a large value lowers the mean of the rest)."""

    def fit(self, archs, ms):
        self.value = float(np.mean(ms))
        return self

    def predict(self, archs):
        return np.full(len(archs), self.value)


class _Lookup:
    def __init__(self, truth):
        self.truth = truth

    def fit(self, archs, ms):
        return self

    def predict(self, archs):
        return np.array([self.truth[a] for a in archs])


def test_loo_srcc_is_computed_on_left_out_samples():
    archs, ms = list("abcdef"), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    loo = loo_predictions(lambda a, m: _Mean().fit(a, m), archs, ms)
    np.testing.assert_allclose(loo[0], np.mean(ms[1:]))
    assert loo_srcc(lambda a, m: _Mean().fit(a, m), archs, ms) == pytest.approx(-1.0)
    truth = dict(zip(archs, ms))
    assert loo_srcc(lambda a, m: _Lookup(truth), archs, ms) == pytest.approx(1.0)
    assert math.isnan(loo_srcc(lambda a, m: _Lookup(truth), archs[:3], ms[:3]))


@pytest.fixture(scope="module")
def pool():
    space = get_space("nasbench201")
    ids = [space.to_id(a) for a in space.sample_many(300, 1)]
    x = space.encode_many(ids)
    # A proxy roughly following this host: convolutions cost, none and skip do not.
    names = space.feature_names()
    weights = np.array([0.6 if "conv_3x3" in n else 0.2 if "conv_1x1" in n else 0.0
                        for n in names])
    table = LatencyTable(ids, ["proxy"], np.exp(x @ weights)[:, None], space=space.name)
    return ProxyPool(table, ["proxy"])


@pytest.mark.needs("torch")
def test_adapt_on_this_host_writes_resumable_measurements(pool, tmp_path):
    out = tmp_path / "m.csv"
    first = adapt_on_device(pool, "cpu-torch-t1-b1", k=6, measurements=out, **TINY)
    assert len(first.archs) == len(set(first.archs)) == 6 and first.device == "cpu-torch-t1-b1"
    assert all(v > 0 for v in first.latency_ms) and first.n_reused == 0
    assert -1 <= first.loo_srcc <= 1 and -1 <= first.proxy_srcc <= 1
    assert np.all(first.predictor.predict(pool.archs[:50]) > 0)
    again = adapt_on_device(pool, "cpu-torch-t1-b1", k=6, measurements=out, **TINY)
    assert again.archs == first.archs and again.n_reused == 6  # same choice, nothing remeasured
    assert again.latency_ms == first.latency_ms


@pytest.mark.needs("torch")
def test_an_architecture_that_fails_on_the_device_is_named(pool, monkeypatch):
    from oneproxy_plugins.spaces.nasbench201 import NASBench201Space

    original = NASBench201Space.build
    bad = pool.archs[0]

    def build(self, arch, **kwargs):
        if self.canonical_id(arch) == bad:
            raise RuntimeError("does not fit in memory")
        return original(self, arch, **kwargs)

    monkeypatch.setattr(NASBench201Space, "build", build)
    with pytest.raises(MeasurementError, match="failed on cpu-torch-t1-b1.*does not fit"):
        adapt_on_device(pool, "cpu-torch-t1-b1", samples=[bad, *pool.archs[1:4]], **TINY)


@pytest.mark.needs("torch")
def test_until_srcc_measures_more_until_the_fit_expects_it(pool, tmp_path):
    from oneproxy_plugins.sampling import greedy_method, select_samples

    out = tmp_path / "m.csv"
    # the synthetic proxy and this host's CPU agree only roughly: 0.999 is out of reach
    seen = []
    grown = adapt_on_device(pool, "cpu-torch-t1-b1", k=4, until_srcc=0.999, max_samples=8,
                            step=2, measurements=out, on_round=lambda *a: seen.append(a), **TINY)
    assert [n for n, _ in grown.rounds] == [4, 6, 8] and seen == grown.rounds
    assert all(e < 0.999 for _, e in grown.rounds)
    # each round continues the first round's sequence of the chooser
    assert grown.archs == select_samples(pool, 8, method=greedy_method(pool, 4), random_state=0)
    assert grown.predictor.n_samples_ == 8 and grown.n_reused == 0
    assert grown.srcc_expected == grown.rounds[-1][1] == pytest.approx(
        np.mean(grown.predictor.posterior_srcc()))
    again = adapt_on_device(pool, "cpu-torch-t1-b1", k=4, until_srcc=0.999, max_samples=8,
                            step=2, measurements=out, **TINY)
    assert again.archs == grown.archs and again.n_reused == 8  # resumed, nothing remeasured
    # a target already met stops after the first round
    met = adapt_on_device(pool, "cpu-torch-t1-b1", k=4, until_srcc=0.01, measurements=out,
                          **TINY)
    assert met.rounds == [(4, met.srcc_expected)] and met.archs == grown.archs[:4]


@pytest.mark.parametrize(("kw", "match"), [
    ({"until_srcc": 0.0}, "until_srcc"), ({"until_srcc": 1.5}, "until_srcc"),
    ({"until_srcc": 0.9, "max_samples": 3}, "max_samples.*at least k"),
    ({"until_srcc": 0.9, "step": 0}, "step"),
    ({"until_srcc": 0.9, "samples": ["x"]}, "pass k, not samples"),
    ({"until_srcc": 0.9, "method": "adaproxy-paper"}, "'adaproxy-paper' has none"),
    ({"companions": {"b": (["x"], [1.0])}, "method": "proxy"}, "need method='adaproxy'"),
    ({"companions": {"": (["x"], [1.0])}}, "non-empty strs; got ''"),
])
def test_until_srcc_bad_arguments_fail_before_measuring(pool, monkeypatch, kw, match):
    import oneproxy_plugins.targets as targets

    monkeypatch.setattr(targets, "_measure", lambda *a, **k: pytest.fail("measured"))
    with pytest.raises(ValueError, match=match):
        adapt_on_device(pool, "cpu-torch-t1-b1", k=4, **kw)


def test_companions_join_every_fit(pool, monkeypatch):
    """With companions, the fit and each leave-one-out fit are adapt_jointly's, the target's
    measurements named "" (no companion can be)."""
    import oneproxy_plugins.targets as targets
    from oneproxy_plugins.adaproxy.joint import adapt_jointly

    truth = dict(zip(pool.archs, np.exp(pool.z[:, 0] * 0.8 + 0.1 * np.arange(len(pool)) % 3)))
    monkeypatch.setattr(targets, "_measure", lambda space, archs, *a: (
        [float(truth[x]) for x in archs], type("Run", (), {"n_skipped": 0, "device": "d"})()))
    twin = pool.archs[-8:], [2 * truth[x] for x in pool.archs[-8:]]
    result = adapt_on_device(pool, "cpu-torch-t1-b1", k=6, companions={"twin": twin})
    expected = adapt_jointly(pool, {"": (result.archs, result.latency_ms), "twin": twin},
                             targets=[""])[""]
    assert result.predictor.pool_.devices == ["proxy", "~self", "~twin"]
    np.testing.assert_allclose(result.predictor.predict(pool.archs),
                               expected.predict(pool.archs))
    fits = []
    monkeypatch.setattr(targets, "adapt_jointly",
                        lambda *a, **k: fits.append(a[1]) or adapt_jointly(*a, **k))
    adapt_on_device(pool, "cpu-torch-t1-b1", k=6, companions={"twin": twin})
    assert len(fits) == 1 + 6 and all(list(f) == ["", "twin"] for f in fits)
    assert [len(f[""][0]) for f in fits] == [6] + [5] * 6  # the fit, then leave-one-out
