"""`oneproxy data import|build|samples|info`: data directories from published files and
measured tables, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from oneproxy_plugins.cli import main
from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.spaces import get_space

NB201 = get_space("nasbench201")
IDS = [NB201.to_id(a) for a in NB201.sample_many(6, rng=3)]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def measured(path, device, values):
    """A table as `oneproxy measure` writes it (an empty cell where a network failed)."""
    path.write_text(f"arch,{device}\n" + "".join(f"{a},{v}\n" for a, v in zip(IDS, values)))
    return path


def test_build_then_info(tmp_path):
    proxy = measured(tmp_path / "proxy.csv", "cpu-torch-t1-b1", [1.5, 2, 3, 4, 5, ""])
    target = measured(tmp_path / "target.csv", "cpu-ort-t1-b1", [0.5, 1, 2, 2.5, 3, 4])
    result = run("data", "build", "--space", "nasbench201", proxy, target, tmp_path / "mydata")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(
        "latency_proxy.csv: 6 nasbench201 architectures x 1 column(s) (cpu-torch-t1-b1); "
        "6 new in architectures")
    table = load_data_dir(tmp_path / "mydata", "nasbench201")
    assert table.devices == ["cpu-torch-t1-b1", "cpu-ort-t1-b1"]
    info = run("data", "info", tmp_path / "mydata", "--json")
    assert json.loads(info.output)[0]["missing"] == {"cpu-torch-t1-b1": 1, "cpu-ort-t1-b1": 0}


def test_samples_file_for_adapt(tmp_path):
    target = measured(tmp_path / "target.csv", "cpu-ort-t1-b1", [0.5, 1, "", 2.5, 3, 4])
    result = run("data", "samples", "--space", "nasbench201", target, tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (f"5 samples of cpu-ort-t1-b1 -> {tmp_path / 's.csv'} "
                                     "(1 failed, left out)")
    from oneproxy_plugins.cli.adapt import read_target_samples

    archs, ms = read_target_samples("nasbench201", str(tmp_path / "s.csv"))
    assert archs == [IDS[i] for i in (0, 1, 3, 4, 5)] and ms == [0.5, 1, 2.5, 3, 4]


def test_samples_needs_a_device_choice(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text(f"arch,a,b\n{IDS[0]},1,2\n")
    result = run("data", "samples", "--space", "nasbench201", path, tmp_path / "s.csv")
    assert result.exit_code == 2 and "two.csv holds 2 devices (a, b); choose one" in result.output


@pytest.mark.parametrize("args, message", [
    (["oneproxy", "{formats}/oneproxy", "{out}"],
     "Error: Format 'oneproxy' reads pickles, and loading a pickle can run code; pass "
     "--allow-pickle only for files from the project that published them."),
    (["oneproxy", "{formats}/oneproxy", "{out}", "--allow-pickle", "--space", "fbnet"],
     "Error: Format 'oneproxy' takes no --space; its options: --devices, --unit, "
     "--allow-pickle."),
    (["nats", "{formats}/oneproxy/encode.pickle", "{out}", "--unit", "s"],
     "Error: Format 'nats' takes no --unit; its options: none."),
    (["csv", "{formats}", "{out}"], "'csv' is not a registered format; known: help, "
                                    "hwnasbench, oneproxy, eagle, nats."),
])
def test_import_mistakes(tmp_path, formats_dir, args, message):
    args = [a.format(formats=formats_dir, out=tmp_path / "d") for a in args]
    result = run("data", "import", *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "d").exists()


@pytest.mark.needs("torch")  # HELP ships torch files
def test_import_the_published_files(tmp_path, formats_dir, shared_data):
    out = tmp_path / "data"
    first = run("data", "import", "help", formats_dir / "help", out)
    assert first.exit_code == 0, first.output
    assert "latency_help.csv: 15625 nasbench201 architectures x 2 column(s) (1080ti_1, " \
           "pixel3); 15625 new in architectures" in first.output
    second = run("data", "import", "oneproxy", formats_dir / "oneproxy", out, "--allow-pickle",
                 "--devices", "nnmeter_myriadvpu", "--json")
    assert json.loads(second.output)["devices"] == ["nnmeter_myriadvpu"]
    got = load_data_dir(out, "nasbench201")
    reference = load_data_dir(shared_data, "nasbench201")
    for device in got.devices:
        np.testing.assert_allclose(got.column(device), reference.column(device), rtol=5e-6)


@pytest.fixture(scope="module")
def formats_dir():
    folder = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "formats"
    if not folder.is_dir():
        pytest.skip(f"needs {folder} (published-format files); it is not there")
    return folder


@pytest.fixture(scope="module")
def shared_data(formats_dir):
    return formats_dir.parent
