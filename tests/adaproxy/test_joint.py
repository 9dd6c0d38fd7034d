"""``adapt_jointly``: several targets adapted together, on tables made here (the real devices'
figures are benchmarks: docs/benchmarks.md)."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.adaproxy.joint import COMPANION_PREFIX, SELF_NAME, adapt_jointly
from oneproxy_plugins.monotonicity import srcc


def _samples(table, target, seed, k=10):
    rows = np.random.default_rng(seed).choice(len(table), size=k, replace=False)
    return [table.archs[r] for r in rows], table.column(target)[rows]


@pytest.fixture(scope="module")
def cpu_pool(synthetic_nb201):
    """One proxy, ``cpu_a``: unlike the two GPUs, which share a pattern of their own."""
    return ProxyPool(synthetic_nb201[0], ["cpu_a"])


def _score(model, table, target):
    return srcc(model.predict(table.archs), table.column(target))


def test_a_target_like_another_ranks_better_with_it(cpu_pool, synthetic_nb201):
    table = synthetic_nb201[0]
    alone, joint = [], []
    for seed in range(12):
        samples = {"gpu_a": _samples(table, "gpu_a", seed),
                   "gpu_b": _samples(table, "gpu_b", seed + 100),
                   "odd": _samples(table, "odd", seed + 200)}
        fits = adapt_jointly(cpu_pool, samples)
        for target in ("gpu_a", "gpu_b"):
            archs, y = samples[target]
            alone.append(_score(AdaProxyPredictor(cpu_pool).fit(archs, y), table, target))
            joint.append(_score(fits[target], table, target))
    # ten samples of a GPU teach the other GPU what the CPU proxy does not (here 0.744 alone
    # against 0.781 together over the 24 fits, 21 of them higher)
    assert np.mean(joint) > np.mean(alone) + 0.02
    assert np.mean(np.array(joint) > np.array(alone)) >= 0.75


def test_the_companions_are_the_others_first_fits_on_their_own_samples(cpu_pool,
                                                                        synthetic_nb201):
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed) for seed, t in enumerate(["gpu_a", "gpu_b", "odd"])}
    fits = adapt_jointly(cpu_pool, samples)
    pool = fits["gpu_a"].pool_
    assert pool.devices == ["cpu_a", SELF_NAME, COMPANION_PREFIX + "gpu_b",
                            COMPANION_PREFIX + "odd"]
    first = AdaProxyPredictor(cpu_pool).fit(*samples["gpu_b"])
    archs = [a for a in cpu_pool.archs[:60] if a not in samples["gpu_a"][0]]
    np.testing.assert_allclose(pool.latency(archs)[:, 2], first.predict(archs), rtol=1e-9)
    # gpu_a's own samples go into its own fits only: changing them leaves the others' pools
    moved = dict(samples, gpu_a=_samples(table, "gpu_a", 7))
    again = adapt_jointly(cpu_pool, moved)
    np.testing.assert_allclose(again["gpu_b"].pool_.latency(archs)[:, 3],
                               fits["gpu_b"].pool_.latency(archs)[:, 3], rtol=1e-9)
    assert not np.allclose(again["gpu_b"].pool_.latency(archs)[:, 2],
                           fits["gpu_b"].pool_.latency(archs)[:, 2])


def test_the_own_column_is_the_first_fit_unseen_at_its_samples(cpu_pool, synthetic_nb201):
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed) for seed, t in enumerate(["gpu_a", "gpu_b"])}
    archs, y = samples["gpu_a"]
    first = AdaProxyPredictor(cpu_pool).fit(archs, y)
    own = adapt_jointly(cpu_pool, samples)["gpu_a"].pool_
    column = own.latency(own.archs)[:, own.devices.index(SELF_NAME)]
    elsewhere = np.setdiff1d(np.arange(len(own.archs)), cpu_pool.rows(archs))
    np.testing.assert_allclose(column[elsewhere],
                               first.predict([own.archs[i] for i in elsewhere]), rtol=1e-9)
    # at its own samples: each one predicted by the fit without it (leave-one-out), not the
    # fitted value, so the second fit cannot weigh it by its own samples
    at = column[cpu_pool.rows(archs)]
    loo = np.asarray(y) * np.exp(-first._log_loo_residuals(np.asarray(y)))
    np.testing.assert_allclose(at, loo, rtol=1e-9)
    assert not np.allclose(at, first.predict(archs), rtol=1e-3)


def test_the_second_fit_is_no_surer_than_the_first(cpu_pool, synthetic_nb201):
    """The second fit's intervals are widened to the first fit's median width over the pool
    (it takes the other targets' fits as exact); its predictions are unchanged."""
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed) for seed, t in enumerate(["gpu_a", "gpu_b", "odd"])}
    fit = adapt_jointly(cpu_pool, samples)["gpu_a"]
    raw = AdaProxyPredictor(fit.pool_).fit(*samples["gpu_a"])
    first = AdaProxyPredictor(cpu_pool).fit(*samples["gpu_a"])
    archs = cpu_pool.archs

    def width(model):
        lower, upper = model.predict_interval(archs, 0.9)
        return np.median(np.log(upper / lower))

    assert width(raw) < 0.9 * width(first)  # the second fit alone is surer than the first
    assert width(fit) == pytest.approx(width(first), rel=0.05)
    np.testing.assert_allclose(fit.predict(archs), raw.predict(archs))
    truth = table.column("gpu_a")
    inside = [np.mean((lo <= truth) & (truth <= hi)) for lo, hi in
              (m.predict_interval(archs, 0.9) for m in (raw, fit))]
    assert inside[1] > inside[0]


