"""Tests of `oneproxy bench fewshot` (library function and CLI contract)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from oneproxy_plugins.adaproxy import get_adapter
from oneproxy_plugins.bench.fewshot import protocol_split, run_fewshot, run_lodo
from oneproxy_plugins.cli import main
from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.monotonicity import srcc

KEYS = {"space", "samples", "repeats", "method", "sampler", "targets", "srcc_mean",
        "fit_ms_median", "predict_ms_median"}


@pytest.fixture()
def data_dir(make_data_dir, synthetic_nb201):
    """A data directory laid out like ../shared/data, the devices over two files."""
    return make_data_dir(synthetic_nb201[0], files={"latency.csv": ["gpu_a", "cpu_a", "odd"],
                                                    "latency_more.csv": ["gpu_b", "mix", "cpu_b"]})


def _args(data_dir, out, *extra):
    return ["bench", "fewshot", "--space", "nasbench201", "--data", str(data_dir),
            "--proxies", "gpu_a,cpu_a,odd", "--targets", "gpu_b,mix", "--samples", "10",
            "--repeats", "3", "--json", str(out), "--no-progress", *extra]


class TestRunFewshot:
    @pytest.mark.parametrize("method", ["adaproxy", "adaproxy-paper", "proxy"])
    def test_result_contract(self, data_dir, method):
        result = run_fewshot("nasbench201", [data_dir], proxies=["gpu_a", "cpu_a", "odd"],
                             targets=["gpu_b", "mix"], samples=10, repeats=3, method=method)
        assert KEYS <= set(result)
        assert set(result["targets"]) == {"gpu_b", "mix"}
        means = [v["srcc_mean"] for v in result["targets"].values()]
        assert result["srcc_mean"] == pytest.approx(np.mean(means))
        assert all(-1 <= m <= 1 for m in means)
        assert result["fit_ms_median"] > 0 and result["predict_ms_median"] > 0
        covered = [v["coverage90"] for v in result["targets"].values()]
        scored = [v["interval_score90"] for v in result["targets"].values()]
        if method == "adaproxy-paper":  # no predictive distribution
            assert covered == scored == [None, None] and result["coverage90_mean"] is None
            assert result["interval_score90_mean"] is None
        else:
            assert all(0 <= c <= 1 for c in covered) and all(v > 0 for v in scored)
            assert result["coverage90_mean"] == pytest.approx(np.mean(covered))
            assert result["coverage90_min"] == min(covered)
            assert result["interval_score90_mean"] == pytest.approx(np.mean(scored))
        expected = [v["srcc_expected"] for v in result["targets"].values()]
        if method == "adaproxy-paper":  # no posterior_srcc
            assert expected == [None, None] and result["srcc_expected_mean"] is None
            assert result["srcc_expected_worst_over"] is None
        else:
            assert all(-1 <= e <= 1 for e in expected)
            assert result["srcc_expected_mean"] == pytest.approx(np.mean(expected))
            assert result["srcc_expected_worst_over"] == pytest.approx(
                max(v["srcc_expected"] - v["srcc_mean"] for v in result["targets"].values()))

    def test_adaptation_beats_no_adaptation_on_a_blend(self, data_dir):
        kw = dict(proxies=["gpu_a", "cpu_a", "odd"], targets=["mix"], samples=20, repeats=5)
        ada = run_fewshot("nasbench201", [data_dir], method="adaproxy", **kw)
        proxy = run_fewshot("nasbench201", [data_dir], method="proxy", **kw)
        assert ada["srcc_mean"] > proxy["srcc_mean"]

    def test_feature_set_reaches_the_pool(self, data_dir, monkeypatch):
        import oneproxy_plugins.bench.fewshot as fewshot

        seen = []

        class Spy(fewshot.ProxyPool):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                seen.append((self.feature_set, self.features.shape[1]))

        monkeypatch.setattr(fewshot, "ProxyPool", Spy)
        kw = dict(proxies=["gpu_a"], targets=["gpu_b"], samples=5, repeats=1)
        results = {fs: run_fewshot("nasbench201", [data_dir], feature_set=fs, **kw)
                   for fs in ("latency", "encoding")}
        assert seen == [("latency", 39), ("encoding", 35)]
        assert [r["feature_set"] for r in results.values()] == ["latency", "encoding"]

    def test_adapter_params_reach_the_adapter(self, data_dir, monkeypatch):
        import oneproxy_plugins.bench.fewshot as fewshot

        built = []

        class Spy:  # the registry's method, recording what it builds
            def build(self, pool, **kwargs):
                model = get_adapter("adaproxy").build(pool, **kwargs)
                built.append(model)
                return model

        monkeypatch.setattr(fewshot, "get_adapter", lambda name: Spy())
        kw = dict(proxies=["gpu_a", "cpu_a"], targets=["mix"], samples=8, repeats=2)
        result = run_fewshot("nasbench201", [data_dir], adapter_params={"slope_var": 0.0}, **kw)
        fitted = [m for m in built if m.__sklearn_is_fitted__()]
        assert len(fitted) == 2 and all(m.slope_var == 0.0 for m in fitted)
        # K=8 models both scales (scale="auto"): the parameter reaches each fit
        assert all(c.slope_var == 0.0 for m in fitted for c in m.components_)
        assert result["adapter_params"] == {"slope_var": 0.0}
        monkeypatch.undo()
        with pytest.raises(TypeError, match="Method 'proxy' does not take the parameters "
                                            r"\['slope_var'\]"):
            run_fewshot("nasbench201", [data_dir], method="proxy",
                        adapter_params={"slope_var": 0.0}, **kw)

    def test_seeded(self, data_dir):
        kw = dict(proxies=["gpu_a"], targets=["gpu_b"], samples=5, repeats=2, seed=7)
        a = run_fewshot("nasbench201", [data_dir], **kw)
        b = run_fewshot("nasbench201", [data_dir], **kw)
        assert a["targets"] == b["targets"]

    def test_help_protocol_split(self, synthetic_nb201):
        table, _ = synthetic_nb201
        indexed = LatencyTable(table.archs, table.devices, table.values, space="nasbench201",
                               index=np.arange(len(table)))
        pool_rows, scored_rows = protocol_split(indexed, "gpu_b", "help")
        y = indexed.column("gpu_b")
        assert indexed.index[pool_rows].max() < 900
        assert indexed.index[scored_rows].min() >= 900
        assert indexed.index[scored_rows].max() < 1900
        low, high = np.percentile(y, [10, 90])
        assert y[pool_rows].min() >= low and y[scored_rows].max() <= high
        with pytest.raises(ValueError, match="needs the benchmark's architecture indices"):
            protocol_split(table, "gpu_b", "help")

    @pytest.mark.parametrize("kwargs, error, match", [
        (dict(samples=5000), ValueError, "--samples 5000 is larger than the 2000"),
        (dict(targets=["nope"]), UnknownDeviceError, "Unknown device 'nope'"),
        (dict(method="magic"), UnknownNameError, "Unknown method 'magic'"),
        (dict(sampler="magic"), UnknownNameError, "Unknown sampler 'magic'"),
        (dict(targets=["gpu_a"]), ValueError, "both proxy and target"),
        (dict(samples=2), ValueError, "'samples' argument must be an int >= 3; got 2"),
        (dict(protocol="helpx"), ValueError, "'protocol' argument must be one of"),
        (dict(feature_set="all"), ValueError, "'feature_set' argument must be one of "
                                              r"\['latency', 'encoding'\]; got 'all'"),
    ])
    def test_errors(self, data_dir, kwargs, error, match):
        base = dict(proxies=["gpu_a"], targets=["gpu_b"], samples=10, repeats=1)
        with pytest.raises(error, match=match):
            run_fewshot("nasbench201", [data_dir], **{**base, **kwargs})

    def test_joint_adapts_each_repeat_s_targets_together(self, data_dir):
        """joint=True: each target keeps its own samples (those of joint=False), and the
        repeat's targets are fitted by adapt_jointly and scored as alone."""
        from oneproxy_plugins.adaproxy import ProxyPool
        from oneproxy_plugins.adaproxy.joint import adapt_jointly
        from oneproxy_plugins.latency import load_data_dir
        from oneproxy_plugins.sampling import select_samples

        kw = dict(proxies=["cpu_a"], targets=["gpu_a", "gpu_b", "mix"], samples=10, repeats=1)
        alone = run_fewshot("nasbench201", [data_dir], prior_devices="none", **kw)
        joint = run_fewshot("nasbench201", [data_dir], joint=True, prior_devices="none", **kw)
        assert alone["joint"] is False and joint["joint"] is True
        table = load_data_dir([data_dir], "nasbench201")
        pool = ProxyPool(table, ["cpu_a"])
        measured = {}
        for i, target in enumerate(kw["targets"]):
            chosen = select_samples(pool, 10, candidates=table.archs,
                                    random_state=np.random.default_rng(1000 * i))
            measured[target] = chosen, table.column(target)[table.rows_of(chosen)]
        others = [d for d in table.devices if d != "cpu_a"]
        pools = {t: pool.derived(table, ["cpu_a"], prior_devices=[d for d in others if d != t])
                 for t in measured}
        with_prior = run_fewshot("nasbench201", [data_dir], joint=True, **kw)  # the default
        for result, fits in ((joint, adapt_jointly(pool, measured)),
                             (with_prior, adapt_jointly(pool, measured, pools=pools))):
            for target, fit in fits.items():
                y = table.column(target)
                assert result["targets"][target]["srcc_mean"] == pytest.approx(
                    srcc(fit.predict(table.archs), y))
        assert joint["srcc_mean"] != pytest.approx(alone["srcc_mean"])
        assert with_prior["srcc_mean"] != pytest.approx(joint["srcc_mean"])
        with pytest.raises(ValueError, match="joint adapts with adaproxy"):
            run_fewshot("nasbench201", [data_dir], joint=True, method="proxy", **kw)
        with pytest.raises(ValueError, match="does not nest in 'lodo'"):
            run_fewshot("nasbench201", [data_dir], joint=True, protocol="lodo", **kw)

    def test_nan_only_and_constant_targets(self, synthetic_nb201):
        table, _ = synthetic_nb201
        n = len(table)
        extra = LatencyTable(table.archs, ["empty", "flat"],
                             np.c_[np.full(n, np.nan), np.full(n, 3.0)], space="nasbench201")
        joined = table.join(extra)
        for target, match in (("empty", "has no measurement"), ("flat", "is constant")):
            with pytest.raises(ValueError, match=match):
                run_fewshot("nasbench201", [], proxies=["gpu_a"], targets=[target], samples=5,
                            repeats=1, table=joined)


