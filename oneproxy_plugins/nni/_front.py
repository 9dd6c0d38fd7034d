"""Records of evaluated models and their two-objective fronts (a metric against a latency).

Shared by :class:`~oneproxy_plugins.nni.strategy.OneProxyStrategy` (NAS) and
:class:`~oneproxy_plugins.nni.tuner.OneProxyTuner` (HPO): both keep a :class:`ModelRecord` per
model with its proxy latency, and build the proxy front and the front of every target device
from them with the package's one Pareto implementation, :func:`oneproxy_plugins.fronts.pareto_mask`
(a point is on a front when no other point is at least as good in both objectives and better in
one; equal points do not dominate each other).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from oneproxy_plugins._checks import check_choice, check_latencies, check_max_ms
from oneproxy_plugins._deprecation import renamed_arguments
from oneproxy_plugins.fronts import pareto_mask

__all__ = ["ModelRecord", "FrontPoint", "pareto_points", "check_mode", "fronts_by_target",
           "plain"]

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


def plain(value: Any) -> Any:
    """``value`` with NNI's and NumPy's subclasses of str, int and float (sample labels are
    ``nni.mutable.utils.label``, tuner values NumPy scalars) made plain Python, recursively:
    JSON-able, and loadable by torch's ``weights_only`` serializer."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    for kind in (bool, str, int, float):
        if isinstance(value, kind):
            return kind(value)
    item = getattr(value, "item", None)  # NumPy scalars
    return item() if callable(item) else value


def check_mode(optimize_mode: Any) -> str:
    """``optimize_mode`` if it is ``"maximize"`` or ``"minimize"``, else ``ValueError``."""
    return check_choice("optimize_mode", optimize_mode, _MODES)


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


@renamed_arguments(budget_ms="max_ms")
def pareto_points(records: Sequence[ModelRecord],
                  latency_of: Callable[[list[str]], np.ndarray] | None = None, *,
                  maximize: bool = True, max_ms: float | None = None) -> list[FrontPoint]:
    """The front of the trained records, fastest first, one point per architecture.

    Args:
        records: Records with a status and a metric.
        latency_of: Latencies (ms) of a list of architecture ids on the front's device
            (default: each record's proxy latency).
        maximize: Whether a higher metric is better.
        max_ms: Leave out models slower than this on the front's device.

    Raises:
        ValueError: ``latency_of`` gave the wrong number of latencies, or one that is not
            positive and finite.
    """
    kept = _finished(records, maximize)
    if not kept:
        return []
    if latency_of is None:
        lat = np.array([r.latency_ms for r in kept], dtype=np.float64)
    else:
        lat = check_latencies(np.ravel(latency_of([r.arch_id for r in kept])), len(kept),
                              source="The latency predictor")
    if max_ms is not None:
        inside = lat <= max_ms
        kept = [r for r, ok in zip(kept, inside) if ok]
        lat = lat[inside]
        if not kept:
            return []
    metric = np.array([r.metric for r in kept], dtype=np.float64)
    mask = pareto_mask(np.c_[metric, lat], ["maximize" if maximize else "minimize", "minimize"])
    points = [FrontPoint(r.arch_id, float(r.metric), float(v), dict(r.sample))
              for r, v, on in zip(kept, lat, mask) if on]
    return sorted(points, key=lambda p: (p.latency_ms, -p.metric if maximize else p.metric))


@renamed_arguments(budgets_ms="max_ms")
def fronts_by_target(records: Sequence[ModelRecord], targets: Mapping[str, Any], *,
                     maximize: bool = True, max_ms: Mapping[str, Any] | None = None
                     ) -> dict[str, list[FrontPoint]]:
    """The front of every target device, its latencies from the target's predictor.

    Args:
        records: Records with a status and a metric.
        targets: ``{name: predictor}``, each with ``predict(arch_ids) -> ms``.
        maximize: Whether a higher metric is better.
        max_ms: Optional latency budget per target name, ``{name: ms}``.

    Raises:
        ValueError: No targets, a budget for an unknown target, or a bad budget.
    """
    if not targets:
        raise ValueError("No target predictors: pass targets={name: predictor}.")
    budgets = {name: check_max_ms(f"max_ms[{name!r}]", value)
               for name, value in (max_ms or {}).items()}
    unknown = sorted(set(budgets) - set(targets))
    if unknown:
        raise ValueError(f"max_ms names unknown target(s) {unknown}; targets: "
                         f"{sorted(targets)}.")
    return {name: pareto_points(records, target.predict, maximize=maximize,
                                max_ms=budgets.get(name))
            for name, target in targets.items()}
