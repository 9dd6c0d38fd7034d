"""Measurement campaigns: one list of architectures measured on many devices by many workers.

A campaign lives in an Optuna storage (a database URL such as PostgreSQL, or a journal file on
one host), so a team needs nothing but the database it already runs its studies on:

* one study per device, named ``oneproxy-campaign:<campaign>:<device>`` (:func:`study_name`);
  each architecture is a trial enqueued ``WAITING`` with its id in the user attribute
  ``"arch"``. The first worker of a device creates its study, records the campaign's settings
  (space, reference, build config, timing protocol, the list's size and hash) as the study
  user attribute ``"oneproxy:campaign"``, enqueues the list, and marks the study ready
  (``"oneproxy:ready"``); a worker arriving meanwhile waits for that mark. A worker joining
  with other settings, another list, or settings that differ from another device's study of
  the same campaign, gets an error naming the difference.
* a worker (:func:`measure_campaign`; CLI ``oneproxy measure --storage URL --campaign NAME``)
  claims a chunk of waiting trials at a time through the storage's own atomic state change
  (``storage.set_trial_state_values(trial_id, RUNNING)`` is False for all but one claimant,
  as in Optuna's ``Study.ask``), times them with the same measurers and protocol as
  :func:`~oneproxy_plugins.measure.measure_archs` (this host's runtimes or a board over SSH),
  and finishes each trial: ``COMPLETE`` with value = the ratio to the reference and the
  :class:`~oneproxy_plugins.measure.store.ArchResult` fields as user attributes (``raw_ms``,
  ``reference_ms``, ``spread``, ``ratio_spread``, ``n_runs``, ``n_rounds``, ``n_outliers``),
  plus ``chunk`` and ``chunk_reference_ms`` (the reference's level in its chunk); or ``FAIL``
  with ``status = "failed"`` and ``error`` when the network cannot be built or run (not
  retried). Several workers may serve one device (identical boards given one name).
* a dead worker's architectures go back to the queue. On a database, workers record Optuna's
  heartbeat for the trials they hold (``RDBStorage(heartbeat_interval, grace_period,
  heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry))``), and before
  each claim run ``optuna.storages.fail_stale_trials``: a trial whose heartbeat is older than
  the grace period fails and a ``WAITING`` copy is enqueued. Optuna 5.1's ``JournalStorage``
  has no heartbeat, so on a journal file a worker records which process holds each trial
  (host, boot, pid and the process's start time) and the next claim on that host fails and
  requeues the trials of a process that no longer exists, at once. Either way an
  architecture whose worker dies ``max_retry`` times (a network that crashes its worker) stays
  failed. A worker stopped by an exception (a dropped board connection, Ctrl-C) puts back what
  it held before leaving.
* :func:`campaign_status` counts, per device, the architectures done, running, waiting and
  failed; :func:`campaign_table` / :func:`export_campaign` give the latency table
  ``arch,<device1>,<device2>,...`` that :meth:`LatencyTable.from_csv` and the data loaders
  read: ``latency_ms = ratio * anchor``, the anchor being the median of the device's per-chunk
  reference levels (the same whichever worker finished last), one row per architecture even
  where a race measured it twice (the lowest trial number wins).

Example:
    >>> import tempfile, pathlib
    >>> from oneproxy_plugins.measure.campaign import campaign_table, measure_campaign
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> journal = str(pathlib.Path(tempfile.mkdtemp()) / "campaign.log")
    >>> run = measure_campaign(journal, "demo", space, space.sample_many(3, 0),
    ...                        "cpu-torch-t1-b1", n_rounds=2, build_cfg={"C": 4, "N": 1},
    ...                        progress=False)
    >>> run.n_measured, run.n_done
    (3, 3)
    >>> table = campaign_table(journal, "demo")
    >>> table.devices, bool((table.column("cpu-torch-t1-b1") > 0).all())
    (['cpu-torch-t1-b1'], True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import math
import os
import re
import secrets
import socket
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.exceptions import MeasurementError, UnknownNameError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.measure.device import DeviceSpec
from oneproxy_plugins.measure.remote import BoardError, RemoteDevice, resolve_device
from oneproxy_plugins.measure.run import (_check_settings, _make_measurer, _measure_missing)
from oneproxy_plugins.measure.store import ArchResult
from oneproxy_plugins.measure.timing import OUTLIER_Z
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["measure_campaign", "CampaignRun", "campaign_status", "DeviceStatus",
           "campaign_table", "export_campaign", "list_campaigns", "study_name"]

logger = logging.getLogger(__name__)

STUDY_PREFIX = "oneproxy-campaign:"
SETTINGS_KEY = "oneproxy:campaign"
"""Study user attribute: the campaign's settings (checked when a worker joins)."""
READY_KEY = "oneproxy:ready"
"""Study user attribute set once every architecture is enqueued: their number."""
WORKER_PREFIX = "oneproxy:worker:"
"""Study user attributes ``oneproxy:worker:<id>``: each worker's host, pid, start time and
(on a board) the board's identity."""
HOLDER_KEY = "oneproxy:holder"
"""Trial system attribute on storages without heartbeat: the process holding the trial."""
ARCH_KEY = "arch"
FORMAT = 1