class TestRunLodo:
    DEVICES = ["gpu_a", "cpu_a", "odd", "gpu_b", "cpu_b"]

    def test_each_device_is_scored_with_parameters_chosen_without_it(self, synthetic_nb201,
                                                                    monkeypatch):
        import oneproxy_plugins.bench.fewshot as fewshot

        table, _ = synthetic_nb201
        calls = []
        score = fewshot._Runner.score

        def spy(self, proxies, target, index, repeat, params, **kwargs):
            calls.append((tuple(proxies), target, params["temperature"]))
            return score(self, proxies, target, index, repeat, params, **kwargs)

        monkeypatch.setattr(fewshot._Runner, "score", spy)
        grid = [{"temperature": 10.0}, {"temperature": 1e-3}]
        result = run_lodo("nasbench201", [], proxies=self.DEVICES[:3], targets=self.DEVICES,
                          samples=10, repeats=2, inner_repeats=1, grid=grid, table=table)
        assert set(result["targets"]) == set(self.DEVICES)
        assert result["grid"] == grid and sum(result["chosen_counts"]) == len(self.DEVICES)
        n_inner = len(self.DEVICES) * (len(self.DEVICES) - 1) * len(grid)
        assert len(calls) == n_inner + 2 * len(self.DEVICES)
        # every fit of a device uses a pool without it; the scores of a left-out device come
        # after the inner fits that chose for it, none of which touched it
        assert all(target not in proxies for proxies, target, _ in calls)
        position = 0
        for d in self.DEVICES:
            block = calls[position:position + (len(self.DEVICES) - 1) * len(grid) + 2]
            position += len(block)
            choosing, scoring = block[:-2], block[-2:]
            assert all(d not in proxies and target != d for proxies, target, _ in choosing)
            assert [t for _, t, _ in scoring] == [d, d]
            v = result["targets"][d]
            assert scoring[0][2] == grid[v["chosen"]]["temperature"]
            assert v["chosen"] == int(np.argmax(v["inner"]))
            assert v["srcc_min"] <= v["srcc_mean"]
        means = [v["srcc_mean"] for v in result["targets"].values()]
        assert result["srcc_mean"] == pytest.approx(np.mean(means))
        assert result["srcc_worst_device"] == min(means)
        assert result["srcc_worst"] <= min(means)
        assert result["coverage90_min"] == min(v["coverage90"] for v in result["targets"].values())

    def test_a_grid_of_one_is_scored_without_inner_fits(self, synthetic_nb201, monkeypatch):
        import oneproxy_plugins.bench.fewshot as fewshot

        table, _ = synthetic_nb201
        kw = dict(proxies=self.DEVICES[:3], targets=self.DEVICES, samples=10, repeats=2,
                  inner_repeats=1, table=table)
        grid = [{"temperature": 1e-3}]
        twice = run_lodo("nasbench201", [], grid=grid * 2, **kw)  # a tie: the first is chosen
        calls = []
        score = fewshot._Runner.score

        def spy(self, proxies, target, *args, **kwargs):
            calls.append(target)
            return score(self, proxies, target, *args, **kwargs)

        monkeypatch.setattr(fewshot._Runner, "score", spy)
        once = run_lodo("nasbench201", [], grid=grid, **kw)
        assert calls == [d for d in self.DEVICES for _ in range(2)]  # the scored repeats only
        for d in self.DEVICES:
            assert once["targets"][d]["inner"] is None and once["targets"][d]["chosen"] == 0
            assert twice["targets"][d]["chosen"] == 0 and len(twice["targets"][d]["inner"]) == 2
            assert once["targets"][d]["srcc_mean"] == twice["targets"][d]["srcc_mean"]
        assert once["chosen_counts"] == [len(self.DEVICES)]

    def test_run_fewshot_protocol_lodo_is_run_lodo(self, synthetic_nb201):
        table, _ = synthetic_nb201
        kw = dict(proxies=self.DEVICES[:3], targets=self.DEVICES[2:], samples=5, repeats=1,
                  table=table)
        via = run_fewshot("nasbench201", [], protocol="lodo", **kw)
        direct = run_lodo("nasbench201", [], **kw)
        assert via["targets"] == direct["targets"] and via["protocol"] == "lodo"

    @pytest.mark.parametrize("kwargs, match", [
        (dict(targets=["gpu_b"]), "needs at least 2 target devices"),
        (dict(grid=[]), "'grid' argument must hold at least one"),
        (dict(protocol="all"), "'protocol' argument must be one of"),
        (dict(proxies=["gpu_a", "gpu_b"]), "leave none"),
        (dict(grid=[{"tempo": 1}]), "does not take the parameters"),
    ])
    def test_errors(self, synthetic_nb201, kwargs, match):
        table, _ = synthetic_nb201
        base = dict(proxies=["gpu_a", "cpu_a"], targets=["gpu_a", "gpu_b"], samples=5,
                    repeats=1, table=table)
        with pytest.raises((ValueError, TypeError), match=match):
            run_lodo("nasbench201", [], **{**base, **kwargs})


