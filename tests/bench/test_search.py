"""Tests of `oneproxy bench search` (library function and CLI contract)."""

from __future__ import annotations

import json

import click
import numpy as np
import pytest
from click.testing import CliRunner

from oneproxy_plugins.bench.search import (compare_with_proxy, normalised_hypervolume,
                                          run_search_bench, score_set)
from oneproxy_plugins.cli._common import OneProxyGroup
from oneproxy_plugins.cli.bench_search import search
from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.spaces import get_space

KEYS = {"space", "proxy", "samples", "optimizer", "targets", "hv_ratio_min", "hv_ratio_mean"}
TARGET_KEYS = {"hv_ratio", "front_recall", "measurements"}


def _write_data_dir(root, n_cells=None):
    """NAS-Bench-201 (its first ``n_cells`` cells, default all) with op-count latencies:
    ``proxy``, ``same`` (same ranking), ``other`` (another family), ``part`` (``other`` on
    every third cell only); accuracy."""
    space = get_space("nasbench201")
    ids = [space.to_id(a) for a in space.enumerate()][:n_cells]
    x = space.encode_many(ids)
    onehot, counts = x[:, :30], x[:, 30:]
    position = np.linspace(0.9, 1.1, 6).repeat(5)
    noise = np.random.default_rng(0).normal(0, 0.01, len(ids))
    proxy = 1 + (onehot * position) @ np.tile([0, 0.05, 0.6, 1.5, 0.3], 6) + noise
    other = 2 + (onehot * position) @ np.tile([0, 0.4, 1.2, 0.5, 0.1], 6) - noise
    part = np.where(np.arange(len(ids)) % 3 == 0, other, np.nan)
    acc = 60 + 5 * counts[:, 3] + 2 * counts[:, 1] + 1.5 * counts[:, 2] - 3 * counts[:, 0]
    acc += np.random.default_rng(1).normal(0, 0.3, len(ids))
    folder = root / "nasbench201"
    folder.mkdir()
    (folder / "architectures.csv").write_text(
        "index,arch\n" + "".join(f"{i},{a}\n" for i, a in enumerate(ids)))
    index = np.arange(len(ids))
    LatencyTable(ids, ["proxy", "same", "other", "part"],
                 np.c_[proxy, 2 * proxy ** 2, other, part], index=index).to_csv(
        folder / "latency.csv", key="index")
    LatencyTable(ids, ["cifar10", "cifar100", "imagenet16_120"], np.c_[acc, acc - 20, acc - 40],
                 index=index).to_csv(folder / "accuracy.csv", key="index")
    return root


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """All of NAS-Bench-201, see :func:`_write_data_dir`."""
    return _write_data_dir(tmp_path_factory.mktemp("data"))


_LOADED: dict[str, tuple] = {}


def _run(data_dir, **kwargs):
    """The benchmark on the fixture's data, its tables read once per module."""
    from oneproxy_plugins.latency import load_accuracy, load_data_dir

    key = str(data_dir)
    if key not in _LOADED:
        _LOADED[key] = (load_data_dir(data_dir, "nasbench201"),
                        load_accuracy(data_dir, "nasbench201"))
    table, accuracy_table = _LOADED[key]
    args = dict(accuracy="cifar10", proxy="proxy", targets=["same", "other"], samples=0,
                table=table, accuracy_table=accuracy_table)
    args.update(kwargs)
    return run_search_bench("nasbench201", [data_dir], **args)


