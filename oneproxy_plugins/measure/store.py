"""The on-disk results of a measurement run: a latency CSV plus a JSON-lines sidecar.

``<out>`` (e.g. ``t.csv``) is the tidy table ``arch,<device>`` that
:meth:`LatencyTable.from_csv` reads: one row per architecture, the reference-normalised
latency in milliseconds, an empty cell where the architecture failed. It is the source of
truth for what is done.

``<out stem>.details.jsonl`` (``t.details.jsonl``) holds, one JSON object a line: the run's
settings (``"type": "meta"``), the reference's level in milliseconds that anchors the
normalised scale (``"type": "reference"``), then per architecture its raw median, ratio,
spreads, run counts, status and failure reason (``"type": "arch"``).

Crash safety: the file is created atomically (sidecar first, then the header line renamed into
place), and rows are appended, never rewritten. Each append takes a file lock
(``.oneproxy-locks/<out>.lock`` beside it), writes whole lines with one ``os.write`` on an ``O_APPEND`` descriptor and
``fsync``s, the sidecar before the table. A process killed at any point leaves complete lines
plus at most one torn last line; readers ignore a line without its newline and the next append
cuts it off first. An architecture in the sidecar but not in the table is measured again.

Several writers: processes measuring into one file each register as a worker
(:meth:`ResultStore.worker`, a lock file ``<out>.worker-<id>.lock`` held while it runs) and
take their next chunk with :meth:`ResultStore.claim`, which hands out only architectures that
are neither in the table nor claimed by another live worker (claims live in
``<out>.claims.json``). A killed worker's lock is released by the operating system, so its
claims lapse and the next claim takes them over. Whatever happens, :meth:`ResultStore.append`
never writes an architecture the table already holds.

Example:
    >>> import tempfile, pathlib
    >>> from oneproxy_plugins.measure.store import ArchResult, ResultStore
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> store = ResultStore(path, "cpu-torch-t1-b1")
    >>> store.create({"space": "nasbench201"})
    >>> _ = store.append([ArchResult("a", "ok", ratio=2.0, raw_ms=3.0)], reference_ms=1.5)
    >>> store.read().results["a"].latency_ms
    3.0
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import logging
import math
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._io import atomic_write_text
from oneproxy_plugins.exceptions import DataFormatError
from oneproxy_plugins.latency.table import LatencyTable, parse_latency

__all__ = ["ArchResult", "StoredRun", "ResultStore", "details_path_for"]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
LOCK_DIR = ".oneproxy-locks"
"""The hidden folder, beside a results file, holding its lock file."""
_LOCK_TIMEOUT_S = 120.0


@dataclasses.dataclass(frozen=True)
class ArchResult:
    """The outcome of measuring one architecture.

    Attributes:
        arch: Canonical architecture id.
        status: ``"ok"`` or ``"failed"``.
        ratio: Median over rounds of its latency divided by the reference's beside it.
        latency_ms: Reference-normalised latency: ``ratio`` times the file's reference level,
            milliseconds (NaN when failed). Rank by this.
        raw_ms: Median of its timed runs, milliseconds, as measured.
        reference_ms: The reference's level beside it, milliseconds.
        spread: Relative IQR of its timed runs.
        ratio_spread: Relative IQR of its per-round ratios.
        n_runs: Timed runs (outliers included).
        n_rounds: Rounds it was timed in.
        n_outliers: Timed runs left out as slow outliers.
        error: Why it failed (``"ValueError: ..."``), empty when ok.
    """

    arch: str
    status: str
    ratio: float = math.nan
    latency_ms: float = math.nan
    raw_ms: float = math.nan
    reference_ms: float = math.nan
    spread: float = math.nan
    ratio_spread: float = math.nan
    n_runs: int = 0
    n_rounds: int = 0
    n_outliers: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the architecture was measured."""
        return self.status == "ok"

    @classmethod
    def failed(cls, arch: str, error: str) -> ArchResult:
        """A failed result with its reason."""
        return cls(arch, "failed", error=error)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (NaN as ``null``)."""
        out: dict[str, Any] = {"type": "arch"}
        for key, value in dataclasses.asdict(self).items():
            out[key] = None if isinstance(value, float) and math.isnan(value) else value
        return out

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> ArchResult:
        """Inverse of :meth:`to_json` (unknown keys ignored)."""
        kwargs = {}
        for field in dataclasses.fields(cls):
            if field.name in record:
                value = record[field.name]
                is_float = isinstance(field.default, float)  # NaN by default, null in JSON
                kwargs[field.name] = math.nan if value is None and is_float else value
        return cls(**kwargs)


@dataclasses.dataclass(frozen=True)
class StoredRun:
    """What a results file holds.

    Attributes:
        device: The device column of the table.
        meta: The run's settings (space, reference, build config, ...); empty if unknown.
        reference_ms: The reference level anchoring normalised latencies (ms), or ``None``
            before the first chunk was written.
        results: Architecture id to its result, in file order.
        notes: Other records, in file order, e.g. ``{"type": "board", ...}``: the identity of
            a remote board at the start of each session measuring into the file.
    """

    device: str
    meta: dict[str, Any]
    reference_ms: float | None
    results: dict[str, ArchResult]
    notes: tuple[dict[str, Any], ...] = ()

    def table(self, *, raw: bool = False) -> LatencyTable:
        """The results as a one-column table: normalised (default) or raw milliseconds."""
        values = [r.raw_ms if raw else r.latency_ms for r in self.results.values()]
        return LatencyTable(list(self.results), [self.device], values,
                            space=self.meta.get("space"))


def details_path_for(path: str | os.PathLike) -> Path:
    """The sidecar of a results table: ``t.csv`` -> ``t.details.jsonl``."""
    path = Path(path)
    return path.with_suffix(".details.jsonl") if path.suffix else path.with_name(
        path.name + ".details.jsonl")


def _complete_text(path: Path) -> str:
    """The file's text up to its last newline (a torn last line is ignored)."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    try:
        return data[:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path.name}: not UTF-8 text ({exc}).") from None