class TestCLI:
    def test_writes_the_json_contract(self, data_dir, tmp_path):
        out = tmp_path / "out.json"
        result = CliRunner().invoke(main, _args(data_dir, out))
        assert result.exit_code == 0, result.output
        payload = json.loads(out.read_text())
        assert KEYS <= set(payload) and payload["samples"] == 10 and payload["repeats"] == 3
        assert "mean SRCC" in result.output and payload["joint"] is False
        result = CliRunner().invoke(main, _args(data_dir, out, "--joint"))
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())["joint"] is True and "protocol all, joint)" in \
            result.output

    def test_lodo_over_every_device(self, data_dir, tmp_path):
        out = tmp_path / "lodo.json"
        args = _args(data_dir, out, "--protocol", "lodo", "--inner-repeats", "1",
                     "--grid", '[{"guard": "loo"}, {"guard": "none"}]')
        args[args.index("gpu_b,mix")] = "all"
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        payload = json.loads(out.read_text())
        assert set(payload["targets"]) == {"gpu_a", "cpu_a", "odd", "gpu_b", "mix", "cpu_b"}
        assert payload["worst_device"] in payload["targets"]
        assert payload["grid"] == [{"guard": "loo"}, {"guard": "none"}]

    @pytest.mark.parametrize("extra, match", [
        (["--protocol", "lodo", "--grid", "{bad"], "not JSON"),
        (["--protocol", "lodo", "--grid", "{}"], "non-empty JSON list of objects"),
        (["--grid", "[{}]"], "apply to --protocol lodo or lodo-help only"),
        (["--samples", "99999"], "is larger than"),
        (["--targets", "ghost"], "Unknown device 'ghost'"),
        (["--targets", "gpu_b,,mix"], "comma-separated list"),
        (["--joint", "--method", "proxy"], "--joint goes with --method adaproxy"),
        (["--joint", "--protocol", "lodo"], "--joint goes with --method adaproxy and "),
    ])
    def test_user_errors_are_one_line(self, data_dir, tmp_path, extra, match):
        result = CliRunner().invoke(main, _args(data_dir, tmp_path / "o.json") + extra)
        assert result.exit_code == 2
        assert match in result.output
        assert "Traceback" not in result.output


