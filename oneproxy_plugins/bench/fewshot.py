"""`oneproxy bench fewshot`: few-shot target latency prediction, scored by SRCC.

For each target device and repeat, a sampler chooses ``K`` architectures whose target latency
the method may use; the proxies' tables are used in full. The method predicts the target
latency of the scored architectures and the score is Spearman's rank correlation with the
truth.

Protocols:
    ``all`` (default): samples from, and SRCC over, every architecture measured on the target.
    ``help``: HELP's meta-test split, so its published numbers compare side by side. Samples
    come from the first 900 (nasbench201) or 4000 (fbnet, ofa_mbv3) architecture indices and
    SRCC is computed over the next 1000; both pools are trimmed to the target's 10th-90th
    latency percentile, as HELP's loader does. HELP also uses 10 fixed reference measurements
    on the target beside its K samples; here K is all the target measurements used.
    ``lodo`` / ``lodo-help``: nested leave-one-device-out, scored like ``all`` / ``help``
    (:func:`run_lodo`). Every device of ``targets`` is left out in turn; its pool is
    ``proxies`` without it, and the adapter's parameters are chosen from a grid by the mean
    score over the *other* devices of ``targets`` (each scored with ``proxies`` less both), so
    nothing about the left-out device, not even as a proxy, goes into the choice. Proxies may
    be targets here: that is the point. A handful of validation devices predicted 0.96-0.98
    where devices outside the data gave 0.92-0.96 (issue 17); every device scored this way is
    a closer stand-in for the device a user brings.

Example:
    >>> from oneproxy_plugins.bench.fewshot import run_fewshot
    >>> result = run_fewshot("nasbench201", ["../shared/data"], proxies=["pixel3"],
    ...                      targets=["titanx_1"], samples=10, repeats=2)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_choice, check_int
from oneproxy_plugins.adaproxy import FEATURE_SETS, ProxyPool, get_adapter
from oneproxy_plugins.adaproxy.pool import PRIOR_DEVICES, PriorPools, prior_devices_json
from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency import LatencyTable, load_data_dir
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.sampling import SAMPLERS, select_samples
from oneproxy_plugins.spaces import get_space

__all__ = ["run_fewshot", "run_lodo", "protocol_split", "interval_scores", "PROTOCOLS",
           "PRIOR_DEVICES", "HELP_SPLITS", "LODO_GRIDS"]

PROTOCOLS = ("all", "help", "lodo", "lodo-help")
LODO_GRIDS: dict[str, list[dict[str, Any]]] = {
    "adaproxy": [{"guard": "loo"}, {"guard": "none"}],
}
"""Default parameter grid of :func:`run_lodo` per method (other methods: their defaults only)."""
INTERVAL_COVERAGE = 0.9
"""The predictive interval the benchmark scores (``coverage90``, ``interval_score90``)."""
HELP_SPLITS = {"nasbench201": (900, 1000), "fbnet": (4000, 1000), "ofa_mbv3": (4000, 1000)}
"""``space -> (n_sample_pool, n_scored)`` of HELP's meta-test split, by architecture index."""


def interval_scores(truth: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                    coverage: float = INTERVAL_COVERAGE) -> dict[str, float]:
    """How well central predictive intervals hold the truth.

    Returns:
        ``{"coverage90": share of the truths inside, "interval_score90": mean interval score
        in log ms}``: the width ``log(upper / lower)`` plus ``2 / (1 - coverage)`` times how far
        a truth falls outside (Gneiting and Raftery's proper scoring rule: lower is better, and
        neither a narrow interval that misses nor a wide one that always holds wins).
    """
    log_truth, log_lower, log_upper = np.log(truth), np.log(lower), np.log(upper)
    penalty = 2.0 / (1.0 - coverage)
    score = (log_upper - log_lower + penalty * np.clip(log_lower - log_truth, 0.0, None)
             + penalty * np.clip(log_truth - log_upper, 0.0, None))
    return {"coverage90": float(np.mean((truth >= lower) & (truth <= upper))),
            "interval_score90": float(np.mean(score))}