class TestNormalisedHypervolume:
    def test_known_value(self):
        hv = normalised_hypervolume(np.array([90.0, 80.0]), np.array([10.0, 0.0]),
                                    accuracy_range=(70.0, 90.0), latency_range=(0.0, 10.0))
        assert hv == pytest.approx(0.5)  # points (1, 1) and (0.5, 0): a 0.5 x 1 box

    def test_score_set(self):
        acc = np.array([70.0, 80.0, 90.0, 75.0])
        ms = np.array([0.0, 5.0, 10.0, 8.0])  # the last is dominated by the second
        front = np.array([True, True, True, False])
        assert score_set(acc, ms, front) == {"hv_ratio": 1.0, "front_recall": 1.0,
                                             "set_size": 3, "front_size": 3}
        partial = score_set(acc, ms, np.array([True, False, True, True]))
        # scaled: front (0, 0), (0.5, 0.5), (1, 1) -> 0.5 x 0.5 box; without (0.5, 0.5) the
        # dominated (0.25, 0.8) leaves a 0.25 x 0.2 box: 0.05 / 0.25
        assert partial == {"hv_ratio": pytest.approx(0.2), "front_recall": pytest.approx(2 / 3),
                           "set_size": 3, "front_size": 3}


class TestRunSearchBench:
    def test_contract_and_same_ranking_is_perfect(self, data_dir):
        result = _run(data_dir)
        assert KEYS <= set(result) and result["optimizer"] == "exhaustive"
        assert set(result["targets"]) == {"same", "other"}
        assert all(TARGET_KEYS <= set(v) for v in result["targets"].values())
        same = result["targets"]["same"]
        assert same["hv_ratio"] == pytest.approx(1.0) and same["front_recall"] == 1.0
        assert same["measurements"] == 0
        other = result["targets"]["other"]
        assert 0 < other["hv_ratio"] < 1 and other["front_recall"] < 1
        assert result["hv_ratio_min"] == pytest.approx(other["hv_ratio"])
        assert result["hv_ratio_mean"] == pytest.approx((other["hv_ratio"] + 1) / 2)

    def test_adaptation_helps_another_family(self, data_dir):
        k0 = _run(data_dir, targets=["other"])["targets"]["other"]
        k10 = _run(data_dir, targets=["other"], samples=10)["targets"]["other"]
        assert k10["measurements"] == 10
        assert k10["hv_ratio"] > k0["hv_ratio"] and k10["front_recall"] > k0["front_recall"]

    @pytest.mark.parametrize("sampler", ["front", "greedy", "random"])
    def test_sample_choosers(self, data_dir, sampler):
        result = _run(data_dir, targets=["other"], samples=10, sampler=sampler)
        assert result["sampler"] == sampler
        assert 0 < result["targets"]["other"]["hv_ratio"] <= 1.0 + 1e-12

    def test_exhaustive_has_no_study(self, data_dir):
        assert all("study_scored" not in v for v in _run(data_dir)["targets"].values())

    def test_seeded(self, data_dir):
        kw = dict(targets=["other"], samples=5, seed=3)
        assert _run(data_dir, **kw)["targets"] == _run(data_dir, **kw)["targets"]

    @pytest.mark.needs("optuna")
    def test_nsga2_one_study_for_all_targets(self, data_dir):
        result = _run(data_dir, optimizer="nsga2", trials=120, targets=["same", "other", "part"],
                      samples=5)
        assert result["trials"] == 120 and result["evaluations_per_target_studies"] == 360
        assert 0 < result["evaluations"] <= 120
        assert all(0 < v["hv_ratio"] <= 1.0 + 1e-12 for v in result["targets"].values())
        assert result["targets"]["part"]["set_size"] >= 1
        assert result["targets"]["part"]["scored"] == 15625 // 3 + 1  # every third cell
        assert result["targets"]["same"]["scored"] == 15625
        # the study's cells the set can hold: all on a full table, about a third on 'part'
        assert result["targets"]["same"]["study_scored"] == result["evaluations"]
        part = result["targets"]["part"]
        assert part["set_size"] <= part["study_scored"] < result["evaluations"] / 2

    @pytest.mark.needs("optuna")
    def test_nsga2_steered_by_the_targets_or_the_proxy(self, data_dir):
        kw = dict(optimizer="nsga2", trials=80, targets=["other", "part"], samples=5, seed=1)
        steered = _run(data_dir, **kw)
        plain = _run(data_dir, steer="proxy", **kw)
        assert (steered["steer"], steered["population"]) == ("targets", 20)
        assert (plain["steer"], plain["population"]) == ("proxy", 50)
        # the same targets' predictors score both; the studies themselves differ
        assert steered["targets"] != plain["targets"]
        assert _run(data_dir, population=8, **kw)["population"] == 8
        # K=0: every target is the proxy as is, so the plain study is what runs
        raw = _run(data_dir, optimizer="nsga2", trials=40, targets=["other"], samples=0)
        assert raw["steer"] == "proxy"
        # the oracle ranks the steered study's trials with the truth: at least as good
        oracle = _run(data_dir, oracle=True, **kw)
        assert oracle["evaluations"] == steered["evaluations"]
        assert all(oracle["targets"][t]["hv_ratio"] >= steered["targets"][t]["hv_ratio"] - 1e-12
                   for t in ["other"])

    def test_errors(self, data_dir):
        with pytest.raises(UnknownNameError, match="Unknown steer 'gpu'; known: proxy, targets"):
            _run(data_dir, optimizer="nsga2", steer="gpu")
        with pytest.raises(ValueError, match="'population' argument must be an int >= 2"):
            _run(data_dir, optimizer="nsga2", population=1)
        with pytest.raises(UnknownDeviceError, match="Unknown device 'gpu'"):
            _run(data_dir, targets=["gpu"])
        with pytest.raises(UnknownNameError, match="Unknown optimizer 'tpe'; known: exhaustive, "
                                                   "nsga2"):
            _run(data_dir, optimizer="tpe")
        with pytest.raises(UnknownNameError, match="Unknown sampler 'best'; known: front, greedy, "
                                                   "random"):
            _run(data_dir, samples=5, sampler="best")
        with pytest.raises(UnknownNameError, match="Unknown accuracy column 'svhn'"):
            _run(data_dir, accuracy="svhn")
        with pytest.raises(ValueError, match="'samples' argument must be 0 .* or an int >= 3"):
            _run(data_dir, samples=2)
        with pytest.raises(ValueError, match="both proxy and target"):
            _run(data_dir, targets=["proxy"])
        with pytest.raises(ValueError, match="'trials' argument must be an int >= 1"):
            _run(data_dir, optimizer="nsga2", trials=0)