class TestSummarize:
    """``benchmarks/summarize.py`` labels ablation runs by what they changed."""

    @pytest.fixture()
    def summarize(self, benchmark_script):
        return benchmark_script("summarize")

    def test_method_label(self, summarize):
        assert summarize.method_label({"method": "adaproxy"}) == "adaproxy"  # older JSON files
        assert summarize.method_label({"method": "proxy", "feature_set": "latency",
                                       "adapter_params": {}}) == "proxy"
        assert summarize.method_label({"method": "adaproxy", "feature_set": "encoding",
                                       "adapter_params": {"slope_var": 0.0}}) == \
            "adaproxy (features=encoding, slope_var=0.0)"

    def test_table_row_of_a_real_result(self, summarize, data_dir, tmp_path, capsys):
        result = run_fewshot("nasbench201", [data_dir], proxies=["gpu_a"], targets=["gpu_b"],
                             samples=5, repeats=1, feature_set="encoding")
        (tmp_path / "run.json").write_text(json.dumps(result))
        summarize.table(str(tmp_path))
        row = capsys.readouterr().out
        assert row.startswith("| run | adaproxy (features=encoding) | greedy | all | 5 | 1 |")


class TestFewshotCeiling:
    """``benchmarks/fewshot_ceiling.py``: the linear family fitted on every architecture, in
    the scale asked for."""

    def test_each_scale_fits_the_device_that_adds_up_in_it(self, make_data_dir, synthetic_nb201,
                                                            benchmark_script):
        from oneproxy_plugins.spaces import get_space

        module = benchmark_script("fewshot_ceiling")
        table = synthetic_nb201[0]
        x = get_space("nasbench201").encode_many(table.archs)
        weights = np.abs(np.random.default_rng(3).normal(0, 1.0, x.shape[1]))
        adds_up = 0.1 + x @ weights  # linear in milliseconds, not in log
        data = make_data_dir(LatencyTable(table.archs, [*table.devices, "adds_up"],
                                          np.c_[table.values, adds_up], space="nasbench201"))
        result = {"space": "nasbench201", "protocol": "lodo", "proxies": ["gpu_a", "cpu_a"],
                  "targets": {"gpu_b": {"srcc_mean": 0.5}, "adds_up": {"srcc_mean": 0.5}}}
        log = module.ceiling(str(data), result, "log")
        ms = module.ceiling(str(data), result, "ms")
        assert module.ceiling(str(data), result) == ms  # NAS-Bench-201's latency_scale
        assert ms["adds_up"][1] > 0.99999 > log["adds_up"][1]
        assert log["gpu_b"][1] > 0.9995 > ms["gpu_b"][1]
        assert log["gpu_b"][0] == 0.5  # the K-sample figure is the result's own

    def test_a_device_measured_on_a_subset_is_fitted_on_its_cells(self, make_data_dir,
                                                                   synthetic_nb201,
                                                                   benchmark_script):
        module = benchmark_script("fewshot_ceiling")
        table = synthetic_nb201[0]
        part = table.column("gpu_b").copy()
        part[::3] = np.nan  # two thirds of the cells
        data = make_data_dir(LatencyTable(table.archs, [*table.devices, "part"],
                                          np.c_[table.values, part], space="nasbench201"))
        result = {"space": "nasbench201", "protocol": "lodo", "proxies": ["gpu_a", "cpu_a"],
                  "targets": {"gpu_b": {"srcc_mean": 0.5}, "part": {"srcc_mean": 0.4}}}
        rows = module.ceiling(str(data), result, "log")
        assert rows["part"][2] and not rows["gpu_b"][2]
        assert rows["part"][1] > 0.999 and rows["part"][0] == 0.4  # gpu_b's cells, fitted
        help_rows = module.ceiling(str(data), {**result, "protocol": "lodo-help"}, "log")
        assert set(help_rows) == {"gpu_b"}  # HELP's split scores a fixed thousand cells

    def test_unknown_scale(self, benchmark_script):
        with pytest.raises(ValueError, match="scale must be one of auto, log, ms; got 'sqrt'"):
            benchmark_script("fewshot_ceiling").resolve_scale("sqrt", "nasbench201")


