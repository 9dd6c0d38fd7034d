"""Which target architectures to measure: the sample choosers used before adaptation.

``"random"`` draws uniformly. ``"greedy"`` (the default) picks, one at a time, the candidate
whose latency the proxy pool is least sure about: the maximum posterior variance under the
prior that :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` uses (proxy log latencies and
the encoding with the pool-learned covariance). It spreads the measurements over the latency
range and over the directions in which devices disagree, so each one teaches the adapter
something new. The first pick is random, so repeats with different seeds differ.

Example:
    >>> from oneproxy_plugins.sampling import SAMPLERS
    >>> sorted(SAMPLERS)
    ['greedy', 'random']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.spaces import as_rng

__all__ = ["select_samples", "SAMPLERS"]

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
    if candidates is None:
        cands = list(pool.archs)
    else:
        cands = list(dict.fromkeys(a if isinstance(a, str) and a in pool._row
                                   else pool.space.canonical_id(a) for a in candidates))
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= len(cands):
        raise ValueError(f"The 'k' argument must be an int in [1, {len(cands)}] (the number of "
                         f"candidates); got {k!r}.")
    if method == "random":
        return [cands[i] for i in rng.choice(len(cands), size=k, replace=False)]
    rows = pool.rows(cands)
    if (rows < 0).any():
        bad = cands[int(np.flatnonzero(rows < 0)[0])]
        raise ValueError(f"Candidate {bad!r} is not measured on every proxy; the 'greedy' "
                         "sampler chooses among the pool's architectures (use 'random').")
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
