"""Tests of oneproxy_plugins.optuna.search: run_search and the one table of sampler names."""

from __future__ import annotations

import optuna
import pytest

from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.optuna import (LATENCY_KEY, SAMPLERS, TableLatency, list_targets,
                                     make_sampler, pareto_front_for, run_search,
                                     target_latency_key)


def _accuracy(trial, arch):
    return arch.count("nor_conv_3x3") / 6


class TestMakeSampler:
    @pytest.mark.parametrize("name", list(SAMPLERS))
    def test_every_name_is_its_optuna_class(self, name):
        sampler = make_sampler(name, 0)
        assert type(sampler).__name__ == SAMPLERS[name]
        assert isinstance(sampler, optuna.samplers.BaseSampler)

    def test_unknown_name_lists_the_known(self):
        with pytest.raises(UnknownNameError, match="Unknown sampler 'cmaes'; known: nsga2, "
                                                   "nsga3, random, tpe"):
            make_sampler("cmaes")


class TestRunSearch:
    def test_targets_are_trial_user_attributes(self, nb201_tables):
        table = nb201_tables[0]
        proxy, other = TableLatency(table, "proxy"), TableLatency(table, "other")
        study = run_search(_accuracy, proxy, n_trials=8, targets={"other": other}, seed=0)
        frame = study.trials_dataframe()
        key = target_latency_key("other")
        assert {f"user_attrs_{LATENCY_KEY}", f"user_attrs_{key}"} <= set(frame.columns)
        for trial in study.trials:
            arch = trial.user_attrs["oneproxy:arch"]
            assert trial.user_attrs[key] == other.predict([arch])[0]
        assert list_targets(study) == ["other"]
        # the target's front reads the trial attributes: the same as predicting on the spot
        assert ([t.number for t in pareto_front_for(study, "other")]
                == [t.number for t in pareto_front_for(study, other)])

    def test_defaults_are_optunas(self, ridge):
        study = run_search(_accuracy, ridge, n_trials=2)
        assert isinstance(study.sampler, optuna.samplers.TPESampler)

    def test_old_keyword_still_works_with_a_warning(self, ridge):
        with pytest.warns(FutureWarning, match="'proxy' argument of run_search\\(\\) is "
                                               "deprecated .* use 'latency'"):
            study = run_search(_accuracy, proxy=ridge, n_trials=2, seed=0)
        assert len(study.trials) == 2
        with pytest.raises(TypeError, match="got both 'proxy' \\(deprecated\\) and 'latency'"):
            run_search(_accuracy, latency=ridge, proxy=ridge, n_trials=1)

    def test_stored_study_with_other_directions(self, ridge, tmp_path):
        url = f"sqlite:///{tmp_path / 's.db'}"
        run_search(_accuracy, ridge, n_trials=1, storage=url, study_name="s")
        with pytest.raises(ValueError, match="has directions \\['maximize', 'minimize'\\], not "
                                             "\\['minimize', 'minimize'\\]"):
            run_search(_accuracy, ridge, n_trials=1, storage=url, study_name="s",
                       directions=["minimize"])