class TestCostDevices:
    """``benchmarks/cost_devices.py`` writes made-up FBNet devices beside a data directory."""

    def test_devices_follow_the_costs_and_join_the_real_tables(self, tmp_path,
                                                                benchmark_script):
        from oneproxy_plugins.latency import load_data_dir
        from oneproxy_plugins.spaces import get_space

        module = benchmark_script("cost_devices")
        space = get_space("fbnet")
        archs = [space.to_id(a) for a in space.sample_many(60, rng=0)]
        data = tmp_path / "data" / "fbnet"
        data.mkdir(parents=True)
        index = np.arange(100, 160)  # not 0..n-1: the join must go by index
        (data / "architectures.csv").write_text(
            "index,ops\n" + "".join(f"{i},{a}\n" for i, a in zip(index, archs)))
        x = space.encode_many(archs)
        ms = np.exp(x @ np.random.default_rng(0).normal(0, 0.05, x.shape[1]))
        (data / "latency.csv").write_text(
            "index,dev\n" + "".join(f"{i},{v:.6g}\n" for i, v in zip(index, ms)))

        module.main(str(tmp_path / "data"), str(tmp_path / "cost"))
        table = load_data_dir([tmp_path / "data", tmp_path / "cost"], "fbnet")
        assert table.devices == ["dev", "cost_macs", "cost_params", "cost_activations",
                                 "cost_memory"]
        costs = space.costs([space.coerce(a) for a in table.archs])
        rel = costs / costs.mean(axis=0)
        assert np.allclose(table.column("cost_params"), 1 + rel[:, 1], rtol=1e-5)
        assert np.allclose(table.column("cost_memory"), 1 + (rel[:, 1] + rel[:, 2]) / 2,
                           rtol=1e-5)
        result = run_fewshot("fbnet", [tmp_path / "data", tmp_path / "cost"], proxies=["dev"],
                             targets=["cost_macs"], samples=5, repeats=2)
        # the pool's analytic MAC proxy ranks a compute-bound device whatever the proxy
        assert result["targets"]["cost_macs"]["srcc_mean"] > 0.95


