"""The OptunaHub-layout package ``package/samplers/oneproxy_constrained`` loads and behaves as
the plugin's own sampler."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from oneproxy_plugins.optuna import LatencyConstraint, ProxyConstrainedSampler

optunahub = pytest.importorskip("optunahub")

REGISTRY = Path(__file__).resolve().parents[2] / "package"
PACKAGE = "samplers/oneproxy_constrained"


@pytest.fixture(scope="module")
def module():
    return optunahub.load_local_module(PACKAGE, registry_root=str(REGISTRY))


def test_layout():
    folder = REGISTRY / PACKAGE
    for name in ("__init__.py", "README.md", "LICENSE", "requirements.txt", "example.py"):
        assert (folder / name).is_file(), name
    front_matter = (folder / "README.md").read_text().split("---")[1]
    for key in ("author:", "title:", "description:", "tags: [sampler", "optuna_versions:",
                "license: MIT License"):
        assert key in front_matter


def test_is_a_simple_base_sampler_and_the_plugin_sampler(module, ridge, space):
    sampler = module.ProxyConstrainedSampler(optuna.samplers.TPESampler(seed=0),
                                             module.LatencyConstraint(ridge, max_ms=5.0))
    assert isinstance(sampler, optunahub.samplers.SimpleBaseSampler)
    assert isinstance(sampler, ProxyConstrainedSampler)
    assert sampler.search_space == space.distributions()


def test_same_trials_as_the_plugin_import(module, ridge, space):
    def run(sampler):
        evaluated = []

        def objective(trial):
            arch = space.suggest(trial)
            evaluated.append(arch)
            return arch.count("nor_conv_3x3"), ridge.predict([space.to_id(arch)])[0]

        study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
        study.optimize(objective, n_trials=20)
        return evaluated

    constraint = LatencyConstraint(ridge, max_ms=5.0)
    hub = run(module.ProxyConstrainedSampler(optuna.samplers.NSGAIISampler(
        seed=0, population_size=6), constraint))
    plain = run(ProxyConstrainedSampler(optuna.samplers.NSGAIISampler(
        seed=0, population_size=6), constraint))
    assert hub == plain and all(constraint.is_feasible(a) for a in hub)
