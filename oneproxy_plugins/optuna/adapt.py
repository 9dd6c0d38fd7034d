"""AdaProxy in the loop: serve a new target device from a finished proxy study.

Where a target ranks architectures differently from the proxy, a few measurements on it
adapt the proxy's latency (:class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor`). This module
does it on a study, without re-running the search:

1. :func:`choose_target_samples` picks ``k`` of the study's architectures to measure where the
   target's front is decided: among the best quarter by non-dominated rank of (metric, proxy
   latency), the ones the proxy explains least, below 20 samples at most one at the metric's
   floor (:func:`~oneproxy_plugins.sampling.select_front_samples`; on NAS-Bench-201 this beat a
   choice over all cells and one spread along the proxy's front, see docs/benchmarks.md).
2. :func:`adapt_target` measures them with the user's ``measure(arch) -> ms``, fits AdaProxy
   on them, and registers the target on the study (every trial's predicted latency, and the
   measured samples, go into storage), so ``pareto_front_for(study, name)`` answers at once.
   With ``companions=True`` the targets adapted before it join its fit
   (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`), and it measures its own choice
   of architectures (the chooser is seeded by its name).
3. :func:`refit_targets` refits every adapted target with all the others, once all are
   measured, from the samples kept on the study.

The proxy pool AdaProxy builds on is, by default, the study itself: the proxy latency of every
architecture it evaluated. A fuller proxy table (e.g. a benchmark's whole column) can be given
instead.

Example:
    >>> import numpy as np, optuna
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.optuna import OneProxyObjective, TableLatency, adapt_target
    >>> from oneproxy_plugins.optuna import pareto_front_for
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> x = space.encode_many(ids)[:, :30]
    >>> table = LatencyTable(ids, ["phone", "gpu"],
    ...                      np.c_[1 + x @ np.linspace(0, 1, 30), 2 + x @ np.linspace(1, 0, 30)],
    ...                      space="nasbench201")
    >>> gpu = TableLatency(table, "gpu")
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"],
    ...                             sampler=optuna.samplers.RandomSampler(seed=0))
    >>> study.optimize(OneProxyObjective(lambda t, a: a.count("nor_conv_3x3"),
    ...                                  TableLatency(table, "phone")), n_trials=40)
    >>> model = adapt_target(study, "gpu", lambda arch: float(gpu.predict([arch])[0]), k=8)
    >>> len(pareto_front_for(study, "gpu")) >= 1
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.study import StudyDirection
from optuna.trial import TrialState

from oneproxy_plugins._checks import check_fraction, check_int, check_latency
from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.adaproxy.joint import adapt_jointly
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.optuna.attrs import (LATENCY_KEY, TARGET_PREFIX, check_target_name,
                                           study_info, trial_arch_id)
from oneproxy_plugins.optuna.callback import OneProxyCallback, register_target
from oneproxy_plugins.optuna.fronts import target_values
from oneproxy_plugins.sampling import select_front_samples, target_seed
from oneproxy_plugins.spaces import Arch, BaseSpace, get_space

__all__ = ["proxy_table", "choose_target_samples", "adapt_target", "refit_targets",
           "target_predictor"]


def _space(study: optuna.Study, space: str | BaseSpace | None) -> BaseSpace:
    if space is not None:
        return get_space(space)
    name = study_info(study)["space"]
    if name is None:
        raise ValueError(f"Study {study.study_name!r} has no recorded search space (it was not "
                         "run with OneProxyObjective); pass space=<name>.")
    return get_space(name)


def proxy_table(study: optuna.Study, *, space: str | BaseSpace | None = None) -> LatencyTable:
    """The proxy latency of every architecture a study evaluated, as a one-column table.

    The column is named after the proxy recorded by
    :class:`~oneproxy_plugins.optuna.OneProxyObjective` (``"proxy"`` when unknown); values come
    from the ``oneproxy:latency_ms`` trial attribute, else the latency objective.

    Raises:
        ValueError: Fewer than 3 distinct architectures (AdaProxy needs a few to rank).
    """
    space_obj = _space(study, space)
    info = study_info(study)
    latency: dict[str, float] = {}
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        arch_id = trial_arch_id(trial, space_obj)
        if arch_id is None or arch_id in latency:
            continue
        ms = trial.user_attrs.get(LATENCY_KEY, trial.values[info["latency_index"]])
        if isinstance(ms, (int, float)) and math.isfinite(ms) and ms > 0:
            latency[arch_id] = float(ms)
    if len(latency) < 3:
        raise ValueError(f"Study {study.study_name!r} has {len(latency)} completed architecture(s) "
                         "with a proxy latency; adapting to a target needs at least 3 (run more "
                         "trials, or pass pool=<a proxy LatencyTable>).")
    device = info["proxy"] or "proxy"
    return LatencyTable(list(latency), [device], np.array(list(latency.values())),
                        space=space_obj.name)


def _pool(study: optuna.Study, pool: ProxyPool | LatencyTable | None,
          space: str | BaseSpace | None) -> ProxyPool:
    if isinstance(pool, ProxyPool):
        return pool
    if isinstance(pool, LatencyTable):
        return ProxyPool(pool, space=pool.space or _space(study, space).name)
    if pool is None:
        return ProxyPool(proxy_table(study, space=space))
    raise TypeError(f"The 'pool' argument must be a ProxyPool, a LatencyTable of proxy latencies "
                    f"or None (the study's own); got {type(pool).__name__}.")


def choose_target_samples(study: optuna.Study, k: int, *,
                          pool: ProxyPool | LatencyTable | None = None, share: float = 0.25,
                          seed: int | None = 0, space: str | BaseSpace | None = None
                          ) -> list[str]:
    """Choose ``k`` of the study's architectures to measure on a new target.

    The study's completed (feasible) architectures are ranked into non-dominated layers of
    (the first metric, in its direction; proxy latency, minimised); the best layers holding
    ``share`` of them are kept, and the greedy chooser picks the ``k`` the proxy pool is least
    sure about (:func:`~oneproxy_plugins.sampling.select_front_samples`).

    Args:
        study: The finished proxy study.
        k: How many, ``3 <= k``.
        pool: The proxy pool: a :class:`~oneproxy_plugins.adaproxy.ProxyPool`, a proxy
            ``LatencyTable``, or ``None`` for the study's own proxy latencies. Only the study's
            architectures that the pool holds are candidates.
        share: Share of the candidates kept, in (0, 1] (1: greedy over all of them).
        seed: Seed of the greedy chooser.
        space: The search space, when the study has none recorded.

    Returns:
        ``k`` distinct architecture ids.

    Raises:
        ValueError: ``k`` or ``share`` out of range.
    """
    k = check_int("k", k, 3, why=" (AdaProxy fits on at least 3 measurements)")
    check_fraction("share", share)  # before the study is read
    pool_obj = _pool(study, pool, space)
    data = target_values(study)
    metric_index = 1 if data.latency_index == 0 else 0
    sign = -1.0 if data.directions[metric_index] == StudyDirection.MINIMIZE else 1.0
    best: dict[str, float] = {}
    for trial, values in zip(data.trials, data.values):
        arch = trial_arch_id(trial, pool_obj.space)
        if arch is not None and arch in pool_obj and np.isfinite(values[metric_index]):
            best[arch] = max(best.get(arch, -np.inf), sign * float(values[metric_index]))
    if k > len(best):
        raise ValueError(f"The 'k' argument ({k}) is larger than the {len(best)} architectures "
                         "available to measure (the study's, in the pool); lower k or run more "
                         "trials.")
    return select_front_samples(pool_obj, k, list(best.values()), candidates=list(best),
                                share=share, random_state=seed)


def adapt_target(study: optuna.Study, name: str, measure: Callable[[Arch], float] | Any, *,
                 k: int = 10, pool: ProxyPool | LatencyTable | None = None,
                 samples: Sequence[str] | None = None, share: float = 0.25,
                 seed: int | None = 0, callback: OneProxyCallback | None = None,
                 space: str | BaseSpace | None = None,
                 measure_options: Mapping[str, Any] | None = None,
                 companions: bool | Sequence[str] = False) -> AdaProxyPredictor:
    """Measure ``k`` architectures on a new target, fit AdaProxy and register the target.

    With ``companions``, targets already adapted on the study join the fit
    (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`): their measured samples are kept
    in their records, and each one's own fit becomes one more proxy column of this target's
    pool. A target adapted earlier keeps its fit; :func:`refit_targets` refits every adapted
    target together once all are measured. It ranks a target's whole space better, also with
    two to four targets, but on 500-trial NSGA-II studies with two to four targets it found
    no more of each target's front among the trials than adapting each alone
    (docs/benchmarks.md, "Targets adapted together"), so it is not the default.

    Args:
        study: The finished (or running) proxy study.
        name: The target's name.
        measure: ``measure(arch) -> ms``: the latency of one architecture (the space's value;
            ``space.to_id(arch)`` gives its id) on the target, e.g. a benchmark lookup; or a
            device to measure all ``k`` on, together, with the careful protocol: a spec of
            this host (``"cpu-ort-t1-b1"``), a board over SSH
            (``"ssh://pi@board/cpu-ort-t4-b1"``) or a
            :class:`~oneproxy_plugins.measure.remote.RemoteDevice` (see
            :func:`oneproxy_plugins.targets.measure_samples`).
        k: Number of measurements (>= 3).
        pool: The proxy pool (see :func:`choose_target_samples`).
        samples: Architecture ids to measure instead of choosing them.
        share: See :func:`choose_target_samples`.
        seed: See :func:`choose_target_samples`. With ``companions``, the chooser's seed is
            :func:`~oneproxy_plugins.sampling.target_seed` ``(seed, name)``: targets adapted
            together teach each other more from different architectures.
        callback: A :class:`~oneproxy_plugins.optuna.OneProxyCallback` to add the target to,
            so trials still to come are recorded as well.
        space: The search space, when the study has none recorded.
        measure_options: With a device as ``measure``: arguments of
            :func:`~oneproxy_plugins.measure.measure_archs` (``out`` for a resumable results
            file, ``build_cfg``, ``n_rounds``, ``devices_file``, ...).
        companions: ``False`` (default): this target is adapted from its own samples alone;
            ``True``: every other target adapted on the study joins the fit; or the names of
            the adapted targets that join. Their samples are copied into this target's record,
            so :func:`target_predictor` refits the same predictor later.

    Returns:
        The fitted :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor`.

    Raises:
        ValueError: A bad argument, or ``measure`` returned a latency that is not positive
            and finite (the architecture is named).
        UnknownNameError: A name of ``companions`` is not an adapted target of the study.
    """
    check_target_name(name)
    pool_obj = _pool(study, pool, space)
    space_obj = pool_obj.space
    others = _companion_samples(study, name, companions)  # a bad name fails before measuring
    if samples is None:
        if others and seed is not None:
            seed = target_seed(seed, name)
        ids = choose_target_samples(study, k, pool=pool_obj, share=share, seed=seed)
    else:
        ids = list(dict.fromkeys(space_obj.canonical_id(a) for a in samples))
    if callable(measure):
        if measure_options:
            raise ValueError("measure_options go with a device as 'measure' (a spec or a "
                             "board), not with a measure(arch) function.")
        ms = [check_latency(measure(space_obj.from_id(arch_id)), f"measure({arch_id!r}) returned")
              for arch_id in ids]
    else:
        from oneproxy_plugins.targets import measure_samples

        options = dict(measure_options or {})
        ms = measure_samples(space_obj, ids, measure, out=options.pop("out", None), **options)
    model = adapt_jointly(pool_obj, {name: (ids, ms), **others}, targets=[name])[name]
    _register(study, name, model, space_obj, {name: (ids, ms), **others}, callback)
    return model


def refit_targets(study: optuna.Study, names: Sequence[str] | None = None, *,
                  pool: ProxyPool | LatencyTable | None = None,
                  space: str | BaseSpace | None = None,
                  callback: OneProxyCallback | None = None) -> dict[str, AdaProxyPredictor]:
    """Refit adapted targets together from the samples stored on the study, and register
    them again.

    :func:`adapt_target` fits each target alone, or (``companions=True``) with the targets
    adapted before it. Once every target is measured, this refits each with all the others
    (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`), without measuring again, and
    records their new latencies of every trial.

    Args:
        study: The study the targets were adapted on.
        names: The targets to refit (default: every adapted target); all adapted targets
            join each fit as companions.
        pool: The proxy pool (see :func:`choose_target_samples`).
        space: The search space, when the study has none recorded.
        callback: A :class:`~oneproxy_plugins.optuna.OneProxyCallback` whose targets are
            replaced by the new fits, for trials still to come.

    Returns:
        ``{target: the refitted AdaProxyPredictor}``, in the order of ``names``.

    Raises:
        UnknownNameError: A name is not an adapted target of the study.
    """
    adapted = _adapted_samples(study)
    wanted = list(adapted) if names is None else [check_target_name(n) for n in names]
    for name in wanted:
        if name not in adapted:
            raise UnknownNameError("adapted target", name, list(adapted))
    pool_obj = _pool(study, pool, space)
    fits = adapt_jointly(pool_obj, adapted, targets=wanted)
    for name in wanted:
        _register(study, name, fits[name], pool_obj.space, adapted, callback)
    return {name: fits[name] for name in wanted}


def _adapted_samples(study: optuna.Study) -> dict[str, tuple[list[str], list[float]]]:
    """``{target: (architecture ids, ms)}`` of every target adapted on the study (its record
    keeps its measured samples), in name order."""
    out = {}
    for key, record in sorted(study.user_attrs.items()):
        if key.startswith(TARGET_PREFIX) and isinstance(record, Mapping):
            samples = record.get("samples")
            if samples:
                out[key[len(TARGET_PREFIX):]] = _pairs(samples)
    return out


def _pairs(samples: Mapping[str, float]) -> tuple[list[str], list[float]]:
    """A record's ``{architecture id: ms}`` as the ids and their latencies."""
    return list(samples), [float(v) for v in samples.values()]


def _companion_samples(study: optuna.Study, name: str, companions: bool | Sequence[str]
                       ) -> dict[str, tuple[list[str], list[float]]]:
    """The samples of the adapted targets that join ``name``'s fit."""
    if isinstance(companions, (bool, np.bool_)) and not companions:
        return {}
    adapted = _adapted_samples(study)
    adapted.pop(name, None)
    if isinstance(companions, (bool, np.bool_)):
        return adapted
    if isinstance(companions, str) or not isinstance(companions, Sequence):
        what = (f"the str {companions!r} (wrap one name in a list)"
                if isinstance(companions, str) else repr(companions))
        raise TypeError(f"The 'companions' argument must be True, False or a list of target "
                        f"names; got {what}.")
    out = {}
    for other in companions:
        if other not in adapted:
            raise UnknownNameError("adapted target", other, list(adapted))
        out[other] = adapted[other]
    return out


def _register(study: optuna.Study, name: str, model: AdaProxyPredictor, space: BaseSpace,
              samples: Mapping[str, tuple[list[str], list[float]]],
              callback: OneProxyCallback | None) -> None:
    """Record the target's latency of every trial, its samples and its companions'."""
    ids, ms = samples[name]
    record: dict[str, Any] = {"method": "adaproxy", "samples": dict(zip(ids, ms))}
    others = {t: dict(zip(*v)) for t, v in samples.items() if t != name}
    if others:
        record["companions"] = others
    register_target(study, name, model, space=space, record=record)
    if callback is not None:
        callback.add_target(name, model)


def target_predictor(study: optuna.Study, name: str, *,
                     pool: ProxyPool | LatencyTable | None = None,
                     space: str | BaseSpace | None = None) -> AdaProxyPredictor:
    """Rebuild an adapted target's predictor from the samples stored on the study.

    For a study reloaded from storage: the measured samples are kept in the target's record
    (with its companions' samples, see :func:`adapt_target`), so the predictor is refitted
    without measuring again (on the same ``pool`` as before).

    Raises:
        LookupError: No target of that name was adapted on the study.
    """
    record = study.user_attrs.get(f"{TARGET_PREFIX}{check_target_name(name)}") or {}
    samples = record.get("samples")
    if not samples:
        raise UnknownNameError("adapted target", name, list(_adapted_samples(study)))
    pool_obj = _pool(study, pool, space)
    together = {name: _pairs(samples)}
    together.update((t, _pairs(s)) for t, s in (record.get("companions") or {}).items())
    # one target: adapt_jointly's first stage, the plain fit
    return adapt_jointly(pool_obj, together, targets=[name])[name]
