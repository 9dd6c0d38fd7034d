"""Tests of oneproxy_plugins.predictors.ridge: closed-form ridge, leave-one-out alpha, real data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge, RidgeCV

from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.predictors import RidgePredictor
from oneproxy_plugins.predictors.ridge import DEFAULT_ALPHAS
from oneproxy_plugins.spaces import get_space


def _brute_force_loo_mse(X, y, alpha, fit_intercept=True):
    errors = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        model = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X[keep], y[keep])
        errors.append(y[i] - model.predict(X[i:i + 1])[0])
    return float(np.mean(np.square(errors)))


class TestRidgePredictor:
    def test_recovers_a_known_linear_model_exactly(self, linear_problem):
        X, y, coef, intercept = linear_problem
        model = RidgePredictor(alpha=0.0).fit(X, y)
        np.testing.assert_allclose(model.coef_, coef, rtol=1e-10)
        assert model.intercept_ == pytest.approx(intercept, rel=1e-12)
        np.testing.assert_allclose(model.predict(X), y, rtol=1e-12)
        assert model.alpha_ == 0.0

    def test_without_intercept(self, linear_problem):
        X, _, coef, _ = linear_problem
        y = 100.0 + X @ coef  # positive; the intercept must then be absorbed by nothing
        model = RidgePredictor(alpha=0.0, fit_intercept=False).fit(np.c_[np.ones(len(y)), X], y)
        assert model.intercept_ == 0.0
        np.testing.assert_allclose(model.coef_, [100.0, *coef], rtol=1e-10)

    @pytest.mark.parametrize("fit_intercept", [True, False])
    @pytest.mark.parametrize("alpha", [0.01, 1.0, 50.0])
    def test_equals_sklearn_ridge(self, linear_problem, alpha, fit_intercept):
        X, y, _, _ = linear_problem
        y = y + np.random.default_rng(1).normal(size=y.size)
        ours = RidgePredictor(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
        ref = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
        assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9, abs=1e-12)

    def test_fewer_samples_than_features_equals_sklearn(self):
        rng = np.random.default_rng(2)
        X, y = rng.normal(size=(10, 35)), rng.uniform(1, 5, size=10)
        ours = RidgePredictor(alpha=0.5).fit(X, y)
        np.testing.assert_allclose(ours.coef_, Ridge(alpha=0.5).fit(X, y).coef_, rtol=1e-9,
                                   atol=1e-12)

    def test_rank_deficient_encoding_gives_minimum_norm_least_squares(self):
        space = get_space("nasbench201")
        X = space.encode_many(space.sample_many(60, rng=0))  # one-hot blocks: rank deficient
        y = 1.0 + X @ np.random.default_rng(3).uniform(0, 1, X.shape[1])
        model = RidgePredictor(alpha=0.0).fit(X, y)
        Xc = X - X.mean(axis=0)
        expected = np.linalg.pinv(Xc, rcond=1e-10) @ (y - y.mean())
        np.testing.assert_allclose(model.coef_, expected, atol=1e-9)
        np.testing.assert_allclose(model.predict(X), y, rtol=1e-9)

    def test_log_target_fits_multiplicative_latency(self):
        X = np.random.default_rng(4).integers(0, 3, size=(30, 4)).astype(float)
        y = 2.0 * np.exp(X @ [0.1, 0.2, -0.1, 0.3])
        model = RidgePredictor(alpha=0.0, log_target=True).fit(X, y)
        np.testing.assert_allclose(model.coef_, [0.1, 0.2, -0.1, 0.3], atol=1e-10)
        np.testing.assert_allclose(model.predict(X), y, rtol=1e-10)

    def test_predict_is_one_matrix_product(self, linear_problem):
        X, y, _, _ = linear_problem
        model = RidgePredictor(alpha=0.7).fit(X, y)
        np.testing.assert_array_equal(model.predict(X), X @ model.coef_ + model.intercept_)

    def test_auto_alpha_matches_sklearn_ridgecv(self):
        rng = np.random.default_rng(5)
        X = rng.normal(size=(80, 12))
        y = 20.0 + X @ rng.normal(size=12) + rng.normal(scale=2.0, size=80)
        grid = np.logspace(-3, 3, 13)
        ours = RidgePredictor(alpha="auto", alphas=grid).fit(X, y)
        ref = RidgeCV(alphas=grid).fit(X, y)
        assert ours.alpha_ == ref.alpha_
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9)
        assert ours.loo_mse_.shape == grid.shape

    @pytest.mark.parametrize("shape", [(25, 4), (8, 12)])
    def test_leave_one_out_error_is_exact(self, shape):
        rng = np.random.default_rng(6)
        X = rng.normal(size=shape)
        y = 10.0 + X @ rng.normal(size=shape[1]) + rng.normal(size=shape[0])
        grid = np.array([0.1, 3.0])
        model = RidgePredictor(alpha="auto", alphas=grid).fit(X, y)
        for k, alpha in enumerate(grid):
            assert model.loo_mse_[k] == pytest.approx(_brute_force_loo_mse(X, y, alpha),
                                                      rel=1e-9)

    def test_auto_alpha_default_grid_and_few_samples(self):
        rng = np.random.default_rng(7)
        X, y = rng.normal(size=(10, 35)), rng.uniform(1, 2, size=10)
        model = RidgePredictor(alpha="auto").fit(X, y)
        assert model.alpha_ in DEFAULT_ALPHAS and model.loo_mse_.shape == DEFAULT_ALPHAS.shape

    def test_fixed_alpha_after_auto_drops_loo_mse(self, linear_problem):
        X, y, _, _ = linear_problem
        model = RidgePredictor(alpha="auto").fit(X, y)
        assert hasattr(model, "loo_mse_")
        assert not hasattr(model.set_params(alpha=1.0).fit(X, y), "loo_mse_")

    def test_auto_alpha_needs_three_samples(self):
        with pytest.raises(ValueError, match="alpha='auto' chooses alpha by leave-one-out error "
                                             "and needs at least 3 samples; got 2 sample"):
            RidgePredictor(alpha="auto").fit(np.eye(2), [1.0, 2.0])

    def test_one_sample_predicts_its_latency(self):
        model = RidgePredictor().fit([[1.0, 0.0]], [4.0])
        assert model.predict([[0.0, 1.0]]).tolist() == [4.0]

    @pytest.mark.parametrize("params, message", [
        ({"alpha": -1.0}, r"'alpha' parameter must be a number >= 0 or 'auto'; got -1.0"),
        ({"alpha": "best"}, r"'alpha' parameter must be a number >= 0 or 'auto'; got 'best'"),
        ({"alpha": np.nan}, r"'alpha' parameter must be a number >= 0 or 'auto'; got nan"),
        ({"log_target": "no"}, r"'log_target' parameter must be True or False; got 'no'"),
        ({"fit_intercept": 1}, r"'fit_intercept' parameter must be True or False; got 1"),
        ({"alphas": []}, r"'alphas' parameter must be None or a non-empty 1-D sequence of "
                         r"positive numbers; got \[\]"),
        ({"alphas": [1.0, -2.0]}, r"'alphas' parameter must be .* got \[1.0, -2.0\]"),
        ({"alphas": "many"}, r"'alphas' parameter must be .* got 'many'"),
    ])
    def test_bad_parameters_raise(self, params, message):
        with pytest.raises(ValueError, match=message):
            RidgePredictor(**params).fit(np.eye(3), [1.0, 2.0, 3.0])

    @pytest.mark.parametrize("params", [{}, {"alpha": "auto", "log_target": True}])
    def test_passes_sklearn_estimator_checks(self, params, failed_estimator_checks):
        assert failed_estimator_checks(RidgePredictor(**params)) == []


@pytest.mark.shared_data
class TestRidgeOnRealData:
    def test_1000_pixel3_archs_rank_the_rest(self, nb201_real, nb201_features, nb201_split):
        train, test = nb201_split
        y = nb201_real.column("pixel3")
        model = RidgePredictor(space="nasbench201").fit(nb201_features[train], y[train])
        # Measured: SRCC 0.9406 on the other 14625 architectures (seeded split).
        assert srcc(model.predict(nb201_features[test]), y[test]) > 0.93

    def test_arch_ids_and_features_agree_on_real_ids(self, nb201_real, nb201_features,
                                                      nb201_split):
        train, _ = nb201_split
        y = nb201_real.column("titanx_256")
        ids = [nb201_real.archs[i] for i in train[:200]]
        by_id = RidgePredictor(space="nasbench201", alpha="auto").fit(ids, y[train[:200]])
        by_features = RidgePredictor(alpha="auto").fit(nb201_features[train[:200]],
                                                       y[train[:200]])
        np.testing.assert_array_equal(by_id.predict(nb201_features), by_features.predict(
            nb201_features))
        # Measured: SRCC 0.9972 over all 15625 architectures from 200 samples.
        assert by_id.evaluate(nb201_features, y)["srcc"] > 0.99
