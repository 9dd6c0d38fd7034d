"""Remote boards over SSH: name them, reach them, time networks on them.

A Jetson, a Raspberry Pi or a lab machine is measured from this host. Each architecture is
exported here to ONNX (a fixed opset; the file is named by the hash of its contents), copied
once into a cache directory on the board, and timed there by a small runner that needs only
Python 3, NumPy and ONNX Runtime on the board: no PyTorch, no install of this package. The
runner applies the host's own protocol, from the same code (:mod:`._protocol`): interleaved
rounds, a reference network timed beside each visit. It sends the raw timings back, and the
host summarises them exactly as it does its own, into the same crash-safe, resumable table
(:func:`~oneproxy_plugins.measure.measure_archs` with a :class:`RemoteDevice`).

Naming a board:

* one line, for the command line: ``ssh://[user@]host[:port]/<device spec>[?key=value&...]``,
  e.g. ``ssh://pi@raspberrypi.local/cpu-ort-t4-b1?python=/home/pi/venv/bin/python``. Keys:
  ``name``, ``python``, ``identity_file``, ``known_hosts_file``, ``cache_dir``.
* a devices file for teams (TOML), one table per board under ``[devices]``; the table's key
  is the board's short name, the latency table's column::

      [devices.pi4]
      host = "192.168.1.20"
      user = "pi"
      port = 22                               # optional
      identity_file = "~/.ssh/id_ed25519"     # optional: else ssh's own choice (agent, config)
      python = "/home/pi/venv/bin/python"     # optional, default "python3"
      runtime = "ort"                         # or device = "cpu-ort-t4-b1"
      threads = 4
      batch = 1

Transport: the OpenSSH client (``ssh``), run as a subprocess. It is on every Linux and macOS
machine and on Windows 10+, is maintained by the OpenSSH project, and so brings the user's own
set-up unchanged: ``~/.ssh/config`` (aliases, ``ProxyJump`` through a lab gateway), the SSH
agent, hardware keys and ``known_hosts``, with no Python dependency and no key handling here.
It runs with ``BatchMode=yes`` (keys only, never a password prompt) and
``StrictHostKeyChecking=yes`` (an unknown host key is an error naming the fix, never accepted
silently). No password, key or key path is written to any file or log by this module.

Example:
    >>> from oneproxy_plugins.measure.remote import RemoteDevice
    >>> board = RemoteDevice.parse("ssh://pi@raspberrypi.local:2222/cpu-ort-t4-b1")
    >>> board.name, board.user, board.port, board.spec.threads
    ('raspberrypi.local-cpu-ort-t4-b1', 'pi', 2222, 4)
    >>> str(board)
    'ssh://pi@raspberrypi.local:2222/cpu-ort-t4-b1'
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._io import atomic_open
from oneproxy_plugins.exceptions import MeasurementError
from oneproxy_plugins.measure.device import DeviceSpec, DeviceSpecError

__all__ = ["RemoteDevice", "BoardError", "Board", "load_devices", "resolve_device",
           "REMOTE_RUNTIMES", "export_cache_dir", "cached_export", "model_name"]

logger = logging.getLogger(__name__)

REMOTE_RUNTIMES = ("ort",)
"""Runtimes the board runner knows (ONNX Runtime on the board's CPU)."""

DEFAULT_CACHE_DIR = "~/.cache/oneproxy-plugins"
"""Where a board keeps the runner and the networks copied to it (survives reboots)."""

_RUNNER_FILES = ("_protocol.py", "_board_runner.py")
_LISTED = "--oneproxy-listed--"
_URL_KEYS = ("name", "python", "identity_file", "known_hosts_file", "cache_dir")
_FILE_KEYS = ("host", "user", "port", "python", "identity_file", "known_hosts_file",
              "cache_dir", "device", "runtime", "threads", "batch", "ssh_options",
              "connect_timeout_s")


class BoardError(MeasurementError):
    """A remote board could not be reached or used; the message says why and what to do.

    Attributes:
        kind: ``"unreachable"``, ``"auth"``, ``"host-key"``, ``"missing-modules"``,
            ``"connection-lost"`` or ``"remote"`` (the runner failed on the board).
    """

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclasses.dataclass(frozen=True)
class RemoteDevice:
    """A board reached over SSH, and the device spec to measure on it.

    Attributes:
        name: Short name: the latency table's column.
        host: Host name or address (an alias of ``~/.ssh/config`` works).
        spec: What to run there; the runtime must be one of :data:`REMOTE_RUNTIMES`.
        user: Login name; ``None`` lets ssh choose (config, local user).
        port: SSH port; ``None`` lets ssh choose (config, 22).
        python: The board's Python with NumPy and ONNX Runtime.
        identity_file: Private key file on this host; ``None`` lets ssh choose (agent,
            config, default keys). Its path is passed to ssh and never logged.
        known_hosts_file: A known-hosts file to check the board's key against instead of
            ssh's default.
        cache_dir: The board's cache directory.
        ssh_options: Extra ``-o`` options for ssh, e.g. ``("ProxyJump=gateway",)``.
        connect_timeout_s: Seconds to wait for the connection.
    """

    name: str
    host: str
    spec: DeviceSpec
    user: str | None = None
    port: int | None = None
    python: str = "python3"
    identity_file: str | None = None
    known_hosts_file: str | None = None
    cache_dir: str = DEFAULT_CACHE_DIR
    ssh_options: tuple[str, ...] = ()
    connect_timeout_s: int = 10

    def __post_init__(self) -> None:
        if not self.host or any(c.isspace() for c in self.host) or self.host.startswith("-"):
            raise DeviceSpecError(f"A board's host must be a host name or address; got "
                                  f"{self.host!r}.", self.name)
        if self.port is not None:
            check_int("port", self.port, 1, 65535)
        if self.spec.runtime not in REMOTE_RUNTIMES or self.spec.target != "cpu":
            raise DeviceSpecError(
                f"A remote board runs cpu-<runtime> specs with a runtime among "
                f"{', '.join(REMOTE_RUNTIMES)}; got {str(self.spec)!r}.", str(self.spec))
        if self.spec.channels_last:
            raise DeviceSpecError(f"A remote board has no channels-last option; drop '-cl' "
                                  f"from {str(self.spec)!r}.", str(self.spec))

    @property
    def destination(self) -> str:
        """``user@host`` (or ``host``), as ssh takes it."""
        return f"{self.user}@{self.host}" if self.user else self.host

    def __str__(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"ssh://{self.destination}{port}/{self.spec}"

    @classmethod
    def parse(cls, text: str) -> RemoteDevice:
        """Parse ``ssh://[user@]host[:port]/<device spec>[?key=value&...]``.

        Raises:
            DeviceSpecError: A malformed URL, spec or key (the message shows the form).
        """
        form = ("ssh://[user@]host[:port]/<device spec>[?key=value&...], e.g. "
                "'ssh://pi@raspberrypi.local/cpu-ort-t4-b1'")
        parts = urlsplit(str(text).strip())
        if parts.scheme != "ssh" or not parts.hostname or not parts.path.strip("/"):
            raise DeviceSpecError(f"A remote device is {form}; got {text!r}.", text)
        try:
            port = parts.port
        except ValueError:
            raise DeviceSpecError(f"Bad port in {text!r}; the form is {form}.", text) from None
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(query) - set(_URL_KEYS))
        if unknown:
            raise DeviceSpecError(f"Unknown key(s) {', '.join(unknown)} in {text!r}; allowed: "
                                  f"{', '.join(_URL_KEYS)}.", text)
        options = {k: v[-1] for k, v in query.items()}
        spec = DeviceSpec.parse(unquote(parts.path.strip("/")))
        host = parts.hostname
        return cls(name=options.pop("name", None) or f"{host}-{spec}", host=host, spec=spec,
                   user=unquote(parts.username) if parts.username else None, port=port,
                   **options)

    @classmethod
    def from_mapping(cls, name: str, entry: Mapping[str, Any], where: str = "") -> RemoteDevice:
        """A board from one table of a devices file (see the module docstring).

        Raises:
            DeviceSpecError: An unknown key, a missing host, or a bad value.
        """
        where = where or f"device {name!r}"
        unknown = sorted(set(entry) - set(_FILE_KEYS))
        if unknown:
            raise DeviceSpecError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                                  f"{', '.join(_FILE_KEYS)}.", name)
        entry = dict(entry)
        if "host" not in entry:
            raise DeviceSpecError(f"{where}: no 'host'.", name)
        if "device" in entry:
            if {"runtime", "threads", "batch"} & set(entry):
                raise DeviceSpecError(f"{where}: give either 'device' or 'runtime', 'threads' "
                                      "and 'batch', not both.", name)
            spec = DeviceSpec.parse(str(entry.pop("device")))
        else:
            runtime = entry.pop("runtime", "ort")
            threads = check_int(f"{where}: threads", entry.pop("threads", 1), 1)
            batch = check_int(f"{where}: batch", entry.pop("batch", 1), 1)
            spec = DeviceSpec.parse(f"cpu-{runtime}-t{threads}-b{batch}")
        options = entry.pop("ssh_options", ())
        if isinstance(options, str) or not all(isinstance(o, str) for o in options):
            raise DeviceSpecError(f"{where}: 'ssh_options' is a list of strings like "
                                  "\"ProxyJump=gateway\".", name)
        for key in ("host", "user", "python", "identity_file", "known_hosts_file",
                    "cache_dir"):
            if key in entry and not isinstance(entry[key], str):
                raise DeviceSpecError(f"{where}: {key!r} is a string; got "
                                      f"{entry[key]!r}.", name)
        return cls(name=name, spec=spec, ssh_options=tuple(options), **entry)


