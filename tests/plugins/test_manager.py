"""The plugin registry end to end: a toy package found through its entry point."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import spearmanr

from oneproxy_plugins.exceptions import OneProxyError, UnknownSpaceError
from oneproxy_plugins.plugins import get_plugin_manager, hookimpl, reset_plugin_manager

class TestPluginManager:
    def test_builtins_without_plugins(self):
        from oneproxy_plugins.latency import list_loaders
        from oneproxy_plugins.measure.runtimes import list_runtimes
        from oneproxy_plugins.spaces import list_spaces

        reset_plugin_manager()
        assert {"nasbench201", "fbnet", "ofa_mbv3", "mobilenetv2", "proxylessnas"} <= set(
            list_spaces())
        assert {"torch", "ort"} <= set(list_runtimes())
        assert {"help", "hwnasbench", "oneproxy", "eagle"} <= set(list_loaders())
        assert get_plugin_manager() is get_plugin_manager()  # built once

    @pytest.mark.needs("torch")
    def test_toy_plugin_end_to_end(self, toy_installed, tmp_path):
        from oneproxy_plugins.cli import main
        from oneproxy_plugins.measure.run import measure_archs
        from oneproxy_plugins.spaces import get_space

        space = get_space("tiny")
        assert space.size == 16
        result = CliRunner().invoke(main, ["spaces"])
        assert result.exit_code == 0 and "tiny" in result.output
        archs = [space.to_id((a, b)) for a in (1, 8) for b in (1, 8)]
        run = measure_archs("tiny", archs, "cpu-fakephone-t1-b1", out=tmp_path / "t.csv",
                            n_rounds=2, n_warmup=1, n_repeats=2, progress=False)
        table = run.table()
        assert table.devices == ["cpu-fakephone-t1-b1"] and (table.values > 0).all()
        n_params = [sum(p.numel() for p in space.build(a).parameters()) for a in archs]
        assert spearmanr(table.column("cpu-fakephone-t1-b1"), n_params).statistic > 0.7

    def test_a_plugins_predictor_is_built_saved_and_loaded_by_name(self, toy_installed,
                                                                   tmp_path, synthetic_nb201):
        from oneproxy_plugins.predictors import (get_predictor, list_predictors, load_predictor,
                                                 save_predictor)

        assert {"ridge", "gbm", "mlp", "toy-nearest"} <= set(list_predictors())
        table, _ = synthetic_nb201
        model = get_predictor("toy-nearest", space="nasbench201").fit(
            table.archs[:200], table.column("gpu_a")[:200])
        assert model.predict(table.archs[:3]).tolist() == table.column("gpu_a")[:3].tolist()
        loaded = load_predictor(save_predictor(model, tmp_path / "n.json"))
        assert type(loaded).__name__ == "NearestPredictor"
        np.testing.assert_array_equal(loaded.predict(table.archs[200:260]),
                                      model.predict(table.archs[200:260]))

    def test_a_plugins_adaptation_method_in_the_cli_and_the_bench(self, toy_installed,
                                                                  tmp_path, make_data_dir,
                                                                  synthetic_nb201):
        from oneproxy_plugins.cli import main

        table, _ = synthetic_nb201
        data = make_data_dir(table.select(["gpu_a", "cpu_a", "gpu_b"]))
        samples = tmp_path / "s.csv"
        y = table.column("gpu_b")
        samples.write_text("arch,latency_ms\n" + "".join(f"{table.archs[i]},{y[i]}\n"
                                                          for i in range(0, 2000, 200)))
        runner = CliRunner()
        out = tmp_path / "t.json"
        result = runner.invoke(main, ["adapt", "--space", "nasbench201", "--data", str(data),
                                      "--proxies", "gpu_a,cpu_a", "--target-samples",
                                      str(samples), "--method", "toy-ratio", "--out", str(out)])
        assert result.exit_code == 0, result.output
        help_text = runner.invoke(main, ["adapt", "--help"]).output
        assert "toy-ratio" in help_text.replace("\n", "")
        from oneproxy_plugins.predictors import load_predictor

        model = load_predictor(out)
        ratio = np.median(y[::200] / table.column("gpu_a")[::200])
        assert model.ratio_ == pytest.approx(ratio)
        bench = runner.invoke(main, ["bench", "fewshot", "--space", "nasbench201", "--data",
                                     str(data), "--proxies", "gpu_a,cpu_a", "--targets",
                                     "gpu_b", "--samples", "5", "--repeats", "2", "--method",
                                     "toy-ratio", "--no-progress", "--json", "-"])
        assert bench.exit_code == 0, bench.output
        assert '"method": "toy-ratio"' in bench.output

    def test_unknown_space_lists_plugins(self, toy_installed):
        from oneproxy_plugins.spaces import get_space

        with pytest.raises(UnknownSpaceError, match="Unknown space 'huge'; known: .*tiny"):
            get_space("huge")

    def test_duplicate_names_are_an_error(self):
        from oneproxy_plugins.spaces import NASBench201Space, list_spaces

        class Clash:
            @hookimpl
            def oneproxy_add_spaces(self):
                return [NASBench201Space]

        reset_plugin_manager()
        pm = get_plugin_manager()
        pm.register(Clash())
        try:
            with pytest.raises(OneProxyError, match="two plugins register the name 'nasbench201'"):
                list_spaces()
        finally:
            reset_plugin_manager()

    def test_unnamed_object_is_an_error(self):
        from oneproxy_plugins.spaces import list_spaces

        class Bad:
            @hookimpl
            def oneproxy_add_spaces(self):
                return [object()]

        reset_plugin_manager()
        get_plugin_manager().register(Bad())
        try:
            with pytest.raises(OneProxyError, match="without a 'name'"):
                list_spaces()
        finally:
            reset_plugin_manager()

    def test_not_built_at_import(self):
        import subprocess

        code = ("import oneproxy_plugins, oneproxy_plugins.plugins._manager as m; "
                "print(m.get_plugin_manager.cache_info().currsize)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        assert out.stdout.strip() == "0"
