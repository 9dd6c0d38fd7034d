"""`ProxyConstrainedSampler`: never hand the objective an architecture over the latency budget.

A constraint alone (:class:`~oneproxy_plugins.optuna.LatencyConstraint`) tells the sampler
*after* a trial that it was infeasible, so the objective has already trained it. This wrapper
moves the check before the objective: the whole architecture is drawn up front and redrawn
until its predicted latency is within budget.

How, given how Optuna asks a sampler: an objective suggests parameters one at a time, and the
first trials, multi-objective TPE and NSGA-II mutations fill them in with
``sample_independent``, so a wrapper that only sees single parameters would see a whole
architecture only once the objective already runs. Instead the wrapper adds the space's
parameters (:meth:`~oneproxy_plugins.spaces.BaseSpace.distributions`) to the relative search
space. In ``sample_relative`` it takes the base sampler's own relative proposal, asks the base's
``sample_independent`` for every architecture parameter the proposal lacks (in the space's
order: the order in which ``space.suggest`` would have asked), and checks the architecture;
an infeasible one is redrawn the same way (at most ``max_resample`` times, then uniformly among
feasible architectures). The feasible draw is returned as relative parameters, so the objective's
``space.suggest(trial)`` receives exactly it.

Where nothing is infeasible, the base sampler is asked the same questions in the same order as
without the wrapper and its answers are handed through: same suggestions under the same seed,
and ``before_trial``, ``after_trial``, ``reseed_rng``, constraints and multi-objective studies
all go to the base. (This holds when the objective suggests the architecture before its other
parameters, as :class:`~oneproxy_plugins.optuna.OneProxyObjective` does; parameters suggested
before it are then drawn after it instead.) Enqueued trials (``study.enqueue_trial``) keep
their fixed parameters; only the others are drawn to fit the budget.

Example:
    >>> import optuna
    >>> from oneproxy_plugins.optuna import LatencyConstraint, ProxyConstrainedSampler
    >>> from oneproxy_plugins.predictors import RidgePredictor
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.sample_many(50, rng=0)]
    >>> ms = 1 + space.encode_many(ids)[:, 30:] @ [0, 0, 1, 2, 0.5]  # op counts
    >>> constraint = LatencyConstraint(RidgePredictor(space="nasbench201").fit(ids, ms), max_ms=6)
    >>> sampler = ProxyConstrainedSampler(optuna.samplers.TPESampler(seed=0), constraint)
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(sampler=sampler)
    >>> study.optimize(lambda t: float(len(set(space.suggest(t)))), n_trials=10)
    >>> all(constraint.is_feasible(space.from_params(t.params)) for t in study.trials)
    True
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._transient import TransientState
from oneproxy_plugins.optuna.constraint import LatencyConstraint

__all__ = ["ProxyConstrainedSampler", "InfeasibleBudgetError"]

logger = logging.getLogger(__name__)

_FALLBACK_BATCH = 256
_FALLBACK_BATCHES = 16


class InfeasibleBudgetError(ValueError):
    """No architecture of the space was found within the latency budget."""


class ProxyConstrainedSampler(TransientState, BaseSampler):
    """Wrap a sampler so that every architecture it hands out is within a latency budget.

    Args:
        base_sampler: The sampler to wrap (TPE, NSGA-II, NSGA-III, GP, random, ...).
        constraint: The budget: a :class:`~oneproxy_plugins.optuna.LatencyConstraint`. Its
            space's parameters are the architecture.
        max_resample: Draws from the base sampler per trial before falling back to uniform
            draws among feasible architectures.
        seed: Seed of the fallback draws (the base sampler keeps its own seed).

    Raises:
        TypeError: ``base_sampler`` is not an Optuna sampler or ``constraint`` not a
            ``LatencyConstraint``.
        ValueError: ``max_resample`` is not an int >= 1.
        InfeasibleBudgetError: (while sampling) no feasible architecture was found: the
            fastest one seen is named, raise ``max_ms`` above it.
    """

    # the base sampler's own relative space per running trial, and the lock guarding state
    _transient = {"_lock": threading.Lock, "_base_spaces": dict}

    def __init__(self, base_sampler: BaseSampler, constraint: LatencyConstraint, *,
                 max_resample: int = 100, seed: int | None = None) -> None:
        if not isinstance(base_sampler, BaseSampler):
            raise TypeError(f"The 'base_sampler' argument must be an Optuna sampler (e.g. "
                            f"optuna.samplers.TPESampler()); got {type(base_sampler).__name__}.")
        if not isinstance(constraint, LatencyConstraint):
            raise TypeError(f"The 'constraint' argument must be a LatencyConstraint(predictor, "
                            f"max_ms); got {type(constraint).__name__}.")
        max_resample = check_int("max_resample", max_resample, 1)
        self.base_sampler = base_sampler
        self.constraint = constraint
        self.max_resample = max_resample
        self._seed = seed
        self._rng = np.random.default_rng(seed)
        self._arch_space = {name: dist for name, dist in constraint.space.distributions().items()
                            if not dist.single()}
        self._init_transient()
        self.n_resampled_ = 0
        self.n_fallback_ = 0

    def __repr__(self) -> str:
        return f"ProxyConstrainedSampler({self.base_sampler!r}, {self.constraint!r})"

    @property
    def space(self) -> Any:
        """The search space whose architectures are constrained."""
        return self.constraint.space

    # ------------------------------------------------------------------ pass-through
    def reseed_rng(self) -> None:
        self.base_sampler.reseed_rng()
        with self._lock:
            self._rng = np.random.default_rng()

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.base_sampler.before_trial(study, trial)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        with self._lock:
            self._base_spaces.pop((study.study_name, trial.number), None)
        try:
            self.base_sampler.after_trial(study, trial, state, values)
        finally:
            suggested = any(name in trial.params for name in self._arch_space)
            if state == TrialState.COMPLETE and not suggested:
                raise ValueError(
                    f"ProxyConstrainedSampler: trial {trial.number} finished without any "
                    f"{self.space.name!r} parameter, so the latency budget never applied; "
                    "suggest the architecture with space.suggest(trial) (or OneProxyObjective), "
                    "or use the base sampler alone for this study.")

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return self.base_sampler.sample_independent(study, trial, param_name, param_distribution)

    # ------------------------------------------------------------------ the joint space
    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial
                                    ) -> dict[str, BaseDistribution]:
        base_space = self.base_sampler.infer_relative_search_space(study, trial)
        with self._lock:
            self._base_spaces[(study.study_name, trial.number)] = base_space
        return {**base_space, **self._arch_space}

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        with self._lock:
            base_space = self._base_spaces.pop((study.study_name, trial.number), None)
        if base_space is None:
            base_space = {k: v for k, v in search_space.items() if k not in self._arch_space}
        fixed = trial.system_attrs.get("fixed_params") or {}
        fixed_arch = {k: v for k, v in fixed.items() if k in self._arch_space}
        space = self.constraint.space
        single = {name: dist.choices[0] for name, dist in space.distributions().items()
                  if dist.single()}
        for attempt in range(self.max_resample):
            proposal = dict(self.base_sampler.sample_relative(study, trial, base_space))
            params = {}
            for name, dist in self._arch_space.items():
                if name in fixed_arch:
                    params[name] = fixed_arch[name]
                elif name in proposal:
                    params[name] = proposal[name]
                else:
                    params[name] = self.base_sampler.sample_independent(study, trial, name, dist)
            arch = space.from_params({**single, **params})
            if self.constraint.is_feasible(arch):
                if attempt:
                    with self._lock:
                        self.n_resampled_ += 1
                proposal.update({k: v for k, v in params.items() if k not in fixed_arch})
                return proposal
        proposal.update(self._fallback(trial, fixed_arch, single))
        return proposal

    def _fallback(self, trial: FrozenTrial, fixed_arch: dict[str, Any],
                  single: dict[str, Any]) -> dict[str, Any]:
        """A uniformly random feasible architecture (keeping enqueued parameters)."""
        space = self.constraint.space
        best_ms, best = math.inf, None
        for _ in range(_FALLBACK_BATCHES):
            with self._lock:
                draws = [{name: fixed_arch.get(name, dist.choices[int(self._rng.integers(
                    len(dist.choices)))]) for name, dist in self._arch_space.items()}
                    for _ in range(_FALLBACK_BATCH)]
            archs = [space.from_params({**single, **d}) for d in draws]
            ms = self.constraint.predict_many(archs)
            ok = np.flatnonzero(ms <= self.constraint.max_ms)
            if ok.size:
                with self._lock:
                    self.n_fallback_ += 1
                logger.info("Trial %d: no feasible architecture in %d draws of the base sampler; "
                            "drew one uniformly among feasible ones.", trial.number,
                            self.max_resample)
                return {k: v for k, v in draws[int(ok[0])].items() if k not in fixed_arch}
            i = int(np.argmin(ms))
            if ms[i] < best_ms:
                best_ms, best = float(ms[i]), draws[i]
        if fixed_arch:
            logger.warning("Trial %d: its enqueued parameters %s leave no architecture within "
                           "max_ms=%g (fastest found: %.4g ms); it runs as enqueued.",
                           trial.number, fixed_arch, self.constraint.max_ms, best_ms)
            return {k: v for k, v in (best or {}).items() if k not in fixed_arch}
        raise InfeasibleBudgetError(
            f"No {space.name!r} architecture within max_ms={self.constraint.max_ms:g} was found "
            f"in {self.max_resample} base draws and {_FALLBACK_BATCH * _FALLBACK_BATCHES} uniform "
            f"draws; the fastest predicted was {best_ms:.4g} ms. Raise max_ms above it.")
