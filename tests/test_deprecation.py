"""Tests of ``oneproxy_plugins._deprecation``: renamed arguments keep working, and say so."""

from __future__ import annotations

import inspect
import warnings

import pytest

from oneproxy_plugins._deprecation import renamed_arguments, warn_renamed_name


@renamed_arguments(budget_ms="max_ms", predictor="latency")
def admit(latency, max_ms=None):
    return latency, max_ms


class TestRenamedArguments:
    def test_new_names_pass_silently(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert admit(1, max_ms=2) == (1, 2)

    def test_old_names_work_with_a_future_warning_naming_the_new(self):
        with pytest.warns(FutureWarning, match="The 'budget_ms' argument of admit\\(\\) is "
                                               "deprecated and will be removed; use 'max_ms'"):
            assert admit(1, budget_ms=2) == (1, 2)
        with pytest.warns(FutureWarning, match="'predictor' argument"):
            assert admit(predictor=3) == (3, None)

    def test_both_names_is_a_type_error(self):
        with pytest.raises(TypeError, match="got both 'budget_ms' \\(deprecated\\) and 'max_ms'"):
            admit(1, budget_ms=2, max_ms=3)

    def test_signature_shows_the_new_names(self):
        assert list(inspect.signature(admit).parameters) == ["latency", "max_ms"]

    def test_the_warning_points_at_the_caller(self):
        with pytest.warns(FutureWarning) as caught:
            admit(1, budget_ms=2)
        assert caught[0].filename == __file__


def test_renamed_name():
    with pytest.warns(FutureWarning, match="old\\(\\) is deprecated and will be removed; use "
                                           "new\\(\\) instead"):
        warn_renamed_name("old()", "new()", stacklevel=2)
