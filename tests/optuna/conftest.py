"""Fixtures of the Optuna integration tests: a table over all of NAS-Bench-201 made here.

Every architecture of the space is in the table, so any sampler's proposal has a latency. The
devices are functions of the op counts (what a cell's latency mostly depends on):

- ``proxy``: convs are slow, pooling a little;
- ``same``: a monotone transform of ``proxy`` (same ranking, another scale);
- ``other``: another device family (1x1 convs and skips cost more than 3x3 convs);
- ``blend``: between the two.

``accuracy`` rewards 3x3 convs and skips (more convs: better and slower on the proxy).
"""

from __future__ import annotations

import numpy as np
import pytest

optuna = pytest.importorskip("optuna", reason="needs optuna: pip install "
                                              "'oneproxy-plugins[optuna]'")

from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.spaces import get_space

OPS_WEIGHTS = {  # per-op cost, ops ordered none, skip, conv1x1, conv3x3, avg_pool
    "proxy": np.array([0.0, 0.05, 0.6, 1.5, 0.3]),
    "other": np.array([0.0, 0.4, 1.2, 0.5, 0.1]),
}


@pytest.fixture(autouse=True)
def _quiet_optuna():
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    yield
    optuna.logging.set_verbosity(level)


@pytest.fixture(scope="session")
def space():
    return get_space("nasbench201")


@pytest.fixture(scope="session")
def nb201_tables(space):
    """``(latency_table, accuracy_table)`` over all 15,625 cells."""
    ids = [space.to_id(a) for a in space.enumerate()]
    x = space.encode_many(ids)
    onehot, counts = x[:, :30], x[:, 30:]
    position = np.tile(np.linspace(0.9, 1.1, 6).repeat(5), 1)  # later edges a bit dearer
    jitter = np.random.default_rng(0).normal(0, 0.01, len(ids))
    proxy = 1.0 + (onehot * position) @ np.tile(OPS_WEIGHTS["proxy"], 6) + jitter
    other = 2.0 + (onehot * position) @ np.tile(OPS_WEIGHTS["other"], 6) - jitter
    values = np.c_[proxy, 3 * proxy ** 1.5, other, np.sqrt(proxy * other)]
    latency = LatencyTable(ids, ["proxy", "same", "other", "blend"], values, space=space.name,
                           index=np.arange(len(ids)))
    acc = 60 + 5 * counts[:, 3] + 2 * counts[:, 1] + 1.5 * counts[:, 2] - 3 * counts[:, 0]
    acc = acc + np.random.default_rng(1).normal(0, 0.3, len(ids))
    accuracy = LatencyTable(ids, ["cifar10", "cifar100"], np.c_[acc, acc - 25],
                            space=space.name, index=np.arange(len(ids)))
    return latency, accuracy


@pytest.fixture(scope="session")
def ridge(space):
    """A ridge predictor of the ``proxy`` device's op-count model, fitted on 300 cells."""
    from oneproxy_plugins.predictors import RidgePredictor

    ids = [space.to_id(a) for a in space.sample_many(300, rng=0)]
    counts = space.encode_many(ids)[:, 30:]
    ms = 1 + counts @ OPS_WEIGHTS["proxy"]
    return RidgePredictor(space="nasbench201", alpha=1e-6).fit(ids, ms)


@pytest.fixture
def data_dir(tmp_path, nb201_tables):
    """A data directory laid out like ../shared/data, written from the tables."""
    latency, accuracy = nb201_tables
    folder = tmp_path / "nasbench201"
    folder.mkdir()
    lines = ["index,arch"] + [f"{i},{a}" for i, a in enumerate(latency.archs)]
    (folder / "architectures.csv").write_text("\n".join(lines) + "\n")
    latency.to_csv(folder / "latency.csv", key="index")
    accuracy.to_csv(folder / "accuracy.csv", key="index")
    return tmp_path


def constrained(sampler_cls, constraint, **kwargs):
    """A sampler that sees ``constraint`` on the installed Optuna: through
    ``trial.set_constraint`` (the objective's ``constraint.apply``) on Optuna >= 5, through
    ``constraints_func`` on Optuna 4.x."""
    import warnings

    from oneproxy_plugins.optuna import HAS_SET_CONSTRAINT

    if not HAS_SET_CONSTRAINT:
        kwargs["constraints_func"] = constraint
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return sampler_cls(**kwargs)
