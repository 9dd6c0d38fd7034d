"""`oneproxy bench search`: is the Pareto set found with one proxy the target's own?

For each target device, the *one-proxy set* is the Pareto set of (accuracy, predicted target
latency), where the prediction is the proxy adapted with ``K`` target measurements
(:class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` on the proxy alone, or on the proxy
and the ``adapt_with`` devices where the user has measured several in full; the ``K``
architectures chosen by :func:`~oneproxy_plugins.sampling.select_front_samples` by default:
greedy among the best quarter of cells by non-dominated rank of accuracy vs proxy latency,
below 20 samples at most one at the accuracy floor;
``sampler="greedy"`` / ``"random"``: :func:`~oneproxy_plugins.sampling.select_samples` over
all cells; ``K = 0``: the proxy's latency as is). The set is scored with the target's *true*
latency against the target's true Pareto front:

- ``hv_ratio``: hypervolume of the set / hypervolume of the true front, in normalised space:
  accuracy min-max scaled to [0, 1] (maximised) and target latency min-max scaled to [0, 1]
  (minimised) over every architecture with a target measurement, reference point
  (accuracy 0, latency 1);
- ``front_recall``: the share of the true front's architectures that are in the set.

Optimizers: ``exhaustive`` ranks every architecture (what a perfect search on the proxy would
return); ``nsga2`` runs one real Optuna NSGA-II study of ``trials`` trials on the proxy with
this package's :class:`~oneproxy_plugins.optuna.OneProxyObjective`, registers every target on
it (:func:`~oneproxy_plugins.optuna.register_target`) and takes each target's front from the
one study (:func:`~oneproxy_plugins.optuna.pareto_front_for`): one search for N targets
instead of N. Trials whose architecture has no measurement on a target (devices measured on a
subset only) cannot be scored there and are left out of that target's set.

Example:
    >>> from oneproxy_plugins.bench.search import run_search_bench
    >>> result = run_search_bench("nasbench201", ["../shared/data"], accuracy="cifar10",
    ...                           proxy="pixel3", targets=["titanx_1"],
    ...                           samples=10)  # doctest: +SKIP
    >>> sorted(result["targets"]["titanx_1"])                                # doctest: +SKIP
    ['front_recall', 'hv_ratio', 'measurements']
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.adaproxy.joint import adapt_jointly
from oneproxy_plugins.adaproxy.pool import PriorPools, prior_devices_json
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.fronts import hypervolume_2d, pareto_mask
from oneproxy_plugins.latency import LatencyTable, TableLatency, load_tabular
from oneproxy_plugins.sampling import select_front_samples, select_samples, target_seed
from oneproxy_plugins.spaces import get_space

__all__ = ["run_search_bench", "normalised_hypervolume", "score_set", "compare_with_proxy",
           "OPTIMIZERS", "STEERS"]

logger = logging.getLogger(__name__)

OPTIMIZERS = ("exhaustive", "nsga2")
STEERS = ("targets", "proxy")
"""What steers the ``nsga2`` study (``targets`` is the default)."""
SAMPLE_CHOOSERS = ("front", "greedy", "random")
"""How the ``K`` target measurements are chosen (``front`` is the default)."""


def normalised_hypervolume(accuracy: np.ndarray, latency_ms: np.ndarray, *,
                           accuracy_range: tuple[float, float],
                           latency_range: tuple[float, float]) -> float:
    """Hypervolume of points (accuracy maximised, latency minimised) after min-max scaling.

    Args:
        accuracy: Array ``(n,)``.
        latency_ms: Array ``(n,)``, the true latencies.
        accuracy_range: ``(min, max)`` accuracy that scales to [0, 1].
        latency_range: ``(min, max)`` latency that scales to [0, 1].

    Returns:
        The area dominated up to the reference point (accuracy 0, latency 1).
    """
    a = (np.asarray(accuracy, float) - accuracy_range[0]) / np.ptp(accuracy_range)
    t = (np.asarray(latency_ms, float) - latency_range[0]) / np.ptp(latency_range)
    return hypervolume_2d(np.c_[1.0 - a, t], reference=(1.0, 1.0))


def score_set(accuracy: np.ndarray, latency_ms: np.ndarray, in_set: np.ndarray
              ) -> dict[str, Any]:
    """Score a set of architectures against the true Pareto front, as the benchmark does.

    Args:
        accuracy: Array ``(n,)`` of every architecture with a target measurement.
        latency_ms: Their true target latencies, ``(n,)``.
        in_set: Boolean mask ``(n,)`` of the set to score (e.g. the one-proxy set).

    Returns:
        ``{"hv_ratio", "front_recall", "set_size", "front_size"}`` (see the module docstring).
    """
    accuracy = np.asarray(accuracy, dtype=np.float64)
    latency_ms = np.asarray(latency_ms, dtype=np.float64)
    in_set = np.asarray(in_set, dtype=bool)
    true_front = pareto_mask(np.c_[accuracy, latency_ms], ["maximize", "minimize"])
    ranges = {"accuracy_range": (accuracy.min(), accuracy.max()),
              "latency_range": (latency_ms.min(), latency_ms.max())}
    hv_true = normalised_hypervolume(accuracy[true_front], latency_ms[true_front], **ranges)
    hv_set = normalised_hypervolume(accuracy[in_set], latency_ms[in_set], **ranges)
    return {"hv_ratio": float(hv_set / hv_true) if hv_true > 0 else float("nan"),
            "front_recall": float((in_set & true_front).sum() / true_front.sum()),
            "set_size": int(in_set.sum()), "front_size": int(true_front.sum())}


def _check_args(optimizer: str, samples: int, trials: int, proxy: str,
                targets: Sequence[str], sampler: str, population: int | None,
                adapt_with: Sequence[str], prior_devices: str | Sequence[str]) -> None:
    if optimizer not in OPTIMIZERS:
        raise UnknownNameError("optimizer", optimizer, OPTIMIZERS)
    if sampler not in SAMPLE_CHOOSERS:
        raise UnknownNameError("sampler", sampler, SAMPLE_CHOOSERS)
    is_int = isinstance(samples, int) and not isinstance(samples, bool)
    if not is_int or not (samples == 0 or samples >= 3):
        raise ValueError(f"The 'samples' argument must be 0 (the proxy as is) or an int >= 3 "
                         f"(AdaProxy fits on at least 3 measurements); got {samples!r}.")
    check_int("trials", trials, 1)
    if population is not None:
        check_int("population", population, 2)
    if not targets:
        raise ValueError("At least one target device is needed.")
    if proxy in targets:
        raise ValueError(f"Device {proxy!r} is both proxy and target; a target must be another "
                         "device.")
    if adapt_with and not samples:
        raise ValueError("The 'adapt_with' devices pool with the proxy to adapt from K target "
                         "measurements; with samples=0 nothing is adapted: drop them or give "
                         "samples >= 3.")
    if not samples and not isinstance(prior_devices, str) and len(prior_devices):
        raise ValueError("The 'prior_devices' listed shape the adapter's prior; with samples=0 "
                         "nothing is adapted: drop them or give samples >= 3.")
    for device in adapt_with:
        if device == proxy or device in targets:
            role = "the proxy" if device == proxy else "a target"
            raise ValueError(f"Device {device!r} is in 'adapt_with' and is {role}; the adapter's "
                             "further proxies must be other devices.")
    if len(set(adapt_with)) < len(adapt_with):
        raise ValueError(f"The 'adapt_with' devices repeat one: {list(adapt_with)!r}.")


def _check_pool_covers(table: LatencyTable, adapt_with: Sequence[str], target: str,
                       rows: np.ndarray) -> None:
    """Raise ``ValueError`` unless every ``adapt_with`` device is measured on the rows a
    target is scored on (outside the cells the pool shares, the adapter would replace even
    the proxy's own latency with a linear model of it)."""
    lacking = {d: int(np.isnan(table.column(d)[rows]).sum()) for d in adapt_with}
    lacking = {d: n for d, n in lacking.items() if n}
    if lacking:
        named = ", ".join(f"{d!r} lacks {n}" for d, n in lacking.items())
        raise ValueError(f"Target {target!r} is scored on {len(rows)} architectures, and "
                         f"devices of 'adapt_with' are not measured on all of them ({named}); "
                         "the adapter's further proxies must be measured wherever a target "
                         "is scored: leave them out or choose targets they cover.")


def run_search_bench(space: str, data_dirs: Sequence[str | os.PathLike], *, accuracy: str,
                     proxy: str, targets: Sequence[str], samples: int,
                     optimizer: str = "exhaustive", trials: int = 500, seed: int = 0,
                     oracle: bool = False, sampler: str = "front", steer: str = "targets",
                     population: int | None = None, table: LatencyTable | None = None,
                     accuracy_table: LatencyTable | None = None,
                     adapter_params: Mapping[str, Any] | None = None,
                     adapt_with: Sequence[str] = (), joint: bool = True,
                     prior_devices: str | Sequence[str] = "others") -> dict[str, Any]:
    """Run the search benchmark and return the JSON-able result of the CLI contract.

    Args:
        space: The search space (its data folder must have ``accuracy.csv``).
        data_dirs: Data directories laid out like ``../shared/data``.
        accuracy: Accuracy column: ``cifar10``, ``cifar100`` or ``imagenet16_120``.
        proxy: The proxy device.
        targets: Target devices.
        samples: K target measurements for AdaProxy (0: the proxy as is).
        optimizer: ``exhaustive`` or ``nsga2``.
        trials: NSGA-II trials (``nsga2`` only).
        oracle: Rank with the target's true latency instead of a prediction: the best an
            optimizer's evaluated set allows, 1.0 for ``exhaustive`` (``samples`` then only
            steers an ``nsga2`` study with ``steer="targets"``).
        sampler: How the ``K`` measurements are chosen: ``front`` (default), ``greedy`` or
            ``random`` (see :data:`SAMPLE_CHOOSERS`).
        steer: What steers the ``nsga2`` study: ``targets`` (default), every target's
            adapted predictor and the proxy
            (:func:`~oneproxy_plugins.optuna.target_steered_sampler`), or ``proxy``, Optuna's
            own NSGA-II on the study's values alone. With ``samples=0`` the targets are the
            proxy as is, so both are the plain study.
        population: NSGA-II's population size (default: the sampler's own; steered by the
            targets, :func:`~oneproxy_plugins.optuna.steering.default_population`, 20 for up
            to 29 targets; Optuna's 50 otherwise).
        seed: Seed of NSGA-II and of the sample choice (a target's own seed is
            ``seed * 1_000_003 + crc32(name)``, so its result does not depend on the others).
        table: Latencies already loaded (then ``data_dirs`` is not read for them).
        accuracy_table: Accuracies already loaded.
        adapter_params: Constructor arguments of the
            :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` beyond the pool (an ablation,
            e.g. ``{"guard": "none"}``).
        adapt_with: Further devices, measured in full, that the adapter pools with the proxy
            (a user who has several devices' tables): the K samples are chosen and each
            target adapted from ``[proxy, *adapt_with]``, while the study still searches on
            the proxy's latency alone. Default: none (the one-proxy benchmark).
        joint: Adapt the targets together (default;
            :func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`): each target's pool
            gains the other targets' first fits, each made from that target's own K
            measurements; every target still has K. ``False``: each target from its own K
            alone (the benchmark before this default). Applies where two targets or more are
            adapted (not with ``samples=0``, nor ranked with the truth); the result's
            ``"joint"`` says whether it did.
        prior_devices: Devices whose linear latency weights and fits join the proxies' in
            each target's adapter (:class:`~oneproxy_plugins.adaproxy.ProxyPool`'s
            ``prior_devices``), as ``oneproxy adapt --prior-devices`` gives a user:
            ``"others"`` (default: every device of the data but the proxies and the target
            adapted, measured on more of the pool's architectures than there are features;
            the others are listed in ``"prior_devices_skipped"``), ``"none"``, or a list
            (less the target). The other targets' tables are in a target's prior, as with
            ``oneproxy bench fewshot``: each target is the one device left out. The samples
            are chosen with the proxies alone either way.

    Returns:
        ``{"space", "proxy", "adapt_with", "accuracy", "samples", "sampler", "optimizer",
        "seed", "oracle", "adapter_params", "joint", "prior_devices",
        "prior_devices_skipped", "targets": {T:
        {"hv_ratio", "front_recall", "measurements", "set_size", "front_size", "scored"}},
        "hv_ratio_min", "hv_ratio_mean", "front_recall_mean", "seconds"}``; ``nsga2`` adds
        ``"trials"``, ``"steer"``, ``"population"``, ``"evaluations"`` (architectures the
        one study trained: distinct ones)
        and ``"evaluations_per_target_studies"`` (``trials`` times the number of targets), and
        per target ``"study_scored"``: the study's distinct architectures with a target
        measurement, the only ones its set can hold (all of them on a device measured in full).

    Raises:
        UnknownDeviceError: The proxy, a target or a listed prior device is not in the data.
        UnknownNameError: Unknown optimizer or accuracy column.
        ValueError: Bad ``samples``/``trials``/``prior_devices``, a target that is also the
            proxy or in ``adapt_with``, ``adapt_with`` or listed ``prior_devices`` with
            ``samples=0``, ``adapt_with`` with a device not measured on every architecture a
            target is scored on, or a target with fewer than 3 scored architectures.
    """
    start = time.perf_counter()
    space_obj = get_space(space)
    targets = list(targets)
    params = dict(adapter_params or {})
    if isinstance(adapt_with, str):
        raise TypeError(f"The 'adapt_with' argument must be a list of device names; got the "
                        f"string {adapt_with!r}.")
    adapt_with = list(adapt_with)
    _check_args(optimizer, samples, trials, proxy, targets, sampler, population, adapt_with,
                prior_devices)
    if steer not in STEERS:
        raise UnknownNameError("steer", steer, STEERS)
    table, accuracy_table = load_tabular(space_obj, data_dirs, [proxy, *adapt_with, *targets],
                                         accuracy, table=table, accuracy_table=accuracy_table)
    acc_of = dict(zip(accuracy_table.archs, accuracy_table.column(accuracy)))
    archs = table.archs  # a copy per access: take it once
    acc = np.array([acc_of.get(a, np.nan) for a in archs])
    proxy_ms = table.column(proxy)
    pool = ProxyPool(table, [proxy, *adapt_with], space=space_obj) if samples else None
    priors = PriorPools(pool, table, prior_devices) if samples else None

    result: dict[str, Any] = {"space": space_obj.name, "proxy": proxy,
                              "adapt_with": adapt_with, "accuracy": accuracy,
                              "samples": samples, "sampler": sampler,
                              "optimizer": optimizer, "seed": seed,
                              "oracle": bool(oracle), "adapter_params": params,
                              "prior_devices": prior_devices_json(prior_devices),
                              "prior_devices_skipped": priors.skipped if priors else {}}
    rows_of: dict[str, tuple[np.ndarray, list[str]]] = {}  # scored rows, their ids
    predictors: dict[str, Any] = {}
    measured: dict[str, tuple[list[str], np.ndarray]] = {}
    for target in targets:
        y = table.column(target)
        rows = np.flatnonzero(np.isfinite(y) & np.isfinite(proxy_ms) & np.isfinite(acc))
        if len(rows) < 3:
            raise ValueError(f"Target {target!r} has {len(rows)} architectures with a target, "
                             "proxy and accuracy value; at least 3 are needed to score it.")
        ids = [archs[r] for r in rows]
        rows_of[target] = rows, ids
        if adapt_with:
            _check_pool_covers(table, adapt_with, target, rows)
        if oracle and not (optimizer == "nsga2" and steer == "targets"):
            continue  # scored with the truth, and nothing to steer
        if samples:  # adapted from K measurements (also what steers the study, oracle or not)
            rng = target_seed(seed, target)
            if sampler == "front":
                chosen = select_front_samples(pool, samples, acc[rows], candidates=ids,
                                              random_state=rng)
            else:
                chosen = select_samples(pool, samples, candidates=ids, method=sampler,
                                        random_state=rng)
            measured[target] = chosen, y[table.rows_of(chosen)]
        else:
            predictors[target] = TableLatency(table, proxy, space=space_obj)

    result["joint"] = joint = bool(joint) and len(measured) > 1
    if measured:  # each from its own K, and together: with the others' fits (0: alone)
        pools = {t: priors.without([t]) for t in measured}
        predictors.update(adapt_jointly(pool, measured, companions=None if joint else 0,
                                        pools=pools, **params))

    study = None
    if optimizer == "nsga2":
        # the optimiser benchmarked here is an Optuna study: the one place this harness needs
        # the [optuna] extra
        from oneproxy_plugins.optuna.attrs import ARCH_KEY
        from oneproxy_plugins.optuna.callback import register_target
        from oneproxy_plugins.optuna.fronts import front_rows, target_values
        from oneproxy_plugins.optuna.search import make_sampler
        from oneproxy_plugins.optuna.steering import target_steered_sampler
        from oneproxy_plugins.optuna.tabular import run_tabular_search

        size = {} if population is None else {"population_size": population}
        steer = steer if samples else "proxy"  # K=0: every target is the proxy as is
        if steer == "targets":
            search_sampler = target_steered_sampler(predictors, seed=seed, space=space_obj,
                                                    **size)
        else:
            search_sampler = make_sampler("nsga2", seed, **size)
        study = run_tabular_search(space_obj, data_dirs, accuracy=accuracy, proxy=proxy,
                                   n_trials=trials, sampler=search_sampler, seed=seed,
                                   table=table, accuracy_table=accuracy_table)
        n_distinct = len({t.user_attrs.get(ARCH_KEY) for t in study.trials})
        result.update(trials=trials, steer=steer,
                      population=getattr(search_sampler, "population_size", population),
                      evaluations=n_distinct,
                      evaluations_per_target_studies=trials * len(targets))

    per_target: dict[str, dict[str, Any]] = {}
    for target in targets:
        y = table.column(target)
        rows, ids = rows_of[target]
        predictor = (TableLatency(table, target, space=space_obj, missing="nan") if oracle
                     else predictors[target])
        if study is None:
            predicted = np.asarray(predictor.predict(ids), dtype=np.float64)
            in_set = pareto_mask(np.c_[acc[rows], predicted], ["maximize", "minimize"])
        else:
            if oracle:  # predicted on the spot: NaN (left out) where the target has no value
                data = target_values(study, predictor)
            else:
                register_target(study, target, predictor)
                data = target_values(study, target)
            row_of = {a: j for j, a in enumerate(ids)}
            scored = [k for k, t in enumerate(data.trials) if t.user_attrs[ARCH_KEY] in row_of]
            data = data._replace(trials=[data.trials[k] for k in scored],
                                 values=data.values[scored])
            set_ids = {data.trials[k].user_attrs[ARCH_KEY] for k in front_rows(data)}
            in_set = np.array([a in set_ids for a in ids], dtype=bool)
            study_scored = len({t.user_attrs[ARCH_KEY] for t in data.trials})
        per_target[target] = {
            **score_set(acc[rows], y[rows], in_set),
            "measurements": int(len(rows)) if oracle else samples,
            "scored": int(len(rows)),
        }
        if study is not None:
            per_target[target]["study_scored"] = study_scored
        logger.info("%s: hv_ratio %.4f, front_recall %.2f", target,
                    per_target[target]["hv_ratio"], per_target[target]["front_recall"])
    hv = [v["hv_ratio"] for v in per_target.values()]
    result.update(targets=per_target, hv_ratio_min=float(np.min(hv)),
                  hv_ratio_mean=float(np.mean(hv)),
                  front_recall_mean=float(np.mean([v["front_recall"]
                                                   for v in per_target.values()])),
                  seconds=round(time.perf_counter() - start, 2))
    return result


def compare_with_proxy(raw: Mapping[str, Any], adapted: Sequence[Mapping[str, Any]], *,
                       tolerance: float = 0.005) -> dict[str, Any]:
    """How often, and by how much, adapting made a front worse than the proxy as is.

    Args:
        raw: A :func:`run_search_bench` result with ``samples=0`` (the proxy's latency as is;
            it does not depend on the seed).
        adapted: Results with ``samples > 0`` on the same targets (one per seed, say).
        tolerance: A (target, run) counts as worse when its ``hv_ratio`` is below the raw
            proxy's by more than this.

    Returns:
        ``{"n", "n_worse", "share_worse", "worst": {"target", "seed", "hv_ratio",
        "raw_hv_ratio", "difference"}, "hv_ratio_min", "hv_ratio_mean", "front_recall_mean"}``
        over every (target, run).

    Raises:
        ValueError: ``raw`` has ``samples`` other than 0, or a target of ``adapted`` is not in
            ``raw``.
    """
    if raw.get("samples") != 0:
        raise ValueError("The 'raw' result must come from samples=0 (the proxy as is); got "
                         f"samples={raw.get('samples')!r}.")
    rows = []
    for result in adapted:
        for target, score in result["targets"].items():
            if target not in raw["targets"]:
                raise ValueError(f"Target {target!r} is not in the raw proxy's result; it has "
                                 f"{sorted(raw['targets'])}.")
            base = raw["targets"][target]["hv_ratio"]
            rows.append((score["hv_ratio"] - base, target, result.get("seed"),
                         score["hv_ratio"], base, score["front_recall"]))
    if not rows:
        raise ValueError("The 'adapted' results hold no target.")
    diff = np.array([r[0] for r in rows])
    worst = min(rows, key=lambda r: r[0])
    return {"n": len(rows), "n_worse": int((diff < -tolerance).sum()),
            "share_worse": float(np.mean(diff < -tolerance)),
            "worst": {"target": worst[1], "seed": worst[2], "hv_ratio": worst[3],
                      "raw_hv_ratio": worst[4], "difference": worst[0]},
            "hv_ratio_min": float(min(r[3] for r in rows)),
            "hv_ratio_mean": float(np.mean([r[3] for r in rows])),
            "front_recall_mean": float(np.mean([r[5] for r in rows]))}
