"""Tests of oneproxy_plugins.predictors._base: inputs, latencies, fitted state, estimator API.

The behaviour is the base class's; :class:`RidgePredictor` is the concrete class under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils import get_tags

from oneproxy_plugins.exceptions import NotFittedError, UnknownSpaceError
from oneproxy_plugins.predictors import BaseLatencyPredictor, RidgePredictor, check_latency
from oneproxy_plugins.spaces import get_space

NB201 = get_space("nasbench201")


@pytest.fixture
def nb201_sample() -> tuple[list[str], np.ndarray]:
    """12 NAS-Bench-201 ids and latencies linear in their encoding."""
    archs = NB201.sample_many(12, rng=3)
    ids = [NB201.to_id(a) for a in archs]
    weights = np.linspace(0.1, 1.0, NB201.encode(archs[0]).size)
    return ids, 5.0 + NB201.encode_many(ids) @ weights


class TestCheckLatency:
    def test_returns_float_array(self):
        out = check_latency([1, 2, 3], 3)
        assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]

    @pytest.mark.parametrize("bad, message", [
        ([1.0, np.nan, 2.0], r"y row 1: nan ms; latencies must be positive and finite \(drop "
                             r"unmeasured rows, NaN, first\)"),
        ([1.0, 2.0, -0.4], r"y row 2: -0.4 ms; latencies must be positive"),
        ([0.0, 1.0, 2.0], r"y row 0: 0.0 ms"),
        ([1.0, np.inf, 2.0], r"y row 1: inf ms"),
    ])
    def test_bad_value_names_the_first_row(self, bad, message):
        with pytest.raises(ValueError, match=message):
            check_latency(bad, 3)

    def test_wrong_length_raises(self):
        with pytest.raises(ValueError, match="y has 3 latencies for 4 architectures"):
            check_latency([1.0, 2.0, 3.0], 4)

    def test_non_numeric_raises(self):
        with pytest.raises(ValueError, match="'y' argument must be numeric latencies in ms; got "
                                             "list"):
            check_latency(["fast", "slow"])

    def test_matrix_raises(self):
        with pytest.raises(ValueError, match=r"'y' argument must be 1-D of shape \(n_samples,\); "
                                             r"got shape \(2, 2\)"):
            check_latency([[1.0, 2.0], [3.0, 4.0]])

    def test_column_vector_is_flattened_with_a_warning(self):
        with pytest.warns(DataConversionWarning, match="A column-vector y was passed"):
            assert check_latency([[1.0], [2.0]]).shape == (2,)


class TestInputs:
    def test_arch_ids_values_and_features_give_the_same_model(self, nb201_sample):
        ids, y = nb201_sample
        by_id = RidgePredictor(space="nasbench201").fit(ids, y)
        by_value = RidgePredictor(space="nasbench201").fit([NB201.from_id(i) for i in ids], y)
        features = NB201.encode_many(ids)
        by_features = RidgePredictor().fit(features, y)
        np.testing.assert_array_equal(by_id.coef_, by_features.coef_)
        np.testing.assert_array_equal(by_value.coef_, by_features.coef_)
        np.testing.assert_array_equal(by_id.predict(ids), by_features.predict(features))
        assert by_id.n_features_in_ == features.shape[1]

    def test_space_instance_generator_and_array_of_ids(self, nb201_sample):
        ids, y = nb201_sample
        model = RidgePredictor(space=NB201).fit(iter(ids), y)
        np.testing.assert_allclose(model.predict(np.array(ids)), model.predict(ids))

    def test_pandas_dataframe_records_feature_names(self, nb201_sample):
        pd = pytest.importorskip("pandas")
        ids, y = nb201_sample
        frame = pd.DataFrame(NB201.encode_many(ids), columns=NB201.feature_names())
        model = RidgePredictor().fit(frame, y)
        assert list(model.feature_names_in_) == NB201.feature_names()

    def test_archs_without_space_raise(self, nb201_sample):
        ids, y = nb201_sample
        with pytest.raises(ValueError, match=r"RidgePredictor got architectures \(first: "
                                             r"'\|.*'\) but its 'space' parameter is None; set "
                                             r"space to one of \[.*'nasbench201'.*\]"):
            RidgePredictor().fit(ids, y)

    def test_single_string_raises(self, nb201_sample):
        ids, y = nb201_sample
        model = RidgePredictor(space="nasbench201").fit(ids, y)
        with pytest.raises(ValueError, match=r"got a single string for X; pass a list"):
            model.predict(ids[0])

    def test_malformed_arch_id_raises(self, nb201_sample):
        ids, y = nb201_sample
        model = RidgePredictor(space="nasbench201").fit(ids, y)
        with pytest.raises(ValueError, match="Malformed nasbench201 arch string"):
            model.predict(["|bad|"])

    def test_non_finite_feature_names_row_and_column(self):
        X = np.ones((4, 3))
        X[2, 1] = np.nan
        with pytest.raises(ValueError, match=r"X row 2, column 1: nan; features must be finite"):
            RidgePredictor().fit(X, [1.0, 2.0, 3.0, 4.0])

    def test_wrong_number_of_features_at_predict(self, linear_problem):
        X, y, _, _ = linear_problem
        model = RidgePredictor().fit(X, y)
        with pytest.raises(ValueError, match="X has 4 features, but RidgePredictor is expecting "
                                             "5 features as input"):
            model.predict(X[:, :4])

    def test_one_dimensional_features_raise(self, linear_problem):
        X, y, _, _ = linear_problem
        with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
            RidgePredictor().fit(X[:, 0], y)

    def test_y_none_raises(self, linear_problem):
        X, _, _, _ = linear_problem
        with pytest.raises(ValueError, match="RidgePredictor requires y to be passed, but the "
                                             "target y is None"):
            RidgePredictor().fit(X, None)

    def test_nan_latency_names_its_row(self, linear_problem):
        X, y, _, _ = linear_problem
        y = y.copy()
        y[7] = np.nan
        with pytest.raises(ValueError, match="y row 7: nan ms"):
            RidgePredictor().fit(X, y)

    def test_unknown_space_fails_at_fit(self, linear_problem):
        X, y, _, _ = linear_problem
        with pytest.raises(UnknownSpaceError, match="Unknown space 'nope'; known: .*nasbench201"):
            RidgePredictor(space="nope").fit(X, y)

    def test_bad_space_type_raises(self, linear_problem):
        X, y, _, _ = linear_problem
        with pytest.raises(ValueError, match="'space' parameter must be a space name, a "
                                             "BaseSpace or None; got 3"):
            RidgePredictor(space=3).fit(X, y)


class TestFittedState:
    def test_predict_before_fit_raises_both_not_fitted_errors(self):
        model = RidgePredictor()
        with pytest.raises(NotFittedError, match="This RidgePredictor instance is not fitted "
                                                 "yet; call 'fit'"):
            model.predict(np.ones((2, 3)))
        with pytest.raises(SklearnNotFittedError):
            model.evaluate(np.ones((2, 3)), [1.0, 2.0])

    def test_fit_returns_self_and_sets_only_trailing_underscore_attributes(self, linear_problem):
        X, y, _, _ = linear_problem
        model = RidgePredictor()
        before = set(vars(model))
        assert model.fit(X, y) is model
        assert all(name.endswith("_") for name in set(vars(model)) - before)

    def test_init_only_stores_parameters(self):
        model = RidgePredictor(alpha=-5, log_target="yes")  # validated by fit, not __init__
        assert model.get_params()["alpha"] == -5
        with pytest.raises(ValueError, match="'alpha' parameter must be a number >= 0 or "
                                             "'auto'; got -5"):
            model.fit(np.ones((3, 1)), [1.0, 2.0, 3.0])


class TestEstimatorApi:
    def test_clone_get_and_set_params(self):
        model = RidgePredictor(space="nasbench201", alpha=0.3, log_target=True)
        copy = clone(model)
        assert copy.get_params() == model.get_params()
        assert copy.set_params(alpha=2.0) is copy and copy.alpha == 2.0 and model.alpha == 0.3

    def test_positive_target_tag(self):
        assert get_tags(RidgePredictor()).target_tags.positive_only

    def test_score_is_r2_and_evaluate_reports_rank_and_error(self, linear_problem):
        X, y, _, _ = linear_problem
        model = RidgePredictor(alpha=1e-10).fit(X, y)
        assert model.score(X, y) == pytest.approx(1.0)
        report = model.evaluate(X, y)
        assert report["srcc"] == pytest.approx(1.0)
        assert report["rmse_ms"] < 1e-6 and report["within_10pct"] == 1.0
        assert report["n_samples"] == len(y)

    def test_evaluate_validates_latencies(self, linear_problem):
        X, y, _, _ = linear_problem
        model = RidgePredictor().fit(X, y)
        with pytest.raises(ValueError, match="y has 3 latencies for 40 architectures"):
            model.evaluate(X, y[:3])

    def test_subclass_contract(self):
        class Half(BaseLatencyPredictor):
            def __init__(self, space=None):
                self.space = space

            def _fit(self, F, y):
                self.level_ = float(np.median(y))

            def _predict(self, F):
                return np.full(F.shape[0], self.level_ / 2)

        model = Half().fit(np.zeros((3, 2)), [2.0, 4.0, 6.0])
        assert model.predict(np.zeros((2, 2))).tolist() == [2.0, 2.0]
