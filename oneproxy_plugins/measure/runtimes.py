"""Runtimes: how a PyTorch module becomes a callable that runs one inference on a device.

A runtime is named in the second field of a device spec (``cpu-<runtime>-t1-b1``). The
built-ins are :class:`TorchRuntime` (``torch``: eager PyTorch on CPU or CUDA),
:class:`OnnxRuntime` (``ort``: export to ONNX, run with ONNX Runtime on CPU) and
:class:`OpenVinoRuntime` (``openvino``: the same ONNX model compiled by OpenVINO for the CPU).
Plugins add runtimes through the ``oneproxy_add_runtimes`` hook; :func:`get_runtime` finds them all.

Example:
    >>> import torch
    >>> from oneproxy_plugins.measure import DeviceSpec, get_runtime
    >>> spec = DeviceSpec.parse("cpu-torch-t1-b1")
    >>> run = get_runtime("torch").prepare(torch.nn.Linear(4, 2), torch.zeros(1, 4), spec)
    >>> tuple(run().shape)
    (1, 2)
"""

from __future__ import annotations

import abc
import functools
import inspect
import io
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.exceptions import MeasurementError, UnknownRuntimeError
from oneproxy_plugins.measure.device import DeviceSpec, DeviceSpecError
from oneproxy_plugins.measure.timing import Timer, cuda_event_timer, wall_timer

if TYPE_CHECKING:
    import torch

__all__ = ["BaseRuntime", "TorchRuntime", "OnnxRuntime", "OpenVinoRuntime", "BUILTIN_RUNTIMES",
           "get_runtime", "list_runtimes", "resolve_runtime"]

_ONNX_OPSET = 17
"""The ONNX opset of every export: fixed, so that a model exported by one torch release runs
where another was used, and old enough for the runtimes on boards (ONNX Runtime >= 1.13,
OpenVINO >= 2022.3 read it)."""


class BaseRuntime(abc.ABC):
    """Base class of measurement runtimes.

    Subclasses set :attr:`name` and implement :meth:`prepare`; they narrow :attr:`targets`
    and :attr:`supports_channels_last` and override :meth:`check_available` and :meth:`timer`
    where the defaults (CPU only, wall-clock timing) do not fit.
    """

    name: ClassVar[str]
    """Registry name used in device specs, e.g. ``"torch"``."""

    targets: ClassVar[tuple[str, ...]] = ("cpu",)
    """Device targets this runtime can measure on."""

    supports_channels_last: ClassVar[bool] = False
    """Whether the ``-cl`` (channels-last) option means something to this runtime."""

    def check_spec(self, spec: DeviceSpec) -> None:
        """Raise ``DeviceSpecError`` (a ``ValueError``) when ``spec`` asks for something this
        runtime cannot do."""
        if spec.target not in self.targets:
            raise DeviceSpecError(f"Runtime {self.name!r} does not run on target {spec.target!r}; "
                                  f"its targets: {', '.join(self.targets)}.", str(spec))
        if spec.channels_last and not self.supports_channels_last:
            raise DeviceSpecError(f"Runtime {self.name!r} has no channels-last option; drop "
                                  f"'-cl' from {str(spec)!r}.", str(spec))

    def check_available(self, spec: DeviceSpec) -> None:
        """Raise before measuring when this host cannot run ``spec`` (default: always can)."""

    @abc.abstractmethod
    def prepare(self, module: torch.nn.Module, example_input: torch.Tensor, spec: DeviceSpec
                ) -> Callable[[], Any]:
        """Make a callable that runs one inference of ``module`` on ``example_input``.

        Args:
            module: The network, in eval mode, on the CPU.
            example_input: Input tensor on the CPU, shape ``(batch, ...)``.
            spec: The device to run on.

        Returns:
            A function of no arguments; each call runs one full inference (and, on
            asynchronous devices, leaves the work queued for :meth:`timer` to wait on).
        """

    def timer(self, spec: DeviceSpec) -> Timer:
        """The function that times one call, in milliseconds (default: wall clock)."""
        return wall_timer

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class TorchRuntime(BaseRuntime):
    """Eager PyTorch under ``torch.inference_mode``, on CPU or CUDA.

    On CUDA each call is timed with CUDA events after a synchronisation, so the time is the
    device's, not the launch overhead's.
    """

    name = "torch"
    targets = ("cpu", "cuda")
    supports_channels_last = True

    def check_available(self, spec: DeviceSpec) -> None:
        torch = optional_import("torch")

        if spec.target == "cuda" and not torch.cuda.is_available():
            raise MeasurementError(f"Device {str(spec)!r} needs CUDA, which this host does not "
                                   f"have (torch {torch.__version__}).")

    def prepare(self, module: torch.nn.Module, example_input: torch.Tensor, spec: DeviceSpec
                ) -> Callable[[], Any]:
        torch = optional_import("torch")

        device = torch.device(spec.target)
        module = module.eval().to(device)
        x = example_input.to(device)
        if spec.channels_last:
            if x.dim() != 4:
                raise MeasurementError(f"Channels-last needs a 4-d input; got shape "
                                       f"{tuple(x.shape)}.")
            module = module.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)

        def run() -> Any:
            with torch.inference_mode():
                return module(x)

        return run

    def timer(self, spec: DeviceSpec) -> Timer:
        return cuda_event_timer() if spec.target == "cuda" else wall_timer


