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
from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency import LatencyTable, load_data_dir
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.sampling import SAMPLERS, select_samples
from oneproxy_plugins.spaces import get_space

__all__ = ["run_fewshot", "protocol_split", "PROTOCOLS", "HELP_SPLITS"]

PROTOCOLS = ("all", "help")
HELP_SPLITS = {"nasbench201": (900, 1000), "fbnet": (4000, 1000), "ofa_mbv3": (4000, 1000)}
"""``space -> (n_sample_pool, n_scored)`` of HELP's meta-test split, by architecture index."""


def protocol_split(table: LatencyTable, target: str, protocol: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Rows the samples may come from and rows SRCC is computed over, for one target.

    Raises:
        ValueError: Unknown protocol, or ``help`` on a table without benchmark indices or on a
            space without a HELP split.
    """
    check_choice("protocol", protocol, PROTOCOLS)
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


def run_fewshot(space: str, data_dirs: Sequence[str | os.PathLike], *, proxies: Sequence[str],
                targets: Sequence[str], samples: int, repeats: int = 30, seed: int = 0,
                method: str = "adaproxy", sampler: str = "greedy", protocol: str = "all",
                table: LatencyTable | None = None, progress: bool = False,
                feature_set: str = "latency",
                adapter_params: Mapping[str, Any] | None = None) -> dict[str, Any]:
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
        protocol: ``all`` or ``help`` (see the module docstring).
        table: An already loaded table (then ``data_dirs`` is not read).
        progress: Show a progress bar.
        feature_set: Features the proxy pool models latency on (see
            :class:`~oneproxy_plugins.adaproxy.ProxyPool`): ``"latency"`` (default) or
            ``"encoding"``, the space's encoding alone (an ablation).
        adapter_params: Constructor arguments for the method's adapter beyond the pool (see
            :func:`~oneproxy_plugins.adaproxy.make_adapter`), e.g. ``{"slope_var": 0.0}``.

    Returns:
        ``{"space", "samples", "repeats", "method", "sampler", "protocol", "proxies", "seed",
        "feature_set", "adapter_params",
        "targets": {T: {"srcc_mean", "srcc_std", "n_scored"}}, "srcc_mean", "fit_ms_median",
        "predict_ms_median"}``.

    Raises:
        UnknownDeviceError: A proxy or target is not in the data.
        UnknownNameError: Unknown method or sampler.
        ValueError: ``samples`` larger than the rows a target has, a NaN-only or constant
            target, a target also used as a proxy, bad repeats, an unknown feature set.
        TypeError: ``adapter_params`` the method's adapter does not take.
    """
    space_obj = get_space(space)
    adapter = get_adapter(method)
    if sampler not in SAMPLERS:
        raise UnknownNameError("sampler", sampler, SAMPLERS)
    params = dict(adapter_params or {})
    adapter.build(None, **params)  # an unknown parameter fails before any work
    check_choice("feature_set", feature_set, FEATURE_SETS)
    samples, repeats = check_int("samples", samples, 3), check_int("repeats", repeats, 1)
    if not proxies or not targets:
        raise ValueError("At least one proxy and one target are needed.")
    overlap = sorted(set(proxies) & set(targets))
    if overlap:
        raise ValueError(f"Device(s) {overlap} are both proxy and target; a target must be unseen.")
    if table is None:
        table = load_data_dir(data_dirs, space_obj)
    for device in [*proxies, *targets]:
        if device not in table:
            raise UnknownDeviceError(device, table.devices)
    for target in targets:
        _check_target(table, target)
    pool = ProxyPool(table, proxies, space=space_obj, feature_set=feature_set)
    archs = table.archs  # a copy per access: take it once
    pool_rows_of_table = pool.rows(archs)

    splits = {}
    for target in targets:
        sample_rows, scored_rows = protocol_split(table, target, protocol)
        sample_rows = sample_rows[pool_rows_of_table[sample_rows] >= 0]
        scored_rows = scored_rows[pool_rows_of_table[scored_rows] >= 0]
        if samples > len(sample_rows):
            raise ValueError(f"--samples {samples} is larger than the {len(sample_rows)} "
                             f"architectures target {target!r} has to sample from "
                             f"(protocol {protocol!r}).")
        if len(scored_rows) < 3:
            raise ValueError(f"Target {target!r} has only {len(scored_rows)} architectures to "
                             "score.")
        splits[target] = (sample_rows, scored_rows)

    iterator: Any = [(i, t, r) for i, t in enumerate(targets) for r in range(repeats)]
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator, desc="fewshot", unit="fit")
    scores: dict[str, list[float]] = {t: [] for t in targets}
    fit_ms: list[float] = []
    predict_ms: list[float] = []
    for i, target, r in iterator:
        sample_rows, scored_rows = splits[target]
        y = table.column(target)
        rng = np.random.default_rng(seed * 1_000_003 + 1000 * i + r)
        candidates = [archs[j] for j in sample_rows]
        chosen = select_samples(pool, samples, candidates=candidates, method=sampler,
                                random_state=rng)
        chosen_rows = table.rows_of(chosen)
        model = adapter.build(pool, proxy=proxies[0], **params)
        start = time.perf_counter()
        model.fit(chosen, y[chosen_rows])
        fit_ms.append(1e3 * (time.perf_counter() - start))
        scored_archs = [archs[j] for j in scored_rows]
        start = time.perf_counter()
        pred = model.predict(scored_archs)
        predict_ms.append(1e3 * (time.perf_counter() - start))
        scores[target].append(srcc(pred, y[scored_rows]))
    per_target = {t: {"srcc_mean": float(np.mean(s)), "srcc_std": float(np.std(s)),
                      "n_scored": int(len(splits[t][1]))} for t, s in scores.items()}
    return {
        "space": space_obj.name, "samples": samples, "repeats": repeats, "method": method,
        "sampler": sampler, "protocol": protocol, "proxies": list(proxies), "seed": seed,
        "feature_set": feature_set, "adapter_params": params,
        "targets": per_target,
        "srcc_mean": float(np.mean([v["srcc_mean"] for v in per_target.values()])),
        "fit_ms_median": float(np.median(fit_ms)),
        "predict_ms_median": float(np.median(predict_ms)),
    }
