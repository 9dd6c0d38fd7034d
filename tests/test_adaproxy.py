"""Tests of oneproxy_plugins.adaproxy: the pool, the paper's adapter and the default adapter."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.base import clone

from oneproxy_plugins.adaproxy import (ADAPTATION_METHODS, AdaProxyPaper, AdaProxyPredictor,
                                       BestProxyPredictor, ProxyPool, make_adapter)
from oneproxy_plugins.exceptions import (DataFormatError, NotFittedError, UnknownDeviceError,
                                         UnknownPredictorError)
from oneproxy_plugins.latency import LatencyTable

PROXIES = ["gpu_a", "cpu_a", "odd"]


@pytest.fixture(scope="module")
def fbnet_pool():
    """An FBNet pool of two synthetic proxies, linear in the encoding (log ms), 300 archs."""
    from oneproxy_plugins.spaces import get_space

    space = get_space("fbnet")
    archs = [space.to_id(a) for a in space.sample_many(300, rng=0)]
    x = space.encode_many(archs)
    rng = np.random.default_rng(0)
    log_ms = np.c_[x @ rng.normal(0, 0.05, x.shape[1]), x @ rng.normal(0, 0.05, x.shape[1])]
    table = LatencyTable(archs, ["a", "b"], np.exp(log_ms), space="fbnet")
    return ProxyPool(table), table


@pytest.fixture(scope="module")
def fbnet_lut():
    """FBNet table made here, 800 archs: proxies ``p1..p5`` and ``like`` share one per-layer
    pattern (log ms linear in the encoding, each its own variation); ``weights`` is
    ``1 + params / mean(params)`` ms, a device bound by weight traffic that no proxy follows."""
    from oneproxy_plugins.spaces import get_space

    space = get_space("fbnet")
    rng = np.random.default_rng(1)
    archs = [space.to_id(a) for a in space.sample_many(800, rng=rng)]
    x = space.encode_many(archs)
    params = space.costs([space.coerce(a) for a in archs])[:, 1]
    base = rng.normal(0, 0.05, x.shape[1])

    def like():
        return 1 + x @ (base + rng.normal(0, 0.02, x.shape[1])) + rng.normal(0, 0.01, len(x))

    cols = [like() for _ in range(5)]
    cols += [np.log(1 + params / params.mean()) + rng.normal(0, 0.005, len(x)), like()]
    table = LatencyTable(archs, ["p1", "p2", "p3", "p4", "p5", "weights", "like"],
                         np.exp(np.c_[tuple(cols)]), space="fbnet")
    return ProxyPool(table, ["p1", "p2", "p3", "p4", "p5"]), table


@pytest.fixture(scope="module")
def pool(synthetic_nb201):
    table, _ = synthetic_nb201
    return ProxyPool(table, PROXIES)


def _fit_score(model, table, target, k=10, seed=0):
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(table), size=k, replace=False)
    archs = [table.archs[r] for r in rows]
    y = table.column(target)
    model.fit(archs, y[rows])
    return spearmanr(model.predict(table.archs), y).statistic


def _deviation_table(n=1500, seed=3):
    """nasbench201 proxies ``s1..s3`` sharing a term nonlinear in the encoding, ``own`` linear
    plus its own noise, and target ``t``: linear plus its own noise (log ms)."""
    from oneproxy_plugins.spaces import get_space

    space = get_space("nasbench201")
    rng = np.random.default_rng(seed)
    archs = [space.to_id(a) for a in space.sample_many(n, rng=rng)]
    x = space.encode_many(archs)
    base = x @ rng.normal(0, 0.1, x.shape[1])
    nonlinear = 0.3 * np.sin(7 * base) * x[:, 3] * x[:, 9]  # products: not linear in x
    cols = [base + 0.05 * rng.normal(size=x.shape[1]) @ x.T + nonlinear
            + rng.normal(0, 0.01, n) for _ in range(3)]
    cols += [base + rng.normal(0, 0.1, n), base + rng.normal(0, 0.1, n)]
    return LatencyTable(archs, ["s1", "s2", "s3", "own", "t"], np.exp(1.0 + np.c_[tuple(cols)]),
                        space="nasbench201")


class TestProxyPool:
    def test_basis_shapes_and_standardisation(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        z, feats = pool.basis(table.archs[:7])
        # three proxies, then their smoothed fits; the encoding plus 4 live-path op counts
        assert z.shape == (7, 6) and feats.shape == (7, 39)
        assert pool.feature_set == "latency" and len(pool.feature_names) == 39
        assert pool.basis_names == PROXIES + [f"{p}~fit" for p in PROXIES]
        assert np.allclose(pool.z.mean(axis=0), 0, atol=1e-9)
        assert np.allclose(pool.z.std(axis=0), 1)

    def test_smoothed_fit_tracks_a_linear_proxy(self, pool):
        """The synthetic proxies are linear in the encoding: raw and fitted columns agree."""
        for j in range(3):
            assert np.corrcoef(pool.z[:, j], pool.z[:, j + 3])[0, 1] > 0.99

    def test_without_smoothing(self, synthetic_nb201):
        table, _ = synthetic_nb201
        plain = ProxyPool(table, PROXIES, smooth=False)
        assert plain.z.shape[1] == 3 and plain.basis_names == PROXIES

    def test_latency_roundtrips_known_archs(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        got = pool.latency(table.archs[:5])
        assert np.allclose(got, table.select(PROXIES).values[:5])

    def test_unknown_archs_get_fallback_predictions(self, pool, synthetic_nb201):
        from oneproxy_plugins.spaces import get_space

        table, _ = synthetic_nb201
        space = get_space("nasbench201")
        unseen = [space.to_id(a) for a in space.enumerate() if space.to_id(a) not in
                  set(table.archs)][:50]
        assert (pool.rows(unseen) == -1).all()
        lat = pool.latency(unseen)
        assert lat.shape == (50, 3) and (lat > 0).all()
        z, _ = pool.basis(unseen)
        assert z.shape == (50, 6) and np.isfinite(z).all()

    def test_weight_prior_is_positive_definite(self, pool):
        mean, cov = pool.weight_prior()
        assert mean.shape == (39,)
        assert np.all(np.linalg.eigvalsh(cov) > 0)

    def test_single_proxy_prior_boosts_op_counts(self, synthetic_nb201):
        table, _ = synthetic_nb201
        single = ProxyPool(table, ["gpu_a"])
        _, cov = single.weight_prior()
        counts = np.array([n.startswith("count[") for n in single.feature_names])
        assert counts.sum() == 5  # the live-path counts are not boosted
        assert np.diag(cov)[counts].min() > 3 * np.diag(cov)[~counts].max()
        _, cov_many = ProxyPool(table, PROXIES).weight_prior(count_boost=100.0)
        _, cov_plain = ProxyPool(table, PROXIES).weight_prior(count_boost=0.0)
        assert np.allclose(cov_many, cov_plain)  # enough proxies: the pool's own covariance

    def test_feature_sets(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        space = pool.space
        plain = ProxyPool(table, PROXIES, feature_set="encoding")
        assert plain.features.shape == (len(table), 35)
        assert plain.feature_names == space.feature_names()
        archs = table.archs[:20]
        assert np.array_equal(pool.encode(archs), space.encode_latency_many(archs))
        assert np.array_equal(plain.encode(archs), space.encode_many(archs))
        # the encoding columns come first, so the paper's adapter sees the same in both
        assert np.allclose(pool.features[:, :35], plain.features)

    def test_space_without_latency_features_uses_its_encoding(self):
        from oneproxy_plugins.spaces import get_space

        space = get_space("proxylessnas")
        archs = [space.to_id(a) for a in space.sample_many(50, rng=0)]
        x = space.encode_many(archs)
        log_ms = np.c_[x @ np.linspace(0, 0.1, x.shape[1]), x @ np.linspace(0.1, 0, x.shape[1])]
        table = LatencyTable(archs, ["a", "b"], np.exp(log_ms), space="proxylessnas")
        assert not hasattr(space, "encode_latency_many")
        pool = ProxyPool(table)
        assert pool.features.shape == x.shape and pool.basis_names == ["a", "b", "a~fit", "b~fit"]

    def test_analytic_proxy_from_fbnet_macs(self, fbnet_pool):
        pool, table = fbnet_pool
        space = pool.space
        assert pool.feature_names[-3:] == ["cost[macs]", "cost[params]", "cost[activations]"]
        assert pool.basis_names[-1] == "cost[macs]" and pool.z.shape[1] == 2 * 2 + 1
        log_macs = np.log(space.costs(table.archs)[:, 0])
        expected = (log_macs - log_macs.mean()) / log_macs.std()
        assert np.allclose(pool.z[:, -1], expected)
        # architectures outside the table get the same analytic column
        unseen = [space.to_id(a) for a in space.sample_many(20, rng=99)]
        assert (pool.rows(unseen) == -1).all()
        z, _ = pool.basis(unseen)
        log_unseen = np.log(space.costs(unseen)[:, 0])
        assert np.allclose(z[:, -1], (log_unseen - log_macs.mean()) / log_macs.std())
        assert pool.latency(unseen).shape == (20, 2)
        # the analytic proxy is a denoised column, with the fits
        assert pool.denoised_columns().tolist() == [2, 3, 4]
        # the encoding feature set has no costs, so no analytic proxy
        plain = ProxyPool(table, feature_set="encoding")
        assert plain.basis_names == ["a", "b", "a~fit", "b~fit"]

    def test_analytic_proxy_wins_on_a_compute_bound_target(self, fbnet_pool):
        """A target that follows MACs is ranked by the analytic column, not the proxies."""
        pool, table = fbnet_pool
        space = pool.space
        y = space.costs(table.archs)[:, 0] / 1e6
        model = AdaProxyPredictor(pool).fit(table.archs[:10], y[:10])
        assert int(np.argmax(model.proxy_weights_)) == len(pool.basis_names) - 1
        assert spearmanr(model.predict(table.archs), y).statistic > 0.99

    def test_shared_deviation_tells_shared_structure_from_noise(self):
        """Three proxies share a term the encoding cannot express; a fourth has only noise."""
        table = _deviation_table()
        proxies = ["s1", "s2", "s3", "own"]
        shared = ProxyPool(table, proxies).shared_deviation()
        assert shared.shape == (4,) and np.all((shared >= 0) & (shared <= 1))
        assert shared[:3].min() > 0.5 and shared[3] < 0.05
        # a single proxy cannot tell: the mean of a uniform prior
        assert ProxyPool(table, ["s1"]).shared_deviation().tolist() == [0.5]
        # without smoothing, the deviation is from the same ridge fit
        assert np.allclose(ProxyPool(table, proxies, smooth=False).shared_deviation(), shared)

    def test_errors(self, synthetic_nb201):
        table, _ = synthetic_nb201
        with pytest.raises(ValueError, match="'feature_set' argument must be one of "
                                             r"\['latency', 'encoding'\]; got 'live'"):
            ProxyPool(table, PROXIES, feature_set="live")
        with pytest.raises(UnknownDeviceError, match="Unknown device 'nope'; known: cpu_a"):
            ProxyPool(table, ["nope"])
        with pytest.raises(TypeError, match="must be a LatencyTable; got list"):
            ProxyPool([1, 2], ["a"])
        with pytest.raises(ValueError, match="at least one proxy"):
            ProxyPool(table, [])
        flat = LatencyTable(["a", "b", "c"], ["x"], np.ones((3, 1)))
        with pytest.raises(ValueError, match="has no space"):
            ProxyPool(flat)


class TestAdaProxyPredictor:
    def test_recovers_a_target_close_to_a_proxy(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        score = _fit_score(AdaProxyPredictor(pool), table, "gpu_b")
        assert score > 0.97

    def test_adapts_beyond_every_single_proxy(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        best_single = max(spearmanr(table.column(p), table.column("mix")).statistic
                          for p in PROXIES)
        scores = [_fit_score(AdaProxyPredictor(pool), table, "mix", k=20, seed=s)
                  for s in range(5)]
        assert np.mean(scores) > best_single

    def test_weights_concentrate_on_the_matching_proxy(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        model = AdaProxyPredictor(pool, temperature=1.0, residual=False)
        _fit_score(model, table, "cpu_b")
        assert pool.basis_names[np.argmax(model.proxy_weights_)].startswith("cpu_a")
        assert model.proxy_weights_.sum() == pytest.approx(1.0)

    def test_accepts_a_table_as_pool_and_clones(self, synthetic_nb201):
        table, _ = synthetic_nb201
        model = AdaProxyPredictor(table.select(PROXIES), temperature=2.0)
        assert clone(model).get_params()["temperature"] == 2.0
        assert _fit_score(model, table, "gpu_b") > 0.9

    def test_auto_noise_picks_from_the_grid(self, pool, synthetic_nb201):
        from oneproxy_plugins.adaproxy import _NOISE_GRID

        table, _ = synthetic_nb201
        model = AdaProxyPredictor(pool)
        _fit_score(model, table, "mix")
        assert model.noise_ in _NOISE_GRID
        fixed = AdaProxyPredictor(pool, noise=0.05)
        _fit_score(fixed, table, "mix")
        assert fixed.noise_ == 0.05
        with pytest.raises(ValueError, match="'noise' argument must be 'auto' or a number > 0"):
            AdaProxyPredictor(pool, noise="high").fit(table.archs[:3], [1.0, 2.0, 3.0])

    def test_gp_loo_matches_brute_force(self):
        from oneproxy_plugins.adaproxy import _gp_loo_select

        rng = np.random.default_rng(0)
        f, g = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
        kernels = [f @ f.T, f @ f.T + 4.0 * g @ g.T]
        y = f @ rng.normal(size=3) + 2.0 * g[:, 0] + 0.1 * rng.normal(size=8)
        alpha, noise, index = _gp_loo_select(kernels, y, [0.01, 1.0])
        brute = {}
        for which, kernel in enumerate(kernels):
            for s in (0.01, 1.0):
                errs = []
                for i in range(8):
                    keep = np.arange(8) != i
                    a = np.linalg.solve(kernel[np.ix_(keep, keep)] + s * np.eye(7), y[keep])
                    errs.append((y[i] - kernel[i, keep] @ a) ** 2)
                brute[which, s] = np.mean(errs)
        assert (index, noise) == min(brute, key=brute.get)
        assert index == 1  # y moves along g, which only the second kernel allows
        assert np.allclose(alpha, np.linalg.solve(kernels[index] + noise * np.eye(8), y))

    def test_slope_var_refits_one_slope_of_the_proxy_average(self, pool, synthetic_nb201):
        from oneproxy_plugins.adaproxy import _loo_affine

        table, _ = synthetic_nb201
        archs, y = table.archs[:15], table.column("mix")[:15]
        # without the free mix of the fits, the slope is the only change to the averaging
        fixed = AdaProxyPredictor(pool, slope_var=0.0, mix_var=0.0).fit(archs, y)
        z, _ = pool.basis(archs)
        _, slopes, _ = _loo_affine(z, np.log(y))
        assert np.allclose(fixed.coef_proxy_, fixed.proxy_weights_ * slopes)
        free = AdaProxyPredictor(pool, slope_var=10.0, mix_var=0.0).fit(archs, y)
        ratio = free.coef_proxy_ / (free.proxy_weights_ * slopes)
        assert np.allclose(ratio, ratio[0]) and not np.isclose(ratio[0], 1.0)

    def test_slope_var_lets_the_residual_replace_a_poor_proxy(self, synthetic_nb201):
        """A single unrelated proxy: with its slope free, the residual does better."""
        table, _ = synthetic_nb201
        single = ProxyPool(table, ["odd"])
        # mix_var=0: a free weight on the fit column would also undo part of the slope
        scores = {v: np.mean([_fit_score(AdaProxyPredictor(single, slope_var=v, mix_var=0.0),
                                         table, "gpu_a", k=20, seed=s) for s in range(5)])
                  for v in (0.0, 10.0)}
        assert scores[10.0] > scores[0.0]

    def test_raw_prior_prefers_fits_of_noisy_proxies(self):
        """Proxies whose deviation from their fit is their own noise give way to their fits."""
        table = _deviation_table()
        pool = ProxyPool(table, ["own", "s1"])
        raw = [0, 1]  # the raw columns; 2, 3 are the fits
        y = table.column("t")
        rng = np.random.default_rng(0)
        rows = rng.choice(len(table), size=10, replace=False)
        archs = [table.archs[r] for r in rows]
        with_prior = AdaProxyPredictor(pool, residual=False).fit(archs, y[rows])
        without = AdaProxyPredictor(pool, residual=False, raw_prior=0.0).fit(archs, y[rows])
        assert with_prior.proxy_weights_[raw].sum() < 0.01
        assert without.proxy_weights_[raw].sum() > 0.1
        assert with_prior.proxy_weights_.sum() == pytest.approx(1.0)
        # without fits there is nothing to prefer: the prior is not applied
        plain = ProxyPool(table, ["own", "s1"], smooth=False)
        a = AdaProxyPredictor(plain, residual=False).fit(archs, y[rows])
        b = AdaProxyPredictor(plain, residual=False, raw_prior=0.0).fit(archs, y[rows])
        assert np.allclose(a.proxy_weights_, b.proxy_weights_)

    def test_mix_var_combines_the_denoised_columns(self, pool, synthetic_nb201):
        """``mix`` is half one proxy's pattern, half another's: a mix of their fits."""
        table, _ = synthetic_nb201
        assert pool.denoised_columns().tolist() == [3, 4, 5]  # the three fits
        plain = ProxyPool(table, PROXIES, smooth=False)
        assert plain.denoised_columns().tolist() == [0, 1, 2]
        scores = {mix_var: np.mean([_fit_score(AdaProxyPredictor(pool, mix_var=mix_var), table,
                                               "mix", k=10, seed=s) for s in range(6)])
                  for mix_var in (0.0, 0.03)}
        assert scores[0.03] > scores[0.0] + 0.002
        # the averaging puts almost everything on one of the two fits; the mix adds the other
        fits = [pool.basis_names.index("gpu_a~fit"), pool.basis_names.index("cpu_a~fit")]
        lesser = {}
        for mix_var in (0.0, 0.03):
            model = AdaProxyPredictor(pool, mix_var=mix_var)
            _fit_score(model, table, "mix", k=10, seed=0)
            lesser[mix_var] = model.coef_proxy_[fits].min()
        assert lesser[0.03] > lesser[0.0] + 0.02

    def test_cost_prior_fits_a_device_no_proxy_follows(self, fbnet_lut):
        pool, table = fbnet_lut
        var = pool.cost_variance(pool.weight_prior()[1])
        costs = [j for j, n in enumerate(pool.feature_names) if n.startswith("cost[")]
        assert len(costs) == 3 and (var[costs] > 0).all() and np.delete(var, costs).max() == 0

        def fits(target, cost_prior):
            models = [AdaProxyPredictor(pool, cost_prior=cost_prior) for _ in range(6)]
            scores = [_fit_score(m, table, target, k=10, seed=s) for s, m in enumerate(models)]
            return np.mean(scores), [m.cost_scale_ for m in models]

        without, scales = fits("weights", 0.0)
        with_costs, chosen = fits("weights", (0.1, 1.0))
        assert without < 0.7 and scales == [0.0] * 6
        assert with_costs > 0.95 and chosen == [1.0] * 6  # leave-one-out picks the wide prior
        # a device like the proxies: the choice costs nothing on average
        assert abs(fits("like", (0.1, 1.0))[0] - fits("like", 0.0)[0]) < 0.02

    def test_cost_prior_leaves_spaces_without_costs_alone(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        assert not pool.cost_variance(pool.weight_prior()[1]).any()
        a, b = AdaProxyPredictor(pool), AdaProxyPredictor(pool, cost_prior=0.0)
        _fit_score(a, table, "mix"), _fit_score(b, table, "mix")
        assert a.cost_scale_ == 0.0 and np.array_equal(a.coef_features_, b.coef_features_)

    @pytest.mark.parametrize("value", [-0.1, (), (0.1, "1"), True, None])
    def test_bad_cost_prior(self, pool, synthetic_nb201, value):
        table, _ = synthetic_nb201
        with pytest.raises(ValueError, match="'cost_prior' argument must be a number >= 0 or a "
                                             "non-empty list of them"):
            AdaProxyPredictor(pool, cost_prior=value).fit(table.archs[:3], [1.0, 2.0, 3.0])

    def test_not_fitted(self, pool):
        with pytest.raises(NotFittedError, match="AdaProxyPredictor is not fitted yet"):
            AdaProxyPredictor(pool).predict(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])

    @pytest.mark.parametrize("y, match", [
        ([1.0, 2.0], "at least 3 measured architectures; got 2"),
        ([1.0, 1.0, 1.0], "constant target has no ranking"),
        ([1.0, -2.0, 3.0], "latencies must be positive"),
        ([1.0, np.nan, 3.0], "latencies must be positive"),
    ])
    def test_bad_targets(self, pool, synthetic_nb201, y, match):
        table, _ = synthetic_nb201
        with pytest.raises((ValueError, DataFormatError), match=match):
            AdaProxyPredictor(pool).fit(table.archs[:len(y)], y)

    def test_bad_hyperparameters(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        with pytest.raises(ValueError, match="'temperature' argument must be a number > 0"):
            AdaProxyPredictor(pool, temperature=0).fit(table.archs[:3], [1.0, 2.0, 3.0])
        for name in ("count_boost", "slope_var", "raw_prior", "mix_var"):
            with pytest.raises(ValueError, match=f"'{name}' argument must be a number > 0; "
                                                 "got -1.0"):
                AdaProxyPredictor(pool, **{name: -1.0}).fit(table.archs[:3], [1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match="'pool' argument must be a ProxyPool"):
            AdaProxyPredictor(None).fit(table.archs[:3], [1.0, 2.0, 3.0])


class TestAdaProxyPaper:
    def test_l2_and_l1_fit_a_linear_target(self, synthetic_nb201):
        table, _ = synthetic_nb201
        pool = ProxyPool(table, ["gpu_a"])
        for penalty in ("l2", "l1"):
            model = AdaProxyPaper(pool, penalty=penalty)
            assert _fit_score(model, table, "gpu_b", k=20) > 0.9
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
        with pytest.raises(ValueError, match="'penalty' argument must be 'l2' or 'l1'; got 'l3'"):
            AdaProxyPaper(pool, penalty="l3").fit(table.archs[:5], y)
        with pytest.raises(ValueError, match="'alphas' argument must be a non-empty list"):
            AdaProxyPaper(pool, alphas=[-1.0]).fit(table.archs[:5], y)
        with pytest.raises(UnknownDeviceError, match="Unknown device 'cpu_a'"):
            AdaProxyPaper(pool, proxy="cpu_a").fit(table.archs[:5], y)


def test_best_proxy_picks_the_most_correlated(pool, synthetic_nb201):
    table, _ = synthetic_nb201
    model = BestProxyPredictor(pool)
    _fit_score(model, table, "gpu_b", k=15)
    assert model.best_proxy_ == "gpu_a"


def test_make_adapter_names(pool):
    assert {type(make_adapter(m, pool)).__name__ for m in ADAPTATION_METHODS} == {
        "AdaProxyPredictor", "AdaProxyPaper", "BestProxyPredictor"}
    with pytest.raises(UnknownPredictorError, match="Unknown method 'helpx'; known: adaproxy"):
        make_adapter("helpx", pool)


def test_make_adapter_passes_parameters(pool):
    assert make_adapter("adaproxy", pool, slope_var=0.0, count_boost=3.0).get_params()[
        "slope_var"] == 0.0
    assert make_adapter("adaproxy-paper-l1", pool, alphas=[1.0]).penalty == "l1"
    with pytest.raises(TypeError, match="'adaproxy-paper-l1' does not take the parameters "
                                        r"\['penalty'\]"):
        make_adapter("adaproxy-paper-l1", pool, penalty="l2")
    with pytest.raises(TypeError, match="Method 'adaproxy' does not take the parameters "
                                        r"\['bogus'\]"):
        make_adapter("adaproxy", pool, bogus=1)


@pytest.mark.shared_data
def test_real_nasbench201_validation_devices(shared_data_dir):
    """Fair protocol: HELP's 9 meta-training devices as proxies, a validation device as target."""
    from oneproxy_plugins.latency import load_data_dir
    from oneproxy_plugins.sampling import select_samples

    table = load_data_dir(shared_data_dir, "nasbench201")
    proxies = ["1080ti_1", "1080ti_32", "1080ti_256", "silver_4114", "silver_4210r",
               "samsung_a50", "pixel3", "essential_ph_1", "samsung_s7"]
    pool = ProxyPool(table, proxies)
    y = table.column("gold_6240")
    scores = []
    for seed in range(3):
        chosen = select_samples(pool, 10, random_state=seed)
        model = AdaProxyPredictor(pool).fit(chosen, y[table.rows_of(chosen)])
        scores.append(spearmanr(model.predict(table.archs), y).statistic)
    # measured 0.954 (30 repeats); best single proxy is 0.958 with all data, 0.92 on 10 samples
    assert np.mean(scores) > 0.94


