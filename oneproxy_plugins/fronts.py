"""Pareto fronts on plain arrays: the one implementation every host uses.

- :func:`pareto_mask`: which points no other point dominates, any number of objectives, each
  minimised or maximised;
- :func:`nondominated_rank`: the non-dominated sorting rank of every point (0 on the front,
  1 on the front of the rest, ...);
- :func:`hypervolume_2d`: the area two minimised objectives dominate up to a reference point;
- :func:`crowding_distance`: NSGA-II's measure of how isolated each point of one front is.

One rule for missing values, everywhere: a point holding NaN is on no front. It is never in
:func:`pareto_mask`, never dominates another point, and :func:`nondominated_rank` gives it the
rank after the last front. Equal points do not dominate each other, so duplicates of a front
point are all on the front.

Directions are ``"minimize"``/``"maximize"`` strings or anything with such a ``name`` (Optuna's
``StudyDirection``), so Optuna studies, NNI records, the benchmarks and the plots share these
functions without this module importing any of them.

Example:
    >>> import numpy as np
    >>> pareto_mask(np.array([[1.0, 5.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0]])).tolist()
    [True, True, False, True]
    >>> nondominated_rank([[0.9, 3.0], [0.8, 1.0], [0.7, 2.0]], ["maximize", "minimize"]).tolist()
    [0, 0, 1]
    >>> hypervolume_2d(np.array([[0.0, 0.5], [0.5, 0.0]]), reference=[1.0, 1.0])
    0.75
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["pareto_mask", "nondominated_rank", "hypervolume_2d", "crowding_distance",
           "direction_signs"]

_CHUNK = 512
_DIRECTIONS = ("minimize", "maximize")


def direction_signs(directions: Sequence[Any] | None, n_objectives: int) -> np.ndarray:
    """+1 for each minimised objective, -1 for each maximised one.

    Args:
        directions: ``"minimize"``/``"maximize"`` (or objects whose ``name`` is one of them,
            such as Optuna's ``StudyDirection``) per objective; ``None``: all minimised.
        n_objectives: How many objectives there are.

    Raises:
        ValueError: A wrong number of directions, or one that is neither.
    """
    if directions is None:
        return np.ones(n_objectives)
    if isinstance(directions, str) or len(directions) != n_objectives:
        given = 1 if isinstance(directions, str) else len(directions)
        raise ValueError(f"The 'directions' argument has {given} entries for "
                         f"{n_objectives} objectives.")
    signs = []
    for d in directions:
        name = str(getattr(d, "name", d)).lower()
        if name not in _DIRECTIONS:
            raise ValueError(f"Each direction must be 'minimize' or 'maximize'; got {d!r}.")
        signs.append(1.0 if name == "minimize" else -1.0)
    return np.array(signs)


def _as_loss(values: Any, directions: Sequence[Any] | None) -> np.ndarray:
    """``values`` as a float array ``(n, m)`` with every objective minimised."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"The 'values' argument must be 2-D (n_points, n_objectives); got shape "
                         f"{values.shape}.")
    return values * direction_signs(directions, values.shape[1])


def pareto_mask(values: Any, directions: Sequence[Any] | None = None) -> np.ndarray:
    """Which points are Pareto-optimal (no other point is as good everywhere and better once).

    Equal points do not dominate each other, so duplicates of a front point are all on the
    front. Rows holding NaN are never on it.

    Args:
        values: Array of shape ``(n_points, n_objectives)``.
        directions: ``"minimize"``/``"maximize"`` (or ``StudyDirection``) per objective;
            default all minimised.

    Returns:
        Boolean array of shape ``(n_points,)``.

    Raises:
        ValueError: ``values`` is not 2-D or ``directions`` has the wrong length.
    """
    loss = _as_loss(values, directions)
    mask = np.zeros(len(loss), dtype=bool)
    rows = np.flatnonzero(~np.isnan(loss).any(axis=1))
    if rows.size:
        mask[rows] = _front_of(loss[rows])
    return mask


def _front_of(loss: np.ndarray) -> np.ndarray:
    """Non-dominated rows of a NaN-free minimised array ``(n, m)``, ``n >= 1``."""
    if loss.shape[1] == 1:
        return loss[:, 0] == loss[:, 0].min()
    if loss.shape[1] == 2:
        return _pareto_2d(loss[:, 0], loss[:, 1])
    return _pareto_nd(loss)


