"""Runtimes: registry lookup, prepared callables, optional ONNX Runtime, CUDA."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import torch

from oneproxy_plugins.exceptions import MeasurementError, UnknownRuntimeError
from oneproxy_plugins.measure import (BUILTIN_RUNTIMES, BaseRuntime, DeviceSpec, OnnxRuntime,
                                      OpenVinoRuntime, TorchRuntime, get_runtime, list_runtimes)
from oneproxy_plugins.measure.timing import wall_timer
from oneproxy_plugins.plugins import get_plugin_manager, hookimpl, reset_plugin_manager

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


class TestGetRuntime:
    def test_builtins_register_through_the_hook(self):
        assert BUILTIN_RUNTIMES == (TorchRuntime, OnnxRuntime, OpenVinoRuntime)
        assert {"torch", "ort", "openvino"} <= set(list_runtimes())
        assert isinstance(get_runtime("torch"), TorchRuntime)
        assert isinstance(get_runtime("ort"), OnnxRuntime)

    def test_instance_passes_through(self):
        runtime = TorchRuntime()
        assert get_runtime(runtime) is runtime

    def test_unknown_lists_known(self):
        with pytest.raises(UnknownRuntimeError, match=r"Unknown runtime 'tvm'; known: .*ort, "
                                                      r"torch"):
            get_runtime("tvm")

    def test_plugin_runtime_is_found(self):
        class EchoRuntime(BaseRuntime):
            name = "echo"

            def prepare(self, module, example_input, spec):
                return lambda: example_input

        plugin = types.SimpleNamespace(oneproxy_add_runtimes=hookimpl(lambda: [EchoRuntime]))
        reset_plugin_manager()
        try:
            get_plugin_manager().register(plugin, name="test-echo")
            assert isinstance(get_runtime("echo"), EchoRuntime)
            assert DeviceSpec.parse("cpu-echo-t1-b1").runtime == "echo"
        finally:
            reset_plugin_manager()


class TestTorchRuntime:
    def test_prepare_runs_one_inference(self, net_and_input):
        net, x = net_and_input
        spec = DeviceSpec.parse("cpu-torch-t1-b1")
        run = TorchRuntime().prepare(net, x, spec)
        out = run()
        assert out.is_inference()
        with torch.no_grad():
            torch.testing.assert_close(out, net(x))

    def test_channels_last(self, net_and_input):
        net, x = net_and_input
        with torch.no_grad():
            expected = net(x)
        run = TorchRuntime().prepare(net, x, DeviceSpec.parse("cpu-torch-t1-b1-cl"))
        torch.testing.assert_close(run(), expected, rtol=1e-4, atol=1e-5)
        assert net.stem[0].weight.is_contiguous(memory_format=torch.channels_last)

    def test_channels_last_needs_4d_input(self):
        with pytest.raises(MeasurementError, match=r"Channels-last needs a 4-d input; got shape "
                                                   r"\(1, 4\)"):
            TorchRuntime().prepare(torch.nn.Linear(4, 2), torch.zeros(1, 4),
                                   DeviceSpec.parse("cpu-torch-t1-b1-cl"))

    def test_cpu_timer_is_the_wall_clock(self):
        assert TorchRuntime().timer(DeviceSpec.parse("cpu-torch-t1-b1")) is wall_timer

    @pytest.mark.skipif(torch.cuda.is_available(), reason="this host has CUDA")
    def test_cuda_unavailable_is_a_measurement_error(self):
        with pytest.raises(MeasurementError, match=r"'cuda-torch-b1' needs CUDA, which this "
                                                   r"host does not have"):
            TorchRuntime().check_available(DeviceSpec.parse("cuda-torch-b1"))

    @needs_cuda
    def test_cuda_prepare_and_event_timer(self, net_and_input):
        net, x = net_and_input
        spec = DeviceSpec.parse("cuda-torch-b1")
        runtime = TorchRuntime()
        runtime.check_available(spec)
        run = runtime.prepare(net, x, spec)
        assert run().device.type == "cuda"
        timer = runtime.timer(spec)
        assert timer is not wall_timer
        assert timer(run) > 0


class TestOnnxRuntime:
    def test_prepare_matches_torch(self, net_and_input):
        pytest.importorskip("onnxruntime")
        net, x = net_and_input
        with torch.no_grad():
            expected = net(x).numpy()
        run = OnnxRuntime().prepare(net, x, DeviceSpec.parse("cpu-ort-t1-b1"))
        (out,) = run()
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)

    def test_export_emits_no_deprecation_warning(self, net_and_input, recwarn):
        pytest.importorskip("onnxruntime")
        OnnxRuntime().prepare(*net_and_input, DeviceSpec.parse("cpu-ort-t1-b1"))
        assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]

    def test_missing_onnxruntime_names_the_extra(self, monkeypatch, net_and_input):
        monkeypatch.setitem(sys.modules, "onnxruntime", None)
        spec = DeviceSpec.parse("cpu-ort-t1-b1")
        with pytest.raises(ImportError, match=r"oneproxy-plugins\[onnx\]"):
            OnnxRuntime().check_available(spec)
        with pytest.raises(ImportError, match=r"oneproxy-plugins\[onnx\]"):
            OnnxRuntime().prepare(*net_and_input, spec)
