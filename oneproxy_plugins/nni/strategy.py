"""One-proxy hardware-aware search inside an NNI experiment.

:class:`OneProxyStrategy` wraps any NNI multi-trial strategy (``RegularizedEvolution``,
``Random``, ``TPE``, ``PolicyBasedRL``, ...): it is NNI's ``Chain`` of that strategy and a
:class:`LatencyFilter`, so the user's experiment changes by one line::

    strategy = OneProxyStrategy(RegularizedEvolution(), proxy_predictor, max_ms=8.0)
    NasExperiment(model_space, evaluator, strategy, config).run()

Every model the strategy submits gets its proxy latency from the sample
(:class:`~oneproxy_plugins.nni.profiler.OneProxyProfiler`); a model over ``max_ms`` is never
trained (NNI marks it ``Invalid``, like its own ``Filter``), the others are trained by the
evaluator. The strategy records the evaluator's metric beside the proxy latency of every model
(:attr:`OneProxyStrategy.records`), keeps the two-objective front (:meth:`pareto_front`), and
after the experiment gives the front of every target device from its adapted predictor
(:meth:`target_fronts`): one search on the proxy serves every target, as the paper shows.

NNI's ``Filter`` ends a run quietly after ``patience`` rejections in a row (1000 by default);
:class:`LatencyFilter` logs a warning when that happens, since it means the budget is too tight
for the strategy to find models under it.

Example:
    See ``examples/nni_nasbench201.py`` and ``docs/nni.md``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from oneproxy_plugins._checks import check_int, check_max_ms
from oneproxy_plugins._deprecation import renamed_arguments, warn_renamed_name
from oneproxy_plugins.latency.sources import source_space
from oneproxy_plugins.nni._compat import require_nni
from oneproxy_plugins.nni._front import (FrontPoint, ModelRecord, check_mode, fronts_by_target,
                                         pareto_points, plain)
from oneproxy_plugins.spaces import BaseSpace

require_nni()

from nni.nas.execution import ExecutionEngine  # noqa: E402
from nni.nas.execution.event import ModelEventType, TrainingEndEvent  # noqa: E402
from nni.nas.space import ExecutableModelSpace  # noqa: E402
from nni.nas.strategy import Strategy  # noqa: E402
from nni.nas.strategy.middleware import Chain, Filter  # noqa: E402

from oneproxy_plugins.nni.profiler import OneProxyProfiler  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["OneProxyStrategy", "LatencyFilter", "ModelRecord", "FrontPoint"]


class LatencyFilter(Filter):
    """NNI ``Filter`` middleware that keeps models within a proxy-latency budget and records
    the proxy latency and the evaluator's metric of every submitted model.

    Use it in NNI's ``Chain`` around any strategy (``Chain(strategy, LatencyFilter(...))``), or
    through :class:`OneProxyStrategy`, which adds the fronts.

    Args:
        latency: The proxy's latency source (a fitted predictor, ``predict(arch_ids) -> ms``),
            or a ready :class:`~oneproxy_plugins.nni.profiler.OneProxyProfiler`. Formerly
            ``predictor``.
        max_ms: Models whose proxy latency exceeds this are rejected (``None``: record only).
            Formerly ``budget_ms``; the old names still work with a ``FutureWarning``.
        space: Package space of the predictor when it does not say.
        resolution: Input resolution for MobileNetV3Space samples (default 224).
        patience: Rejections in a row after which NNI's ``Filter`` reports no budget left and
            the run ends (logged as a warning here).
        metric_for_invalid: Metric NNI reports to the strategy for a rejected model (``None``:
            none, the strategy sees an ``Invalid`` model).

    Attributes:
        profiler: The :class:`~oneproxy_plugins.nni.profiler.OneProxyProfiler` (set when the
            middleware gets its model space).
        records: :class:`ModelRecord` of every submitted model, in submission order. They are
            part of NNI's checkpoint (:meth:`state_dict`): a resumed experiment keeps them, and
            so its fronts.
    """

    @renamed_arguments(predictor="latency", budget_ms="max_ms")
    def __init__(self, latency: Any, max_ms: float | None = None, *,
                 space: str | BaseSpace | None = None, resolution: int | None = None,
                 patience: int = 1000, metric_for_invalid: float | None = None) -> None:
        patience = check_int("patience", patience, 1)
        super().__init__(self._admit, metric_for_invalid=metric_for_invalid, patience=patience,
                         retain_history=True)
        self.max_ms = check_max_ms("max_ms", max_ms, allow_none=True)
        if isinstance(latency, OneProxyProfiler):
            self.profiler: OneProxyProfiler | None = latency
            self.space = latency.space
        else:
            self.profiler = None
            self.space = source_space(latency, space)
        self.latency = latency
        self.resolution = resolution
        self.records: list[ModelRecord] = []
        self._by_model: dict[int, ModelRecord] = {}
        self._warned_patience = False

    @property
    def budget_ms(self) -> float | None:
        """Deprecated name of :attr:`max_ms`."""
        warn_renamed_name("LatencyFilter.budget_ms", "LatencyFilter.max_ms")
        return self.max_ms

    def extra_repr(self) -> str:
        return f"space={self.space.name!r}, max_ms={self.max_ms}"

    # ------------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        """NNI's ``Filter`` state plus every record in plain Python types (JSON-able, and
        loadable by NNI's torch serializer with ``weights_only``), so a resumed experiment
        keeps its fronts."""
        return {**super().state_dict(),
                "oneproxy_records": [plain(dataclasses.asdict(r)) for r in self.records]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what :meth:`state_dict` wrote (a checkpoint without records loads none)."""
        super().load_state_dict(state_dict)
        self.records = [ModelRecord(**dict(r)) for r in state_dict.get("oneproxy_records", ())]
        self._by_model.clear()

    # ------------------------------------------------------------------- NNI hooks
    def _initialize_model_space(self, model_space: ExecutableModelSpace) -> ExecutableModelSpace:
        model_space = super()._initialize_model_space(model_space)
        if self.profiler is None:
            self.profiler = OneProxyProfiler(model_space, self.latency, space=self.space,
                                             resolution=self.resolution)
        return model_space

    def _initialize_engine(self, engine: ExecutionEngine) -> None:
        super()._initialize_engine(engine)
        engine.register_model_event_callback(ModelEventType.TrainingEnd, self._on_training_end)

    def _cleanup(self) -> None:
        self.engine.unregister_model_event_callback(ModelEventType.TrainingEnd,
                                                    self._on_training_end)
        super()._cleanup()

    def unregister_model_event_callback(self, event_type: ModelEventType, callback: Any) -> None:
        # NNI 3.0's Filter registers the callback again here instead of removing it.
        ExecutionEngine.unregister_model_event_callback(self, event_type, callback)
        self.engine.unregister_model_event_callback(event_type, callback)

    def budget_available(self) -> bool:
        if self._filter_count_patience >= self.patience and not self._warned_patience:
            self._warned_patience = True
            logger.warning("%d models in a row exceeded the proxy-latency budget of %.4g ms, so "
                           "NNI ends the search here (%d models trained); loosen max_ms or "
                           "raise patience.", self._filter_count_patience, self.max_ms,
                           sum(r.status == "trained" for r in self.records))
        return super().budget_available()

    # ------------------------------------------------------------------- recording
    def _admit(self, model: ExecutableModelSpace) -> bool:
        if self.profiler is None:
            raise RuntimeError("LatencyFilter has no model space yet; use it inside Chain (or "
                               "OneProxyStrategy) run by an NNI experiment.")
        if model.sample is None:
            raise ValueError(f"LatencyFilter needs sampled models; {model!r} has no sample.")
        arch_id = self.profiler.arch_id(model.sample)
        latency = float(self.profiler.latency_of([arch_id])[0])
        ok = self.max_ms is None or latency <= self.max_ms
        record = ModelRecord(arch_id, dict(model.sample), latency, ok,
                             status="submitted" if ok else "invalid")
        self.records.append(record)
        if ok:  # a rejected model never reaches the engine, so no TrainingEnd comes from there
            self._by_model[id(model)] = record
        return ok

    def _on_training_end(self, event: TrainingEndEvent) -> None:
        record = self._by_model.pop(id(event.model), None)
        if record is None:
            return
        record.status = getattr(event.status, "value", str(event.status))
        metric = event.model.metric
        record.metric = None if metric is None else float(metric)
        logger.info("Model %s: metric %s, proxy latency %.4g ms (%s).", record.arch_id,
                    "none" if metric is None else f"{metric:.6g}", record.latency_ms,
                    record.status)


