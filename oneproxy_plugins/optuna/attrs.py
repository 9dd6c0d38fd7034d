"""What the plugin stores in an Optuna study, and the small readers and writers of it.

Everything lives in the study's storage, so a study reloaded with ``optuna.load_study`` (from
SQLite, PostgreSQL or a journal file, by another process) still has it.

Trial user attributes, written by :class:`~oneproxy_plugins.optuna.OneProxyObjective` while
the trial runs:

- ``"oneproxy:arch"`` (:data:`ARCH_KEY`): the architecture's canonical id, a str.
- ``"oneproxy:latency_ms"`` (:data:`LATENCY_KEY`): the proxy latency in ms (predicted or
  measured), also the last objective value.
- ``"oneproxy:latency_ms:<target>"`` (:func:`target_latency_key`): a target device's latency
  in ms, for the targets known while the trial runs (``OneProxyObjective(targets=...)``).
  With the proxy's, these are the columns ``user_attrs_oneproxy:latency_ms...`` of
  ``study.trials_dataframe()`` and what optuna-dashboard shows per trial.

Study user attributes (a finished trial is read-only in Optuna, so what is learnt about it
afterwards goes on the study):

- ``"oneproxy:study"`` (:data:`STUDY_KEY`): ``{"space", "latency_index", "proxy"}``: the
  search space, which objective is the proxy latency, and the proxy's name.
- ``"oneproxy:target:<name>"`` (:data:`TARGET_PREFIX`): one target device's record,
  ``{"space", "source", ...}`` (an adapted target also keeps its measured ``samples``).
- ``"oneproxy:latency:<part>"`` (:data:`LATENCY_PREFIX`): ``{target: {trial number: ms}}``,
  targets' predicted latency of trials known only after they finished (a finished trial is
  read-only). Each writer uses its own ``<part>`` (``trial-<number>`` for
  :class:`~oneproxy_plugins.optuna.OneProxyCallback`, one write per trial for all targets;
  ``<target>-<random hex>`` for :func:`~oneproxy_plugins.optuna.register_target`, named as
  ``"batch"`` in the target's record), so concurrent workers never overwrite each other. A
  trial's value from the latest registration batch wins over its per-trial values (the
  trial's own attribute, then the callback's part).

The latency constraint is stored by Optuna itself: ``trial.set_constraint("oneproxy_latency",
predicted_ms - max_ms)`` on Optuna >= 5 (:data:`CONSTRAINT_KEY`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from oneproxy_plugins._checks import check_latency
from oneproxy_plugins.latency.sources import source_space
from oneproxy_plugins.spaces import BaseSpace

if TYPE_CHECKING:
    import optuna

__all__ = ["ARCH_KEY", "LATENCY_KEY", "STUDY_KEY", "TARGET_PREFIX", "LATENCY_PREFIX",
           "CONSTRAINT_KEY", "VIOLATION_KEY", "study_info", "trial_arch_id", "list_targets",
           "recorded_latencies", "write_latencies", "check_target_name", "check_targets",
           "target_latency_key", "register_target_record"]

ARCH_KEY = "oneproxy:arch"
LATENCY_KEY = "oneproxy:latency_ms"
STUDY_KEY = "oneproxy:study"
TARGET_PREFIX = "oneproxy:target:"
LATENCY_PREFIX = "oneproxy:latency:"
CONSTRAINT_KEY = "oneproxy_latency"
VIOLATION_KEY = "oneproxy:latency_violation"
"""Trial user attribute holding ``predicted_ms - max_ms`` on Optuna < 5, where constraints go
through the sampler's ``constraints_func`` (which reads it back)."""


def check_target_name(name: object) -> str:
    """A target name: a non-empty str without ``:`` (it is part of attribute keys)."""
    if not isinstance(name, str) or not name or ":" in name:
        raise ValueError(f"A target name must be a non-empty str without ':'; got {name!r}.")
    return name


def check_targets(targets: object, space: str | BaseSpace | None = None
                  ) -> tuple[dict[str, Any], BaseSpace | None]:
    """``{name: predictor}`` checked: a mapping, good names, predictors of one space.

    Args:
        targets: The mapping to check.
        space: The space the predictors must share (default: theirs).

    Returns:
        ``(dict(targets), space)``: the space the predictors share (``space`` when there is
        no target).

    Raises:
        TypeError: ``targets`` is not a mapping.
        ValueError: A bad name, or predictors of different spaces (or of another than
            ``space``).
    """
    if not isinstance(targets, Mapping):
        raise TypeError(f"The 'targets' argument must be a mapping {{name: predictor}}; got "
                        f"{type(targets).__name__}.")
    for name, predictor in targets.items():
        check_target_name(name)
        space = source_space(predictor, space, name=f"predictor of target {name!r}")
    return dict(targets), space


