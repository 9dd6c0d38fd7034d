"""The main job, shrunk: real measurements with torch and ONNX Runtime, real training."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("optuna", reason="needs optuna: pip install 'oneproxy-plugins[optuna]'")
pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[measure]'")

import optuna  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from oneproxy_plugins.cli import main  # noqa: E402
from oneproxy_plugins.latency import LatencyTable  # noqa: E402
from oneproxy_plugins.predictors import load_predictor  # noqa: E402

pytest.importorskip("onnxruntime", reason="the demo's target runtime is ONNX Runtime")

SMALL = dict(n_archs=30, k=5, n_heldout=12, n_trials=4, epochs=1, n_rounds=1,
             build_cfg={"C": 4, "N": 1}, progress=False)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from oneproxy_plugins.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    return out, run_demo(out, **SMALL)


def test_counts_and_files(demo_run):
    out, result = demo_run
    assert (result.n_proxy, result.k, result.n_heldout, result.n_trials) == (30, 5, 12, 4)
    assert -1 <= result.srcc_before <= 1 and -1 <= result.srcc_after <= 1
    assert 0 < result.best_accuracy <= 1
    for name in ("srcc_heatmap", "scatter", "pareto_fronts", "front_comparison"):
        assert result.files[name].stat().st_size > 1000, name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["srcc_after"] == pytest.approx(result.srcc_after)
    assert summary["proxy"] == "cpu-torch-t1-b1" and summary["target"] == "cpu-ort-t1-b1"


def test_target_measured_only_where_needed(demo_run):
    out, result = demo_run
    proxy = LatencyTable.from_csv(out / "proxy.csv")
    target = LatencyTable.from_csv(out / "target.csv")
    assert len(proxy) == 30
    assert len(target) == result.k + result.n_heldout
    assert set(target.archs) <= set(proxy.archs)


def test_saved_predictors_reproduce_the_reported_srcc(demo_run):
    out, result = demo_run
    target = LatencyTable.from_csv(out / "target.csv")
    model = load_predictor(out / "target_adaproxy.json")
    archs = target.archs
    assert len(result.target_samples) == result.k and set(result.target_samples) <= set(archs)
    heldout = [a for a in archs if a not in set(result.target_samples)]
    assert len(heldout) == result.n_heldout
    rows = target.rows_of(heldout)
    rho = spearmanr(model.predict(heldout), target.column("cpu-ort-t1-b1")[rows]).statistic
    assert rho == pytest.approx(result.srcc_after)
    proxy_model = load_predictor(out / "proxy_predictor.json")
    assert proxy_model.space == "nasbench201"


def test_one_study_serves_both_devices(demo_run):
    out, result = demo_run
    from oneproxy_plugins.optuna import list_targets, pareto_front_for

    study = optuna.load_study(study_name="oneproxy-demo", storage=f"sqlite:///{out}/study.db")
    assert list_targets(study) == ["cpu-ort-t1-b1"]
    proxy_front = {t.number for t in pareto_front_for(study)}
    target_front = {t.number for t in pareto_front_for(study, "cpu-ort-t1-b1")}
    assert result.front_sizes == {"cpu-torch-t1-b1": len(proxy_front),
                                  "cpu-ort-t1-b1": len(target_front)}
    assert result.shared_front == len(proxy_front & target_front)
    assert all(0 <= t.values[0] <= 1 for t in study.trials)


def test_second_run_resumes_without_redoing(demo_run):
    from oneproxy_plugins.demo import run_demo

    out, first = demo_run
    mtime = (out / "proxy.csv").stat().st_mtime_ns
    again = run_demo(out, **SMALL)
    assert (out / "proxy.csv").stat().st_mtime_ns == mtime  # nothing measured again
    assert again.srcc_before == pytest.approx(first.srcc_before)
    assert again.n_trials == first.n_trials  # nothing trained again
    assert first.reused == {"proxy": 0, "target": 0, "search": 0}
    assert again.reused == {"proxy": 30, "target": 17, "search": 4}  # and it says so
    study = optuna.load_study(study_name="oneproxy-demo", storage=f"sqlite:///{out}/study.db")
    assert len(study.trials) == first.n_trials


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_archs=20, k=2), r"'k' argument must be an int in \[3, 15\]"),
    (dict(n_archs=20, k=5, n_heldout=16), r"'n_heldout' argument must be an int in \[5, 15\]"),
    (dict(n_trials=1), r"'n_trials' argument must be an int >= 2"),
    (dict(epochs=0), r"'epochs' argument must be an int >= 1"),
])
def test_bad_counts(tmp_path, kwargs, message):
    from oneproxy_plugins.demo import run_demo

    with pytest.raises(ValueError, match=message):
        run_demo(tmp_path, **kwargs)


def test_cli_rejects_more_target_samples_than_archs(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--archs", "20",
                                       "--samples", "10", "--heldout", "11"])
    assert result.exit_code == 2
    assert "--samples + --heldout (10 + 11) must not exceed --archs (20)" in result.output


def test_cli_json(demo_run, tmp_path, monkeypatch):
    """The command's wiring and JSON, on a copy of the fixture's output: the demo resumes from
    what it finds (nothing measured or trained again), so only the command itself runs."""
    import shutil

    import oneproxy_plugins.demo as demo_module

    out, first = demo_run
    shutil.copytree(out, tmp_path / "out")
    real = demo_module.run_demo

    def small(out_dir, **kwargs):  # the CLI's own arguments, shrunk networks
        kwargs["build_cfg"] = {"C": 4, "N": 1}
        return real(out_dir, **kwargs)

    monkeypatch.setattr(demo_module, "run_demo", small)
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "out"), "--archs", "30",
                                       "--samples", "5", "--heldout", "12", "--trials", "4",
                                       "--epochs", "1", "--rounds", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_proxy"] == 30 and data["k"] == 5 and data["n_heldout"] == 12
    assert set(data["front_sizes"]) == {"cpu-torch-t1-b1", "cpu-ort-t1-b1"}
    assert data["srcc_after"] == pytest.approx(first.srcc_after)
