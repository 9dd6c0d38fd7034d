"""Which target architectures to measure: the sample choosers used before adaptation.

``"random"`` draws uniformly. The greedy choosers pick one candidate at a time under the prior
that :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` uses (proxy log latencies and the
encoding with the pool-learned covariance); the first pick is random, so repeats with
different seeds differ:

- ``"max-variance"``: the candidate whose latency the pool is least sure about. It spreads the
  measurements over the latency range and over the directions in which devices disagree, and
  its extremes pin down a vague prior (one or two proxies) and the proxies' slopes on few
  samples.
- ``"integrated"``: the candidate whose measurement most reduces the posterior variance summed
  over all candidates (a V-optimal design), under the prior with the adapter's live-path
  boost. Where the prior is learned from a pool, it measures architectures that stand for many
  others rather than the pool's outliers, on which a few devices (``samsung_s7``'s HELP split)
  rank unlike everywhere else.
- ``"greedy"`` (the default): ``"integrated"`` with three proxies or more and at least five
  samples, else ``"max-variance"`` (docs/benchmarks.md, "Which architectures to measure" and
  "Five samples: the integrated chooser").

:func:`select_front_samples` serves a search rather than a whole-space ranking: it keeps the
candidates that can plausibly be Pareto-optimal on the target (the best non-dominated layers of
accuracy vs proxy latency, a share of all candidates) and runs the ``"max-variance"`` chooser
among them, so the measurements teach the adapter where the front is decided.

Example:
    >>> from oneproxy_plugins.sampling import SAMPLERS
    >>> sorted(SAMPLERS)
    ['greedy', 'integrated', 'max-variance', 'random']
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_fraction, check_int, check_real
from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.adaproxy.predictor import _LIVE_BOOST_AUTO
from oneproxy_plugins.exceptions import UnknownNameError
from oneproxy_plugins.fronts import nondominated_rank
from oneproxy_plugins.spaces import as_rng

__all__ = ["select_samples", "select_front_samples", "greedy_method", "target_seed",
           "SAMPLERS"]

SAMPLERS = {
    "random": "uniformly at random among the candidates",
    "greedy": "'integrated' with three proxies or more and five samples or more, else "
              "'max-variance' (default)",
    "max-variance": "greedy, the largest posterior variance under the proxy pool's prior",
    "integrated": "greedy, the largest reduction of the candidates' summed posterior variance",
}

_INTEGRATED_MIN_PROXIES = 3
_INTEGRATED_MIN_K = 5
"""``"greedy"`` is ``"integrated"`` from this many proxies and samples on (the pool's prior is
then learned, and the proxies' slopes need fewer extremes). It was ten while the adapter had
one scale and the proxies' prior alone; with both scales below ten samples and the prior
devices' fits, left one device out, NAS-Bench-201 at K=5 rises 0.9324 -> 0.9361 (mean of three
seeds) and HELP's split at K=5 0.886 -> 0.893; at K=4 the worst device and repeat fall, at
K=3 the mean."""

_MAX_CANDIDATES = 4000

_FLOOR_LIMIT_BELOW = 20
"""``select_front_samples(floor_samples="auto")`` limits the samples at the floor below this
many samples."""


def _feature_map(pool: ProxyPool, rows: np.ndarray, live_boost: float = 0.0) -> np.ndarray:
    z = pool.z[rows] / np.sqrt(pool.z.shape[1])
    # the proxies' prior alone: what the benchmarks choose samples with, prior devices or not
    _, cov = pool.weight_prior(live_boost=live_boost, with_prior_devices=False)
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
        method: ``"greedy"`` (default), ``"max-variance"``, ``"integrated"`` or ``"random"``
            (see :data:`SAMPLERS`).
        random_state: Seed or generator.
        noise: Measurement noise (relative variance) assumed by the greedy choosers.

    Returns:
        ``k`` distinct canonical architecture ids.

    Raises:
        UnknownNameError: Unknown ``method``.
        ValueError: ``k`` out of range, or candidates outside the pool for a greedy chooser.
    """
    if method not in SAMPLERS:
        raise UnknownNameError("sampler", method, SAMPLERS)
    rng = as_rng(random_state)
    cands = list(dict.fromkeys(_candidate_ids(pool, candidates)))
    k = check_int("k", k, 1, len(cands), why=" (the number of candidates)")
    if method == "random":
        return [cands[i] for i in rng.choice(len(cands), size=k, replace=False)]
    rows = _pool_rows(pool, cands, f"; the {method!r} sampler chooses among the pool's "
                                   "architectures (use 'random')")
    method = greedy_method(pool, k) if method == "greedy" else method
    return _greedy(pool, rows, k, rng, noise, integrated=method == "integrated")


