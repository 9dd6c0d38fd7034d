"""`measure_archs`: measure architectures of a space on this host, resumably.

The architectures still missing from the results file are taken in chunks (bounded in count
and in parameter memory). For each chunk every network is built and prepared once, kept in
memory, and timed in interleaved rounds beside the reference network (see
:mod:`oneproxy_plugins.measure.timing`); then the chunk's rows are appended to the file (see
:mod:`oneproxy_plugins.measure.store`). A killed run loses at most the chunk in flight; run
again with ``resume=True`` and only the missing architectures are measured. An architecture
that fails to build or run is recorded as failed with its reason and the run goes on.

Several processes may measure into one file at once, each with ``resume=True``: each claims
its next chunk from the file's store (architectures neither written nor claimed by another
live process), so no architecture is measured twice and none is written twice; a process
stops when nothing is left to claim.

Example:
    >>> from oneproxy_plugins.measure import measure_archs
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> run = measure_archs(space, space.sample_many(3, 0), "cpu-torch-t1-b1", n_rounds=2,
    ...                     n_repeats=2, build_cfg={"C": 4, "N": 1}, progress=False)
    >>> run.n_measured, bool((run.table().column("cpu-torch-t1-b1") > 0).all())
    (3, True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import itertools
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from oneproxy_plugins._imports import optional_import
from oneproxy_plugins._checks import check_choice, check_int, check_real
from oneproxy_plugins.exceptions import MeasurementError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.measure.device import DeviceSpec
from oneproxy_plugins.measure.remote import (Board, BoardError, RemoteDevice, cached_export,
                                             model_name, resolve_device)
from oneproxy_plugins.measure.runtimes import (_ONNX_OPSET, BaseRuntime, _export_onnx,
                                               resolve_runtime)
from oneproxy_plugins.measure.store import ArchResult, ResultStore
from oneproxy_plugins.measure._protocol import reason as _reason
from oneproxy_plugins.measure.timing import (OUTLIER_Z, VISIT_STATISTICS, InterleavedTimings,
                                             fixed_threads, reference_level,
                                             run_interleaved, summarize_timings)
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["measure_archs", "MeasurementRun"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class MeasurementRun:
    """What :func:`measure_archs` did.

    Attributes:
        device: The device spec string (the table's column).
        space: The space's name.
        reference: Id of the reference architecture.
        reference_ms: The reference's level anchoring normalised latencies, milliseconds
            (see :func:`~oneproxy_plugins.measure.timing.reference_level`; NaN when nothing
            was measured).
        results: Every requested architecture id to its result (measured now or before), in
            the order requested; ids with no result yet (still measured by another process
            sharing the file) are absent.
        n_measured: Architectures measured by this call.
        n_skipped: Requested architectures this call did not measure because the file has
            them: from an earlier run, or measured meanwhile by another process sharing it.
        n_failed: Architectures that failed in this call.
        path: The results file, or ``None`` for an in-memory run.
        seconds: Wall-clock duration of the call.
        n_pending: Requested architectures not in the file when this call ended: claimed by
            another process still measuring them.
    """

    device: str
    space: str
    reference: str
    reference_ms: float
    results: dict[str, ArchResult]
    n_measured: int
    n_skipped: int
    n_failed: int
    path: Path | None
    seconds: float
    n_pending: int = 0

    def table(self, *, raw: bool = False) -> LatencyTable:
        """One-column table of the requested architectures: normalised (default) or raw ms.

        Failed architectures are NaN.
        """
        values = [r.raw_ms if raw else r.latency_ms for r in self.results.values()]
        return LatencyTable(list(self.results), [self.device], values, space=self.space)

    def summary(self) -> str:
        """One line: measured, skipped, failed, left to other processes, and where."""
        where = f" -> {self.path}" if self.path is not None else ""
        pending = (f", {self.n_pending} still measured by other processes"
                   if self.n_pending else "")
        return (f"{self.device}: measured {self.n_measured}, skipped {self.n_skipped}, "
                f"failed {self.n_failed}{pending}{where} ({self.seconds:.1f} s)")


def _example_input(space: BaseSpace, spec: DeviceSpec, build_cfg: Mapping[str, Any],
                   seed: int) -> Any:
    torch = optional_import("torch")

    shape = space.input_shape(spec.batch_size, **build_cfg)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def _module_bytes(module: Any) -> int:
    tensors = [*module.parameters(), *module.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


@dataclasses.dataclass
class _Prepared:
    """A chunk ready to time: its ids in order, what times each (a callable here, a model
    file on a board), and the ids that failed before timing, with the reason."""

    order: list[str] = dataclasses.field(default_factory=list)
    runners: dict[str, Any] = dataclasses.field(default_factory=dict)
    failed: dict[str, str] = dataclasses.field(default_factory=dict)


def _prepare(space: BaseSpace, arch_id: str, runtime: BaseRuntime, spec: DeviceSpec,
             build_cfg: Mapping[str, Any], example: Any) -> tuple[Callable[[], Any], int]:
    """Build, prepare and run once (so a network that cannot run fails here, not mid-round)."""
    module = space.build(arch_id, **build_cfg)
    size = _module_bytes(module)
    run = runtime.prepare(module, example, spec)
    run()
    return run, size


class _LocalMeasurer:
    """Times networks on this host: each chunk's networks are built, prepared and kept in
    memory (at most ``chunk_size`` of them and about ``max_chunk_mb`` MB), then timed."""

    def __init__(self, space: BaseSpace, spec: DeviceSpec, build_cfg: Mapping[str, Any],
                 seed: int, chunk_size: int, max_chunk_mb: float) -> None:
        self.space, self.spec, self.build_cfg = space, spec, build_cfg
        self.chunk_size, self.max_chunk_mb = chunk_size, max_chunk_mb
        self.runtime = resolve_runtime(spec)
        self.runtime.check_available(spec)
        self.seed = seed
        self.column = str(spec)
        self.reference: Callable[[], Any] | None = None

    def identity(self) -> dict[str, Any] | None:
        return None

    def session(self) -> contextlib.AbstractContextManager[Any]:
        return fixed_threads(self.spec.threads)

    def start(self, reference_id: str) -> None:
        self.example = _example_input(self.space, self.spec, self.build_cfg, self.seed)
        self.reference, _ = _prepare(self.space, reference_id, self.runtime, self.spec,
                                     self.build_cfg, self.example)

    def chunks(self, arch_ids: Sequence[str], on_prepared: Callable[[], None]
               ) -> Iterator[_Prepared]:
        chunk = _Prepared()
        chunk_bytes = 0
        for arch_id in arch_ids:
            chunk.order.append(arch_id)
            try:
                chunk.runners[arch_id], size = _prepare(self.space, arch_id, self.runtime,
                                                        self.spec, self.build_cfg, self.example)
                chunk_bytes += size
            except Exception as exc:  # recorded, the run goes on
                chunk.failed[arch_id] = _reason(exc)
                logger.warning("%s failed to build or run: %s", arch_id, chunk.failed[arch_id])
            on_prepared()
            if len(chunk.order) >= self.chunk_size or chunk_bytes >= self.max_chunk_mb * 2**20:
                yield chunk
                chunk, chunk_bytes = _Prepared(), 0
        if chunk.order:
            yield chunk

    def time(self, chunk: _Prepared, *, seed: int, on_visit: Callable[[str], None],
             **timing: Any) -> InterleavedTimings:
        assert self.reference is not None
        return run_interleaved(chunk.runners, self.reference, timer=self.runtime.timer(self.spec),
                               seed=seed, on_visit=on_visit, **timing)


class _RemoteMeasurer:
    """Times networks on a board over SSH: each chunk is exported to ONNX here, the files the
    board lacks are copied to its cache, and the board's runner times them with the host's
    protocol; the raw timings come back and are summarised here."""

    def __init__(self, space: BaseSpace, device: RemoteDevice, build_cfg: Mapping[str, Any],
                 seed: int, chunk_size: int) -> None:
        optional_import("torch")  # the export
        optional_import("onnx")
        self.space, self.device, self.build_cfg = space, device, build_cfg
        self.spec, self.seed, self.chunk_size = device.spec, seed, chunk_size
        self.column = device.name
        self.board = Board(device)
        self._identity = self.board.probe()

    def identity(self) -> dict[str, Any] | None:
        return self._identity

    def session(self) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def _export(self, arch_id: str) -> str:
        torch = optional_import("torch")

        def export() -> bytes:
            # Weights seeded by the architecture: the same network exports to the same bytes,
            # so its file name (the hash) is stable and a rerun copies nothing twice.
            with torch.random.fork_rng():
                torch.manual_seed(int(hashlib.sha256(arch_id.encode()).hexdigest()[:15], 16))
                module = self.space.build(arch_id, **self.build_cfg)
            return _export_onnx(module, self.example)

        key = [self.space.name, arch_id, self.build_cfg, list(self.example.shape),
               torch.__version__, _ONNX_OPSET]
        model = cached_export(key, export)
        name = model_name(model)
        self._files[name] = model
        return name

    def start(self, reference_id: str) -> None:
        self.example = _example_input(self.space, self.spec, self.build_cfg, self.seed)
        self._files: dict[str, bytes] = {}
        try:
            self.reference = self._export(reference_id)
        except Exception as exc:
            raise MeasurementError(f"The reference {reference_id!r} cannot be exported to "
                                   f"ONNX: {_reason(exc)}") from exc
        self._reference_bytes = self._files[self.reference]

    def chunks(self, arch_ids: Sequence[str], on_prepared: Callable[[], None]
               ) -> Iterator[_Prepared]:
        for start in range(0, len(arch_ids), self.chunk_size):
            chunk = _Prepared()
            # The reference goes with every chunk's upload (copied only where missing): the
            # board may have lost its cache since (a reinstall, a wiped home directory).
            self._files = {self.reference: self._reference_bytes}
            for arch_id in arch_ids[start:start + self.chunk_size]:
                chunk.order.append(arch_id)
                try:
                    chunk.runners[arch_id] = self._export(arch_id)
                except Exception as exc:  # recorded, the run goes on
                    chunk.failed[arch_id] = _reason(exc)
                    logger.warning("%s failed to export: %s", arch_id, chunk.failed[arch_id])
                on_prepared()
            self.board.upload(self._files)
            yield chunk

    def time(self, chunk: _Prepared, *, seed: int, on_visit: Callable[[str], None],
             n_rounds: int, n_warmup: int, n_repeats: int, budget_s: float
             ) -> InterleavedTimings:
        job = {"models": chunk.runners, "reference": self.reference, "runtime": self.spec.runtime,
               "threads": self.spec.threads or 1,
               "input_shape": list(self.example.shape), "n_rounds": n_rounds,
               "n_warmup": n_warmup, "n_repeats": n_repeats, "budget_s": budget_s, "seed": seed}
        timings = InterleavedTimings({k: [] for k in chunk.runners},
                                     {k: [] for k in chunk.runners}, {})
        for record in self.board.run(job):
            if record.get("type") == "visit":
                on_visit("")
            elif record.get("type") == "arch":
                arch = record["arch"]
                if "error" in record:
                    timings.errors[arch] = str(record["error"])
                else:
                    timings.samples[arch] = [np.asarray(r, dtype=np.float64)
                                             for r in record["samples"]]
                    timings.reference[arch] = [np.asarray(r, dtype=np.float64)
                                               for r in record["reference"]]
        return timings


def _progress_bar(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="step", leave=False,
                disable=not (enabled and sys.stderr.isatty()))


def _open_store(store: ResultStore, resume: bool, meta: dict[str, Any]) -> dict[str, ArchResult]:
    """Create the results file, or check it matches this run and return what it holds."""
    try:
        store.create(meta)
        return {}
    except FileExistsError:  # maybe created a moment ago by a process sharing the file
        if not resume:
            raise FileExistsError(f"{store.path} exists; pass resume=True (CLI: --resume) to "
                                  "continue it, or choose another file.") from None
    stored = store.read()
    for key in ("space", "reference", "build_cfg"):
        if key in stored.meta and stored.meta[key] != meta[key]:
            raise ValueError(f"{store.path} was measured with {key} {stored.meta[key]!r}; this "
                             f"run has {meta[key]!r}. Resume with the same settings or choose "
                             "another file.")
    return stored.results


def measure_archs(space: BaseSpace | str, archs: Iterable[Any],
                  device: DeviceSpec | RemoteDevice | str, *,
                  out: str | os.PathLike | None = None, resume: bool = False,
                  n_rounds: int = 10, n_warmup: int = 2, n_repeats: int = 5,
                  budget_s: float = 10.0, chunk_size: int | None = None,
                  max_chunk_mb: float = 1024.0, reference: Any = None,
                  build_cfg: Mapping[str, Any] | None = None, outlier_z: float = OUTLIER_Z,
                  visit_statistic: str = "min", seed: int = 0, progress: bool = True,
                  devices_file: str | os.PathLike | None = None) -> MeasurementRun:
    """Measure the latency of architectures, on this host or on a board over SSH.

    Args:
        space: The search space or its name.
        archs: Architectures or their ids (duplicates are measured once).
        device: Device spec of this host (``"cpu-torch-t1-b1"``), a remote board
            (``"ssh://pi@board/cpu-ort-t4-b1"`` or a :class:`RemoteDevice`), or a board of
            ``devices_file`` by name. See :mod:`oneproxy_plugins.measure.remote`.
        out: Results CSV (``arch,<device>``, normalised ms) plus its ``.details.jsonl``
            sidecar; ``None`` keeps the results in memory only.
        resume: Continue an existing ``out``, measuring only the architectures it lacks
            (or create it). Several processes may share one ``out`` this way at once: they
            split the work chunk by chunk.
        n_rounds: Interleaved rounds; each times every architecture once.
        n_warmup: Discarded runs at the start of each visit.
        n_repeats: Timed runs per visit at most.
        budget_s: Timing seconds per architecture over all rounds (each visit makes at
            least one timed run).
        chunk_size: Architectures timed, and written, together at most; default 250 on this
            host and 50 on a board (a dropped connection loses the chunk in flight).
        max_chunk_mb: Parameter memory of a chunk's networks at most (MB, approximate; on
            this host, where a chunk's networks are kept in memory).
        reference: The reference architecture (or id) timed beside every visit; default
            ``space.sample(0)``, or the one recorded in ``out`` when resuming.
        build_cfg: Keyword arguments of ``space.build`` and ``space.input_shape`` (e.g.
            ``{"C": 16, "N": 5}``).
        outlier_z: Robust z-score above which a timed run is left out.
        visit_statistic: ``"min"`` (default) or ``"median"``: how a visit's timed runs are
            summarised before the ratio to the reference's (see
            :func:`~oneproxy_plugins.measure.timing.summarize_timings`).
        seed: Seed of the input tensor and of the visiting orders.
        progress: Show a progress bar (only when stderr is a terminal).
        devices_file: A devices file (TOML) naming boards; see
            :func:`~oneproxy_plugins.measure.remote.load_devices`.

    Returns:
        A :class:`MeasurementRun`; ``run.table()`` is the normalised latency table. Its
        device (the table's column) is the spec string here, the board's name on a board.

    Raises:
        FileExistsError: ``out`` exists and ``resume`` is False.
        ValueError: A bad argument, or ``out`` was measured with other settings.
        UnknownDeviceError: A malformed device spec (also a ``ValueError``).
        UnknownRuntimeError: The spec's runtime is not registered.
        MeasurementError: The device is not available here, or the reference fails.
        BoardError: A board could not be reached or used (a ``MeasurementError``); what was
            written before a dropped connection stays, and ``resume=True`` measures the rest.
        ImportError: The runtime's optional dependency is missing (names the extra).
    """
    start = time.perf_counter()
    space = get_space(space)
    dev = resolve_device(device, devices_file)
    _check_settings(n_rounds=n_rounds, n_warmup=n_warmup, n_repeats=n_repeats,
                    chunk_size=chunk_size, budget_s=budget_s, max_chunk_mb=max_chunk_mb,
                    outlier_z=outlier_z, visit_statistic=visit_statistic)
    build_cfg = dict(build_cfg or {})
    measurer = _make_measurer(space, dev, build_cfg, seed, chunk_size, max_chunk_mb)
    column = measurer.column

    arch_ids = list(dict.fromkeys(space.canonical_id(a) for a in archs))
    store = ResultStore(out, column) if out is not None else None
    if reference is None and store is not None and store.exists() and resume:
        reference = store.read().meta.get("reference")
    reference_id = space.canonical_id(space.sample(0) if reference is None else reference)
    timing = {"n_rounds": n_rounds, "n_warmup": n_warmup, "n_repeats": n_repeats,
              "budget_s": budget_s, "outlier_z": outlier_z, "visit_statistic": visit_statistic}
    meta = {"space": space.name, "reference": reference_id, "build_cfg": build_cfg, **timing,
            "seed": seed}
    identity = measurer.identity()
    if identity is not None:
        meta.update(device_spec=str(dev.spec), board=identity)
    stored = _open_store(store, resume, meta) if store is not None else {}
    if store is not None and identity is not None:
        store.note("board", identity)
    todo = [a for a in arch_ids if a not in stored]
    logger.info("%s: %d architectures, %d already measured, %d to measure", column,
                len(arch_ids), len(arch_ids) - len(todo), len(todo))

    new: dict[str, ArchResult] = {}
    memory = _MemoryQueue(todo)
    if todo:
        registered = store.worker() if store is not None else contextlib.nullcontext()
        try:
            with measurer.session(), registered as worker:
                queue = memory if store is None else _StoreQueue(store, worker, todo)
                new = _measure_missing(measurer, queue, len(todo), reference_id=reference_id,
                                       progress=progress, **timing)
        except BoardError as exc:
            if store is None or exc.kind not in ("connection-lost", "unreachable"):
                raise
            kept = len(store.read().results)
            raise BoardError(f"{exc} {kept} architecture(s) are safe in {store.path}; run "
                             "again with resume=True (CLI: --resume) to measure the rest.",
                             exc.kind) from exc
    if store is not None:
        final = store.read()
        everything, anchor_ms = final.results, final.reference_ms or math.nan
    else:
        everything, anchor_ms = new, memory.anchor_ms
    results = {a: everything[a] for a in arch_ids if a in everything}
    return MeasurementRun(
        device=column, space=space.name, reference=reference_id, reference_ms=anchor_ms,
        results=results, n_measured=sum(r.ok for r in new.values()),
        n_skipped=sum(a not in new for a in results),
        n_failed=sum(not r.ok for r in new.values()), path=None if out is None else Path(out),
        seconds=time.perf_counter() - start, n_pending=len(arch_ids) - len(results))


def _make_measurer(space: BaseSpace, dev: DeviceSpec | RemoteDevice,
                   build_cfg: Mapping[str, Any], seed: int, chunk_size: int | None,
                   max_chunk_mb: float) -> _LocalMeasurer | _RemoteMeasurer:
    """What times ``dev``'s networks: this host's runtime, or a board over SSH."""
    if isinstance(dev, RemoteDevice):
        return _RemoteMeasurer(space, dev, build_cfg, seed, chunk_size or 50)
    return _LocalMeasurer(space, dev, build_cfg, seed, chunk_size or 250, max_chunk_mb)


def _check_settings(*, visit_statistic: str, **numbers: float | None) -> None:
    for name in ("n_rounds", "n_warmup", "n_repeats", "chunk_size"):
        if name != "chunk_size" or numbers[name] is not None:
            check_int(name, numbers[name], 0 if name == "n_warmup" else 1)
    for name in ("budget_s", "max_chunk_mb", "outlier_z"):
        check_real(name, numbers[name], low=0.0, low_open=True)
    check_choice("visit_statistic", visit_statistic, list(VISIT_STATISTICS))


class _ChunkQueue(Protocol):
    """Where :func:`_measure_missing` takes its architectures from and puts their results."""

    def claim(self, n: int) -> list[str]:
        """The next architectures to measure (at most ``n`` where the queue is shared); an
        empty list when nothing is left. Asked again once the previous ones are appended."""

    def append(self, results: Sequence[ArchResult], reference_ms: float) -> list[ArchResult]:
        """Keep a chunk's results (``reference_ms``: the reference's level in that chunk, NaN
        when nothing in it was measured); return those kept."""


class _MemoryQueue:
    """All of ``todo`` at once, results kept by the caller: latencies anchored to the first
    chunk's reference level (:attr:`anchor_ms`)."""

    def __init__(self, todo: Sequence[str]) -> None:
        self.todo = list(todo)
        self.anchor_ms = math.nan

    def claim(self, n: int) -> list[str]:
        batch, self.todo = self.todo, []
        return batch

    def append(self, results: Sequence[ArchResult], reference_ms: float) -> list[ArchResult]:
        if math.isnan(self.anchor_ms):
            self.anchor_ms = reference_ms
        return [r if not r.ok else dataclasses.replace(r, latency_ms=r.ratio * self.anchor_ms)
                for r in results]