def _pareto_2d(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-dominated points of two minimised objectives, O(n log n)."""
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    starts = np.r_[True, xs[1:] != xs[:-1]]  # first (lowest y) point of each equal-x group
    group = np.cumsum(starts) - 1
    group_min = ys[starts]
    before = np.r_[np.inf, np.minimum.accumulate(group_min)[:-1]]  # best y at smaller x
    keep = (ys < before[group]) & (ys == group_min[group])
    out = np.empty(len(x), dtype=bool)
    out[order] = keep
    return out


def _pareto_nd(loss: np.ndarray) -> np.ndarray:
    """Non-dominated points of any number of minimised objectives, pairwise in chunks."""
    keep = np.ones(len(loss), dtype=bool)
    for start in range(0, len(loss), _CHUNK):
        block = loss[start:start + _CHUNK]  # (b, m) against all (n, m)
        no_worse = (loss[None, :, :] <= block[:, None, :]).all(axis=2)
        better = (loss[None, :, :] < block[:, None, :]).any(axis=2)
        keep[start:start + _CHUNK] = ~(no_worse & better).any(axis=1)
    return keep


def nondominated_rank(values: Any, directions: Sequence[Any] | None = None) -> np.ndarray:
    """Non-dominated sorting rank of every point: 0 on the Pareto front, 1 on the front of
    the rest, and so on.

    Args:
        values: Array of shape ``(n_points, n_objectives)``.
        directions: As for :func:`pareto_mask`.

    Returns:
        Integer array ``(n_points,)``. Equal points share a rank; rows holding NaN get the
        rank after the last front.

    Raises:
        ValueError: ``values`` is not 2-D or ``directions`` has the wrong length.

    Example:
        >>> nondominated_rank([[1, 1], [2, 2], [3, 3], [2, 3]], ["maximize", "minimize"]).tolist()
        [0, 0, 0, 1]
    """
    loss = _as_loss(values, directions)
    rank = np.zeros(len(loss), dtype=np.int64)
    rows = np.flatnonzero(~np.isnan(loss).any(axis=1))
    n_fronts = 0
    if rows.size and loss.shape[1] == 2:
        rank[rows] = _rank_2d(loss[rows, 0], loss[rows, 1])
        n_fronts = int(rank[rows].max()) + 1
    elif rows.size:
        left = rows
        while left.size:
            on = _front_of(loss[left])
            rank[left[on]] = n_fronts
            left = left[~on]
            n_fronts += 1
    rank[np.isnan(loss).any(axis=1)] = n_fronts
    return rank


def _rank_2d(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-dominated ranks of two minimised objectives, O(n log n) by bisection over fronts."""
    order = np.lexsort((y, x))  # best x first, best y first among equals
    rank = np.empty(len(x), dtype=np.int64)
    best: list[float] = []  # best[r]: lowest y placed on front r so far
    last: list[tuple[float, float]] = []  # the last point placed on front r
    for i in order:
        xi, yi = x[i], y[i]
        # fronts' best y grows with r, so the first front that i is not dominated on is found
        # by bisection; an equal point shares its twin's front
        lo, hi = 0, len(best)
        while lo < hi:
            mid = (lo + hi) // 2
            if yi < best[mid] or last[mid] == (xi, yi):
                hi = mid
            else:
                lo = mid + 1
        if lo == len(best):
            best.append(yi)
            last.append((xi, yi))
        else:
            best[lo] = min(best[lo], yi)
            last[lo] = (xi, yi)
        rank[i] = lo
    return rank


def hypervolume_2d(loss: Any, reference: Sequence[float]) -> float:
    """Area dominated by points of two minimised objectives, bounded by a reference point.

    Points not strictly better than the reference in both objectives add nothing, and so do
    rows holding NaN.

    Args:
        loss: Array of shape ``(n_points, 2)``, both columns minimised.
        reference: The reference point ``(r0, r1)``.

    Returns:
        The hypervolume (0 for no point).

    Raises:
        ValueError: ``loss`` is not of shape ``(n, 2)``.
    """
    loss = np.asarray(loss, dtype=np.float64)
    if loss.ndim != 2 or loss.shape[1] != 2:
        raise ValueError(f"The 'loss' argument must have shape (n_points, 2); got {loss.shape}.")
    r0, r1 = (float(r) for r in reference)
    inside = loss[(loss[:, 0] < r0) & (loss[:, 1] < r1)]  # NaN compares False: left out
    if inside.size == 0:
        return 0.0
    inside = inside[np.argsort(inside[:, 0], kind="stable")]
    best_y = np.minimum.accumulate(inside[:, 1])
    widths = np.diff(np.r_[inside[:, 0], r0])
    return float(np.sum(widths * (r1 - best_y)))


def crowding_distance(values: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of points of one front (larger: more isolated).

    Each objective contributes the gap between a point's two neighbours along it, divided by
    the objective's range; the extreme points of each objective get ``inf``.

    Args:
        values: Array ``(n_points, n_objectives)``, finite.

    Returns:
        Array ``(n_points,)``.
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    distance = np.zeros(n)
    if n <= 2:
        distance[:] = np.inf
        return distance
    for column in values.T:
        order = np.argsort(column, kind="stable")
        span = column[order[-1]] - column[order[0]]
        distance[order[0]] = distance[order[-1]] = np.inf
        if span > 0:
            distance[order[1:-1]] += (column[order[2:]] - column[order[:-2]]) / span
    return distance