def test_interval_scores():
    from oneproxy_plugins.bench.fewshot import interval_scores

    truth = np.array([1.0, 2.0, 4.0, 8.0])
    lower, upper = np.full(4, 1.5), np.full(4, 6.0)  # holds 2 and 4; 1 and 8 fall outside
    width = np.log(4.0)
    expected = width + 20 * (np.log(1.5) + np.log(8 / 6)) / 4
    assert interval_scores(truth, lower, upper) == pytest.approx(
        {"coverage90": 0.5, "interval_score90": expected})
    # a wider interval that holds everything scores its width alone
    assert interval_scores(truth, np.full(4, 0.5), np.full(4, 10.0))["interval_score90"] == \
        pytest.approx(np.log(20.0))


class TestAdaptiveK:
    """``benchmarks/adaptive_k.py`` replays ``oneproxy adapt --until-srcc`` on a table."""

    def test_the_campaign_stops_where_the_fit_expects_enough(self, data_dir, tmp_path,
                                                             benchmark_script):
        module = benchmark_script("adaptive_k")
        args = dict(space="nasbench201", proxies=["gpu_a", "cpu_a", "odd"], k=5, most=12,
                    step=3, repeats=2)
        never = module.main(str(data_dir), str(tmp_path / "never.json"), until=0.9999, **args)
        now = module.main(str(data_dir), str(tmp_path / "now.json"), until=0.01, **args)
        assert set(never["devices"]) == {"gpu_a", "cpu_a", "odd", "gpu_b", "mix", "cpu_b"}
        for device, row in never["devices"].items():
            assert list(row["fixed"]) == [5, 8, 11, 12]  # the rounds, the last one short
            assert row["samples"] == 12 and row["srcc"] == row["fixed"][12]
            assert now["devices"][device]["samples"] == 5
            assert now["devices"][device]["srcc"] == row["fixed"][5]
        assert now["adaptive"]["srcc_mean"] == pytest.approx(now["fixed"][5]["srcc_mean"])
        saved = json.loads((tmp_path / "never.json").read_text())
        assert saved["adaptive"] == never["adaptive"] and saved["until_srcc"] == 0.9999
        first = np.array([row["fixed"][5] for row in never["devices"].values()])
        for name in ("expected", "loo_srcc"):  # the estimates after the first round
            estimate = np.array([row[name] for row in never["devices"].values()])
            summary = never["estimates"][name]
            assert summary["error_mean"] == pytest.approx(np.mean(estimate - first))
            assert summary["error_most_above"] == pytest.approx(np.max(estimate - first))
            assert summary["correlation"] == pytest.approx(np.corrcoef(estimate, first)[0, 1])

    def test_a_replay_stops_at_its_first_round_at_the_target(self, data_dir, benchmark_script):
        from oneproxy_plugins.adaproxy import ProxyPool
        from oneproxy_plugins.latency import load_data_dir

        module = benchmark_script("adaptive_k")
        table = load_data_dir([str(data_dir)], "nasbench201")
        pool = ProxyPool(table, ["gpu_a"])
        run = module.replay(pool, table, "odd", k=4, until=0.0, most=10, step=2, seed=0)
        middle = sorted(run["expected"].values())[2]  # stop at a round chosen in the middle
        run = module.replay(pool, table, "odd", k=4, until=middle, most=10, step=2, seed=0)
        first = next(n for n, e in run["expected"].items() if e >= middle)
        assert run["samples"] == first and run["srcc"] == run["fixed"][first]


class TestSummarizeLodo:
    def test_the_fits_expected_srcc_beside_the_measured(self, data_dir, benchmark_script):
        from oneproxy_plugins.bench.fewshot import run_lodo

        result = run_lodo("nasbench201", [data_dir], proxies=["gpu_a", "cpu_a", "odd"],
                          targets=["gpu_a", "cpu_a", "odd", "mix"], samples=10, repeats=2,
                          inner_repeats=1, grid=[{}])
        line = benchmark_script("summarize_lodo").summarize(result)
        gap = {t: v["srcc_expected"] - v["srcc_mean"] for t, v in result["targets"].items()}
        over = max(gap, key=gap.get)
        assert f"the fits expected {result['srcc_expected_mean']:.4f} (devices: " in line
        assert f"most above {over} {gap[over]:+.3f}" in line
        assert result["srcc_expected_worst_over"] == pytest.approx(gap[over])