@pytest.mark.parametrize("method", list(ADAPTATION_METHODS))
def test_save_load_round_trip(tmp_path, pool, synthetic_nb201, method):
    from oneproxy_plugins.predictors.io import load_predictor, save_predictor

    table, _ = synthetic_nb201
    model = make_adapter(method, pool).fit(table.archs[:12], table.column("mix")[:12])
    path = save_predictor(model, tmp_path / "m.json")
    loaded = load_predictor(path)
    assert type(loaded) is type(model)
    assert np.allclose(loaded.predict(table.archs[:200]), model.predict(table.archs[:200]))
    assert "pickle" not in path.read_text()


def test_pool_saved_without_feature_set_loads_as_the_encoding(tmp_path, synthetic_nb201):
    """Files written before ``feature_set`` existed were fitted on the encoding alone."""
    import json

    from oneproxy_plugins.predictors.io import load_predictor, save_predictor

    table, _ = synthetic_nb201
    archs, y = table.archs[:12], table.column("mix")[:12]
    old = AdaProxyPredictor(ProxyPool(table, PROXIES, feature_set="encoding")).fit(archs, y)
    path = save_predictor(old, tmp_path / "old.json")
    doc = json.loads(path.read_text())
    del doc["state"]["pool"]["feature_set"], doc["state"]["pool"]["n_features"]
    path.write_text(json.dumps(doc))
    loaded = load_predictor(path)
    assert loaded.pool.feature_set == "encoding"
    assert np.allclose(loaded.predict(table.archs[:100]), old.predict(table.archs[:100]))

    new = AdaProxyPredictor(ProxyPool(table, PROXIES)).fit(archs, y)
    doc = json.loads(save_predictor(new, tmp_path / "new.json").read_text())
    del doc["state"]["pool"]["feature_set"], doc["state"]["pool"]["n_features"]
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(DataFormatError, match="fitted on 39 features but its pool "
                                              r"\(feature_set 'encoding'\) has 35"):
        load_predictor(tmp_path / "bad.json")


