"""oneproxy-plugins: one proxy device is enough for hardware-aware NAS.

Search once with a proxy device's latency, then serve every target device: the SRCC-based
proxy selector tells when a proxy's ranking carries over, and AdaProxy adapts the proxy's
latency knowledge to a new device from a few measurements.

The names below are the public facade; the heavier ones (estimators, measurement) are imported
on first access, and the Optuna and NNI integrations live in ``oneproxy_plugins.optuna`` and
``oneproxy_plugins.nni``.

Example:
    >>> import oneproxy_plugins as op
    >>> op.get_space("nasbench201").size
    15625
"""

from __future__ import annotations

from oneproxy_plugins._imports import lazy_attributes
from oneproxy_plugins.exceptions import (DataFormatError, InvalidArchitectureError,
                                         MeasurementError, OneProxyError, UnknownDeviceError,
                                         UnknownNameError, UnknownSpaceError)
from oneproxy_plugins.latency import LatencyTable, load_data_dir
from oneproxy_plugins.spaces import BaseSpace, get_space, list_spaces

__version__ = "0.1.0"

_LAZY = {
    "NotFittedError": "oneproxy_plugins.exceptions",
    "AdaProxyPredictor": "oneproxy_plugins.adaproxy",
    "AdaProxyPaper": "oneproxy_plugins.adaproxy",
    "ProxyPool": "oneproxy_plugins.adaproxy",
    "select_samples": "oneproxy_plugins.sampling",
    "srcc": "oneproxy_plugins.monotonicity",
    "srcc_matrix": "oneproxy_plugins.monotonicity",
    "select_proxy": "oneproxy_plugins.monotonicity",
    "RidgePredictor": "oneproxy_plugins.predictors",
    "get_predictor": "oneproxy_plugins.predictors",
    "save_predictor": "oneproxy_plugins.predictors",
    "load_predictor": "oneproxy_plugins.predictors",
    "measure_archs": "oneproxy_plugins.measure",
    "DeviceSpec": "oneproxy_plugins.measure",
}

__all__ = [
    "__version__",
    "BaseSpace", "get_space", "list_spaces",
    "LatencyTable", "load_data_dir",
    "OneProxyError", "InvalidArchitectureError", "DataFormatError", "UnknownNameError",
    "UnknownSpaceError", "UnknownDeviceError", "MeasurementError",
    *_LAZY,
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
