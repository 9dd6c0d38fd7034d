"""``posterior_srcc``: the SRCC a fit expects of itself, from its joint predictive distribution,
on tables made here (the real devices' calibration is a benchmark: docs/benchmarks.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from oneproxy_plugins.adaproxy import AdaProxyPredictor, BestProxyPredictor, ProxyPool
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.predictors.io import load_predictor, save_predictor


def _rows(table, k, seed):
    return np.random.default_rng(seed).choice(len(table), size=k, replace=False)


def _fit(pool, table, target, k=10, seed=0, model=AdaProxyPredictor, **params):
    rows = _rows(table, k, seed)
    return model(pool, **params).fit([table.archs[r] for r in rows], table.column(target)[rows])


def _noisy(table, sd):
    """``mix`` (a blend of the proxies' two families) with ``sd`` log-normal timing noise."""
    truth = table.column("mix") * np.exp(np.random.default_rng(9).normal(0, sd, len(table)))
    return LatencyTable(table.archs, ["noisy"], truth[:, None], space="nasbench201")


def _expected(model, **kw):
    return float(np.mean(model.posterior_srcc(**kw)))


class TestWhatItExpects:
    def test_it_follows_the_measured_srcc_of_a_target_the_model_can_fit(self, pool,
                                                                         synthetic_nb201):
        noisy = _noisy(synthetic_nb201[0], 0.1)
        expected, measured = [], []
        for seed in range(10):
            model = _fit(pool, noisy, "noisy", seed=seed, scale="ms")
            expected.append(_expected(model))
            measured.append(srcc(model.predict(noisy.archs), noisy.column("noisy")))
        # one fit's ten samples can flatter it or not (here -0.06 to +0.10 per seed): the
        # mean over the seeds is what is calibrated
        assert np.mean(expected) == pytest.approx(np.mean(measured), abs=0.05)

    def test_a_noisier_target_is_expected_to_rank_worse(self, pool, synthetic_nb201):
        table = synthetic_nb201[0]
        quiet, loud = (np.mean([_expected(_fit(pool, _noisy(table, sd), "noisy", seed=seed))
                                for seed in range(5)]) for sd in (0.1, 0.3))
        assert loud < quiet - 0.1

    def test_more_samples_expect_more(self, pool, synthetic_nb201):
        table = synthetic_nb201[0]
        few = _fit(pool, table, "odd", k=5, noise=0.01, scale="ms")
        many = _fit(pool, table, "odd", k=40, noise=0.01, scale="ms")
        assert _expected(few) < _expected(many) - 0.02

    def test_one_proxy_both_scales_tell_a_rescaled_proxy_from_another_device(
            self, synthetic_nb201):
        table = synthetic_nb201[0]
        pool = ProxyPool(table, ["gpu_a"])
        twin, other = _fit(pool, table, "gpu_b"), _fit(pool, table, "odd")
        assert twin.components_ is not None  # one proxy on NAS-Bench-201: scale="both"
        assert _expected(twin) > 0.95 and _expected(other) < 0.7

    def test_the_no_adaptation_baseline_has_one_too(self, synthetic_nb201):
        table = synthetic_nb201[0]
        pool = ProxyPool(table, ["gpu_a"])
        twin = _fit(pool, table, "gpu_b", model=BestProxyPredictor)
        other = _fit(pool, table, "odd", model=BestProxyPredictor)
        assert _expected(twin) > 0.95 and _expected(other) < 0.6


class TestDraws:
    def test_shape_range_and_seed(self, pool, synthetic_nb201):
        model = _fit(pool, synthetic_nb201[0], "mix")
        draws = model.posterior_srcc(n_draws=30)
        assert draws.shape == (30,) and ((-1 <= draws) & (draws <= 1)).all()
        assert np.array_equal(draws, model.posterior_srcc(n_draws=30))
        again = model.posterior_srcc(n_draws=30, random_state=np.random.default_rng(0))
        assert np.array_equal(draws, again)
        assert not np.array_equal(draws, model.posterior_srcc(n_draws=30, random_state=1))

    def test_architectures_given_and_capped(self, pool, synthetic_nb201, monkeypatch):
        import oneproxy_plugins.adaproxy.predictor as predictor

        table = synthetic_nb201[0]
        model = _fit(pool, table, "mix")
        ranked = []
        real = predictor.srcc_columns
        monkeypatch.setattr(predictor, "srcc_columns",
                            lambda a, b: ranked.append(len(b)) or real(a, b))
        model.posterior_srcc(table.archs[:50], n_draws=5)
        model.posterior_srcc(table.archs[:50], n_draws=5, max_archs=20)
        model.posterior_srcc(n_draws=5, max_archs=100)
        assert ranked == [50, 20, 100]

    def test_saved_and_loaded_it_is_the_same(self, pool, synthetic_nb201, tmp_path):
        table = synthetic_nb201[0]
        for model in (_fit(pool, table, "odd"), _fit(ProxyPool(table, ["gpu_a"]), table, "odd")):
            loaded = load_predictor(save_predictor(model, tmp_path / "m.json"))
            assert np.array_equal(loaded.posterior_srcc(n_draws=20),
                                  model.posterior_srcc(n_draws=20))


class TestErrors:
    def test_before_fit(self, pool):
        with pytest.raises(NotFittedError):
            AdaProxyPredictor(pool).posterior_srcc()

    @pytest.mark.parametrize(("kw", "match"), [
        ({"n_draws": 1}, "n_draws"), ({"n_draws": 2.5}, "n_draws"),
        ({"max_archs": 2}, "max_archs"), ({"random_state": "zero"}, "random_state"),
    ])
    def test_bad_arguments(self, pool, synthetic_nb201, kw, match):
        model = _fit(pool, synthetic_nb201[0], "mix")
        with pytest.raises(ValueError, match=match):
            model.posterior_srcc(**kw)

    def test_fewer_than_three_architectures(self, pool, synthetic_nb201):
        table = synthetic_nb201[0]
        model = _fit(pool, table, "mix")
        with pytest.raises(ValueError, match="at least 3 architectures; got 2"):
            model.posterior_srcc(table.archs[:2])

    def test_a_file_from_before_intervals_says_to_refit(self, pool, synthetic_nb201, tmp_path):
        table = synthetic_nb201[0]
        path = save_predictor(_fit(pool, table, "odd", scale="ms"), tmp_path / "m.json")
        document = json.loads(path.read_text())
        for name in ("coef_cov_", "noise_var_", "interval_dof_"):
            del document["state"][name]
        path.write_text(json.dumps(document))
        with pytest.raises(ValueError, match="fit it again"):
            load_predictor(path).posterior_srcc()
