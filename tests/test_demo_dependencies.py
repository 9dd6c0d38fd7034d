"""`oneproxy demo` names a missing extra before it measures anything, and says what it reused.

Runs in the bare core too (no optional module is needed): a missing module is simulated the
way Python itself marks one, ``sys.modules[name] = None``, which makes both the look-up and the
import fail as for a module that is not installed.
"""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from oneproxy_plugins.cli import main
from oneproxy_plugins.cli.demo import _took


def _case(module: str, extra: str):
    """One missing module; those checked before it must be there (the bare core has none)."""
    from oneproxy_plugins.demo import DEPENDENCIES

    earlier = DEPENDENCIES[:DEPENDENCIES.index(module)]
    return pytest.param(module, extra, marks=pytest.mark.needs(*earlier) if earlier else (),
                        id=module)


@pytest.mark.parametrize("module, extra", [_case("onnxruntime", "onnx"), _case("onnx", "onnx"),
                                           _case("torch", "measure"),
                                           _case("optuna", "optuna")])
def test_a_missing_extra_is_named_before_any_measurement(tmp_path, monkeypatch, module, extra):
    monkeypatch.setitem(sys.modules, module, None)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {module!r} is required")
    assert f"pip install 'oneproxy-plugins[{extra}]'" in lines[0]
    assert not out.exists()  # nothing measured, nothing written


@pytest.mark.needs("torch", "onnx")
def test_the_library_checks_first_too(tmp_path, monkeypatch):
    from oneproxy_plugins.demo import run_demo

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"oneproxy-plugins\[onnx\]"):
        run_demo(tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("reused, expected", [(0, "81 s"), (50, "81 s; 50 reused")])
def test_what_a_second_run_says(reused, expected):
    assert _took(81.2, reused) == expected


@pytest.mark.needs("torch", "onnx")
def test_nothing_heavy_is_loaded_before_the_check():
    """In a fresh interpreter: the failing command has loaded neither PyTorch nor SciPy's
    statistics nor scikit-learn, so it answers in the time Python takes to start."""
    import json
    import subprocess

    script = """
import json, sys
sys.modules["onnxruntime"] = None
from oneproxy_plugins.cli import main
try:
    main(["demo", "--out", sys.argv[1]])
except SystemExit as exc:
    code = exc.code
heavy = ("torch", "scipy.stats", "sklearn", "optuna", "onnx")
print(json.dumps([code, sorted(m for m in heavy if m in sys.modules)]))
"""
    out = subprocess.run([sys.executable, "-c", script, "never-written"], capture_output=True,
                         text=True, timeout=120)
    code, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert code == 2 and "oneproxy-plugins[onnx]" in out.stderr
    assert loaded == []
