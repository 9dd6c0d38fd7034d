"""Tests of ``oneproxy_plugins._checks``: one rule for integer arguments across the package.

Counts read from arrays and tables are NumPy integers, so they pass (as Python ints); a bool
or a float is a mistake even where it equals an int, so it fails with the argument's name.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from oneproxy_plugins._checks import check_fraction, check_int
from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.sampling import select_samples
from oneproxy_plugins.spaces import get_space


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
