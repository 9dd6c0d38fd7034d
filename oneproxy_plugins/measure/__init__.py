"""On-host latency measurement: device specs, runtimes, timing and resumable runs.

* :class:`DeviceSpec` — ``cpu-torch-t1-b1``, ``cuda-torch-b1``, ``cpu-ort-t1-b1``, ...
* :class:`BaseRuntime`, :class:`TorchRuntime`, :class:`OnnxRuntime`,
  :class:`OpenVinoRuntime`, :func:`get_runtime`,
  :func:`resolve_runtime` (a spec's runtime, checked to be able to run it).
* :mod:`~oneproxy_plugins.measure.timing` — warm-up, repeats, interleaved rounds beside a
  reference network, robust summaries.
* :class:`ResultStore` — the crash-safe results table and its details sidecar.
* :func:`measure_archs` — measure a space's architectures, resumably.

Example:
    >>> from oneproxy_plugins.measure import measure_archs
    >>> run = measure_archs("nasbench201", ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"],
    ...                     "cpu-torch-t1-b1", n_rounds=2, build_cfg={"C": 4, "N": 1},
    ...                     progress=False)
    >>> run.n_measured
    1
"""

from oneproxy_plugins.measure.device import TARGETS, DeviceSpec, DeviceSpecError
from oneproxy_plugins.measure.run import MeasurementRun, measure_archs
from oneproxy_plugins.measure.runtimes import (BUILTIN_RUNTIMES, BaseRuntime, OnnxRuntime,
                                               OpenVinoRuntime, TorchRuntime, get_runtime,
                                               list_runtimes, resolve_runtime)
from oneproxy_plugins.measure.store import ArchResult, ResultStore, StoredRun

__all__ = [
    "DeviceSpec", "DeviceSpecError", "TARGETS",
    "BaseRuntime", "TorchRuntime", "OnnxRuntime", "OpenVinoRuntime", "BUILTIN_RUNTIMES",
    "get_runtime", "list_runtimes", "resolve_runtime",
    "measure_archs", "MeasurementRun",
    "ArchResult", "ResultStore", "StoredRun",
]
