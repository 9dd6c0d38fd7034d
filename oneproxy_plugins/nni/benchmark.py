"""An NNI evaluator that scores sampled models by looking them up in a table (no training).

:class:`TabularEvaluator` plays the role of NNI's ``NasBench201Benchmark`` on the plain CSV
tables of a data directory (``<dir>/nasbench201/accuracy.csv``): the sample is mapped to the
package architecture id (:mod:`oneproxy_plugins.nni.hub`) and its value reported with
``nni.report_final_result``. Like NNI's benchmark evaluators it reads ``model.sample`` and never
builds the network, so a NAS-Bench-201 experiment runs in seconds. (NNI 3.0's own
``nni.nas.benchmark`` cannot be imported without the optional ``peewee`` and its database.)

Use it with the sequential engine (``NasExperimentConfig("sequential", ...)``): the evaluator
holds the table in memory and is not serialised for remote trials.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> ids = ["|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ...        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"]
    >>> table = LatencyTable(ids, ["cifar10"], np.array([80.0, 10.0]), space="nasbench201")
    >>> evaluator = TabularEvaluator(table, "cifar10")
    >>> evaluator.evaluate({"edge_0_1": "nor_conv_3x3", "edge_0_2": "none", "edge_1_2": "none",
    ...                     "edge_0_3": "none", "edge_1_3": "none", "edge_2_3": "none"})
    80.0
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

from oneproxy_plugins.exceptions import InvalidArchitectureError, UnknownDeviceError
from oneproxy_plugins.latency import LatencyTable, load_accuracy
from oneproxy_plugins.nni._compat import require_nni
from oneproxy_plugins.spaces import BaseSpace, get_space

require_nni()

import nni  # noqa: E402
from nni.nas.evaluator import Evaluator  # noqa: E402

from oneproxy_plugins.nni.hub import SampleMapping, find_mapping  # noqa: E402

__all__ = ["TabularEvaluator"]


class TabularEvaluator(Evaluator):
    """Report a table's value (e.g. test accuracy) of each sampled architecture.

    Args:
        table: Values per architecture id (rows) and column, e.g. from
            :func:`~oneproxy_plugins.latency.load_accuracy`.
        column: The column to report, e.g. ``"cifar10"``.
        space: Package space of the table's ids (default: ``table.space``).
        resolution: Input resolution for MobileNetV3Space samples (default 224).

    Raises:
        UnknownDeviceError: ``column`` is not a column of the table.
        ValueError: Neither ``table.space`` nor ``space`` names the space.
    """

    def __init__(self, table: LatencyTable, column: str, *, space: str | BaseSpace | None = None,
                 resolution: int | None = None) -> None:
        if not isinstance(table, LatencyTable):
            raise TypeError(f"The 'table' argument must be a LatencyTable; got "
                            f"{type(table).__name__}.")
        if column not in table:
            raise UnknownDeviceError(column, table.devices)
        space = space if space is not None else table.space
        if space is None:
            raise ValueError("The table has no space; pass space=<name>.")
        self.table = table
        self.column = column
        self.space = get_space(space)
        self.resolution = resolution
        self._values = table.column(column)
        self._mapping: SampleMapping | None = None

    @classmethod
    def from_data_dir(cls, data_dir: str | os.PathLike, space: str | BaseSpace = "nasbench201",
                      column: str = "cifar10", **kwargs: Any) -> TabularEvaluator:
        """Evaluator of ``<data_dir>/<space>/accuracy.csv`` (percent), e.g. NAS-Bench-201's."""
        return cls(load_accuracy(data_dir, space), column, space=space, **kwargs)

    def extra_repr(self) -> str:
        return f"space={self.space.name!r}, column={self.column!r}, rows={len(self.table)}"

    def value_of(self, sample: Mapping[str, Any]) -> float:
        """The table's value of a sample's architecture, without reporting it.

        Raises:
            UnsupportedSampleError: The sample's labels match no supported space.
            InvalidArchitectureError: The architecture has no (finite) value in the table.
        """
        if self._mapping is None or self._mapping.match(sample) is None:
            self._mapping = find_mapping(sample, self.space)
        arch_id = self._mapping.arch_id(sample, resolution=self.resolution)
        try:
            value = float(self._values[self.table.row_of(arch_id)])
        except LookupError:
            raise InvalidArchitectureError(
                f"{arch_id!r} is not in the table ({len(self.table)} {self.space.name} rows).") \
                from None
        if not math.isfinite(value):
            raise InvalidArchitectureError(f"{arch_id!r} has no {self.column!r} value in the "
                                           "table (NaN).")
        return value

    def evaluate(self, sample: Mapping[str, Any]) -> float:
        """Look a sample up and report it with ``nni.report_final_result`` inside a trial.

        Args:
            sample: ``{label: value}`` (NNI's ``model.sample``).

        Returns:
            The value, a float.
        """
        value = self.value_of(sample)
        if nni.get_current_parameter() is not None:  # inside an NNI trial
            nni.report_final_result(value)
        return value

    def _execute(self, model: Any) -> float:
        # NNI's hook for evaluators that need no network (its BenchmarkEvaluator does the same):
        # read the sample instead of instantiating the model.
        if model.sample is None:
            raise ValueError("TabularEvaluator needs a sampled model (model.sample is None).")
        return self.evaluate(model.sample)
