"""Tests of ``oneproxy_plugins._checks``: one family of argument checks for the package.

Counts read from arrays and tables are NumPy integers, so they pass (as Python ints); a bool
or a float is a mistake even where it equals an int, so it fails with the argument's name.
Every message names the argument, what is allowed and what was given.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from oneproxy_plugins._checks import (check_bool, check_choice, check_fraction, check_int,
                                      check_latencies, check_latency, check_max_ms,
                                      check_random_state, check_real)
from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.sampling import select_samples
from oneproxy_plugins.spaces import get_space


class TestCheckReal:
    @pytest.mark.parametrize("value", [0.5, 1, np.float32(0.5), np.int64(1)])
    def test_numbers_pass_as_floats(self, value):
        assert type(check_real("x", value, low=0)) is float

    @pytest.mark.parametrize("value, bounds, allowed", [
        (-1, {"low": 0}, ">= 0"), (0, {"low": 0, "low_open": True}, "> 0"),
        (2, {"low": 0, "high": 1}, "in [0, 1]"), (1, {"high": 1, "high_open": True}, "< 1"),
        (True, {"low": 0}, ">= 0"), (float("nan"), {}, "finite"), ("1", {}, "finite"),
        (float("inf"), {"low": 0}, ">= 0")])
    def test_rejects(self, value, bounds, allowed):
        with pytest.raises(ValueError, match=re.escape(
                f"The 'x' parameter must be a number {allowed}; got {value!r}.")):
            check_real("x", value, kind="parameter", **bounds)


class TestChoicesBoolsBudgets:
    def test_choice(self):
        assert check_choice("mode", "a", ("a", "b")) == "a"
        for bad in ("c", ["a"], None):
            with pytest.raises(ValueError, match=re.escape(
                    f"The 'mode' argument must be one of ['a', 'b']; got {bad!r}.")):
                check_choice("mode", bad, ("a", "b"))

    def test_bool(self):
        assert check_bool("flag", np.bool_(False)) is False
        with pytest.raises(ValueError, match="The 'flag' argument must be True or False; got 1"):
            check_bool("flag", 1)

    def test_max_ms(self):
        assert check_max_ms("max_ms", np.float32(2.5)) == 2.5
        assert check_max_ms("max_ms", None, allow_none=True) is None
        for bad in (0, -1.0, float("inf"), True, "3", None):
            with pytest.raises(ValueError, match="'max_ms' argument must be a positive number "
                                                 "of milliseconds"):
                check_max_ms("max_ms", bad)

    def test_random_state(self):
        rng = np.random.default_rng(0)
        assert check_random_state(rng) is rng
        assert isinstance(check_random_state(np.int64(3)), np.random.Generator)
        with pytest.raises(ValueError, match="'random_state' argument must be None, an int seed "
                                             "or a numpy Generator; got True"):
            check_random_state(True)


class TestLatencies:
    def test_one_value(self):
        assert check_latency(np.float64(2.0), "here") == 2.0
        for bad, shown in ((0, "0.0"), (-1, "-1.0"), ("x", "'x'"), (None, "None"),
                           (float("nan"), "nan"), (True, "True")):
            with pytest.raises(ValueError, match=re.escape(
                    f"here: {shown} ms; latencies must be positive and finite.")):
                check_latency(bad, "here")

    def test_arrays(self):
        assert check_latencies([1, 2.5]).tolist() == [1.0, 2.5]
        assert np.isnan(check_latencies([1.0, np.nan], allow_nan=True)[1])
        with pytest.raises(ValueError, match=r"y row 1: nan ms; latencies must be positive and "
                                             r"finite \(drop unmeasured rows, NaN, first\)"):
            check_latencies([1.0, np.nan])
        with pytest.raises(ValueError, match="y row 0: -1.0 ms"):
            check_latencies([-1.0, np.nan], allow_nan=True)
        with pytest.raises(ValueError, match="y has 2 latencies for 3 architectures"):
            check_latencies([1.0, 2.0], 3)
        with pytest.raises(ValueError, match="Model.predict gave 2 latencies for 3 "
                                             "architectures"):
            check_latencies([1.0, 2.0], 3, source="Model.predict")
        with pytest.raises(ValueError, match="Model.predict, row 0: 0.0 ms"):
            check_latencies([0.0], source="Model.predict")
        with pytest.raises(ValueError, match=r"must be 1-D of shape \(n_samples,\)"):
            check_latencies(np.ones((2, 2)))

    def test_a_column_vector_is_read_with_sklearns_warning(self):
        from sklearn.exceptions import DataConversionWarning

        with pytest.warns(DataConversionWarning, match="column-vector y"):
            assert check_latencies(np.ones((3, 1))).shape == (3,)


class TestCheckInt:
    @pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
    def test_integers_pass_as_python_ints(self, value):
        out = check_int("n", value, 1)
        assert out == 3 and type(out) is int
        json.dumps(out)  # a NumPy integer would not serialise

    @pytest.mark.parametrize("value", [0, -1, 1.0, 3.0, True, np.bool_(True), "2", None,
                                       np.float64(2.0)])
    def test_rejects(self, value):
        with pytest.raises(ValueError,
                           match=re.escape(f"The 'n' argument must be an int >= 1; got {value!r}.")):
            check_int("n", value, 1)

    def test_range_and_reason(self):
        assert check_int("k", 5, 1, 5) == 5
        with pytest.raises(ValueError, match=r"^The 'k' argument must be an int in \[1, 5\] "
                                             r"\(the number of candidates\); got 6.$"):
            check_int("k", 6, 1, 5, why=" (the number of candidates)")


class TestCheckFraction:
    @pytest.mark.parametrize("value", [1, 0.25, 1e-9])
    def test_accepts(self, value):
        check_fraction("share", value)

    @pytest.mark.parametrize("value", [0, 1.5, -0.1, True, "0.5", None, float("nan")])
    def test_rejects(self, value):
        with pytest.raises(ValueError, match="'share' argument must be a number in"):
            check_fraction("share", value)


class TestEntryPointsShareTheRule:
    """A few public entry points that checked integers by hand before, each its own way."""

    def test_numpy_counts_are_accepted(self, synthetic_nb201):
        pool = ProxyPool(synthetic_nb201[0], ["gpu_a", "cpu_a"])
        space = get_space("fbnet")
        assert space.input_shape(np.int64(2)) == (2, 3, 32, 32)
        assert type(space.input_shape(np.int64(2))[0]) is int
        assert len(get_space("nasbench201").sample_many(np.int64(4), rng=0)) == 4
        assert len(select_samples(pool, np.int64(3), random_state=0)) == 3

    @pytest.mark.parametrize("call", [
        lambda: get_space("nasbench201").sample_many(True, rng=0),
        lambda: get_space("ofa_mbv3").input_shape(True, input_size=224),
        pytest.param(lambda: get_space("nasbench201").build(get_space("nasbench201").sample(0),
                                                            C=True),
                     marks=pytest.mark.needs("torch")),
    ], ids=["sample_many", "input_shape", "build"])
    def test_bools_are_rejected(self, call):
        with pytest.raises(ValueError, match="must be an int >= .*; got True"):
            call()