def load_devices(path: str | os.PathLike) -> dict[str, RemoteDevice]:
    """Read a devices file (TOML, boards under ``[devices.<name>]``).

    Raises:
        FileNotFoundError: No such file.
        DeviceSpecError: Not TOML, no ``[devices]`` table, or a bad board entry.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DeviceSpecError(f"{path}: not valid TOML ({exc}).", str(path)) from None
    boards = data.get("devices")
    if not isinstance(boards, dict) or not boards:
        raise DeviceSpecError(f"{path}: no boards; expected tables like [devices.pi4] with "
                              "host, user, runtime, threads, batch.", str(path))
    return {name: RemoteDevice.from_mapping(name, entry, f"{path} [devices.{name}]")
            for name, entry in boards.items()}


def resolve_device(text: str | DeviceSpec | RemoteDevice,
                   devices_file: str | os.PathLike | None = None
                   ) -> DeviceSpec | RemoteDevice:
    """A device from its name: a local spec, an ``ssh://`` URL, or a devices-file entry.

    Raises:
        DeviceSpecError: Not a spec, not a URL and not a board of ``devices_file``.
    """
    if isinstance(text, (DeviceSpec, RemoteDevice)):
        return text
    text = str(text).strip()
    if text.startswith("ssh://"):
        return RemoteDevice.parse(text)
    if devices_file is not None:
        boards = load_devices(devices_file)
        if text in boards:
            return boards[text]
        try:
            return DeviceSpec.parse(text)
        except DeviceSpecError:
            raise DeviceSpecError(f"{text!r} is neither a board of {devices_file} (boards: "
                                  f"{', '.join(boards)}) nor a device spec.", text) from None
    return DeviceSpec.parse(text)


def export_cache_dir() -> Path:
    """Where this host keeps the networks it exported for boards.

    ``$ONEPROXY_CACHE_DIR/onnx``, else ``$XDG_CACHE_HOME/oneproxy-plugins/onnx``, else
    ``~/.cache/oneproxy-plugins/onnx``. Deleting it is safe: networks are exported again.
    """
    root = os.environ.get("ONEPROXY_CACHE_DIR")
    if root:
        return Path(root) / "onnx"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "oneproxy-plugins" / "onnx"


def cached_export(key: Any, export: Callable[[], bytes]) -> bytes:
    """The bytes ``export()`` makes for ``key`` (JSON-able), from this host's export cache
    when an earlier call made them (a rerun or a resumed run exports nothing twice)."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    path = export_cache_dir() / digest[:2] / f"{digest}.onnx"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    model = export()
    try:
        with atomic_open(path, "wb") as fh:
            fh.write(model)
    except OSError as exc:  # a read-only home: export each time
        logger.warning("cannot cache an exported network in %s (%s)", path.parent, exc)
    return model