def test_fbnet_file_saved_before_its_latency_features_loads_as_the_encoding(tmp_path,
                                                                            fbnet_pool):
    """FBNet pools saved with ``feature_set="latency"`` before FBNet had latency features were
    fitted on its 207-column encoding (and have no ``n_features``)."""
    import json

    from oneproxy_plugins.predictors.io import load_predictor, save_predictor

    _, table = fbnet_pool
    archs, y = table.archs[:12], table.column("a")[:12] * 1.5
    old = AdaProxyPredictor(ProxyPool(table, feature_set="encoding")).fit(archs, y)
    path = save_predictor(old, tmp_path / "old.json")
    doc = json.loads(path.read_text())
    assert doc["state"]["pool"]["n_features"] == 207
    doc["state"]["pool"]["feature_set"] = "latency"
    del doc["state"]["pool"]["n_features"]
    path.write_text(json.dumps(doc))
    loaded = load_predictor(path)
    assert loaded.pool.feature_set == "encoding"
    assert np.allclose(loaded.predict(table.archs[:100]), old.predict(table.archs[:100]))

    new = AdaProxyPredictor(ProxyPool(table)).fit(archs, y)
    new_path = save_predictor(new, tmp_path / "new.json")
    assert json.loads(new_path.read_text())["state"]["pool"]["n_features"] == 210
    assert np.allclose(load_predictor(new_path).predict(table.archs[:100]),
                       new.predict(table.archs[:100]))