class TestJointFewshot:
    """``benchmarks/joint_fewshot.py``: targets adapted together against one at a time."""

    def test_scores_both_ways_like_the_library(self, data_dir, benchmark_script):
        import zlib

        from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
        from oneproxy_plugins.adaproxy.joint import adapt_jointly
        from oneproxy_plugins.latency import load_data_dir
        from oneproxy_plugins.monotonicity import srcc
        from oneproxy_plugins.sampling import select_samples

        module = benchmark_script("joint_fewshot")
        targets = ["gpu_a", "gpu_b", "odd"]
        scores = module.run(str(data_dir), ["cpu_a"], targets, 10, 2, "none", None)
        assert list(scores) == targets
        assert all(len(alone) == len(joint) == 2 for alone, joint in scores.values())
        table = load_data_dir([str(data_dir)], "nasbench201")
        pool, y = ProxyPool(table, ["cpu_a"]), table.column("gpu_b")
        measured = {}
        for t in targets:
            chosen = select_samples(pool, 10, candidates=table.archs, method="greedy",
                                    random_state=1_000_003 + zlib.crc32(t.encode()))
            measured[t] = chosen, table.column(t)[table.rows_of(chosen)]
        alone = AdaProxyPredictor(pool).fit(*measured["gpu_b"]).predict(table.archs)
        joint = adapt_jointly(pool, measured)["gpu_b"].predict(table.archs)
        assert scores["gpu_b"][0][1] == pytest.approx(srcc(alone, y))
        assert scores["gpu_b"][1][1] == pytest.approx(srcc(joint, y))

    def test_same_samples_for_every_target(self, data_dir, benchmark_script):
        from oneproxy_plugins.adaproxy import ProxyPool
        from oneproxy_plugins.adaproxy.joint import adapt_jointly
        from oneproxy_plugins.latency import load_data_dir
        from oneproxy_plugins.monotonicity import srcc
        from oneproxy_plugins.sampling import select_samples

        module = benchmark_script("joint_fewshot")
        targets = ["gpu_a", "gpu_b", "odd"]
        scores = module.run(str(data_dir), ["cpu_a"], targets, 10, 1, "none", None,
                            same_samples=True)
        table = load_data_dir([str(data_dir)], "nasbench201")
        pool = ProxyPool(table, ["cpu_a"])
        chosen = select_samples(pool, 10, candidates=table.archs, method="greedy",
                                random_state=0)
        measured = {t: (chosen, table.column(t)[table.rows_of(chosen)]) for t in targets}
        joint = adapt_jointly(pool, measured)["odd"].predict(table.archs)
        assert scores["odd"][1][0] == pytest.approx(srcc(joint, table.column("odd")))

    def test_exclude_groups(self, benchmark_script):
        group_of = benchmark_script("joint_fewshot").group_of
        assert group_of("titanx_32", "model") == group_of("titanx_256", "model") == "titanx"
        assert group_of("titanx_32", "model") != group_of("titanxp_32", "model")
        assert group_of("titanxp_1", "gpu") == group_of("2080ti_256", "gpu")
        assert group_of("gold_6240", "gpu") == "gold_6240"
        assert group_of("titanx_32", "none") == "titanx_32"


