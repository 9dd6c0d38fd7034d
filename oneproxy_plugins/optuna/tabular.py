"""Tabular one-proxy searches on a data directory, and per-target fronts from a storage URL.

The functions a command line (or a notebook) calls: :func:`run_tabular_search` runs a real
Optuna study over a space whose accuracies and proxy latencies are in a data directory laid
out like ``../shared/data`` (NAS-Bench-201 on a published device: no training, seconds per
thousand trials); :func:`load_target_fronts` reads each target's Pareto front back from the
study's storage (see :func:`~oneproxy_plugins.optuna.open_storage` for the URLs).

Example:
    >>> from oneproxy_plugins.optuna.tabular import load_target_fronts, run_tabular_search
    >>> study = run_tabular_search("nasbench201", ["../shared/data"], accuracy="cifar10",
    ...                            proxy="pixel3", n_trials=100, storage="sqlite:///s.db",
    ...                            study_name="nb201", targets=["titanx_1"])  # doctest: +SKIP
    >>> fronts = load_target_fronts("sqlite:///s.db", "nb201")               # doctest: +SKIP
    >>> sorted(fronts)                                                       # doctest: +SKIP
    ['proxy', 'titanx_1']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._deprecation import warn_renamed_name
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.latency import LatencyTable, TableLatency, load_tabular
from oneproxy_plugins.optuna.attrs import list_targets
from oneproxy_plugins.optuna.fronts import front_records
from oneproxy_plugins.optuna.search import run_search
from oneproxy_plugins.optuna.storage import open_storage
from oneproxy_plugins.spaces import Arch, BaseSpace, get_space

__all__ = ["TabularAccuracy", "run_tabular_search", "load_target_fronts"]


class TabularAccuracy:
    """``f(trial, arch)``: an architecture's accuracy looked up in a table (no training).

    Args:
        table: Accuracies per architecture (e.g. :func:`oneproxy_plugins.latency.load_accuracy`),
            one column per dataset, percent.
        dataset: The column.

    Raises:
        UnknownNameError: ``dataset`` is not a column (the known ones are listed).
    """

    def __init__(self, table: LatencyTable, dataset: str) -> None:
        if dataset not in table:
            raise UnknownNameError("dataset", dataset, table.devices)
        self.space = get_space(table.space)
        self.dataset = dataset
        column = table.column(dataset)
        self._accuracy = {a: float(v) for a, v in zip(table.archs, column) if np.isfinite(v)}

    def __call__(self, trial: optuna.Trial, arch: Arch) -> float:
        arch_id = self.space.to_id(arch)
        try:
            return self._accuracy[arch_id]
        except KeyError:
            raise KeyError(f"Architecture {arch_id!r} has no {self.dataset!r} accuracy in the "
                           "table.") from None


def run_tabular_search(space: str | BaseSpace, data_dirs: str | os.PathLike | Sequence[Any], *,
                       accuracy: str, proxy: str, n_trials: int,
                       storage: Any = None, study_name: str | None = None,
                       sampler: str | optuna.samplers.BaseSampler = "tpe", seed: int | None = None,
                       max_ms: float | None = None, targets: Sequence[str] = (),
                       n_jobs: int = 1, table: LatencyTable | None = None,
                       accuracy_table: LatencyTable | None = None) -> optuna.Study:
    """Run (or continue) a one-proxy search over a tabular benchmark.

    The study maximises accuracy and minimises the proxy's measured latency
    (``directions=["maximize", "minimize"]``) with :class:`OneProxyObjective`; ``targets``
    are recorded after every trial from their measured columns (the benchmark's truth).
    Several processes may run this on one storage and study name at once.

    Args:
        space: The search space.
        data_dirs: Data directories (``<dir>/<space>/latency*.csv`` and ``accuracy.csv``).
        accuracy: The accuracy column (``cifar10``, ``cifar100``, ``imagenet16_120``).
        proxy: The proxy device column.
        n_trials: Trials to run in this call.
        storage: See :func:`open_storage`; ``None`` keeps the study in memory.
        study_name: The study's name (loaded when it exists in ``storage``).
        sampler: A sampler, or a name of :data:`~oneproxy_plugins.optuna.search.SAMPLERS`
            (default ``tpe``, Optuna's own default for multi-objective studies, as
            :func:`run_search`'s).
        seed: The sampler's seed (default unseeded, as Optuna's; give each worker process
            its own).
        max_ms: A proxy latency budget: wraps the sampler in
            :class:`ProxyConstrainedSampler` so no trial goes over it.
        targets: Device columns recorded per trial with :class:`OneProxyCallback`.
        n_jobs: Threads (Optuna's ``n_jobs``).
        table: Latencies already loaded (then ``data_dirs`` is not read for them).
        accuracy_table: Accuracies already loaded.

    Returns:
        The study.

    Raises:
        UnknownDeviceError: ``proxy`` or a target is not in the data.
        UnknownNameError: Unknown ``accuracy`` column or ``sampler``.
        ValueError: ``n_trials`` is not an int >= 1.
    """
    space_obj = get_space(space)
    check_int("n_trials", n_trials, 1)  # before the tables are read
    table, accuracy_table = load_tabular(space_obj, data_dirs, [proxy, *targets], accuracy,
                                         table=table, accuracy_table=accuracy_table)
    return run_search(TabularAccuracy(accuracy_table, accuracy),
                      TableLatency(table, proxy, space=space_obj), n_trials=n_trials,
                      targets={t: TableLatency(table, t, space=space_obj) for t in targets},
                      storage=storage, study_name=study_name, sampler=sampler, seed=seed,
                      max_ms=max_ms, n_jobs=n_jobs, proxy_name=proxy)


def load_target_fronts(storage: Any, study_name: str | None = None, *,
                       targets: Sequence[str] | None = None, max_ms: float | None = None
                       ) -> dict[str, list[dict[str, Any]]]:
    """Each target's Pareto front of a stored study, as JSON-able rows.

    Args:
        storage: The study's storage (see :func:`~oneproxy_plugins.optuna.open_storage`).
        study_name: The study (may be omitted when the storage holds exactly one).
        targets: Target names (default: the proxy and every registered target); ``"proxy"``
            is the study's own front.
        max_ms: Only trials within this latency on the target.

    Returns:
        ``{target: [{"number", "arch", "values", "latency_ms"}, ...]}``, fastest first.

    Raises:
        LookupError: An unknown target (the registered ones are listed).
        KeyError: No such study in the storage.
    """
    study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    names = ["proxy", *list_targets(study)] if targets is None else list(targets)
    return {name: front_records(study, None if name == "proxy" else name, max_ms=max_ms)
            for name in names}


def target_fronts(*args: Any, **kwargs: Any) -> dict[str, list[dict[str, Any]]]:
    """Deprecated name of :func:`load_target_fronts` (same arguments)."""
    warn_renamed_name("oneproxy_plugins.optuna.target_fronts()",
                      "oneproxy_plugins.optuna.load_target_fronts()")
    return load_target_fronts(*args, **kwargs)
