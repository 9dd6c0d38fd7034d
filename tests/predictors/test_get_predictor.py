"""Tests of oneproxy_plugins.predictors.get_predictor and list_predictors (the package facade)."""

from __future__ import annotations

import pytest

import oneproxy_plugins.predictors as predictors
from oneproxy_plugins.exceptions import UnknownPredictorError
from oneproxy_plugins.predictors import (GradientBoostingPredictor, MLPPredictor, RidgePredictor,
                                         get_predictor, list_predictors)


class TestGetPredictor:
    @pytest.mark.parametrize("name, cls", [("ridge", RidgePredictor),
                                           ("gbm", GradientBoostingPredictor),
                                           ("mlp", MLPPredictor)])
    def test_builds_by_name_with_parameters(self, name, cls):
        model = get_predictor(name, space="nasbench201")
        assert type(model) is cls and model.space == "nasbench201"

    def test_parameters_reach_the_constructor(self):
        assert get_predictor("ridge", alpha="auto").alpha == "auto"

    def test_unknown_name_lists_the_known_ones(self):
        with pytest.raises(UnknownPredictorError, match="Unknown method 'xgboost'; known: gbm, "
                                                        "mlp, ridge"):
            get_predictor("xgboost")

    def test_unknown_name_is_a_lookup_error(self):
        with pytest.raises(LookupError):
            get_predictor("")

    def test_unknown_parameter_raises(self):
        with pytest.raises(TypeError, match="alpha_max"):
            get_predictor("ridge", alpha_max=3)


class TestListPredictors:
    def test_names(self):
        assert list_predictors() == {"ridge": RidgePredictor, "gbm": GradientBoostingPredictor,
                                     "mlp": MLPPredictor}

    def test_facade_exports_exist(self):
        assert all(hasattr(predictors, name) for name in predictors.__all__)