class TestAdaptWith:
    """Further devices the adapter pools with the proxy (the search stays on the proxy)."""

    def _with_near(self, data_dir):
        """The fixture's tables plus ``near``: ``other``'s latency, slightly rescaled and
        noisy, a device measured in full that ranks like the target ``other``."""
        _run(data_dir)  # loads the tables once
        table, accuracy_table = _LOADED[str(data_dir)]
        other = table.column("other")
        near = 1.1 * other + np.random.default_rng(2).normal(0, 0.01, len(other))
        ms = np.c_[np.stack([table.column(d) for d in table.devices], axis=1), near]
        return LatencyTable(table.archs, [*table.devices, "near"], ms), accuracy_table

    def test_a_device_like_the_target_in_the_pool_helps(self, data_dir):
        table, accuracy_table = self._with_near(data_dir)
        # no prior devices: else 'near' is in the target's prior in both runs, and its fit is
        # a candidate there too (TestPriorDevices)
        kw = dict(targets=["other"], samples=5, table=table, accuracy_table=accuracy_table,
                  prior_devices="none")
        alone = _run(data_dir, **kw)
        pooled = _run(data_dir, adapt_with=["near"], **kw)
        assert alone["adapt_with"] == [] and pooled["adapt_with"] == ["near"]
        assert pooled["proxy"] == "proxy"
        hv_alone = alone["targets"]["other"]["hv_ratio"]
        hv_pooled = pooled["targets"]["other"]["hv_ratio"]
        assert hv_pooled > hv_alone and hv_pooled > 0.99

    def test_errors(self, data_dir):
        with pytest.raises(ValueError, match="with samples=0 nothing is adapted"):
            _run(data_dir, targets=["other"], adapt_with=["same"])
        with pytest.raises(ValueError, match="'other' is in 'adapt_with' and is a target"):
            _run(data_dir, targets=["other"], samples=5, adapt_with=["other"])
        with pytest.raises(ValueError, match="'proxy' is in 'adapt_with' and is the proxy"):
            _run(data_dir, targets=["other"], samples=5, adapt_with=["proxy"])
        with pytest.raises(ValueError, match="repeat one"):
            _run(data_dir, targets=["other"], samples=5, adapt_with=["same", "same"])
        with pytest.raises(TypeError, match="list of device names; got the string 'same'"):
            _run(data_dir, targets=["other"], samples=5, adapt_with="same")
        with pytest.raises(UnknownDeviceError, match="Unknown device 'gpu'"):
            _run(data_dir, targets=["other"], samples=5, adapt_with=["gpu"])
        # 'part' is measured on every third cell: it cannot adapt a target measured on all
        with pytest.raises(ValueError, match="Target 'other' is scored on 15625 architectures, "
                                             "and .* \\('part' lacks 10416\\)"):
            _run(data_dir, targets=["other"], samples=5, adapt_with=["part"])

    def test_a_device_measured_on_the_targets_cells_is_enough(self, data_dir):
        result = _run(data_dir, targets=["part"], samples=5, adapt_with=["other"])
        assert result["targets"]["part"]["scored"] == 15625 // 3 + 1