def _export_onnx(module: torch.nn.Module, example_input: torch.Tensor) -> bytes:
    """The ONNX model of ``module`` (in eval mode) at :data:`_ONNX_OPSET`, in memory.

    Export uses PyTorch's TorchScript-based exporter (``dynamo=False``), which needs no
    package beyond ``onnx``; the dynamo exporter would need ``onnxscript``. The graph has one
    input named ``input`` and one output named ``output``.
    """
    torch = optional_import("torch")

    buffer = io.BytesIO()
    kwargs: dict[str, Any] = {"input_names": ["input"], "output_names": ["output"],
                              "opset_version": _ONNX_OPSET}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with warnings.catch_warnings():
        # The legacy exporter warns that it is deprecated on every call.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(module.eval(), (example_input,), buffer, **kwargs)
    return buffer.getvalue()


class OnnxRuntime(BaseRuntime):
    """ONNX Runtime on CPU: the module is exported to ONNX in memory, then run sequentially.

    The export is PyTorch's TorchScript-based exporter at a fixed opset (17). The session runs
    with ``intra_op_num_threads`` = the spec's threads, one inter-op thread and sequential
    execution. ``onnxruntime`` is imported at first use (extra ``[onnx]``).
    """

    name = "ort"

    def check_available(self, spec: DeviceSpec) -> None:
        optional_import("torch")  # the export
        optional_import("onnx")
        optional_import("onnxruntime")

    def prepare(self, module: torch.nn.Module, example_input: torch.Tensor, spec: DeviceSpec
                ) -> Callable[[], Any]:
        from oneproxy_plugins.measure._board_runner import ort_session

        optional_import("onnxruntime")  # a missing one names the extra
        session = ort_session(_export_onnx(module, example_input), spec.threads or 1)
        feed = {"input": example_input.detach().cpu().numpy()}

        def run() -> Any:
            return session.run(None, feed)

        return run


@functools.cache
def _openvino_core() -> Any:
    """The process's one ``openvino.Core`` (OpenVINO recommends one per application: each
    Core loads its device plugins anew)."""
    return optional_import("openvino").Core()


