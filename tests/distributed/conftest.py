"""Fixtures of the distributed tests: a throwaway PostgreSQL server on loopback.

``postgres_url`` runs ``initdb`` and ``pg_ctl`` from Debian's ``postgresql`` package
(``/usr/lib/postgresql/<version>/bin``, or ``initdb`` and ``pg_ctl`` on ``PATH``) in a
temporary folder, listening on 127.0.0.1 and a free port only, and stops it at the end of the
session (with ``pytest -n N`` each worker process starts its own). PostgreSQL refuses to run
as root, so under root the cluster belongs to the ``postgres`` user the package creates. The
tests that use it skip, saying why, only where the server binaries are not installed
(``apt-get install postgresql``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("optuna", reason="needs optuna: pip install 'oneproxy-plugins[optuna]'")

DB_NAME = "oneproxy"


def _postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    found = [p for p in found if (p / "initdb").exists()]
    if not found:  # another layout: both on PATH (maybe links into the server's bin folder)
        pg_ctl, initdb = shutil.which("pg_ctl"), shutil.which("initdb")
        if not (pg_ctl and initdb):
            return None
        folder = Path(pg_ctl).resolve().parent
        return folder if (folder / "initdb").exists() else None
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


def _create_database(port: int) -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=port, user="oneproxy",
                                  dbname="postgres")
    try:
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DB_NAME}")
    finally:
        connection.close()


@pytest.fixture(scope="session")
def postgres_url():
    """SQLAlchemy URL of a fresh PostgreSQL database on 127.0.0.1, for this session only."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found under "
                    "/usr/lib/postgresql/*/bin or on PATH; install them with "
                    "'apt-get install postgresql'")
    user = None
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        try:
            user = pwd.getpwnam("postgres").pw_name
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to own the cluster")
    root = Path(tempfile.mkdtemp(prefix="oneproxy-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        for path in (root, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "oneproxy",
                              "--auth=trust", "--no-sync", "-E", "UTF8"], user), **run)
    options = (f"-k {sockets} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c max_connections=100")
    try:
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                                  "-l", str(root / "server.log"), "-w", "-t", "30", "start"],
                                 user), **run)
        _create_database(port)
        yield f"postgresql+psycopg2://oneproxy@127.0.0.1:{port}/{DB_NAME}"
    except subprocess.CalledProcessError as error:
        log = root / "server.log"
        raise RuntimeError(f"PostgreSQL failed: {error.stderr}\n"
                           f"{log.read_text() if log.exists() else ''}") from error
    finally:
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                  "-w", "stop"], user), capture_output=True)
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
