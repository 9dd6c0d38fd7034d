"""DeviceSpec: parsing, canonical strings, validation messages."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownRuntimeError
from oneproxy_plugins.measure import DeviceSpec, DeviceSpecError, resolve_runtime


class TestParse:
    def test_cpu_torch(self):
        spec = DeviceSpec.parse("cpu-torch-t1-b1")
        assert spec == DeviceSpec("cpu", "torch", batch_size=1, threads=1)
        assert not spec.channels_last

    def test_channels_last(self):
        spec = DeviceSpec.parse("cpu-torch-t2-b8-cl")
        assert (spec.threads, spec.batch_size, spec.channels_last) == (2, 8, True)

    def test_cuda_needs_no_threads(self):
        spec = DeviceSpec.parse("cuda-torch-b1")
        assert (spec.target, spec.threads, spec.batch_size) == ("cuda", None, 1)

    def test_ort(self):
        assert DeviceSpec.parse("cpu-ort-t1-b1").runtime == "ort"

    @pytest.mark.parametrize("text", ["cpu-torch-t1-b1", "cpu-torch-t2-b8-cl", "cuda-torch-b1",
                                      "cuda-torch-t4-b32-cl", "cpu-ort-t1-b1"])
    def test_round_trip(self, text):
        assert str(DeviceSpec.parse(text)) == text

    def test_options_in_any_order_give_the_canonical_string(self):
        assert str(DeviceSpec.parse(" CPU-torch-cl-b8-t2 ")) == "cpu-torch-t2-b8-cl"

    def test_spec_passes_through(self):
        spec = DeviceSpec.parse("cpu-torch-t1-b1")
        assert DeviceSpec.parse(spec) is spec

    def test_frozen_and_hashable(self):
        spec = DeviceSpec.parse("cpu-torch-t1-b1")
        with pytest.raises(dataclasses.FrozenInstanceError):
            spec.threads = 2
        assert len({spec, DeviceSpec.parse("cpu-torch-b1-t1")}) == 1


class TestErrors:
    @pytest.mark.parametrize("text, message", [
        ("tpu-torch-t1-b1", r"target 'tpu' is not supported; allowed: cpu, cuda"),
        ("cpu", r"'cpu' is malformed; expected <target>-<runtime>"),
        ("cpu--t1-b1", r"malformed"),
        ("cpu-torch-x3-b1", r"option 'x3' is not understood; allowed: t<threads>, b<batch>, cl"),
        ("cpu-torch-t1-t2-b1", r"option 't' is given twice"),
        ("cpu-torch-t1", r"has no batch size; add -b<batch>"),
        ("cpu-torch-b1", r"has no thread count; cpu devices need -t<threads>, e.g. "
                         r"'cpu-torch-t1-b1'"),
        ("cpu-torch-t0-b1", r"The 'threads' field of a cpu device must be an int >= 1; got 0"),
        ("cuda-torch-b0", r"The 'batch_size' field of a cuda device must be an int >= 1; got 0"),
    ])
    def test_message_names_the_bad_part(self, text, message):
        with pytest.raises(DeviceSpecError, match=message):
            DeviceSpec.parse(text)

    def test_parsing_loads_no_plugin(self, monkeypatch):
        """A spec is a value: its runtime is looked up where it is used, not when parsed."""
        from oneproxy_plugins.plugins import _manager

        monkeypatch.setattr(_manager, "collect", None)  # any registry lookup would fail
        assert DeviceSpec.parse("cpu-tflite-t1-b1").runtime == "tflite"
        assert DeviceSpec("cuda", "ort", batch_size=1).target == "cuda"


class TestResolveRuntime:
    def test_known_runtime(self):
        assert resolve_runtime("cpu-ort-t1-b1").name == "ort"
        assert resolve_runtime(DeviceSpec.parse("cuda-torch-b1")).name == "torch"

    @pytest.mark.parametrize("text, message", [
        ("cpu-ort-t1-b1-cl", r"Runtime 'ort' has no channels-last option; drop '-cl'"),
        ("cuda-ort-b1", r"Runtime 'ort' does not run on target 'cuda'; its targets: cpu"),
    ])
    def test_what_the_runtime_cannot_do(self, text, message):
        with pytest.raises(DeviceSpecError, match=message):
            resolve_runtime(text)

    def test_unknown_runtime_lists_known_ones(self):
        with pytest.raises(UnknownRuntimeError, match=r"Unknown runtime 'tflite'; known: .*ort, "
                                                      r"torch"):
            resolve_runtime("cpu-tflite-t1-b1")

    def test_is_a_value_error_and_an_unknown_device_error(self):
        with pytest.raises(ValueError):
            DeviceSpec.parse("cpu-torch-b1")
        with pytest.raises(UnknownDeviceError):
            DeviceSpec.parse("cpu-torch-b1")

    def test_message_and_fields_of_the_error(self):
        with pytest.raises(DeviceSpecError) as info:
            DeviceSpec.parse("cpu-torch-b1")
        assert info.value.kind == "device" and info.value.known == []
        assert str(info.value).startswith("Device spec 'cpu-torch-b1' has no thread count")

    def test_not_a_string(self):
        with pytest.raises(DeviceSpecError, match=r"must be a str .*; got int"):
            DeviceSpec.parse(3)

    def test_constructor_validates_fields(self):
        with pytest.raises(DeviceSpecError, match=r"'batch_size' field .* got True"):
            DeviceSpec("cpu", "torch", batch_size=True, threads=1)
        with pytest.raises(DeviceSpecError, match=r"'channels_last' field must be a bool"):
            DeviceSpec("cpu", "torch", batch_size=1, threads=1, channels_last="yes")
        with pytest.raises(DeviceSpecError, match=r"'runtime' field must be a runtime name"):
            DeviceSpec("cpu", "Torch RT", batch_size=1, threads=1)

    @given(st.text(max_size=30))
    def test_garbage_raises_only_lookup_or_value_errors(self, text):
        try:
            spec = DeviceSpec.parse(text)
        except (ValueError, LookupError):
            return
        assert DeviceSpec.parse(str(spec)) == spec
