"""An NNI HPO tuner for architectures written as ``choice`` parameters, latency-aware by proxy.

Many NNI users search architectures as plain HPO: the search-space JSON has one ``choice`` per
decision (``{"edge_0_1": {"_type": "choice", "_value": ["none", ...]}, ...}``), the trial reads
``nni.get_next_parameter()`` and builds its network. :class:`OneProxyTuner` is a tuner for such
experiments, named by class in the experiment config::

    tuner:
      className: oneproxy_plugins.nni.tuner.OneProxyTuner
      classArgs: {space: nasbench201, data_dir: /data, proxy: 1080ti_1, max_ms: 10}

It maps each configuration to the package architecture id (the choice labels are a package
space's parameter names, or the labels of an NNI hub space, see :mod:`oneproxy_plugins.nni.hub`)
and predicts its proxy latency. Configurations over ``max_ms`` never become trials. The
search is a small multi-objective evolution: ``n_startup`` random configurations, then parents
drawn from the current front of (trial metric, proxy latency) and mutated one parameter at a
time, so it spreads along the whole accuracy-latency front under the budget. Parameters that
are not part of the architecture (a learning rate) are drawn and mutated like the others
(``choice``, ``randint``, ``uniform``, ``loguniform``, ``normal`` and their ``q`` forms;
nested choices are not supported).

Proxy latency comes from ``latency`` (a latency source, or a predictor JSON written by
:func:`~oneproxy_plugins.predictors.save_predictor`) or from ``data_dir`` and ``proxy`` (a
:class:`~oneproxy_plugins.predictors.RidgePredictor` fitted on that device's column of the data
directory). Paths may use ``~`` and environment variables (``$ONEPROXY_DATA``), since NNI
starts the tuner in its own working directory.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.predictors import RidgePredictor
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.sample_many(40, rng=0)]
    >>> proxy = RidgePredictor(space="nasbench201").fit(ids, [1 + i.count("conv") for i in ids])
    >>> tuner = OneProxyTuner("nasbench201", latency=proxy, max_ms=3.0, seed=0)
    >>> tuner.update_search_space({name: {"_type": "choice", "_value": list(choices)}
    ...                            for name, choices in space.params.items()})
    >>> params = tuner.generate_parameters(0)
    >>> tuner.latency_ms(params) <= 3.0
    True
    >>> tuner.receive_trial_result(0, params, 71.5)
    >>> [p.metric for p in tuner.pareto_front()]
    [71.5]
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_int, check_max_ms
from oneproxy_plugins._deprecation import renamed_arguments, warn_renamed_name
from oneproxy_plugins.latency.sources import source_space
from oneproxy_plugins.nni._compat import require_nni
from oneproxy_plugins.nni._front import (FrontPoint, ModelRecord, check_mode, fronts_by_target,
                                         pareto_points, plain)
from oneproxy_plugins.spaces import BaseSpace, get_space

require_nni()

import nni  # noqa: E402
from nni.common.hpo_utils import deformat_parameters, format_search_space  # noqa: E402
from nni.tuner import Tuner  # noqa: E402
from nni.utils import extract_scalar_reward  # noqa: E402

from oneproxy_plugins.nni.profiler import OneProxyProfiler  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["OneProxyTuner", "load_proxy_predictor"]


def _expand(path: str | os.PathLike) -> str:
    return os.path.expanduser(os.path.expandvars(os.fspath(path)))


@renamed_arguments(predictor="latency")
def load_proxy_predictor(space: str | BaseSpace, *, latency: Any = None,
                         data_dir: str | os.PathLike | None = None,
                         proxy: str | None = None) -> Any:
    """The proxy latency predictor named by a tuner's class arguments.

    Args:
        space: Package space.
        latency: A latency source (a fitted predictor), or the path of a predictor saved with
            :func:`~oneproxy_plugins.predictors.save_predictor`. Formerly ``predictor``.
        data_dir: A data directory (``<dir>/<space>/latency*.csv``); with ``proxy``, a
            log-latency ridge predictor (``alpha="auto"``) is fitted on that device's column.
        proxy: The proxy device's column in ``data_dir``.

    Raises:
        ValueError: Not exactly one of ``latency`` and ``data_dir`` + ``proxy``.
        UnknownDeviceError: ``proxy`` is not a column of the data directory.
    """
    space = get_space(space)
    if (latency is None) == (data_dir is None):
        raise ValueError("Give the proxy latency as either 'latency' (a fitted predictor or "
                         "its JSON file) or 'data_dir' with 'proxy'; got "
                         f"latency={latency!r}, data_dir={data_dir!r}.")
    if latency is not None:
        if isinstance(latency, (str, os.PathLike)):
            from oneproxy_plugins.predictors import load_predictor

            latency = load_predictor(_expand(latency))
        source_space(latency, space)
        return latency
    if not isinstance(proxy, str) or not proxy:
        raise ValueError(f"The 'proxy' argument must name the proxy device's column in "
                         f"data_dir; got {proxy!r}.")
    from oneproxy_plugins.latency import load_data_dir
    from oneproxy_plugins.predictors import RidgePredictor

    table = load_data_dir(_expand(data_dir), space).select([proxy]).dropna()
    return RidgePredictor(space=space.name, alpha="auto", log_target=True).fit(
        table.archs, table.column(proxy))


class OneProxyTuner(Tuner):
    """Latency-aware multi-objective tuner for architectures encoded as ``choice`` parameters.

    Every argument is JSON/YAML-friendly, so the tuner is usable from an experiment config
    (``tuner.className: oneproxy_plugins.nni.tuner.OneProxyTuner``, ``tuner.classArgs``).

    Args:
        space: Package space of the architecture (``"nasbench201"``, ``"fbnet"``, ...).
        latency: The proxy's latency source (a fitted predictor), or the path of its JSON file.
            Formerly ``predictor``.
        data_dir: Data directory to fit the proxy predictor from (with ``proxy``).
        proxy: Proxy device, a column of the data directory's latency tables.
        max_ms: Proxy-latency budget; configurations over it never become trials. Formerly
            ``budget_ms``; the old names still work (also in ``classArgs``) with a
            ``FutureWarning``.
        optimize_mode: ``"maximize"`` or ``"minimize"`` the trial's reported metric.
        seed: Random seed.
        n_startup: Random configurations before the evolution starts.
        max_tries: Candidates tried per request before giving up (``nni.NoMoreTrialError``).
        targets: Target predictors (objects or JSON paths) by name, for :meth:`target_fronts`.
        resolution: Input resolution for MobileNetV3Space labels (default 224).

    Attributes:
        profiler: The :class:`~oneproxy_plugins.nni.profiler.OneProxyProfiler` of the search
            space (set by :meth:`update_search_space`).
        records: :class:`~oneproxy_plugins.nni._front.ModelRecord` of every trial, in order.
        n_rejected_: Candidates dropped for exceeding the budget.
    """

    @renamed_arguments(predictor="latency", budget_ms="max_ms")
    def __init__(self, space: str, *, latency: Any = None, data_dir: str | None = None,
                 proxy: str | None = None, max_ms: float | None = None,
                 optimize_mode: str = "maximize", seed: int | None = None,
                 n_startup: int = 10, max_tries: int = 1000,
                 targets: Mapping[str, Any] | None = None, resolution: int | None = None) -> None:
        self.space = get_space(space)
        self.max_ms = check_max_ms("max_ms", max_ms, allow_none=True)
        self.optimize_mode = check_mode(optimize_mode)
        n_startup = check_int("n_startup", n_startup, 1)
        max_tries = check_int("max_tries", max_tries, 1)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"The 'seed' argument must be an int or None; got {seed!r}.")
        self.n_startup = n_startup
        self.max_tries = max_tries
        self.resolution = resolution
        self.latency = load_proxy_predictor(self.space, latency=latency, data_dir=data_dir,
                                            proxy=proxy)
        self.targets = {name: load_proxy_predictor(self.space, latency=target)
                        for name, target in (targets or {}).items()}
        self._rng = np.random.default_rng(seed)
        self.profiler: OneProxyProfiler | None = None
        self.records: list[ModelRecord] = []
        self._by_id: dict[int, ModelRecord] = {}
        self._seen: set[str] = set()
        self._specs: dict[str, Any] = {}
        self.n_rejected_ = 0

    # --------------------------------------------------------------- search space
    def update_search_space(self, search_space: Mapping[str, Any]) -> None:
        """Set the search space (NNI calls this first).

        Raises:
            UnsupportedSampleError: The choice labels match no mapping to ``space``.
            ValueError: A nested choice, or an architecture label that is not a ``choice`` or
                has a value the package space does not allow.
        """
        if not isinstance(search_space, Mapping) or not search_space:
            raise ValueError(f"The search space must be a non-empty dict of parameters; got "
                             f"{search_space!r}.")
        profiler = OneProxyProfiler(search_space, self.latency, space=self.space,
                                    resolution=self.resolution)
        mapping = profiler.mapping
        formatted = format_search_space(dict(search_space))
        nested = [key for key in formatted if len(key) > 1]
        if nested:
            raise ValueError(f"Nested choices are not supported by OneProxyTuner; found "
                             f"{'/'.join(map(str, nested[0]))!r}.")
        for label in mapping.labels:
            name = mapping.prefix + label
            spec = search_space[name]
            if spec.get("_type") != "choice":
                raise ValueError(f"Architecture parameter {name!r} must be a 'choice'; got "
                                 f"{spec.get('_type')!r}.")
            allowed = mapping.choices.get(label)
            if allowed is not None:
                bad = [v for v in spec["_value"] if isinstance(v, bool) or v not in allowed]
                if bad:
                    raise ValueError(f"Architecture parameter {name!r}: {bad[0]!r} is not allowed "
                                     f"for space {self.space.name!r}; allowed: {list(allowed)}.")
        self.profiler = profiler
        self._specs = {key[0]: spec for key, spec in formatted.items()}

    def _require_space(self) -> OneProxyProfiler:
        if self.profiler is None:
            raise RuntimeError("OneProxyTuner has no search space yet; NNI calls "
                               "update_search_space() first (call it yourself outside NNI).")
        return self.profiler

    # --------------------------------------------------------------- proposals
    def _draw(self, name: str) -> Any:
        spec = self._specs[name]
        if spec.categorical:
            index = int(self._rng.integers(spec.size))
            return plain(deformat_parameters({spec.key: index}, {spec.key: spec})[name])
        x = (self._rng.normal(spec.mu, spec.sigma) if spec.normal_distributed
             else self._rng.uniform(spec.low, spec.high))
        return plain(deformat_parameters({spec.key: float(x)}, {spec.key: spec})[name])

    def _mutate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        child = dict(params)
        names = [n for n in self._specs if not (self._specs[n].categorical
                                                  and self._specs[n].size < 2)]
        if not names:
            return child
        name = names[int(self._rng.integers(len(names)))]
        for _ in range(20):  # a different value (a categorical of size >= 2 has one)
            value = self._draw(name)
            if value != params.get(name):
                break
        child[name] = value
        return child

    def _propose(self) -> dict[str, Any]:
        finished = pareto_points(self.records, maximize=self.optimize_mode == "maximize")
        n_done = sum(r.metric is not None for r in self.records)
        if n_done < self.n_startup or not finished:
            return {name: self._draw(name) for name in self._specs}
        parent = finished[int(self._rng.integers(len(finished)))]
        return self._mutate(parent.sample)

    def latency_ms(self, parameters: Mapping[str, Any]) -> float:
        """Predicted proxy latency (ms) of a configuration."""
        return self._require_space().profile(parameters)

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """A new configuration within the budget, not tried before.

        Raises:
            nni.NoMoreTrialError: ``max_tries`` candidates in a row were over the budget or
                already tried.
        """
        profiler = self._require_space()
        for _ in range(self.max_tries):
            params = self._propose()
            key = json.dumps(params, sort_keys=True, default=str)
            if key in self._seen:
                continue
            arch_id = profiler.arch_id(params)
            latency = float(profiler.latency_of([arch_id])[0])
            if self.max_ms is not None and latency > self.max_ms:
                self.n_rejected_ += 1
                continue
            self._seen.add(key)
            record = ModelRecord(arch_id, params, latency)
            self.records.append(record)
            self._by_id[parameter_id] = record
            return dict(params)
        logger.warning("OneProxyTuner found no new configuration within %s ms in %d tries "
                       "(%d over the budget so far); ending the search.", self.max_ms,
                       self.max_tries, self.n_rejected_)
        raise nni.NoMoreTrialError(f"No new configuration within the {self.max_ms} ms budget "
                                   f"in {self.max_tries} tries.")

    # --------------------------------------------------------------- results
    def _record_for(self, parameter_id: int | None, parameters: Mapping[str, Any]) -> ModelRecord:
        record = self._by_id.get(parameter_id) if parameter_id is not None else None
        if record is None:  # a trial NNI added without asking (customised or imported)
            profiler = self._require_space()
            arch_id = profiler.arch_id(parameters)
            latency = float(profiler.latency_of([arch_id])[0])
            record = ModelRecord(arch_id, dict(parameters), latency,
                                 self.max_ms is None or latency <= self.max_ms)
            self.records.append(record)
            if parameter_id is not None:
                self._by_id[parameter_id] = record
            self._seen.add(json.dumps(dict(parameters), sort_keys=True, default=str))
        return record

    def receive_trial_result(self, parameter_id: int | None, parameters: Mapping[str, Any],
                             value: Any, **kwargs: Any) -> None:
        """Record a trial's final metric (a number, or a dict with ``"default"``)."""
        metric = float(extract_scalar_reward(value))
        if not math.isfinite(metric):
            raise ValueError(f"Trial {parameter_id} reported {metric!r}; the metric must be "
                             "finite.")
        record = self._record_for(parameter_id, parameters)
        record.metric = metric
        record.status = "trained"

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        """Mark a trial that ended without a result as failed."""
        record = self._by_id.get(parameter_id)
        if record is not None and not success and record.metric is None:
            record.status = "failed"

    def import_data(self, data: list[Mapping[str, Any]]) -> None:
        """Replay finished trials (``[{"parameter": {...}, "value": ...}, ...]``) on resume."""
        for trial in data:
            if isinstance(trial, str):
                trial = nni.load(trial)
            self.receive_trial_result(None, trial["parameter"], trial["value"])
        logger.info("OneProxyTuner replayed %d finished trials.", len(data))

    # --------------------------------------------------------------- fronts
    def pareto_front(self) -> list[FrontPoint]:
        """Non-dominated finished trials by metric and proxy latency, fastest first."""
        return pareto_points(self.records, maximize=self.optimize_mode == "maximize")

    @property
    def budget_ms(self) -> float | None:
        """Deprecated name of :attr:`max_ms`."""
        warn_renamed_name("OneProxyTuner.budget_ms", "OneProxyTuner.max_ms")
        return self.max_ms

    @renamed_arguments(budgets_ms="max_ms")
    def target_fronts(self, targets: Mapping[str, Any] | None = None, *,
                      max_ms: Mapping[str, float] | None = None) -> dict[str, list[FrontPoint]]:
        """The front of every target device among the finished trials.

        Args:
            targets: Predictors (or their JSON files) by target name (default: ``targets``
                given at construction).
            max_ms: Optional latency budget per target, ``{name: ms}``. Formerly
                ``budgets_ms``.

        Returns:
            ``{target: [FrontPoint, ...]}``, each front fastest first, in the target's ms.
        """
        if targets is not None:
            targets = {name: load_proxy_predictor(self.space, latency=target)
                       for name, target in targets.items()}
        return fronts_by_target(self.records, self.targets if targets is None else targets,
                                maximize=self.optimize_mode == "maximize", max_ms=max_ms)

