"""Measuring on a remote board over SSH: a real OpenSSH server on loopback is the board.

The board side is a separate Python environment holding only numpy and onnxruntime (no torch,
no oneproxy-plugins); the host side exports, copies and summarises. See the ``ssh_board``
fixture in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[onnx]'")
pytest.importorskip("onnx", reason="needs onnx: pip install 'oneproxy-plugins[onnx]'")

from oneproxy_plugins.measure import measure_archs
from oneproxy_plugins.measure.remote import Board, BoardError, RemoteDevice, load_devices
from oneproxy_plugins.measure.store import ResultStore, details_path_for
from oneproxy_plugins.spaces import get_space

TINY = {"C": 4, "N": 1}
FAST = {"n_rounds": 2, "n_warmup": 1, "n_repeats": 3, "build_cfg": TINY, "progress": False}


@pytest.fixture()
def board(ssh_board, tmp_path):
    """The loopback board with a cache directory of this test's own."""
    return ssh_board.device(cache_dir=str(tmp_path / "board-cache"))


def _archs(n: int, seed: int = 0) -> list[str]:
    space = get_space("nasbench201")
    return [space.to_id(a) for a in space.sample_many(n, seed)]


def test_probe_reports_the_boards_identity(board):
    identity = Board(board).probe()
    assert identity["onnxruntime"] and identity["numpy"]
    assert identity["n_cpus"] >= 1 and identity["cpu_model"]
    assert identity["uname"].startswith(os.uname().sysname)
    assert "governor" in identity and "boot_id" in identity


def test_measures_on_the_board_and_resumes_copying_nothing_twice(board, tmp_path):
    archs = _archs(5)
    out = tmp_path / "board.csv"
    run = measure_archs("nasbench201", archs[:3], board, out=out, **FAST)
    assert run.device == "loopback" and run.n_measured == 3 and run.n_failed == 0
    values = run.table().column("loopback")
    assert (values > 0).all()
    stored = ResultStore(out, "loopback").read()
    assert stored.meta["device_spec"] == "cpu-ort-t1-b1"
    assert stored.meta["board"]["onnxruntime"]
    assert [n["type"] for n in stored.notes] == ["board"]
    first = Board(board).listing()
    networks = len({*archs[:3], run.reference})  # the reference is copied too
    assert sum(n.startswith("models/") for n in first) == networks

    again = measure_archs("nasbench201", archs[:4], board, out=out, resume=True, **FAST)
    assert (again.n_measured, again.n_skipped) == (1, 3)
    added = Board(board).listing() - first  # only the new network, if not the reference
    assert len(added) == len({*archs[:4], run.reference}) - networks
    assert all(n.startswith("models/") for n in added)
    assert Board(board).upload({n: b"" for n in first}, first) == 0  # present: none copied

    # A reinstalled board that lost its cache gets the runner and the networks again.
    shutil.rmtree(board.cache_dir)
    last = measure_archs("nasbench201", archs, board, out=out, resume=True, **FAST)
    assert (last.n_measured, last.n_skipped) == (1, 4)
    assert len(ResultStore(out, "loopback").read().notes) == 3  # one identity per session


def test_a_board_and_this_host_rank_alike(board):
    # Same networks, same runtime: the board (this host over SSH) and the local ONNX Runtime
    # give the same ordering of clearly different networks.
    space = get_space("nasbench201")
    light = "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|"
    heavy = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    settings = dict(FAST, build_cfg={"C": 16, "N": 1}, n_rounds=3)
    remote = measure_archs(space, [light, heavy], board, **settings).table()
    local = measure_archs(space, [light, heavy], "cpu-ort-t1-b1", **settings).table()
    assert remote.column("loopback")[1] > 2 * remote.column("loopback")[0]
    assert local.column("cpu-ort-t1-b1")[1] > 2 * local.column("cpu-ort-t1-b1")[0]


def test_unknown_host_key_is_refused_with_the_fix(board, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(BoardError, match="not known here.*ssh-keyscan -p") as info:
        Board(RemoteDevice(**{**board.__dict__, "known_hosts_file": str(empty)})).probe()
    assert info.value.kind == "host-key"


def test_refused_key_says_how_to_install_one(board, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                    str(tmp_path / "other")], check=True)
    other = RemoteDevice(**{**board.__dict__, "identity_file": str(tmp_path / "other")})
    with pytest.raises(BoardError, match="refused the key.*ssh-copy-id") as info:
        Board(other).probe()
    assert info.value.kind == "auth"
    assert "other" not in str(info.value)  # no key path in the message


def test_unreachable_board(board):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with pytest.raises(BoardError, match="Cannot reach") as info:
        Board(RemoteDevice(**{**board.__dict__, "port": closed_port})).probe()
    assert info.value.kind == "unreachable"


