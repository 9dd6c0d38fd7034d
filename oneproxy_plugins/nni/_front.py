"""Records of evaluated models and their two-objective fronts (a metric against a latency).

Shared by :class:`~oneproxy_plugins.nni.strategy.OneProxyStrategy` (NAS) and
:class:`~oneproxy_plugins.nni.tuner.OneProxyTuner` (HPO): both keep a :class:`ModelRecord` per
model with its proxy latency, and build the proxy front and the front of every target device
from them. A point is on a front when no other point is at least as good in both objectives and
better in one; equal points do not dominate each other.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["ModelRecord", "FrontPoint", "non_dominated_2d", "pareto_points", "check_budget",
           "check_mode", "fronts_by_target"]

_MODES = ("maximize", "minimize")


@dataclasses.dataclass
class ModelRecord:
    """One model (NAS) or trial (HPO) with its proxy latency.

    Attributes:
        arch_id: Package architecture id of the model.
        sample: The NNI sample (NAS) or trial parameters (HPO) it came from.
        latency_ms: Predicted proxy latency, milliseconds.
        within_budget: Whether ``latency_ms`` is within the budget (rejected models are not run).
        status: ``"invalid"`` when rejected for the budget, ``"submitted"`` until the run ends,
            then NNI's status (``"trained"``, ``"failed"``, ...).
        metric: The evaluator's (trial's) final metric, ``None`` until reported.
    """

    arch_id: str
    sample: dict[str, Any]
    latency_ms: float
    within_budget: bool = True
    status: str = "submitted"
    metric: float | None = None


class FrontPoint(NamedTuple):
    """A model on a front: its id, metric, latency (ms) on the front's device and sample."""

    arch_id: str
    metric: float
    latency_ms: float
    sample: dict[str, Any]


def check_mode(optimize_mode: Any) -> str:
    """``optimize_mode`` if it is ``"maximize"`` or ``"minimize"``, else ``ValueError``."""
    if optimize_mode not in _MODES:
        raise ValueError(f"The 'optimize_mode' argument must be one of {list(_MODES)}; got "
                         f"{optimize_mode!r}.")
    return optimize_mode


def check_budget(budget_ms: Any, name: str = "budget_ms") -> float | None:
    """``budget_ms`` as a float (``None`` stays ``None``); ``ValueError`` unless positive."""
    if budget_ms is None:
        return None
    ok = (isinstance(budget_ms, (int, float, np.integer, np.floating))
          and not isinstance(budget_ms, bool) and math.isfinite(budget_ms) and budget_ms > 0)
    if not ok:
        raise ValueError(f"The {name!r} argument must be a positive number of milliseconds or "
                         f"None; got {budget_ms!r}.")
    return float(budget_ms)


def non_dominated_2d(metric: np.ndarray, latency_ms: np.ndarray, *,
                     maximize: bool = True) -> np.ndarray:
    """Mask of the points that no other point dominates.

    Args:
        metric: Array of shape ``(n,)``, the quality of each point (finite).
        latency_ms: Array of shape ``(n,)``, the latency of each point (lower is better).
        maximize: Whether a higher metric is better.

    Returns:
        Boolean array of shape ``(n,)``.

    Raises:
        ValueError: The arrays differ in shape or hold NaN or infinite values.

    Example:
        >>> non_dominated_2d(np.array([0.9, 0.8, 0.7]), np.array([3.0, 1.0, 2.0])).tolist()
        [True, True, False]
    """
    m = np.asarray(metric, dtype=np.float64)
    lat = np.asarray(latency_ms, dtype=np.float64)
    if m.ndim != 1 or m.shape != lat.shape:
        raise ValueError(f"metric and latency_ms must be 1-D of the same length; got shapes "
                         f"{m.shape} and {lat.shape}.")
    if not (np.isfinite(m).all() and np.isfinite(lat).all()):
        raise ValueError("metric and latency_ms must be finite; drop unfinished models first.")
    score = m if maximize else -m
    # Sweep by latency (best score first among equals): a point survives when it beats the
    # score of every faster point and equals the best score at its own latency.
    order = np.lexsort((-score, lat))
    mask = np.zeros(m.size, dtype=bool)
    best_faster = -np.inf
    i = 0
    while i < order.size:
        j = i
        while j < order.size and lat[order[j]] == lat[order[i]]:
            j += 1
        group = order[i:j]
        top = score[group[0]]
        if top > best_faster:
            mask[group[score[group] == top]] = True
            best_faster = top
        i = j
    return mask