def test_own_false_leaves_the_own_column_out(cpu_pool, synthetic_nb201):
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed) for seed, t in enumerate(["gpu_a", "gpu_b"])}
    fits = adapt_jointly(cpu_pool, samples, own=False)
    assert fits["gpu_a"].pool_.devices == ["cpu_a", COMPANION_PREFIX + "gpu_b"]


def test_a_target_whose_own_fit_kept_the_proxy_keeps_that_fit(cpu_pool, synthetic_nb201):
    # "twin" measures what the proxy measures, times two: its samples say the raw proxy
    # predicts them exactly, so its guard keeps it, and the companions do not overrule that
    table = synthetic_nb201[0]
    archs, _ = _samples(table, "gpu_a", 1)
    twin = 2.0 * table.column("cpu_a")[table.rows_of(archs)]
    samples = {"twin": (archs, twin), "gpu_a": _samples(table, "gpu_a", 2),
               "gpu_b": _samples(table, "gpu_b", 3)}
    first = AdaProxyPredictor(cpu_pool).fit(archs, twin)
    assert all(c.adapt_share_ < 1e-6 for c in first.components_ or [first])
    kept = adapt_jointly(cpu_pool, samples)
    assert kept["twin"].pool_.devices == ["cpu_a"]
    np.testing.assert_allclose(kept["twin"].predict(table.archs), first.predict(table.archs))
    assert SELF_NAME in kept["gpu_a"].pool_.devices  # the others are refitted as before
    refitted = adapt_jointly(cpu_pool, samples, keep_raw=False)
    assert refitted["twin"].pool_.devices[:2] == ["cpu_a", SELF_NAME]


def test_with_its_own_column_a_target_keeps_close_to_its_own_fit(cpu_pool, synthetic_nb201):
    # gpu_a with only cpu_b, odd and mix as companions: the stacked own column, weighed by
    # its leave-one-out predictions, keeps the second fit near the first (SRCC 0.996-0.998
    # with it here); without it the companions take over (0.89-0.96)
    table = synthetic_nb201[0]
    for seed in range(3):
        samples = {t: _samples(table, t, seed + 10 * i)
                   for i, t in enumerate(["gpu_a", "cpu_b", "odd", "mix"])}
        first = AdaProxyPredictor(cpu_pool).fit(*samples["gpu_a"]).predict(table.archs)
        stacked, replaced = (adapt_jointly(cpu_pool, samples, targets=["gpu_a"], own=own)
                             ["gpu_a"].predict(table.archs) for own in (True, False))
        assert srcc(stacked, first) > 0.99 > srcc(replaced, first)