def _cut_torn_tail(path: Path) -> None:
    """Remove a last line without its newline (left by a killed writer)."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        logger.warning("%s: dropping a torn last line (%d bytes) left by an interrupted run",
                       path.name, len(data) - end)
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())


def _append(path: Path, text: str) -> None:
    """Append whole lines with one ``os.write`` (looping only on a short write) and fsync."""
    data = text.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _csv_line(cells: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


class ResultStore:
    """Append-only, lock-protected results of one device: ``<out>`` and its sidecar.

    Args:
        path: The latency CSV.
        device: Its device column (a device spec string).
    """

    def __init__(self, path: str | os.PathLike, device: str) -> None:
        self.path = Path(path)
        self.device = str(device)
        self.details_path = details_path_for(self.path)
        # In a hidden folder: lock files stay after the run (removing one is a race with the
        # next process taking it), and a results folder should show results.
        self.lock_path = self.path.parent / LOCK_DIR / (self.path.name + ".lock")
        self.claims_path = self.path.with_name(self.path.name + ".claims.json")

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r}, {self.device!r})"

    def _lock(self):  # noqa: ANN202
        from filelock import FileLock

        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.lock_path), timeout=_LOCK_TIMEOUT_S)

    def exists(self) -> bool:
        """Whether the latency CSV exists."""
        return self.path.exists()

    def _has_header_line(self) -> bool:
        with open(self.path, "rb") as fh:
            return fh.readline().endswith(b"\n")

    def create(self, meta: Mapping[str, Any]) -> None:
        """Start a new results file: the sidecar with ``meta``, then the CSV header.

        Both are written to a temporary file and renamed into place, so a process killed
        while creating leaves either no CSV or a CSV with its whole header.

        Raises:
            FileExistsError: The CSV exists already.
        """
        with self._lock():
            if self.path.exists() and self._has_header_line():
                raise FileExistsError(f"{self.path} exists already.")
            # A CSV without a complete header line (left by a run killed while starting, before
            # creation was atomic), or a sidecar without its CSV, is replaced.
            record = {"type": "meta", "format": FORMAT_VERSION, "device": self.device, **meta}
            atomic_write_text(self.details_path, json.dumps(record) + "\n")
            atomic_write_text(self.path, _csv_line(["arch", self.device]))

    def _read_rows(self) -> dict[str, float]:
        text = _complete_text(self.path)
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or [c.strip() for c in rows[0]] != ["arch", self.device]:
            found = ",".join(rows[0]) if rows else "(empty)"
            raise DataFormatError(f"{self.path.name}: header is {found!r}; a results file of "
                                  f"device {self.device!r} starts with 'arch,{self.device}'.")
        values: dict[str, float] = {}
        for line, row in enumerate(rows[1:], start=2):
            if not row:
                continue
            if len(row) != 2:
                raise DataFormatError(f"{self.path.name} line {line}: {len(row)} fields; "
                                      "expected 2 (arch, latency).")
            values[row[0]] = parse_latency(row[1], where=f"{self.path.name} line {line}, "
                                           f"device {self.device!r}")
        return values

    def _read_details(self, notes: list[dict[str, Any]] | None = None
                      ) -> tuple[dict[str, Any], float | None, dict[str, ArchResult]]:
        meta: dict[str, Any] = {}
        reference_ms = None
        details: dict[str, ArchResult] = {}
        if not self.details_path.exists():
            return meta, reference_ms, details
        for line, text in enumerate(_complete_text(self.details_path).splitlines(), start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
                kind = record.get("type")
                if kind == "meta":
                    meta = {k: v for k, v in record.items() if k != "type"}
                elif kind == "reference":
                    reference_ms = reference_ms or float(record["reference_ms"])
                elif kind == "arch":
                    details[record["arch"]] = ArchResult.from_json(record)
                elif notes is not None:
                    notes.append(record)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                logger.warning("%s line %d: unreadable record skipped (%s)",
                               self.details_path.name, line, exc)
        return meta, reference_ms, details

    def read(self) -> StoredRun:
        """Read the complete rows (a torn last line is ignored).

        Raises:
            FileNotFoundError: No CSV.
            DataFormatError: The CSV's header is not ``arch,<device>`` or a row is malformed.
        """
        values = self._read_rows()
        notes: list[dict[str, Any]] = []
        meta, reference_ms, details = self._read_details(notes)
        results = {}
        for arch, value in values.items():
            record = details.get(arch)
            if record is None:  # a CSV without its sidecar still reads
                record = (ArchResult(arch, "ok", latency_ms=value) if not math.isnan(value)
                          else ArchResult.failed(arch, "unknown (no details record)"))
            results[arch] = record
        return StoredRun(self.device, meta, reference_ms, results, tuple(notes))

    def note(self, kind: str, record: Mapping[str, Any]) -> None:
        """Append a record of another kind to the sidecar (e.g. ``"board"``: a board's
        identity when a session starts); :meth:`read` returns them as ``notes``."""
        if kind in ("meta", "reference", "arch"):
            raise ValueError(f"kind {kind!r} is reserved; use another name.")
        with self._lock():
            _cut_torn_tail(self.details_path)
            _append(self.details_path, json.dumps({"type": kind, **record}) + "\n")

    def append(self, results: Sequence[ArchResult], *, reference_ms: float) -> list[ArchResult]:
        """Append results, skipping architectures the CSV already holds (and repeats).

        The normalised latency of each result is set here, ``ratio`` times the file's
        reference level: the one already stored, else ``reference_ms`` (which is then
        stored), so every row of a file, whoever wrote it, is on the same scale.

        Args:
            results: Results of one chunk (failed ones included).
            reference_ms: The reference's level in this chunk, milliseconds (NaN when the
                chunk has no measured architecture).

        Returns:
            The results written, with ``latency_ms`` set.
        """
        with self._lock():
            _cut_torn_tail(self.path)
            if self.details_path.exists():
                _cut_torn_tail(self.details_path)
            present = self._read_rows()
            _, anchor, _ = self._read_details()
            lines = []
            if anchor is None and math.isfinite(reference_ms):
                anchor = float(reference_ms)
                lines.append(json.dumps({"type": "reference", "reference_ms": anchor}) + "\n")
            written: list[ArchResult] = []
            seen = set(present)
            for r in results:
                if r.arch not in seen:
                    seen.add(r.arch)
                    written.append(r if not r.ok else
                                   dataclasses.replace(r, latency_ms=r.ratio * anchor))
            if not written:
                return []
            lines += [json.dumps(r.to_json()) + "\n" for r in written]
            _append(self.details_path, "".join(lines))
            _append(self.path, "".join(
                _csv_line([r.arch, f"{r.latency_ms:.6g}" if r.ok else ""]) for r in written))
            return written

    # Several writers: workers and their claims.

    def _worker_lock_path(self, worker: str) -> Path:
        return self.path.with_name(f"{self.path.name}.worker-{worker}.lock")

    def _live_workers(self) -> set[str]:
        """Ids of the workers whose lock is held; the lock files of dead ones are removed.

        Called under the store lock, as are registering and leaving, so a worker is never
        seen between creating its lock file and locking it.
        """
        from filelock import FileLock, Timeout

        prefix, suffix = f"{self.path.name}.worker-", ".lock"
        live = set()
        names = os.listdir(self.path.parent) if self.path.parent.exists() else []
        for path in (self.path.parent / n for n in names
                     if n.startswith(prefix) and n.endswith(suffix)):
            lock = FileLock(str(path), timeout=0)
            try:
                lock.acquire()
            except Timeout:
                live.add(path.name[len(prefix):-len(suffix)])
                continue
            lock.release()
            with contextlib.suppress(OSError):
                path.unlink()
        return live

    def _read_claims(self) -> dict[str, list[str]]:
        if not self.claims_path.exists():
            return {}
        try:
            claims = json.loads(self.claims_path.read_text(encoding="utf-8"))
            if not isinstance(claims, dict):
                raise TypeError(f"a JSON {type(claims).__name__}, not an object")
            return {str(w): [str(a) for a in archs] for w, archs in claims.items()}
        except (ValueError, TypeError) as exc:  # written atomically, so only if edited by hand
            logger.warning("%s: unreadable claims ignored (%s)", self.claims_path.name, exc)
            return {}

    def _write_claims(self, claims: Mapping[str, list[str]]) -> None:
        if claims:
            atomic_write_text(self.claims_path, json.dumps(dict(claims)) + "\n")
        else:
            self.claims_path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def worker(self) -> Iterator[str]:
        """Register this process as a writer of the file for the ``with`` block.

        The registration is a lock file held open while the block runs; the operating system
        releases it when the process dies, however it dies, and the other workers then take
        over its claims. Leaving the block drops its claims and its lock file.

        Yields:
            The worker's id, for :meth:`claim`.
        """
        from filelock import FileLock

        worker = f"{os.getpid()}-{secrets.token_hex(4)}"
        lock = FileLock(str(self._worker_lock_path(worker)), timeout=0)
        with self._lock():
            lock.acquire()
        try:
            yield worker
        finally:
            with self._lock():
                claims = self._read_claims()
                if claims.pop(worker, None) is not None:
                    self._write_claims(claims)
                lock.release()
                with contextlib.suppress(OSError):
                    self._worker_lock_path(worker).unlink()

    def claim(self, archs: Sequence[str], n: int, worker: str) -> list[str]:
        """Claim the next architectures for ``worker`` to measure.

        The claim replaces the worker's previous one (whose chunk it has appended by now): it
        holds at most ``n`` of ``archs``, in their order, that are neither in the table nor
        claimed by another live worker. Claims of dead workers lapse.

        Args:
            archs: Architecture ids the worker wants measured.
            n: The most to claim (the chunk size), >= 1.
            worker: An id yielded by :meth:`worker`, still registered.

        Returns:
            The claimed ids; empty when nothing is left for this worker.

        Raises:
            ValueError: ``n`` is not an int >= 1, or ``worker`` is not registered (outside its
                ``with store.worker()``).
        """
        n = check_int("n", n, 1)
        with self._lock():
            live = self._live_workers()
            if worker not in live:
                raise ValueError(f"The 'worker' argument must be an id yielded by "
                                 f"ResultStore.worker() inside its 'with' block; got {worker!r}.")
            present = self._read_rows() if self.path.exists() else {}
            claims = {w: ids for w, ids in self._read_claims().items() if w in live}
            taken = {a for w, ids in claims.items() if w != worker for a in ids}
            mine = [a for a in dict.fromkeys(archs) if a not in present and a not in taken][:n]
            if mine:
                claims[worker] = mine
            else:
                claims.pop(worker, None)
            self._write_claims(claims)
            return mine
