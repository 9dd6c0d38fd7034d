"""Latency monotonicity: rank correlations between devices, their uncertainty, proxy selection.

*One Proxy Device Is Enough for Hardware-Aware NAS* measures how well one device's latency
ranking of architectures carries over to another with Spearman's rank correlation (SRCC): where
it is high (the paper uses 0.9) a search on the proxy serves the target as is; where it is low
the proxy's latency predictor is adapted (AdaProxy) with a few target measurements.

- :func:`srcc` and :func:`kendall_tau`: one pair of latency vectors, NaN-aware (pairwise
  complete), ties ranked by their average. :func:`srcc` is plain numpy, cheap enough to call
  10^5 times in a loop, and equal to :func:`scipy.stats.spearmanr` to 1e-12.
- :func:`srcc_columns`: every column of a matrix against one vector at once (what the
  adapters rank proxies by).
- :func:`srcc_matrix` and :func:`kendall_matrix`: every pair of devices of a
  :class:`~oneproxy_plugins.latency.LatencyTable`, each column ranked once per pattern of
  missing rows.
- :func:`bootstrap_srcc`: a percentile bootstrap interval, vectorised over resamples.
- :func:`select_proxy`: rank candidate proxies by their SRCC with a few target measurements
  and apply the paper's rule (adapt when SRCC < threshold).

Statistical doubt (too few pairs, a constant vector, an interval that crosses the threshold)
is a :class:`MonotonicityWarning` with the numbers, not an exception.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.monotonicity import select_proxy, srcc
    >>> srcc([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 45.0])
    1.0
    >>> target = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}
    >>> proxies = {"cpu": [2.0, 4.0, 6.0, 8.0, 10.0], "gpu": [5.0, 4.0, 3.0, 2.0, 1.0]}
    >>> result = select_proxy(proxies, target, n_boot=200, random_state=0)
    >>> result.best, result.srcc, result.needs_adaptation
    ('cpu', 1.0, False)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from oneproxy_plugins._checks import (check_choice, check_int, check_latency, check_random_state,
                                      check_real)
from oneproxy_plugins._deprecation import warn_renamed_name

if TYPE_CHECKING:
    from oneproxy_plugins.latency import LatencyTable

__all__ = [
    "MonotonicityWarning",
    "srcc",
    "srcc_columns",
    "kendall_tau",
    "srcc_matrix",
    "kendall_matrix",
    "bootstrap_srcc",
    "SRCCInterval",
    "select_proxy",
    "ProxyScore",
    "ProxySelection",
    "DEFAULT_THRESHOLD",
]

DEFAULT_THRESHOLD = 0.9
"""SRCC above which the paper reuses a proxy's search as is (below it, adapt)."""

_MIN_PAIRS = 3
_METHODS = ("spearman", "kendall")
_BOOT_CHUNK = 2_000_000  # resampled values held at once by bootstrap_srcc (16 MB per array)


class MonotonicityWarning(UserWarning):
    """A rank correlation is undefined or uncertain: too few pairs, a constant vector, or a
    bootstrap interval that crosses the adaptation threshold."""


# ---------------------------------------------------------------------------- array helpers
def _as_vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"The {name!r} argument must be a 1-D sequence of numbers; got "
                         f"{type(values).__name__}.") from None
    if arr.ndim != 1:
        raise ValueError(f"The {name!r} argument must be 1-D; got shape {arr.shape}.")
    return arr


def _as_pair(a: Any, b: Any, names: tuple[str, str] = ("a", "b")
             ) -> tuple[np.ndarray, np.ndarray]:
    """Two 1-D float arrays of the same length (also used by the predictors' metrics)."""
    x, y = _as_vector(a, names[0]), _as_vector(b, names[1])
    if x.shape != y.shape:
        raise ValueError(f"The {names[0]!r} and {names[1]!r} arguments must have the same "
                         f"length; got {x.size} and {y.size}.")
    return x, y