def target_seed(seed: int, target: str) -> int:
    """The seed of ``target``'s sample chooser in a run seeded ``seed``: one per target, so
    targets adapted together measure different architectures.

    The greedy choosers differ only in their random first pick, so with one seed every target
    would measure the same ones; adapted together
    (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`), targets teach each other more
    from different ones. NAS-Bench-201, ``pixel3`` alone, K=10, adapted together, per-target
    seeds against one seed for all: whole-space SRCC 0.975 against 0.970 over the 20
    full-table targets; front recall of the exhaustive search 0.491 against 0.469 over 32
    targets, seeds 0-9 (docs/benchmarks.md, "Targets adapted together").

    Example:
        >>> target_seed(0, "gpu") != target_seed(0, "phone")
        True
    """
    return int(seed) * 1_000_003 + zlib.crc32(target.encode())


def greedy_method(pool: ProxyPool, k: int) -> str:
    """The chooser ``"greedy"`` is for ``k`` samples on ``pool``: ``"integrated"`` from three
    proxies and five samples on (the pool's prior is then learned, and the proxies' slopes
    need fewer extremes), else ``"max-variance"``. Each is a sequence: the first ``k`` of
    ``k + n`` chosen with the same seed are the ``k``, so a campaign that measures more
    later names the method this gives for its first round."""
    integrated = len(pool.devices) >= _INTEGRATED_MIN_PROXIES and k >= _INTEGRATED_MIN_K
    return "integrated" if integrated else "max-variance"


def _greedy(pool: ProxyPool, rows: np.ndarray, k: int, rng: np.random.Generator, noise: float,
            at_floor: np.ndarray | None = None, floor_samples: int | None = None, *,
            integrated: bool = False) -> list[str]:
    """The greedy chooser among pool ``rows`` (at most :data:`_MAX_CANDIDATES` of them, drawn):
    a random first pick, then the largest posterior variance left, or with ``integrated`` the
    largest reduction of the posterior variance summed over the candidates (under the prior
    with the adapter's live-path boost). With ``at_floor`` (a mask over ``rows``), the first
    pick is above the floor and at most ``floor_samples`` are at it (more only where too few
    candidates are above it)."""
    floor = np.zeros(len(rows), dtype=bool) if at_floor is None else at_floor
    if len(rows) > _MAX_CANDIDATES:
        drawn = rng.choice(len(rows), size=_MAX_CANDIDATES, replace=False)
        rows, floor = rows[drawn], floor[drawn]
    # square roots of the candidates' covariance (resid @ resid.T), prior now, updated per pick
    resid = _feature_map(pool, rows, max(_LIVE_BOOST_AUTO) if integrated else 0.0)
    var = np.sum(resid ** 2, axis=1)
    cap = len(rows) if floor_samples is None else max(floor_samples, k - int((~floor).sum()))
    above = np.flatnonzero(~floor)
    first = above if len(above) else np.arange(len(rows))
    free = np.ones(len(rows), dtype=bool)
    chosen: list[int] = []
    for step in range(k):
        if step == 0:
            i = int(first[rng.integers(len(first))])
        else:
            # measuring i lowers the summed variance by sum_j cov_ij^2 / (var_i + noise)
            score = (np.sum((resid @ (resid.T @ resid)) * resid, axis=1) / (var + noise)
                     if integrated else var.copy())
            score[~free] = -np.inf
            i = int(np.argmax(score))
        chosen.append(i)
        total = max(var[i], 0.0) + noise
        if integrated:  # the posterior exactly: the covariances lose proj proj^T / total
            proj = resid @ resid[i]
            resid -= (1.0 - np.sqrt(noise / total)) / max(var[i], 1e-300) * np.outer(
                proj, resid[i])
            var -= proj ** 2 / total
        else:  # as it always chose (it lowers the covariances by up to twice that)
            v = resid[i] / np.sqrt(total)
            proj = resid @ v
            resid -= np.outer(proj, v)
            var -= proj ** 2
        free[i] = False
        if floor[chosen].sum() >= cap:
            free[floor] = False
    return [pool.archs[rows[i]] for i in chosen]


