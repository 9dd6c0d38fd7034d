"""Measurement campaigns: workers on one Optuna storage, one of them killed, status and export.

Workers are real ``oneproxy measure --storage ... --campaign ...`` processes timing tiny
NAS-Bench-201 networks (C=4, N=1, 2 rounds) on this host's PyTorch and ONNX Runtime and on the
loopback SSH board; the storage is the session's PostgreSQL server or a journal file.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import optuna
import pytest
from click.testing import CliRunner
from optuna.storages import JournalStorage, RetryHeartbeatStaleTrialCallback
from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock
from optuna.trial import TrialState

pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[measure]'")
pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install "
                                          "'oneproxy-plugins[onnx]'")

from oneproxy_plugins.cli import main
from oneproxy_plugins.latency import LatencyTable, load_data_dir
from oneproxy_plugins.measure.campaign import (HOLDER_KEY, SETTINGS_KEY, _CampaignQueue,
                                               campaign_status, campaign_table,
                                               export_campaign, list_campaigns,
                                               measure_campaign, study_name)
from oneproxy_plugins.measure.store import ArchResult
from oneproxy_plugins.optuna import open_storage
from oneproxy_plugins.spaces import get_space

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")

FASTEST = ["--rounds", "2", "--warmup", "0", "--repeats", "1", "--budget", "0.05",
           "--build-cfg", "C=4,N=1", "--chunk-size", "2", "--no-progress", "--json"]
FAST = {"n_rounds": 2, "n_warmup": 0, "n_repeats": 1, "budget_s": 0.05,
        "build_cfg": {"C": 4, "N": 1}, "chunk_size": 2, "progress": False}
GRACE_S = 4
COMMAND = [sys.executable, "-c", "from oneproxy_plugins.cli import main; main()", "measure",
           "--space", "nasbench201"]


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def worker(device: str, n: int, seed: int, storage: str, campaign: str, *options: str
           ) -> subprocess.Popen:
    """A worker process measuring ``archs(n, seed)`` on ``device``."""
    return spawn("--device", device, "--samples", str(n), "--seed", str(seed), "--storage",
                 storage, "--campaign", campaign, *options, *FASTEST)


def finish(proc: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out)


def archs(n: int, seed: int) -> list[str]:
    space = get_space("nasbench201")
    return [space.to_id(a) for a in space.sample_many(n, seed)]


def device_status(storage, campaign: str, device: str):
    """The device's status, or None before its study exists."""
    try:
        return campaign_status(storage, campaign).get(device)
    except LookupError:
        return None


def holders_named(storage, campaign: str, device: str) -> bool:
    """Whether every running trial names its process (a journal worker does so just after
    claiming it; one killed in between leaves a trial that waits out the orphan delay)."""
    study = optuna.load_study(study_name=study_name(campaign, device), storage=storage)
    return all(HOLDER_KEY in t.system_attrs for t in study.get_trials(
        deepcopy=False, states=(TrialState.RUNNING,)))


def kill_mid_run(proc: subprocess.Popen, storage, campaign: str, device: str,
                 journal: bool = False):
    """SIGKILL ``proc`` once it has recorded a chunk and holds the next; the status then."""
    def holding() -> bool:
        status = device_status(storage, campaign, device)
        return (status is not None and status.done >= 2 and status.running > 0
                and (not journal or holders_named(storage, campaign, device)))

    def check_alive() -> None:
        if proc.poll() is not None:
            pytest.fail(f"the worker ended before it could be killed: {proc.communicate()[1]}")
        assert time.monotonic() < deadline, "the worker never got going"

    deadline = time.monotonic() + 90
    while device_status(storage, campaign, device) is None:  # until the worker made its study
        check_alive()
        time.sleep(0.05)
    # Then it runs in short slices and is frozen while looked at: it cannot finish its chunk
    # between the look and the kill, nor its whole run between two looks (tiny networks take
    # milliseconds; reading the storage takes longer).
    while True:
        os.kill(proc.pid, signal.SIGSTOP)
        if holding():
            break
        os.kill(proc.pid, signal.SIGCONT)
        check_alive()
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    return device_status(storage, campaign, device)


def completed(storage, campaign: str, device: str) -> list[str]:
    """The architectures of the device's complete trials, one per trial."""
    study = optuna.load_study(study_name=study_name(campaign, device), storage=storage)
    return [t.user_attrs["arch"] for t in study.get_trials(states=(TrialState.COMPLETE,))]


