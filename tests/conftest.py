"""Shared test helpers: where ../shared/data is, and a synthetic multi-device table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

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