def _complete_pairs(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """The two vectors with every position where either is NaN removed."""
    x, y = _as_pair(a, b)
    missing = np.isnan(x) | np.isnan(y)
    if missing.any():
        keep = ~missing
        return x[keep], y[keep]
    return x, y


def _centred_ranks(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Average ranks (ties share their mean rank) minus their mean ``(n + 1) / 2``, along
    ``axis`` of a NaN-free array: the one ranking behind every rank correlation here.

    Ranks are multiples of 1/2, so the sums of products of centred ranks are exact in float64
    for any ``n`` below about 10^5, whatever the order of summation.
    """
    centre = 0.5 * (x.shape[axis] + 1)
    if x.ndim == 1:
        return _rank(x) - centre
    if x.ndim == 2 and x.shape[1 - axis % 2] <= _FEW_VECTORS:  # an adapter's few columns
        ranks = np.array([_rank(v) for v in (x.T if axis % 2 == 0 else x)])
        return (ranks.T if axis % 2 == 0 else ranks) - centre
    from scipy.stats import rankdata

    return rankdata(x, axis=axis) - centre


_FEW_VECTORS = 8
"""Up to this many vectors, :func:`_centred_ranks` ranks each with :func:`_rank`: 10-40 us
against scipy's ``rankdata`` call at about 110 us (what weighing a few proxies on ten samples
costs in every fit)."""


def _rank(x: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of a 1-D array without NaN; ties share their mean rank."""
    order = x.argsort()
    xs = x[order]
    ranks = np.empty(x.size)
    tied = xs[1:] == xs[:-1]
    if not tied.any():  # the common case for measured latencies: a permutation
        ranks[order] = np.arange(1.0, x.size + 1.0)
        return ranks
    starts = np.flatnonzero(np.concatenate(([True], ~tied)))
    bounds = np.append(starts, x.size)
    mean_rank = 0.5 * (bounds[:-1] + bounds[1:] + 1)  # ranks start+1 .. end, averaged
    ranks[order] = np.repeat(mean_rank, np.diff(bounds))
    return ranks


def _too_few(n: int, what: str) -> float:
    warnings.warn(f"{what}: only {n} complete pair(s) (both values present); at least "
                  f"{_MIN_PAIRS} are needed, so the correlation is NaN.",
                  MonotonicityWarning, stacklevel=3)
    return math.nan


def _constant(which: str, what: str) -> float:
    warnings.warn(f"{what}: {which} is constant over the complete pairs; a rank correlation "
                  "is undefined, so it is NaN.", MonotonicityWarning, stacklevel=3)
    return math.nan


# ---------------------------------------------------------------------------- pair statistics
def srcc(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Spearman's rank correlation of two latency vectors.

    Positions where either value is NaN are dropped (pairwise complete); ties get the average
    of the ranks they span. Equal to ``scipy.stats.spearmanr(a, b, nan_policy="omit")`` up to
    1e-12, at a fraction of its cost for short vectors.

    Args:
        a: Array of shape ``(n,)``, e.g. milliseconds on the proxy device.
        b: Array of shape ``(n,)``, e.g. milliseconds on the target device.

    Returns:
        The correlation in ``[-1, 1]``; NaN (with a :class:`MonotonicityWarning`) when fewer
        than 3 complete pairs remain or either vector is constant over them.

    Raises:
        ValueError: The inputs are not 1-D numeric arrays of the same length.

    Example:
        >>> srcc([1, 2, 3, 4], [4, 3, 2, 1])
        -1.0
    """
    x, y = _complete_pairs(a, b)
    n = x.size
    if n < _MIN_PAIRS:
        return _too_few(n, "srcc")
    rx = _centred_ranks(x)
    ry = _centred_ranks(y)
    sxx = float(rx @ rx)
    syy = float(ry @ ry)
    if sxx == 0.0:
        return _constant("'a'", "srcc")
    if syy == 0.0:
        return _constant("'b'", "srcc")
    r = float(rx @ ry) / math.sqrt(sxx * syy)
    return min(1.0, max(-1.0, r))


def srcc_columns(a: Any, b: Any) -> np.ndarray:
    """Spearman's rank correlation of every column of ``a`` with ``b``, at once.

    What the adapters weigh proxies by: ``k`` target samples against the ``m`` proxies'
    latencies of them. No NaN handling (every value must be present) and no warnings: a
    constant column (or a constant ``b``) gives NaN, and the caller decides what that means.

    Args:
        a: Array of shape ``(n, m)``.
        b: Array of shape ``(n,)``.

    Returns:
        Array of shape ``(m,)``.

    Raises:
        ValueError: The shapes do not fit or a value is NaN.

    Example:
        >>> srcc_columns([[1, 3, 1], [2, 2, 1], [3, 1, 1]], [10, 20, 30]).tolist()
        [1.0, -1.0, nan]
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"srcc_columns needs 'a' of shape (n, m) and 'b' of shape (n,); got "
                         f"{x.shape} and {y.shape}.")
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError("srcc_columns does not take NaN; drop the incomplete rows first.")
    rx = _centred_ranks(x, axis=0)
    ry = _centred_ranks(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (rx.T @ ry) / np.sqrt((rx ** 2).sum(axis=0) * (ry ** 2).sum())


def kendall_tau(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Kendall's tau-b of two latency vectors (pairwise complete, tie-corrected).

    Args:
        a: Array of shape ``(n,)``.
        b: Array of shape ``(n,)``.

    Returns:
        Tau-b in ``[-1, 1]``; NaN with a :class:`MonotonicityWarning` when fewer than 3
        complete pairs remain or either vector is constant over them.

    Raises:
        ValueError: The inputs are not 1-D numeric arrays of the same length.

    Example:
        >>> round(kendall_tau([1, 2, 3], [1, 3, 2]), 6)
        0.333333
    """
    from scipy.stats import kendalltau

    x, y = _complete_pairs(a, b)
    if x.size < _MIN_PAIRS:
        return _too_few(x.size, "kendall_tau")
    if (x == x[0]).all():
        return _constant("'a'", "kendall_tau")
    if (y == y[0]).all():
        return _constant("'b'", "kendall_tau")
    return float(kendalltau(x, y, variant="b").statistic)


# ---------------------------------------------------------------------------- matrices
def _as_matrix(table_or_array: LatencyTable | np.ndarray,
               devices: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    from oneproxy_plugins.latency import LatencyTable

    if isinstance(table_or_array, LatencyTable):
        if devices is not None:
            table_or_array = table_or_array.select(devices=list(devices))
        return np.asarray(table_or_array.values, dtype=np.float64), table_or_array.devices
    try:
        values = np.asarray(table_or_array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("The 'table_or_array' argument must be a LatencyTable or a numeric array "
                         f"of shape (n_archs, n_devices); got {type(table_or_array).__name__}."
                         ) from None
    if values.ndim != 2:
        raise ValueError("The 'table_or_array' argument must be 2-D (n_archs, n_devices); got "
                         f"shape {values.shape}.")
    if devices is None:
        names = [str(i) for i in range(values.shape[1])]
    else:
        names = [str(d) for d in devices]
        if len(names) != values.shape[1]:
            raise ValueError(f"The 'devices' argument names {len(names)} columns but the array "
                             f"has {values.shape[1]}.")
    return values, names


def _spearman_cross(va: np.ndarray, vb: np.ndarray | None) -> np.ndarray:
    """SRCC of every column of ``va`` with every column of ``vb`` (``va`` itself when None),
    on NaN-free blocks of the same rows; NaN where a column is constant."""
    ra = _centred_ranks(va, axis=0)
    rb = ra if vb is None else _centred_ranks(vb, axis=0)
    ssa = np.einsum("ij,ij->j", ra, ra)
    ssb = ssa if vb is None else np.einsum("ij,ij->j", rb, rb)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = (ra.T @ rb) / np.sqrt(np.outer(ssa, ssb))
    return np.clip(corr, -1.0, 1.0)


def _kendall_cross(va: np.ndarray, vb: np.ndarray | None) -> np.ndarray:
    from scipy.stats import kendalltau

    same = vb is None
    vb = va if same else vb
    const_a = (va == va[:1]).all(axis=0)
    const_b = (vb == vb[:1]).all(axis=0)
    corr = np.full((va.shape[1], vb.shape[1]), np.nan)
    for i in range(va.shape[1]):
        for j in range(i if same else 0, vb.shape[1]):
            if not (const_a[i] or const_b[j]):
                corr[i, j] = kendalltau(va[:, i], vb[:, j], variant="b").statistic
                if same:
                    corr[j, i] = corr[i, j]
    return corr


def srcc_matrix(table_or_array: LatencyTable | np.ndarray, devices: Sequence[str] | None = None,
                method: str | None = None) -> tuple[np.ndarray, list[str]]:
    """Spearman's rank correlation (SRCC) between every pair of devices.

    Each pair uses the architectures measured on both devices (pairwise complete). Columns
    are grouped by their pattern of missing rows and ranked once per pair of patterns, so a
    full table costs one ranking per column and one matrix product.

    Args:
        table_or_array: A :class:`~oneproxy_plugins.latency.LatencyTable`, or an array of shape
            ``(n_archs, n_devices)`` in milliseconds with NaN where not measured.
        devices: For a table, the devices to use (default: all, in table order); for an array,
            names of its columns (default ``"0"``, ``"1"``, ...).
        method: Deprecated: ``"kendall"`` gave Kendall's tau under this SRCC name; use
            :func:`kendall_matrix`.

    Returns:
        ``(matrix, names)``: a symmetric array of shape ``(n_devices, n_devices)`` with ones on
        the diagonal, and the device names in its order. Entries are NaN (with one
        :class:`MonotonicityWarning` naming them) for a constant device or a pair with fewer
        than 3 common architectures.

    Raises:
        ValueError: Not 2-D, or ``devices`` of the wrong length.
        UnknownDeviceError: A device is not a column of the table.

    Example:
        >>> import numpy as np
        >>> matrix, names = srcc_matrix(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]))
        >>> matrix.tolist(), names
        ([[1.0, -1.0], [-1.0, 1.0]], ['0', '1'])
    """
    if method is not None:
        check_choice("method", method, _METHODS)
        if method == "kendall":
            warn_renamed_name("srcc_matrix(method='kendall')", "kendall_matrix()")
            return _correlation_matrix(table_or_array, devices, _kendall_cross, "kendall_matrix")
    return _correlation_matrix(table_or_array, devices, _spearman_cross, "srcc_matrix")


def kendall_matrix(table_or_array: LatencyTable | np.ndarray,
                   devices: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Kendall's tau-b between every pair of devices (pairwise complete), as
    :func:`srcc_matrix` gives SRCC.

    Example:
        >>> import numpy as np
        >>> kendall_matrix(np.array([[1.0, 1.0], [2.0, 3.0], [3.0, 2.0]]))[0].round(3).tolist()
        [[1.0, 0.333], [0.333, 1.0]]
    """
    return _correlation_matrix(table_or_array, devices, _kendall_cross, "kendall_matrix")


def _correlation_matrix(table_or_array: LatencyTable | np.ndarray,
                        devices: Sequence[str] | None, cross: Any, what: str
                        ) -> tuple[np.ndarray, list[str]]:
    values, names = _as_matrix(table_or_array, devices)
    d = len(names)
    out = np.full((d, d), np.nan)
    present = ~np.isnan(values)
    # Columns sharing a pattern of measured rows are ranked together, once per pair of patterns.
    patterns, group_of = np.unique(present.T, axis=0, return_inverse=True)
    members = [np.flatnonzero(np.ravel(group_of) == g) for g in range(len(patterns))]
    for g, cols_g in enumerate(members):
        for h in range(g, len(patterns)):
            rows = patterns[g] & patterns[h]
            if rows.sum() < _MIN_PAIRS:
                continue
            cols_h = members[h]
            block = cross(values[np.ix_(rows, cols_g)],
                          None if g == h else values[np.ix_(rows, cols_h)])
            out[np.ix_(cols_g, cols_h)] = block
            out[np.ix_(cols_h, cols_g)] = block.T
    valid = ~np.isnan(np.diag(out))
    out[np.diag_indices(d)] = np.where(valid, 1.0, np.nan)
    out = np.triu(out) + np.triu(out, 1).T  # exactly symmetric
    nan_pairs = [(names[i], names[j]) for i, j in zip(*np.triu_indices(d, 1))
                 if np.isnan(out[i, j])]
    problems = []
    if not valid.all():
        problems.append("device(s) constant or with fewer than "
                        f"{_MIN_PAIRS} measured architectures: "
                        + ", ".join(repr(names[i]) for i in np.flatnonzero(~valid)))
    if nan_pairs:
        shown = ", ".join(f"({a!r}, {b!r})" for a, b in nan_pairs[:5])
        more = f" and {len(nan_pairs) - 5} more" if len(nan_pairs) > 5 else ""
        problems.append(f"{len(nan_pairs)} pair(s) with fewer than {_MIN_PAIRS} common "
                        f"architectures or a device constant over them: {shown}{more}")
    if problems:
        warnings.warn(f"{what}: NaN for {'; '.join(problems)}.", MonotonicityWarning,
                      stacklevel=3)
    return out, list(names)


# ---------------------------------------------------------------------------- bootstrap
class SRCCInterval(NamedTuple):
    """An SRCC estimate and its bootstrap confidence interval."""

    estimate: float
    low: float
    high: float


def _row_srcc(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SRCC of each row pair of two ``(n_rows, n)`` arrays; NaN where a row is constant."""
    rx = _centred_ranks(x, axis=1)
    ry = _centred_ranks(y, axis=1)
    sxx = np.einsum("ij,ij->i", rx, rx)
    syy = np.einsum("ij,ij->i", ry, ry)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.einsum("ij,ij->i", rx, ry) / np.sqrt(sxx * syy)
    return np.clip(r, -1.0, 1.0)


def _bootstrap(x: np.ndarray, y: np.ndarray, n_boot: int, confidence: float,
               rng: np.random.Generator) -> tuple[float, float]:
    """Percentile interval of SRCC over resampled pairs (constant resamples are dropped)."""
    n = x.size
    stats = np.empty(n_boot)
    chunk = max(1, _BOOT_CHUNK // n)
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_boot - start), n))
        stats[start:start + len(idx)] = _row_srcc(x[idx], y[idx])
    stats = stats[~np.isnan(stats)]
    if stats.size == 0:
        return math.nan, math.nan
    tail = 0.5 * (1.0 - confidence)
    low, high = np.quantile(stats, [tail, 1.0 - tail])
    return float(low), float(high)


def bootstrap_srcc(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                   n_boot: int = 1000, confidence: float = 0.95,
                   random_state: int | np.random.Generator | None = None) -> SRCCInterval:
    """SRCC with a percentile bootstrap confidence interval.

    Complete pairs are resampled with replacement ``n_boot`` times; resamples in which either
    side is constant (likely only for a handful of pairs) have no SRCC and are left out.

    Args:
        a: Array of shape ``(n,)``, NaN where missing.
        b: Array of shape ``(n,)``, NaN where missing.
        n_boot: Number of resamples, an int >= 1.
        confidence: Coverage of the interval, in (0, 1).
        random_state: Seed or numpy ``Generator`` for the resampling.

    Returns:
        ``SRCCInterval(estimate, low, high)``, a named tuple: the SRCC of all complete pairs and
        the interval's bounds. All NaN (with a :class:`MonotonicityWarning`) when fewer than 3
        complete pairs remain or a vector is constant.

    Raises:
        ValueError: Bad inputs, ``n_boot``, ``confidence`` or ``random_state``.

    Example:
        >>> est, low, high = bootstrap_srcc(range(20), range(20), n_boot=100, random_state=0)
        >>> est, low, high
        (1.0, 1.0, 1.0)
    """
    n_boot = check_int("n_boot", n_boot, 1)
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True,
                            high_open=True)
    rng = check_random_state(random_state)
    x, y = _complete_pairs(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotonicityWarning)
        estimate = srcc(x, y)
    if math.isnan(estimate):
        srcc(x, y)  # the same NaN, now with its warning
        return SRCCInterval(math.nan, math.nan, math.nan)
    low, high = _bootstrap(x, y, n_boot, confidence, rng)
    return SRCCInterval(estimate, low, high)


# ---------------------------------------------------------------------------- proxy selection
class ProxyScore(NamedTuple):
    """One candidate proxy's SRCC with the target samples and its bootstrap interval."""

    name: str
    srcc: float
    low: float
    high: float


@dataclass(frozen=True)
class ProxySelection:
    """Result of :func:`select_proxy`.

    Attributes:
        ranking: Candidates from the highest SRCC to the lowest (NaN last), each a
            ``ProxyScore(name, srcc, low, high)``.
        threshold: SRCC below which the proxy needs adaptation.
        confidence: Coverage of the intervals.
        n_samples: Number of target measurements used.
    """

    ranking: list[ProxyScore]
    threshold: float = DEFAULT_THRESHOLD
    confidence: float = 0.95
    n_samples: int = 0
    _by_name: dict[str, ProxyScore] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.ranking})

    @property
    def best(self) -> str:
        """Name of the candidate with the highest SRCC."""
        return self.ranking[0].name

    @property
    def srcc(self) -> float:
        """SRCC of the best candidate with the target samples."""
        return self.ranking[0].srcc

    @property
    def interval(self) -> tuple[float, float]:
        """Bootstrap interval ``(low, high)`` of the best candidate's SRCC."""
        return self.ranking[0].low, self.ranking[0].high

    @property
    def needs_adaptation(self) -> bool:
        """The paper's rule: adapt the proxy when its SRCC is below the threshold (or NaN)."""
        return not self.srcc >= self.threshold

    def __getitem__(self, name: str) -> ProxyScore:
        """The score of one candidate by name."""
        return self._by_name[name]


