"""Fixtures of the adaproxy tests: proxy pools on tables made here."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from oneproxy_plugins.adaproxy import ProxyPool
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


def fit_score(model, table, target, k=10, seed=0):
    """Fit on ``k`` random rows of a target column; SRCC of the predictions over the table."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(table), size=k, replace=False)
    archs = [table.archs[r] for r in rows]
    y = table.column(target)
    model.fit(archs, y[rows])
    return spearmanr(model.predict(table.archs), y).statistic


def deviation_table(n=1500, seed=3):
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




def dead_op_table(n=1500, seed=4):
    """nasbench201 devices whose runtime skips the ops on no input-output path: ``skip`` (log ms
    linear in the counts of ops on live paths, a proxy), ``runs`` (one fixed cost per live op:
    a target launching one kernel per op run), and ``dense`` (log ms linear in the encoding,
    dead ops included)."""
    from oneproxy_plugins.spaces import get_space

    space = get_space("nasbench201")
    rng = np.random.default_rng(seed)
    archs = [space.to_id(a) for a in space.sample_many(n, rng=rng)]
    names = space.latency_feature_names()
    feats = space.encode_latency_many(archs)
    live = feats[:, [j for j, f in enumerate(names) if f.startswith("live[")]]
    x = space.encode_many(archs)
    cols = [live @ np.array([0.02, 0.1, 0.3, 0.05]), 0.2 * live.sum(axis=1),
            x @ rng.normal(0, 0.1, x.shape[1])]
    values = np.exp(0.5 + np.c_[tuple(cols)] + rng.normal(0, 0.02, (n, 3)))
    return LatencyTable(archs, ["skip", "runs", "dense"], values, space="nasbench201")
