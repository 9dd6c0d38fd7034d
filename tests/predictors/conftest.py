"""Fixtures of the predictor tests: small seeded problems with known answers, and the real
NAS-Bench-201 table in ``../shared/data`` (tests that need it skip, saying where they looked)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
"""``<checkout>/../shared/data``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that reads the real data carries the ``shared_data`` marker (-m selects it).
    for item in items:
        if {"nb201_real", "nb201_features"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.shared_data)


@pytest.fixture
def failed_estimator_checks() -> Callable[..., list[tuple[str, str]]]:
    """Run scikit-learn's ``check_estimator`` on a predictor; return the failed checks as
    ``(name, message)`` pairs (an empty list when the predictor passes)."""
    from sklearn.utils.estimator_checks import check_estimator

    def run(estimator, expected_failed_checks: dict[str, str] | None = None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = check_estimator(estimator, on_fail=None,
                                      expected_failed_checks=expected_failed_checks)
        return [(r["check_name"], str(r["exception"])[:300]) for r in results
                if r["status"] == "failed"]

    return run


@pytest.fixture
def linear_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(X, y, coef, intercept)`` with ``y = intercept + X @ coef`` exactly, all y > 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    coef = np.array([1.5, -2.0, 0.5, 3.0, -1.0])
    intercept = 30.0
    return X, intercept + X @ coef, coef, intercept


@pytest.fixture
def nonlinear_problem() -> tuple[np.ndarray, np.ndarray]:
    """Binary op features with an interaction, like an encoding: ``(X, y)``."""
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(300, 8)).astype(float)
    y = 2.0 + 3.0 * X[:, 0] * X[:, 1] + X[:, 2] + 0.5 * X[:, 3] * X[:, 4]
    return X, y


@pytest.fixture(scope="session")
def nb201_real():
    """Every NAS-Bench-201 latency of the real data directory, loaded once."""
    if not (SHARED_DATA / "nasbench201" / "latency.csv").is_file():
        pytest.skip(f"needs the public data in {SHARED_DATA} (the shared/ folder beside the "
                    "checkout); it is not there")
    from oneproxy_plugins.latency import load_data_dir

    return load_data_dir(SHARED_DATA, "nasbench201")


@pytest.fixture(scope="session")
def nb201_features(nb201_real) -> np.ndarray:
    """The NAS-Bench-201 encoding of every row of :func:`nb201_real`, ``(15625, 35)``."""
    from oneproxy_plugins.spaces import get_space

    return get_space("nasbench201").encode_many(nb201_real.archs)


@pytest.fixture(scope="session")
def nb201_split(nb201_real) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of a seeded split: 1000 training architectures and the other 14625."""
    order = np.random.default_rng(0).permutation(len(nb201_real))
    return order[:1000], order[1000:]
