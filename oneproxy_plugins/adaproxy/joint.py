"""Several targets adapted together: each target's pool gains its own and the others' first fits.

A user who registers several target devices measures ``K`` architectures on each. Adapted one
at a time, each target learns from its own ``K`` samples only, under a prior that the proxies
alone give. Yet what a GPU's ten samples teach about how GPUs differ from a phone proxy holds
for the next GPU too. :func:`adapt_jointly` adapts in two stages (stacking):

1. every target alone, as :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` does;
2. every target again on a pool of the proxies, its own first fit (``~self``) and the other
   targets' first fits (``~<target>``), each a column over the pool's architectures, so the
   proxy averaging can lean on a similar target and the residual's prior is learned from how
   the targets differ.

A target's own samples enter only its own fits. Its ``~self`` column holds, at those samples,
the first fit's leave-one-out predictions rather than its fitted values, so the second fit
weighs it (against the companions) by how it predicts cells it has not seen: where the
companions are unlike the target (a GPU among phones and CPUs), the second fit keeps to the
first. A target whose first fit kept the raw proxies as they are (its guard's
``adapt_share_`` 0: its own samples say no adaptation predicts them better) keeps that fit;
with several columns the second fit has no guard, and the companions would overrule the
target's own evidence. With a single target (or ``companions=0``) this is the plain
adaptation.

A second fit takes the other targets' fits as exact columns, so its predictive distribution
would leave out their error (its 90 % interval held 74.5 % of the truths with ``pixel3``
alone and twenty targets); it is widened to the first fit's spread around its own
predictions, which is conservative (96.8 % there; docs/benchmarks.md, "Targets adapted
together").

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.adaproxy import ProxyPool
    >>> from oneproxy_plugins.adaproxy.joint import adapt_jointly
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> archs = [space.to_id(a) for a in space.sample_many(400, rng=0)]
    >>> x = space.encode_many(archs)[:, 30:].astype(float)
    >>> proxy = LatencyTable(archs, ["phone"], 1 + x @ [[0], [0], [1], [2], [.5]],
    ...                      space=space.name)
    >>> gpu = 1 + x @ [0, 1, .2, .1, 2]
    >>> gpu2 = 2 + x @ [0, 1.1, .3, .1, 2]
    >>> fits = adapt_jointly(ProxyPool(proxy), {"gpu": (archs[:10], gpu[:10]),
    ...                                         "gpu2": (archs[10:20], gpu2[10:20])})
    >>> sorted(fits), fits["gpu"].pool_.devices
    (['gpu', 'gpu2'], ['phone', '~self', '~gpu2'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.adaproxy.pool import ProxyPool
from oneproxy_plugins.adaproxy.predictor import AdaProxyPredictor
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.monotonicity import srcc

__all__ = ["adapt_jointly", "COMPANION_PREFIX", "SELF_NAME"]

COMPANION_PREFIX = "~"
"""A companion column's device name is this prefix and the other target's name."""

SELF_NAME = "~self"
"""The column of the target's own first fit (its leave-one-out predictions at its samples)."""


