"""Tests of oneproxy_plugins.sampling."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.fronts import nondominated_rank
from oneproxy_plugins.sampling import select_front_samples, select_samples


@pytest.fixture(scope="module")
def pool(synthetic_nb201):
    table, _ = synthetic_nb201
    return ProxyPool(table, ["gpu_a", "cpu_a", "odd"])


class TestSelectSamples:
    @pytest.mark.parametrize("method", ["random", "greedy"])
    def test_distinct_ids_from_candidates(self, pool, method):
        cands = pool.archs[:200]
        chosen = select_samples(pool, 10, candidates=cands, method=method, random_state=0)
        assert len(chosen) == len(set(chosen)) == 10
        assert set(chosen) <= set(cands)

    @pytest.mark.parametrize("method", ["random", "greedy"])
    def test_seeded(self, pool, method):
        a = select_samples(pool, 5, method=method, random_state=3)
        assert a == select_samples(pool, 5, method=method, random_state=3)
        assert a != select_samples(pool, 5, method=method, random_state=4)

    def test_greedy_spreads_over_the_latency_range(self, pool):
        """Greedy picks cover a wider range of proxy latency than random ones, on average."""
        def spread(method):
            out = []
            for seed in range(10):
                rows = pool.rows(select_samples(pool, 8, method=method, random_state=seed))
                out.append(np.ptp(pool.z[rows, 0]))
            return np.mean(out)

        assert spread("greedy") > spread("random")

    def test_errors(self, pool):
        with pytest.raises(UnknownNameError, match="Unknown sampler 'smart'; known: greedy, random"):
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

    def test_share_one_is_the_greedy_chooser(self, pool):
        metric = np.arange(len(pool), dtype=float)
        assert select_front_samples(pool, 6, metric, share=1.0, random_state=2) == \
            select_samples(pool, 6, method="greedy", random_state=2)

    def test_candidates_and_their_metric(self, pool):
        cands = pool.archs[100:400]
        chosen = select_front_samples(pool, 5, np.linspace(0, 1, 300), candidates=cands,
                                      random_state=0)
        assert set(chosen) <= set(cands)

    @pytest.mark.parametrize("kwargs, message", [
        (dict(metric=[1.0, 2.0]), "one value per candidate"),
        (dict(share=0), r"'share' argument must be a number in \(0, 1\]"),
        (dict(share=1.5), r"'share' argument must be a number in \(0, 1\]"),
    ])
    def test_errors(self, pool, kwargs, message):
        args = dict(metric=np.zeros(len(pool)), share=0.25) | kwargs
        with pytest.raises(ValueError, match=message):
            select_front_samples(pool, 3, args.pop("metric"), **args)
