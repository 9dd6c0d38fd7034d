"""Atomic writes: whole files or none, with ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from oneproxy_plugins._io import atomic_open, atomic_write_text, cached_json


def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640
    atomic_write_text(tmp_path / "b.txt", "y")
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o666 & ~old


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "t.json"
    atomic_write_text(path, "old")
    with pytest.raises(RuntimeError), atomic_open(path) as fh:
        fh.write("half")
        raise RuntimeError("killed")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_creates_missing_folders(tmp_path):
    atomic_write_text(tmp_path / "a" / "b" / "c.txt", "z")
    assert (tmp_path / "a" / "b" / "c.txt").read_text() == "z"


def test_cached_json_computes_once_and_keeps_nothing_of_a_failure(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"hv_ratio": 0.5, "seeds": [0, 1]}

    path = tmp_path / "runs" / "a.json"
    assert cached_json(path, compute) == {"hv_ratio": 0.5, "seeds": [0, 1]}
    assert cached_json(path, compute) == {"hv_ratio": 0.5, "seeds": [0, 1]}
    assert len(calls) == 1  # the second call read the file

    def fail():
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cached_json(tmp_path / "b.json", fail)
    assert not (tmp_path / "b.json").exists()
