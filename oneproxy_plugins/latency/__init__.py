"""Latency data: :class:`LatencyTable`, data-directory readers, published-format loaders, and
the latency sources every host asks (:mod:`oneproxy_plugins.latency.sources`)."""

from oneproxy_plugins.latency.datadir import (describe_data_dir, load_accuracy, load_architectures,
                                              load_data_dir, load_tabular)
from oneproxy_plugins.latency.loaders import (BaseLoader, get_loader, list_loaders, load_eagle,
                                              load_help, load_hwnasbench, load_oneproxy)
from oneproxy_plugins.latency.sources import (LatencyCache, LatencySource, MeasuredLatency,
                                              TableLatency, source_space)
from oneproxy_plugins.latency.table import LatencyTable, parse_latency

__all__ = ["LatencyTable", "parse_latency", "load_data_dir", "load_architectures",
           "load_accuracy", "describe_data_dir", "BaseLoader", "get_loader", "list_loaders",
           "load_help", "load_hwnasbench", "load_oneproxy", "load_eagle", "load_tabular",
           "LatencySource", "TableLatency", "MeasuredLatency", "LatencyCache", "source_space"]
