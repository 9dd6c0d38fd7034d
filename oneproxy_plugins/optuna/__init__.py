"""Optuna integration: one proxy device makes a multi-objective search hardware-aware.

The one-line changes to an existing ``optuna.create_study(directions=[...])`` over a supported
space (see ``docs/optuna.md``):

- :class:`OneProxyObjective` wraps ``f(trial, arch)`` and appends the proxy latency (predicted,
  tabulated or measured on this host) as the last objective: ``directions=[..., "minimize"]``.
- :class:`LatencyConstraint` is the latency budget for TPE, NSGA-II, NSGA-III and GP samplers
  (``constraint.apply(trial)`` on Optuna >= 5; ``constraints_func=constraint`` on Optuna 4).
- :class:`ProxyConstrainedSampler` wraps any sampler so that the objective never receives an
  architecture predicted over budget (no training spent on infeasible ones).
- :class:`OneProxyCallback` records every target device's predicted latency per trial;
  :func:`pareto_front_for` gives each target's Pareto front from the one study, also after
  reloading it from storage.
- :func:`target_steered_sampler` is NSGA-II steered by every target's predicted latency as well
  as the proxy's, so the one study holds each target's front, not only the proxy's.
- :func:`adapt_target` serves a new target from ``k`` measurements with AdaProxy, without
  searching again (with ``companions=True``, together with the targets adapted before it);
  :func:`refit_targets` refits them all together once every target is measured.
- :func:`run_tabular_search` and :func:`load_target_fronts` run and read stored studies by URL.
- :mod:`oneproxy_plugins.optuna.visualization`: each target's front of the one study, shaped
  like ``optuna.visualization.plot_pareto_front`` (plotly; a matplotlib twin in
  ``oneproxy_plugins.optuna.visualization.matplotlib``).

The latency sources (:class:`TableLatency`, :class:`MeasuredLatency`,
:class:`QuantileLatency`) and the Pareto math
(:mod:`oneproxy_plugins.fronts`) are the package's host-neutral core, re-exported here where
an Optuna user looks for them; nothing here imports NNI.

Trial and study attributes the plugin writes are listed in :mod:`oneproxy_plugins.optuna.attrs`.

Example:
    All three study-facing pieces on a toy device whose latency is a cost per op:

    >>> import optuna
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.optuna import LatencyConstraint, OneProxyObjective
    >>> from oneproxy_plugins.optuna import ProxyConstrainedSampler, TableLatency
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.enumerate()]
    >>> phone_ms = 1 + space.encode_many(ids)[:, 30:] @ [0, 0, 1, 2, 0.5]
    >>> proxy = TableLatency(LatencyTable(ids, ["phone"], phone_ms, space=space.name), "phone")
    >>> budget = LatencyConstraint(proxy, max_ms=6)
    >>> sampler = ProxyConstrainedSampler(optuna.samplers.NSGAIISampler(seed=0), budget)
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
    >>> study.optimize(OneProxyObjective(lambda trial, arch: arch.count("nor_conv_3x3"), proxy,
    ...                                  constraint=budget), n_trials=20)
    >>> max(t.values[1] for t in study.trials) <= 6
    True
"""

# first: a missing Optuna is an ImportError naming the [optuna] extra
from oneproxy_plugins.optuna import _requires  # noqa: F401, I001
from oneproxy_plugins._imports import lazy_attributes
from oneproxy_plugins.latency.sources import MeasuredLatency, QuantileLatency, TableLatency
from oneproxy_plugins.optuna.attrs import (ARCH_KEY, CONSTRAINT_KEY, LATENCY_KEY, STUDY_KEY,
                                           list_targets, recorded_latencies, target_latency_key)
from oneproxy_plugins.optuna.callback import OneProxyCallback, register_target
from oneproxy_plugins.optuna.constraint import (HAS_SET_CONSTRAINT, LatencyConstraint,
                                               trial_constraints)
from oneproxy_plugins.optuna.fronts import TargetValues, pareto_front_for, target_values
from oneproxy_plugins.optuna.objective import OneProxyObjective
from oneproxy_plugins.optuna.sampler import InfeasibleBudgetError, ProxyConstrainedSampler
from oneproxy_plugins.optuna.search import SAMPLERS, make_sampler, run_search
from oneproxy_plugins.optuna.steering import TargetSteeredSelection, target_steered_sampler
from oneproxy_plugins.optuna.storage import open_storage
from oneproxy_plugins.optuna.tabular import (TabularAccuracy, load_target_fronts,
                                             run_tabular_search)
from oneproxy_plugins.optuna.tabular import target_fronts  # noqa: F401 - deprecated name

__all__ = [
    "OneProxyObjective",
    "LatencyConstraint", "HAS_SET_CONSTRAINT", "trial_constraints",
    "ProxyConstrainedSampler", "InfeasibleBudgetError",
    "OneProxyCallback", "register_target", "list_targets", "recorded_latencies",
    "pareto_front_for", "target_values", "TargetValues",
    "target_steered_sampler", "TargetSteeredSelection",
    "adapt_target", "refit_targets", "choose_target_samples", "proxy_table",
    "target_predictor",
    "TableLatency", "MeasuredLatency", "QuantileLatency",
    "run_search", "make_sampler", "SAMPLERS", "TabularAccuracy", "run_tabular_search",
    "load_target_fronts", "open_storage",
    "ARCH_KEY", "LATENCY_KEY", "STUDY_KEY", "CONSTRAINT_KEY", "target_latency_key",
]

# AdaProxy in the loop loads scikit-learn (about a second); a campaign worker that only opens
# a storage should not pay for it, so these names load on first use (PEP 562)
_LAZY = {name: "oneproxy_plugins.optuna.adapt"
         for name in ("adapt_target", "refit_targets", "choose_target_samples", "proxy_table",
                      "target_predictor")}
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
