"""OptunaHub entry point of oneproxy-plugins' ProxyConstrainedSampler.

The sampler itself lives in ``oneproxy_plugins.optuna`` (``pip install oneproxy-plugins``);
this package makes it loadable with ``optunahub.load_module("samplers/oneproxy_constrained")``
and an ``optunahub.samplers.SimpleBaseSampler``, whose ``search_space`` is the architecture
space the budget applies to. Its behaviour is exactly the plugin's: same suggestions, same
seeds.
"""

from __future__ import annotations

from typing import Any

import optunahub

from oneproxy_plugins.optuna import LatencyConstraint
from oneproxy_plugins.optuna import ProxyConstrainedSampler as _ProxyConstrainedSampler


class ProxyConstrainedSampler(_ProxyConstrainedSampler, optunahub.samplers.SimpleBaseSampler):
    """Wrap a sampler so that it never hands out an architecture over the latency budget.

    Args:
        base_sampler: The Optuna sampler to wrap (TPE, NSGA-II, NSGA-III, GP, random, ...).
        constraint: ``LatencyConstraint(predictor, max_ms)`` of the search space.
        max_resample: Draws from the base sampler per trial before uniform feasible draws.
        seed: Seed of those uniform draws (the base sampler keeps its own).
    """

    def __init__(self, base_sampler: Any, constraint: LatencyConstraint, *,
                 max_resample: int = 100, seed: int | None = None) -> None:
        _ProxyConstrainedSampler.__init__(self, base_sampler, constraint,
                                          max_resample=max_resample, seed=seed)
        # SimpleBaseSampler's attribute: the joint space the wrapper samples up front.
        self.search_space = constraint.space.distributions()