class OpenVinoRuntime(BaseRuntime):
    """OpenVINO on CPU: the module's ONNX export, compiled for latency and run synchronously.

    The ONNX model (the same export as :class:`OnnxRuntime`) is read from memory and compiled
    for OpenVINO's ``"CPU"`` device with ``INFERENCE_NUM_THREADS`` = the spec's threads, one
    stream and the ``LATENCY`` performance hint; each call is one synchronous inference of one
    infer request whose input tensor was set once. Two settings differ from OpenVINO's
    defaults, so that the three CPU runtimes time the same thing: the inference precision is
    fixed to f32 (on CPUs with bf16 or AMX OpenVINO would otherwise compute in bf16), and the
    threads are not pinned to cores (as for ``torch`` and ``ort``: on a shared host a pinned
    thread cannot leave a busy core). ``openvino`` is imported at first use (extra
    ``[openvino]``).

    Example:
        >>> import torch
        >>> from oneproxy_plugins.measure import DeviceSpec, OpenVinoRuntime
        >>> run = OpenVinoRuntime().prepare(torch.nn.Linear(4, 2), torch.zeros(1, 4),
        ...                                 DeviceSpec.parse("cpu-openvino-t1-b1"))
        >>> run()[0].shape
        (1, 2)
    """

    name = "openvino"

    def check_available(self, spec: DeviceSpec) -> None:
        optional_import("openvino")
        optional_import("torch")  # the export
        optional_import("onnx")

    def compile(self, module: torch.nn.Module, example_input: torch.Tensor, spec: DeviceSpec
                ) -> Any:
        """Export ``module`` to ONNX and compile it for ``spec``.

        Args:
            module: The network, in eval mode, on the CPU.
            example_input: Input tensor on the CPU, shape ``(batch, ...)``; fixes the
                compiled input shape.
            spec: A ``cpu-openvino-...`` device.

        Returns:
            The ``openvino.CompiledModel``; its ``get_property`` reads the settings back.
        """
        core = _openvino_core()
        model = core.read_model(_export_onnx(module, example_input))
        return core.compile_model(model, "CPU", {
            "INFERENCE_NUM_THREADS": spec.threads or 1,
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": "f32",
            "ENABLE_CPU_PINNING": False,
        })

    def prepare(self, module: torch.nn.Module, example_input: torch.Tensor, spec: DeviceSpec
                ) -> Callable[[], Any]:
        """Compile ``module`` (:meth:`compile`) and return a call of one synchronous inference;
        the call returns the outputs (an ``OVDict``: ``run()[0]`` is the first, as NumPy)."""
        ov = optional_import("openvino")
        request = self.compile(module, example_input, spec).create_infer_request()
        request.set_input_tensor(ov.Tensor(example_input.detach().cpu().numpy()))

        def run() -> Any:
            return request.infer()

        return run


BUILTIN_RUNTIMES: tuple[type[BaseRuntime], ...] = (TorchRuntime, OnnxRuntime, OpenVinoRuntime)
"""The runtimes registered by oneproxy-plugins itself (through the plugin hook)."""


def list_runtimes() -> dict[str, BaseRuntime]:
    """Every registered runtime (built-in and from plugins) by name."""
    from oneproxy_plugins.plugins import collect

    return dict(collect("oneproxy_add_runtimes"))


def get_runtime(name: str | BaseRuntime) -> BaseRuntime:
    """Return a registered runtime by name (a runtime instance is returned as is).

    Raises:
        UnknownRuntimeError: No runtime has that name; the message lists the known ones.
    """
    from oneproxy_plugins.plugins import lookup

    return lookup("oneproxy_add_runtimes", name, BaseRuntime, UnknownRuntimeError)


def resolve_runtime(device: DeviceSpec | str) -> BaseRuntime:
    """The registered runtime of a device spec, checked to be able to run it.

    What every measurement calls before its first network: a spec is a plain value, so the
    registry is consulted here, where it is used, not when the spec is parsed.

    Args:
        device: A :class:`DeviceSpec` or its string (``"cpu-ort-t1-b1"``).

    Returns:
        The runtime.

    Raises:
        DeviceSpecError: A malformed spec, or one its runtime cannot run (``-cl`` on a runtime
            without channels-last, a target it does not support).
        UnknownRuntimeError: The runtime is not registered; the message lists the known ones.

    Example:
        >>> resolve_runtime("cpu-ort-t1-b1").name
        'ort'
        >>> resolve_runtime("cuda-ort-b1")
        Traceback (most recent call last):
        ...
        oneproxy_plugins.measure.device.DeviceSpecError: Runtime 'ort' does not run on target 'cuda'; its targets: cpu.
    """
    spec = DeviceSpec.parse(device)
    runtime = get_runtime(spec.runtime)
    runtime.check_spec(spec)
    return runtime