def check_export(path, devices: list[str], expected: list[str]) -> LatencyTable:
    """Every architecture once, every device a column, every cell a positive latency."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["arch", *devices]
    assert sorted(r[0] for r in rows[1:]) == sorted(expected)  # each exactly once
    table = LatencyTable.from_csv(path, space="nasbench201")
    assert (table.values > 0).all()
    return table


def test_three_workers_on_postgres_one_killed_and_its_work_measured_by_another(
        postgres_url, ssh_board, tmp_path):
    n, seed = 8, 3
    devices_file = ssh_board.devices_file(tmp_path / "devices.toml",
                                          cache_dir=str(tmp_path / "board-cache"))
    heartbeat = ["--heartbeat-interval", "1", "--grace-period", str(GRACE_S)]
    victim = worker("cpu-torch-t1-b1", n, seed, postgres_url, "pg", *heartbeat)
    others = [worker("cpu-ort-t1-b1", n, seed, postgres_url, "pg", *heartbeat),
              worker("loopback", n, seed, postgres_url, "pg", *heartbeat,
                     "--devices", str(devices_file))]
    storage = open_storage(postgres_url)
    at_kill = kill_mid_run(victim, storage, "pg", "cpu-torch-t1-b1")
    killed = time.monotonic()
    reports = [finish(p) for p in others]
    assert [r["measured"] for r in reports] == [n, n]

    # Nothing waits for the dead worker's trials until their heartbeat is older than the
    # grace period; then the next worker of the device puts them back and measures them.
    time.sleep(max(0.0, killed + GRACE_S + 1 - time.monotonic()))
    run = measure_campaign(postgres_url, "pg", "nasbench201", archs(n, seed), "cpu-torch-t1-b1",
                           heartbeat_interval_s=1, grace_period_s=GRACE_S, **FAST)
    assert not run.created
    assert run.n_measured == n - at_kill.done  # what the victim recorded is not redone
    statuses = campaign_status(postgres_url, "pg")
    assert list(statuses) == ["cpu-ort-t1-b1", "cpu-torch-t1-b1", "loopback"]
    for status in statuses.values():
        assert (status.done, status.running, status.waiting, status.failed) == (n, 0, 0, 0)
    assert statuses["cpu-torch-t1-b1"].requeued == at_kill.running >= 1
    assert statuses["cpu-ort-t1-b1"].requeued == statuses["loopback"].requeued == 0

    torch_trials = optuna.load_study(study_name=study_name("pg", "cpu-torch-t1-b1"),
                                     storage=postgres_url).trials
    stale = [t for t in torch_trials if t.state == TrialState.FAIL]
    retries = {RetryHeartbeatStaleTrialCallback.retried_trial_number(t): t for t in torch_trials
               if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) is not None}
    assert sorted(retries) == sorted(t.number for t in stale)
    for trial in stale:
        retry = retries[trial.number]
        assert retry.state == TrialState.COMPLETE
        assert retry.user_attrs["arch"] == trial.user_attrs["arch"]
    for device in statuses:  # measured once each: no duplicate, nothing lost
        assert sorted(completed(postgres_url, "pg", device)) == sorted(archs(n, seed))

    out = tmp_path / "latency.csv"
    export_campaign(postgres_url, "pg", out)
    table = check_export(out, list(statuses), archs(n, seed))
    assert table.archs == archs(n, seed)  # in the campaign's order


def test_two_workers_share_one_device_on_a_journal_file(tmp_path):
    n, seed = 10, 5
    journal = str(tmp_path / "campaign.log")
    first = worker("cpu-ort-t1-b1", n, seed, journal, "j")
    storage = open_storage(journal)
    deadline = time.monotonic() + 60
    while device_status(storage, "j", "cpu-ort-t1-b1") is None:  # until it created the study
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()[1]
        time.sleep(0.05)
    second = measure_campaign(journal, "j", "nasbench201", archs(n, seed), "cpu-ort-t1-b1",
                              **FAST)  # this process, meanwhile
    report = finish(first)
    assert report["created"] and not second.created
    assert report["measured"] >= 1 and second.n_measured >= 1  # both took part
    assert report["measured"] + second.n_measured == n  # and none measured twice
    assert max(report["done"], second.n_done) == n  # the last to end saw every one done
    assert sorted(completed(storage, "j", "cpu-ort-t1-b1")) == sorted(archs(n, seed))


def test_a_killed_journal_worker_is_noticed_at_once_on_its_host(tmp_path):
    n, seed = 6, 6
    journal = str(tmp_path / "campaign.log")
    victim = worker("cpu-torch-t1-b1", n, seed, journal, "jk")
    storage = open_storage(journal)
    at_kill = kill_mid_run(victim, storage, "jk", "cpu-torch-t1-b1", journal=True)
    # No heartbeat on a journal file: the dead process's trials are found by its pid, at
    # once. (A process killed while writing leaves the journal's lock file behind, which
    # Optuna takes over after its grace period: 30 s by default, 3 s here.)
    storage = JournalStorage(JournalFileBackend(journal, JournalFileSymlinkLock(journal, 3)))
    run = measure_campaign(storage, "jk", "nasbench201", archs(n, seed), "cpu-torch-t1-b1",
                           **FAST)
    assert run.n_measured == n - at_kill.done
    assert run.status.done == n and run.status.requeued == at_kill.running >= 1
    assert sorted(completed(storage, "jk", "cpu-torch-t1-b1")) == sorted(archs(n, seed))


class _OneBroken(type(get_space("nasbench201"))):
    """NAS-Bench-201 with one architecture that cannot be built."""

    broken = archs(3, 11)[1]

    def build(self, arch, **cfg):
        if self.canonical_id(arch) == self.broken:
            raise ValueError("not buildable, on purpose")
        return super().build(arch, **cfg)


@pytest.fixture(scope="module")
def journal_campaign(tmp_path_factory):
    """A journal file holding campaign 'c': three architectures on two runtimes of this host,
    the second one failing on both."""
    journal = str(tmp_path_factory.mktemp("campaign") / "c.log")
    for device in ("cpu-torch-t1-b1", "cpu-ort-t1-b1"):
        measure_campaign(journal, "c", _OneBroken(), archs(3, 11), device, **FAST)
    return journal


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


class TestStatusAndExport:
    def test_failed_architectures_are_recorded_and_not_retried(self, journal_campaign):
        again = measure_campaign(journal_campaign, "c", _OneBroken(), archs(3, 11),
                                 "cpu-ort-t1-b1", **FAST)
        assert (again.n_measured, again.n_failed) == (0, 0)
        status = campaign_status(journal_campaign, "c")["cpu-ort-t1-b1"]
        assert (status.done, status.failed, status.running, status.waiting) == (2, 1, 0, 0)
        study = optuna.load_study(study_name=study_name("c", "cpu-ort-t1-b1"),
                                  storage=open_storage(journal_campaign))
        failed = study.get_trials(states=(TrialState.FAIL,))
        assert [t.user_attrs["arch"] for t in failed] == [_OneBroken.broken]
        assert failed[0].user_attrs["status"] == "failed"
        assert "not buildable, on purpose" in failed[0].user_attrs["error"]
        done = study.get_trials(states=(TrialState.COMPLETE,))
        for trial in done:
            attrs = trial.user_attrs
            assert trial.value > 0 and attrs["raw_ms"] > 0 and attrs["reference_ms"] > 0
            assert attrs["n_rounds"] == 2 and attrs["n_runs"] >= 2 and attrs["spread"] >= 0
            assert attrs["chunk_reference_ms"] > 0 and attrs["status"] == "ok"
        assert study.user_attrs[SETTINGS_KEY]["build_cfg"] == {"C": 4, "N": 1}

    def test_status(self, journal_campaign):
        result = invoke("campaign", "status", "--storage", journal_campaign, "--campaign", "c")
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0] == "campaign c: 3 architectures of nasbench201, 2 device(s)"
        assert "cpu-ort-t1-b1    done 2  running 0  waiting 0  failed 1  reference" in lines[1]
        result = invoke("campaign", "status", "--storage", journal_campaign, "--campaign", "c",
                        "--json")
        data = json.loads(result.stdout)
        assert set(data["devices"]) == {"cpu-ort-t1-b1", "cpu-torch-t1-b1"}
        assert data["devices"]["cpu-torch-t1-b1"]["done"] == 2
        assert data["devices"]["cpu-torch-t1-b1"]["reference_ms"] > 0

    def test_export_is_what_data_directories_hold(self, journal_campaign, tmp_path):
        out = tmp_path / "data" / "nasbench201" / "latency.csv"
        result = invoke("campaign", "export", "--storage", journal_campaign, "--campaign", "c",
                        "--out", str(out))
        assert result.exit_code == 0, result.output
        assert result.output.strip() == (f"{out}: 3 architectures x 2 device(s) "
                                         "(cpu-ort-t1-b1, cpu-torch-t1-b1); 2 empty cell(s): "
                                         "failed or not measured yet")
        table = LatencyTable.from_csv(out, space="nasbench201")
        assert table.archs == archs(3, 11)
        broken = table.archs.index(_OneBroken.broken)
        assert np.isnan(table.values[broken]).all()
        assert (table.select(archs=[a for a in table.archs if a != _OneBroken.broken]).values
                > 0).all()
        (out.parent / "architectures.csv").write_text(
            "index,arch\n" + "".join(f"{i},{a}\n" for i, a in enumerate(table.archs)))
        loaded = load_data_dir(tmp_path / "data", "nasbench201")
        assert loaded.devices == ["cpu-ort-t1-b1", "cpu-torch-t1-b1"] and len(loaded) == 3

    def test_a_race_measured_twice_is_exported_once_on_the_median_anchor(self, tmp_path):
        journal = str(tmp_path / "race.log")
        ids = archs(2, 12)
        measure_campaign(journal, "race", "nasbench201", ids, "cpu-ort-t1-b1", **FAST)
        storage = open_storage(journal)
        study = optuna.load_study(study_name=study_name("race", "cpu-ort-t1-b1"),
                                  storage=storage)
        first = study.get_trials(states=(TrialState.COMPLETE,))
        level = first[0].user_attrs["chunk_reference_ms"]
        for chunk, ratio, chunk_level in (("w2/0", 9.0, 3 * level), ("w3/0", 9.0, 5 * level)):
            # the same architecture measured again by two late workers (as a stale-heartbeat
            # race could): the first trial's ratio counts, every chunk's level anchors
            study.add_trial(optuna.trial.create_trial(value=ratio, user_attrs={
                "arch": ids[0], "chunk": chunk, "chunk_reference_ms": chunk_level}))
        table = campaign_table(storage, "race")
        assert table.archs == ids
        assert table.values[0, 0] == pytest.approx(first[0].value * 3 * level)
        assert campaign_status(storage, "race")["cpu-ort-t1-b1"].done == 2

    def test_listed(self, journal_campaign):
        assert list_campaigns(journal_campaign) == {"c": ["cpu-ort-t1-b1", "cpu-torch-t1-b1"]}


class TestErrors:
    def test_unknown_campaign(self, journal_campaign, tmp_path):
        for command in (["status"], ["export", "--out", str(tmp_path / "t.csv")]):
            result = invoke("campaign", *command, "--storage", journal_campaign, "--campaign",
                            "nope")
            assert result.exit_code == 2
            assert result.output.strip() == (
                f"Error: No campaign 'nope' in {journal_campaign}; campaigns there: c. A worker "
                "(oneproxy measure --storage ... --campaign ...) starts one.")
        assert not (tmp_path / "t.csv").exists()

    def test_mismatched_settings(self, journal_campaign):
        base = ["measure", "--space", "nasbench201", "--device", "cpu-ort-t1-b1", "--storage",
                journal_campaign, "--campaign", "c", "--build-cfg", "C=4,N=1"]
        result = invoke(*base, "--samples", "3", "--seed", "11", "--rounds", "3")
        assert result.exit_code == 2
        assert result.output.strip() == (
            "Error: Campaign 'c' (device cpu-ort-t1-b1) was started with n_rounds 2; this "
            "worker has 3. Join with the campaign's settings, or start another campaign.")
        result = invoke(*base, "--samples", "4", "--seed", "11", "--rounds", "2", "--warmup",
                        "0", "--repeats", "1", "--budget", "0.05")
        assert result.exit_code == 2
        assert "holds 3 architectures" in result.output and "given 4" in result.output
        # a new device must agree with the campaign's other devices
        with pytest.raises(ValueError, match=r"device cpu-ort-t1-b1\) was started with "
                                             r"build_cfg \{'C': 4, 'N': 1\}; this worker has "
                                             r"\{'C': 8, 'N': 1\}"):
            measure_campaign(journal_campaign, "c", "nasbench201", archs(3, 11),
                             "cpu-torch-t1-b1-cl", **{**FAST, "build_cfg": {"C": 8, "N": 1}})
        assert "cpu-torch-t1-b1-cl" not in list_campaigns(journal_campaign)["c"]

    def test_bad_storage(self):
        for storage, message in (
                ("campaign.txt", "Error: Storage 'campaign.txt' is not a database URL"),
                ("postgresql+psycopg2://me:secret@127.0.0.1:1/db",
                 "Error: Storage 'postgresql+psycopg2://me:***@127.0.0.1:1/db' cannot be "
                 "opened")):
            result = invoke("campaign", "status", "--storage", storage, "--campaign", "c")
            assert result.exit_code == 2 and result.output.startswith(message), result.output
            assert "secret" not in result.output

    def test_worker_arguments(self, tmp_path):
        base = ["measure", "--space", "nasbench201", "--device", "cpu-ort-t1-b1", "--samples",
                "2"]
        journal = str(tmp_path / "c.log")
        for extra, message in (
                (["--storage", journal, "--campaign", "c", "--out", "t.csv"],
                 "Error: --out is not used by a campaign worker (--storage/--campaign): results "
                 "go to the campaign's storage; write the table with `oneproxy campaign "
                 "export`."),
                (["--storage", journal], "Error: --storage needs --campaign: a campaign worker "
                                         "names both."),
                ([], "Error: Missing option '--out' (or --storage and --campaign for a campaign "
                     "worker)."),
                (["--storage", journal, "--campaign", "a:b"],
                 "Error: The 'campaign' argument must be a name of letters, digits, '.', '_' "
                 "and '-' (starting with a letter or digit); got 'a:b'.")):
            result = invoke(*base, *extra)
            assert (result.exit_code, result.output.strip()) == (2, message)
        assert not os.path.exists(journal)


class TestQueue:
    """The worker's queue on a real journal storage, without measuring."""

    @pytest.fixture()
    def queue(self, tmp_path):
        storage = open_storage(str(tmp_path / "queue.log"))
        study = optuna.create_study(storage=storage, study_name=study_name("q", "d"))
        study.add_trials([optuna.trial.create_trial(state=TrialState.WAITING,
                                                    user_attrs={"arch": a})
                          for a in archs(3, 13)])
        return _CampaignQueue(storage, study, "w", max_retry=3)

    def _requeue_behind_its_back(self, queue, arch):
        """What another worker does to a trial it believes dead: fail it, enqueue a copy."""
        trial_id = queue.held[arch]
        queue.storage.set_trial_state_values(trial_id, TrialState.FAIL)
        queue.retry(queue.study, queue.storage.get_trial(trial_id))

    def test_a_result_whose_trial_was_requeued_meanwhile_finishes_the_copy(self, queue):
        ids = archs(3, 13)
        with queue:
            assert queue.claim(2) == ids[:2]
            self._requeue_behind_its_back(queue, ids[0])
            written = queue.append([ArchResult(a, "ok", ratio=2.0 + i, raw_ms=1.0)
                                    for i, a in enumerate(ids[:2])], 0.5)
        assert [r.arch for r in written] == ids[:2]
        trials = queue.study.get_trials()
        assert [(t.user_attrs["arch"], t.state) for t in trials] == [
            (ids[0], TrialState.FAIL), (ids[1], TrialState.COMPLETE),
            (ids[2], TrialState.WAITING), (ids[0], TrialState.COMPLETE)]
        assert trials[3].value == 2.0 and trials[3].user_attrs["chunk_reference_ms"] == 0.5

    def test_a_copy_another_worker_took_is_left_to_it(self, queue):
        ids = archs(3, 13)
        with queue:
            assert queue.claim(1) == ids[:1]
            self._requeue_behind_its_back(queue, ids[0])
            copy = queue.study.get_trials(states=(TrialState.WAITING,))[-1]
            queue.storage.set_trial_state_values(queue._trial_id(copy), TrialState.RUNNING)
            assert queue.append([ArchResult(ids[0], "ok", ratio=2.0)], 0.5) == []
        assert queue.study.trials[-1].state == TrialState.RUNNING  # the other worker's

    def test_an_interrupted_worker_puts_back_what_it_held(self, queue):
        with pytest.raises(KeyboardInterrupt), queue:
            assert len(queue.claim(2)) == 2
            raise KeyboardInterrupt
        states = [t.state for t in queue.study.get_trials()]
        assert states == [TrialState.WAITING] * 3 and not queue.held