def select_front_samples(pool: ProxyPool, k: int, metric: Any, *,
                         candidates: Sequence[Any] | None = None, share: float = 0.25,
                         random_state: np.random.Generator | int | None = None,
                         noise: float = 1e-2, floor: float = 0.1,
                         floor_samples: int | str | None = "auto") -> list[str]:
    """Choose ``k`` architectures to measure on a new target for a search's Pareto front.

    The candidates are ranked into non-dominated layers of (``metric`` maximised, proxy
    latency minimised; several proxies: their geometric mean); the best layers are kept until
    they hold ``share`` of the candidates, and the ``"max-variance"`` chooser picks among them
    (the front's extremes decide its hypervolume: the ``"integrated"`` chooser here left 11 of
    320 one-proxy fronts more than 0.01 below the proxy's instead of 1). A cell far
    from the proxy's front on both counts cannot reach the target's front either unless the
    target ranks it very differently, so its measurement teaches the search little. Nor does
    one at the metric's floor, however fast: with the metric scaled to its range it adds almost
    nothing to the front's hypervolume, so at most ``floor_samples`` samples go there (one
    keeps their predictions anchored; on NAS-Bench-201 with ``pixel3`` the cells without a live
    path, 10 % accuracy and under 0.1 ms, had taken up to half of ten samples).

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
        floor: A candidate is at the metric's floor when its metric is in the lowest ``floor``
            share of the candidates' range, in [0, 1).
        floor_samples: At most this many samples at the floor (more only where too few kept
            candidates are above it), and the first, random, pick is above it; ``None``: no
            limit and a first pick among all (the previous behaviour); ``"auto"`` (default): 1
            below 20 samples, else ``None``. The guard benchmark of docs/benchmarks.md
            (``pixel3``, 32 targets, K=10) had 5, 7 and 13 of 320, 320 and 640 (target, seed)
            more than 0.01 below the proxy as is over seeds 0-9, 10-19 and 20-39 with no limit,
            1, 2 and 6 with one (worst -0.051 -> -0.015). With fifty samples the floor's own
            front cells (the fastest) are worth some: K=50, seeds 0-4, one at most lowered the
            mean front recall from 0.458 to 0.417 (five at most: 0.439); at K=20 the two were
            within noise (0.401 and 0.398).

    Returns:
        ``k`` distinct canonical architecture ids.

    Raises:
        ValueError: ``metric`` not one finite value per candidate, ``share`` or ``floor`` out
            of range, or ``k`` larger than the kept candidates.
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
    check_real("floor", floor, low=0.0, high=1.0, high_open=True)
    k = check_int("k", k, 1)  # its upper bound, the kept candidates, is checked below
    if floor_samples == "auto":
        floor_samples = 1 if k < _FLOOR_LIMIT_BELOW else None
    floor_samples = check_int("floor_samples", floor_samples, 0, allow_none=True)
    rows = _pool_rows(pool, cands, " of the pool")
    latency = np.exp(np.log(pool.latency(cands)).mean(axis=1))
    rank = nondominated_rank(np.c_[values, latency], ["maximize", "minimize"])
    need = max(int(np.ceil(share * len(cands))), k)
    cutoff = int(np.sort(rank)[min(need, len(cands)) - 1])
    kept = np.flatnonzero(rank <= cutoff)
    kept = kept[np.sort(np.unique(rows[kept], return_index=True)[1])]  # a repeat counts once
    k = check_int("k", k, 1, len(kept), why=" (the kept candidates)")
    span = float(np.ptp(values))
    at_floor = values - values.min() < floor * span
    if floor_samples is None or span == 0:
        at_floor[:] = False
    return _greedy(pool, rows[kept], k, as_rng(random_state), noise, at_floor[kept],
                   floor_samples)