def target_latency_key(target: str) -> str:
    """The trial user attribute holding a target's latency (ms): ``"oneproxy:latency_ms:<name>"``.
    """
    return f"{LATENCY_KEY}:{check_target_name(target)}"


def register_target_record(study: optuna.Study, name: str, space: BaseSpace,
                           record: Mapping[str, Any], *, replace: bool,
                           user_attrs: Mapping[str, Any] | None = None) -> None:
    """Write a target's record on the study (only when it has none, unless ``replace``).

    Args:
        study: The study.
        name: The target's name.
        space: The search space the target's latencies are of.
        record: JSON-able facts about the target (``{"source": ...}``, measured samples, ...).
        replace: Overwrite an existing, different record.
        user_attrs: The study's user attributes when already read (saves a storage query).
    """
    key = f"{TARGET_PREFIX}{check_target_name(name)}"
    value = {"space": space.name, **record}
    current = (study.user_attrs if user_attrs is None else user_attrs).get(key)
    if current is None or (replace and current != value):
        study.set_user_attr(key, value)


def study_info(study: optuna.Study) -> dict[str, Any]:
    """The plugin's record of a study: ``{"space", "latency_index", "proxy"}``.

    ``space`` and ``proxy`` are ``None`` when no :class:`OneProxyObjective` ran on the study;
    ``latency_index`` then defaults to the last objective.
    """
    info = dict(study.user_attrs.get(STUDY_KEY) or {})
    info.setdefault("space", None)
    info.setdefault("proxy", None)
    info.setdefault("latency_index", len(study.directions) - 1)
    return info


def trial_arch_id(trial: optuna.trial.FrozenTrial, space: BaseSpace) -> str | None:
    """Canonical architecture id of a trial: its ``oneproxy:arch`` attribute, else its params.

    Returns ``None`` when the trial has neither (it did not suggest the space's parameters).
    """
    arch_id = trial.user_attrs.get(ARCH_KEY)
    if isinstance(arch_id, str):
        return arch_id
    if not all(name in trial.params for name in space.params):
        return None
    return space.to_id(space.from_params(trial.params))


def list_targets(study: optuna.Study) -> list[str]:
    """Names of the target devices registered on a study, sorted."""
    return sorted(key[len(TARGET_PREFIX):] for key in study.user_attrs
                  if key.startswith(TARGET_PREFIX))


def recorded_latencies(study: optuna.Study, target: str,
                       user_attrs: Mapping[str, Any] | None = None,
                       trials: Sequence[optuna.trial.FrozenTrial] | None = None
                       ) -> dict[int, float]:
    """Recorded latency (ms) of a target per trial number.

    Args:
        study: The study.
        target: A target name.
        user_attrs: The study's user attributes when already read (saves a storage query).
        trials: The study's trials when already read (their own target attributes are read).
    """
    attrs = study.user_attrs if user_attrs is None else user_attrs
    key_of_trial = target_latency_key(target)
    record = attrs.get(f"{TARGET_PREFIX}{target}") or {}
    batch = record.get("batch") if isinstance(record, Mapping) else None
    if trials is None:
        trials = study.get_trials(deepcopy=False)
    out: dict[int, float] = {}
    # The trials' own attributes and per-trial records first, then the target's latest
    # registration batch over them.
    for trial in trials:
        ms = trial.user_attrs.get(key_of_trial)
        if isinstance(ms, (int, float)) and not isinstance(ms, bool):
            out[trial.number] = float(ms)
    for key, part in attrs.items():
        if (key.startswith(f"{LATENCY_PREFIX}trial-") and isinstance(part, Mapping)
                and target in part):
            out.update((int(number), float(ms)) for number, ms in part[target].items())
    part = attrs.get(f"{LATENCY_PREFIX}{batch}") if batch else None
    if isinstance(part, Mapping) and target in part:
        out.update((int(number), float(ms)) for number, ms in part[target].items())
    return out


def write_latencies(study: optuna.Study, latencies: Mapping[str, Mapping[int, float]],
                    part: str) -> None:
    """Record targets' latencies of trials, ``{target: {trial number: ms}}``, in one write.

    Raises:
        ValueError: A bad target name, or a latency that is not positive and finite.
    """
    clean: dict[str, dict[str, float]] = {}
    for target, values in latencies.items():
        check_target_name(target)
        clean[target] = {str(int(number)): check_latency(ms, f"Target {target!r}, trial {number}")
                         for number, ms in values.items()}
    study.set_user_attr(f"{LATENCY_PREFIX}{part}", clean)