def protocol_split(table: LatencyTable, target: str, protocol: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Rows the samples may come from and rows SRCC is computed over, for one target.

    Raises:
        ValueError: Unknown protocol, or ``help`` on a table without benchmark indices or on a
            space without a HELP split.
    """
    check_choice("protocol", protocol, PROTOCOLS)
    protocol = protocol.removeprefix("lodo-") if protocol.startswith("lodo-") else (
        "all" if protocol == "lodo" else protocol)
    y = table.column(target)
    measured = ~np.isnan(y)
    if protocol == "all":
        rows = np.flatnonzero(measured)
        return rows, rows
    if table.space not in HELP_SPLITS:
        raise ValueError(f"The 'help' protocol has splits for {sorted(HELP_SPLITS)}; "
                         f"not for {table.space!r}.")
    if table.index is None:
        raise ValueError("The 'help' protocol needs the benchmark's architecture indices.")
    n_pool, n_scored = HELP_SPLITS[table.space]
    index = table.index
    low, high = np.nanpercentile(y, [10, 90])
    inside = measured & (y >= low) & (y <= high)
    pool_rows = np.flatnonzero(inside & (index < n_pool))
    scored_rows = np.flatnonzero(inside & (index >= n_pool) & (index < n_pool + n_scored))
    return pool_rows, scored_rows


def _check_target(table: LatencyTable, target: str) -> None:
    y = table.column(target)
    finite = y[~np.isnan(y)]
    if finite.size == 0:
        raise ValueError(f"Target {target!r} has no measurement (every value is missing).")
    if np.ptp(finite) == 0:
        raise ValueError(f"Target {target!r} is constant ({finite[0]} ms on every "
                         "architecture): it has no ranking to predict.")


class _Runner:
    """One benchmark's table, pools, splits and sample choices, built once and shared by every
    fit (leave-one-device-out refits the same target with many pools and parameters)."""

    def __init__(self, table: LatencyTable, space: Any, *, samples: int, sampler: str,
                 protocol: str, seed: int, feature_set: str, adapter: Any,
                 prior_devices: str | Sequence[str]) -> None:
        self.table, self.space, self.samples, self.sampler = table, space, samples, sampler
        self.protocol, self.seed, self.feature_set, self.adapter = (protocol, seed, feature_set,
                                                                    adapter)
        self.prior_devices = prior_devices
        self.prior_skipped: dict[str, int] = {}  # "others" measured on too few of a pool
        self.archs = table.archs  # a copy per access: take it once
        self._pools: dict[tuple[str, ...], tuple[ProxyPool, np.ndarray]] = {}
        self._priors: dict[tuple[str, ...], PriorPools] = {}  # by proxies
        self._splits: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._chosen: dict[tuple[Any, ...], list[str]] = {}

    def pool(self, proxies: Sequence[str]) -> tuple[ProxyPool, np.ndarray]:
        key = tuple(proxies)
        if key not in self._pools:
            pool = ProxyPool(self.table, list(proxies), space=self.space,
                             feature_set=self.feature_set)
            self._pools[key] = (pool, pool.rows(self.archs))
        return self._pools[key]

    def model_pool(self, proxies: Sequence[str], exclude: Sequence[str]) -> ProxyPool:
        """The pool the method adapts with: :meth:`pool`, with the prior devices
        (``prior_devices``, :class:`~oneproxy_plugins.adaproxy.pool.PriorPools`; those
        ``"others"`` skips noted in ``prior_skipped``) less ``exclude`` (the target, and any
        device left out) and the proxies."""
        key = tuple(proxies)
        if key not in self._priors:
            self._priors[key] = PriorPools(self.pool(proxies)[0], self.table, self.prior_devices)
            self.prior_skipped.update(self._priors[key].skipped)
        return self._priors[key].without(exclude)

    def split(self, proxies: Sequence[str], target: str) -> tuple[np.ndarray, np.ndarray]:
        key = (tuple(proxies), target)
        if key not in self._splits:
            _, rows_in_pool = self.pool(proxies)
            sample_rows, scored_rows = protocol_split(self.table, target, self.protocol)
            sample_rows = sample_rows[rows_in_pool[sample_rows] >= 0]
            scored_rows = scored_rows[rows_in_pool[scored_rows] >= 0]
            if self.samples > len(sample_rows):
                raise ValueError(f"--samples {self.samples} is larger than the {len(sample_rows)} "
                                 f"architectures target {target!r} has to sample from "
                                 f"(protocol {self.protocol!r}).")
            if len(scored_rows) < 3:
                raise ValueError(f"Target {target!r} has only {len(scored_rows)} architectures "
                                 "to score.")
            self._splits[key] = (sample_rows, scored_rows)
        return self._splits[key]

    def score(self, proxies: Sequence[str], target: str, index: int, repeat: int,
              params: Mapping[str, Any], *, interval: bool = False,
              left_out: Sequence[str] = ()
              ) -> tuple[float, float, float, dict[str, float] | None]:
        """SRCC, fit ms, predict ms and (``interval``) the model's central 90 % predictive
        interval scored on the architectures (:func:`interval_scores`; ``None`` for a method
        without one), with the SRCC the fit expects there (``srcc_expected``, the mean of
        ``posterior_srcc``; ``None`` for a method without it), of one repeat (seed
        ``seed * 1_000_003 + 1000 * index + repeat``). The samples are chosen with the
        proxies alone (:meth:`pool`), the same whatever the prior devices; the method adapts
        with :meth:`model_pool`, without the target and ``left_out``."""
        chosen, measured = self.measured(proxies, target, index, repeat)
        model = self.adapter.build(self.model_pool(proxies, (target, *left_out)),
                                   proxy=proxies[0], **params)
        start = time.perf_counter()
        model.fit(chosen, measured)
        fit_ms = 1e3 * (time.perf_counter() - start)
        score, predict_ms, scores = self.evaluate(model, proxies, target, interval=interval)
        return score, fit_ms, predict_ms, scores

    def measured(self, proxies: Sequence[str], target: str, index: int, repeat: int
                 ) -> tuple[list[str], np.ndarray]:
        """The architectures chosen for one repeat (seed ``seed * 1_000_003 + 1000 * index +
        repeat``) and their target latencies."""
        pool, _ = self.pool(proxies)
        sample_rows, _ = self.split(proxies, target)
        key = (tuple(proxies), target, index, repeat)
        if key not in self._chosen:
            rng = np.random.default_rng(self.seed * 1_000_003 + 1000 * index + repeat)
            candidates = [self.archs[j] for j in sample_rows]
            self._chosen[key] = select_samples(pool, self.samples, candidates=candidates,
                                               method=self.sampler, random_state=rng)
        chosen = self._chosen[key]
        return chosen, self.table.column(target)[self.table.rows_of(chosen)]

    def evaluate(self, model: Any, proxies: Sequence[str], target: str, *,
                 interval: bool = False) -> tuple[float, float, dict[str, float] | None]:
        """A fitted model's SRCC on the target's scored architectures, its predict ms and
        (``interval``) its interval scores (see :meth:`score`)."""
        _, scored_rows = self.split(proxies, target)
        y = self.table.column(target)
        scored_archs = [self.archs[j] for j in scored_rows]
        start = time.perf_counter()
        pred = model.predict(scored_archs)
        predict_ms = 1e3 * (time.perf_counter() - start)
        scores = None
        if interval and hasattr(model, "predict_interval"):
            scores = {**interval_scores(y[scored_rows],
                                        *model.predict_interval(scored_archs, INTERVAL_COVERAGE)),
                      "srcc_expected": (float(np.mean(model.posterior_srcc(scored_archs)))
                                        if hasattr(model, "posterior_srcc") else None)}
        return srcc(pred, y[scored_rows]), predict_ms, scores


def _prepare(space: str, data_dirs: Sequence[str | os.PathLike], *, devices: Sequence[str],
             samples: int, repeats: int, method: str, sampler: str, protocol: str,
             table: LatencyTable | None, feature_set: str,
             grid: Sequence[Mapping[str, Any]], prior_devices: str | Sequence[str]
             ) -> tuple[Any, Any, LatencyTable, int, int]:
    """The checks every protocol shares, before any work; the space, method and table."""
    space_obj = get_space(space)
    adapter = get_adapter(method)
    if sampler not in SAMPLERS:
        raise UnknownNameError("sampler", sampler, SAMPLERS)
    for params in grid:
        adapter.build(None, **params)  # an unknown parameter fails before any work
    check_choice("feature_set", feature_set, FEATURE_SETS)
    check_choice("protocol", protocol, PROTOCOLS)
    samples, repeats = check_int("samples", samples, 3), check_int("repeats", repeats, 1)
    if table is None:
        table = load_data_dir(data_dirs, space_obj)
    if isinstance(prior_devices, str):
        check_choice("prior_devices", prior_devices, PRIOR_DEVICES)
    for device in [*devices, *([] if isinstance(prior_devices, str) else prior_devices)]:
        if device not in table:
            raise UnknownDeviceError(device, table.devices)
    return space_obj, adapter, table, samples, repeats


def _default_prior(prior_devices: str | Sequence[str] | None) -> str | Sequence[str]:
    """``prior_devices`` as given, or (``None``) the default: ``"others"``."""
    return "others" if prior_devices is None else prior_devices


def run_fewshot(space: str, data_dirs: Sequence[str | os.PathLike], *, proxies: Sequence[str],
                targets: Sequence[str], samples: int, repeats: int = 30, seed: int = 0,
                method: str = "adaproxy", sampler: str = "greedy", protocol: str = "all",
                table: LatencyTable | None = None, progress: bool = False,
                feature_set: str = "latency",
                adapter_params: Mapping[str, Any] | None = None,
                joint: bool = False,
                prior_devices: str | Sequence[str] | None = None) -> dict[str, Any]:
    """Run the few-shot benchmark and return the JSON-able result of the CLI contract.

    Args:
        space: ``nasbench201``, ``fbnet`` or ``ofa_mbv3`` (or any registered space with data).
        data_dirs: Data directories laid out like ``../shared/data``; joined on architecture.
        proxies: Proxy devices, used in full.
        targets: Target devices, each seen only through ``samples`` measurements.
        samples: K, the target measurements per repeat.
        repeats: Repeats per target (seeded).
        seed: Base seed; repeat ``r`` of target ``i`` uses ``seed * 1_000_003 + 1000 * i + r``.
        method: Adaptation method, a name of the registry
            (:func:`oneproxy_plugins.adaproxy.list_adapters`; plugins add theirs).
        sampler: Sample chooser (see :data:`oneproxy_plugins.sampling.SAMPLERS`).
        protocol: ``all``, ``help``, ``lodo`` or ``lodo-help`` (see the module docstring; the
            last two run :func:`run_lodo` with its default grid).
        table: An already loaded table (then ``data_dirs`` is not read).
        progress: Show a progress bar.
        feature_set: Features the proxy pool models latency on (see
            :class:`~oneproxy_plugins.adaproxy.ProxyPool`): ``"latency"`` (default) or
            ``"encoding"``, the space's encoding alone (an ablation).
        adapter_params: Constructor arguments for the method's adapter beyond the pool (see
            :func:`~oneproxy_plugins.adaproxy.make_adapter`), e.g. ``{"slope_var": 0.0}``.
        joint: Adapt the targets of each repeat together
            (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`, ``adaproxy`` only): each
            target still has its own ``samples`` measurements, and its pool gains the other
            targets' fits. A multi-target protocol: a user who brings several targets; the
            single-target figures are ``joint=False`` (default). ``fit_ms_median`` is then
            the joint fit's time per target.
        prior_devices: Devices whose linear latency weights join the proxies' in the
            adapter's prior (:class:`~oneproxy_plugins.adaproxy.ProxyPool`'s
            ``prior_devices``): ``"others"`` (every device of the data but the target scored
            and, with ``lodo``, the devices left out; one measured on no more of the
            proxies' architectures than there are features is left out and named in
            ``"prior_devices_skipped"``), ``"none"``, or a list (less those). The samples are
            chosen with the proxies alone either way. Default (``None``): ``"others"``. With
            ``joint``, each target's two fits have the prior devices less itself (the other
            targets' tables included: each target is the one left out).

    Returns:
        ``{"space", "samples", "repeats", "method", "sampler", "protocol", "proxies", "seed",
        "feature_set", "adapter_params", "joint", "prior_devices", "prior_devices_skipped",
        "targets": {T: {"srcc_mean", "srcc_std", "n_scored", "coverage90",
        "interval_score90", "srcc_expected"}}, "srcc_mean", "coverage90_mean",
        "coverage90_min", "interval_score90_mean", "srcc_expected_mean",
        "srcc_expected_worst_over", "fit_ms_median", "predict_ms_median"}`` (``lodo``:
        :func:`run_lodo`'s). ``coverage90`` and ``interval_score90``: the adapter's central
        90 % predictive interval (``predict_interval``) on the scored architectures, means
        over the repeats (:func:`interval_scores`); ``coverage90_min``: the lowest target's;
        ``None`` for a method without intervals. ``srcc_expected``: the SRCC the fit expects
        on the scored architectures, judged by itself (the mean of ``posterior_srcc``), mean
        over the repeats; ``srcc_expected_worst_over``: the most a target's exceeds its
        measured ``srcc_mean``; ``None`` for a method without it.

    Raises:
        UnknownDeviceError: A proxy or target is not in the data.
        UnknownNameError: Unknown method or sampler.
        ValueError: ``samples`` larger than the rows a target has, a NaN-only or constant
            target, a target also used as a proxy, bad repeats, an unknown feature set,
            ``joint`` with a method other than ``adaproxy`` or with a ``lodo`` protocol.
        TypeError: ``adapter_params`` the method's adapter does not take.
    """
    if joint and method != "adaproxy":
        raise ValueError(f"joint adapts with adaproxy (adapt_jointly); got method {method!r}.")
    if joint and protocol in ("lodo", "lodo-help"):
        raise ValueError(f"joint is a protocol of its own; it does not nest in {protocol!r} "
                         "(use 'all' or 'help').")
    prior_devices = _default_prior(prior_devices)
    if protocol in ("lodo", "lodo-help"):
        grid = [dict(adapter_params)] if adapter_params else None
        return run_lodo(space, data_dirs, proxies=proxies, targets=targets, samples=samples,
                        repeats=repeats, seed=seed, method=method, sampler=sampler,
                        protocol=protocol, table=table, progress=progress,
                        feature_set=feature_set, grid=grid, prior_devices=prior_devices)
    params = dict(adapter_params or {})
    if not proxies or not targets:
        raise ValueError("At least one proxy and one target are needed.")
    space_obj, adapter, table, samples, repeats = _prepare(
        space, data_dirs, devices=[*proxies, *targets], samples=samples, repeats=repeats,
        method=method, sampler=sampler, protocol=protocol, table=table,
        feature_set=feature_set, grid=[params], prior_devices=prior_devices)
    overlap = sorted(set(proxies) & set(targets))
    if overlap:
        raise ValueError(f"Device(s) {overlap} are both proxy and target; a target must be unseen.")
    for target in targets:
        _check_target(table, target)
    runner = _Runner(table, space_obj, samples=samples, sampler=sampler, protocol=protocol,
                     seed=seed, feature_set=feature_set, adapter=adapter,
                     prior_devices=prior_devices)
    for target in targets:
        runner.split(proxies, target)  # a target too small fails before any work

    scores: dict[str, list[float]] = {t: [] for t in targets}
    intervals: dict[str, list[dict[str, float] | None]] = {t: [] for t in targets}
    fit_ms: list[float] = []
    predict_ms: list[float] = []
    if joint:
        _run_joint(runner, proxies, targets, repeats, params, progress, scores, intervals,
                   fit_ms, predict_ms)
    else:
        iterator: Any = [(i, t, r) for i, t in enumerate(targets) for r in range(repeats)]
        if progress:
            from tqdm.auto import tqdm
            iterator = tqdm(iterator, desc="fewshot", unit="fit")
        for i, target, r in iterator:
            score, fit, predict, interval = runner.score(proxies, target, i, r, params,
                                                         interval=True)
            scores[target].append(score)
            intervals[target].append(interval)
            fit_ms.append(fit)
            predict_ms.append(predict)
    per_target = {t: {"srcc_mean": float(np.mean(s)), "srcc_std": float(np.std(s)),
                      "n_scored": int(len(runner.split(proxies, t)[1])),
                      **_interval_means(intervals[t])}
                  for t, s in scores.items()}
    return {
        "space": space_obj.name, "samples": samples, "repeats": repeats, "method": method,
        "sampler": sampler, "protocol": protocol, "proxies": list(proxies), "seed": seed,
        "feature_set": feature_set, "adapter_params": params, "joint": bool(joint),
        "prior_devices": prior_devices_json(prior_devices),
        "prior_devices_skipped": runner.prior_skipped, "targets": per_target,
        "srcc_mean": float(np.mean([v["srcc_mean"] for v in per_target.values()])),
        **_coverage_summary(per_target),
        "fit_ms_median": float(np.median(fit_ms)),
        "predict_ms_median": float(np.median(predict_ms)),
    }


def _run_joint(runner: _Runner, proxies: Sequence[str], targets: Sequence[str], repeats: int,
               params: Mapping[str, Any], progress: bool, scores: dict[str, list[float]],
               intervals: dict[str, list[dict[str, float] | None]], fit_ms: list[float],
               predict_ms: list[float]) -> None:
    """``run_fewshot(joint=True)``: per repeat, every target's own samples (as alone), all
    targets adapted together, each scored as alone."""
    from oneproxy_plugins.adaproxy.joint import adapt_jointly

    pool, _ = runner.pool(proxies)
    iterator: Any = range(repeats)
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator, desc="fewshot (joint)", unit="repeat")
    pools = {t: runner.model_pool(proxies, (t,)) for t in targets}  # each without itself
    for r in iterator:
        measured = {t: runner.measured(proxies, t, i, r) for i, t in enumerate(targets)}
        start = time.perf_counter()
        fits = adapt_jointly(pool, measured, pools=pools, **params)
        fit_ms.append(1e3 * (time.perf_counter() - start) / len(targets))
        for target in targets:
            score, predict, interval = runner.evaluate(fits[target], proxies, target,
                                                       interval=True)
            scores[target].append(score)
            intervals[target].append(interval)
            predict_ms.append(predict)


_UNCERTAINTY_KEYS = ("coverage90", "interval_score90", "srcc_expected")


def _interval_means(repeats: Sequence[dict[str, float | None] | None]
                    ) -> dict[str, float | None]:
    """A target's ``coverage90``, ``interval_score90`` and ``srcc_expected``, means over its
    repeats (``None`` for a method without a predictive interval, or without
    ``posterior_srcc``)."""
    return {key: (None if any(r is None or r[key] is None for r in repeats)
                  else float(np.mean([r[key] for r in repeats])))  # type: ignore[index]
            for key in _UNCERTAINTY_KEYS}


def _coverage_summary(per_target: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``coverage90_mean`` and ``interval_score90_mean`` over the targets, and the lowest
    target's coverage, ``coverage90_min`` (``None`` for a method without intervals); the
    targets' mean ``srcc_expected`` and the most a target's exceeded its measured SRCC,
    ``srcc_expected_mean`` and ``srcc_expected_worst_over`` (``None`` without it)."""
    summary: dict[str, Any] = {"coverage90_mean": None, "coverage90_min": None,
                               "interval_score90_mean": None, "srcc_expected_mean": None,
                               "srcc_expected_worst_over": None}
    targets = list(per_target.values())
    if all(v["coverage90"] is not None for v in targets):
        coverage = [v["coverage90"] for v in targets]
        summary.update(coverage90_mean=float(np.mean(coverage)),
                       coverage90_min=float(np.min(coverage)),
                       interval_score90_mean=float(np.mean([v["interval_score90"]
                                                            for v in targets])))
    if all(v["srcc_expected"] is not None for v in targets):
        summary.update(srcc_expected_mean=float(np.mean([v["srcc_expected"] for v in targets])),
                       srcc_expected_worst_over=float(max(v["srcc_expected"] - v["srcc_mean"]
                                                          for v in targets)))
    return summary


def run_lodo(space: str, data_dirs: Sequence[str | os.PathLike], *, proxies: Sequence[str],
             targets: Sequence[str], samples: int, repeats: int = 30, seed: int = 0,
             method: str = "adaproxy", sampler: str = "greedy", protocol: str = "lodo",
             table: LatencyTable | None = None, progress: bool = False,
             feature_set: str = "latency",
             grid: Sequence[Mapping[str, Any]] | None = None,
             inner_repeats: int = 3,
             prior_devices: str | Sequence[str] | None = None) -> dict[str, Any]:
    """Nested leave-one-device-out: each device scored with parameters chosen without it.

    For each device ``d`` of ``targets``: for each candidate of ``grid``, the mean SRCC over
    the other devices ``e`` of ``targets`` (``inner_repeats`` repeats each), each adapted with
    the pool ``proxies`` less ``d`` and ``e``; the best candidate is then scored on ``d`` with
    the pool ``proxies`` less ``d`` (``repeats`` repeats). Repeat ``r`` of a device uses the
    seed ``seed * 1_000_003 + 1000 * i + r``, ``i`` its position in ``targets``, in the inner
    and the outer loop alike.

    Args:
        space, data_dirs, samples, seed, method, sampler, table, progress, feature_set: As for
            :func:`run_fewshot`.
        proxies: The proxy pool; a device of ``targets`` that is in it leaves it when scored.
        targets: The devices left out in turn (at least 2; they may be proxies too).
        repeats: Repeats of each left-out device's own score.
        protocol: ``lodo`` (score every architecture) or ``lodo-help`` (HELP's split).
        grid: Candidate constructor arguments of the method's adapter (default
            :data:`LODO_GRIDS` of the method, else its defaults alone).
        inner_repeats: Repeats of each inner device when choosing.
        prior_devices: As for :func:`run_fewshot`; never a device left out (``d``, and ``e``
            in the inner fits).

    Returns:
        :func:`run_fewshot`'s keys, with ``"targets"``:
        ``{T: {"srcc_mean", "srcc_std", "srcc_min", "coverage90", "interval_score90",
        "srcc_expected", "n_scored", "n_measured", "chosen", "inner"}}`` (``n_measured``: the
        architectures measured on ``T``)
        (``chosen``: the grid index picked without ``T``; ``inner``: each candidate's mean
        over the other devices, ``None`` for a grid of one, which is taken without them),
        and ``"grid"``, ``"inner_repeats"``, ``"srcc_worst_device"``
        (the lowest device mean, and its name in ``"worst_device"``), ``"srcc_worst"`` (the
        lowest single repeat), ``"coverage90_mean"``, ``"coverage90_min"``,
        ``"interval_score90_mean"``, ``"srcc_expected_mean"``, ``"srcc_expected_worst_over"``
        and
        ``"chosen_counts"`` (how often each candidate was picked).

    Raises:
        ValueError: Fewer than 2 devices, a proxy pool left empty, a protocol other than the
            two ``lodo`` ones, and :func:`run_fewshot`'s.
    """
    prior_devices = _default_prior(prior_devices)
    if grid is None:
        grid = LODO_GRIDS.get(method, [{}])
    grid = [dict(g) for g in grid]
    if not grid:
        raise ValueError("The 'grid' argument must hold at least one parameter set; got [].")
    check_choice("protocol", protocol, ("lodo", "lodo-help"))
    inner_repeats = check_int("inner_repeats", inner_repeats, 1)
    targets = list(dict.fromkeys(targets))
    if len(targets) < 2 or not proxies:
        raise ValueError("Leave-one-device-out needs at least 2 target devices and a proxy; "
                         f"got {len(targets)} target(s) and {len(proxies)} proxies.")
    if len(set(proxies) - set(targets)) == 0 and len(proxies) < 3:
        raise ValueError("Leave-one-device-out leaves two devices out of the pool at a time; "
                         f"{len(proxies)} proxies that are all targets leave none.")
    space_obj, adapter, table, samples, repeats = _prepare(
        space, data_dirs, devices=[*proxies, *targets], samples=samples, repeats=repeats,
        method=method, sampler=sampler, protocol=protocol, table=table,
        feature_set=feature_set, grid=grid, prior_devices=prior_devices)
    for target in targets:
        _check_target(table, target)
    runner = _Runner(table, space_obj, samples=samples, sampler=sampler, protocol=protocol,
                     seed=seed, feature_set=feature_set, adapter=adapter,
                     prior_devices=prior_devices)

    def pool_without(*devices: str) -> list[str]:
        return [p for p in proxies if p not in devices]

    index = {t: i for i, t in enumerate(targets)}
    inner: dict[tuple[str, str, int], float] = {}  # (left out, inner device, candidate) -> mean
    # a single candidate is chosen without looking: no inner fits (its scores are the same)
    choosing = len(grid) > 1
    n_inner = len(targets) * (len(targets) - 1) * len(grid) * inner_repeats if choosing else 0
    bar: Any = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n_inner + len(targets) * repeats, desc="lodo", unit="fit")
    per_target: dict[str, dict[str, Any]] = {}
    fit_ms: list[float] = []
    predict_ms: list[float] = []
    all_scores: list[float] = []
    for d in targets:
        means: list[float] = []
        for c, params in enumerate(grid if choosing else []):
            inner_scores = []
            for e in targets:
                if e == d:
                    continue
                key = (d, e, c)
                if key not in inner:
                    pool = pool_without(d, e)
                    if not pool:
                        raise ValueError(f"Leaving out {d!r} and {e!r} empties the pool.")
                    inner[key] = float(np.mean([runner.score(pool, e, index[e], r, params,
                                                             left_out=(d,))[0]
                                                for r in range(inner_repeats)]))
                    if bar is not None:
                        bar.update(inner_repeats)
                inner_scores.append(inner[key])
            means.append(float(np.mean(inner_scores)))
        chosen = int(np.argmax(means)) if means else 0
        pool = pool_without(d)
        if not pool:
            raise ValueError(f"Leaving out {d!r} empties the pool.")
        scores, intervals = [], []
        for r in range(repeats):
            score, fit, predict, interval = runner.score(pool, d, index[d], r, grid[chosen],
                                                         interval=True)
            scores.append(score)
            intervals.append(interval)
            fit_ms.append(fit)
            predict_ms.append(predict)
            if bar is not None:
                bar.update(1)
        all_scores += scores
        per_target[d] = {"srcc_mean": float(np.mean(scores)), "srcc_std": float(np.std(scores)),
                         "srcc_min": float(np.min(scores)),
                         **_interval_means(intervals),
                         "n_scored": int(len(runner.split(pool, d)[1])),
                         "n_measured": int(np.isfinite(table.column(d)).sum()), "chosen": chosen,
                         "inner": means if choosing else None}
    if bar is not None:
        bar.close()
    worst = min(per_target, key=lambda t: per_target[t]["srcc_mean"])
    return {
        "space": space_obj.name, "samples": samples, "repeats": repeats, "method": method,
        "sampler": sampler, "protocol": protocol, "proxies": list(proxies), "seed": seed,
        "feature_set": feature_set, "adapter_params": grid[0] if len(grid) == 1 else None,
        "grid": grid, "inner_repeats": inner_repeats,
        "prior_devices": prior_devices_json(prior_devices),
        "prior_devices_skipped": runner.prior_skipped, "targets": per_target,
        "srcc_mean": float(np.mean([v["srcc_mean"] for v in per_target.values()])),
        "srcc_worst_device": per_target[worst]["srcc_mean"], "worst_device": worst,
        "srcc_worst": float(np.min(all_scores)),
        **_coverage_summary(per_target),
        "chosen_counts": [sum(v["chosen"] == c for v in per_target.values())
                          for c in range(len(grid))],
        "fit_ms_median": float(np.median(fit_ms)),
        "predict_ms_median": float(np.median(predict_ms)),
    }
