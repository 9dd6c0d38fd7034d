"""Latency sources: where a proxy's (or a target's) latency of an architecture comes from.

A latency source is anything with a ``space`` (a space name or instance) and
``predict(arch_ids) -> ms`` (:class:`LatencySource`): every predictor of
:mod:`oneproxy_plugins.predictors`, the adapters of :mod:`oneproxy_plugins.adaproxy`, and the
two sources here:

- :class:`TableLatency`: a measured column of a :class:`~oneproxy_plugins.latency.LatencyTable`
  looked up by id (tabular benchmarks such as NAS-Bench-201 on a published device);
- :class:`MeasuredLatency`: measured on this host when first asked, with
  :func:`oneproxy_plugins.measure.measure_archs`, and remembered;
- :class:`QuantileLatency`: a quantile of an adapter's predictive distribution instead of its
  point prediction, so a budget holds with that probability on the target.

:class:`LatencyCache` is the one validated cache in front of a source: the Optuna constraint
and objective, the NNI profiler and filter all ask a source through it, so each architecture is
predicted once and every answer is checked (one value per architecture, positive, finite).
Nothing here imports Optuna or NNI.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> ids = ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ...        "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"]
    >>> source = TableLatency(LatencyTable(ids, ["cpu"], np.array([1.0, 3.0]),
    ...                                    space="nasbench201"), "cpu")
    >>> source.predict(ids[::-1]).tolist()
    [3.0, 1.0]
    >>> LatencyCache(source).predict_one(ids[1])
    3.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from oneproxy_plugins._checks import check_choice, check_int, check_real
from oneproxy_plugins._transient import TransientState
from oneproxy_plugins.exceptions import UnknownDeviceError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["LatencySource", "source_space", "LatencyCache", "TableLatency", "MeasuredLatency",
           "QuantileLatency"]


@runtime_checkable
class LatencySource(Protocol):
    """What every consumer of latency needs: the space and a batch prediction in ms.

    ``space`` may be ``None`` for a source that does not know its space (a predictor fitted on
    features); consumers then take the space from their own argument.
    """

    space: Any

    def predict(self, X: Sequence[Any]) -> np.ndarray:  # noqa: N803 (scikit-learn's name)
        """Latency (ms) of each architecture (ids or values), shape ``(n,)``."""


def source_space(source: Any, space: str | BaseSpace | None = None, *,
                 name: str = "'latency' argument") -> BaseSpace:
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


class LatencyCache(TransientState):
    """A latency source's answers, checked and remembered by architecture id.

    Thread-safe; pickling keeps the remembered values and rebuilds the lock.

    Args:
        source: The latency source.
        space: Its space, when the source does not say (checked against it otherwise).
        max_size: Forget everything once this many ids are remembered (a long study over a
            huge space must not grow without bound); ``None``: never.
        allow_missing: NaN answers (a table that has no value for an architecture) pass and
            are remembered; otherwise they are an error like any other bad value.
        name: What the source is, in messages.

    Raises:
        TypeError: ``source`` has no ``predict``.
        ValueError: A space mismatch, or no space at all.
    """

    def __init__(self, source: Any, space: str | BaseSpace | None = None, *,
                 max_size: int | None = 65536, allow_missing: bool = False,
                 name: str = "'latency' argument") -> None:
        self.space = source_space(source, space, name=name)
        self.source = source
        self.max_size = check_int("max_size", max_size, 1, allow_none=True)
        self.allow_missing = bool(allow_missing)
        self._values: dict[str, float] = {}
        self._init_transient()

    def __repr__(self) -> str:
        return (f"LatencyCache({type(self.source).__name__}, space={self.space.name!r}, "
                f"n_cached={len(self)})")

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, arch_id: object) -> bool:
        return arch_id in self._values

    def get(self, arch_id: str) -> float | None:
        """The remembered latency (ms) of an id, ``None`` when not asked yet."""
        return self._values.get(arch_id)

    def arch_id(self, arch: Any) -> str:
        """The canonical id of an architecture given as an id or a value."""
        return arch if isinstance(arch, str) else self.space.to_id(arch)

    def predict(self, archs: Sequence[Any]) -> np.ndarray:
        """Latencies (ms) of architectures (ids or values), shape ``(n,)``; the source is asked
        once, for the ones not remembered.

        Raises:
            ValueError: The source gave the wrong number of values, or a value that is not a
                positive, finite number of milliseconds (the architecture is named).
        """
        ids = [self.arch_id(a) for a in archs]
        with self._lock:  # held while the source is asked: concurrent trials ask it in turn
            todo = list(dict.fromkeys(i for i in ids if i not in self._values))
            if todo:
                values = self._ask(todo)
                if self.max_size is not None and len(self._values) + len(todo) > self.max_size:
                    self._values.clear()
                self._values.update(zip(todo, values.tolist()))
            return np.array([self._values[i] for i in ids], dtype=np.float64)

    def predict_one(self, arch: Any) -> float:
        """Latency (ms) of one architecture (id or value)."""
        arch_id = self.arch_id(arch)
        value = self._values.get(arch_id)
        return float(self.predict([arch_id])[0]) if value is None else float(value)

    def _ask(self, ids: list[str]) -> np.ndarray:
        raw = np.asarray(self.source.predict(ids), dtype=np.float64)
        who = f"{type(self.source).__name__}.predict"
        if raw.shape not in ((len(ids),), (len(ids), 1)):
            raise ValueError(f"{who} returned shape {raw.shape} for {len(ids)} architectures; "
                             "it must return one latency per architecture.")
        raw = raw.ravel()
        bad = ~(np.isfinite(raw) & (raw > 0))
        if self.allow_missing:
            bad &= ~np.isnan(raw)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{who} gave {float(raw[i])!r} ms for {ids[i]!r}; a latency must be "
                             "positive and finite.")
        return raw


class QuantileLatency:
    """A quantile of a predictor's predictive distribution as a latency source.

    ``LatencyConstraint(QuantileLatency(adapter, 0.9), max_ms=20)`` keeps architectures whose
    target latency is within 20 ms with probability 0.9 under the adapter's model, rather than
    those predicted at 20 ms or less, about half of which run slower. The same source serves
    every consumer of latency (the Optuna constraint and objective, the NNI filter).

    Args:
        predictor: A fitted predictor with ``predict_quantile(X, q)`` and a ``space``
            (:class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor`,
            :class:`~oneproxy_plugins.adaproxy.BestProxyPredictor`).
        q: The probability, in (0, 1); 0.5 is the point prediction.

    Raises:
        TypeError: ``predictor`` has no ``predict_quantile``.
        ValueError: ``q`` outside (0, 1).

    Example:
        >>> import numpy as np
        >>> from oneproxy_plugins.adaproxy import AdaProxyPredictor
        >>> from oneproxy_plugins.spaces import get_space
        >>> space = get_space("nasbench201")
        >>> ids = [space.to_id(a) for a in space.sample_many(200, rng=0)]
        >>> x = space.encode_many(ids)
        >>> pool = LatencyTable(ids, ["cpu"], 1 + x[:, 30:] @ [0.0, 0.1, 1, 2, 0.5],
        ...                     space="nasbench201")
        >>> target = 2 + x[:, 30:] @ [0.0, 0.3, 1, 1, 0.5]
        >>> model = AdaProxyPredictor(pool).fit(ids[:10], target[:10])
        >>> slow = QuantileLatency(model, 0.9).predict(ids[10:20])
        >>> bool((slow > model.predict(ids[10:20])).all())
        True
    """

    def __init__(self, predictor: Any, q: float) -> None:
        if not callable(getattr(predictor, "predict_quantile", None)):
            raise TypeError(f"QuantileLatency needs a predictor with predict_quantile(X, q) "
                            f"(AdaProxyPredictor, BestProxyPredictor); got "
                            f"{type(predictor).__name__}.")
        self.q = check_real("q", q, low=0.0, high=1.0, low_open=True, high_open=True)
        self.predictor = predictor
        self.space = getattr(predictor, "space", None)

    def __repr__(self) -> str:
        return f"QuantileLatency({type(self.predictor).__name__}, q={self.q:g})"

    def predict(self, X: Sequence[Any]) -> np.ndarray:  # noqa: N803 (scikit-learn's name)
        """The ``q`` quantile of each architecture's target latency (ms), shape ``(n,)``."""
        return np.asarray(self.predictor.predict_quantile(list(X), self.q), dtype=np.float64)


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
        check_choice("missing", missing, ("raise", "nan"))
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

    Wraps :func:`oneproxy_plugins.measure.measure_archs` (interleaved rounds beside a reference
    network; normalised milliseconds) and remembers every result, so a study never measures an
    architecture twice. Thread-safe: concurrent trials measure one at a time, which also keeps
    them from disturbing each other's timings. Measuring needs the ``[measure]`` extra
    (PyTorch), and ``[onnx]`` for ONNX Runtime devices.

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
