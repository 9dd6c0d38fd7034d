"""Tabular one-proxy searches on a data directory, and per-target fronts from a storage URL.

The functions a command line (or a notebook) calls: :func:`run_tabular_search` runs a real
Optuna study over a space whose accuracies and proxy latencies are in a data directory laid
out like ``../shared/data`` (NAS-Bench-201 on a published device: no training, seconds per
thousand trials); :func:`target_fronts` reads each target's Pareto front back from the
study's storage. :func:`open_storage` turns a storage URL into what ``optuna.create_study``
takes: ``sqlite:///path.db`` and other database URLs as they are, and a journal file as
``journal:path`` or any path ending in ``.log``/``.journal``.

Example:
    >>> from oneproxy_plugins.optuna.tabular import run_tabular_search, target_fronts
    >>> study = run_tabular_search("nasbench201", ["../shared/data"], accuracy="cifar10",
    ...                            proxy="pixel3", n_trials=100, storage="sqlite:///s.db",
    ...                            study_name="nb201", targets=["titanx_1"])  # doctest: +SKIP
    >>> fronts = target_fronts("sqlite:///s.db", "nb201")                    # doctest: +SKIP
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
from oneproxy_plugins.exceptions import UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency import LatencyTable, load_accuracy, load_data_dir
from oneproxy_plugins.optuna.attrs import list_targets
from oneproxy_plugins.optuna.fronts import front_records
from oneproxy_plugins.optuna.latency import TableLatency
from oneproxy_plugins.spaces import Arch, BaseSpace, get_space

__all__ = ["open_storage", "TabularAccuracy", "load_tabular", "make_sampler", "SAMPLERS",
           "run_tabular_search",
           "target_fronts"]

SAMPLERS = {
    "nsga2": "optuna.samplers.NSGAIISampler",
    "nsga3": "optuna.samplers.NSGAIIISampler",
    "tpe": "optuna.samplers.TPESampler",
    "random": "optuna.samplers.RandomSampler",
}
"""Sampler names :func:`make_sampler` knows."""

_JOURNAL_SUFFIXES = (".log", ".journal")


def open_storage(storage: str | os.PathLike | optuna.storages.BaseStorage | None
                 ) -> str | optuna.storages.BaseStorage | None:
    """What ``optuna.create_study(storage=...)`` takes, from a URL or path.

    Args:
        storage: ``None`` (in memory), a storage object (returned as is), a database URL
            (``sqlite:///study.db``, ``postgresql://...``), or a journal file as
            ``journal:path`` or a path ending in ``.log``/``.journal`` (several processes may
            share one; it is locked per write).

    Returns:
        The storage argument for Optuna: the storage object itself for a database URL (so a
        bad URL or an unreachable database is found here).

    Raises:
        ValueError: Neither a database URL nor a journal file, or the database cannot be
            opened (the reason is given).
    """
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    text = os.fspath(storage)
    path = text[len("journal:"):] if text.startswith("journal:") else None
    if path is None and "://" not in text and text.endswith(_JOURNAL_SUFFIXES):
        path = text
    allowed = ("a database URL (sqlite:///study.db, postgresql+psycopg2://user@host/db) or a "
               "journal file (journal:path, or a path ending in .log or .journal)")
    if path is None:
        if "://" not in text:
            raise ValueError(f"Storage {text!r} is not {allowed}.")
        import sqlalchemy.exc

        try:
            return optuna.storages.RDBStorage(text)
        except (sqlalchemy.exc.SQLAlchemyError, ImportError) as exc:  # ImportError: no driver
            reason = " ".join(str(exc).split("\n")[0].split())
            raise ValueError(f"Storage {text!r} cannot be opened ({reason}); expected "
                             f"{allowed}.") from None
    if not path:
        raise ValueError(f"Storage {text!r} names no journal file; expected {allowed}.")
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(path))


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


def load_tabular(space: str | BaseSpace, data_dirs: Any, devices: Sequence[str], accuracy: str,
                 *, table: LatencyTable | None = None,
                 accuracy_table: LatencyTable | None = None
                 ) -> tuple[LatencyTable, LatencyTable]:
    """A data directory's latency and accuracy tables (those given are kept), checked.

    Raises:
        UnknownDeviceError: A device is not in the latency table.
        UnknownNameError: ``accuracy`` is not a column of the accuracy table.
    """
    if table is None:
        table = load_data_dir(data_dirs, space)
    if accuracy_table is None:
        accuracy_table = load_accuracy(data_dirs, space)
    for device in devices:
        if device not in table:
            raise UnknownDeviceError(device, table.devices)
    if accuracy not in accuracy_table:
        raise UnknownNameError("accuracy column", accuracy, accuracy_table.devices)
    return table, accuracy_table


def make_sampler(name: str, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """An Optuna sampler by short name (see :data:`SAMPLERS`)."""
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, **kwargs)
    if name == "nsga3":
        return optuna.samplers.NSGAIIISampler(seed=seed, **kwargs)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, **kwargs)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed, **kwargs)
    raise UnknownNameError("sampler", name, SAMPLERS)


def run_tabular_search(space: str | BaseSpace, data_dirs: str | os.PathLike | Sequence[Any], *,
                       accuracy: str, proxy: str, n_trials: int,
                       storage: Any = None, study_name: str | None = None,
                       sampler: str = "nsga2", seed: int | None = 0,
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
        sampler: ``nsga2``, ``nsga3``, ``tpe`` or ``random``.
        seed: The sampler's seed (``None``: unseeded; give each worker process its own).
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
    from oneproxy_plugins.optuna.search import run_search

    space_obj = get_space(space)
    check_int("n_trials", n_trials, 1)  # before the tables are read
    table, accuracy_table = load_tabular(space_obj, data_dirs, [proxy, *targets], accuracy,
                                         table=table, accuracy_table=accuracy_table)
    return run_search(TabularAccuracy(accuracy_table, accuracy),
                      TableLatency(table, proxy, space=space_obj), n_trials=n_trials,
                      targets={t: TableLatency(table, t, space=space_obj) for t in targets},
                      storage=storage, study_name=study_name, sampler=sampler, seed=seed,
                      max_ms=max_ms, n_jobs=n_jobs, proxy_name=proxy)


def target_fronts(storage: Any, study_name: str | None = None, *,
                  targets: Sequence[str] | None = None, max_ms: float | None = None
                  ) -> dict[str, list[dict[str, Any]]]:
    """Each target's Pareto front of a stored study, as JSON-able rows.

    Args:
        storage: The study's storage (see :func:`open_storage`).
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
