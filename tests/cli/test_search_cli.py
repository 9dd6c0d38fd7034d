"""`oneproxy search` and `oneproxy pareto`: a real study on SQLite, read back per target."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("optuna", reason="needs optuna: pip install 'oneproxy-plugins[optuna]'")

import optuna  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from oneproxy_plugins.cli import main  # noqa: E402
from oneproxy_plugins.optuna import pareto_front_for, recorded_latencies  # noqa: E402
from oneproxy_plugins.predictors import RidgePredictor, save_predictor  # noqa: E402
from oneproxy_plugins.spaces import get_space  # noqa: E402

OBJECTIVES = '''
def accuracy(trial, arch):
    return arch.count("nor_conv_3x3") + 0.5 * arch.count("nor_conv_1x1")


def two_metrics(trial, arch):
    return accuracy(trial, arch), float(arch.count("none"))


not_callable = 3
'''


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """A user's folder: an objectives module, proxy and target predictor files."""
    space = get_space("nasbench201")
    archs = [space.to_id(a) for a in space.sample_many(200, rng=0)]
    counts = space.encode_many(archs)[:, 30:]
    for name, weights in (("proxy", [0, 0.05, 0.6, 1.5, 0.3]), ("gpu", [0, 0.4, 1.2, 0.5, 0.1]),
                          ("phone", [0, 0.1, 0.2, 2.0, 1.0])):
        model = RidgePredictor(space="nasbench201").fit(archs, 1 + counts @ weights)
        save_predictor(model, tmp_path / f"{name}.json")
    (tmp_path / "user_objectives.py").write_text(OBJECTIVES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _search(storage, *extra):
    return _run("search", "--space", "nasbench201", "--objective", "user_objectives:accuracy",
                "--proxy", "proxy.json", "--storage", storage, "--study", "nas", *extra)


def _load(storage):
    return optuna.load_study(study_name="nas", storage=storage)


def test_search_records_targets_and_continues(workdir):
    storage = f"sqlite:///{workdir}/nas.db"
    result = _search(storage, "--trials", "15", "--target", "gpu.json", "--seed", "0", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["trials"] == data["complete"] == 15 and set(data["fronts"]) == {"proxy", "gpu"}
    # a second worker (or a later run) continues the same study
    assert _search(storage, "--trials", "5", "--target", "gpu.json", "--seed", "1").exit_code == 0
    study = _load(storage)
    assert len(study.trials) == 20 and [d.name for d in study.directions] == ["MAXIMIZE",
                                                                               "MINIMIZE"]
    from oneproxy_plugins.predictors import load_predictor

    gpu = load_predictor(workdir / "gpu.json")
    recorded = recorded_latencies(study, "gpu")
    archs = [t.user_attrs["oneproxy:arch"] for t in study.trials]
    np.testing.assert_allclose([recorded[t.number] for t in study.trials], gpu.predict(archs))
    assert data["fronts"]["gpu"] >= 1


def test_pareto_of_registered_and_new_targets(workdir):
    storage = f"sqlite:///{workdir}/nas.db"
    assert _search(storage, "--trials", "25", "--target", "gpu=gpu.json", "--seed", "0",
                   "--sampler", "random").exit_code == 0
    study = _load(storage)
    result = _run("pareto", "--storage", storage, "--study", "nas", "--target", "gpu", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["target"] == "gpu"
    assert [r["number"] for r in data["front"]] == [t.number for t in pareto_front_for(study,
                                                                                       "gpu")]
    # a target never seen by the search: registered from its file, front read at once
    result = _run("pareto", "--storage", storage, "--study", "nas", "--target", "phone.json",
                  "--png", workdir / "phone.png")
    assert result.exit_code == 0, result.output
    assert (workdir / "phone.png").stat().st_size > 1000
    study = _load(storage)
    front = pareto_front_for(study, "phone")
    lines = result.output.splitlines()
    assert lines[0].startswith(f"phone: {len(front)} Pareto-optimal trials")
    # a header names every column: the trial, each objective, the latency on the target
    assert lines[1].split() == ["trial", "objective", "0", "phone", "ms", "arch"]
    rows = [line.split() for line in lines[2:2 + len(front)]]
    assert [int(r[0]) for r in rows] == [t.number for t in front]
    assert [r[-1] for r in rows] == [t.user_attrs["oneproxy:arch"] for t in front]
    # no target: the proxy's own front, Optuna's best trials
    result = _run("pareto", "--storage", storage, "--study", "nas", "--json")
    numbers = {r["number"] for r in json.loads(result.output)["front"]}
    assert numbers == {t.number for t in study.best_trials}


def test_budget_and_several_metrics_from_a_file(workdir):
    storage = f"journal:{workdir}/nas.log"
    result = _run("search", "--space", "nasbench201", "--objective",
                  f"{workdir}/user_objectives.py:two_metrics", "--proxy", "proxy.json",
                  "--storage", storage, "--study", "nas", "--trials", "12", "--direction",
                  "maximize", "--direction", "minimize", "--max-ms", "4", "--seed", "3",
                  "--sampler", "nsga2")
    assert result.exit_code == 0, result.output
    from oneproxy_plugins.optuna import open_storage

    study = optuna.load_study(study_name="nas", storage=open_storage(storage))
    assert len(study.directions) == 3
    assert all(t.values[-1] <= 4 for t in study.trials)


@pytest.mark.parametrize("args, message", [
    (["--objective", "nocolon"], "expected module:function"),
    (["--objective", "no_such_module_xyz:f"], "cannot import module 'no_such_module_xyz'"),
    (["--objective", "user_objectives:missing"], "has no callable 'missing'"),
    (["--objective", "user_objectives:not_callable"], "has no callable 'not_callable'"),
    (["--objective", "nofile.py:f"], "no such file: 'nofile.py'"),
    (["--proxy", "nope.json"], "no such predictor file: 'nope.json'"),
    (["--target", "gpu.json", "--target", "gpu=gpu.json"], "target 'gpu' given twice"),
    (["--space", "fbnet"], "space"),
])
def test_search_user_mistakes(workdir, args, message):
    base = {"--space": "nasbench201", "--objective": "user_objectives:accuracy",
            "--proxy": "proxy.json", "--storage": f"sqlite:///{workdir}/x.db", "--study": "s",
            "--trials": "2"}
    extra = []
    for i in range(0, len(args), 2):
        if args[i] in base:
            base[args[i]] = args[i + 1]
        else:
            extra += args[i:i + 2]
    result = _run("search", *[x for kv in base.items() for x in kv], *extra)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_other_directions_than_the_stored_study(workdir):
    storage = f"sqlite:///{workdir}/nas.db"
    assert _search(storage, "--trials", "2").exit_code == 0
    result = _search(storage, "--trials", "2", "--direction", "maximize", "--direction",
                     "maximize")
    assert result.exit_code == 2
    assert "has directions ['maximize', 'minimize'], not" in result.output


def test_pareto_user_mistakes(workdir):
    storage = f"sqlite:///{workdir}/nas.db"
    assert _search(storage, "--trials", "3", "--target", "gpu.json").exit_code == 0
    result = _run("pareto", "--storage", storage, "--study", "other")
    assert result.exit_code == 2 and "no study 'other' in the storage; it holds ['nas']" in \
        result.output
    result = _run("pareto", "--storage", storage, "--study", "nas", "--target", "tpu")
    assert result.exit_code == 2
    assert "'tpu' is neither a predictor file nor a target registered" in result.output
    assert "['gpu']" in result.output


@pytest.mark.parametrize("storage, message", [
    ("nope://x", "Storage 'nope://x' cannot be opened"),
    ("", "Storage '' is not a database URL"),
    ("study.db", "Storage 'study.db' is not a database URL"),
    ("journal:", "Storage 'journal:' names no journal file"),
    ("sqlite:///{dir}", "cannot be opened"),
])
def test_bad_storage_is_one_line(workdir, storage, message):
    result = _search(storage.format(dir=workdir), "--trials", "2")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_search_steered_by_the_targets(workdir):
    storage = f"sqlite:///{workdir}/steered.db"
    result = _search(storage, "--trials", "40", "--target", "gpu.json", "--target",
                     "phone.json", "--sampler", "nsga2-targets", "--seed", "0", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["complete"] == 40 and set(data["fronts"]) == {"proxy", "gpu", "phone"}
    # without a target there is nothing to steer by: one line, exit 2
    result = _search(storage, "--trials", "5", "--sampler", "nsga2-targets")
    assert result.exit_code == 2
    assert "needs at least one target" in result.output
    assert "Traceback" not in result.output
