"""Tests of oneproxy_plugins.sampling."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.fronts import nondominated_rank
from oneproxy_plugins.adaproxy.predictor import _LIVE_BOOST_AUTO
from oneproxy_plugins.sampling import _feature_map, select_front_samples, select_samples


@pytest.fixture(scope="module")
def pool(synthetic_nb201):
    table, _ = synthetic_nb201
    return ProxyPool(table, ["gpu_a", "cpu_a", "odd"])


METHODS = ["random", "greedy", "max-variance", "integrated"]


def _summed_variance(pool, chosen, noise=1e-2):
    """The posterior variance summed over the pool's architectures after measuring ``chosen``,
    under the integrated chooser's prior (what it reduces greedily)."""
    phi = _feature_map(pool, np.arange(len(pool)), max(_LIVE_BOOST_AUTO))
    picked = phi[pool.rows(chosen)]
    cov = np.linalg.inv(np.eye(phi.shape[1]) + picked.T @ picked / noise)
    return float(np.sum((phi @ cov) * phi))


class TestSelectSamples:
    @pytest.mark.parametrize("method", METHODS)
    def test_distinct_ids_from_candidates(self, pool, method):
        cands = pool.archs[:200]
        chosen = select_samples(pool, 10, candidates=cands, method=method, random_state=0)
        assert len(chosen) == len(set(chosen)) == 10
        assert set(chosen) <= set(cands)

    @pytest.mark.parametrize("method", METHODS)
    def test_seeded(self, pool, method):
        a = select_samples(pool, 5, method=method, random_state=3)
        assert a == select_samples(pool, 5, method=method, random_state=3)
        assert a != select_samples(pool, 5, method=method, random_state=4)

    def test_max_variance_spreads_over_the_latency_range(self, pool):
        """Its picks cover a wider range of proxy latency than random ones, on average."""
        def spread(method):
            out = []
            for seed in range(10):
                rows = pool.rows(select_samples(pool, 8, method=method, random_state=seed))
                out.append(np.ptp(pool.z[rows, 0]))
            return np.mean(out)

        assert spread("max-variance") > spread("random")

    def test_integrated_leaves_less_variance_over_the_candidates(self, pool):
        """What it reduces greedily, the summed posterior variance, is lower after its picks
        than after the largest-variance picks, seed by seed (six picks: by ten this pool's few
        directions are all measured and either leaves about the noise)."""
        for seed in range(5):
            integrated = select_samples(pool, 6, method="integrated", random_state=seed)
            widest = select_samples(pool, 6, method="max-variance", random_state=seed)
            assert integrated[0] == widest[0]  # the same random first pick
            assert _summed_variance(pool, integrated) < _summed_variance(pool, widest)

    def test_greedy_is_integrated_with_a_pool_and_five_samples(self, pool, synthetic_nb201):
        def pick(p, k, method):
            return select_samples(p, k, method=method, random_state=1)

        assert pick(pool, 10, "greedy") == pick(pool, 10, "integrated")
        assert pick(pool, 10, "greedy") != pick(pool, 10, "max-variance")
        assert pick(pool, 5, "greedy") == pick(pool, 5, "integrated")
        assert pick(pool, 5, "greedy") != pick(pool, 5, "max-variance")
        assert pick(pool, 4, "greedy") == pick(pool, 4, "max-variance")  # fewer samples
        two = ProxyPool(synthetic_nb201[0], ["gpu_a", "cpu_a"])  # fewer proxies
        assert pick(two, 10, "greedy") == pick(two, 10, "max-variance")

    def test_errors(self, pool):
        with pytest.raises(UnknownNameError, match="Unknown sampler 'smart'; known: greedy, "
                                                   "integrated, max-variance, random"):
            select_samples(pool, 3, method="smart")
        with pytest.raises(ValueError, match=r"'k' argument must be an int in \[1, 4\]"):
            select_samples(pool, 5, candidates=pool.archs[:4])
        known = set(pool.archs)
        unseen = next(a for a in map(pool.space.to_id, pool.space.enumerate()) if a not in known)
        with pytest.raises(ValueError, match="not measured on every proxy"):
            select_samples(pool, 1, candidates=[unseen])