class OneProxyStrategy(Chain):
    """Latency-aware search with one proxy device around any NNI multi-trial strategy.

    Args:
        strategy: The NNI strategy that proposes models, e.g. ``RegularizedEvolution()``.
        latency: The proxy's latency source (``predict(arch_ids) -> ms`` and ``space``), e.g. a
            :class:`~oneproxy_plugins.predictors.RidgePredictor` fitted on the proxy. Formerly
            ``predictor``.
        max_ms: Proxy-latency budget; models over it are not trained (``None``: no budget,
            only recording). Formerly ``budget_ms``; the old names still work with a
            ``FutureWarning``.
        targets: Target devices' latency predictors by name (e.g.
            :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` adapted from a few
            measurements), used by :meth:`target_fronts`.
        space: Package space of the predictor when it does not say.
        resolution: Input resolution for MobileNetV3Space samples (default 224).
        optimize_mode: Whether the fronts ``"maximize"`` (accuracy) or ``"minimize"`` (loss)
            the evaluator's metric (NNI's strategies themselves always maximise it).
        patience: Rejections in a row after which the run ends (NNI's ``Filter`` patience).

    Attributes:
        filter: The :class:`LatencyFilter` middleware.

    Raises:
        ValueError: A bad budget, mode or patience, or a predictor of another space.
    """

    @renamed_arguments(predictor="latency", budget_ms="max_ms")
    def __init__(self, strategy: Strategy, latency: Any, *, max_ms: float | None = None,
                 targets: Mapping[str, Any] | None = None, space: str | BaseSpace | None = None,
                 resolution: int | None = None, optimize_mode: str = "maximize",
                 patience: int = 1000) -> None:
        self.optimize_mode = check_mode(optimize_mode)
        self.filter = LatencyFilter(latency, max_ms, space=space, resolution=resolution,
                                    patience=patience)
        self.targets: dict[str, Any] = {}
        for name, target in (targets or {}).items():
            self.add_target(name, target)
        super().__init__(strategy, self.filter)

    def extra_repr(self) -> str:
        return (f"{self._strategy!r}, space={self.filter.space.name!r}, "
                f"max_ms={self.filter.max_ms}, targets={sorted(self.targets)}")

    @property
    def max_ms(self) -> float | None:
        """The proxy-latency budget (ms), ``None`` when unbounded."""
        return self.filter.max_ms

    @property
    def budget_ms(self) -> float | None:
        """Deprecated name of :attr:`max_ms`."""
        warn_renamed_name("OneProxyStrategy.budget_ms", "OneProxyStrategy.max_ms")
        return self.filter.max_ms

    @property
    def records(self) -> list[ModelRecord]:
        """Every submitted model with its proxy latency, status and metric."""
        return self.filter.records

    def add_target(self, name: str, predictor: Any) -> None:
        """Register (or replace) a target device's latency predictor for :meth:`target_fronts`.

        Raises:
            ValueError: ``name`` is empty or the predictor belongs to another space.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"A target name must be a non-empty str; got {name!r}.")
        source_space(predictor, self.filter.space, name=f"targets[{name!r}]")
        self.targets[name] = predictor

    def pareto_front(self) -> list[FrontPoint]:
        """Non-dominated trained models by metric and proxy latency, fastest first."""
        return pareto_points(self.records, maximize=self.optimize_mode == "maximize")

    @renamed_arguments(budgets_ms="max_ms")
    def target_fronts(self, targets: Mapping[str, Any] | None = None, *,
                      max_ms: Mapping[str, float] | None = None) -> dict[str, list[FrontPoint]]:
        """The front of every target device among the models this search trained.

        Args:
            targets: Predictors by target name (default: those given at construction and
                with :meth:`add_target`).
            max_ms: Optional latency budget per target, ``{name: ms}``; slower models are left
                out of that target's front. Formerly ``budgets_ms``.

        Returns:
            ``{target: [FrontPoint, ...]}``, each front fastest first, latencies in the
            target's milliseconds.

        Raises:
            ValueError: No targets, a predictor of another space, or a bad budget.
        """
        for name, target in (targets or {}).items():
            source_space(target, self.filter.space, name=f"targets[{name!r}]")
        return fronts_by_target(self.records, self.targets if targets is None else targets,
                                maximize=self.optimize_mode == "maximize", max_ms=max_ms)
