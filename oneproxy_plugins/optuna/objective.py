"""`OneProxyObjective`: add the proxy latency to a user's objective as the last objective.

The user's function keeps its form, ``f(trial, arch) -> metric or (metric, ...)``, with the
architecture suggested for it by ``space.suggest(trial)`` (parameters named as the space's,
so every sampler and constraint of this package understands them). The wrapper returns the
metrics followed by the proxy latency, for a study created with
``directions=[<the metrics' directions>..., "minimize"]``, and records the architecture id
and the latency as trial user attributes (:data:`~oneproxy_plugins.optuna.attrs.ARCH_KEY`,
:data:`~oneproxy_plugins.optuna.attrs.LATENCY_KEY`). Target devices whose latency is known
while the trial runs (``targets={name: latency source}``) are recorded beside it, as
``"oneproxy:latency_ms:<target>"``: they appear in ``study.trials_dataframe()`` and in
optuna-dashboard, and :func:`~oneproxy_plugins.optuna.pareto_front_for` reads them.

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.optuna import OneProxyObjective, TableLatency
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> proxy = TableLatency(LatencyTable(ids, ["cpu"], 1 + np.arange(len(ids)) % 7,
    ...                                   space="nasbench201"), "cpu")
    >>> def accuracy(trial, arch):
    ...     return arch.count("nor_conv_3x3") / 6
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"])
    >>> study.optimize(OneProxyObjective(accuracy, proxy), n_trials=5)
    >>> sorted(study.trials[0].user_attrs)
    ['oneproxy:arch', 'oneproxy:latency_ms']
    >>> "user_attrs_oneproxy:latency_ms" in study.trials_dataframe().columns
    True
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import optuna
from optuna.study import StudyDirection

from oneproxy_plugins._deprecation import renamed_arguments
from oneproxy_plugins._transient import TransientState
from oneproxy_plugins.latency.sources import LatencyCache
from oneproxy_plugins.optuna.attrs import (ARCH_KEY, LATENCY_KEY, STUDY_KEY, check_target_name,
                                           register_target_record, target_latency_key)
from oneproxy_plugins.optuna.constraint import LatencyConstraint
from oneproxy_plugins.spaces import Arch, BaseSpace

__all__ = ["OneProxyObjective"]


class OneProxyObjective(TransientState):
    """A multi-objective Optuna objective: the user's metrics plus the proxy latency.

    Args:
        func: The user's objective, ``func(trial, arch)``, returning one metric or a sequence
            of them; ``arch`` is the space's architecture value (``space.to_id(arch)`` gives
            its id). It may suggest further parameters on ``trial`` and raise
            ``optuna.TrialPruned``.
        latency: The proxy latency source: a fitted predictor, ``AdaProxyPredictor``,
            :class:`~oneproxy_plugins.optuna.TableLatency` (a measured table) or
            :class:`~oneproxy_plugins.optuna.MeasuredLatency` (measured on this host).
        space: The search space; default the latency source's.
        constraint: A :class:`~oneproxy_plugins.optuna.LatencyConstraint` to apply to every
            trial (``constraint.apply(trial, arch)``), or ``None``.
        proxy_name: The proxy's name, recorded on the study (default: the source's ``device``
            when it has one). Formerly ``proxy``, which still works with a ``FutureWarning``.
        targets: ``{name: latency source}`` of target devices recorded while each trial runs,
            as the trial user attribute ``"oneproxy:latency_ms:<name>"`` (a NaN answer, no
            value for that architecture, records nothing). Names are non-empty and contain no
            ``:``.

    Raises:
        TypeError: ``func`` is not callable or ``latency`` has no ``predict``.
        ValueError: ``latency``, ``constraint`` or a target belongs to another space, or a bad
            target name.
    """

    # the study objects that have its record, and the lock of the targets' records
    _transient = {"_recorded": weakref.WeakSet, "_lock": threading.Lock}

    @renamed_arguments(proxy="proxy_name")
    def __init__(self, func: Callable[[optuna.Trial, Arch], Any], latency: Any, *,
                 space: str | BaseSpace | None = None,
                 constraint: LatencyConstraint | None = None, proxy_name: str | None = None,
                 targets: Mapping[str, Any] | None = None) -> None:
        if not callable(func):
            raise TypeError(f"The 'func' argument must be a callable f(trial, arch); got "
                            f"{type(func).__name__}.")
        self._cache = LatencyCache(latency, space)
        self.space = self._cache.space
        if constraint is not None:
            if not isinstance(constraint, LatencyConstraint):
                raise TypeError(f"The 'constraint' argument must be a LatencyConstraint or None; "
                                f"got {type(constraint).__name__}.")
            if constraint.space.name != self.space.name:
                raise ValueError(f"The 'constraint' is on space {constraint.space.name!r} but the "
                                 f"objective searches {self.space.name!r}; build the constraint "
                                 f"with a {self.space.name!r} predictor.")
        if targets is not None and not isinstance(targets, Mapping):
            raise TypeError(f"The 'targets' argument must be a mapping {{name: latency source}} "
                            f"or None; got {type(targets).__name__}.")
        self.func = func
        self.latency = latency
        self.constraint = constraint
        self.proxy_name = proxy_name if proxy_name is not None else getattr(latency, "device",
                                                                            None)
        self.targets: dict[str, LatencyCache] = {}
        for name, source in (targets or {}).items():
            check_target_name(name)
            self.targets[name] = LatencyCache(source, self.space, allow_missing=True,
                                              name=f"latency source of target {name!r}")
        self._init_transient()

    def __repr__(self) -> str:
        name = getattr(self.func, "__name__", type(self.func).__name__)
        return (f"OneProxyObjective({name}, {type(self.latency).__name__}, "
                f"space={self.space.name!r})")

    def _check_study(self, study: optuna.Study) -> None:
        directions = study.directions
        if len(directions) < 2 or directions[-1] != StudyDirection.MINIMIZE:
            given = [d.name.lower() for d in directions]
            raise ValueError(
                "OneProxyObjective appends the proxy latency as the last objective, so the study "
                "needs directions=[<one per metric of your function>..., 'minimize']; got "
                f"directions={given}. Create it with e.g. optuna.create_study(directions="
                "['maximize', 'minimize']) for one metric.")
        with self._lock:
            if study in self._recorded:
                return
            info = {"space": self.space.name, "latency_index": len(directions) - 1,
                    "proxy": self.proxy_name}
            attrs = study.user_attrs
            if attrs.get(STUDY_KEY) != info:
                study.set_user_attr(STUDY_KEY, info)
            for name, cache in self.targets.items():
                register_target_record(study, name, self.space,
                                       {"source": type(cache.source).__name__}, replace=False,
                                       user_attrs=attrs)
            self._recorded.add(study)

    def proxy_latency(self, arch_id: str) -> float:
        """Proxy latency (ms) of one architecture."""
        constraint = self.constraint
        if constraint is not None and constraint.latency is self.latency:
            return constraint.predict_ms(arch_id)  # already predicted by the sampler
        return self._cache.predict_one(arch_id)

    def target_latencies(self, arch_id: str) -> dict[str, float]:
        """Each target's latency (ms) of one architecture; targets with no value are left out."""
        out = {}
        for name, cache in self.targets.items():
            ms = cache.predict_one(arch_id)
            if not np.isnan(ms):
                out[name] = ms
        return out

    def __call__(self, trial: optuna.Trial) -> tuple[float, ...]:
        self._check_study(trial.study)
        arch = self.space.suggest(trial)
        arch_id = self.space.to_id(arch)
        trial.set_user_attr(ARCH_KEY, arch_id)
        if self.constraint is not None:
            self.constraint.apply(trial, arch_id)
        latency_ms = self.proxy_latency(arch_id)
        trial.set_user_attr(LATENCY_KEY, latency_ms)
        for name, ms in self.target_latencies(arch_id).items():
            trial.set_user_attr(target_latency_key(name), ms)
        result = self.func(trial, arch)
        metrics = _as_metrics(result)
        n_directions = len(trial.study.directions)
        if len(metrics) + 1 != n_directions:
            raise ValueError(
                f"The objective function returned {len(metrics)} metric(s) and OneProxyObjective "
                f"appends the proxy latency, so the study needs {len(metrics) + 1} directions; it "
                f"has {n_directions}. Create it with directions=[<{len(metrics)} metric "
                "direction(s)>, 'minimize'].")
        return (*metrics, latency_ms)


def _as_metrics(result: Any) -> tuple[float, ...]:
    """The user's return value as a tuple of floats (a number, a sequence, a 0-d array)."""
    values: list[float] = []
    if not isinstance(result, (str, bytes, bool)):
        try:
            values = [float(result)] if np.ndim(result) == 0 else [float(v) for v in result]
        except (TypeError, ValueError):
            values = []
    if not values:
        raise TypeError(f"The objective function must return a number or a sequence of numbers; "
                        f"got {type(result).__name__} {result!r}.")
    return tuple(values)
