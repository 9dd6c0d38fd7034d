"""Tests of oneproxy_plugins.predictors.mlp: a seeded torch MLP predicted in numpy."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[measure]'")

import torch  # noqa: E402

from oneproxy_plugins.monotonicity import srcc  # noqa: E402
from oneproxy_plugins.predictors import MLPPredictor  # noqa: E402


class TestMLPPredictor:
    def test_fits_an_interaction(self, nonlinear_problem):
        X, y = nonlinear_problem
        model = MLPPredictor(hidden_layer_sizes=(32,), max_epochs=300, learning_rate=1e-2,
                             random_state=0).fit(X, y)
        report = model.evaluate(X, y)
        assert report["within_10pct"] > 0.95 and report["srcc"] > 0.95
        assert model.loss_ < 0.05

    def test_seeded_fits_are_identical_and_leave_torch_rng_alone(self, nonlinear_problem):
        X, y = nonlinear_problem
        torch.manual_seed(123)
        expected_next = torch.rand(1)
        torch.manual_seed(123)
        a = MLPPredictor(hidden_layer_sizes=(8,), max_epochs=20, random_state=5).fit(X, y)
        assert torch.rand(1) == expected_next
        b = MLPPredictor(hidden_layer_sizes=(8,), max_epochs=20, random_state=5).fit(X, y)
        np.testing.assert_array_equal(a.predict(X), b.predict(X))
        c = MLPPredictor(hidden_layer_sizes=(8,), max_epochs=20, random_state=6).fit(X, y)
        assert not np.array_equal(a.predict(X), c.predict(X))

    @pytest.mark.parametrize("n_threads", [1, None])
    def test_torch_thread_setting_is_restored(self, nonlinear_problem, n_threads):
        X, y = nonlinear_problem
        before = torch.get_num_threads()
        MLPPredictor(hidden_layer_sizes=(4,), max_epochs=2, n_threads=n_threads).fit(X, y)
        assert torch.get_num_threads() == before

    def test_numpy_forward_pass_matches_layer_shapes(self, nonlinear_problem):
        X, y = nonlinear_problem
        model = MLPPredictor(hidden_layer_sizes=(6, 4), max_epochs=5, random_state=0).fit(X, y)
        assert [w.shape for w in model.coefs_] == [(8, 6), (6, 4), (4, 1)]
        assert [b.shape for b in model.intercepts_] == [(6,), (4,), (1,)]
        h = np.maximum((X - model.x_mean_) / model.x_scale_ @ model.coefs_[0]
                       + model.intercepts_[0], 0)
        h = np.maximum(h @ model.coefs_[1] + model.intercepts_[1], 0)
        out = (h @ model.coefs_[2] + model.intercepts_[2])[:, 0] * model.y_scale_ + model.y_mean_
        np.testing.assert_allclose(model.predict(X), out, rtol=1e-12)

    def test_mini_batches_and_log_target(self, nonlinear_problem):
        X, y = nonlinear_problem
        model = MLPPredictor(hidden_layer_sizes=(16,), batch_size=64, max_epochs=40,
                             log_target=True, random_state=0).fit(X, y)
        assert (model.predict(X) > 0).all() and model.evaluate(X, y)["srcc"] > 0.9

    def test_linear_network_without_hidden_layers(self, linear_problem):
        X, y, _, _ = linear_problem
        model = MLPPredictor(hidden_layer_sizes=(), max_epochs=300, learning_rate=3e-2,
                             alpha=0.0, random_state=0).fit(X, y)
        assert model.evaluate(X, y)["within_10pct"] == 1.0

    def test_divergence_raises(self, nonlinear_problem):
        X, y = nonlinear_problem
        with pytest.raises(ValueError, match="training diverged .* lower 'learning_rate'"):
            MLPPredictor(hidden_layer_sizes=(8,), learning_rate=1e30, max_epochs=5,
                         random_state=0).fit(X, y * 1e10)

    @pytest.mark.parametrize("params, message", [
        ({"hidden_layer_sizes": (8, 0)}, r"'hidden_layer_sizes' parameter must be a tuple of "
                                         r"ints >= 1; got \(8, 0\)"),
        ({"hidden_layer_sizes": 8}, r"'hidden_layer_sizes' parameter must be a tuple"),
        ({"alpha": -1.0}, r"'alpha' parameter must be a number >= 0; got -1.0"),
        ({"learning_rate": 0.0}, r"'learning_rate' parameter must be a number > 0; got 0.0"),
        ({"max_epochs": 0}, r"'max_epochs' parameter must be an int >= 1; got 0"),
        ({"batch_size": 0}, r"'batch_size' parameter must be an int >= 1 or None; got 0"),
        ({"n_threads": 0}, r"'n_threads' parameter must be an int >= 1 or None; got 0"),
        ({"log_target": 1}, r"'log_target' parameter must be True or False; got 1"),
        ({"random_state": "x"}, r"'random_state' parameter must be None, an int or a numpy "
                                r"RandomState; got 'x'"),
    ])
    def test_bad_parameters_raise(self, params, message):
        with pytest.raises(ValueError, match=message):
            MLPPredictor(**params).fit(np.eye(3), [1.0, 2.0, 3.0])

    def test_passes_sklearn_estimator_checks(self, failed_estimator_checks):
        # Few epochs keep this fast; the one check that wants a good fit of its own data then
        # fails for lack of training, not for the API, and is listed as expected.
        model = MLPPredictor(hidden_layer_sizes=(8,), max_epochs=10, random_state=0)
        expected = {"check_regressors_train": "10 epochs fit too loosely"}
        assert failed_estimator_checks(model, expected) == []


@pytest.mark.shared_data
class TestMLPOnRealData:
    def test_1000_pixel3_archs_rank_the_rest(self, nb201_real, nb201_features, nb201_split):
        train, test = nb201_split
        y = nb201_real.column("pixel3")
        model = MLPPredictor(random_state=0).fit(nb201_features[train], y[train])
        # Measured: SRCC 0.9624 on the other 14625 architectures (ridge: 0.9406).
        assert srcc(model.predict(nb201_features[test]), y[test]) > 0.95