class TestPriorDevices:
    """``prior_devices``: other devices' tables in each target's adapter, never the target's."""

    def _spy(self, monkeypatch):
        import oneproxy_plugins.bench.search as search_module

        seen = {}
        adapt = search_module.adapt_jointly

        def spy(pool, measured, **kw):
            seen.update({t: list(p.prior_devices) for t, p in kw["pools"].items()})
            return adapt(pool, measured, **kw)

        monkeypatch.setattr(search_module, "adapt_jointly", spy)
        return seen

    def test_others_is_every_other_device_and_never_the_target(self, data_dir, monkeypatch):
        table, accuracy_table = TestAdaptWith._with_near(None, data_dir)
        seen = self._spy(monkeypatch)
        result = _run(data_dir, targets=["same", "other", "near"], samples=5, table=table,
                      accuracy_table=accuracy_table)
        assert result["prior_devices"] == "others" and result["prior_devices_skipped"] == {}
        devices = {"same", "other", "part", "near"}  # every device but the proxy
        assert {t: set(p) for t, p in seen.items()} == {t: devices - {t} for t in seen}
        seen.clear()
        listed = _run(data_dir, targets=["same", "other"], samples=5, table=table,
                      accuracy_table=accuracy_table, prior_devices=["other", "near"])
        assert listed["prior_devices"] == ["other", "near"]
        assert seen == {"same": ["other", "near"], "other": ["near"]}

    def test_a_device_like_the_target_in_the_prior_helps(self, data_dir):
        """``twist`` ranks like neither the proxy nor the fixture's devices; ``twin`` is it,
        rescaled and noisy. Five samples of ``twist`` find its front with ``twin``'s table in
        the prior (here 1.0 on both seeds, against 0.87 and 0.55 without)."""
        _run(data_dir)
        table, accuracy_table = _LOADED[str(data_dir)]
        onehot = get_space("nasbench201").encode_many(table.archs)[:, :30]
        twist = 1 + onehot @ np.random.default_rng(5).uniform(0, 1.5, 30)
        twin = 1.2 * twist + np.random.default_rng(6).normal(0, 0.02, len(twist))
        ms = np.c_[np.stack([table.column(d) for d in table.devices], axis=1), twist, twin]
        table = LatencyTable(table.archs, [*table.devices, "twist", "twin"], ms)
        for seed in (0, 1):
            hv = {rule: _run(data_dir, targets=["twist"], samples=5, seed=seed, table=table,
                             accuracy_table=accuracy_table, prior_devices=rule
                             )["targets"]["twist"]["hv_ratio"] for rule in ("none", "others")}
            assert hv["others"] > 0.99 and hv["others"] > hv["none"] + 0.05

    def test_a_device_measured_on_too_few_is_skipped_and_named(self, data_dir, monkeypatch):
        _run(data_dir)
        table, accuracy_table = _LOADED[str(data_dir)]
        few = np.full(len(table), np.nan)
        few[:20] = 1.0 + np.arange(20)
        ms = np.c_[np.stack([table.column(d) for d in table.devices], axis=1), few]
        table = LatencyTable(table.archs, [*table.devices, "few"], ms)
        seen = self._spy(monkeypatch)
        result = _run(data_dir, targets=["other"], samples=5, table=table,
                      accuracy_table=accuracy_table)
        assert result["prior_devices_skipped"] == {"few": 20}
        assert seen == {"other": ["same", "part"]}

    def test_errors(self, data_dir):
        with pytest.raises(ValueError, match="'prior_devices' argument must be one of "
                                             r"\['none', 'others'\]; got 'all'"):
            _run(data_dir, samples=5, prior_devices="all")
        with pytest.raises(UnknownDeviceError, match="Unknown device 'ghost'"):
            _run(data_dir, samples=5, prior_devices=["ghost"])
        with pytest.raises(ValueError, match="with samples=0 nothing is adapted"):
            _run(data_dir, samples=0, prior_devices=["same"])
        assert _run(data_dir, samples=0, prior_devices="none")["prior_devices"] == "none"

    def test_cli(self, data_dir, tmp_path):
        out = tmp_path / "x.json"
        base = ["--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
                "--proxy", "proxy", "--targets", "other", "--samples", "5", "--json", str(out)]
        for extra, expected in (([], "others"), (["--prior-devices", "none"], "none"),
                                (["--prior-devices", "same,part"], ["same", "part"])):
            result = CliRunner().invoke(search, [*base, *extra])
            assert result.exit_code == 0, result.output
            assert json.loads(out.read_text())["prior_devices"] == expected
        assert "other devices' tables in the adapter's prior" in CliRunner().invoke(
            search, [*base[:-2], "--json", str(tmp_path / "y.json")]).output