def model_name(model: bytes) -> str:
    """The cache file name of an ONNX model: the SHA-256 of its bytes."""
    return f"models/{hashlib.sha256(model).hexdigest()}.onnx"


def _runner_sources() -> dict[str, bytes]:
    here = Path(__file__).parent
    return {name: (here / name).read_bytes() for name in _RUNNER_FILES}


def _remote_path(path: str) -> str:
    """Shell text for a board path; ``~/`` becomes the board's ``$HOME``."""
    if path == "~":
        return '"$HOME"'
    if path.startswith("~/"):
        return '"$HOME"/' + shlex.quote(path[2:])
    return shlex.quote(path)


# Extract a tar stream into the cache: each file written to a temporary name, then renamed,
# so a dropped connection never leaves a partial file under a real name.
_UNPACK = ("import os,sys,tarfile\n"
           "t=tarfile.open(fileobj=sys.stdin.buffer,mode='r|')\n"
           "for m in t:\n"
           " d=os.path.dirname(m.name)\n"
           " d and os.makedirs(d,exist_ok=True)\n"
           " tmp=m.name+'.part'\n"
           " with open(tmp,'wb') as f: f.write(t.extractfile(m).read())\n"
           " os.replace(tmp,m.name)\n")


class Board:
    """One board, reached with the OpenSSH client: list, copy, probe, run.

    Args:
        device: The board.
        ssh: The ssh program (``shutil.which("ssh")`` by default).
    """

    def __init__(self, device: RemoteDevice, ssh: str | None = None) -> None:
        self.device = device
        self.ssh = ssh or shutil.which("ssh")
        if self.ssh is None:
            raise BoardError("The OpenSSH client 'ssh' is not installed on this host; install "
                             "it (Debian/Ubuntu: apt-get install openssh-client).",
                             "unreachable")
        sources = _runner_sources()
        digest = hashlib.sha256(b"".join(sources[n] for n in _RUNNER_FILES)).hexdigest()[:16]
        self.runner_dir = f"runner-{digest}"
        self._runner_sources = sources
        self.present: set[str] = set()
        """The board's cached networks as of the last :meth:`probe` and :meth:`upload`."""

    def __repr__(self) -> str:
        return f"Board({str(self.device)!r})"

    # ssh itself

    def command(self, remote: str) -> list[str]:
        """The ssh command line running the shell text ``remote`` in the cache directory."""
        d = self.device
        argv = [self.ssh, "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", f"ConnectTimeout={d.connect_timeout_s}", "-o", "ServerAliveInterval=5",
                "-o", "ServerAliveCountMax=3"]
        if d.port is not None:
            argv += ["-p", str(d.port)]
        if d.identity_file is not None:
            argv += ["-i", os.path.expanduser(d.identity_file), "-o", "IdentitiesOnly=yes"]
        if d.known_hosts_file is not None:
            argv += ["-o", f"UserKnownHostsFile={os.path.expanduser(d.known_hosts_file)}"]
        for option in d.ssh_options:
            argv += ["-o", option]
        cache = _remote_path(d.cache_dir)
        argv += ["--", d.destination, f"mkdir -p {cache} && cd {cache} && {remote}"]
        return argv

    def _fail(self, returncode: int, stderr: str, during: str) -> BoardError:
        """The one clear error of a failed ssh call."""
        d, text = self.device, stderr.strip()
        where = f"{d.destination}" + (f" port {d.port}" if d.port is not None else "")
        port = f"-p {d.port} " if d.port is not None else ""
        last = text.splitlines()[-1] if text else f"ssh exited with status {returncode}"
        if re.search(r"host key verification failed|no \S+ host key is known", text, re.I):
            if "IDENTIFICATION HAS CHANGED" in text:
                return BoardError(f"The host key of {where} has changed since it was recorded: "
                                  "the board was reinstalled, or someone is in between. Check "
                                  f"with its owner, then: ssh-keygen -R {d.host}", "host-key")
            return BoardError(
                f"The host key of {where} is not known here, so the board cannot be trusted "
                f"yet. Check it and record it: ssh-keyscan {port}{d.host} >> ~/.ssh/known_hosts "
                f"(or connect once with: ssh {port}{d.destination})", "host-key")
        if re.search(r"permission denied|too many authentication failures", text, re.I):
            return BoardError(
                f"{where} refused the key (keys only, never a password). Install this host's "
                f"public key there: ssh-copy-id {port}{d.destination}; or name the key with "
                f"identity_file / ?identity_file=. ssh said: {last}", "auth")
        if returncode == 255 and not re.search(
                r"could not resolve|connection refused|no route|timed out|network is "
                r"unreachable", text, re.I):
            return BoardError(f"The connection to {where} was lost while {during} ({last}).",
                              "connection-lost")
        if returncode == 255:
            return BoardError(f"Cannot reach {where}: {last}", "unreachable")
        return BoardError(f"{where}: the board failed while {during} ({last}).", "remote")

    def _run(self, remote: str, data: bytes = b"", during: str = "connecting") -> bytes:
        proc = subprocess.run(self.command(remote), input=data, capture_output=True,
                              check=False)
        if proc.returncode != 0:
            raise self._fail(proc.returncode, proc.stderr.decode(errors="replace"), during)
        return proc.stdout

    # what the board holds

    def listing(self) -> set[str]:
        """Files of the cache directory (relative names, ``models/...`` included)."""
        return _listing(self._run(self._LIST))

    _LIST = "mkdir -p models && ls -1 models"

    def upload(self, files: Mapping[str, bytes], present: set[str] | None = None) -> int:
        """Copy the files not in ``present`` (default :attr:`present`) to the board's cache,
        each atomically; return how many were copied."""
        present = self.present if present is None else present
        missing = {n: b for n, b in files.items() if n not in present}
        if not missing:
            return 0
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, data in missing.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        python = shlex.quote(self.device.python)
        self._run(f"{python} -c {shlex.quote(_UNPACK)}", buffer.getvalue(), "copying files")
        present.update(missing)
        logger.info("%s: copied %d file(s)", self.device.name, len(missing))
        return len(missing)

    def probe(self) -> dict[str, Any]:
        """The board's identity (kernel, CPU, versions, governor, boot id); copies the runner
        there first unless the board has this version of it.

        One ssh connection when the board has the runner (it lists the cache too, see
        :attr:`present`), three the first time.

        Raises:
            BoardError: The board cannot be reached, or lacks NumPy or ONNX Runtime (the
                message names the pip command to run there).
        """
        runner = f"{self.runner_dir}/_board_runner.py"
        python = shlex.quote(self.device.python)
        command = (f"{self._LIST} && echo {_LISTED} && test -f {runner} && "
                   f"{python} {runner} --probe")
        proc = subprocess.run(self.command(command), capture_output=True, check=False)
        listed, separator, probed = proc.stdout.partition(_LISTED.encode() + b"\n")
        if not separator and proc.returncode != 0:  # ssh itself failed
            raise self._fail(proc.returncode, proc.stderr.decode(errors="replace"), "probing")
        self.present = _listing(listed)
        if proc.returncode == 1 and not probed.strip():  # no runner yet (test -f failed)
            self.upload({f"{self.runner_dir}/{n}": b for n, b in self._runner_sources.items()},
                        set())
            proc = subprocess.run(self.command(f"{python} {runner} --probe"),
                                  capture_output=True, check=False)
            probed = proc.stdout
        record = _last_record(probed)
        if record is not None and record.get("type") == "missing":
            modules = record["modules"]
            raise BoardError(
                f"{self.device.destination}: {self.device.python} cannot import "
                f"{' and '.join(modules)}. On the board run: {self.device.python} -m pip "
                f"install {' '.join(modules)}", "missing-modules")
        if proc.returncode != 0 or record is None or record.get("type") != "identity":
            if proc.returncode == 127 or b"not found" in proc.stderr:
                raise BoardError(f"{self.device.destination}: no Python at "
                                 f"{self.device.python!r}; name the board's Python 3 with "
                                 "python= (it needs numpy and onnxruntime).", "remote")
            raise self._fail(proc.returncode or 1, proc.stderr.decode(errors="replace"),
                             "probing")
        record.pop("type")
        return record

    def run(self, job: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Run a timing job (see :mod:`._board_runner`); yield its records as they come.

        Raises:
            BoardError: The connection dropped (``kind="connection-lost"``) or the runner
                failed on the board, before its ``done`` record.
        """
        python = shlex.quote(self.device.python)
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(self.command(f"{python} {self.runner_dir}/_board_runner.py"),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
            done = False
            try:
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(json.dumps(dict(job)).encode() + b"\n")
                proc.stdin.close()
                for line in proc.stdout:
                    record = _record(line)
                    if record is None:
                        continue
                    if record.get("type") == "failed":
                        raise BoardError(f"{self.device.destination}: the runner failed: "
                                         f"{record.get('error')}", "remote")
                    if record.get("type") == "done":
                        done = True
                    yield record
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                proc.stdout.close()  # type: ignore[union-attr]
            if not done:
                err.seek(0)
                raise self._fail(proc.returncode or 255, err.read().decode(errors="replace"),
                                 "timing networks")


def _listing(out: bytes) -> set[str]:
    return {f"models/{line.strip()}" for line in out.decode(errors="replace").splitlines()
            if line.strip()}


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _last_record(out: bytes) -> dict[str, Any] | None:
    records = [r for r in map(_record, out.splitlines()) if r is not None]
    return records[-1] if records else None
