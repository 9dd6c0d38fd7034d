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

import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

EXTRAS = {"optuna": "optuna", "sqlalchemy": "optuna", "torch": "measure", "onnx": "onnx",
          "onnxruntime": "onnx", "nni": "nni", "pytorch_lightning": "nni", "matplotlib": "viz",
          "plotly": "viz", "psycopg2": "postgres", "optunahub": "hub"}
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


@pytest.fixture(scope="session", autouse=True)
def _one_thread_per_worker():
    """One BLAS/OpenMP thread per test process: ``pytest -n 2`` runs two workers on two cores,
    and a worker's threads (NumPy's BLAS, scikit-learn's histogram boosting) would only contend
    with the other worker's."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


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
