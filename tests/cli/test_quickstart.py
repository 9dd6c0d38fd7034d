"""The quickstart's command-line path, no Python and no downloaded table: measure a proxy here,
build a data directory, fit its predictor, search, measure a target on a few networks and
adapt (both ways the quickstart shows), and read the target's front from the same study
(docs/quickstart.md, section 2).

The steps are the quickstart's own commands with smaller numbers (12 networks, tiny networks,
one round, 2 trials) so that the whole walk takes seconds; the objective module is the one the
quickstart shows, read from the page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.needs("torch", "onnxruntime", "onnx", "optuna")]

QUICKSTART = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"
TIMING = ["--rounds", "1", "--warmup", "0", "--repeats", "1", "--budget", "0.3", "--build-cfg",
          "C=4,N=1", "--no-progress"]


def run(*args):
    from click.testing import CliRunner

    from oneproxy_plugins.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, f"oneproxy {' '.join(map(str, args))}\n{result.output}"
    return result.output


def objectives_module() -> str:
    """The ``my_objectives.py`` block of the quickstart."""
    blocks = re.findall(r"```python\n(# my_objectives\.py\n.*?)```", QUICKSTART.read_text(), re.S)
    assert len(blocks) == 1, "docs/quickstart.md shows one '# my_objectives.py' block"
    return blocks[0]


def test_measure_build_fit_search_adapt_pareto(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_objectives.py").write_text(objectives_module())
    space = ["--space", "nasbench201"]

    run("measure", *space, "--device", "cpu-torch-t1-b1", "--samples", "12", "--out",
        "proxy.csv", *TIMING)
    run("data", "build", *space, "proxy.csv", "mydata")
    fitted = run("fit", *space, "--data", "mydata", "--device", "cpu-torch-t1-b1", "--out",
                 "cpu-torch-t1-b1.json")
    assert "ridge predictor of cpu-torch-t1-b1 fitted on 12 architectures" in fitted
    searched = json.loads(run("search", *space, "--objective", "my_objectives:accuracy",
                              "--proxy", "cpu-torch-t1-b1.json", "--storage", "sqlite:///nas.db",
                              "--study", "nas", "--trials", "2", "--seed", "0", "--json"))
    assert searched["complete"] == 2

    # a new target: the sample chooser's 4 networks measured on it, then AdaProxy
    run("adapt", *space, "--data", "mydata", "--proxies", "cpu-torch-t1-b1", "--measure-on",
        "cpu-ort-t1-b1", "--samples", "4", "--build-cfg", "C=4,N=1", "--rounds", "1", "--out",
        "cpu-ort-t1-b1.json")
    # or measured with `oneproxy measure` (head -6 proxy.csv: 5 of the proxy's networks)
    lines = (tmp_path / "proxy.csv").read_text().splitlines()
    (tmp_path / "picks.csv").write_text("\n".join(lines[:6]) + "\n")
    run("measure", *space, "--device", "cpu-ort-t1-b1", "--archs", "picks.csv", "--out",
        "target.csv", *TIMING)
    run("data", "samples", *space, "target.csv", "samples.csv")
    run("adapt", *space, "--data", "mydata", "--proxies", "cpu-torch-t1-b1", "--target-samples",
        "samples.csv", "--out", "ort-from-samples.json")
    front = run("pareto", "--storage", "sqlite:///nas.db", "--study", "nas", "--target",
                "cpu-ort-t1-b1.json")
    header = front.splitlines()[1].split()
    assert header[0] == "trial" and header[-3:] == ["cpu-ort-t1-b1", "ms", "arch"]
    data = json.loads(run("pareto", "--storage", "sqlite:///nas.db", "--study", "nas",
                          "--target", "cpu-ort-t1-b1", "--json"))
    assert data["target"] == "cpu-ort-t1-b1" and data["front"]
