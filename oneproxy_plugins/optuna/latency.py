"""Latency sources: where a trial's proxy (or target) latency comes from.

Anything with a ``space`` (a space name or instance) and ``predict(arch_ids) -> ms`` is a
latency source: every predictor of :mod:`oneproxy_plugins.predictors`,
:class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor`, and the two sources here:

- :class:`TableLatency`: a measured column of a :class:`~oneproxy_plugins.latency.LatencyTable`
  looked up by id (tabular benchmarks such as NAS-Bench-201 on a published device);
- :class:`MeasuredLatency`: measured on this host when first asked, with
  :func:`oneproxy_plugins.measure.run.measure_archs`, and remembered.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> ids = ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ...        "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"]
    >>> source = TableLatency(LatencyTable(ids, ["cpu"], np.array([1.0, 3.0]),
    ...                                    space="nasbench201"), "cpu")
    >>> source.predict(ids[::-1]).tolist()
    [3.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins.exceptions import UnknownDeviceError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.optuna._transient import TransientState
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["TableLatency", "MeasuredLatency", "source_space", "predict_one"]


def source_space(source: Any, space: str | BaseSpace | None = None, *,
                 name: str = "'predictor' argument") -> BaseSpace:
    """The space of a latency source, checked against ``space`` when both are known.

    Args:
        source: A latency source (``predict`` and ``space``).
        space: The space it must belong to, or ``None`` to take the source's.
        name: What the source is, in messages (e.g. ``"'latency' argument"``).

    Returns:
        The space instance.

    Raises:
        TypeError: ``source`` has no ``predict`` method.
        ValueError: The source belongs to another space, or neither gives a space.
    """
    if not callable(getattr(source, "predict", None)):
        raise TypeError(f"The {name} must have a predict(arch_ids) -> ms method (a "
                        f"latency predictor, AdaProxyPredictor, TableLatency or MeasuredLatency); "
                        f"got {type(source).__name__}.")
    own = getattr(source, "space", None)
    own_space = get_space(own) if own is not None else None
    wanted = get_space(space) if space is not None else None
    if own_space is not None and wanted is not None and own_space.name != wanted.name:
        raise ValueError(f"The {name} predicts latencies of space {own_space.name!r} but the "
                         f"search space is {wanted.name!r}; use a predictor fitted on "
                         f"{wanted.name!r} architectures.")
    result = wanted or own_space
    if result is None:
        raise ValueError(f"The {name} has no 'space'; pass space=<name> as well.")
    return result


def predict_one(source: Any, arch_id: str) -> float:
    """One architecture's latency (ms) from a source, checked positive and finite."""
    value = float(np.asarray(source.predict([arch_id]), dtype=np.float64).ravel()[0])
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{type(source).__name__} gave {value!r} ms for {arch_id!r}; a latency "
                         "must be positive and finite.")
    return value


class TableLatency:
    """One device's measured latencies, looked up by architecture id.

    Args:
        table: A latency table of the space (its ``space`` is used unless ``space`` is given).
        device: The column to read.
        space: The table's space, when ``table.space`` is not set.
        missing: What :meth:`predict` does for an architecture without a measurement:
            ``"raise"`` a ``KeyError``, or give ``"nan"`` (a device measured on a subset; the
            plugin records nothing for such a trial).

    Raises:
        UnknownDeviceError: ``device`` is not a column of ``table``.
        ValueError: Neither the table nor ``space`` names a space, or a bad ``missing``.
    """

    def __init__(self, table: LatencyTable, device: str, *,
                 space: str | BaseSpace | None = None, missing: str = "raise") -> None:
        if not isinstance(table, LatencyTable):
            raise TypeError(f"The 'table' argument must be a LatencyTable; got "
                            f"{type(table).__name__}.")
        if device not in table:
            raise UnknownDeviceError(device, table.devices)
        if missing not in ("raise", "nan"):
            raise ValueError(f"The 'missing' argument must be 'raise' or 'nan'; got {missing!r}.")
        space = space if space is not None else table.space
        if space is None:
            raise ValueError("The table has no space; pass space=<name>.")
        self.space = get_space(space).name
        self.device = device
        self.missing = missing
        column = table.column(device)
        self._ms = {a: float(v) for a, v in zip(table.archs, column) if np.isfinite(v)}

    def __repr__(self) -> str:
        return (f"TableLatency(device={self.device!r}, space={self.space!r}, "
                f"n_archs={len(self._ms)})")

    def predict(self, X: Sequence[Any]) -> np.ndarray:  # noqa: N803 (scikit-learn's name)
        """Measured latency (ms) of each architecture (ids or values), shape ``(n,)``.

        Raises:
            KeyError: An architecture has no measurement on the device (``missing="raise"``).
        """
        space = get_space(self.space)
        out = np.empty(len(X))
        for i, arch in enumerate(X):
            ms = self._ms.get(arch) if isinstance(arch, str) else None
            if ms is None:
                arch_id = space.canonical_id(arch)
                ms = self._ms.get(arch_id)
                if ms is None and self.missing == "nan":
                    ms = np.nan
                elif ms is None:
                    raise KeyError(f"Architecture {arch_id!r} has no {self.device!r} "
                                   "measurement in the table.")
            out[i] = ms
        return out