class TestCompareWithProxy:
    def test_counts_the_runs_below_the_proxy_and_names_the_worst(self, data_dir):
        raw = _run(data_dir)
        runs = [_run(data_dir, targets=["other"], samples=5, seed=s,
                     adapter_params={"guard": "none"}) for s in range(2)]
        c = compare_with_proxy(raw, runs, tolerance=0.005)
        rows = [(r["targets"][t]["hv_ratio"] - raw["targets"][t]["hv_ratio"], t, r["seed"])
                for r in runs for t in r["targets"]]
        assert c["n"] == 2
        assert c["n_worse"] == sum(d < -0.005 for d, _, _ in rows)
        worst = min(rows)
        assert (c["worst"]["difference"], c["worst"]["target"], c["worst"]["seed"]) == worst
        assert c["hv_ratio_min"] == min(r["targets"]["other"]["hv_ratio"] for r in runs)
        # "same" ranks like the proxy: the proxy as is is perfect there, adapting cannot beat it
        assert raw["targets"]["same"]["hv_ratio"] == pytest.approx(1.0)

    def test_a_proxy_compared_with_itself_is_never_worse(self, data_dir):
        raw = _run(data_dir)
        c = compare_with_proxy(raw, [raw, raw])
        assert c["n_worse"] == 0 and c["worst"]["difference"] == 0.0

    def test_errors(self, data_dir):
        raw = _run(data_dir)
        adapted = {**raw, "samples": 5}
        with pytest.raises(ValueError, match="must come from samples=0"):
            compare_with_proxy(adapted, [adapted])
        with pytest.raises(ValueError, match="Target 'ghost' is not in the raw"):
            compare_with_proxy(raw, [{"targets": {"ghost": adapted["targets"]["same"]}}])
        with pytest.raises(ValueError, match="hold no target"):
            compare_with_proxy(raw, [])

    def test_guard_reaches_the_adapter(self, data_dir):
        # the paper's rule keeps the proxy as is when it ranks the samples well
        raw = _run(data_dir, targets=["same"])["targets"]["same"]["hv_ratio"]
        kept = _run(data_dir, targets=["same"], samples=10,
                    adapter_params={"guard": "srcc"})["targets"]["same"]["hv_ratio"]
        assert kept == pytest.approx(raw)
        adapted = _run(data_dir, targets=["same"], samples=10, adapter_params={"guard": "none"})
        assert adapted["adapter_params"] == {"guard": "none"}


