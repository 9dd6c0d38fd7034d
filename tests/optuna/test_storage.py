"""Tests of oneproxy_plugins.optuna.storage (storage URLs), and several worker processes on one
study, on SQLite and on a journal file, then read back.

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
from optuna.storages import JournalStorage

from oneproxy_plugins.optuna import (LATENCY_KEY, TableLatency, load_target_fronts, open_storage,
                                     pareto_front_for, recorded_latencies, target_latency_key)

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

class TestOpenStorage:
    def test_forms(self, tmp_path):
        assert open_storage(None) is None
        url = f"sqlite:///{tmp_path / 'a.db'}"
        storage = open_storage(url)
        assert isinstance(storage, optuna.storages.RDBStorage) and storage.url == url
        assert isinstance(open_storage(tmp_path / "study.log"), JournalStorage)
        assert isinstance(open_storage(f"journal:{tmp_path / 'x.txt'}"), JournalStorage)
        storage = optuna.storages.InMemoryStorage()
        assert open_storage(storage) is storage

    @pytest.mark.parametrize("storage, message", [
        ("nope://x", r"Storage 'nope://x' cannot be opened \(.*\); expected a database URL"),
        ("mysql://u@127.0.0.1:1/db", "cannot be opened"),
        ("", "is not a database URL"),
        ("journal:", "names no journal file"),
    ])
    def test_bad_storages(self, storage, message):
        with pytest.raises(ValueError, match=message):
            open_storage(storage)

    def test_a_password_is_never_quoted(self):
        with pytest.raises(ValueError, match=r"'nope://ann:\*\*\*@db/x' cannot be opened") as info:
            open_storage("nope://ann:s3cret@db/x")
        assert "s3cret" not in str(info.value)


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
    fronts = load_target_fronts(storage, "shared")
    assert {row["number"] for row in fronts["other"]} == truth
    # the targets known while each trial ran are its own attributes, in every worker
    assert all(target_latency_key("other") in t.user_attrs for t in trials)


def test_opening_a_storage_loads_no_adapter():
    """A campaign worker opens a storage per start: the integration loads AdaProxy (and so
    scikit-learn, about a second) only when an adapting name is first used."""
    script = textwrap.dedent("""
        import json, sys
        import oneproxy_plugins.optuna as integration
        from oneproxy_plugins.optuna import open_storage
        before = "sklearn" in sys.modules
        integration.adapt_target  # the first use loads it
        print(json.dumps([before, "sklearn" in sys.modules,
                          integration.adapt_target.__module__]))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == '[false, true, "oneproxy_plugins.optuna.adapt"]', out.stderr