def _target_arrays(target_samples: Any) -> tuple[list[Any], np.ndarray]:
    if isinstance(target_samples, Mapping):
        archs, latency = list(target_samples.keys()), list(target_samples.values())
    elif isinstance(target_samples, (tuple, list)) and len(target_samples) == 2:
        archs, latency = list(target_samples[0]), target_samples[1]
    else:
        raise TypeError("The 'target_samples' argument must be a mapping arch id -> latency (ms) "
                        f"or a pair (archs, latencies); got {type(target_samples).__name__}.")
    y = _as_vector(latency, "target_samples")
    if y.size != len(archs):
        raise ValueError(f"The 'target_samples' argument has {len(archs)} architectures but "
                         f"{y.size} latencies.")
    for arch, ms in zip(archs, y):
        check_latency(ms, f"target_samples: architecture {arch!r}")
    if y.size < _MIN_PAIRS:
        raise ValueError(f"select_proxy needs at least {_MIN_PAIRS} target samples to rank "
                         f"proxies; got {y.size}.")
    return archs, y


def _candidate_arrays(candidates: Any, archs: list[Any]) -> dict[str, np.ndarray]:
    from oneproxy_plugins.latency import LatencyTable

    if isinstance(candidates, LatencyTable):
        ids = archs
        if candidates.space is not None:
            from oneproxy_plugins.spaces import get_space

            space = get_space(candidates.space)
            ids = [space.canonical_id(a) for a in archs]
        rows = candidates.rows_of([str(a) for a in ids])
        return {d: candidates.values[rows, j] for j, d in enumerate(candidates.devices)}
    if not isinstance(candidates, Mapping):
        raise TypeError("The 'candidates' argument must be a mapping name -> latencies or fitted "
                        f"predictor, or a LatencyTable; got {type(candidates).__name__}.")
    out = {}
    for name, value in candidates.items():
        if callable(getattr(value, "predict", None)):
            value = value.predict(list(archs))
        arr = _as_vector(value, f"candidates[{name!r}]")
        if arr.size != len(archs):
            raise ValueError(f"Candidate {name!r} has {arr.size} latencies for "
                             f"{len(archs)} target samples; give one per target sample, in "
                             "the same order.")
        out[str(name)] = arr
    return out