# Settings every device of a campaign shares; the others are the device's own.
_SHARED = ("space", "reference", "build_cfg", "n_rounds", "n_warmup", "n_repeats", "budget_s",
           "outlier_z", "visit_statistic", "seed", "n_archs", "archs_sha256")
_RESULT_FIELDS = ("status", "raw_ms", "reference_ms", "spread", "ratio_spread", "n_runs",
                  "n_rounds", "n_outliers")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_READY_TIMEOUT_S = 600.0
"""How long a worker waits for the creator of its device's study to enqueue the list."""
_ORPHAN_S = 60.0
"""A running trial with no holder recorded this long after its start is treated as orphaned
(its worker died between claiming it and naming itself; storages without heartbeat)."""


def study_name(campaign: str, device: str) -> str:
    """The study of one device of a campaign: ``oneproxy-campaign:<campaign>:<device>``."""
    return f"{STUDY_PREFIX}{campaign}:{device}"


def _check_campaign(campaign: Any) -> str:
    if not isinstance(campaign, str) or not _NAME.fullmatch(campaign):
        raise ValueError("The 'campaign' argument must be a name of letters, digits, '.', '_' "
                         f"and '-' (starting with a letter or digit); got {campaign!r}.")
    return campaign


def _redacted(storage: Any) -> str:
    from oneproxy_plugins.optuna.storage import redact_url

    return redact_url(storage)


@contextlib.contextmanager
def _quiet_experimental() -> Iterator[None]:
    """Optuna's heartbeat and retry callback are experimental; say so once, in the docs."""
    optuna = optional_import("optuna")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def _open(storage: Any, heartbeat_interval_s: int | None = None,
          grace_period_s: int | None = None, max_retry: int = 3) -> Any:
    """The Optuna storage of a URL or path (see :func:`oneproxy_plugins.optuna.open_storage`),
    a database one with heartbeats when ``heartbeat_interval_s`` is given."""
    optuna = optional_import("optuna")
    from oneproxy_plugins.optuna.storage import open_storage

    if storage is None:
        raise ValueError("A campaign needs a storage: a database URL (sqlite:///c.db, "
                         "postgresql+psycopg2://user@host/db) or a journal file (c.log).")
    opened = open_storage(storage)  # its errors never quote a password
    if heartbeat_interval_s is not None and isinstance(storage, (str, os.PathLike)) and \
            isinstance(opened, optuna.storages.RDBStorage):
        # opened first as any URL is (one clear error for a bad one), then with heartbeats
        with _quiet_experimental():
            retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry)
            url = opened.url
            opened.engine.dispose()
            opened = optuna.storages.RDBStorage(
                url, heartbeat_interval=heartbeat_interval_s, grace_period=grace_period_s,
                heartbeat_stale_trial_callback=retry)
    return opened


