"""`oneproxy adapt` and `oneproxy predict`: the exact CSV/JSON contracts."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import spearmanr

from oneproxy_plugins.cli import main
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.predictors import load_predictor


@pytest.fixture()
def data_dir(make_data_dir, synthetic_nb201):
    table, _ = synthetic_nb201
    return make_data_dir(table.select(["gpu_a", "cpu_a", "odd"]))


def _write(path, header, rows):
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def _samples_csv(tmp_path, table, target):
    """Every 200th architecture of the table with its latency on ``target``: 10 samples."""
    y = table.column(target)
    return _write(tmp_path / "s.csv", ["arch", "latency_ms"],
                  [(table.archs[i], y[i]) for i in range(0, 2000, 200)])


def _adapt(data_dir, samples, out, *extra):
    return CliRunner().invoke(main, ["adapt", "--space", "nasbench201", "--data", str(data_dir),
                                     "--proxies", "gpu_a,cpu_a,odd", "--target-samples",
                                     str(samples), "--out", str(out), *extra])


@pytest.mark.parametrize("method", ["adaproxy", "adaproxy-paper", "proxy"])
def test_adapt_then_predict(tmp_path, data_dir, synthetic_nb201, method):
    table, _ = synthetic_nb201
    y = table.column("gpu_b")
    samples = _samples_csv(tmp_path, table, "gpu_b")
    result = _adapt(data_dir, samples, tmp_path / "p.json", "--method", method)
    assert result.exit_code == 0, result.output
    archs = table.archs[:300][::-1]
    _write(tmp_path / "a.csv", ["arch"], [(a,) for a in archs])
    result = CliRunner().invoke(main, ["predict", str(tmp_path / "p.json"), "--archs",
                                       str(tmp_path / "a.csv"), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "o.csv").open()))
    assert [r["arch"] for r in rows] == archs  # same order, one row per input row
    pred = np.array([float(r["latency_ms"]) for r in rows])
    if method != "adaproxy-paper":  # the paper's model is linear in ms and may go below 0
        assert (pred > 0).all()
    truth = y[table.rows_of(archs)]
    assert spearmanr(pred, truth).statistic > 0.9


@pytest.mark.parametrize("content, match", [
    ("arch,ms\nx,1\n", "missing column"),
    ("arch,latency_ms\n", "no rows after the header"),
    ("arch,latency_ms\n|bad|,1.0\n", "line 2: Malformed nasbench201 arch string"),
])
def test_adapt_bad_samples(tmp_path, data_dir, content, match):
    samples = tmp_path / "s.csv"
    samples.write_text(content)
    result = _adapt(data_dir, samples, tmp_path / "p.json")
    assert result.exit_code == 2 and match in result.output
    assert "Traceback" not in result.output


def test_adapt_bad_latency_and_duplicates(tmp_path, data_dir, synthetic_nb201):
    table, _ = synthetic_nb201
    a, b, c = table.archs[:3]
    for rows, match in (([(a, 1.0), (b, -2.0), (c, 3.0)], "line 3, latency_ms"),
                        ([(a, 1.0), (b, ""), (c, 3.0)], "latency_ms is missing"),
                        ([(a, 1.0), (a, 2.0), (c, 3.0)], "appears more than once")):
        samples = _write(tmp_path / "s.csv", ["arch", "latency_ms"], rows)
        result = _adapt(data_dir, samples, tmp_path / "p.json")
        assert result.exit_code == 2 and match in result.output, result.output


def test_predict_bad_inputs(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text("{not json")
    archs = _write(tmp_path / "a.csv", ["arch"], [("x",)])
    result = CliRunner().invoke(main, ["predict", str(bad), "--archs", str(archs), "--out",
                                       str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "not a JSON predictor file" in result.output


def test_adapt_and_predict_json(tmp_path, data_dir, synthetic_nb201):
    import json

    table, _ = synthetic_nb201
    samples = _samples_csv(tmp_path, table, "gpu_b")
    result = _adapt(data_dir, samples, tmp_path / "p.json", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    guard = data.pop("guard")  # the adapter's decision: how far from the raw proxies
    assert data.pop("interval90_ratio_median") > 1.0  # the honest range's spread
    expected = data.pop("srcc_expected")  # gpu_b follows gpu_a: the fit expects to rank it
    assert expected > 0.9
    live = data.pop("live_path_prior")  # three proxies: fits with and without, averaged
    assert live["live_boost"] == [0.0, 30.0] and np.isclose(sum(live["weight"]), 1.0)
    assert data == {"method": "adaproxy", "space": "nasbench201",
                    "proxies": ["gpu_a", "cpu_a", "odd"], "samples": 10,
                    "out": str(tmp_path / "p.json")}
    assert guard["guard"] == "none" and guard["adapt_share"] == 1.0  # auto, 3 proxies
    assert set(guard) == {"guard", "adapt_share", "loo_rmse_proxy", "loo_rmse_adapted",
                          "proxy_srcc", "scale"}
    assert guard["scale"] == "ms"  # NAS-Bench-201's cells: modelled in milliseconds
    text = _adapt(data_dir, samples, tmp_path / "p.json")
    assert f"moved {guard['adapt_share']:.2f} of the way from the raw proxies" in text.output
    assert "(leave-one-out RMSE, ms: raw proxies" in text.output
    assert (f"fits averaged, {live['weight'][0]:.2f} on live_boost 0, "
            f"{live['weight'][1]:.2f} on live_boost 30") in text.output
    archs = _write(tmp_path / "a.csv", ["arch"], [(a,) for a in table.archs[:7]])
    result = CliRunner().invoke(main, ["predict", str(tmp_path / "p.json"), "--archs",
                                       str(archs), "--out", str(tmp_path / "o.csv"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["archs"] == 7
    assert "90% predictive interval over the pool's 2000 architectures" in text.output
    assert f"judged by the fit itself: {expected:.3f}\n" in text.output  # no 'unlike' hint
    assert expected == pytest.approx(np.mean(load_predictor(tmp_path / "p.json")
                                             .posterior_srcc()))


def test_adapt_says_when_the_target_is_unlike_the_proxies(tmp_path, data_dir, synthetic_nb201):
    import json

    table, _ = synthetic_nb201
    samples = _samples_csv(tmp_path, table, "odd")  # a pattern of its own
    args = ["adapt", "--space", "nasbench201", "--data", str(data_dir), "--proxies", "gpu_a",
            "--target-samples", str(samples), "--out", str(tmp_path / "p.json")]
    report = json.loads(CliRunner().invoke(main, [*args, "--json"]).stdout)
    expected = report["srcc_expected"]
    assert expected < 0.9
    # the data hold the target's own column ("odd"): never a prior device, and said so
    assert report["prior_devices_target"] == ["odd"] and "odd" not in report["prior_devices"]
    assert ("--prior-devices others: left out odd, whose latencies on the samples are the "
            "samples' (the target itself)") in CliRunner().invoke(main, args).output
    assert (f"judged by the fit itself: {expected:.3f}: the target is unlike the proxies, and "
            "more samples help") in CliRunner().invoke(main, args).output


def test_adapt_with_one_proxy_reports_both_scales(tmp_path, data_dir, synthetic_nb201):
    import json

    table, _ = synthetic_nb201
    samples = _samples_csv(tmp_path, table, "gpu_b")
    args = ["adapt", "--space", "nasbench201", "--data", str(data_dir), "--proxies", "gpu_a",
            "--target-samples", str(samples), "--out", str(tmp_path / "p.json")]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    guard = json.loads(result.stdout)["guard"]  # one proxy: a fit in each scale, averaged
    assert guard["scale"] == "both" and guard["guard"] == "loo"
    weights = {s: e["weight"] for s, e in guard["scales"].items()}
    assert set(weights) == {"log", "ms"} and np.isclose(sum(weights.values()), 1.0)
    text = CliRunner().invoke(main, args).output
    for scale, unit in (("log", "log ms"), ("ms", "ms")):
        evidence = guard["scales"][scale]
        assert (f"guard loo, fit in {scale} (weight {evidence['weight']:.2f}): moved "
                f"{evidence['adapt_share']:.2f} of the way") in text
        assert f"(leave-one-out RMSE, {unit}: raw proxies {evidence['loo_rmse_proxy']:.3f}" in text
    model = load_predictor(tmp_path / "p.json")
    assert model.guard_evidence() == guard


def test_adapt_params_reach_the_adapter(tmp_path, data_dir, synthetic_nb201):
    import json

    table, _ = synthetic_nb201
    samples = _samples_csv(tmp_path, table, "gpu_b")
    result = _adapt(data_dir, samples, tmp_path / "p.json", "--params", "scale=log,guard=loo",
                    "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["params"] == {"scale": "log", "guard": "loo"}
    assert data["guard"]["scale"] == "log" and data["guard"]["guard"] == "loo"
    model = load_predictor(tmp_path / "p.json")
    assert model.get_params()["scale"] == "log" and model.pool_.log
    for bad, message in (("bogus=1", "does not take the parameters ['bogus']"),
                         ("scale", "expected KEY=VALUE pairs like 'scale=log,guard=none'"),
                         ("slope_var=0", "does not take the parameters ['slope_var']")):
        method = ["--method", "proxy"] if bad == "slope_var=0" else []
        result = _adapt(data_dir, samples, tmp_path / "q.json", "--params", bad, *method)
        assert result.exit_code == 2 and message in result.output, result.output
        assert not (tmp_path / "q.json").exists()
    result = _adapt(data_dir, samples, tmp_path / "q.json", "--params", "scale=linear")
    assert result.exit_code != 0 and "'scale' parameter must be one of" in result.output
    assert not (tmp_path / "q.json").exists()


def test_adapt_prior_devices(tmp_path, make_data_dir, synthetic_nb201):
    """--prior-devices: more devices of the data join the prior (not the basis); others is
    every device but the proxies; a device not in the data is an error naming it."""
    import json

    table, _ = synthetic_nb201
    values = table.select(["gpu_a", "cpu_a", "odd", "cpu_b", "mix", "gpu_b"]).values.copy()
    values[20:, 5] = np.nan  # gpu_b on 20 architectures: too few for the prior
    data = make_data_dir(LatencyTable(table.archs, ["gpu_a", "cpu_a", "odd", "cpu_b", "mix",
                                                    "gpu_b"], values, space="nasbench201"))
    samples = _samples_csv(tmp_path, table, "gpu_b")
    plain = _adapt(data, samples, tmp_path / "p.json", "--prior-devices", "none", "--json")
    listed = _adapt(data, samples, tmp_path / "l.json", "--prior-devices", "cpu_b", "--json")
    others = _adapt(data, samples, tmp_path / "o.json", "--prior-devices", "others", "--json")
    default = _adapt(data, samples, tmp_path / "d.json", "--json")
    for result in (plain, listed, others, default):
        assert result.exit_code == 0, result.output
    assert "prior_devices" not in json.loads(plain.stdout)
    assert json.loads(default.stdout) == {**json.loads(others.stdout),
                                          "out": str(tmp_path / "d.json")}
    assert json.loads(listed.stdout)["prior_devices"] == ["cpu_b"]
    assert json.loads(others.stdout)["prior_devices"] == ["cpu_b", "mix"]
    assert json.loads(others.stdout)["prior_devices_skipped"] == {"gpu_b": 20}
    fit_weights = json.loads(others.stdout)["prior_fit_weights"]  # heaviest first
    assert set(fit_weights) == {"cpu_b", "mix"} and 0.0 < sum(fit_weights.values()) <= 1.0
    assert list(fit_weights.values()) == sorted(fit_weights.values(), reverse=True)
    assert "prior_fit_weights" not in json.loads(plain.stdout)
    text = _adapt(data, samples, tmp_path / "t.json", "--prior-devices", "others")
    assert ("--prior-devices others: left out, measured on too few of the pool's 2000 "
            "architectures: gpu_b (20)") in text.output
    models = [load_predictor(tmp_path / f"{n}.json") for n in "plo"]
    assert models[2].pool_.prior_devices == ["cpu_b", "mix"]
    assert models[2].pool_.basis_names == models[0].pool_.basis_names
    assert not np.allclose(models[0].predict(table.archs), models[2].predict(table.archs))
    human = _adapt(data, samples, tmp_path / "h.json", "--prior-devices", "mix")
    assert ("prior of the residual: the proxies' weights and those of 1 more device (mix; "
            "--prior-devices none for the proxies' alone)" in human.output)
    assert "prior devices' fits in the proxy average: weight " in human.output
    from oneproxy_plugins.cli.adapt import _some

    names = [f"d{i}" for i in range(8)]  # a long list: the first few, and how many more
    assert _some(names) == "d0, d1, d2, d3, d4 and 3 more (--json lists them)"
    assert _some(names[:6]) == "d0, d1, d2, d3, d4, d5"
    for name in ("nope", "gpu_b"):  # not in the data; named, but measured on too few
        bad = _adapt(data, samples, tmp_path / "b.json", "--prior-devices", name)
        assert bad.exit_code != 0 and name in bad.output and not (tmp_path / "b.json").exists()


@pytest.mark.needs("torch")
def test_adapt_leaves_the_target_column_out_of_its_prior(tmp_path, make_data_dir,
                                                         synthetic_nb201):
    """The target's own column in --data (a campaign measured before) is not one of the prior
    devices that others means, whether the target is the --measure-on device or the device
    of a results file given as --target-samples; every other device is. Every architecture is
    in the measurements file already, so nothing is timed."""
    import json

    table, _ = synthetic_nb201
    device = "cpu-torch-t1-b1"
    names = ["gpu_a", "cpu_a", "mix", "cpu_b", device]
    data = make_data_dir(LatencyTable(table.archs, names,
                                      table.select(["gpu_a", "cpu_a", "mix", "cpu_b",
                                                    "gpu_b"]).values, space="nasbench201"))
    measured = tmp_path / "m.csv"
    rows = [f"{a},{v}" for a, v in zip(table.archs, table.column("gpu_b"))]
    measured.write_text(f"arch,{device}\n" + "\n".join(rows) + "\n")
    result = _measure_on(data, tmp_path / "t.json", "--measure-on", device, "--samples", "6",
                         "--measurements", str(measured), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["reused"] == 6 and report["prior_devices"] == ["mix", "cpu_b"]
    # the same file as --target-samples (a results file: its .details.jsonl beside it)
    (tmp_path / "m.details.jsonl").write_text("")
    again = _measure_on(data, tmp_path / "u.json", "--target-samples", str(measured), "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["prior_devices"] == ["mix", "cpu_b"]


def test_live_prior_of_two_fits_with_different_candidates(synthetic_nb201):
    # live_boost="auto" asks each scale's pool, so the two fits of scale="both" may differ
    # (a proxy whose live-path share is below the threshold in one scale only)
    from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
    from oneproxy_plugins.cli.adapt import _live_prior

    table, _ = synthetic_nb201
    pool = ProxyPool(table, ["gpu_a"])
    rows = np.arange(0, 2000, 200)
    archs, y = [table.archs[r] for r in rows], table.column("gpu_b")[rows]
    model = AdaProxyPredictor(pool, scale="both").fit(archs, y)
    model.components_ = [AdaProxyPredictor(pool, scale="log", live_boost=[0, 30]).fit(archs, y),
                         AdaProxyPredictor(pool, scale="ms", live_boost=0).fit(archs, y)]
    w_log, w_ms = model.scale_weights_
    live = _live_prior(model)
    assert live["live_boost"] == [0.0, 30.0]
    log_weights = model.components_[0].live_weights_
    np.testing.assert_allclose(live["weight"], [w_log * log_weights[0] + w_ms,
                                                w_log * log_weights[1]])
    assert sum(live["weight"]) == pytest.approx(1.0)
    model.components_.reverse()  # the ms fit with both candidates, the log fit with one
    assert _live_prior(model)["live_boost"] == [0.0, 30.0]


@pytest.mark.parametrize("method", ["adaproxy", "proxy", "adaproxy-paper"])
def test_predict_interval(tmp_path, data_dir, synthetic_nb201, method):
    table, _ = synthetic_nb201
    y = table.column("mix")
    samples = _samples_csv(tmp_path, table, "mix")
    assert _adapt(data_dir, samples, tmp_path / "p.json", "--method", method).exit_code == 0
    archs = table.archs[1000:1400]
    _write(tmp_path / "a.csv", ["arch"], [(a,) for a in archs])
    result = CliRunner().invoke(main, ["predict", str(tmp_path / "p.json"), "--archs",
                                       str(tmp_path / "a.csv"), "--out", str(tmp_path / "o.csv"),
                                       "--interval", "0.9"])
    if method == "adaproxy-paper":  # the paper's form has no predictive distribution
        assert result.exit_code == 2 and "has no predictive interval" in result.output
        assert not (tmp_path / "o.csv").exists()
        return
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "o.csv").open()))
    assert list(rows[0]) == ["arch", "latency_ms", "latency_ms_low", "latency_ms_high"]
    low, mid, high = (np.array([float(r[c]) for r in rows])
                      for c in ("latency_ms_low", "latency_ms", "latency_ms_high"))
    assert (low < mid).all() and (mid < high).all()
    truth = y[table.rows_of(archs)]
    assert np.mean((truth >= low) & (truth <= high)) > 0.7
    for bad in ("0", "1", "x"):
        result = CliRunner().invoke(main, ["predict", str(tmp_path / "p.json"), "--archs",
                                           str(tmp_path / "a.csv"), "--out",
                                           str(tmp_path / "o.csv"), "--interval", bad])
        assert result.exit_code == 2 and "--interval" in result.output


def _measure_on(data_dir, out, *extra):
    return CliRunner().invoke(main, ["adapt", "--space", "nasbench201", "--data", str(data_dir),
                                     "--proxies", "gpu_a,cpu_a", "--out", str(out), *extra])


@pytest.mark.needs("torch")
def test_adapt_measure_on_this_host(tmp_path, data_dir):
    import json

    out = tmp_path / "host.json"
    args = ["--measure-on", "cpu-torch-t1-b1", "--samples", "5", "--build-cfg", "C=4,N=1",
            "--rounds", "2", "--json"]
    result = _measure_on(data_dir, out, *args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["device"] == "cpu-torch-t1-b1" and report["samples"] == 5
    assert len(report["measured"]) == 5 and all(v > 0 for v in report["measured"].values())
    assert -1 <= report["loo_srcc"] <= 1 and report["reused"] == 0
    assert (tmp_path / "host.measured.csv").exists() and out.exists()
    again = _measure_on(data_dir, out, *args[:-1])
    assert again.exit_code == 0, again.output
    assert "(5 from " in again.output and "leave-one-out SRCC" in again.output


@pytest.mark.needs("torch")
def test_adapt_measure_on_until_srcc(tmp_path, data_dir):
    import json

    args = ["--measure-on", "cpu-torch-t1-b1", "--samples", "4", "--build-cfg", "C=4,N=1",
            "--rounds", "2", "--until-srcc", "0.999", "--max-samples", "9"]
    result = _measure_on(data_dir, tmp_path / "host.json", *args, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # 4, then 5 at a time, capped at 9; this host is not what the synthetic proxies model
    assert [r["samples"] for r in report["rounds"]] == [4, 9] and report["samples"] == 9
    assert len(report["measured"]) == 9
    assert report["srcc_expected"] == report["rounds"][-1]["srcc_expected"] < 0.999
    text = _measure_on(data_dir, tmp_path / "host.json", *args).output
    assert "--until-srcc 0.999 not reached; expected SRCC after each round (samples: SRCC) 4: " \
           in text and "(9 from " in text
    first = report["rounds"][0]["srcc_expected"]  # as it goes, on stderr
    assert f"4 samples: expected SRCC {first:.3f} (--until-srcc 0.999)" in text


@pytest.mark.parametrize("extra, match", [
    ([], "pass either --target-samples FILE or --measure-on DEVICE"),
    (["--target-samples", __file__, "--until-srcc", "0.9"], "go with --measure-on"),
    (["--measure-on", "cpu-torch-t1-b1", "--max-samples", "20"], "goes with --until-srcc"),
    (["--measure-on", "cpu-torch-t1-b1", "--until-srcc", "0.9", "--max-samples", "5"],
     "--max-samples 5 is below --samples 10"),
    (["--measure-on", "cpu-torch-t1-b1", "--until-srcc", "1.5"], "--until-srcc"),
    (["--measure-on", "cpu-torch-t1-b1", "--target-samples", __file__], "pass either"),
    (["--measure-on", "gpu-fast"], "gpu-fast"),
    (["--measure-on", "ssh://host/cuda-torch-b1"], "runtime among ort"),
])
def test_adapt_measure_on_errors(tmp_path, data_dir, extra, match):
    result = _measure_on(data_dir, tmp_path / "p.json", *extra)
    assert result.exit_code == 2 and match in result.output, result.output
    assert not (tmp_path / "p.json").exists()


def test_adapt_with_companion_samples(tmp_path, data_dir, synthetic_nb201):
    """Another target's samples join as a companion: the saved predictor is the joint fit of
    :func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`, and it predicts after loading."""
    import json

    from oneproxy_plugins.adaproxy import ProxyPool
    from oneproxy_plugins.adaproxy.joint import adapt_jointly
    from oneproxy_plugins.cli.adapt import read_target_samples

    table, _ = synthetic_nb201
    samples = _samples_csv(tmp_path, table, "gpu_b")
    y = table.column("mix")
    other = _write(tmp_path / "mixdev.csv", ["arch", "latency_ms"],
                   [(table.archs[i], y[i]) for i in range(100, 2000, 200)])
    out = tmp_path / "p.json"
    result = _adapt(data_dir, samples, out, "--companion-samples", str(other), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["companions"] == ["mixdev"]
    model = load_predictor(out)
    assert model.pool_.devices == ["gpu_a", "cpu_a", "odd", "~self", "~mixdev"]
    from oneproxy_plugins.latency import load_data_dir

    pool = ProxyPool(load_data_dir([data_dir], "nasbench201"), ["gpu_a", "cpu_a", "odd"])
    expected = adapt_jointly(pool, {"t": read_target_samples("nasbench201", str(samples)),
                                    "mixdev": read_target_samples("nasbench201", str(other))})
    np.testing.assert_allclose(model.predict(table.archs[:200]),
                               expected["t"].predict(table.archs[:200]), rtol=1e-6)
    text = _adapt(data_dir, samples, out, "--companion-samples", str(other)).output
    assert "with 3 proxies and 1 companion target (mixdev) ->" in text


@pytest.mark.parametrize(("extra", "match"), [
    (["--method", "proxy", "--companion-samples", "{other}"],
     "--companion-samples needs --method adaproxy"),
    (["--companion-samples", "{other}", "--companion-samples", "{twin}"],
     "two files named 'other'"),
    (["--companion-samples", "{same}"], "is the target's own --target-samples or"),
])
def test_companion_samples_usage_errors(tmp_path, data_dir, synthetic_nb201, extra, match):
    table, _ = synthetic_nb201
    samples = _samples_csv(tmp_path, table, "gpu_b")
    (tmp_path / "twin").mkdir()
    files = {"same": samples, "other": tmp_path / "other.csv",
             "twin": tmp_path / "twin" / "other.csv"}
    for name in ("other", "twin"):
        files[name].write_text(samples.read_text())
    extra = [e.format(**files) for e in extra]
    result = _adapt(data_dir, samples, tmp_path / "p.json", *extra)
    assert result.exit_code == 2 and match in result.output, result.output
    assert not (tmp_path / "p.json").exists()


def test_samples_from_a_measurement_results_file(tmp_path, data_dir, synthetic_nb201):
    """A results file of `oneproxy measure` or `--measure-on` (arch,<device> beside its
    sidecar) is read as samples, as a target's and as a companion's; its failed
    architectures are not samples."""
    import json

    from oneproxy_plugins.measure.store import ArchResult, ResultStore

    table, _ = synthetic_nb201
    y = table.column("mix")
    path = tmp_path / "board.measured.csv"
    store = ResultStore(path, "board-cpu")
    store.create({"space": "nasbench201"})
    archs = [table.archs[i] for i in range(0, 2000, 200)]
    store.append([ArchResult(a, "ok", ratio=float(y[table.row_of(a)]) / 2.0) for a in archs]
                 + [ArchResult.failed(table.archs[7], "RuntimeError: out of memory")],
                 reference_ms=2.0)
    result = _adapt(data_dir, path, tmp_path / "p.json", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["samples"] == 10  # the failed one is not a sample
    plain = _write(tmp_path / "plain.csv", ["arch", "latency_ms"],
                   [(a, y[table.row_of(a)]) for a in archs])
    assert _adapt(data_dir, plain, tmp_path / "plain.json").exit_code == 0
    np.testing.assert_allclose(load_predictor(tmp_path / "p.json").predict(table.archs[:50]),
                               load_predictor(tmp_path / "plain.json").predict(table.archs[:50]),
                               rtol=1e-4)  # the results file keeps fewer digits
    samples = _samples_csv(tmp_path, table, "gpu_b")
    result = _adapt(data_dir, samples, tmp_path / "q.json", "--companion-samples", str(path),
                    "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["companions"] == ["board.measured"]
    assert load_predictor(tmp_path / "q.json").pool_.devices[-1] == "~board.measured"
    path.write_text("arch,board-cpu\n" + f"{table.archs[7]},\n")
    result = _adapt(data_dir, path, tmp_path / "p.json")
    assert result.exit_code == 2 and "no architecture measured yet" in result.output


@pytest.mark.needs("torch")
def test_measure_on_with_companion_samples(tmp_path, data_dir, synthetic_nb201):
    """A target measured now is fitted with a companion's samples, in its fit and in its
    leave-one-out estimate; the target's own results file is not a companion."""
    import json

    table, _ = synthetic_nb201
    companion = _write(tmp_path / "mixdev.csv", ["arch", "latency_ms"],
                       [(table.archs[i], table.column("mix")[i]) for i in range(0, 2000, 200)])
    out = tmp_path / "host.json"
    args = ["--measure-on", "cpu-torch-t1-b1", "--samples", "5", "--build-cfg", "C=4,N=1",
            "--rounds", "2", "--companion-samples", str(companion)]
    result = _measure_on(data_dir, out, *args, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["companions"] == ["mixdev"] and len(report["measured"]) == 5
    # the chooser's seed is the device's own: boards adapted together measure different cells
    from oneproxy_plugins.adaproxy import ProxyPool
    from oneproxy_plugins.latency import load_data_dir
    from oneproxy_plugins.sampling import select_samples, target_seed

    pool = ProxyPool(load_data_dir([data_dir], "nasbench201"), ["gpu_a", "cpu_a"])
    assert list(report["measured"]) == select_samples(
        pool, 5, random_state=target_seed(0, "cpu-torch-t1-b1"))
    assert list(report["measured"]) != select_samples(pool, 5, random_state=0)
    assert -1 <= report["loo_srcc"] <= 1
    assert load_predictor(out).pool_.devices == ["gpu_a", "cpu_a", "~self", "~mixdev"]
    again = _measure_on(data_dir, out, *args, "--companion-samples",
                        str(tmp_path / "host.measured.csv"))
    assert again.exit_code == 2, again.output
    assert "is the target's own --target-samples or --measurements" in again.output