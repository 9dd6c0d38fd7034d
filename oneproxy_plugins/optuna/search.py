"""One call that runs (or continues) a one-proxy search on a storage: what ``oneproxy search`` does.

:func:`run_search` puts the plugin's parts together the way the Optuna guide does by hand: the
user's objective wrapped in :class:`~oneproxy_plugins.optuna.OneProxyObjective` with the proxy
latency appended as the last objective (``"minimize"``), every target's latency recorded on
each trial while it runs (trial user attributes), and, with a budget, the sampler wrapped in
:class:`~oneproxy_plugins.optuna.ProxyConstrainedSampler`. Several processes may run it on one
storage and study name at once (see ``docs/reliability.md``).

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.optuna.search import run_search
    >>> from oneproxy_plugins.predictors import RidgePredictor
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> archs = [space.to_id(a) for a in space.sample_many(60, rng=0)]
    >>> counts = space.encode_many(archs)[:, 30:]
    >>> proxy = RidgePredictor(space="nasbench201").fit(archs, 1 + counts @ [0, .1, .6, 1.5, .3])
    >>> study = run_search(lambda trial, arch: arch.count("nor_conv_3x3"), proxy, n_trials=20,
    ...                    targets={"gpu": proxy}, seed=0)
    >>> len(study.trials), study.directions[-1].name
    (20, 'MINIMIZE')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optuna

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._deprecation import renamed_arguments
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.optuna.constraint import LatencyConstraint
from oneproxy_plugins.optuna.objective import OneProxyObjective
from oneproxy_plugins.optuna.sampler import ProxyConstrainedSampler
from oneproxy_plugins.optuna.steering import target_steered_sampler
from oneproxy_plugins.optuna.storage import open_storage
from oneproxy_plugins.spaces import Arch, BaseSpace

__all__ = ["run_search", "make_sampler", "SAMPLERS", "STEERED_SAMPLER"]

_DIRECTIONS = ("maximize", "minimize")

SAMPLERS = {
    "tpe": "TPESampler",
    "nsga2": "NSGAIISampler",
    "nsga3": "NSGAIIISampler",
    "random": "RandomSampler",
}
"""Short sampler names (``oneproxy search --sampler``) and their ``optuna.samplers`` class."""

STEERED_SAMPLER = "nsga2-targets"
"""The one more name :func:`run_search` (and ``oneproxy search --sampler``) takes: NSGA-II
steered by every target as well as the proxy
(:func:`~oneproxy_plugins.optuna.target_steered_sampler`), built from the targets."""


def make_sampler(name: str, seed: int | None = None, **kwargs: Any) -> optuna.samplers.BaseSampler:
    """An Optuna sampler by short name (see :data:`SAMPLERS`).

    Raises:
        UnknownNameError: Unknown name; the message lists the known ones.
    """
    if name == STEERED_SAMPLER:
        raise ValueError(f"The {STEERED_SAMPLER!r} sampler is steered by the targets' "
                         f"predictors; build it with target_steered_sampler(targets), or pass "
                         f"sampler={STEERED_SAMPLER!r} and the targets to run_search.")
    if name not in SAMPLERS:
        raise UnknownNameError("sampler", name, SAMPLERS)
    return getattr(optuna.samplers, SAMPLERS[name])(seed=seed, **kwargs)


@renamed_arguments(proxy="latency")
def run_search(func: Callable[[optuna.Trial, Arch], Any], latency: Any, *, n_trials: int,
               directions: Sequence[str] = ("maximize",),
               targets: Mapping[str, Any] | None = None, storage: Any = None,
               study_name: str | None = None,
               sampler: str | optuna.samplers.BaseSampler = "tpe", seed: int | None = None,
               max_ms: float | None = None, n_jobs: int = 1, proxy_name: str | None = None,
               space: str | BaseSpace | None = None,
               show_progress_bar: bool = False) -> optuna.Study:
    """Run (or continue) a one-proxy multi-objective search.

    Args:
        func: The user objective ``f(trial, arch)``, returning one value per entry of
            ``directions``.
        latency: The proxy's latency source (a fitted predictor of the space, a
            :class:`~oneproxy_plugins.optuna.TableLatency`, ...). Formerly ``proxy``, which
            still works with a ``FutureWarning``.
        n_trials: Trials to run in this call (each worker process runs its own).
        directions: Directions of ``func``'s values; ``"minimize"`` for the proxy latency is
            appended.
        targets: ``{name: latency source}`` recorded while every trial runs, as trial user
            attributes (see :class:`~oneproxy_plugins.optuna.OneProxyObjective`).
        storage: A storage URL or path (see :func:`~oneproxy_plugins.optuna.open_storage`);
            ``None`` keeps the study in memory.
        study_name: Loaded when it exists in ``storage``, created otherwise.
        sampler: A sampler, or a name of :data:`SAMPLERS` (default ``tpe``, Optuna's own
            default for multi-objective studies), or :data:`STEERED_SAMPLER`
            (``nsga2-targets``: NSGA-II steered by ``targets`` as well as the proxy).
        seed: The named sampler's seed (default unseeded, as Optuna's; give each worker its
            own).
        max_ms: A proxy latency budget: no trial over it is evaluated.
        n_jobs: Threads (Optuna's ``n_jobs``).
        proxy_name: The proxy's name recorded on the study (default: the source's ``device``).
        space: The search space, when ``proxy`` does not name it.
        show_progress_bar: Optuna's progress bar.

    Returns:
        The study.

    Raises:
        ValueError: Bad ``n_trials`` or ``directions``, ``nsga2-targets`` without targets, a
            stored study with other directions, or a latency source of another space.
    """
    check_int("n_trials", n_trials, 1)
    if isinstance(directions, str) or not directions or any(
            d not in _DIRECTIONS for d in directions):
        raise ValueError(f"The 'directions' argument must be a non-empty list of "
                         f"{' or '.join(map(repr, _DIRECTIONS))}; got {directions!r}.")
    all_directions = [*directions, "minimize"]
    if sampler == STEERED_SAMPLER:
        if not targets:
            raise ValueError(f"The {STEERED_SAMPLER!r} sampler needs at least one target to "
                             "steer by; pass targets={name: predictor} (oneproxy search: "
                             "--target).")
        base = target_steered_sampler(targets, seed=seed, space=space)
    else:
        base = make_sampler(sampler, seed) if isinstance(sampler, str) else sampler
    constraint = None
    if max_ms is not None:
        constraint = LatencyConstraint(latency, max_ms, space=space)
        base = ProxyConstrainedSampler(base, constraint, seed=seed)
    objective = OneProxyObjective(func, latency, space=space, constraint=constraint,
                                  proxy_name=proxy_name, targets=targets)
    study = optuna.create_study(storage=open_storage(storage), study_name=study_name,
                                directions=all_directions, sampler=base, load_if_exists=True)
    stored = [d.name.lower() for d in study.directions]
    if stored != all_directions:
        raise ValueError(f"Study {study.study_name!r} in the storage has directions {stored}, "
                         f"not {all_directions} (the metrics' directions and the proxy "
                         f"latency's 'minimize'); pass the directions it was created with, or "
                         f"another study name.")
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs,
                   show_progress_bar=show_progress_bar)
    return study