def _finished(records: Sequence[ModelRecord], maximize: bool) -> list[ModelRecord]:
    """Trained records with a finite metric, one per architecture (its best metric)."""
    best: dict[str, ModelRecord] = {}
    for rec in records:
        if rec.status != "trained" or rec.metric is None or not math.isfinite(rec.metric):
            continue
        old = best.get(rec.arch_id)
        if old is None or (rec.metric > old.metric if maximize else rec.metric < old.metric):
            best[rec.arch_id] = rec
    return list(best.values())


def pareto_points(records: Sequence[ModelRecord],
                  latency_of: Callable[[list[str]], np.ndarray] | None = None, *,
                  maximize: bool = True, budget_ms: float | None = None) -> list[FrontPoint]:
    """The front of the trained records, fastest first, one point per architecture.

    Args:
        records: Records with a status and a metric.
        latency_of: Latencies (ms) of a list of architecture ids on the front's device
            (default: each record's proxy latency).
        maximize: Whether a higher metric is better.
        budget_ms: Leave out models slower than this on the front's device.
    """
    kept = _finished(records, maximize)
    if not kept:
        return []
    if latency_of is None:
        lat = np.array([r.latency_ms for r in kept], dtype=np.float64)
    else:
        lat = np.asarray(latency_of([r.arch_id for r in kept]), dtype=np.float64).ravel()
        if lat.shape != (len(kept),):
            raise ValueError(f"The latency predictor returned {lat.size} values for "
                             f"{len(kept)} architectures.")
    if budget_ms is not None:
        inside = lat <= budget_ms
        kept = [r for r, ok in zip(kept, inside) if ok]
        lat = lat[inside]
        if not kept:
            return []
    metric = np.array([r.metric for r in kept], dtype=np.float64)
    mask = non_dominated_2d(metric, lat, maximize=maximize)
    points = [FrontPoint(r.arch_id, float(r.metric), float(v), dict(r.sample))
              for r, v, on in zip(kept, lat, mask) if on]
    return sorted(points, key=lambda p: (p.latency_ms, -p.metric if maximize else p.metric))


def fronts_by_target(records: Sequence[ModelRecord], targets: Mapping[str, Any], *,
                     maximize: bool = True, budgets_ms: Mapping[str, Any] | None = None
                     ) -> dict[str, list[FrontPoint]]:
    """The front of every target device, its latencies from the target's predictor.

    Args:
        records: Records with a status and a metric.
        targets: ``{name: predictor}``, each with ``predict(arch_ids) -> ms``.
        maximize: Whether a higher metric is better.
        budgets_ms: Optional latency budget per target name.

    Raises:
        ValueError: No targets, a budget for an unknown target, or a bad budget.
    """
    if not targets:
        raise ValueError("No target predictors: pass targets={name: predictor}.")
    budgets = {name: check_budget(value, f"budgets_ms[{name!r}]")
               for name, value in (budgets_ms or {}).items()}
    unknown = sorted(set(budgets) - set(targets))
    if unknown:
        raise ValueError(f"budgets_ms names unknown target(s) {unknown}; targets: "
                         f"{sorted(targets)}.")
    return {name: pareto_points(records, target.predict, maximize=maximize,
                                budget_ms=budgets.get(name))
            for name, target in targets.items()}
