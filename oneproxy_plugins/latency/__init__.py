"""Latency data: :class:`LatencyTable`, data-directory readers and published-format loaders."""

from oneproxy_plugins.latency.datadir import (describe_data_dir, load_accuracy, load_architectures,
                                              load_data_dir)
from oneproxy_plugins.latency.loaders import (BaseLoader, get_loader, list_loaders, load_eagle,
                                              load_help, load_hwnasbench, load_oneproxy)
from oneproxy_plugins.latency.table import LatencyTable, parse_latency

__all__ = ["LatencyTable", "parse_latency", "load_data_dir", "load_architectures",
           "load_accuracy", "describe_data_dir", "BaseLoader", "get_loader", "list_loaders",
           "load_help", "load_hwnasbench", "load_oneproxy", "load_eagle"]
