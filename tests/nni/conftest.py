"""Fixtures of the NNI integration's tests.

NNI computes its manifest folder (``~/nni-experiments``) when ``nni.nas.experiment`` is first
imported, and ``NasExperiment`` writes there whatever its config says. So this conftest imports
NNI once with ``HOME`` pointed at a temporary folder, and every test here runs with that
``HOME``; experiments also get ``experiment_working_directory`` under ``tmp_path``.

NNI 3.0 warns at import about PyTorch classes it does not know (``torch.nn.parameter.Buffer``
and others are "not a nn.Module"); those warnings, and only those, are silenced for these tests.
NNI's console log handler is removed with its own ``nni.runtime.log.silence_stdout()``.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

NNI_HOME = Path(tempfile.mkdtemp(prefix="oneproxy-nni-home-"))
atexit.register(shutil.rmtree, NNI_HOME, ignore_errors=True)

NNI_WARNINGS = (
    r"ignore:.*is found to be not a nn\.Module.*:RuntimeWarning",
)


def _import_nni_at_test_home() -> None:
    old = os.environ.get("HOME")
    os.environ["HOME"] = str(NNI_HOME)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r".*is found to be not a nn\.Module", RuntimeWarning)
            import nni.nas.experiment  # noqa: F401  (fixes NNI_HOME_DIR under NNI_HOME)
        from nni.runtime.log import silence_stdout

        # NNI binds a stdout handler at import, to the stream pytest is capturing then, and
        # logs there later ("I/O operation on closed file"); its experiment.log files remain.
        silence_stdout()
    except ImportError:
        pass  # the tests that need NNI skip themselves
    finally:
        if old is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old


_import_nni_at_test_home()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            for spec in NNI_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


@pytest.fixture(autouse=True)
def _nni_home(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test here runs with ``HOME`` at the temporary NNI home."""
    monkeypatch.setenv("HOME", str(NNI_HOME))
    return NNI_HOME


@pytest.fixture(autouse=True)
def _no_trial_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts outside an NNI trial: an in-process experiment (a test, a doc block)
    leaves its last trial's parameters in ``nni.trial._params``, after which NNI refuses to
    mock a trial ("trial APIs are already available")."""
    if importlib.util.find_spec("nni") is not None:
        import nni.trial

        monkeypatch.setattr(nni.trial, "_params", None)


@pytest.fixture
def experiment_config(tmp_path: Path):
    """A factory of sequential-engine NAS experiment configs writing under ``tmp_path``."""
    from nni.nas.experiment import NasExperimentConfig

    def make(max_trial_number: int, model_format: str = "raw") -> NasExperimentConfig:
        config = NasExperimentConfig("sequential", model_format,
                                     max_trial_number=max_trial_number)
        config.experiment_working_directory = str(tmp_path / "nni-experiments")
        return config

    return make


@pytest.fixture
def run_experiment(experiment_config):
    """Run a NAS experiment with the sequential engine to the end, and stop it.

    ``run_experiment(model_space, evaluator, strategy, max_trial_number, model_format="raw")``.
    NNI's ``run`` leaves the experiment running until ``stop`` (or atexit) saves its checkpoint.
    """
    from nni.nas.experiment import NasExperiment

    def run(model_space, evaluator, strategy, max_trial_number: int,
            model_format: str = "raw") -> NasExperiment:
        experiment = NasExperiment(model_space, evaluator, strategy,
                                   experiment_config(max_trial_number, model_format))
        try:
            experiment.run()
        finally:
            experiment.stop()
        return experiment

    return run


@pytest.fixture(scope="session")
def nb201_tables(shared_data_dir: Path):
    """NAS-Bench-201 latency (all devices) and accuracy tables from ``../shared/data``."""
    from oneproxy_plugins.latency import load_accuracy, load_data_dir

    return load_data_dir(shared_data_dir, "nasbench201"), load_accuracy(shared_data_dir,
                                                                        "nasbench201")


@pytest.fixture(scope="session")
def proxy_predictor(nb201_tables):
    """A log-latency ridge predictor of the ``1080ti_1`` proxy on all of NAS-Bench-201."""
    from oneproxy_plugins.predictors import RidgePredictor

    proxy = nb201_tables[0].select(["1080ti_1"]).dropna()
    return RidgePredictor(space="nasbench201", alpha="auto", log_target=True).fit(
        proxy.archs, proxy.column("1080ti_1"))


@pytest.fixture(scope="session")
def synthetic_accuracy(synthetic_nb201):
    """An accuracy table (percent) on the synthetic table's architectures: more convolutions
    and fewer ``none`` edges score higher, plus noise."""
    from oneproxy_plugins.latency import LatencyTable

    table, _ = synthetic_nb201
    rng = np.random.default_rng(7)
    acc = np.array([50 + 6 * a.count("conv") - 4 * a.count("none") for a in table.archs],
                   dtype=np.float64) + rng.normal(0, 1.0, len(table))
    return LatencyTable(table.archs, ["cifar10"], acc, space="nasbench201")


class ColumnPredictor:
    """A latency 'predictor' that reads a measured column of a table (exact, for checks)."""

    space = "nasbench201"

    def __init__(self, table, device: str) -> None:
        self.table, self.device = table, device
        self.values = table.column(device)
        self.calls = 0

    def predict(self, ids):
        self.calls += 1
        return self.values[self.table.rows_of(ids)]


@pytest.fixture(scope="session")
def column_predictor():
    """The :class:`ColumnPredictor` class."""
    return ColumnPredictor


@pytest.fixture(scope="session")
def tiny_space_class():
    """A tiny NNI model space with the six NAS-Bench-201 decisions, labelled with the package
    space's parameter names (``edge_0_1`` ..) and choices (its op names)."""
    pytest.importorskip("nni")
    from nni.nas.nn.pytorch import LayerChoice, ModelSpace
    from torch import nn

    from oneproxy_plugins.spaces import get_space

    params = get_space("nasbench201").params

    class TinyNB201Space(ModelSpace):
        def __init__(self) -> None:
            super().__init__()
            self.edges = nn.ModuleList(
                LayerChoice({op: nn.Identity() if op in ("none", "skip_connect")
                             else nn.Conv2d(4, 4, 1) for op in choices}, label=name)
                for name, choices in params.items())

        def forward(self, x):
            for edge in self.edges:
                x = edge(x)
            return x

    return TinyNB201Space
