"""Tests of oneproxy_plugins.optuna.attrs: the storage layout's readers and writers."""

from __future__ import annotations

import optuna
import pytest

from oneproxy_plugins.optuna.attrs import (STUDY_KEY, TARGET_PREFIX, check_target_name,
                                           list_targets, recorded_latencies, study_info,
                                           trial_arch_id, write_latencies)


def test_check_target_name():
    assert check_target_name("titanx_1") == "titanx_1"
    for bad in ("", "a:b", 3, None):
        with pytest.raises(ValueError, match="non-empty str without ':'"):
            check_target_name(bad)


def test_study_info_defaults_and_recorded():
    study = optuna.create_study(directions=["maximize", "minimize", "minimize"])
    assert study_info(study) == {"space": None, "proxy": None, "latency_index": 2}
    study.set_user_attr(STUDY_KEY, {"space": "nasbench201", "latency_index": 1, "proxy": "p"})
    assert study_info(study)["latency_index"] == 1


def test_trial_arch_id_from_attr_or_params(space):
    arch = ("nor_conv_3x3",) * 6
    from_params = optuna.trial.create_trial(params=space.to_params(arch),
                                            distributions=space.distributions(), value=1.0)
    assert trial_arch_id(from_params, space) == space.to_id(arch)
    without = optuna.trial.create_trial(value=1.0)
    assert trial_arch_id(without, space) is None
    with_attr = optuna.trial.create_trial(value=1.0, user_attrs={"oneproxy:arch": "x"})
    assert trial_arch_id(with_attr, space) == "x"


def test_latest_batch_wins_over_trial_records():
    study = optuna.create_study()
    write_latencies(study, {"gpu": {0: 1.0, 1: 2.0}, "cpu": {0: 5.0}}, part="trial-0")
    write_latencies(study, {"gpu": {1: 9.0}}, part="gpu-old")
    write_latencies(study, {"gpu": {1: 3.0}}, part="gpu-new")
    study.set_user_attr(f"{TARGET_PREFIX}gpu", {"batch": "gpu-new"})
    study.set_user_attr(f"{TARGET_PREFIX}cpu", {})
    assert recorded_latencies(study, "gpu") == {0: 1.0, 1: 3.0}
    assert recorded_latencies(study, "cpu") == {0: 5.0}
    assert list_targets(study) == ["cpu", "gpu"]


def test_write_rejects_bad_latencies():
    study = optuna.create_study()
    with pytest.raises(ValueError, match="Target 'gpu', trial 3: -1.0 ms"):
        write_latencies(study, {"gpu": {3: -1.0}}, part="x")
