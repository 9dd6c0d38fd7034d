"""Several worker processes on one study, on SQLite and on a journal file, then read back.

Each worker is a separate Python process running the plugin's tabular search (objective,
constrained sampler and target callback) on the same storage and study name, as a user would
start them on several machines sharing a database.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import optuna
import pytest

from oneproxy_plugins.optuna import (LATENCY_KEY, TableLatency, open_storage, pareto_front_for,
                                     recorded_latencies, target_fronts)

WORKER = textwrap.dedent("""
    import sys
    import optuna
    from oneproxy_plugins.optuna import run_tabular_search
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data_dir, storage, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run_tabular_search("nasbench201", [data_dir], accuracy="cifar10", proxy="proxy",
                       n_trials=6, storage=storage, study_name="shared", sampler="nsga2",
                       seed=seed, max_ms=5.0, targets=["other"])
""")

N_WORKERS = 2


@pytest.fixture(params=["sqlite", "journal"])
def storage(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    return str(tmp_path / "study.log")


def test_worker_processes_share_one_study(storage, data_dir, nb201_tables):
    # create the study first, as users do, so the workers do not race to create it
    optuna.create_study(storage=open_storage(storage), study_name="shared",
                        directions=["maximize", "minimize"])
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(data_dir), storage, str(seed)],
                                stderr=subprocess.PIPE, text=True)
               for seed in range(N_WORKERS)]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err

    study = optuna.load_study(study_name="shared", storage=open_storage(storage))
    trials = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(trials) == 6 * N_WORKERS
    assert all(t.user_attrs[LATENCY_KEY] <= 5.0 for t in trials)  # the budget held everywhere
    assert sorted(recorded_latencies(study, "other")) == sorted(t.number for t in trials)
    other = TableLatency(nb201_tables[0], "other")
    truth = {t.number for t in pareto_front_for(study, other)}
    assert {t.number for t in pareto_front_for(study, "other")} == truth
    fronts = target_fronts(storage, "shared")
    assert {row["number"] for row in fronts["other"]} == truth
