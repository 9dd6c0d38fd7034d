"""A third-party plugin as another package would write it: a tiny space, two runtimes, a
latency predictor and an adaptation method.

The fake runtime stands in for a device that cannot run here (a phone): its "inference" is a
busy loop whose length follows the network's parameter count, so latencies are real timings
with a known ranking. The other runtime is real, ONNX Runtime with its graph optimisations
turned off; docs/plugins.md shows its class as written here (a test checks they are the same
text). The predictor and the adapter are small but real estimators, written against the
package's public bases only.
"""

from __future__ import annotations

import functools
import io
import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from oneproxy_plugins.adaproxy import AdapterMethod, BasePoolAdapter
from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.measure.runtimes import BaseRuntime
from oneproxy_plugins.plugins import hookimpl
from oneproxy_plugins.predictors import BaseLatencyPredictor
from oneproxy_plugins.spaces import BaseSpace

WIDTHS = (1, 2, 4, 8)


class TinySpace(BaseSpace):
    """Two layers, each with a width in WIDTHS; ids like ``w2-w8``."""

    name = "tiny"
    data_folder = "tiny"

    @property
    def params(self) -> Mapping[str, tuple]:
        return {"w0": WIDTHS, "w1": WIDTHS}

    def to_id(self, arch: tuple[int, int]) -> str:
        return "-".join(f"w{w}" for w in self.coerce(arch))

    def _is_arch(self, value: Any) -> bool:
        return isinstance(value, tuple) and len(value) == 2 and all(v in WIDTHS for v in value)

    def _parse_id(self, arch_id: str) -> tuple[int, int]:
        parts = arch_id.split("-")
        try:
            widths = tuple(int(p.removeprefix("w")) for p in parts)
        except ValueError:
            widths = ()
        if len(widths) != 2 or any(w not in WIDTHS for w in widths):
            raise InvalidArchitectureError(f"Malformed tiny id {arch_id!r}; expected 'w<a>-w<b>' "
                                           f"with widths in {list(WIDTHS)}.")
        return widths

    def _from_params(self, params: Mapping[str, Any]) -> tuple[int, int]:
        return (params["w0"], params["w1"])

    def to_params(self, arch: tuple[int, int]) -> dict[str, Any]:
        a = self.coerce(arch)
        return {"w0": a[0], "w1": a[1]}

    def input_shape(self, batch_size: int = 1, **cfg: Any) -> tuple[int, ...]:
        return (batch_size, 4)

    def build(self, arch: Any, **cfg: Any) -> Any:
        from torch import nn

        w0, w1 = self.coerce(arch)
        return nn.Sequential(nn.Linear(4, 4 * w0), nn.ReLU(), nn.Linear(4 * w0, 4 * w1)).eval()


class FakePhoneRuntime(BaseRuntime):
    """A phone we cannot reach: busy-waits 0.02 ms per parameter (a mock, said so)."""

    name = "fakephone"

    def prepare(self, module: Any, example_input: Any, spec: Any) -> Any:
        n_params = sum(p.numel() for p in module.parameters())

        def run() -> None:
            end = time.perf_counter() + 2e-5 * n_params
            while time.perf_counter() < end:
                pass

        return run


class UnoptimizedOrtRuntime(BaseRuntime):
    """ONNX Runtime with every graph optimisation off: the exported graph, node by node.

    Device specs ``cpu-ort_noopt-t<threads>-b<batch>``. The base class's defaults reject
    ``cuda-...`` and ``-cl`` before any network is built; :meth:`check_available` fails
    before any network is built when onnxruntime is missing.
    """

    name = "ort_noopt"

    def check_available(self, spec):
        try:
            import onnx  # noqa: F401  (torch's exporter writes the model with it)
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise ImportError(f"Device {spec} needs onnx and onnxruntime: pip install onnx "
                              "onnxruntime") from exc

    def prepare(self, module, example_input, spec):
        import onnxruntime as ort
        import torch

        model = io.BytesIO()
        with warnings.catch_warnings():  # torch warns that dynamo=False is the old exporter
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(module.eval(), (example_input,), model, input_names=["x"],
                              opset_version=17, dynamo=False)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = spec.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model.getvalue(), options,
                                       providers=["CPUExecutionProvider"])
        return functools.partial(session.run, None, {"x": example_input.numpy()})


class NearestPredictor(BaseLatencyPredictor):
    """The latency of the nearest measured architecture (Euclidean, on the encoding)."""

    name = "toy-nearest"
    _state_attrs = BaseLatencyPredictor._state_attrs + ("X_", "y_")

    def __init__(self, space: Any = None) -> None:
        self.space = space

    def _fit(self, F: np.ndarray, y: np.ndarray) -> None:
        self.X_, self.y_ = F, y

    def _predict(self, F: np.ndarray) -> np.ndarray:
        distance = ((F[:, None, :] - self.X_[None, :, :]) ** 2).sum(axis=2)
        return self.y_[np.argmin(distance, axis=1)]


class ProxyRatioAdapter(BasePoolAdapter):
    """The pool's first proxy, times the median target/proxy ratio of the samples."""

    _state_attrs = ("ratio_",)
    _fitted_attr = "ratio_"

    def __init__(self, pool: Any = None) -> None:
        self.pool = pool

    def fit(self, X: Any, y: Any) -> ProxyRatioAdapter:  # noqa: N803
        pool = self._fit_pool()
        proxy_ms = pool.latency(list(X))[:, 0]
        self.ratio_ = float(np.median(np.asarray(y, dtype=float) / proxy_ms))
        self.pool_ = pool
        return self

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        self._check_fitted()
        return self.ratio_ * self.pool_.latency(list(X))[:, 0]


@hookimpl
def oneproxy_add_predictors():
    return [NearestPredictor]


@hookimpl
def oneproxy_add_adapters():
    return [AdapterMethod("toy-ratio", ProxyRatioAdapter,
                          "The first proxy times the samples' median ratio")]


@hookimpl
def oneproxy_add_spaces():
    return [TinySpace]


@hookimpl
def oneproxy_add_runtimes():
    return [FakePhoneRuntime(), UnoptimizedOrtRuntime()]
