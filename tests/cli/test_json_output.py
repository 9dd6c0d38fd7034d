"""Every ``oneproxy`` command speaks JSON for scripts (``--json``) and shows an example."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from oneproxy_plugins.cli import main


def _leaves(group: click.Group, prefix: str = "oneproxy"):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaves(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


@pytest.mark.parametrize("path, command", list(_leaves(main)), ids=lambda x: str(x))
def test_every_command_has_json(path, command):
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert "--json" in options, f"{path} has no --json option"


@pytest.mark.needs("torch")
def test_measure_json(tmp_path):
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(main, [
        "measure", "--space", "nasbench201", "--device", "cpu-torch-t1-b1", "--samples", "3",
        "--out", str(out), "--rounds", "1", "--warmup", "0", "--repeats", "1", "--build-cfg",
        "C=4,N=1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["measured"] == 3 and data["skipped"] == 0 and data["failed"] == 0
    assert data["device"] == "cpu-torch-t1-b1" and data["out"] == str(out)
    assert data["reference_ms"] > 0


def test_bench_fewshot_json_dash_prints_instead_of_writing(make_data_dir, synthetic_nb201,
                                                          tmp_path, monkeypatch):
    table, _ = synthetic_nb201
    data_dir = make_data_dir(table.select(["gpu_a", "gpu_b"]))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [
        "bench", "fewshot", "--space", "nasbench201", "--data", str(data_dir), "--proxies",
        "gpu_a", "--targets", "gpu_b", "--samples", "5", "--repeats", "2", "--no-progress",
        "--json", "-"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["samples"] == 5 and set(data["targets"]) == {"gpu_b"}
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("path, command", list(_leaves(main)), ids=lambda x: str(x))
def test_every_command_help_has_an_example(path, command):
    assert "Example" in (command.help or ""), f"{path} --help shows no example"
