"""Shared test helpers: where ../shared/data is, a synthetic multi-device table, and the
optional extras a test needs.

The suite runs in two environments: everything installed (``make test``), and the bare core
(``pip install -e .[dev]``, run by ``.ci/run``). A test that needs an extra says so, with
``pytest.importorskip`` for a whole module or folder, ``@pytest.mark.needs("torch")`` for one
test, or (doc blocks and docstring examples) by failing with the ImportError of a missing
extra, which :func:`skip_if_extra_missing` turns into a skip naming the ``pip install``. With
every extra installed nothing is skipped this way.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

EXTRAS = {"optuna": "optuna", "sqlalchemy": "optuna", "torch": "measure", "onnx": "onnx",
          "onnxruntime": "onnx", "openvino": "openvino", "nni": "nni",
          "pytorch_lightning": "nni", "matplotlib": "viz", "plotly": "viz",
          "psycopg2": "postgres", "optunahub": "hub"}
"""Optional top-level modules and the extra that installs each (as oneproxy_plugins._imports)."""


def _missing(modules) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


def _reason(modules) -> str:
    extras = sorted({EXTRAS.get(m, m) for m in modules})
    return (f"needs {', '.join(modules)}: pip install "
            f"'oneproxy-plugins[{','.join(extras)}]'")


def pytest_configure(config):
    config.addinivalue_line("markers", "needs(*modules): skip unless these optional modules "
                                       "(the package's extras) are installed")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs"):
        gone = _missing(mark.args)
        if gone:
            pytest.skip(_reason(gone))


# One BLAS/OpenMP thread per test process: ``pytest -n 2`` runs two workers on two cores, and
# a worker's threads (NumPy's BLAS, scikit-learn's histogram boosting) would only contend with
# the other worker's: a 5-fold HistGradientBoostingRegressor on 2,000 rows took 35 s with two
# OpenMP threads on a busy host and 1.7 s with one. Set before any of those libraries loads
# (threadpoolctl limits only the libraries loaded when it is called; OpenMP is loaded late,
# with scikit-learn's first estimator), and inherited by the processes the tests start.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


@pytest.fixture(scope="session", autouse=True)
def _one_thread_per_worker():
    """Also limit the thread pools loaded already (by the time the session starts)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="session", autouse=True)