def select_proxy(candidates: Mapping[str, Any] | LatencyTable,
                 target_samples: Mapping[str, float] | tuple[Sequence[Any], Sequence[float]],
                 threshold: float = DEFAULT_THRESHOLD, n_boot: int = 1000,
                 confidence: float = 0.95,
                 random_state: int | np.random.Generator | None = None) -> ProxySelection:
    """Rank candidate proxy devices by their SRCC with a few target measurements.

    Every candidate is scored on the same ``k`` target architectures with a paired bootstrap
    (the same resamples for every candidate measured on all of them). The best one needs
    adaptation (AdaProxy) when its SRCC is below ``threshold``, the paper's rule.

    Args:
        candidates: Either a mapping name -> latencies (array of shape ``(k,)``, ms, in the
            order of ``target_samples``; NaN where not measured) or -> fitted latency predictor
            (its ``predict`` is called on the target architectures); or a
            :class:`~oneproxy_plugins.latency.LatencyTable` whose devices are the candidates and
            whose rows include the target architectures.
        target_samples: The target's measurements: a mapping arch id -> ms, or a pair
            ``(archs, latencies)``. At least 3.
        threshold: SRCC below which adaptation is needed, in (-1, 1].
        n_boot: Bootstrap resamples per candidate.
        confidence: Coverage of the intervals, in (0, 1).
        random_state: Seed or numpy ``Generator`` of the resampling.

    Returns:
        A :class:`ProxySelection`. A :class:`MonotonicityWarning` is issued when the best
        candidate's interval crosses ``threshold`` (measure more target samples to decide).

    Raises:
        ValueError: Fewer than 3 target samples, a non-positive target latency, a candidate
            of the wrong length, no candidates, or a bad ``threshold``, ``n_boot``,
            ``confidence``.
        TypeError: ``candidates`` or ``target_samples`` of an unsupported type.
        KeyError: A target architecture is not a row of the candidates' table.

    Example:
        >>> result = select_proxy({"cpu": [1.0, 2.0, 3.0, 5.0], "gpu": [2.0, 1.0, 4.0, 3.0]},
        ...                       ([0, 1, 2, 3], [1.1, 2.2, 2.9, 4.0]), random_state=0)
        >>> result.best, result.needs_adaptation
        ('cpu', False)
    """
    threshold = check_real("threshold", threshold, low=-1.0, high=1.0, low_open=True)
    n_boot = check_int("n_boot", n_boot, 1)
    confidence = check_real("confidence", confidence, low=0.0, high=1.0, low_open=True,
                            high_open=True)
    rng = check_random_state(random_state)
    archs, y = _target_arrays(target_samples)
    arrays = _candidate_arrays(candidates, archs)
    if not arrays:
        raise ValueError("The 'candidates' argument is empty; give at least one proxy.")
    seed = int(rng.integers(2**63 - 1))  # one seed for all: paired resamples
    scores = [ProxyScore(name, *bootstrap_srcc(values, y, n_boot=n_boot, confidence=confidence,
                                               random_state=seed))
              for name, values in arrays.items()]
    scores.sort(key=lambda s: (math.isnan(s.srcc), -s.srcc if not math.isnan(s.srcc) else 0.0))
    result = ProxySelection(scores, threshold=threshold, confidence=confidence,
                            n_samples=int(y.size))
    low, high = result.interval
    if low < threshold <= high:
        warnings.warn(
            f"Proxy {result.best!r} has SRCC {result.srcc:.3f} with {y.size} target samples; its "
            f"{confidence:.0%} interval [{low:.3f}, {high:.3f}] crosses the threshold "
            f"{threshold:g}, so whether it needs adaptation is uncertain: measure more target "
            "samples.", MonotonicityWarning, stacklevel=2)
    return result
