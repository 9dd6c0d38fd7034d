"""`LatencyConstraint`: the drop-in latency budget of a study.

An architecture is feasible when its predicted latency is at most ``max_ms``; the constraint
value Optuna sees is ``predicted_ms - max_ms`` (feasible when <= 0, Optuna's convention).
TPESampler, NSGAIISampler, NSGAIIISampler and GPSampler all read it.

Optuna 5 deprecates samplers' ``constraints_func`` in favour of ``trial.set_constraint`` inside
the objective; the installed Optuna decides which form :meth:`LatencyConstraint.apply` uses:

- Optuna >= 5, one line in the objective::

      constraint.apply(trial)          # trial.set_constraint("oneproxy_latency", ms - max_ms)

- Optuna 4.x, one argument of the sampler (``apply`` in the objective is then optional; it
  only saves predicting the latency twice)::

      optuna.samplers.TPESampler(constraints_func=constraint)

The constraint predicts from the trial's parameters, so it needs the architecture suggested
with the space's parameter names (``space.suggest(trial)`` or
:class:`~oneproxy_plugins.optuna.OneProxyObjective`).

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.optuna import LatencyConstraint
    >>> from oneproxy_plugins.predictors import RidgePredictor
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.sample_many(50, rng=0)]
    >>> ms = 1 + space.encode_many(ids)[:, 30:] @ [0, 0, 1, 2, 0.5]  # op counts
    >>> constraint = LatencyConstraint(RidgePredictor(space="nasbench201").fit(ids, ms), max_ms=5)
    >>> def objective(trial):
    ...     arch = space.suggest(trial)
    ...     constraint.apply(trial)
    ...     return float(len(set(arch)))
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    >>> study.optimize(objective, n_trials=5)
    >>> sorted(study.trials[0].constraints)
    ['oneproxy_latency']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import optuna

from oneproxy_plugins._checks import check_max_ms
from oneproxy_plugins._deprecation import renamed_arguments
from oneproxy_plugins.latency.sources import LatencyCache
from oneproxy_plugins.optuna.attrs import CONSTRAINT_KEY, VIOLATION_KEY, trial_arch_id
from oneproxy_plugins.spaces import Arch, BaseSpace

if TYPE_CHECKING:
    import numpy as np

__all__ = ["LatencyConstraint", "HAS_SET_CONSTRAINT", "trial_constraints"]

HAS_SET_CONSTRAINT = hasattr(optuna.trial.Trial, "set_constraint")
"""Whether the installed Optuna has ``trial.set_constraint`` (Optuna >= 5)."""


def trial_constraints(trial: optuna.trial.FrozenTrial) -> dict[str, float]:
    """A trial's constraint values on any Optuna: ``trial.constraints`` on Optuna >= 5, the
    values ``constraints_func`` stored on Optuna 4.x (keyed ``"0"``, ``"1"``, ...)."""
    constraints = getattr(trial, "constraints", None)
    if isinstance(constraints, dict):
        return dict(constraints)
    values = trial.system_attrs.get("constraints") or ()
    return {str(i): float(v) for i, v in enumerate(values)}


class LatencyConstraint:
    """Feasible when the predicted latency is at most ``max_ms``.

    Args:
        latency: A latency source of the search space: any object with ``space`` and
            ``predict(arch_ids) -> ms`` (a fitted predictor, ``AdaProxyPredictor``,
            ``TableLatency``, ``MeasuredLatency``). Formerly ``predictor``, which still works
            with a ``FutureWarning``.
        max_ms: The latency budget in milliseconds, > 0.
        space: The search space, when ``predictor`` has none; checked against the
            predictor's when both are given.
        key: The constraint's name in ``trial.constraints``.

    Raises:
        TypeError: ``latency`` has no ``predict``.
        ValueError: ``max_ms`` is not a positive number, or the source belongs to another
            space.
    """

    @renamed_arguments(predictor="latency")
    def __init__(self, latency: Any, max_ms: float, *, space: str | BaseSpace | None = None,
                 key: str = CONSTRAINT_KEY) -> None:
        self.max_ms = check_max_ms("max_ms", max_ms)
        if not isinstance(key, str) or not key:
            raise ValueError(f"The 'key' argument must be a non-empty str; got {key!r}.")
        self._cache = LatencyCache(latency, space)
        self.space = self._cache.space
        self.latency = latency
        self.key = key

    def __repr__(self) -> str:
        return (f"LatencyConstraint({type(self.latency).__name__}, max_ms={self.max_ms:g}, "
                f"space={self.space.name!r})")

    # ------------------------------------------------------------------ predictions
    def predict_ms(self, arch: Arch | str) -> float:
        """Predicted latency (ms) of one architecture (value or id); remembered."""
        return self._cache.predict_one(arch)

    def predict_many(self, archs: list[Arch | str]) -> np.ndarray:
        """Predicted latencies (ms) of architectures, shape ``(n,)``; one call of the source
        for those not predicted before.

        Raises:
            ValueError: The source gave a latency that is not positive and finite.
        """
        return self._cache.predict(archs)

    def violation(self, arch: Arch | str) -> float:
        """``predicted_ms - max_ms``: <= 0 when feasible."""
        return self.predict_ms(arch) - self.max_ms

    def is_feasible(self, arch: Arch | str) -> bool:
        """Whether the predicted latency is within the budget."""
        return self.violation(arch) <= 0

    # ------------------------------------------------------------------ Optuna
    def _arch_id_of(self, trial: optuna.trial.BaseTrial) -> str:
        frozen = trial if isinstance(trial, optuna.trial.FrozenTrial) else None
        params = trial.params
        arch_id = None
        if frozen is not None:
            arch_id = trial_arch_id(frozen, self.space)
        elif all(name in params for name in self.space.params):
            arch_id = self.space.to_id(self.space.from_params(params))
        if arch_id is None:
            missing = [n for n in self.space.params if n not in params]
            raise ValueError(
                f"LatencyConstraint: trial {trial.number} has no {self.space.name!r} "
                f"architecture (missing parameters {missing[:3]}{'...' if len(missing) > 3 else ''}"
                "); suggest it first with space.suggest(trial) or wrap the objective in "
                "OneProxyObjective, or drop the constraint from this study.")
        return arch_id

    def apply(self, trial: optuna.trial.BaseTrial, arch: Arch | str | None = None) -> float:
        """Record the constraint of a running trial; call it in the objective.

        On Optuna >= 5 this is ``trial.set_constraint(key, predicted_ms - max_ms)``; on
        Optuna 4.x the value is kept in a user attribute that the sampler's
        ``constraints_func=constraint`` reads back.

        Args:
            trial: The running trial.
            arch: Its architecture (value or id); default, built from ``trial.params``.

        Returns:
            ``predicted_ms - max_ms``.

        Raises:
            ValueError: The trial has no architecture of the space.
        """
        arch_id = self._arch_id_of(trial) if arch is None else (
            arch if isinstance(arch, str) else self.space.to_id(arch))
        value = self.violation(arch_id)
        if HAS_SET_CONSTRAINT:
            trial.set_constraint(self.key, value)
        else:
            trial.set_user_attr(VIOLATION_KEY, value)
        return value

    def __call__(self, trial: optuna.trial.FrozenTrial) -> tuple[float]:
        """The ``constraints_func`` form: ``(predicted_ms - max_ms,)`` of a finished trial."""
        recorded = trial.user_attrs.get(VIOLATION_KEY)
        if isinstance(recorded, (int, float)) and math.isfinite(recorded):
            return (float(recorded),)
        return (self.violation(self._arch_id_of(trial)),)