def adapt_jointly(pool: ProxyPool, samples: Mapping[str, tuple[Sequence[Any], Any]], *,
                  companions: int | None = None, targets: Sequence[str] | None = None,
                  own: bool = True, keep_raw: bool = True,
                  pools: Mapping[str, ProxyPool] | None = None,
                  **params: Any) -> dict[str, AdaProxyPredictor]:
    """Adapt every target of ``samples`` with its own and the others' first fits as extra
    proxies (see the module docstring).

    Args:
        pool: The proxies, measured in full.
        samples: ``{target: (architectures, latencies in ms)}``, each target's own
            measurements.
        companions: How many other targets join a target's pool: the ``companions`` whose
            first fits rank that target's samples best (Spearman), or all (``None``, the
            default); 0 adapts each target alone.
        targets: The targets to return (default: every target of ``samples``); the others
            are fitted once, as companions.
        own: Include the target's own first fit, stacked (``~self``; default). ``False``
            leaves it out: the companions then replace more of the first fit, which helped
            some search fronts (a phone's fast end) and cost a target among unlike companions
            (docs/benchmarks.md, "Targets adapted together").
        keep_raw: A target whose first fit kept the raw proxies (every component's
            ``adapt_share_`` 0, the guard's decision on its own samples) keeps that fit
            (default). On the one-proxy search it took the fronts more than 0.01 below the
            proxy's from 3 to 1 of 320 (seeds 10-19: 3 to 2), the mean and the recall level.
            ``False`` refits it with the companions like the others.
        pools: A target's own pool where it is not ``pool``: the same proxies on the same
            architectures, with other prior devices (the benchmarks': every other device of
            the data, less the target scored). Both of that target's fits use it; the
            companions' columns are the same for every target.
        **params: :class:`AdaProxyPredictor` arguments, for both stages.

    Returns:
        ``{target: fitted AdaProxyPredictor}``, in the order of ``samples``.

    Raises:
        ValueError: ``samples`` is empty, ``companions`` is not an int >= 0, a name of
            ``targets`` is not in ``samples``, or (with ``own``) a target is named ``self``,
            the own column's name; a pool of ``pools`` has other proxies or architectures
            than ``pool``, or is for a target without samples.
    """
    if not samples:
        raise ValueError("adapt_jointly needs at least one target's samples.")
    companions = check_int("companions", companions, 0, allow_none=True)
    wanted = list(samples) if targets is None else list(targets)
    unknown = [t for t in wanted if t not in samples]
    if unknown:
        raise ValueError(f"targets {unknown} have no samples; the targets with samples are "
                         f"{list(samples)}.")
    if own and "self" in samples:
        raise ValueError("A target named 'self' would share its column's name with the own "
                         "column (~self); rename it, or pass own=False.")
    own_pool = _own_pools(pool, samples, pools)
    first = {t: AdaProxyPredictor(own_pool(t), **params).fit(a, y)
             for t, (a, y) in samples.items()}
    if len(first) == 1 or companions == 0:
        return {t: first[t] for t in samples if t in wanted}
    archs = pool.archs
    columns = {t: m.predict(archs) for t, m in first.items()}
    proxies = pool.latency(archs)
    fitted: dict[str, AdaProxyPredictor] = {}
    for target, (a, y) in samples.items():
        if target not in wanted:
            continue
        if keep_raw and _kept_raw(first[target]):
            fitted[target] = first[target]  # its own samples kept the proxies as they are
            continue
        others = [u for u in first if u != target]
        if companions is not None and companions < len(others):
            others = _closest(first, others, a, y, companions)
        mine = [_stacked(first[target], own_pool(target), columns[target], a, y)] if own else []
        values = np.column_stack([proxies, *mine, *(columns[u] for u in others)])
        names = [*pool.devices, *([SELF_NAME] if own else []),
                 *(COMPANION_PREFIX + u for u in others)]
        table = LatencyTable(archs, names, values, space=pool.space.name)
        joint = own_pool(target).derived(table)  # with that target's prior devices
        fitted[target] = _no_surer(AdaProxyPredictor(joint, **params).fit(a, y), first[target],
                                   archs)
    return fitted


def _own_pools(pool: ProxyPool, samples: Mapping[str, Any],
               pools: Mapping[str, ProxyPool] | None) -> Any:
    """``target -> its pool``: ``pools``' where given, else ``pool``; each checked to have
    ``pool``'s proxies on ``pool``'s architectures (the companions' columns are shared)."""
    pools = dict(pools or {})
    for target, other in pools.items():
        if target not in samples:
            raise ValueError(f"pools has a pool for {target!r}, which has no samples; the "
                             f"targets with samples are {list(samples)}.")
        if list(other.devices) != list(pool.devices) or other.archs != pool.archs:
            raise ValueError(f"The pool for {target!r} must have the proxies "
                             f"{list(pool.devices)} on the pool's architectures; it has "
                             f"{list(other.devices)} on {len(other.archs)} architectures.")
    return lambda target: pools.get(target, pool)