@pytest.fixture(scope="module")
def chooser(benchmark_script):
    """``benchmarks/search_chooser.py``."""
    return benchmark_script("search_chooser")


@pytest.fixture(scope="module")
def chooser_setting(data_dir):
    """The fixture's tables read once, and the proxy's pool."""
    from oneproxy_plugins.adaproxy import ProxyPool
    from oneproxy_plugins.latency import load_accuracy, load_data_dir

    table = load_data_dir(data_dir, "nasbench201")
    accuracy = load_accuracy(data_dir, "nasbench201")
    acc_of = dict(zip(accuracy.archs, accuracy.column("cifar10")))
    return table, acc_of, ProxyPool(table, ["proxy"], space="nasbench201")


class TestSearchChooser:
    """``benchmarks/search_chooser.py``: variants of the front chooser, scored like the bench."""

    def test_without_a_variant_it_is_the_bench(self, chooser, chooser_setting, data_dir):
        result = chooser.run_seed(*chooser_setting, ["same", "other"], 3, {}, None, 0.1, "proxy")
        bench = _run(data_dir, samples=10, seed=3, joint=False, prior_devices="none")
        for target in ("same", "other"):
            for key in ("hv_ratio", "front_recall", "set_size"):
                assert result["targets"][target][key] == bench["targets"][target][key]

    def test_second_round(self, chooser, chooser_setting):
        from oneproxy_plugins.adaproxy import AdaProxyPredictor
        from oneproxy_plugins.sampling import select_front_samples

        table, acc_of, pool = chooser_setting
        ids = table.archs
        acc = np.array([acc_of[a] for a in ids])
        first = select_front_samples(pool, 5, acc, candidates=ids, random_state=0)
        model = AdaProxyPredictor(pool).fit(first, table.column("other")[table.rows_of(first)])
        more = chooser.second_round(pool, model, ids, acc, first, 5, share=0.05)
        assert len(set(more)) == 5 and not set(more) & set(first)
        # from the best twentieth under the fit's own predictions, above the metric's floor
        from oneproxy_plugins.fronts import nondominated_rank

        rank = nondominated_rank(np.c_[acc, model.predict(ids)], ["maximize", "minimize"])
        row = {a: i for i, a in enumerate(ids)}
        cutoff = np.sort(rank)[int(np.ceil(0.05 * len(ids))) - 1]
        assert all(rank[row[a]] <= cutoff for a in more)
        assert all(acc[row[a]] - acc.min() >= 0.1 * np.ptp(acc) for a in more)
        two = chooser.run_seed(*chooser_setting, ["other"], 0, {}, 5, 0.05, "proxy")
        assert two["first_round"] == 5 and 0 < two["targets"]["other"]["hv_ratio"] <= 1


@click.group(cls=OneProxyGroup)
def _bench() -> None:
    """Stands in for the ``bench`` group under ``oneproxy``."""


_bench.add_command(search)


