"""OpenVinoRuntime: the ONNX export compiled by OpenVINO, its settings, real measurement."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from oneproxy_plugins.cli import main
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.measure import (BUILTIN_RUNTIMES, DeviceSpec, DeviceSpecError,
                                      OpenVinoRuntime, get_runtime, measure_archs,
                                      resolve_runtime)
from oneproxy_plugins.measure.runtimes import _ONNX_OPSET, _export_onnx

DEVICE = "cpu-openvino-t1-b1"
needs_openvino = pytest.mark.needs("openvino", "onnx")

EMPTY = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
"""A cell whose every input-output path is ``none``: only the stem, the reductions and the
classifier remain."""
CONVS = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|" \
        "nor_conv_3x3~2|"
"""The cell with a 3x3 convolution on every edge: the slowest kind of cell."""


class TestRegistration:
    def test_builtin_through_the_hook(self):
        assert OpenVinoRuntime in BUILTIN_RUNTIMES
        assert isinstance(get_runtime("openvino"), OpenVinoRuntime)
        assert isinstance(resolve_runtime(DEVICE), OpenVinoRuntime)

    @pytest.mark.parametrize("device, message", [
        ("cuda-openvino-b1", r"Runtime 'openvino' does not run on target 'cuda'; its targets: "
                             r"cpu\."),
        ("cpu-openvino-t1-b1-cl", r"Runtime 'openvino' has no channels-last option; drop '-cl' "
                                  r"from 'cpu-openvino-t1-b1-cl'\."),
        ("cpu-openvino-b1", r"has no thread count; cpu devices need -t<threads>, e\.g\. "
                            r"'cpu-openvino-t1-b1'"),
    ])
    def test_spec_errors(self, device, message):
        with pytest.raises(DeviceSpecError, match=message):
            resolve_runtime(device)

    def test_spec_errors_in_the_cli_are_one_line(self, tmp_path):
        out = tmp_path / "t.csv"
        result = CliRunner().invoke(main, ["measure", "--space", "nasbench201", "--device",
                                           "cuda-openvino-b1", "--samples", "2", "--out",
                                           str(out)])
        assert result.exit_code == 2
        assert result.output == ("Error: Runtime 'openvino' does not run on target 'cuda'; its "
                                 "targets: cpu.\n")
        assert not out.exists()


class TestMissingExtra:
    def test_names_the_extra_before_any_work(self, monkeypatch, nb201, fast):
        monkeypatch.setitem(sys.modules, "openvino", None)
        spec = DeviceSpec.parse(DEVICE)
        with pytest.raises(ImportError, match=r"pip install 'oneproxy-plugins\[openvino\]'"):
            OpenVinoRuntime().check_available(spec)
        with pytest.raises(ImportError, match=r"oneproxy-plugins\[openvino\]"):
            OpenVinoRuntime().prepare(torch.nn.Linear(4, 2), torch.zeros(1, 4), spec)
        built = []
        monkeypatch.setattr(type(nb201), "build", lambda self, *a, **k: built.append(a))
        with pytest.raises(ImportError, match=r"oneproxy-plugins\[openvino\]"):
            measure_archs(nb201, [EMPTY], DEVICE, **fast)
        assert built == []  # failed before building the reference or any network


@needs_openvino
class TestExport:
    def test_fixed_opset_and_names(self, net_and_input):
        import onnx

        model = onnx.load_from_string(_export_onnx(*net_and_input))
        assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [
            _ONNX_OPSET]
        assert [i.name for i in model.graph.input] == ["input"]
        assert [o.name for o in model.graph.output] == ["output"]

    def test_export_emits_no_deprecation_warning(self, net_and_input, recwarn):
        _export_onnx(*net_and_input)
        assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


@needs_openvino
class TestOpenVinoRuntime:
    @pytest.mark.parametrize("seed", [3, 11])
    def test_matches_eager_torch(self, nb201, tiny_cfg, seed):
        net = nb201.build(nb201.sample(seed), **tiny_cfg)
        x = torch.randn(nb201.input_shape(2))
        with torch.no_grad():
            expected = net(x).numpy()
        run = OpenVinoRuntime().prepare(net, x, DeviceSpec.parse("cpu-openvino-t1-b2"))
        out = run()[0]
        assert out.shape == (2, 10)
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(run()[0], out)  # the same request, run again

    @pytest.mark.parametrize("threads", [1, 2])
    def test_compiled_with_the_specs_threads_one_stream_latency_f32(self, net_and_input,
                                                                    threads):
        compiled = OpenVinoRuntime().compile(*net_and_input,
                                             DeviceSpec.parse(f"cpu-openvino-t{threads}-b1"))
        assert compiled.get_property("INFERENCE_NUM_THREADS") == threads
        assert compiled.get_property("NUM_STREAMS") == 1
        assert str(compiled.get_property("PERFORMANCE_HINT")).endswith("LATENCY")
        assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) == "<Type: 'float32'>"
        assert compiled.get_property("ENABLE_CPU_PINNING") is False

    def test_measure_archs_then_resume(self, nb201, fast, tmp_path):
        archs = [nb201.to_id(a) for a in nb201.sample_many(3, 5)]
        out = tmp_path / "ov.csv"
        run = measure_archs(nb201, archs, DEVICE, out=out, **fast)
        assert (run.n_measured, run.n_failed) == (3, 0)
        assert all(r.ok and r.raw_ms > 0 and r.n_runs == 4 for r in run.results.values())
        table = LatencyTable.from_csv(out, space="nasbench201")
        assert table.devices == [DEVICE] and (table.column(DEVICE) > 0).all()
        again = measure_archs(nb201, archs, DEVICE, out=out, resume=True, **fast)
        assert (again.n_measured, again.n_skipped) == (0, 3)

    def test_ranks_full_networks(self, nb201):
        """Full-size networks (the default build): 3x3 convolutions on every edge take tens of
        times as long as an empty cell (about 11 ms against 0.2 ms here), and the runtime sees
        it, raw and beside the reference."""
        run = measure_archs(nb201, [EMPTY, CONVS], DEVICE, n_rounds=2, n_warmup=1,
                            n_repeats=3, reference=EMPTY, progress=False)
        ratio = run.results[CONVS].raw_ms / run.results[EMPTY].raw_ms
        assert ratio > 10, run.results
        assert run.results[CONVS].ratio > 10 * run.results[EMPTY].ratio

    def test_cli_measures(self, tmp_path):
        out = tmp_path / "ov.csv"
        result = CliRunner().invoke(main, [
            "measure", "--space", "nasbench201", "--device", DEVICE, "--samples", "2",
            "--seed", "2", "--out", str(out), "--rounds", "2", "--warmup", "1", "--repeats",
            "2", "--build-cfg", "C=4,N=1", "--no-progress"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[-1].startswith(
            f"{DEVICE}: measured 2, skipped 0, failed 0 -> {out}")
        table = LatencyTable.from_csv(out, space="nasbench201")
        assert len(table) == 2 and (table.column(DEVICE) > 0).all()