def _kept_raw(fit: AdaProxyPredictor) -> bool:
    """Whether the fit's guard kept the raw proxies as they are, in every scale it models (a
    share of at most :data:`_RAW_SHARE`: 0 but for rounding, where the proxies fit the
    samples exactly)."""
    return all(getattr(c, "adapt_share_", 1.0) <= _RAW_SHARE for c in fit.components_ or [fit])


_RAW_SHARE = 1e-6


def _no_surer(joint: AdaProxyPredictor, first: AdaProxyPredictor, archs: Sequence[Any]
              ) -> AdaProxyPredictor:
    """The second fit, its predictive distribution widened to the first fit's where it is
    narrower: the median width of the 90 % interval over the pool's cells (at most
    :data:`_WIDTH_CELLS` of them, evenly spaced).

    The second fit takes its columns (the other targets' first fits) as known exactly, so its
    intervals leave out their own error: with ``pixel3`` alone and twenty targets its 90 %
    interval held 74.5 % of the truths (one target's 51.5 %) where each target alone held
    90.6 % (docs/benchmarks.md, "Targets adapted together"). Its variance (the coefficients'
    and the noise's, in every component) is scaled by the squared ratio of the median widths:
    the first fit's spread around the second fit's better predictions, which holds more than
    90 % (a conservative interval, and an expected SRCC below the measured one). The
    predictions are unchanged."""
    archs = list(archs)[::-(-len(archs) // _WIDTH_CELLS)]  # evenly, at most _WIDTH_CELLS

    def width(model: AdaProxyPredictor) -> float:
        lower, upper = model.predict_interval(archs, 0.9)
        return float(np.median(np.log(upper / lower)))

    wanted, current = width(first), width(joint)
    if not wanted > current:
        return joint
    for _ in range(_WIDEN_STEPS):  # a width is not linear in the scale in ms, nor averaged
        ratio = wanted / max(current, 1e-12)
        if abs(ratio - 1.0) < _WIDEN_TOLERANCE:
            break
        for fit in joint.components_ or [joint]:
            fit.noise_var_ = float(fit.noise_var_ * ratio ** 2)
            if getattr(fit, "coef_cov_", None) is not None:
                fit.coef_cov_ = fit.coef_cov_ * ratio ** 2
        current = width(joint)
    return joint


_WIDEN_STEPS = 5
_WIDEN_TOLERANCE = 0.01
""":func:`_no_surer` rescales at most this many times, until the widths agree within this."""
_WIDTH_CELLS = 2000
""":func:`_no_surer` takes the median width over at most this many of the pool's cells."""


def _stacked(fit: AdaProxyPredictor, pool: ProxyPool, column: np.ndarray, archs: Sequence[Any],
             y: Any) -> np.ndarray:
    """The target's own first fit over the pool's cells, its leave-one-out predictions at its
    own samples (stacking: what the second fit weighs it by is what it predicts unseen)."""
    y = np.asarray(y, dtype=np.float64)
    own = column.copy()
    rows = pool.rows(archs)
    known = rows >= 0
    loo = y * np.exp(-fit._log_loo_residuals(y))
    own[rows[known]] = loo[known]
    return own


def _closest(first: Mapping[str, AdaProxyPredictor], others: list[str], archs: Sequence[Any],
             y: Any, n: int) -> list[str]:
    """The ``n`` other targets whose first fits rank these samples best."""
    y = np.asarray(y, dtype=np.float64)
    score = [srcc(first[u].predict(archs), y) for u in others]
    order = np.argsort(score, kind="stable")[::-1][:n]
    return [others[i] for i in sorted(order)]
