"""Worker processes sharing one one-proxy study: PostgreSQL, a journal file, a killed worker.

Each worker is a separate Python process (``_worker.py``) running ``OneProxyObjective``
(proxy latency from a ridge predictor fitted on the synthetic table) with ``OneProxyCallback``
(two target devices), as a user starts them on several machines against one database. The
study is then read back here and checked against a single-process recomputation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.storages import RetryFailedTrialCallback
from optuna.trial import TrialState

from oneproxy_plugins.optuna import (ARCH_KEY, LATENCY_KEY, STUDY_KEY, list_targets,
                                     open_storage, pareto_front_for, recorded_latencies)
from oneproxy_plugins.predictors import RidgePredictor, load_predictor, save_predictor
from oneproxy_plugins.spaces import get_space

WORKER = Path(__file__).with_name("_worker.py")
N_WORKERS = 4
N_TRIALS = 25
TARGETS = ("gpu_b", "cpu_a")


@pytest.fixture(scope="module")
def predictors(synthetic_nb201, tmp_path_factory):
    """Folder of predictor files: ``proxy.json`` (device ``gpu_a``) and one per target."""
    table, _ = synthetic_nb201
    folder = tmp_path_factory.mktemp("predictors")
    for name, device in {"proxy": "gpu_a", **{t: t for t in TARGETS}}.items():
        model = RidgePredictor(space="nasbench201", log_target=True)
        save_predictor(model.fit(table.archs, table.column(device)), folder / f"{name}.json")
    return folder


def start_worker(**config) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), json.dumps(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_all(workers, timeout=60):
    for worker in workers:
        out, err = worker.communicate(timeout=timeout)
        assert worker.returncode == 0, err


def create_study(storage, name):
    return optuna.create_study(storage=storage, study_name=name,
                               directions=["maximize", "minimize"])


class _RowByRow:
    """A predictor asked one architecture at a time, as the workers' callback asks it: the same
    arithmetic, so the same last bits, which decide ties between architectures."""

    def __init__(self, model):
        self.model, self.space = model, model.space

    def predict(self, X):
        return np.array([self.model.predict([x])[0] for x in X])


def non_dominated(points: np.ndarray) -> set[int]:
    """Rows of ``points`` (both columns minimised) that no other row dominates."""
    return {i for i, p in enumerate(points)
            if not np.any(np.all(points <= p, axis=1) & np.any(points < p, axis=1))}


def check_study(study, predictors, n_complete):
    """What every distributed run must leave: all trials, unique numbers, attributes, fronts."""
    trials = study.get_trials(deepcopy=False)
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers)) and sorted(numbers) == list(range(len(trials)))
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == n_complete
    space = get_space("nasbench201")
    proxy = load_predictor(predictors / "proxy.json")
    ids = [t.user_attrs[ARCH_KEY] for t in complete]
    assert ids == [space.to_id(space.from_params(t.params)) for t in complete]
    proxy_ms = proxy.predict(ids)
    assert [t.user_attrs[LATENCY_KEY] for t in complete] == pytest.approx(proxy_ms, rel=1e-12)
    assert [t.values[1] for t in complete] == [t.user_attrs[LATENCY_KEY] for t in complete]
    assert study.user_attrs[STUDY_KEY] == {"space": "nasbench201", "latency_index": 1,
                                           "proxy": None}
    assert list_targets(study) == sorted(TARGETS)
    accuracy = np.array([t.values[0] for t in complete])
    for target in TARGETS:
        model = load_predictor(predictors / f"{target}.json")
        target_ms = model.predict(ids)
        recorded = recorded_latencies(study, target)
        assert sorted(recorded) == sorted(t.number for t in complete)
        assert [recorded[t.number] for t in complete] == pytest.approx(target_ms, rel=1e-12)
        # the front read from what the workers recorded, the library's recomputation from the
        # predictor in this process, and a brute-force one over the same trials all agree
        stored = [t.number for t in pareto_front_for(study, target)]
        assert stored == [t.number for t in pareto_front_for(study, _RowByRow(model))]
        # (on the recorded values: a batch prediction here may differ in the last bit from the
        # workers' one-row predictions, and split a tie between two architectures differently)
        brute = non_dominated(np.c_[-accuracy, [recorded[t.number] for t in complete]])
        assert set(stored) == {complete[i].number for i in brute}
    proxy_front = {t.number for t in pareto_front_for(study)}
    assert proxy_front == {t.number for t in study.best_trials}
    stored_ms = [t.values[1] for t in complete]  # as above: the recorded values, not proxy_ms
    assert proxy_front == {complete[i].number for i in non_dominated(np.c_[-accuracy, stored_ms])}
    return trials


def test_postgres_workers_share_one_study(postgres_url, predictors):
    create_study(postgres_url, "pg")
    workers = [start_worker(storage=postgres_url, study="pg", n_trials=N_TRIALS, seed=seed,
                            predictors=str(predictors), name=f"w{seed}")
               for seed in range(N_WORKERS)]
    wait_all(workers)
    study = optuna.load_study(study_name="pg", storage=postgres_url)
    trials = check_study(study, predictors, N_WORKERS * N_TRIALS)
    assert len(trials) == N_WORKERS * N_TRIALS
    assert {t.user_attrs["worker"] for t in trials} == {f"w{i}" for i in range(N_WORKERS)}


def test_journal_file_workers_share_one_study(tmp_path, predictors):
    path = str(tmp_path / "study.log")
    create_study(open_storage(path), "journal")
    workers = [start_worker(storage=path, study="journal", n_trials=10, seed=seed,
                            predictors=str(predictors), name=f"w{seed}")
               for seed in range(N_WORKERS)]
    wait_all(workers)
    study = optuna.load_study(study_name="journal", storage=open_storage(path))
    assert len(check_study(study, predictors, N_WORKERS * 10)) == N_WORKERS * 10


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_killed_worker_trial_fails_and_is_retried(postgres_url, predictors, tmp_path):
    create_study(postgres_url, "kill")
    marker = tmp_path / "hung"
    common = {"storage": postgres_url, "study": "kill", "predictors": str(predictors),
              "heartbeat": True}
    victim = start_worker(**common, n_trials=N_TRIALS, seed=99, name="victim",
                          hang_marker=str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert victim.poll() is None, victim.communicate()[1]
        assert time.monotonic() < deadline, "the victim never started its trial"
        time.sleep(0.05)
    # the others start now and take 0.2 s a trial, so they are still asking for trials well
    # after the victim's last heartbeat is older than the 2 s grace period
    others = [start_worker(**common, n_trials=N_TRIALS, seed=seed, name=f"w{seed}", sleep_s=0.2)
              for seed in range(N_WORKERS - 1)]
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=10)
    assert victim.returncode == -signal.SIGKILL
    wait_all(others)

    study = optuna.load_study(study_name="kill", storage=postgres_url)
    # the victim's trial failed, was run again (same architecture) by a live worker, and every
    # other trial of the live workers completed: 1 failed + 3 x 25 complete, nothing running
    trials = check_study(study, predictors, (N_WORKERS - 1) * N_TRIALS)
    killed = [t for t in trials if t.state == TrialState.FAIL]
    assert len(killed) == 1 and killed[0].number == int(marker.read_text())
    assert killed[0].user_attrs["worker"] == "victim"
    assert len(trials) == (N_WORKERS - 1) * N_TRIALS + 1
    retries = [t for t in trials if RetryFailedTrialCallback.retried_trial_number(t) is not None]
    assert len(retries) == 1
    retry = retries[0]
    assert RetryFailedTrialCallback.retried_trial_number(retry) == killed[0].number
    assert retry.state == TrialState.COMPLETE and retry.params == killed[0].params
    assert retry.user_attrs["worker"] != "victim"