class MeasuredLatency(TransientState):
    """Latency measured on this host the first time an architecture is asked for.

    Wraps :func:`oneproxy_plugins.measure.run.measure_archs` (interleaved rounds beside a
    reference network; normalised milliseconds) and remembers every result, so a study never
    measures an architecture twice. Thread-safe: concurrent trials measure one at a time,
    which also keeps them from disturbing each other's timings.

    Args:
        space: The search space or its name.
        device: Device spec, e.g. ``"cpu-torch-t1-b1"`` (see :mod:`oneproxy_plugins.measure`).
        build_cfg: Keyword arguments of ``space.build`` (e.g. ``{"C": 8, "N": 1}``).
        **measure_kwargs: Further arguments of ``measure_archs`` (``n_rounds``, ``budget_s``,
            ``out`` and ``resume`` for a results file that survives restarts, ...).

    Every call to ``measure_archs`` times its architectures beside the same reference network;
    their ratios to it are scaled by the reference's level of the first call, so latencies
    measured in different trials share one scale.

    Attributes:
        measured_: ``{arch_id: ms}`` of everything measured so far.
        reference_ms_: The reference network's level that scales every ratio (ms).
    """

    def __init__(self, space: str | BaseSpace, device: str = "cpu-torch-t1-b1", *,
                 build_cfg: Mapping[str, Any] | None = None, **measure_kwargs: Any) -> None:
        self.space = get_space(space).name
        self.device = device
        self.build_cfg = dict(build_cfg or {})
        self.measure_kwargs = measure_kwargs
        self.measured_: dict[str, float] = {}
        self.reference_ms_: float | None = None
        self._init_transient()

    def __repr__(self) -> str:
        return (f"MeasuredLatency(space={self.space!r}, device={self.device!r}, "
                f"n_measured={len(self.measured_)})")

    def predict(self, X: Sequence[Any]) -> np.ndarray:  # noqa: N803
        """Latency (ms) of each architecture, measuring the ones not measured yet.

        Raises:
            MeasurementError: An architecture failed to build or run (the reason is given).
        """
        from oneproxy_plugins.exceptions import MeasurementError
        from oneproxy_plugins.measure.run import measure_archs

        space = get_space(self.space)
        ids = [space.canonical_id(a) for a in X]
        with self._lock:
            missing = list(dict.fromkeys(a for a in ids if a not in self.measured_))
            if missing:
                kwargs = {"progress": False, **self.measure_kwargs}
                run = measure_archs(space, missing, self.device, build_cfg=self.build_cfg,
                                    **kwargs)
                if self.reference_ms_ is None and np.isfinite(run.reference_ms):
                    self.reference_ms_ = float(run.reference_ms)
                for arch_id in missing:
                    result = run.results.get(arch_id)
                    ratio = getattr(result, "ratio", float("nan"))
                    if result is None or result.status != "ok" or not ratio > 0:
                        reason = getattr(result, "error", "") or "no result"
                        raise MeasurementError(f"Measuring {arch_id!r} on {self.device!r} "
                                               f"failed: {reason}.")
                    self.measured_[arch_id] = float(ratio) * self.reference_ms_
            return np.array([self.measured_[a] for a in ids])