class _StoreQueue:
    """Claims of ``worker`` on a results file shared with other processes (see
    :meth:`ResultStore.claim`): architectures others measure are left to them."""

    def __init__(self, store: ResultStore, worker: str, todo: Sequence[str]) -> None:
        self.store, self.worker, self.todo = store, worker, todo

    def claim(self, n: int) -> list[str]:
        return self.store.claim(self.todo, n, self.worker)

    def append(self, results: Sequence[ArchResult], reference_ms: float) -> list[ArchResult]:
        return self.store.append(results, reference_ms=reference_ms)


def _measure_missing(measurer: _LocalMeasurer | _RemoteMeasurer, queue: _ChunkQueue,
                     n_todo: int, *, reference_id: str, n_rounds: int, n_warmup: int,
                     n_repeats: int, budget_s: float, outlier_z: float, visit_statistic: str,
                     progress: bool) -> dict[str, ArchResult]:
    """Measure what ``queue`` hands out, chunk by chunk; append each chunk to it as it finishes.

    Args:
        n_todo: How many architectures there are at most (the progress bar's length).

    Returns:
        The results the queue kept.
    """
    try:
        measurer.start(reference_id)
    except MeasurementError:
        raise
    except Exception as exc:
        raise MeasurementError(f"The reference {reference_id!r} cannot be measured on "
                               f"{measurer.column}: {_reason(exc)}") from exc
    new: dict[str, ArchResult] = {}
    # One step per network prepared and per visit.
    with _progress_bar((n_rounds + 1) * n_todo, measurer.column, progress) as bar:
        chunks = itertools.chain.from_iterable(
            measurer.chunks(batch, bar.update)
            for batch in iter(lambda: queue.claim(measurer.chunk_size), []))
        # Counted by hand: enumerate() would keep the last chunk it yielded, networks and
        # all, alive while the next one is prepared.
        i = 0
        for chunk in chunks:
            bar.update(n_rounds * len(chunk.failed))
            timings = measurer.time(chunk, n_rounds=n_rounds, n_warmup=n_warmup,
                                    n_repeats=n_repeats, budget_s=budget_s,
                                    seed=measurer.seed + i, on_visit=lambda _key: bar.update())
            results = _chunk_results(chunk, timings, outlier_z, visit_statistic)
            chunk_ref = reference_level(
                [r for visits in timings.reference.values() for r in visits],
                outlier_z=outlier_z, visit_statistic=visit_statistic)
            results = queue.append(results, chunk_ref)
            new.update((r.arch, r) for r in results)
            logger.info("chunk %d: %d measured, %d failed", i + 1,
                        sum(r.ok for r in results), sum(not r.ok for r in results))
            del chunk, timings  # free the chunk's networks before preparing the next
            gc.collect()
            i += 1
    return new


def _chunk_results(chunk: _Prepared, timings: Any, outlier_z: float, visit_statistic: str
                   ) -> list[ArchResult]:
    """The chunk's results in the order requested."""
    results = []
    for arch_id in chunk.order:
        if arch_id in chunk.failed:
            results.append(ArchResult.failed(arch_id, chunk.failed[arch_id]))
        elif arch_id in timings.errors:
            logger.warning("%s failed while timed: %s", arch_id, timings.errors[arch_id])
            results.append(ArchResult.failed(arch_id, timings.errors[arch_id]))
        else:
            s = summarize_timings(timings.samples[arch_id], timings.reference[arch_id],
                                  outlier_z=outlier_z, visit_statistic=visit_statistic)
            results.append(ArchResult(arch_id, "ok", ratio=s.ratio, raw_ms=s.raw_ms,
                                      reference_ms=s.reference_ms, spread=s.spread,
                                      ratio_spread=s.ratio_spread, n_runs=s.n_runs,
                                      n_rounds=s.n_rounds, n_outliers=s.n_outliers))
    return results
