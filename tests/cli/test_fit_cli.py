"""`oneproxy fit`: a predictor file from a measured table or a data directory."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import spearmanr

from oneproxy_plugins.cli import main
from oneproxy_plugins.cli.fit import fit_device_predictor
from oneproxy_plugins.predictors import RidgePredictor, load_predictor
from oneproxy_plugins.spaces import get_space

NB201 = get_space("nasbench201")
IDS = [NB201.to_id(a) for a in NB201.sample_many(60, rng=5)]
# a device whose log latency is linear in the op counts, plus noise
COUNTS = NB201.encode_many(IDS)[:, 30:]
MS = np.exp(0.2 + COUNTS @ [0.0, 0.05, 0.3, 0.6, 0.2]
            + np.random.default_rng(0).normal(0, 0.02, len(IDS)))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture()
def table_csv(tmp_path):
    path = tmp_path / "proxy.csv"
    path.write_text("arch,cpu\n" + "".join(f"{a},{v:.6g}\n" for a, v in zip(IDS, MS)))
    return path


def test_fit_from_a_measured_table(table_csv, tmp_path):
    out = tmp_path / "cpu.json"
    result = run("fit", "--space", "nasbench201", "--table", table_csv, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["device"] == "cpu" and data["samples"] == 60 and data["cv_srcc"] > 0.9
    model = load_predictor(out)
    assert isinstance(model, RidgePredictor) and model.log_target and model.space == "nasbench201"
    assert spearmanr(model.predict(IDS), MS).statistic > 0.95


def test_fit_from_a_data_directory_with_other_settings(table_csv, tmp_path):
    assert run("data", "build", "--space", "nasbench201", table_csv, tmp_path / "d").exit_code == 0
    out = tmp_path / "cpu.json"
    result = run("fit", "--space", "nasbench201", "--data", tmp_path / "d", "--device", "cpu",
                 "--params", "alpha=0.5,log_target=false", "--cv", "0", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"ridge predictor of cpu fitted on 60 architectures -> {out}"
    model = load_predictor(out)
    assert (model.alpha, model.log_target) == (0.5, False)


def test_fit_function_scores_by_folds():
    model, score = fit_device_predictor(IDS, MS, space="nasbench201", cv=4)
    assert model.alpha == "auto" and model.alpha_ > 0 and 0.9 < score <= 1
    with pytest.raises(ValueError, match="at least 3 measured architectures; got 2"):
        fit_device_predictor(IDS[:2], MS[:2], space="nasbench201")
    with pytest.raises(ValueError, match="'ridge' does not take these parameters"):
        fit_device_predictor(IDS, MS, space="nasbench201", params={"depth": 3})


@pytest.mark.parametrize("args, message", [
    ([], "pass either --data DIR or --table FILE"),
    (["--table", "{table}", "--data", "{tmp}"], "pass either --data DIR or --table FILE"),
    (["--table", "{table}", "--predictor", "svm"], "'svm' is not a registered predictor"),
    (["--table", "{table}", "--params", "alpha"],
     "Invalid value for '--params': expected KEY=VALUE pairs like 'alpha=0.1,log_target=false'"),
    (["--table", "{table}", "--params", "alpha=-1"], "The 'alpha' parameter must be a number"),
    (["--table", "{two}"], "two.csv holds 2 devices (a, b); choose one"),
    (["--table", "{two}", "--device", "c"], "Unknown device 'c'"),
])
def test_mistakes(table_csv, tmp_path, args, message):
    two = tmp_path / "two.csv"
    two.write_text(f"arch,a,b\n{IDS[0]},1,2\n")
    args = [a.format(table=table_csv, tmp=tmp_path, two=two) for a in args]
    result = run("fit", "--space", "nasbench201", *args, "--out", tmp_path / "p.json")
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "p.json").exists()
