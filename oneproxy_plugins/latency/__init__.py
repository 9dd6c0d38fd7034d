"""Latency data: :class:`LatencyTable`, data-directory readers and writers, published-format
loaders and importers, and the latency sources every host asks
(:mod:`oneproxy_plugins.latency.sources`)."""

from oneproxy_plugins.latency.datadir import (describe_data_dir, load_accuracy, load_architectures,
                                              load_data_dir, load_tabular)
from oneproxy_plugins.latency.importers import (ImportResult, add_measured, add_to_data_dir,
                                                import_published, load_nats_accuracy)
from oneproxy_plugins.latency.loaders import (BaseLoader, get_loader, list_loaders, load_eagle,
                                              load_help, load_hwnasbench, load_oneproxy)
from oneproxy_plugins.latency.sources import (LatencyCache, LatencySource, MeasuredLatency,
                                              QuantileLatency, TableLatency, source_space)
from oneproxy_plugins.latency.table import LatencyTable, parse_latency

__all__ = ["LatencyTable", "parse_latency", "load_data_dir", "load_architectures",
           "load_accuracy", "describe_data_dir", "import_published", "add_measured",
           "add_to_data_dir", "load_nats_accuracy", "ImportResult", "BaseLoader", "get_loader",
           "list_loaders", "load_help", "load_hwnasbench", "load_oneproxy", "load_eagle", "load_tabular",
           "LatencySource", "TableLatency", "MeasuredLatency", "QuantileLatency", "LatencyCache",
           "source_space"]