def test_companions_keeps_the_others_whose_first_fits_rank_the_samples_best(cpu_pool,
                                                                          synthetic_nb201):
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed)
               for seed, t in enumerate(["gpu_a", "gpu_b", "odd", "mix"])}
    fits = adapt_jointly(cpu_pool, samples, companions=1)
    first = {t: AdaProxyPredictor(cpu_pool).fit(*v) for t, v in samples.items()}
    for target, (archs, y) in samples.items():
        others = [u for u in samples if u != target]
        best = max(others, key=lambda u: srcc(first[u].predict(archs), y))
        assert fits[target].pool_.devices == ["cpu_a", SELF_NAME, COMPANION_PREFIX + best]


def test_targets_picks_which_get_the_second_stage(cpu_pool, synthetic_nb201):
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed) for seed, t in enumerate(["gpu_a", "gpu_b", "odd"])}
    fits = adapt_jointly(cpu_pool, samples, targets=["odd"])
    assert list(fits) == ["odd"]
    np.testing.assert_allclose(fits["odd"].predict(table.archs),
                               adapt_jointly(cpu_pool, samples)["odd"].predict(table.archs))
    with pytest.raises(ValueError, match=r"targets \['cpu_b'\] have no samples"):
        adapt_jointly(cpu_pool, samples, targets=["cpu_b"])


def test_a_target_adapts_with_its_own_pool_in_both_fits(cpu_pool, synthetic_nb201):
    """``pools``: a target's own pool (here prior devices without that target, as the
    benchmarks give each target scored) is the one both of its fits use; the others keep
    ``pool``, and the companions' columns are the same."""
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed) for seed, t in enumerate(["gpu_a", "gpu_b", "odd"])}
    own = cpu_pool.derived(table, ["cpu_a"], prior_devices=["gpu_b", "cpu_b", "mix"])
    fits = adapt_jointly(cpu_pool, samples, pools={"gpu_a": own})
    plain = adapt_jointly(cpu_pool, samples)
    assert fits["gpu_a"].pool_.prior_devices == ["gpu_b", "cpu_b", "mix"]
    assert fits["gpu_b"].pool_.prior_devices == plain["gpu_b"].pool_.prior_devices == []
    np.testing.assert_array_equal(fits["gpu_a"].pool_.latency(table.archs[:50])[:, 2:],
                                  plain["gpu_a"].pool_.latency(table.archs[:50])[:, 2:])
    # gpu_b's fit in gpu_a's prior: gpu_a ranks better than with the CPU proxy's prior alone
    assert _score(fits["gpu_a"], table, "gpu_a") > _score(plain["gpu_a"], table, "gpu_a")
    first = adapt_jointly(cpu_pool, samples, companions=0, pools={"gpu_a": own})
    assert first["gpu_a"].pool_ is own and first["odd"].pool_ is cpu_pool


def test_a_targets_pool_must_share_the_proxies(cpu_pool, synthetic_nb201):
    table = synthetic_nb201[0]
    samples = {t: _samples(table, t, seed) for seed, t in enumerate(["gpu_a", "odd"])}
    other = ProxyPool(table, ["cpu_b"])
    with pytest.raises(ValueError, match=r"The pool for 'gpu_a' must have the proxies "
                                         r"\['cpu_a'\] .* it has \['cpu_b'\]"):
        adapt_jointly(cpu_pool, samples, pools={"gpu_a": other})
    with pytest.raises(ValueError, match="pools has a pool for 'mix', which has no samples"):
        adapt_jointly(cpu_pool, samples, pools={"mix": cpu_pool})


@pytest.mark.parametrize(("samples", "companions", "match"), [
    ({}, None, "at least one target"),
    (None, -1, "'companions' argument must be"),
    (None, True, "'companions' argument must be"),
    (None, 1.5, "'companions' argument must be"),
    ("self", None, "A target named 'self'"),
])
def test_bad_arguments(cpu_pool, synthetic_nb201, samples, companions, match):
    if samples is None:
        samples = {"gpu_a": _samples(synthetic_nb201[0], "gpu_a", 0)}
    elif samples == "self":
        samples = {t: _samples(synthetic_nb201[0], "gpu_a", i)
                   for i, t in enumerate(["gpu_a", "self"])}
    with pytest.raises(ValueError, match=match):
        adapt_jointly(cpu_pool, samples, companions=companions)
