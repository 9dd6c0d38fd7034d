"""An NNI profiler whose value is the predicted proxy (or adapted target) latency of a sample.

:class:`OneProxyProfiler` subclasses NNI's ``nni.nas.profiler.Profiler``: built once with the
model space, ``profile(sample)`` returns milliseconds. It maps the sample to this package's
architecture id (:mod:`oneproxy_plugins.nni.hub`) and asks a latency predictor, so it works on
spaces NNI's FLOPs and nn-Meter profilers cannot trace, and costs one dict lookup per repeated
architecture. Use it where NNI uses its own profilers:

- multi-trial, as a constraint around any strategy:
  ``Chain(strategy, Filter(lambda model: profiler.profile(model.sample) <= budget_ms))``
  (NNI's ``Filter`` passes the model; its ``sample`` is the dict), or
  :class:`~oneproxy_plugins.nni.strategy.OneProxyStrategy`, which also records the fronts;
- one-shot: ``RangeProfilerFilter(profiler, max=budget_ms)`` for ``RandomOneShot(filter=...)``
  and ``SampleProfilerPenalty(profiler, baseline=budget_ms)`` for ``ENAS(penalty=...)``, from
  ``nni.nas.oneshot.pytorch.profiler``. (DARTS-style ``ExpectationProfilerPenalty`` needs NNI's
  symbolic ``ExpressionProfiler``; a predictor has no such expression.)

The latency source is anything with ``predict(arch_ids) -> ms`` and a ``space``
(:class:`~oneproxy_plugins.latency.LatencySource`): a
:class:`~oneproxy_plugins.predictors.RidgePredictor` fitted on the proxy device (the paper's
setting), an :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` adapted to a target, or a
:class:`~oneproxy_plugins.latency.TableLatency`. It is asked through the package's one
validated cache, :class:`~oneproxy_plugins.latency.LatencyCache`. Nothing here imports Optuna.

Example:
    >>> from nni.nas.hub.pytorch import NasBench201
    >>> from oneproxy_plugins.predictors import RidgePredictor
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.sample_many(50, rng=0)]
    >>> ms = [1.0 + 0.5 * i.count("conv_3x3") + 0.2 * i.count("conv_1x1") for i in ids]
    >>> proxy = RidgePredictor(space="nasbench201", alpha=1e-9).fit(ids, ms)
    >>> profiler = OneProxyProfiler(NasBench201(), proxy)
    >>> sample = {"cell/0_1": "conv_3x3", "cell/0_2": "none", "cell/1_2": "conv_3x3",
    ...           "cell/0_3": "none", "cell/1_3": "none", "cell/2_3": "skip_connect"}
    >>> round(profiler.profile(sample), 2)
    2.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from oneproxy_plugins._deprecation import renamed_arguments
from oneproxy_plugins.latency.sources import LatencyCache
from oneproxy_plugins.nni._compat import require_nni
from oneproxy_plugins.spaces import BaseSpace

require_nni()

from nni.nas.profiler import Profiler  # noqa: E402

from oneproxy_plugins.nni.hub import SampleMapping, find_mapping  # noqa: E402

__all__ = ["OneProxyProfiler"]


class OneProxyProfiler(Profiler):
    """Predicted latency (ms) of a sampled model, as an NNI profiler.

    Args:
        model_space: The NNI model space (a ``ModelSpace`` such as NNI's hub ``NasBench201``,
            or the ``ExecutableModelSpace`` a strategy holds). Its labels choose the mapping to
            the package space (see :mod:`oneproxy_plugins.nni.hub`).
        latency: A latency source with ``predict(arch_ids) -> ms``: the proxy's fitted
            predictor, or a target's adapted one. Formerly ``predictor``, which still works
            with a ``FutureWarning``.
        space: Package space of the source when it does not say (``latency.space``).
        resolution: Input resolution for MobileNetV3Space samples (default 224).

    Attributes:
        space: The package space (a :class:`~oneproxy_plugins.spaces.BaseSpace`).
        mapping: The :class:`~oneproxy_plugins.nni.hub.SampleMapping` of the model space.
        cache: The :class:`~oneproxy_plugins.latency.LatencyCache` the source is asked
            through.

    Raises:
        UnsupportedSampleError: The model space's labels match no supported space; the
            message lists them.
        ValueError: The source belongs to another space than the model space.
    """

    @renamed_arguments(predictor="latency")
    def __init__(self, model_space: Any, latency: Any, *, space: str | BaseSpace | None = None,
                 resolution: int | None = None) -> None:
        super().__init__(model_space)
        self.latency = latency
        self.cache = LatencyCache(latency, space)
        self.space = self.cache.space
        self.mapping: SampleMapping = find_mapping(model_space, self.space)
        self.resolution = resolution

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(space={self.space.name!r}, mapping={self.mapping.name!r}, "
                f"latency={type(self.latency).__name__})")

    def arch_id(self, sample: Mapping[str, Any]) -> str:
        """The package architecture id of a sample."""
        return self.mapping.arch_id(sample, resolution=self.resolution)

    def latency_of(self, arch_ids: Iterable[str]) -> np.ndarray:
        """Predicted latency (ms) of package architecture ids, array ``(n,)`` (cached).

        Raises:
            ValueError: The source gave a latency that is not positive and finite.
        """
        return self.cache.predict(list(arch_ids))

    def profile(self, sample: Mapping[str, Any]) -> float:
        """Predicted latency (ms) of the model a sample freezes to.

        Args:
            sample: ``{label: value}``, e.g. ``model.sample``.

        Raises:
            InvalidArchitectureError: A label is missing or a value has no counterpart.
        """
        return float(self.latency_of([self.arch_id(sample)])[0])

    def profile_many(self, samples: Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Predicted latency (ms) of several samples, array ``(n,)``, one predictor call."""
        return self.latency_of([self.arch_id(s) for s in samples])