def _own_export_cache(tmp_path_factory):
    """Exported networks go to a cache of the test session's own, not the user's ~/.cache
    (the processes the tests start inherit it)."""
    previous = os.environ.get("ONEPROXY_CACHE_DIR")
    os.environ["ONEPROXY_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("ONEPROXY_CACHE_DIR", None)
    else:
        os.environ["ONEPROXY_CACHE_DIR"] = previous


def skip_if_extra_missing(exc: BaseException) -> None:
    """Skip the running test when ``exc`` (or its cause) is the ImportError of an optional
    module that is not installed here; return otherwise (the caller re-raises)."""
    seen = exc
    while seen is not None:
        name = getattr(seen, "name", None) or ""
        top = name.split(".")[0]
        if isinstance(seen, ImportError) and top in EXTRAS and _missing([top]):
            pytest.skip(_reason([top]))
        seen = seen.__cause__ or seen.__context__

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout; tests using it skip when it is absent."""
    if not (SHARED_DATA / "nasbench201" / "latency.csv").exists():
        pytest.skip(f"real latency tables not found at {SHARED_DATA} (the shared/data folder "
                    "beside the checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def synthetic_nb201():
    """A nasbench201 table made here: 6 devices whose log latency is a device-specific linear
    function of the encoding plus noise, on 2000 architectures.

    Devices ``gpu_a``/``gpu_b`` share one weight pattern, ``cpu_a``/``cpu_b`` another, and
    ``mix`` blends both; ``odd`` has its own pattern. Returns ``(table, weights)``.
    """
    from oneproxy_plugins.latency import LatencyTable
    from oneproxy_plugins.spaces import get_space

    space = get_space("nasbench201")
    rng = np.random.default_rng(12345)
    archs = [space.to_id(a) for a in space.sample_many(2000, rng=rng)]
    x = space.encode_many(archs)
    base_gpu = rng.normal(0, 0.15, x.shape[1])
    base_cpu = rng.normal(0, 0.15, x.shape[1])
    weights = {
        "gpu_a": base_gpu, "gpu_b": base_gpu * 1.1 + rng.normal(0, 0.02, x.shape[1]),
        "cpu_a": base_cpu, "cpu_b": base_cpu * 0.9 + rng.normal(0, 0.02, x.shape[1]),
        "mix": 0.5 * base_gpu + 0.5 * base_cpu, "odd": rng.normal(0, 0.15, x.shape[1]),
    }
    values = np.stack([np.exp(1.0 + x @ w + rng.normal(0, 0.01, len(x)))
                       for w in weights.values()], axis=1)
    return LatencyTable(archs, list(weights), values, space="nasbench201"), weights


@pytest.fixture()
def make_data_dir(tmp_path):
    """Write a table as a data directory laid out like ``../shared/data``.

    Call it with a table (and optionally ``files={"latency.csv": [devices], ...}`` to split
    its devices over several files); it returns the directory.
    """
    from oneproxy_plugins.latency import LatencyTable

    def make(table, files=None):
        root = tmp_path / "data"
        folder = root / "nasbench201"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "architectures.csv").write_text(
            "index,arch\n" + "".join(f"{i},{a}\n" for i, a in enumerate(table.archs)))
        indexed = LatencyTable(table.archs, table.devices, table.values, space="nasbench201",
                               index=np.arange(len(table)))
        for name, devices in (files or {"latency.csv": table.devices}).items():
            indexed.select(devices).to_csv(folder / name, key="index")
        return root

    return make


# ---- the number of generated bad inputs (tests/fuzz), printed at the end of every run
_TOTALS: Counter = Counter()


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        for name, value in report.user_properties:
            if name == "fuzz_cases":
                _TOTALS[report.nodeid.split("::")[-1].split("[")[0]] += value


def pytest_terminal_summary(terminalreporter):
    if _TOTALS:
        parts = ", ".join(f"{name} {n}" for name, n in sorted(_TOTALS.items()))
        terminalreporter.write_line(f"fuzz: {sum(_TOTALS.values())} generated inputs, every one "
                                    f"rejected cleanly or accepted ({parts})")


# A real OpenSSH server on loopback, standing in for a remote board.

REPO = Path(__file__).resolve().parents[1]
BOARD_PYTHON = REPO / ".venv-board" / "bin" / "python"
"""The board's Python: a separate environment holding only numpy and onnxruntime (``make
install`` creates it; ``ONEPROXY_BOARD_PYTHON`` names another)."""


class LoopbackBoard:
    """``sshd`` on 127.0.0.1 and a free port, with its own host key, one authorised client
    key and a known-hosts file naming it, run from a temporary folder.

    Attributes:
        port, user, key, known_hosts, python: What a :class:`RemoteDevice` needs.
        root: The temporary folder (also holds the board's cache directories).
    """

    def __init__(self, root: Path, python: str) -> None:
        import getpass
        import socket
        import subprocess
        import time

        self.root, self.python, self.user = root, python, getpass.getuser()
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
        subprocess.run([*keygen, "-f", str(root / "host_key")], check=True)
        subprocess.run([*keygen, "-f", str(root / "client_key")], check=True)
        self.key = root / "client_key"
        (root / "authorized_keys").write_text((root / "client_key.pub").read_text())
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        host_pub = (root / "host_key.pub").read_text().split()
        self.known_hosts = root / "known_hosts"
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        config = root / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {root / 'host_key'}",
            f"PidFile {root / 'sshd.pid'}", f"AuthorizedKeysFile {root / 'authorized_keys'}",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "UsePAM no", "StrictModes no",
            "PermitRootLogin prohibit-password", f"AllowUsers {self.user}",
            "LogLevel ERROR", ""]))
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
        self.process = subprocess.Popen([_sshd(), "-D", "-e", "-f", str(config)],
                                        stderr=open(root / "sshd.log", "wb"))
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("sshd did not start: "
                                       + (root / "sshd.log").read_text()) from None
                time.sleep(0.05)

    def device(self, name: str = "loopback", spec: str = "cpu-ort-t1-b1", **kwargs):
        """A :class:`RemoteDevice` for this board (keyword arguments override)."""
        from oneproxy_plugins.measure.device import DeviceSpec
        from oneproxy_plugins.measure.remote import RemoteDevice

        fields = dict(name=name, host="127.0.0.1", spec=DeviceSpec.parse(spec), user=self.user,
                      port=self.port, python=self.python, identity_file=str(self.key),
                      known_hosts_file=str(self.known_hosts),
                      cache_dir=str(self.root / "cache"))
        fields.update(kwargs)
        return RemoteDevice(**fields)

    def devices_file(self, path: Path, name: str = "loopback", **kwargs) -> Path:
        """A devices file (TOML) naming this board."""
        d = self.device(name, **kwargs)
        lines = [f"[devices.{name}]", 'host = "127.0.0.1"', f'user = "{d.user}"',
                 f"port = {d.port}", f'identity_file = "{d.identity_file}"',
                 f'known_hosts_file = "{d.known_hosts_file}"', f'python = "{d.python}"',
                 f'cache_dir = "{d.cache_dir}"', f'device = "{d.spec}"', ""]
        path.write_text("\n".join(lines))
        return path

    def session_pids(self) -> list[int]:
        """The server's per-connection processes (children of the listening sshd)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def drop_connections(self) -> int:
        """Kill every open connection server-side, as a network failure would; how many."""
        import signal

        pids = self.session_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _sshd() -> str | None:
    import shutil

    return shutil.which("sshd") or next(
        (p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if Path(p).exists()), None)


@pytest.fixture(scope="session")
def ssh_board(tmp_path_factory):
    """A :class:`LoopbackBoard`; skips, saying why, where the OpenSSH server or client or the
    board environment is missing."""
    import shutil

    if _sshd() is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("needs the OpenSSH server and client: apt-get install openssh-server "
                    "openssh-client (.ci/run installs them)")
    python = os.environ.get("ONEPROXY_BOARD_PYTHON") or str(BOARD_PYTHON)
    if not Path(python).exists():
        pytest.skip(f"no board environment at {python}: `make install` creates it (numpy and "
                    "onnxruntime only), or set ONEPROXY_BOARD_PYTHON")
    board = LoopbackBoard(tmp_path_factory.mktemp("board"), python)
    yield board
    board.stop()
