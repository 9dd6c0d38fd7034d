"""Which target architectures to measure: the sample choosers used before adaptation.

``"random"`` draws uniformly. ``"greedy"`` (the default) picks, one at a time, the candidate
whose latency the proxy pool is least sure about: the maximum posterior variance under the
prior that :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` uses (proxy log latencies and
the encoding with the pool-learned covariance). It spreads the measurements over the latency
range and over the directions in which devices disagree, so each one teaches the adapter
something new. The first pick is random, so repeats with different seeds differ.

:func:`select_front_samples` serves a search rather than a whole-space ranking: it keeps the
candidates that can plausibly be Pareto-optimal on the target (the best non-dominated layers of
accuracy vs proxy latency, a share of all candidates) and runs the greedy chooser among them,
so the measurements teach the adapter where the front is decided.

Example:
    >>> from oneproxy_plugins.sampling import SAMPLERS
    >>> sorted(SAMPLERS)
    ['greedy', 'random']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_fraction, check_int
from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.fronts import nondominated_rank
from oneproxy_plugins.spaces import as_rng

__all__ = ["select_samples", "select_front_samples", "SAMPLERS"]

SAMPLERS = {
    "random": "uniformly at random among the candidates",
    "greedy": "greedy maximum posterior variance under the proxy pool's prior (default)",
}

_MAX_CANDIDATES = 4000


def _feature_map(pool: ProxyPool, rows: np.ndarray) -> np.ndarray:
    z = pool.z[rows] / np.sqrt(pool.z.shape[1])
    _, cov = pool.weight_prior()
    chol = np.linalg.cholesky(cov)
    # RMS norm of the mapped features over the whole pool, mean of x C x^T = trace(C G) / n
    scale = np.sqrt(np.sum(cov * pool.feature_gram) / len(pool)) or 1.0
    return np.c_[z, pool.features[rows] @ chol / scale]


def _candidate_ids(pool: ProxyPool, candidates: Sequence[Any] | None) -> list[str]:
    """Canonical ids of ``candidates`` (default: the pool's architectures), in order."""
    if candidates is None:
        return list(pool.archs)
    return [a if a in pool else pool.space.canonical_id(a)
            for a in candidates]


def _pool_rows(pool: ProxyPool, cands: list[str], hint: str) -> np.ndarray:
    """The pool rows of ``cands``; a candidate outside the pool is an error."""
    rows = pool.rows(cands)
    if (rows < 0).any():
        bad = cands[int(np.flatnonzero(rows < 0)[0])]
        raise ValueError(f"Candidate {bad!r} is not measured on every proxy{hint}.")
    return rows


def select_samples(pool: ProxyPool, k: int, *, candidates: Sequence[Any] | None = None,
                   method: str = "greedy", random_state: np.random.Generator | int | None = None,
                   noise: float = 1e-2) -> list[str]:
    """Choose ``k`` architectures to measure on a new target.

    Args:
        pool: The proxy pool the adapter will use.
        k: Number of architectures, ``1 <= k <= len(candidates)``.
        candidates: Architecture ids to choose from (default: every architecture of the pool).
            Candidates outside the pool are only supported by ``"random"``.
        method: ``"greedy"`` or ``"random"`` (see :data:`SAMPLERS`).
        random_state: Seed or generator.
        noise: Measurement noise (relative variance) assumed by ``"greedy"``.

    Returns:
        ``k`` distinct canonical architecture ids.

    Raises:
        UnknownNameError: Unknown ``method``.
        ValueError: ``k`` out of range, or candidates outside the pool for ``"greedy"``.
    """
    if method not in SAMPLERS:
        raise UnknownNameError("sampler", method, SAMPLERS)
    rng = as_rng(random_state)
    cands = list(dict.fromkeys(_candidate_ids(pool, candidates)))
    k = check_int("k", k, 1, len(cands), why=" (the number of candidates)")
    if method == "random":
        return [cands[i] for i in rng.choice(len(cands), size=k, replace=False)]
    rows = _pool_rows(pool, cands, "; the 'greedy' sampler chooses among the pool's "
                                   "architectures (use 'random')")
    if len(rows) > _MAX_CANDIDATES:
        rows = rows[rng.choice(len(rows), size=_MAX_CANDIDATES, replace=False)]
    resid = _feature_map(pool, rows)
    var = np.sum(resid ** 2, axis=1)
    chosen: list[int] = []
    for step in range(k):
        i = int(rng.integers(len(rows))) if step == 0 else int(np.argmax(var))
        chosen.append(i)
        v = resid[i] / np.sqrt(max(var[i], 0.0) + noise)
        proj = resid @ v
        resid -= np.outer(proj, v)
        var -= proj ** 2
        var[chosen] = -np.inf
    return [pool.archs[rows[i]] for i in chosen]


def select_front_samples(pool: ProxyPool, k: int, metric: Any, *,
                         candidates: Sequence[Any] | None = None, share: float = 0.25,
                         random_state: np.random.Generator | int | None = None,
                         noise: float = 1e-2) -> list[str]:
    """Choose ``k`` architectures to measure on a new target for a search's Pareto front.

    The candidates are ranked into non-dominated layers of (``metric`` maximised, proxy
    latency minimised; several proxies: their geometric mean); the best layers are kept until
    they hold ``share`` of the candidates, and the greedy chooser picks among them. A cell far
    from the proxy's front on both counts cannot reach the target's front either unless the
    target ranks it very differently, so its measurement teaches the search little.

    Args:
        pool: The proxy pool the adapter will use.
        k: Number of architectures.
        metric: The quality maximised by the search (e.g. accuracy), one value per candidate,
            in the order of ``candidates`` (default: of ``pool.archs``).
        candidates: Architecture ids of the pool to choose from (default: all).
        share: Share of the candidates kept, in (0, 1]; 0.25 was best on the validation
            devices (see docs/benchmarks.md).
        random_state: Seed or generator of the greedy chooser.
        noise: As for :func:`select_samples`.

    Returns:
        ``k`` distinct canonical architecture ids.

    Raises:
        ValueError: ``metric`` not one finite value per candidate, ``share`` out of range, or
            ``k`` larger than the kept candidates.
    """
    cands = _candidate_ids(pool, candidates)
    values = np.asarray(metric, dtype=np.float64)
    if values.shape != (len(cands),):
        raise ValueError(f"The 'metric' argument needs one value per candidate ({len(cands)}); "
                         f"got shape {values.shape}.")
    if not np.isfinite(values).all():
        raise ValueError("The 'metric' argument must be finite (no NaN or inf); got "
                         f"{values[~np.isfinite(values)][0]!r}.")
    check_fraction("share", share)
    _pool_rows(pool, cands, " of the pool")
    latency = np.exp(np.log(pool.latency(cands)).mean(axis=1))
    rank = nondominated_rank(np.c_[values, latency], ["maximize", "minimize"])
    need = max(int(np.ceil(share * len(cands))), k)
    cutoff = int(np.sort(rank)[min(need, len(cands)) - 1])
    kept = [a for a, r in zip(cands, rank) if r <= cutoff]
    return select_samples(pool, k, candidates=kept, method="greedy", random_state=random_state,
                          noise=noise)
