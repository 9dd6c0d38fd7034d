"""A plugin's runtime, end to end: docs/plugins.md's class is the toy plugin's, and
``oneproxy measure`` measures with it through the installed entry point."""

from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
DEVICE = "cpu-ort_noopt-t1-b1"
FAST = ["--rounds", "2", "--warmup", "1", "--repeats", "2", "--build-cfg", "C=4,N=1",
        "--no-progress"]


def _doc_module() -> tuple[str, ast.Module]:
    """The python block of docs/plugins.md that defines the runtime plugin, parsed."""
    blocks = [b for b in re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
              if "class UnoptimizedOrtRuntime" in b]
    assert len(blocks) == 1
    return blocks[0], ast.parse(blocks[0])


def _imports(tree: ast.Module) -> set[str]:
    return {ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import,
                                                                          ast.ImportFrom))}


class TestTheDocIsTheTestedCode:
    def test_the_class_is_the_toy_plugins_source(self, toy_installed):
        import toy_oneproxy_plugin as toy

        text, tree = _doc_module()
        (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        assert ast.get_source_segment(text, cls) == inspect.getsource(toy.UnoptimizedOrtRuntime
                                                                      ).rstrip()
        assert _imports(tree) <= _imports(ast.parse(inspect.getsource(toy)))

    def test_the_hook_returns_the_runtime(self):
        text, tree = _doc_module()
        (hook,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert hook.name == "oneproxy_add_runtimes"
        assert ast.unparse(hook.body[-1]) == "return [UnoptimizedOrtRuntime()]"


@pytest.mark.needs("torch", "onnx", "onnxruntime")
class TestUnoptimizedOrtRuntime:
    def invoke(self, *args: str):
        from oneproxy_plugins.cli import main

        return CliRunner().invoke(main, ["measure", "--space", "nasbench201", *args])

    def test_oneproxy_measure_with_the_plugins_device(self, toy_installed, tmp_path):
        from oneproxy_plugins.latency import LatencyTable

        out = tmp_path / "noopt.csv"
        result = self.invoke("--device", DEVICE, "--samples", "2", "--seed", "1", "--out",
                             str(out), *FAST)
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[-1].startswith(
            f"{DEVICE}: measured 2, skipped 0, failed 0 -> {out}")
        table = LatencyTable.from_csv(out, space="nasbench201")
        assert table.devices == [DEVICE] and len(table) == 2
        assert (table.column(DEVICE) > 0).all()

    def test_a_cuda_spec_is_a_one_line_error(self, toy_installed, tmp_path):
        result = self.invoke("--device", "cuda-ort_noopt-b1", "--samples", "2", "--out",
                             str(tmp_path / "x.csv"))
        assert result.exit_code == 2
        assert result.output == ("Error: Runtime 'ort_noopt' does not run on target 'cuda'; "
                                 "its targets: cpu.\n")

    def test_missing_onnxruntime_stops_before_any_work(self, toy_installed, tmp_path,
                                                       monkeypatch):
        monkeypatch.setitem(sys.modules, "onnxruntime", None)
        out = tmp_path / "x.csv"
        result = self.invoke("--device", DEVICE, "--samples", "2", "--out", str(out), *FAST)
        assert result.exit_code == 2
        assert result.output.startswith(f"Error: Device {DEVICE} needs onnx and onnxruntime: "
                                        "pip install onnx onnxruntime")
        assert not out.exists()

    def test_unoptimised_session_matches_eager_torch(self, toy_installed):
        import onnxruntime as ort
        import torch

        from oneproxy_plugins.measure import DeviceSpec, get_runtime
        from oneproxy_plugins.spaces import get_space

        space = get_space("nasbench201")
        net = space.build(space.sample(7), C=4, N=1)
        x = torch.randn(space.input_shape(1))
        run = get_runtime("ort_noopt").prepare(net, x, DeviceSpec.parse("cpu-ort_noopt-t2-b1"))
        options = run.func.__self__.get_session_options()
        assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        assert options.intra_op_num_threads == 2
        with torch.no_grad():
            np.testing.assert_allclose(run()[0], net(x).numpy(), rtol=1e-4, atol=1e-5)