class TestCLI:
    def test_writes_the_json_contract(self, data_dir, tmp_path):
        out = tmp_path / "search.json"
        result = CliRunner().invoke(_bench, [
            "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
            "--proxy", "proxy", "--targets", "same,other", "--samples", "0", "--json", str(out)])
        assert result.exit_code == 0, result.output
        payload = json.loads(out.read_text())
        assert KEYS <= set(payload) and payload["targets"]["same"]["hv_ratio"] == 1.0
        assert "hv_ratio min" in result.output
        assert payload["adapter_params"] == {"guard": "auto"}

    @pytest.mark.needs("optuna")
    def test_nsga2_says_how_much_of_the_study_a_subset_target_scores(self, data_dir, tmp_path):
        result = CliRunner().invoke(_bench, [
            "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
            "--proxy", "proxy", "--targets", "same,part", "--samples", "0", "--optimizer",
            "nsga2", "--trials", "60", "--json", str(tmp_path / "s.json")])
        assert result.exit_code == 0, result.output
        payload = json.loads((tmp_path / "s.json").read_text())
        lines = {line.split()[0]: line for line in result.output.splitlines()}
        part = payload["targets"]["part"]["study_scored"]
        assert f"{part} of the study's cells measured there" in lines["part"]
        assert "measured there" not in lines["same"]

    def test_params_reach_the_adapter(self, data_dir, tmp_path):
        def run(*extra):
            out = tmp_path / "p.json"
            result = CliRunner().invoke(_bench, [
                "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy",
                "cifar10", "--proxy", "proxy", "--targets", "other", "--samples", "10",
                "--json", str(out), *extra])
            assert result.exit_code == 0, result.output
            return json.loads(out.read_text())

        raw = _run(data_dir, targets=["other"])["targets"]["other"]["hv_ratio"]
        adapted = run()["targets"]["other"]["hv_ratio"]
        # no residual and no other devices' fits: an affine map of the one proxy, whose front
        # is the proxy's own
        affine = run("--params", "residual=false,noise=0.03", "--prior-devices", "none")
        assert affine["adapter_params"] == {"guard": "auto", "residual": False, "noise": 0.03}
        assert affine["targets"]["other"]["hv_ratio"] == pytest.approx(raw)
        assert adapted > raw + 0.01

    @pytest.mark.parametrize("params, match", [
        ("nope=1", "nope"), ("guard=none", "the guard is set with --guard"),
        ("scale", "expected KEY=VALUE pairs like 'scale=log,live_boost=0'")])
    def test_bad_params(self, data_dir, tmp_path, params, match):
        result = CliRunner().invoke(_bench, [
            "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
            "--proxy", "proxy", "--targets", "other", "--samples", "10", "--params", params,
            "--json", str(tmp_path / "x.json")])
        assert result.exit_code == 2 and "'--params'" in result.output
        assert match in result.output and "Traceback" not in result.output
        assert not (tmp_path / "x.json").exists()

    def test_adapt_with(self, data_dir, tmp_path):
        out = tmp_path / "pooled.json"
        result = CliRunner().invoke(_bench, [
            "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
            "--proxy", "proxy", "--adapt-with", "same", "--targets", "other", "--samples", "5",
            "--json", str(out)])
        assert result.exit_code == 0, result.output
        payload = json.loads(out.read_text())
        assert payload["adapt_with"] == ["same"] and payload["proxy"] == "proxy"
        assert "K=5, adapted from a pool of 2 devices" in result.output

    def test_joint(self, data_dir, tmp_path):
        out = tmp_path / "joint.json"
        result = CliRunner().invoke(_bench, [
            "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
            "--proxy", "proxy", "--targets", "same,other,part", "--samples", "5",
            "--json", str(out)])
        assert result.exit_code == 0, result.output
        payload = json.loads(out.read_text())
        assert payload["joint"] is True
        assert {v["measurements"] for v in payload["targets"].values()} == {5}
        assert "K=5, the targets adapted together" in result.output
        alone = CliRunner().invoke(_bench, [
            "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
            "--proxy", "proxy", "--targets", "same,other,part", "--samples", "5", "--alone",
            "--json", "-"])
        assert alone.exit_code == 0, alone.output
        assert json.loads(alone.output)["joint"] is False

    def test_user_mistake_is_one_line(self, data_dir, tmp_path):
        result = CliRunner().invoke(_bench, [
            "search", "--space", "nasbench201", "--data", str(data_dir), "--accuracy", "cifar10",
            "--proxy", "proxy", "--targets", "gpu", "--samples", "0",
            "--json", str(tmp_path / "x.json")])
        assert result.exit_code == 2
        assert result.output.strip().splitlines() == ["Error: Unknown device 'gpu'; known: "
                                                      "other, part, proxy, same."]