class TestSelectFrontSamples:
    def test_chooses_among_the_best_layers(self, pool):
        rng = np.random.default_rng(0)
        metric = rng.random(len(pool))
        latency = np.exp(np.log(pool.latency(pool.archs)).mean(axis=1))
        rank = nondominated_rank(np.c_[metric, latency], ["maximize", "minimize"])
        cutoff = np.sort(rank)[int(np.ceil(0.1 * len(pool))) - 1]
        allowed = {a for a, r in zip(pool.archs, rank) if r <= cutoff}
        assert len(allowed) < 0.2 * len(pool)
        for seed in range(3):
            chosen = select_front_samples(pool, 8, metric, share=0.1, random_state=seed)
            assert len(set(chosen)) == 8 and set(chosen) <= allowed

    def test_share_one_is_the_max_variance_chooser(self, pool):
        metric = np.arange(len(pool), dtype=float)
        assert select_front_samples(pool, 6, metric, share=1.0, random_state=2,
                                    floor_samples=None) == \
            select_samples(pool, 6, method="max-variance", random_state=2)
        # whatever the pool and K: the front's extremes decide its hypervolume
        assert select_front_samples(pool, 12, metric, share=1.0, random_state=2,
                                    floor_samples=None) == \
            select_samples(pool, 12, method="max-variance", random_state=2)
        # with the metric constant nothing is at its floor
        assert select_front_samples(pool, 6, np.ones(len(pool)), share=1.0,
                                    random_state=2) == \
            select_samples(pool, 6, method="max-variance", random_state=2)

    def test_few_samples_at_the_metric_floor(self, pool):
        # the least accurate tenth of the range holds 40 % of the cells, and the proxy pool is
        # least sure about them (the odd device's fastest and slowest): left alone, the
        # greedy chooser spends several samples there
        rng = np.random.default_rng(5)
        odd = np.log(pool.latency(pool.archs)[:, pool.devices.index("odd")])
        extreme = np.abs(odd - np.median(odd)) > np.quantile(np.abs(odd - np.median(odd)), 0.6)
        metric = np.where(extreme, rng.uniform(0.0, 0.05, len(pool)), rng.uniform(0.2, 1.0,
                                                                                 len(pool)))
        floor = {a for a, e in zip(pool.archs, extreme) if e}
        counts = {}
        for cap in (None, 1, 2):
            counts[cap] = []
            for seed in range(5):
                chosen = select_front_samples(pool, 10, metric, share=1.0, random_state=seed,
                                              floor_samples=cap)
                assert len(set(chosen)) == 10
                counts[cap].append(sum(a in floor for a in chosen))
                if cap is not None:
                    assert chosen[0] not in floor  # the random first pick is above it
        assert max(counts[None]) > 2  # the limit is needed here
        assert max(counts[1]) <= 1 and max(counts[2]) <= 2
        assert min(counts[1]) == 1  # one sample keeps the floor's cells anchored

    def test_auto_limits_the_floor_below_twenty_samples(self, pool):
        metric = np.where(np.arange(len(pool)) % 3 == 0, 0.0, np.linspace(0.5, 1, len(pool)))
        for k, same_as in ((10, 1), (19, 1), (20, None), (40, None)):
            assert select_front_samples(pool, k, metric, share=1.0, random_state=k) == \
                select_front_samples(pool, k, metric, share=1.0, random_state=k,
                                     floor_samples=same_as)

    def test_floor_limit_gives_way_when_too_few_cells_are_above_it(self, pool):
        metric = np.zeros(len(pool))
        metric[:3] = 1.0  # three cells above the floor, 7 samples asked
        chosen = select_front_samples(pool, 7, metric, share=1.0, random_state=0)
        assert len(set(chosen)) == 7 and set(pool.archs[:3]) <= set(chosen)

    def test_repeated_candidates_count_once(self, pool):
        cands = pool.archs[:5] * 2
        chosen = select_front_samples(pool, 5, np.arange(10.0), candidates=cands, share=1.0,
                                      random_state=0)
        assert sorted(chosen) == sorted(pool.archs[:5])
        with pytest.raises(ValueError, match="the kept candidates"):
            select_front_samples(pool, 6, np.arange(10.0), candidates=cands, share=1.0)

    def test_candidates_and_their_metric(self, pool):
        cands = pool.archs[100:400]
        chosen = select_front_samples(pool, 5, np.linspace(0, 1, 300), candidates=cands,
                                      random_state=0)
        assert set(chosen) <= set(cands)

    @pytest.mark.parametrize("kwargs, message", [
        (dict(metric=[1.0, 2.0]), "one value per candidate"),
        (dict(share=0), r"'share' argument must be a number in \(0, 1\]"),
        (dict(share=1.5), r"'share' argument must be a number in \(0, 1\]"),
        (dict(floor=1.0), "'floor' argument"),
        (dict(floor=-0.1), "'floor' argument"),
        (dict(floor_samples=-1), "'floor_samples' argument"),
        (dict(floor_samples=1.5), "'floor_samples' argument"),
        (dict(floor_samples="all"), "'floor_samples' argument"),
        (dict(k="3"), "'k' argument"),
        (dict(k=0), "'k' argument"),
    ])
    def test_errors(self, pool, kwargs, message):
        args = dict(metric=np.zeros(len(pool)), share=0.25, k=3) | kwargs
        with pytest.raises(ValueError, match=message):
            select_front_samples(pool, args.pop("k"), args.pop("metric"), **args)