def test_board_without_onnxruntime_names_the_pip_command(board, tmp_path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")],
                   check=True)
    python = str(tmp_path / "bare" / "bin" / "python")
    with pytest.raises(BoardError, match=r"cannot import numpy and onnxruntime\. On the board "
                                         r"run: .*python -m pip install numpy onnxruntime"):
        Board(RemoteDevice(**{**board.__dict__, "python": python})).probe()


def test_devices_file_names_the_board(ssh_board, tmp_path):
    path = ssh_board.devices_file(tmp_path / "devices.toml", name="pi")
    boards = load_devices(path)
    assert list(boards) == ["pi"] and boards["pi"].port == ssh_board.port


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from oneproxy_plugins.cli import main; main()",
                             *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_dropped_connection_loses_nothing_and_resume_measures_only_the_rest(ssh_board,
                                                                              tmp_path):
    devices = ssh_board.devices_file(tmp_path / "devices.toml",
                                     cache_dir=str(tmp_path / "cache"))
    out = tmp_path / "board.csv"
    args = ["measure", "--space", "nasbench201", "--device", "loopback", "--devices",
            str(devices), "--samples", "6", "--out", str(out), "--chunk-size", "2",
            "--rounds", "3", "--repeats", "10", "--build-cfg", "C=8,N=1", "--resume"]
    proc = _cli(*args)
    store = ResultStore(out, "loopback")
    deadline = time.monotonic() + 120
    dropped = 0
    # Once a chunk is written and the next one is on the board, cut the connection.
    while proc.poll() is None and time.monotonic() < deadline:
        rows = len(store.read().results) if out.exists() else 0
        if rows >= 2:
            dropped = ssh_board.drop_connections()  # 0 if between two connections: again
            if dropped:
                break
        time.sleep(0.02)
    _, err = proc.communicate(timeout=120)
    if not dropped:
        pytest.fail(f"the run ended before the connection could be dropped: {err}")
    assert proc.returncode == 2, err
    assert "connection" in err and "--resume" in err and "Traceback" not in err
    kept = dict(store.read().results)
    assert 2 <= len(kept) < 6

    resumed = _cli(*args, "--json")
    out_text, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    report = json.loads(out_text)
    assert report["measured"] == 6 - len(kept) and report["skipped"] == len(kept)
    final = store.read().results
    assert len(final) == 6 and all(r.ok for r in final.values())
    assert {a: final[a] for a in kept} == kept  # nothing measured twice, nothing rewritten
    rows = out.read_text().splitlines()[1:]
    assert len(rows) == len({r.split(",")[0] for r in rows}) == 6
    details = [json.loads(line) for line in details_path_for(out).read_text().splitlines()]
    assert sum(d["type"] == "arch" for d in details) == 6


def test_adapt_in_one_command_on_the_board(ssh_board, tmp_path, make_data_dir, synthetic_nb201):
    from click.testing import CliRunner

    from oneproxy_plugins.cli import main
    from oneproxy_plugins.predictors.io import load_predictor

    data = make_data_dir(synthetic_nb201[0].select(["gpu_a", "cpu_a"]))
    devices = ssh_board.devices_file(tmp_path / "devices.toml",
                                     cache_dir=str(tmp_path / "cache"))
    out = tmp_path / "board.json"
    result = CliRunner().invoke(main, [
        "adapt", "--space", "nasbench201", "--data", str(data), "--proxies", "gpu_a,cpu_a",
        "--measure-on", "loopback", "--devices", str(devices), "--samples", "6",
        "--build-cfg", "C=4,N=1", "--rounds", "2", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["device"] == "loopback" and len(report["measured"]) == 6
    model = load_predictor(out)
    assert (model.predict(list(report["measured"])) > 0).all()
    stored = ResultStore(tmp_path / "board.measured.csv", "loopback").read()
    assert set(stored.results) == set(report["measured"]) and stored.meta["board"]


def test_exports_are_cached_on_this_host(monkeypatch, tmp_path):
    from oneproxy_plugins.measure.remote import cached_export, export_cache_dir

    monkeypatch.setenv("ONEPROXY_CACHE_DIR", str(tmp_path))
    calls = []

    def export():
        calls.append(1)
        return b"model"

    assert cached_export(["nasbench201", "a", {"C": 4}], export) == b"model"
    assert cached_export(["nasbench201", "a", {"C": 4}], export) == b"model"
    assert cached_export(["nasbench201", "a", {"C": 8}], export) == b"model"
    assert len(calls) == 2 and export_cache_dir() == tmp_path / "onnx"
    assert len(list(export_cache_dir().rglob("*.onnx"))) == 2