class TestJoint:
    def test_targets_adapted_together_use_each_others_first_fits(self, data_dir):
        alone = _run(data_dir, targets=["same", "other", "part"], samples=5, seed=3,
                     joint=False)
        joint = _run(data_dir, targets=["same", "other", "part"], samples=5, seed=3)
        assert alone["joint"] is False and joint["joint"] is True
        # the same K samples per target; the fits differ, so the sets may
        assert [v["measurements"] for v in joint["targets"].values()] == [5, 5, 5]
        assert any(joint["targets"][t]["set_size"] != alone["targets"][t]["set_size"]
                   or joint["targets"][t]["hv_ratio"] != alone["targets"][t]["hv_ratio"]
                   for t in alone["targets"])

    def test_one_target_is_the_plain_adaptation(self, data_dir):
        alone = _run(data_dir, targets=["other"], samples=5, seed=1, joint=False)
        joint = _run(data_dir, targets=["other"], samples=5, seed=1)
        assert joint["targets"] == alone["targets"] and joint["joint"] is False

    def test_nothing_to_adapt_is_not_joint(self, data_dir):
        assert _run(data_dir, samples=0)["joint"] is False
        assert _run(data_dir, samples=5, oracle=True)["joint"] is False


class TestSharedData:
    def test_adapting_pixel3_beats_the_proxy_alone(self, shared_data_dir):
        kw = dict(accuracy="cifar10", proxy="pixel3", targets=["titanx_256"])
        k0 = run_search_bench("nasbench201", [shared_data_dir], samples=0, **kw)
        k10 = run_search_bench("nasbench201", [shared_data_dir], samples=10, **kw)
        assert k0["hv_ratio_min"] < 0.95 < k10["hv_ratio_min"] <= 1.0


class TestSearchCeiling:
    """``benchmarks/search_ceiling.py``: the one-proxy set of predictors fitted on every cell."""

    def test_scores_like_the_bench(self, tmp_path, capsys, benchmark_script):
        module = benchmark_script("search_ceiling")
        n_cells = 3000  # a fifth of the space: five gradient-boosted fits per target
        data_dir = _write_data_dir(tmp_path, n_cells)
        results = module.main(str(data_dir), ["same", "other", "part"], proxy="proxy",
                              scale="log")
        assert {t: n for t, (n, _) in results.items()} == {
            "same": n_cells, "other": n_cells, "part": n_cells // 3}
        # 'same' is a monotone function of the proxy: least squares on its log ranks it exactly
        assert results["same"][1][0] == pytest.approx((1.0, 1.0))
        # 'other' is linear in the encoding: the full-data fit finds its front, not the proxy's
        lsq_other = results["other"][1][0]
        proxy_other = _run(data_dir, targets=["other"])["targets"]["other"]
        assert lsq_other[0] > proxy_other["hv_ratio"] and lsq_other[0] > 0.99
        out = capsys.readouterr().out
        assert f"| other | {n_cells} |" in out and "lsq-all: hv_ratio min" in out
        # in milliseconds (the space's scale, the default) 'other' adds up exactly
        in_ms = module.main(str(data_dir), ["other"], proxy="proxy")
        assert in_ms["other"][1][0] == pytest.approx((1.0, 1.0))
        with pytest.raises(ValueError, match="scale must be one of auto, log, ms; got 'sqrt'"):
            module.main(str(data_dir), ["other"], proxy="proxy", scale="sqrt")
