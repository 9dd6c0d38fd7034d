"""oneproxy-plugins: one proxy device is enough for hardware-aware NAS.

Search once with a proxy device's latency, then serve every target device: the SRCC-based
proxy selector tells when a proxy's ranking carries over, and AdaProxy adapts the proxy's
latency predictor to a new device from a few measurements.
"""

from oneproxy_plugins.exceptions import (DataFormatError, InvalidArchitectureError,
                                         MeasurementError, NotFittedError, OneProxyError,
                                         UnknownDeviceError, UnknownNameError, UnknownSpaceError)
from oneproxy_plugins.latency import LatencyTable, load_data_dir
from oneproxy_plugins.spaces import BaseSpace, get_space, list_spaces

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "BaseSpace", "get_space", "list_spaces",
    "LatencyTable", "load_data_dir",
    "OneProxyError", "InvalidArchitectureError", "DataFormatError", "UnknownNameError",
    "UnknownSpaceError", "UnknownDeviceError", "MeasurementError", "NotFittedError",
]