def test_file_saved_before_cost_prior_loads(tmp_path, fbnet_lut):
    """Files written before ``cost_prior`` have no ``cost_scale_`` and no such parameter."""
    import json

    from oneproxy_plugins.predictors.io import load_predictor, save_predictor

    pool, table = fbnet_lut
    model = AdaProxyPredictor(pool).fit(table.archs[:10], table.column("weights")[:10])
    path = save_predictor(model, tmp_path / "m.json")
    assert load_predictor(path).cost_scale_ == model.cost_scale_ == 1.0
    doc = json.loads(path.read_text())
    del doc["state"]["cost_scale_"], doc["params"]["cost_prior"]
    path.write_text(json.dumps(doc))
    loaded = load_predictor(path)
    assert not hasattr(loaded, "cost_scale_")
    assert np.allclose(loaded.predict(table.archs[:100]), model.predict(table.archs[:100]))
    doc["state"].pop("noise_")
    path.write_text(json.dumps(doc))
    with pytest.raises(DataFormatError, match="noise_"):  # only the added attribute may be absent
        load_predictor(path)


def test_pool_with_another_feature_count_is_refused(tmp_path, synthetic_nb201):
    import json

    from oneproxy_plugins.predictors.io import load_predictor, save_predictor

    table, _ = synthetic_nb201
    model = AdaProxyPredictor(ProxyPool(table, PROXIES)).fit(table.archs[:12],
                                                              table.column("mix")[:12])
    doc = json.loads(save_predictor(model, tmp_path / "m.json").read_text())
    doc["state"]["pool"]["n_features"] = 40
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(DataFormatError, match="saved proxy pool has 40 features "
                                              r"\(feature_set 'latency'\) but space "
                                              "'nasbench201' now gives 39"):
        load_predictor(tmp_path / "bad.json")
