"""Tests of oneproxy_plugins.adaproxy.methods: adaptation methods by name, from the registry."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.adaproxy import AdapterMethod, list_adapters, make_adapter
from oneproxy_plugins.exceptions import UnknownPredictorError

def test_make_adapter_names(pool):
    assert {type(make_adapter(m, pool)).__name__ for m in list_adapters()} == {
        "AdaProxyPredictor", "AdaProxyPaper", "BestProxyPredictor"}
    with pytest.raises(UnknownPredictorError, match="Unknown method 'helpx'; known: adaproxy"):
        make_adapter("helpx", pool)


def test_make_adapter_passes_parameters(pool):
    assert make_adapter("adaproxy", pool, slope_var=0.0, count_boost=3.0).get_params()[
        "slope_var"] == 0.0
    assert make_adapter("adaproxy-paper-l1", pool, alphas=[1.0]).penalty == "l1"
    with pytest.raises(TypeError, match="'adaproxy-paper-l1' does not take the parameters "
                                        r"\['penalty'\]: the method fixes them"):
        make_adapter("adaproxy-paper-l1", pool, penalty="l2")
    with pytest.raises(TypeError, match="Method 'adaproxy' does not take the parameters "
                                        r"\['bogus'\]"):
        make_adapter("adaproxy", pool, bogus=1)


@pytest.mark.parametrize("method", ["adaproxy", "adaproxy-paper", "adaproxy-paper-l1", "proxy"])
def test_save_load_round_trip(tmp_path, pool, synthetic_nb201, method):
    from oneproxy_plugins.predictors.io import load_predictor, save_predictor

    table, _ = synthetic_nb201
    model = make_adapter(method, pool).fit(table.archs[:12], table.column("mix")[:12])
    path = save_predictor(model, tmp_path / "m.json")
    loaded = load_predictor(path)
    assert type(loaded) is type(model)
    assert np.allclose(loaded.predict(table.archs[:200]), model.predict(table.archs[:200]))
    assert "pickle" not in path.read_text()




def test_the_old_table_still_reads_with_a_warning():
    import oneproxy_plugins.adaproxy as adaproxy

    with pytest.warns(FutureWarning, match="ADAPTATION_METHODS is deprecated"):
        table = adaproxy.ADAPTATION_METHODS
    assert table == {name: m.description for name, m in list_adapters().items()}


def test_a_bad_method_description():
    with pytest.raises(ValueError, match="name must be a non-empty str"):
        AdapterMethod("", object, "nothing")
    with pytest.raises(TypeError, match="'cls' must be an estimator class with fit"):
        AdapterMethod("x", object, "nothing")
