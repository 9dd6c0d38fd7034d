"""Fixtures of the benchmark tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="session")
def benchmark_script() -> Callable[[str], ModuleType]:
    """``benchmark_script(name)`` imports ``benchmarks/<name>.py`` (a script, not part of the
    package; its folder on the path while it loads, for its imports of sibling scripts), once
    per session."""
    loaded: dict[str, ModuleType] = {}

    def load(name: str) -> ModuleType:
        if name not in loaded:
            spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            sys.path.insert(0, str(BENCHMARKS))
            try:
                spec.loader.exec_module(module)
            finally:
                sys.path.remove(str(BENCHMARKS))
            loaded[name] = module
        return loaded[name]

    return load
