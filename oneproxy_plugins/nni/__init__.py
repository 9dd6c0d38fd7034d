"""NNI integration: one-proxy hardware-aware search inside NNI's own experiments.

- :class:`OneProxyProfiler` (``profiler``): an ``nni.nas.profiler.Profiler`` whose value is the
  predicted proxy (or adapted target) latency of a sample, for NNI's ``Filter`` middleware and
  its one-shot ``RangeProfilerFilter`` / ``SampleProfilerPenalty``.
- :class:`OneProxyStrategy` and :class:`LatencyFilter` (``strategy``): a latency budget around
  any NNI strategy, the metric beside the proxy latency of every model, the proxy front and the
  per-target fronts after the experiment.
- :class:`FBNetModelSpace` (``fbnet_space``): FBNet as an NNI ``ModelSpace``.
- :func:`sample_to_arch_id` and :func:`find_mapping` (``hub``): samples of NNI's hub
  ``NasBench201``, ``ProxylessNAS`` and ``MobileNetV3Space`` (and of spaces labelled with a
  package space's parameters) as package architecture ids.
- :class:`OneProxyTuner` (``tuner``): an HPO tuner for architectures encoded as ``choice``
  parameters, usable by class name from an experiment config; :func:`load_proxy_predictor`
  fits the proxy predictor from a data directory's column (or loads a saved one).
- :class:`TabularEvaluator` (``benchmark``): an evaluator reading a table (NAS-Bench-201
  accuracies) instead of training, for fast, real NAS experiments on benchmarks.

NNI is an optional extra (``pip install 'oneproxy-plugins[nni]'``). ``import oneproxy_plugins``
never imports it; the names above import it on first use and raise an ``ImportError`` naming the
extra when it is missing.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["OneProxyProfiler", "OneProxyStrategy", "LatencyFilter", "ModelRecord", "FrontPoint",
           "FBNetModelSpace", "SampleMapping", "UnsupportedSampleError", "find_mapping",
           "list_mappings", "sample_to_arch_id", "OneProxyTuner", "load_proxy_predictor",
           "TabularEvaluator"]

_MODULE_OF = {
    "OneProxyProfiler": "profiler",
    "OneProxyStrategy": "strategy",
    "LatencyFilter": "strategy",
    "ModelRecord": "_front",
    "FrontPoint": "_front",
    "FBNetModelSpace": "fbnet_space",
    "SampleMapping": "hub",
    "UnsupportedSampleError": "hub",
    "find_mapping": "hub",
    "list_mappings": "hub",
    "sample_to_arch_id": "hub",
    "OneProxyTuner": "tuner",
    "load_proxy_predictor": "tuner",
    "TabularEvaluator": "benchmark",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from oneproxy_plugins.nni._compat import require_nni

    require_nni()  # the ImportError naming the extra, even for names that need no NNI
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