def list_campaigns(storage: Any) -> dict[str, list[str]]:
    """The campaigns of a storage and their devices (in name order).

    Args:
        storage: A database URL, a journal file, or an Optuna storage object.

    Returns:
        Campaign name to its devices.
    """
    return _campaigns(_open(storage))


def _campaigns(opened: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for study in opened.get_all_studies():
        if study.study_name.startswith(STUDY_PREFIX):
            campaign, sep, device = study.study_name[len(STUDY_PREFIX):].partition(":")
            if sep:
                found.setdefault(campaign, []).append(device)
    return {c: sorted(found[c]) for c in sorted(found)}


def _devices(opened: Any, campaign: str, storage: Any) -> list[str]:
    campaigns = _campaigns(opened)
    if campaign not in campaigns:
        raise UnknownNameError("campaign", campaign, campaigns, message=(
            f"No campaign {campaign!r} in {_redacted(storage)}; campaigns there: "
            f"{', '.join(campaigns) or '(none)'}. A worker (oneproxy measure --storage ... "
            "--campaign ...) starts one."))
    return campaigns[campaign]


# Who holds a trial, on storages without heartbeat.

def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _holder() -> dict[str, Any]:
    stat = _stat(os.getpid())
    return {"host": socket.gethostname(), "boot": _boot_id(), "pid": os.getpid(),
            "start": int(stat[19]) if stat else None}  # start time, clock ticks since boot


def _holder_alive(holder: Mapping[str, Any]) -> bool | None:
    """Whether the process of ``holder`` still runs; None if it ran on another host (or
    before this host's last boot: then it is gone, but a process of another host may share
    its name)."""
    if holder.get("host") != socket.gethostname() or holder.get("boot") != _boot_id():
        return None
    pid = int(holder["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    stat = _stat(pid)
    if stat is None:  # no /proc here: kill() found it
        return True
    if stat[0] == "Z":  # finished, not yet reaped by its parent
        return False
    return holder.get("start") is None or int(stat[19]) == holder["start"]


class _CampaignQueue:
    """A device's study as :func:`_measure_missing`'s queue: claims chunks of waiting trials,
    keeps them alive (heartbeats) while they are measured, finishes them with the results.

    Use as a context manager: leaving it stops the heartbeats, and on an exception puts the
    trials still held back in the queue.
    """

    def __init__(self, storage: Any, study: Any, worker: str, max_retry: int) -> None:
        optuna = optional_import("optuna")
        self.storage, self.study, self.worker = storage, study, worker
        self.study_id = storage.get_study_id_from_name(study.study_name)
        self.TrialState = optuna.trial.TrialState
        self.UpdateFinished = optuna.exceptions.UpdateFinishedTrialError
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self.heartbeat_s: float | None = interval
        if interval is None:
            with _quiet_experimental():
                self.retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry)
        self.holder = _holder()
        self.held: dict[str, int] = {}  # arch -> trial id, claimed and not finished
        self.lock = threading.Lock()
        self.n_chunks = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _CampaignQueue:
        if self.heartbeat_s is not None:
            self._thread = threading.Thread(target=self._beat, name="oneproxy-heartbeat",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if exc_type is not None:
            self.release()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            with self.lock:
                trial_ids = list(self.held.values())
            for trial_id in trial_ids:
                try:
                    self.storage.record_heartbeat(trial_id)
                except Exception as exc:  # a database hiccup: the next beat may get through
                    logger.warning("heartbeat of trial %d not recorded: %s", trial_id, exc)

    def release(self) -> None:
        """Put the trials still held back in the queue (``WAITING``)."""
        with self.lock:
            held, self.held = self.held, {}
        for trial_id in held.values():
            with contextlib.suppress(Exception):
                self.storage.set_trial_state_values(trial_id, self.TrialState.WAITING)
        if held:
            logger.warning("%s: %d architecture(s) put back in the queue", self.worker,
                           len(held))

    def requeue_stale(self) -> None:
        """Fail the trials of dead workers and enqueue them again (up to ``max_retry``)."""
        optuna = optional_import("optuna")

        if self.heartbeat_s is not None:
            with _quiet_experimental():
                optuna.storages.fail_stale_trials(self.study)
            return
        now = datetime.datetime.now()
        for trial in self.storage.get_all_trials(self.study_id, deepcopy=False,
                                                 states=(self.TrialState.RUNNING,)):
            holder = trial.system_attrs.get(HOLDER_KEY)
            if holder is not None:
                dead = _holder_alive(holder) is False
            else:
                started = trial.datetime_start or now
                dead = (now - started).total_seconds() > _ORPHAN_S
            if not dead:
                continue
            trial_id = self._trial_id(trial)
            try:
                if not self.storage.set_trial_state_values(trial_id, self.TrialState.FAIL):
                    continue
            except self.UpdateFinished:  # another worker got there first
                continue
            logger.warning("%s: trial %d (%s) was held by a process that is gone; queued again",
                           self.worker, trial.number, trial.user_attrs.get(ARCH_KEY))
            with _quiet_experimental():
                self.retry(self.study, self.storage.get_trial(trial_id))

    def _trial_id(self, trial: Any) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(self.study_id, trial.number)

    def _take(self, trial: Any) -> bool:
        """Claim one waiting trial; False if another worker got it first."""
        trial_id = self._trial_id(trial)
        if self.heartbeat_s is not None:  # before the claim: a claimed trial always has one
            self.storage.record_heartbeat(trial_id)
        try:
            if not self.storage.set_trial_state_values(trial_id, self.TrialState.RUNNING):
                return False
        except self.UpdateFinished:
            return False
        if self.heartbeat_s is None:
            self.storage.set_trial_system_attr(trial_id, HOLDER_KEY, self.holder)
        with self.lock:
            self.held[trial.user_attrs[ARCH_KEY]] = trial_id
        return True

    def _waiting(self) -> list[Any]:
        return self.storage.get_all_trials(self.study_id, deepcopy=False,
                                           states=(self.TrialState.WAITING,))

    def claim(self, n: int) -> list[str]:
        self.requeue_stale()
        batch: list[str] = []
        for trial in self._waiting():
            if len(batch) >= n:
                break
            arch = trial.user_attrs.get(ARCH_KEY)
            if arch is not None and arch not in self.held and self._take(trial):
                batch.append(arch)
        return batch

    def _finish(self, trial_id: int, result: ArchResult, attrs: Mapping[str, Any]) -> None:
        for key, value in attrs.items():
            self.storage.set_trial_user_attr(trial_id, key, value)
        if result.ok:
            self.storage.set_trial_state_values(trial_id, self.TrialState.COMPLETE,
                                                [result.ratio])
        else:
            self.storage.set_trial_state_values(trial_id, self.TrialState.FAIL)

    def append(self, results: Sequence[ArchResult], reference_ms: float) -> list[ArchResult]:
        chunk = f"{self.worker}/{self.n_chunks}"
        self.n_chunks += 1
        level = reference_ms if math.isfinite(reference_ms) else None
        written = []
        for result in results:
            record = result.to_json()
            attrs = {k: record[k] for k in _RESULT_FIELDS if record[k] is not None}
            if not result.ok:
                attrs["error"] = result.error
            attrs.update(chunk=chunk, chunk_reference_ms=level, worker=self.worker)
            with self.lock:
                trial_id = self.held.pop(result.arch)
            try:
                self._finish(trial_id, result, attrs)
            except self.UpdateFinished:
                # Failed as stale meanwhile (no heartbeat got through in time) and queued
                # again: finish the copy instead, unless another worker has taken it.
                copy = next((t for t in self._waiting()
                             if t.user_attrs.get(ARCH_KEY) == result.arch), None)
                if copy is None or not self._take(copy):
                    logger.warning("%s was queued again and taken by another worker; its "
                                   "result here is dropped", result.arch)
                    continue
                with self.lock:
                    trial_id = self.held.pop(result.arch)
                self._finish(trial_id, result, attrs)
            written.append(result)
        return written


@dataclasses.dataclass(frozen=True)
class DeviceStatus:
    """Where one device of a campaign stands (architectures, not trials).

    Attributes:
        device: The device (the table's column).
        n_archs: Architectures of the campaign.
        done: Measured.
        running: Held by a worker now (or by a dead one whose heartbeat has not expired).
        waiting: In the queue.
        failed: Could not be measured (the error is in the trial's ``error`` attribute), or
            whose worker died more often than the retries allow.
        requeued: Trials of dead workers, failed as stale and (up to ``max_retry`` times
            an architecture) queued again.
        reference_ms: The anchor so far: the median of the per-chunk reference levels, ms
            (NaN before the first chunk).
        settings: The campaign settings stored in the device's study.
    """

    device: str
    n_archs: int
    done: int
    running: int
    waiting: int
    failed: int
    requeued: int
    reference_ms: float
    settings: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The counts and the anchor (``null`` when NaN)."""
        return {"n_archs": self.n_archs, "done": self.done, "running": self.running,
                "waiting": self.waiting, "failed": self.failed, "requeued": self.requeued,
                "reference_ms": None if math.isnan(self.reference_ms) else self.reference_ms}


@dataclasses.dataclass(frozen=True)
class _DeviceView:
    status: DeviceStatus
    archs: list[str]            # in queue order
    ratios: dict[str, float]    # measured architectures: the lowest-numbered complete trial's


def _view(device: str, settings: Mapping[str, Any], trials: Iterable[Any]) -> _DeviceView:
    """Reduce a device study's trials to one state and one ratio per architecture."""
    TrialState = optional_import("optuna").trial.TrialState
    order: dict[str, None] = {}
    states: dict[str, set[Any]] = {}
    ratios: dict[str, float] = {}
    levels: dict[str, float] = {}
    requeued = 0
    for trial in sorted(trials, key=lambda t: t.number):
        arch = trial.user_attrs.get(ARCH_KEY)
        if arch is None:
            continue
        order.setdefault(arch)
        states.setdefault(arch, set()).add(trial.state)
        if trial.state == TrialState.COMPLETE and trial.value is not None:
            ratios.setdefault(arch, float(trial.value))
            level = trial.user_attrs.get("chunk_reference_ms")
            if level is not None:
                levels[trial.user_attrs.get("chunk", "")] = float(level)
        elif trial.state == TrialState.FAIL and trial.user_attrs.get("status") != "failed":
            requeued += 1  # a dead worker's (maybe killed while recording its result)
    counts = dict.fromkeys(("done", "running", "waiting", "failed"), 0)
    for seen in states.values():
        key = ("done" if TrialState.COMPLETE in seen else "running"
               if TrialState.RUNNING in seen else "waiting"
               if TrialState.WAITING in seen else "failed")
        counts[key] += 1
    anchor = float(np.median(list(levels.values()))) if levels else math.nan
    status = DeviceStatus(device=device, n_archs=len(order), requeued=requeued,
                          reference_ms=anchor, settings=dict(settings), **counts)
    return _DeviceView(status, list(order), ratios)


def _views(storage: Any, campaign: str) -> dict[str, _DeviceView]:
    campaign = _check_campaign(campaign)
    opened = _open(storage)
    views = {}
    for device in _devices(opened, campaign, storage):
        study_id = opened.get_study_id_from_name(study_name(campaign, device))
        settings = opened.get_study_user_attrs(study_id).get(SETTINGS_KEY, {})
        views[device] = _view(device, settings, opened.get_all_trials(study_id, deepcopy=False))
    return views


def campaign_status(storage: Any, campaign: str) -> dict[str, DeviceStatus]:
    """Per device of a campaign, its architectures done, running, waiting and failed.

    Args:
        storage: A database URL, a journal file, or an Optuna storage object.
        campaign: The campaign's name.

    Returns:
        Device name to its :class:`DeviceStatus`, devices in name order.

    Raises:
        UnknownNameError: No such campaign in the storage (a ``LookupError``; the message
            lists the campaigns there).
        ValueError: A bad storage URL or campaign name.
    """
    return {device: view.status for device, view in _views(storage, campaign).items()}


def campaign_table(storage: Any, campaign: str) -> LatencyTable:
    """The campaign's latency table: one row per architecture, one column per device.

    Each device's column is ``ratio * anchor`` in milliseconds, the anchor being the median of
    the device's per-chunk reference levels; NaN where the architecture failed or is not
    measured yet.

    Raises:
        UnknownNameError: No such campaign in the storage.
        ValueError: The devices' studies disagree on the space (not one campaign's).
    """
    views = _views(storage, campaign)
    spaces = {v.status.settings.get("space") for v in views.values()} - {None}
    if len(spaces) > 1:
        raise ValueError(f"The devices of campaign {campaign!r} were measured in different "
                         f"spaces ({', '.join(sorted(map(str, spaces)))}); export them apart.")
    archs = list(dict.fromkeys(a for v in views.values() for a in v.archs))
    values = np.full((len(archs), len(views)), np.nan)
    row = {a: i for i, a in enumerate(archs)}
    for j, view in enumerate(views.values()):
        for arch, ratio in view.ratios.items():
            values[row[arch], j] = ratio * view.status.reference_ms
    return LatencyTable(archs, list(views), values, space=spaces.pop() if spaces else None)


def export_campaign(storage: Any, campaign: str, out: str | os.PathLike) -> LatencyTable:
    """Write :func:`campaign_table` to ``out`` (CSV ``arch,<device>,...``, atomically).

    Returns:
        The table written.
    """
    table = campaign_table(storage, campaign)
    table.to_csv(out)
    return table


@dataclasses.dataclass(frozen=True)
class CampaignRun:
    """What one worker of a campaign did (:func:`measure_campaign`).

    Attributes:
        campaign: The campaign's name.
        device: The device (the table's column).
        study: The device's study name.
        created: Whether this worker created the device's study.
        n_measured: Architectures this worker measured.
        n_failed: Architectures that failed in this worker.
        status: The device's :class:`DeviceStatus` when the worker ended.
        seconds: Wall-clock duration.
    """

    campaign: str
    device: str
    study: str
    created: bool
    n_measured: int
    n_failed: int
    status: DeviceStatus
    seconds: float

    @property
    def n_done(self) -> int:
        """Architectures of the device measured by any worker, when this one ended."""
        return self.status.done

    def summary(self) -> str:
        """One line: what this worker did and where the device stands."""
        s = self.status
        left = s.running + s.waiting
        others = f", {left} left to other workers" if left else ""
        return (f"{self.device}: measured {self.n_measured}, failed {self.n_failed}; campaign "
                f"{self.campaign}: {s.done}/{s.n_archs} done, {s.failed} failed{others} "
                f"({self.seconds:.1f} s)")


def _settings_mismatch(stored: Mapping[str, Any], mine: Mapping[str, Any],
                       keys: Iterable[str]) -> str | None:
    for key in keys:
        if key in stored and stored[key] != mine[key]:
            if key in ("n_archs", "archs_sha256"):
                return (f"holds {stored['n_archs']} architectures (sha256 "
                        f"{str(stored['archs_sha256'])[:12]}); this worker was given "
                        f"{mine['n_archs']} (sha256 {mine['archs_sha256'][:12]}). Pass the "
                        "campaign's list (the same --archs file, or --samples N --seed S)")
            return (f"was started with {key} {stored[key]!r}; this worker has {mine[key]!r}. "
                    "Join with the campaign's settings, or start another campaign")
    return None


def _join(storage: Any, campaign: str, device: str, settings: dict[str, Any],
          arch_ids: Sequence[str], default_reference: str) -> tuple[Any, bool]:
    """Create the device's study and enqueue the list, or join it once ready; check the
    settings (a ``reference`` of None becomes the campaign's, else ``default_reference``).
    Returns the study and whether this call created it."""
    optuna = optional_import("optuna")

    def mismatch(stored: Mapping[str, Any], keys: Iterable[str], whose: str) -> None:
        problem = _settings_mismatch(stored, settings, keys)
        if problem:
            raise ValueError(f"Campaign {campaign!r} ({whose}) {problem}.")

    name = study_name(campaign, device)
    known = _campaigns(storage).get(campaign, [])
    for other in sorted(known, key=lambda d: d != device):  # this device's study first
        stored = storage.get_study_user_attrs(
            storage.get_study_id_from_name(study_name(campaign, other))).get(SETTINGS_KEY)
        if stored is not None:
            if settings["reference"] is None:  # not given: the campaign's
                settings["reference"] = stored.get("reference")
            if other != device:
                mismatch(stored, _SHARED, f"device {other}")
            break
    if settings["reference"] is None:
        settings["reference"] = default_reference
    try:
        study = optuna.create_study(storage=storage, study_name=name, direction="minimize")
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=name, storage=storage)
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while READY_KEY not in study.user_attrs:
            if time.monotonic() > deadline:
                raise MeasurementError(
                    f"The study {name!r} was created but its architectures were never all "
                    f"enqueued (no {READY_KEY!r} after {_READY_TIMEOUT_S:.0f} s): its creator "
                    "died while enqueueing. Delete it (optuna delete-study --study-name "
                    f"'{name}' --storage ...) and start again.") from None
            time.sleep(0.2)
        mismatch(study.user_attrs.get(SETTINGS_KEY, {}), [*_SHARED, "device_spec"],
                 f"device {device}")
        return study, False
    study.set_user_attr(SETTINGS_KEY, settings)
    TrialState = optuna.trial.TrialState
    study.add_trials([optuna.trial.create_trial(state=TrialState.WAITING,
                                                user_attrs={ARCH_KEY: a}) for a in arch_ids])
    study.set_user_attr(READY_KEY, len(arch_ids))
    logger.info("%s: created with %d architectures", name, len(arch_ids))
    return study, True


def measure_campaign(storage: Any, campaign: str, space: BaseSpace | str, archs: Iterable[Any],
                     device: DeviceSpec | RemoteDevice | str, *, n_rounds: int = 10,
                     n_warmup: int = 2, n_repeats: int = 5, budget_s: float = 10.0,
                     chunk_size: int | None = None, max_chunk_mb: float = 1024.0,
                     reference: Any = None, build_cfg: Mapping[str, Any] | None = None,
                     outlier_z: float = OUTLIER_Z, visit_statistic: str = "min", seed: int = 0,
                     progress: bool = True, devices_file: str | os.PathLike | None = None,
                     heartbeat_interval_s: int = 10, grace_period_s: int | None = 60,
                     max_retry: int = 3) -> CampaignRun:
    """Work on a campaign: measure ``device``'s share of ``archs`` until its queue is empty.

    The first worker of a device creates the device's study and enqueues ``archs``; the
    others join it (same settings and list, else an error). Each claims a chunk of waiting
    architectures, times them beside the reference as :func:`measure_archs` does, and
    records them in the storage; it ends when nothing is left to claim (architectures other
    workers still hold are theirs). See the module docstring for the storage layout.

    Args:
        storage: A database URL (``postgresql+psycopg2://user@host/db``,
            ``sqlite:///c.db``), a journal file (``c.log``, ``journal:path``; one host), or an
            Optuna storage object.
        campaign: The campaign's name (letters, digits, ``.``, ``_``, ``-``).
        space: The search space or its name.
        archs: The campaign's architectures or ids (duplicates once); every worker of the
            campaign passes the same list.
        device: A device spec of this host, an ``ssh://`` board, or a board of
            ``devices_file`` by name; its name is the table's column. Workers on identical
            boards share one device's queue by giving the boards one name.
        n_rounds, n_warmup, n_repeats, budget_s, outlier_z, visit_statistic, seed, reference,
            build_cfg: The timing protocol, as for :func:`measure_archs`; the campaign's
            settings, the same for every worker and device.
        chunk_size: Architectures claimed, timed and recorded together (default 250 here,
            50 on a board); a killed worker's chunk is measured again by another.
        max_chunk_mb: Parameter memory of a chunk's networks at most (MB, this host).
        progress: Show a progress bar (only when stderr is a terminal).
        devices_file: A devices file (TOML) naming boards.
        heartbeat_interval_s: Seconds between heartbeats of the trials held (database
            storages).
        grace_period_s: Seconds without a heartbeat after which another worker fails a trial
            and queues it again (``None``: twice the interval).
        max_retry: How often an architecture is queued again after its worker died.

    Returns:
        A :class:`CampaignRun`.

    Raises:
        ValueError: A bad argument or storage, or settings or a list that differ from the
            campaign's (the message names the difference).
        MeasurementError: The device is not available, or the reference fails.
        BoardError: A board could not be reached or used; what this worker held goes back
            to the queue.
        ImportError: Optuna (extra ``optuna``), or the runtime's extra, is missing.
    """
    start = time.perf_counter()
    campaign = _check_campaign(campaign)
    space = get_space(space)
    dev = resolve_device(device, devices_file)
    _check_settings(n_rounds=n_rounds, n_warmup=n_warmup, n_repeats=n_repeats,
                    chunk_size=chunk_size, budget_s=budget_s, max_chunk_mb=max_chunk_mb,
                    outlier_z=outlier_z, visit_statistic=visit_statistic)
    heartbeat_interval_s = check_int("heartbeat_interval_s", heartbeat_interval_s, 1)
    grace_period_s = check_int("grace_period_s", grace_period_s, 1, allow_none=True)
    max_retry = check_int("max_retry", max_retry, 0)
    arch_ids = list(dict.fromkeys(space.canonical_id(a) for a in archs))
    if not arch_ids:
        raise ValueError("The 'archs' argument must hold at least one architecture; got none.")
    opened = _open(storage, heartbeat_interval_s, grace_period_s, max_retry)
    build_cfg = dict(build_cfg or {})
    measurer = _make_measurer(space, dev, build_cfg, seed, chunk_size, max_chunk_mb)
    reference_id = None if reference is None else space.canonical_id(reference)
    timing = {"n_rounds": n_rounds, "n_warmup": n_warmup, "n_repeats": n_repeats,
              "budget_s": float(budget_s), "outlier_z": float(outlier_z),
              "visit_statistic": visit_statistic}
    digest = hashlib.sha256("\n".join(arch_ids).encode()).hexdigest()
    settings = {"format": FORMAT, "space": space.name, "reference": reference_id,
                "build_cfg": json.loads(json.dumps(build_cfg)), **timing, "seed": seed,
                "n_archs": len(arch_ids), "archs_sha256": digest,
                "device": measurer.column, "device_spec": str(measurer.spec)}
    study, created = _join(opened, campaign, measurer.column, settings, arch_ids,
                           space.canonical_id(space.sample(0)))
    reference_id = settings["reference"]

    worker = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
    study.set_user_attr(WORKER_PREFIX + worker, {
        "host": socket.gethostname(), "pid": os.getpid(),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "board": measurer.identity()})
    queue = _CampaignQueue(opened, study, worker, max_retry)
    new: dict[str, ArchResult] = {}
    n_todo = len(arch_ids)
    try:
        with measurer.session(), queue:
            new = _measure_missing(measurer, queue, n_todo, reference_id=reference_id,
                                   progress=progress, **timing)
    except BoardError as exc:
        if exc.kind not in ("connection-lost", "unreachable"):
            raise
        raise BoardError(f"{exc} What this worker measured is in the campaign and what it "
                         "held is queued again; start the worker again to go on.",
                         exc.kind) from exc
    view = _view(measurer.column, settings, opened.get_all_trials(queue.study_id,
                                                                   deepcopy=False))
    return CampaignRun(campaign=campaign, device=measurer.column, study=study.study_name,
                       created=created, n_measured=sum(r.ok for r in new.values()),
                       n_failed=sum(not r.ok for r in new.values()), status=view.status,
                       seconds=time.perf_counter() - start)
