"""Tests of oneproxy_plugins.adaproxy.pool: the proxy pool the adapters build on."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import spearmanr

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.exceptions import DataFormatError, UnknownDeviceError
from oneproxy_plugins.latency import LatencyTable

from .conftest import PROXIES, dead_op_table, deviation_table

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

    def test_rows_of_ids_values_and_cells_outside_the_table(self, pool, synthetic_nb201):
        """The same row for an architecture however it is given and whatever is beside it:
        all ids of the table (the fast path), or mixed with values and cells outside."""
        from oneproxy_plugins.spaces import get_space

        table, _ = synthetic_nb201
        space = get_space("nasbench201")
        ids = list(table.archs[:6])
        outside = next(space.to_id(a) for a in space.enumerate()
                       if space.to_id(a) not in set(table.archs))
        assert pool.rows(ids).tolist() == [pool.rows([a])[0] for a in ids] == list(range(6))
        mixed = [ids[0], space.coerce(ids[1]), outside, ids[3]]
        assert pool.rows(mixed).tolist() == [0, 1, -1, 3]
        assert pool.rows(np.array(ids)).tolist() == list(range(6))  # numpy strings are ids

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

    def test_whole_small_space_basis_is_the_fallback_built_once(self, synthetic_nb201):
        """Predicting all of NAS-Bench-201 from a 2,000-cell table builds the basis of the rest
        once; later lookups give what encoding each architecture gives."""
        from oneproxy_plugins.spaces import get_space

        table, _ = synthetic_nb201
        space = get_space("nasbench201")
        every = [space.to_id(a) for a in space.enumerate()]
        few = every[:40]
        plain = ProxyPool(table, PROXIES)
        z_plain, f_plain = plain.basis(few)  # a few misses: encoded, nothing built
        assert plain._space_cache is None
        cached = ProxyPool(table, PROXIES)
        z_all, f_all = cached.basis(every)
        assert isinstance(cached._space_cache, tuple) and len(cached._space_cache[0]) == 15_625
        assert np.allclose(z_all[:40], z_plain) and np.allclose(f_all[:40], f_plain)
        rows = cached.rows(every)
        assert (rows >= 0).sum() == len(table) and np.array_equal(cached.z[rows[rows >= 0]],
                                                                  z_all[rows >= 0])
        as_tuples = [space.coerce(a) for a in few]  # not ids: parsed, same basis
        assert np.allclose(cached.basis(as_tuples)[0], z_plain)

    def test_twin_basis_is_both_scales_bases_with_one_index(self, synthetic_nb201):
        """What predicting in both scales looks up: each scale's basis, the space's index
        built once for the two."""
        from oneproxy_plugins.spaces import get_space

        table, _ = synthetic_nb201
        space = get_space("nasbench201")
        every = [space.to_id(a) for a in space.enumerate()]
        log = ProxyPool(table, PROXIES)
        ms = log.in_scale(False)
        inside, mixed = table.archs[:30], every[:20] + table.archs[:5]
        for archs in (inside, mixed):  # the table's rows; then encoding the rest
            z, z_ms, feats = log._twin_basis(archs)
            np.testing.assert_array_equal(z, log.basis(archs)[0])
            np.testing.assert_array_equal(z_ms, ms.basis(archs)[0])
            np.testing.assert_array_equal(feats, ms.basis(archs)[1])
        log.basis(every), ms.basis(every)  # many misses: each builds the space's basis
        assert log._space_cache[0] is ms._space_cache[0]  # one index, one set of features
        assert log._space_cache[2] is ms._space_cache[2]
        z, z_ms, feats = log._twin_basis(every[::7])
        np.testing.assert_allclose(z_ms, ms.basis(every[::7])[0])
        plain = ProxyPool(table, PROXIES, log=False)  # nothing shared: encoded afresh
        np.testing.assert_allclose(z_ms[:50], plain.basis(every[::7][:50])[0], atol=1e-9)
        np.testing.assert_allclose(feats[:50], plain.basis(every[::7][:50])[1], atol=1e-12)

    def test_in_scale_is_the_same_pool_in_milliseconds(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        ms = pool.in_scale(False)
        assert pool.log and not ms.log
        assert pool.in_scale(True) is pool and ms.in_scale(False) is ms
        assert pool.in_scale(False) is ms and ms.in_scale(True) is pool  # built once
        fresh = ProxyPool(table.select(PROXIES), log=False)
        assert ms.archs == fresh.archs and ms.basis_names == fresh.basis_names
        np.testing.assert_allclose(ms.z, fresh.z, atol=1e-9)
        np.testing.assert_allclose(ms.latency(ms.archs[:50]), pool.latency(pool.archs[:50]))
        np.testing.assert_allclose(ms.z[:, 0], (table.column(PROXIES[0])[table.rows_of(ms.archs)]
                                                - np.mean(table.column(PROXIES[0])))
                                   / np.std(table.column(PROXIES[0])), atol=1e-9)

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

    def test_live_path_share_tells_runtimes_that_skip_dead_ops(self, fbnet_pool):
        table = dead_op_table()
        shares = ProxyPool(table, ["skip", "dense"]).live_path_share()
        assert shares.shape == (2,) and shares[0] > 0.5 and shares[1] < 0.05
        assert ProxyPool(table, ["runs"]).live_path_share()[0] > 0.5
        pool, _ = fbnet_pool  # no live-path features: nothing to tell
        assert np.array_equal(pool.live_path_share(), np.zeros(2))

    def test_prior_boosts_live_counts_on_request(self, synthetic_nb201):
        table, _ = synthetic_nb201
        single = ProxyPool(table, ["gpu_a"])
        names = single.feature_names
        live = np.array([n.startswith("live[") for n in names])
        counts = np.array([n.startswith("count[") for n in names])
        assert live.sum() == 4
        _, plain = single.weight_prior(count_boost=0.0)
        _, boosted = single.weight_prior(count_boost=0.0, live_boost=10.0)
        added = np.diag(boosted) - np.diag(plain)
        assert np.allclose(added[~live], 0.0) and (added[live] > 0).all()
        assert np.allclose(boosted - np.diag(np.diag(boosted)), plain - np.diag(np.diag(plain)))
        _, both = single.weight_prior(count_boost=5.0, live_boost=10.0)
        added = np.diag(both) - np.diag(plain)
        assert np.allclose(2 * added[counts], added[live][0])  # in the same units
        # three proxies or more: the pool's own covariance, plus the live boost alone (no
        # count boost)
        _, many = ProxyPool(table, PROXIES).weight_prior(count_boost=5.0, live_boost=100.0)
        _, many_plain = ProxyPool(table, PROXIES).weight_prior(count_boost=5.0)
        added = np.diag(many) - np.diag(many_plain)
        assert np.allclose(added[~live], 0.0) and (added[live] > 0).all()
        assert np.allclose(many - np.diag(np.diag(many)),
                           many_plain - np.diag(np.diag(many_plain)))

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
        table = deviation_table()
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

    def test_contains_and_public_encoding(self, pool, synthetic_nb201):
        table, _ = synthetic_nb201
        assert pool.archs[0] in pool and "not an arch" not in pool and 3 not in pool
        enc = pool.encoding(pool.archs[:5])
        assert np.array_equal(enc, pool.space.encode_many(pool.archs[:5]))
        assert np.allclose(pool.features[:5] + pool.feature_mean, pool.encode(pool.archs[:5]))


def test_save_state_needs_its_feature_set(tmp_path, synthetic_nb201):
    """A pool's state records its feature set and feature count; one without them is refused,
    not guessed."""
    from oneproxy_plugins.predictors.io import load_predictor, save_predictor

    table, _ = synthetic_nb201
    model = AdaProxyPredictor(ProxyPool(table, PROXIES)).fit(table.archs[:12],
                                                              table.column("mix")[:12])
    doc = json.loads(save_predictor(model, tmp_path / "m.json").read_text())
    for key in ("feature_set", "n_features"):
        broken = json.loads(json.dumps(doc))
        del broken["state"]["pool"][key]
        (tmp_path / "bad.json").write_text(json.dumps(broken))
        with pytest.raises(DataFormatError, match=f"the state of AdaProxyPredictor misses "
                                                  f"'{key}'"):
            load_predictor(tmp_path / "bad.json")


def test_pool_with_another_feature_count_is_refused(tmp_path, synthetic_nb201):
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


@pytest.mark.shared_data
def test_live_path_share_of_the_shared_tables(shared_data_dir):
    """nn-Meter's VPU skips dead ops (share 0.40), HELP's pixel3 (PyTorch) runs them (0.04 on
    every cell; here on the VPU's 1,999)."""
    from oneproxy_plugins.latency import load_data_dir

    table = load_data_dir(shared_data_dir, "nasbench201")
    vpu, pixel3 = ProxyPool(table, ["nnmeter_myriadvpu", "pixel3"]).live_path_share()
    assert vpu > 0.3 and pixel3 < 0.07


class TestPriorDevices:
    """``prior_devices``: measured devices whose weights join the proxies' in the prior."""

    def test_prior_spans_a_device_no_proxy_follows(self, synthetic_nb201):
        """With one proxy pattern only (gpu_a and a noisy twin), the prior has no room for
        cpu_a's weights; with cpu_b (cpu_a's twin) as a prior device it does, and cpu_b is no
        basis column."""
        table, weights = synthetic_nb201
        alone = ProxyPool(table, ["gpu_a", "gpu_b", "odd"])
        with_cpu = ProxyPool(table, ["gpu_a", "gpu_b", "odd"], prior_devices=["cpu_b"])
        assert with_cpu.prior_devices == ["cpu_b"] and with_cpu.basis_names == alone.basis_names
        w = weights["cpu_a"] - weights["cpu_a"].mean()
        w = np.r_[w, np.zeros(len(alone.feature_names) - len(w))]

        def share(pool):  # prior variance along cpu_a's weights, relative to the average
            _, cov = pool.weight_prior(eps=0.0)
            return float(w @ cov @ w) / float(np.trace(cov) * (w @ w) / len(w))

        assert share(with_cpu) > 3 * share(alone)

    def test_devices_measured_on_part_of_the_pool(self, synthetic_nb201):
        """A prior device measured on part of the pool's architectures is fitted on those; one
        measured on no more than there are features is refused, naming it."""
        table, _ = synthetic_nb201
        values = table.values.copy()
        col = table.devices.index("mix")
        values[500:, col] = np.nan
        partial = LatencyTable(table.archs, table.devices, values, space="nasbench201")
        pool = ProxyPool(partial, PROXIES, prior_devices=["mix", "gpu_a"])
        assert pool.prior_devices == ["mix"]  # a proxy counts once
        full = ProxyPool(table, PROXIES, prior_devices=["mix"])
        a, b = pool._prior_weights()[0], full._prior_weights()[0]
        assert np.corrcoef(a, b)[0, 1] > 0.95
        values[30:, col] = np.nan
        few = LatencyTable(table.archs, table.devices, values, space="nasbench201")
        with pytest.raises(ValueError, match="Prior device 'mix' is measured on 30 of the "
                                             "pool's 2000 architectures; a prior device needs "
                                             "more than the 39 features"):
            ProxyPool(few, PROXIES, prior_devices=["mix"])
        with pytest.raises(UnknownDeviceError):
            ProxyPool(table, PROXIES, prior_devices=["nope"])
        with pytest.raises(TypeError, match="sequence of device names; got the str 'mix'"):
            ProxyPool(table, PROXIES, prior_devices="mix")

    def test_devices_measured_alike_share_a_solve_with_the_same_weights(self, synthetic_nb201):
        """Devices are fitted in groups of those measured on the same architectures; each one's
        weights are those it gets alone, and a pool derived with the same prior devices in the
        same scale has the same fits (shared, not refitted)."""
        table, _ = synthetic_nb201
        values = table.values.copy()
        for device in ("cpu_b", "odd"):  # two devices on the same 1,200 architectures
            values[1200:, table.devices.index(device)] = np.nan
        partial = LatencyTable(table.archs, table.devices, values, space="nasbench201")
        names = ["cpu_b", "mix", "odd", "gpu_b"]
        pool = ProxyPool(partial, ["gpu_a", "cpu_a"], prior_devices=names)
        for j, device in enumerate(names):
            alone = ProxyPool(partial, ["gpu_a", "cpu_a"], prior_devices=[device])
            np.testing.assert_allclose(pool._prior_weights()[j], alone._prior_weights()[0],
                                       rtol=1e-7, atol=1e-10)
        extra = LatencyTable(pool.archs, [*pool.devices, "twin"],
                             np.c_[pool.latency(pool.archs), partial.column("mix")[
                                 partial.rows_of(pool.archs)]], space="nasbench201")
        derived = pool.derived(extra)
        np.testing.assert_array_equal(derived.prior_fit_map(), pool.prior_fit_map())
        fresh = ProxyPool(extra, prior_devices=names, _prior_ms=(pool.archs, pool._prior_ms))
        np.testing.assert_allclose(fresh.prior_fit_map(), pool.prior_fit_map(), rtol=1e-9,
                                   atol=1e-12)
        other_scale = pool.derived(extra, log=False)
        assert not np.allclose(other_scale.prior_fit_map(), pool.prior_fit_map())

    def test_their_fits_are_known_everywhere(self, synthetic_nb201):
        """``prior_fits``: each prior device's linear fit, standardised over the pool, also on
        the architectures the device is not measured on and on those outside the table;
        none without prior devices."""
        table, _ = synthetic_nb201
        values = table.values.copy()
        values[500:, table.devices.index("cpu_b")] = np.nan
        inside = LatencyTable(table.archs[:1500], table.devices, values[:1500],
                              space="nasbench201")
        pool = ProxyPool(inside, PROXIES, prior_devices=["cpu_b", "mix"])
        fits = pool.prior_fits(pool.basis(table.archs)[1])
        assert fits.shape == (2000, 2)
        np.testing.assert_allclose(fits[:1500].mean(axis=0), 0.0, atol=1e-9)
        np.testing.assert_allclose(fits[:1500].std(axis=0), 1.0)
        truth = table.column("cpu_b")
        assert spearmanr(fits[500:1500, 0], truth[500:1500])[0] > 0.95  # not measured there
        assert spearmanr(fits[1500:, 0], truth[1500:])[0] > 0.95  # outside the table
        assert ProxyPool(inside, PROXIES).prior_fits(pool.features[:4]).shape == (4, 0)

    def test_each_device_keeps_its_own_weights_among_others(self, synthetic_nb201):
        """Devices measured on the same architectures share one solve: each row of the prior
        devices' weights is still the device's own, in order, whichever others are measured
        where."""
        table, _ = synthetic_nb201
        values = table.values.copy()
        values[700:, table.devices.index("mix")] = np.nan
        values[:300, table.devices.index("gpu_b")] = np.nan
        partial = LatencyTable(table.archs, table.devices, values, space="nasbench201")
        names = ["gpu_b", "cpu_b", "mix"]  # three coverages, the full one between the others
        together = ProxyPool(partial, PROXIES, prior_devices=names)._prior_weights()
        for row, name in zip(together, names):
            alone = ProxyPool(partial, PROXIES, prior_devices=[name])._prior_weights()[0]
            np.testing.assert_allclose(row, alone, rtol=1e-9, atol=1e-12)
        assert not np.allclose(together[0], together[1])

    def test_weight_prior_answers_are_shared_read_only(self, synthetic_nb201):
        """``weight_prior`` hands every caller the same arrays for the same arguments, so
        they are read-only; other arguments give other arrays."""
        table, _ = synthetic_nb201
        pool = ProxyPool(table, PROXIES, prior_devices=["cpu_b"])
        mean, cov = pool.weight_prior(0.1, 3.0, 1.0)
        assert pool.weight_prior(0.1, 3.0, 1.0)[1] is cov
        with pytest.raises(ValueError, match="read-only"):
            cov[0, 0] = 1.0
        assert not np.array_equal(pool.weight_prior(0.1, 3.0, 0.0)[1], cov)
        assert not np.array_equal(pool.weight_prior(0.1, 3.0, 1.0,
                                                    with_prior_devices=False)[1], cov)

    def test_kept_in_the_other_scale_and_in_a_saved_model(self, tmp_path, synthetic_nb201):
        """The adapter's pool in milliseconds keeps the prior devices; a saved model reloads
        them and predicts the same; the prior changes the fit."""
        from oneproxy_plugins.predictors.io import load_predictor, save_predictor

        table, _ = synthetic_nb201
        pool = ProxyPool(table, PROXIES, prior_devices=["cpu_b", "gpu_b"])
        assert pool.in_scale(False).prior_devices == ["cpu_b", "gpu_b"]
        archs, y = table.archs[:10], table.column("mix")[:10]
        model = AdaProxyPredictor(pool, scale="ms").fit(archs, y)
        plain = AdaProxyPredictor(ProxyPool(table, PROXIES), scale="ms").fit(archs, y)
        assert not np.allclose(model.predict(table.archs), plain.predict(table.archs))
        back = load_predictor(save_predictor(model, tmp_path / "m.json"))
        assert back.pool_.prior_devices == ["cpu_b", "gpu_b"]
        assert np.allclose(back.predict(table.archs), model.predict(table.archs))
        derived = pool.derived(table, PROXIES, prior_devices=["mix"])
        assert derived.prior_devices == ["mix"]
        # the same architectures: the prior devices' latencies are reused, not read again
        assert pool.derived(table.select([*PROXIES, "mix"])).prior_devices == ["cpu_b", "gpu_b"]
        assert pool.derived(table).prior_devices == []  # every device a proxy now

    def test_the_adapter_averages_the_two_priors(self, synthetic_nb201):
        """``device_prior``: "proxies" fits as a pool without prior devices does, "pool" under
        the prior with them alone, "average" weighs fits under both (weight strictly
        between); anything else is refused, naming what is allowed."""
        table, _ = synthetic_nb201
        archs, y = table.archs[:10], table.column("mix")[:10]
        pool = ProxyPool(table, PROXIES, prior_devices=["cpu_b", "gpu_b"])
        plain = AdaProxyPredictor(ProxyPool(table, PROXIES), scale="ms").fit(archs, y)
        fits = {rule: AdaProxyPredictor(pool, scale="ms", device_prior=rule).fit(archs, y)
                for rule in ("proxies", "pool", "average")}
        # equal to roundoff: the prior devices' fits are columns of weight 0 there
        np.testing.assert_allclose(fits["proxies"].predict(table.archs),
                                   plain.predict(table.archs), rtol=1e-12, atol=0)
        assert plain.device_prior_weight_ == fits["proxies"].device_prior_weight_ == 0.0
        assert fits["pool"].device_prior_weight_ == 1.0
        assert 0.0 < fits["average"].device_prior_weight_ < 1.0
        assert len(fits["average"].live_candidates_) == len(fits["average"].live_weights_)
        assert fits["average"].live_weights_.sum() == pytest.approx(1.0)
        with pytest.raises(ValueError, match="'device_prior' parameter must be one of"):
            AdaProxyPredictor(pool, device_prior="all").fit(archs, y)

    def test_the_adapter_weighs_their_fits(self, synthetic_nb201):
        """``prior_fit_weight``: a target whose twin is a prior device (cpu_a, cpu_b; no
        proxy like them) is ranked far better with the prior devices' fits in the proxy
        average than without (0, as ``device_prior="proxies"``: no weight on them); a
        negative weight is refused."""
        table, _ = synthetic_nb201
        pool = ProxyPool(table, ["gpu_a", "odd"], prior_devices=["cpu_b", "gpu_b"])
        y = table.column("cpu_a")
        for seed in range(3):
            rows = np.random.default_rng(seed).choice(len(table.archs), 10, replace=False)
            archs = [table.archs[i] for i in rows]
            fits = {w: AdaProxyPredictor(pool, scale="ms", prior_fit_weight=w).fit(archs,
                                                                                 y[rows])
                    for w in (0.0, 1.0)}
            srccs = {w: spearmanr(m.predict(table.archs), y)[0] for w, m in fits.items()}
            assert srccs[1.0] > 0.95 and srccs[1.0] > srccs[0.0] + 0.05
            weighed = fits[1.0]
            assert weighed.prior_fit_weights_[0] > 0.5  # cpu_b's, not gpu_b's
            assert (weighed.proxy_weights_.sum() + weighed.prior_fit_weights_.sum()
                    == pytest.approx(1.0))
            assert len(fits[0.0].prior_fit_weights_) == 0
            ignored, unweighed = (AdaProxyPredictor(pool, scale="ms", **params).fit(archs, y[rows])
                                  for params in ({"device_prior": "proxies"},
                                                 {"device_prior": "proxies",
                                                  "prior_fit_weight": 0.0}))
            np.testing.assert_array_equal(ignored.predict(table.archs),
                                          unweighed.predict(table.archs))
            assert len(ignored.prior_fit_weights_) == 0
        with pytest.raises(ValueError, match="prior_fit_weight"):
            AdaProxyPredictor(pool, prior_fit_weight=-1.0).fit(archs, y[rows])

    def test_their_fits_fold_into_the_features(self, tmp_path, monkeypatch, synthetic_nb201):
        """The fits' coefficients and covariance are folded into the features' (each fit is
        linear in them): the model predicts from the pool's basis, with the same means and
        variances as with the fits as columns; a saved model predicts the same."""
        from oneproxy_plugins.predictors.io import load_predictor, save_predictor

        table, _ = synthetic_nb201
        pool = ProxyPool(table, ["gpu_a", "odd"], prior_devices=["cpu_b", "gpu_b"])
        archs, y = table.archs[:10], table.column("cpu_a")[:10]
        model = AdaProxyPredictor(pool, scale="ms").fit(archs, y)
        with monkeypatch.context() as patch:
            patch.setattr(AdaProxyPredictor, "_fold_prior_fits", lambda self, own: None)
            unfolded = AdaProxyPredictor(pool, scale="ms").fit(archs, y)
        ms_pool = model.pool_  # the pool in milliseconds
        z, feats = ms_pool.basis(table.archs[:200])
        assert len(model.coef_proxy_) == z.shape[1] == len(unfolded.coef_proxy_) - 2

        def mean_var(m, phi):
            return m.intercept_ + phi[:, 1:1 + len(m.coef_proxy_)] @ m.coef_proxy_ + (
                phi[:, 1 + len(m.coef_proxy_):] @ m.coef_features_), np.einsum(
                "ij,jk,ik->i", phi, m.coef_cov_, phi)

        ones = np.ones((len(z), 1))
        for got, want in zip(mean_var(model, np.c_[ones, z, feats]),
                             mean_var(unfolded, np.c_[ones, z, ms_pool.prior_fits(feats), feats])):
            np.testing.assert_allclose(got, want, rtol=1e-9)
        assert (model.prior_fit_weights_ > 0).all()
        back = load_predictor(save_predictor(model, tmp_path / "m.json"))
        np.testing.assert_allclose(back.predict(table.archs), model.predict(table.archs))
        np.testing.assert_allclose(back.predict_interval(table.archs[:50]),
                                   model.predict_interval(table.archs[:50]))