class TestPriorDevices:
    """``prior_devices``: more devices in the adapter's prior, never the device scored."""

    DEVICES = ["gpu_a", "cpu_a", "odd", "gpu_b", "mix", "cpu_b"]

    def _spy(self, monkeypatch):
        import oneproxy_plugins.bench.fewshot as fewshot

        seen = []
        model_pool = fewshot._Runner.model_pool

        def spy(self, proxies, exclude):
            pool = model_pool(self, proxies, exclude)
            seen.append((tuple(exclude), tuple(proxies), tuple(pool.prior_devices)))
            return pool

        monkeypatch.setattr(fewshot._Runner, "model_pool", spy)
        return seen

    def test_others_leaves_out_the_target_and_the_devices_left_out(self, synthetic_nb201,
                                                                     monkeypatch):
        table, _ = synthetic_nb201
        seen = self._spy(monkeypatch)
        result = run_lodo("nasbench201", [], proxies=self.DEVICES[:3], targets=self.DEVICES,
                          samples=10, repeats=1, inner_repeats=1, table=table,
                          grid=[{"temperature": 10.0}, {"temperature": 1e-3}],
                          prior_devices="others")
        assert result["prior_devices"] == "others" and result["prior_devices_skipped"] == {}
        n = len(self.DEVICES)
        assert len(seen) == n * (n - 1) * 2 + n  # inner fits (d, e, candidate), then scored
        for exclude, proxies, prior in seen:
            # everything not excluded and not a proxy is in the prior; nothing excluded is
            assert set(prior) == set(self.DEVICES) - set(exclude) - set(proxies)
        assert {len(exclude) for exclude, _, _ in seen} == {1, 2}

    def test_a_listed_target_is_left_out_of_its_own_prior(self, synthetic_nb201):
        """Naming the target among the prior devices changes nothing for it: the scores equal
        the list without it, and differ from no prior devices."""
        table, _ = synthetic_nb201
        kw = dict(proxies=["gpu_a", "cpu_a", "odd"], targets=["gpu_b"], samples=10, repeats=3,
                  table=table)
        listed = run_fewshot("nasbench201", [], prior_devices=["gpu_b", "cpu_b"], **kw)
        without = run_fewshot("nasbench201", [], prior_devices=["cpu_b"], **kw)
        none = run_fewshot("nasbench201", [], prior_devices="none", **kw)
        assert listed["targets"] == without["targets"] != none["targets"]
        assert listed["prior_devices"] == ["gpu_b", "cpu_b"] and none["prior_devices"] == "none"

    def test_the_default_is_others_also_for_a_joint_run(self, synthetic_nb201, data_dir,
                                                        tmp_path):
        table, _ = synthetic_nb201
        kw = dict(proxies=["gpu_a", "cpu_a", "odd"], targets=["gpu_b", "mix"], samples=10,
                  repeats=2, table=table)
        default = run_fewshot("nasbench201", [], **kw)
        assert default["prior_devices"] == "others"
        assert default["targets"] == run_fewshot("nasbench201", [], prior_devices="others",
                                                 **kw)["targets"]
        joint = run_fewshot("nasbench201", [], joint=True, **kw)
        assert joint["prior_devices"] == "others" and joint["joint"]
        assert joint["targets"] == run_fewshot("nasbench201", [], joint=True,
                                               prior_devices="others", **kw)["targets"]
        lodo = run_lodo("nasbench201", [], proxies=self.DEVICES[:3], targets=self.DEVICES[3:],
                        samples=10, repeats=1, inner_repeats=1, table=table, grid=[{}])
        assert lodo["prior_devices"] == "others"
        out = tmp_path / "o.json"
        for extra, expected in (((), "others"), (("--joint",), "others")):
            result = CliRunner().invoke(main, _args(data_dir, out, *extra))
            assert result.exit_code == 0, result.output
            assert json.loads(out.read_text())["prior_devices"] == expected

    def test_others_skips_a_device_measured_on_too_few(self, synthetic_nb201, monkeypatch):
        table, _ = synthetic_nb201
        values = table.values.copy()
        values[25:, table.devices.index("cpu_b")] = np.nan
        partial = LatencyTable(table.archs, table.devices, values, space="nasbench201")
        seen = self._spy(monkeypatch)
        result = run_fewshot("nasbench201", [], proxies=["gpu_a", "cpu_a", "odd"],
                             targets=["gpu_b"], samples=10, repeats=1, table=partial,
                             prior_devices="others")
        assert result["prior_devices_skipped"] == {"cpu_b": 25}
        assert [prior for _, _, prior in seen] == [("mix",)]

    def test_errors(self, synthetic_nb201, data_dir, tmp_path):
        table, _ = synthetic_nb201
        kw = dict(proxies=["gpu_a", "cpu_a", "odd"], targets=["gpu_b"], samples=10, repeats=1,
                  table=table)
        with pytest.raises(UnknownDeviceError, match="ghost"):
            run_fewshot("nasbench201", [], prior_devices=["ghost"], **kw)
        with pytest.raises(ValueError, match="'prior_devices' argument must be one of"):
            run_fewshot("nasbench201", [], prior_devices="all", **kw)
        out = tmp_path / "o.json"
        result = CliRunner().invoke(main, _args(data_dir, out, "--prior-devices", "cpu_b"))
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())["prior_devices"] == ["cpu_b"]

    def test_targets_adapted_together_each_without_itself(self, synthetic_nb201, data_dir,
                                                          tmp_path, monkeypatch):
        """``joint`` with prior devices: every target's two fits have the others in the prior
        and never itself (adapt_jointly's ``pools``); the scores differ from no prior devices
        and are seeded alike."""
        import oneproxy_plugins.adaproxy.joint as joint_module

        table, _ = synthetic_nb201
        seen = []
        adapt = joint_module.adapt_jointly

        def spy(pool, measured, **kw):
            seen.append({t: list(p.prior_devices) for t, p in kw["pools"].items()})
            return adapt(pool, measured, **kw)

        monkeypatch.setattr(joint_module, "adapt_jointly", spy)
        kw = dict(proxies=["gpu_a", "cpu_a"], targets=["gpu_b", "mix", "odd"], samples=10,
                  repeats=2, table=table, joint=True)
        others = run_fewshot("nasbench201", [], prior_devices="others", **kw)
        assert others["prior_devices"] == "others" and others["joint"]
        assert len(seen) == 2 and all(s == seen[0] for s in seen)
        devices = {"gpu_b", "mix", "odd", "cpu_b"}
        assert {t: set(p) for t, p in seen[0].items()} == {t: devices - {t} for t in seen[0]}
        none = run_fewshot("nasbench201", [], prior_devices="none", **kw)
        assert seen[-1] == {t: [] for t in kw["targets"]}
        assert others["targets"] != none["targets"]
        out = tmp_path / "o.json"
        result = CliRunner().invoke(main, _args(data_dir, out, "--prior-devices", "others",
                                                "--joint"))
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())["prior_devices"] == "others"
