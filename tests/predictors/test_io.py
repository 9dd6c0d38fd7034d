"""Tests of oneproxy_plugins.predictors.io: JSON round trips, the class registry, bad files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oneproxy_plugins.exceptions import DataFormatError, NotFittedError
from oneproxy_plugins.plugins import unregister_plugin
from oneproxy_plugins.predictors import (BaseLatencyPredictor, GradientBoostingPredictor,
                                         MLPPredictor, RidgePredictor, list_predictors,
                                         load_predictor, predictor_from_dict, predictor_to_dict,
                                         register_predictor_class, registered_predictor_classes,
                                         save_predictor)
from oneproxy_plugins.predictors.io import (FORMAT_VERSION, decode_value, encode_value,
                                            registration_name)
from oneproxy_plugins.spaces import get_space

FITTED = {
    "ridge": lambda: RidgePredictor(alpha=0.3),
    "ridge-auto-log": lambda: RidgePredictor(alpha="auto", log_target=True,
                                             alphas=[1e-12, 1.0, 10.0]),
    "gbm": lambda: GradientBoostingPredictor(n_estimators=25, max_depth=4, random_state=0),
    "mlp": lambda: MLPPredictor(hidden_layer_sizes=(16, 8), max_epochs=30, random_state=0),
}


@pytest.fixture
def ridge(linear_problem) -> RidgePredictor:
    X, y, _, _ = linear_problem
    return RidgePredictor().fit(X, y)


@pytest.fixture
def document(ridge) -> dict:
    return json.loads(json.dumps(predictor_to_dict(ridge)))


class TestSaveAndLoad:
    @pytest.mark.parametrize("kind", [pytest.param(k, marks=pytest.mark.needs("torch"))
                                      if k == "mlp" else k for k in sorted(FITTED)])
    def test_round_trip_predicts_identically(self, kind, nonlinear_problem, tmp_path):
        X, y = nonlinear_problem
        model = FITTED[kind]().fit(X, y)
        path = save_predictor(model, tmp_path / "model.json")
        loaded = load_predictor(path)
        assert type(loaded) is type(model)
        assert loaded.get_params() == model.get_params()
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        for name in type(model)._state_attrs:
            if hasattr(model, name):
                assert type(getattr(loaded, name)) is type(getattr(model, name)), name

    def test_space_and_arch_ids_survive(self, tmp_path):
        space = get_space("nasbench201")
        ids = [space.to_id(a) for a in space.sample_many(20, rng=1)]
        y = 1.0 + space.encode_many(ids).sum(axis=1)
        model = RidgePredictor(space=space).fit(ids, y)  # a space instance is saved by name
        loaded = load_predictor(save_predictor(model, tmp_path / "m.json"))
        assert loaded.space == "nasbench201"
        np.testing.assert_array_equal(loaded.predict(ids), model.predict(ids))

    def test_non_finite_learned_values_survive(self, tmp_path):
        X = np.eye(4)  # every sample has leverage 1 without the penalty: infinite LOO error
        model = RidgePredictor(alpha="auto", alphas=[1e-300, 1.0]).fit(X, [1.0, 2.0, 3.0, 4.0])
        assert math.isinf(model.loo_mse_[0])
        loaded = load_predictor(save_predictor(model, tmp_path / "m.json"))
        np.testing.assert_array_equal(loaded.loo_mse_, model.loo_mse_)
        assert "Infinity" not in (tmp_path / "m.json").read_text()  # strict JSON

    def test_file_is_plain_json_with_the_documented_keys(self, ridge, tmp_path):
        path = save_predictor(ridge, tmp_path / "m.json")
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["format"] == "oneproxy-predictor"
        assert document["format_version"] == FORMAT_VERSION == 1
        assert document["class"] == "RidgePredictor" and document["space"] is None
        assert document["params"]["alpha"] == 1.0
        coef = document["state"]["coef_"]["__ndarray__"]
        assert coef["dtype"] == "float64" and coef["shape"] == [5]
        assert coef["data"] == ridge.coef_.tolist()
        assert document["state"]["loo_mse_"] is None  # unset attributes are written as null

    def test_unfitted_predictor_cannot_be_saved(self, tmp_path):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            save_predictor(RidgePredictor(), tmp_path / "m.json")
        assert not (tmp_path / "m.json").exists()

    def test_unregistered_class_cannot_be_saved(self, linear_problem, tmp_path):
        class Private(RidgePredictor):
            pass

        X, y, _, _ = linear_problem
        with pytest.raises(ValueError, match="Private is not a registered predictor class; "
                                             "register it with register_predictor_class"):
            save_predictor(Private().fit(X, y), tmp_path / "m.json")

    def test_unsaveable_parameter_raises(self, ridge, tmp_path):
        ridge.set_params(alphas=[object()])
        with pytest.raises(ValueError, match=r"Cannot save RidgePredictor: Cannot save "
                                             r"\"parameter 'alphas'\[0\]\" of type object"):
            save_predictor(ridge, tmp_path / "m.json")


class TestBadFiles:
    def test_garbage_bytes(self, tmp_path):
        path = tmp_path / "m.json"
        path.write_bytes(b"\x80\x04\x95pickle\x00")
        with pytest.raises(DataFormatError, match="m.json: not a UTF-8 JSON file"):
            load_predictor(path)

    def test_not_json(self, tmp_path):
        path = tmp_path / "m.json"
        path.write_text("coef: [1, 2]")
        with pytest.raises(DataFormatError, match="m.json: not a JSON predictor file"):
            load_predictor(path)

    def test_json_but_not_an_object(self, tmp_path):
        path = tmp_path / "m.json"
        path.write_text("[1, 2, 3]")
        with pytest.raises(DataFormatError, match="m.json: expected a JSON object; got list"):
            load_predictor(path)

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError):
            load_predictor(tmp_path / "absent.json")

    def test_other_format(self, document):
        document["format"] = "sklearn-pickle"
        with pytest.raises(DataFormatError, match="not a saved predictor \\('format' is "
                                                  "'sklearn-pickle', expected "
                                                  "'oneproxy-predictor'\\)"):
            predictor_from_dict(document)

    @pytest.mark.parametrize("version, hint", [(2, "written by a newer oneproxy-plugins"),
                                               ("1", "this version reads 1"),
                                               (True, "this version reads 1"),
                                               (0, "this version reads 1")])
    def test_wrong_version(self, document, version, hint):
        document["format_version"] = version
        with pytest.raises(DataFormatError, match=f"format_version {version!r} is not "
                                                  f"supported.*{hint}"):
            predictor_from_dict(document, source="m.json")

    def test_missing_keys_are_listed(self, document):
        del document["state"], document["params"]
        with pytest.raises(DataFormatError, match="m.json: missing key\\(s\\) params, state"):
            predictor_from_dict(document, source="m.json")

    def test_unknown_class_lists_known_ones(self, document):
        document["class"] = "EvilPredictor"
        document["module"] = "os"  # never imported: outside oneproxy_plugins
        with pytest.raises(DataFormatError, match="unknown predictor class 'EvilPredictor'; "
                                                  "known: .*GradientBoostingPredictor.*"
                                                  "RidgePredictor"):
            predictor_from_dict(document)

    def test_the_module_key_never_chooses_code(self, document):
        """Classes come from the registry alone: naming a module in the file imports nothing."""
        import sys

        document["class"] = "Thing"
        document["module"] = "oneproxy_plugins.no_such_module"
        with pytest.raises(DataFormatError, match="unknown predictor class 'Thing'"):
            predictor_from_dict(document)
        assert "oneproxy_plugins.no_such_module" not in sys.modules

    def test_missing_learned_attribute(self, document):
        del document["state"]["coef_"]
        with pytest.raises(DataFormatError, match="the state of RidgePredictor misses 'coef_'"):
            predictor_from_dict(document)

    def test_unknown_parameter(self, document):
        document["params"]["momentum"] = 0.9
        with pytest.raises(DataFormatError, match="cannot rebuild RidgePredictor: .*momentum"):
            predictor_from_dict(document)

    def test_invalid_parameter_value(self, document):
        document["params"]["alpha"] = -3
        with pytest.raises(DataFormatError, match="cannot rebuild RidgePredictor: The 'alpha' "
                                                  "parameter must be a number >= 0"):
            predictor_from_dict(document)

    def test_space_disagreeing_with_parameters(self, document):
        document["space"] = "fbnet"
        with pytest.raises(DataFormatError, match="'space' is 'fbnet' but the parameters say "
                                                  "None"):
            predictor_from_dict(document)

    @pytest.mark.parametrize("array, message", [
        ({"dtype": "object", "shape": [1], "data": [1]}, "array dtype 'object' is not one of"),
        ({"dtype": "float64", "shape": [3], "data": [1.0]}, r"shape \[3\] needs 3 values; got 1"),
        ({"dtype": "float64", "shape": [-1], "data": []}, "is not a list of sizes"),
        ({"dtype": "float64", "shape": [1], "data": ["os.system"]}, "a string other than"),
        ({"dtype": "int64", "shape": [1], "data": [[1]]}, "not a number"),
        ({"dtype": "bool", "shape": [1], "data": [2]}, "not true or false"),
        ({"dtype": "uint8", "shape": [1], "data": [1000]}, "does not fit in uint8"),
        ({"dtype": "float64", "shape": [1]}, "needs exactly the keys dtype, shape and data"),
    ])
    def test_malformed_arrays(self, document, array, message):
        document["state"]["coef_"] = {"__ndarray__": array}
        with pytest.raises(DataFormatError, match=f"cannot rebuild RidgePredictor: coef_: "
                                                  f".*{message}"):
            predictor_from_dict(document)

    def test_arrays_that_do_not_fit_together(self, document):
        document["state"]["coef_"]["__ndarray__"].update(shape=[2], data=[1.0, 2.0])
        with pytest.raises(DataFormatError, match="the learned state of RidgePredictor is "
                                                  r"inconsistent \(ValueError: matmul"):
            predictor_from_dict(document)

    def test_garbage_learned_value(self, document):
        document["state"]["intercept_"] = "zero"
        with pytest.raises(DataFormatError, match="learned state of RidgePredictor is "
                                                  "inconsistent"):
            predictor_from_dict(document)

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                        lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                        max_leaves=20))
    def test_arbitrary_json_raises_only_data_format_errors(self, document, garbage):
        for key in ("params", "state"):
            broken = dict(document)
            broken[key] = garbage
            try:
                predictor_from_dict(broken)
            except DataFormatError:
                pass
        try:
            predictor_from_dict(garbage)
        except DataFormatError:
            pass

    @settings(max_examples=100, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.binary(max_size=200))
    def test_arbitrary_bytes_raise_only_data_format_errors(self, tmp_path, data):
        path = tmp_path / "fuzz.json"
        path.write_bytes(data)
        try:
            load_predictor(path)
        except DataFormatError:
            pass


class TestRegistry:
    def test_built_ins_are_registered(self):
        assert {"RidgePredictor", "GradientBoostingPredictor",
                "MLPPredictor"} <= set(registered_predictor_classes())

    def test_a_subclass_nesting_a_predictor_round_trips(self, nonlinear_problem, tmp_path):
        @register_predictor_class
        class ScaledRidgePredictor(BaseLatencyPredictor):
            _state_attrs = BaseLatencyPredictor._state_attrs + ("ridge_", "scale_")

            def __init__(self, space=None, scale=2.0):
                self.space = space
                self.scale = scale

            def _fit(self, F, y):
                self.ridge_ = RidgePredictor(alpha="auto").fit(F, y)
                self.scale_ = float(self.scale)

            def _predict(self, F):
                return self.scale_ * self.ridge_.predict(F)

        try:
            X, y = nonlinear_problem
            model = ScaledRidgePredictor(scale=3.0).fit(X, y)
            path = save_predictor(model, tmp_path / "m.json")
            nested = json.loads(path.read_text())["state"]["ridge_"]["__predictor__"]
            assert nested["class"] == "RidgePredictor"
            loaded = load_predictor(path)
            assert loaded.scale == 3.0 and isinstance(loaded.ridge_, RidgePredictor)
            np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        finally:
            unregister_plugin(registration_name(ScaledRidgePredictor))
        assert "ScaledRidgePredictor" not in registered_predictor_classes()

    def test_a_class_with_its_own_protocol_round_trips(self, tmp_path):
        @register_predictor_class
        class ConstantPredictor:
            def __init__(self, level=1.0):
                self.level = level

            def get_params(self, deep=True):
                return {"level": self.level}

            def predict(self, X):
                return np.full(len(X), self.level_)

            def _to_state(self):
                return {"level": self.level_}

            @classmethod
            def _from_state(cls, params, state):
                obj = cls(**params)
                obj.level_ = float(state["level"])
                return obj

        try:
            model = ConstantPredictor(4.0)
            model.level_ = 4.5
            loaded = load_predictor(save_predictor(model, tmp_path / "c.json"))
            assert loaded.predict([0, 1]).tolist() == [4.5, 4.5] and loaded.level == 4.0
            document = predictor_to_dict(model)
            del document["state"]["level"]
            with pytest.raises(DataFormatError, match="the state of ConstantPredictor misses "
                                                      "'level'"):
                predictor_from_dict(document)
        finally:
            unregister_plugin(registration_name(ConstantPredictor))

    def test_malformed_nested_predictor(self, document):
        document["state"]["coef_"] = {"__predictor__": {"format": "x"}}
        with pytest.raises(DataFormatError, match="cannot rebuild RidgePredictor: coef_: not a "
                                                  "saved predictor"):
            predictor_from_dict(document)

    def test_registering_twice_is_a_no_op(self):
        assert register_predictor_class(RidgePredictor) is RidgePredictor

    def test_registered_classes_survive_a_rebuilt_registry(self, tmp_path):
        from oneproxy_plugins.plugins import reset_plugin_manager
        from oneproxy_plugins.predictors import get_predictor

        @register_predictor_class
        class HalfRidgePredictor(RidgePredictor):
            name = "half-ridge"

        try:
            reset_plugin_manager()
            model = get_predictor("half-ridge", alpha=1e-6).fit(np.eye(3), [1.0, 2.0, 3.0])
            assert type(load_predictor(save_predictor(model, tmp_path / "h.json"))) is \
                HalfRidgePredictor
        finally:
            unregister_plugin(registration_name(HalfRidgePredictor))
        assert "half-ridge" not in list_predictors()

    def test_name_clash_raises(self):
        class RidgePredictor(BaseLatencyPredictor):  # noqa: F811 - the clash is the point
            pass

        with pytest.raises(ValueError, match="A predictor class named 'RidgePredictor' is "
                                             "already registered"):
            register_predictor_class(RidgePredictor)

    def test_non_class_raises(self):
        with pytest.raises(TypeError, match="register_predictor_class expects a class; got 3"):
            register_predictor_class(3)

    def test_class_without_protocol_raises(self):
        with pytest.raises(TypeError, match="Predictor class dict lacks get_params, _to_state, "
                                            "_from_state"):
            register_predictor_class(dict)


class TestEncodeValue:
    @pytest.mark.parametrize("value", [
        None, True, 3, 2.5, "x", [1, "a", None], {"k": [1.5]}, (1, (2, [3])), (),
        np.arange(6, dtype=np.int32).reshape(2, 3), np.array([True, False]),
        np.zeros((0, 3)), np.array(["a", "b"], dtype=object), np.float32(1.5),
        np.array([np.nan, -np.inf, 1.0]),
    ])
    def test_round_trip(self, value):
        back = decode_value(json.loads(json.dumps(encode_value(value), allow_nan=False)))
        if isinstance(value, np.ndarray):
            assert back.dtype == (object if value.dtype == object else value.dtype)
            np.testing.assert_array_equal(back, value)
        else:
            assert back == value

    def test_unsupported_type_raises(self):
        with pytest.raises(TypeError, match="Cannot save 'w' of type complex"):
            encode_value(1j, "w")
        with pytest.raises(TypeError, match="arrays of dtype complex128 are not supported"):
            encode_value(np.array([1j]), "w")

    @pytest.mark.parametrize("key", ["__ndarray__", "__tuple__", "__predictor__"])
    def test_reserved_key_raises(self, key):
        with pytest.raises(TypeError, match="the keys __ndarray__, __tuple__, __predictor__ are "
                                            "reserved"):
            encode_value({key: 1})

    @pytest.mark.parametrize("obj, message", [
        ({"__tuple__": 3}, "a tuple must be a JSON list"),
        ({"__tuple__": [], "x": 1}, "with the key '__tuple__' must have no other key"),
    ])
    def test_malformed_tuple_raises(self, obj, message):
        with pytest.raises(ValueError, match=message):
            decode_value(obj)
