"""Timing: warm-up, repeats, interleaved rounds beside a reference, robust summaries.

A host's speed drifts: on a shared 2-core machine a fixed network's latency wandered by 50 %
within minutes, and two sequential runs over the same 200 cells ranked them with an SRCC of
only 0.56. Two defences, both here:

* **Interleaved rounds.** Every architecture is visited once per round, in a fresh random
  order each round; a visit is ``n_warmup`` discarded runs then up to ``n_repeats`` timed
  runs. Slow phases of the host then hit every architecture alike instead of a block of them.
* **A reference beside each visit.** A fixed reference network is timed right before (even
  rounds) or after (odd rounds) each visit. The ratio architecture / reference of the same
  moment cancels the host's speed; the median ratio over rounds ranks the architectures.

A visit is summarised by its fastest timed run by default (``visit_statistic="min"``): on a
loaded host most of the noise is time taken away by other processes, which only ever adds,
so the fastest run is the least disturbed one. On 200 NAS-Bench-201 cells timed twice with
eager PyTorch under load, per-visit minima ranked them with an SRCC of 0.984 between the runs
(0.977 with 5 rounds), per-visit medians 0.975 (0.928); see ``docs/measurement.md``.

Within a visit, runs slower than the visit's median by more than ``outlier_z`` robust
z-scores (median absolute deviation) are outliers (an interrupt, a page fault, another
process) and are left out; only slow outliers exist, a CPU does not run faster than itself.

Example:
    >>> from oneproxy_plugins.measure.timing import time_runs
    >>> samples = time_runs(lambda: sum(range(1000)), n_warmup=2, n_repeats=5)
    >>> samples.shape, bool((samples > 0).all())
    ((5,), True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_choice
from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.exceptions import MeasurementError
from oneproxy_plugins.measure import _protocol
from oneproxy_plugins.measure._protocol import wall_timer

__all__ = ["Timer", "wall_timer", "cuda_event_timer", "time_runs", "outlier_mask",
           "relative_iqr", "fixed_threads", "InterleavedTimings", "run_interleaved",
           "TimingSummary", "summarize_timings", "reference_level", "VISIT_STATISTICS"]

Timer = Callable[[Callable[[], Any]], float]
"""Runs a function once and returns the elapsed time in milliseconds."""

OUTLIER_Z = 3.5
"""Default robust z-score above which a run is an outlier (Iglewicz and Hoaglin's 3.5)."""

VISIT_STATISTICS: dict[str, Callable[[np.ndarray], float]] = {"min": np.min,
                                                              "median": np.median}
"""How one visit's timed runs are summarised before the ratio to the reference."""


def cuda_event_timer() -> Timer:
    """A timer for CUDA work: synchronise, record events around the call, wait, read them."""
    torch = optional_import("torch")

    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)

    def timer(fn: Callable[[], Any]) -> float:
        torch.cuda.synchronize()
        start.record()
        fn()
        end.record()
        end.synchronize()
        return float(start.elapsed_time(end))

    return timer


def time_runs(fn: Callable[[], Any], *, n_warmup: int, n_repeats: int,
              budget_s: float = math.inf, timer: Timer = wall_timer) -> np.ndarray:
    """Time one visit: ``n_warmup`` discarded runs, then up to ``n_repeats`` timed runs.

    Args:
        fn: Runs one inference.
        n_warmup: Runs before timing starts, discarded (caches, lazy initialisation).
        n_repeats: Timed runs at most.
        budget_s: Seconds this visit may take, warm-up included; timing stops once it is
            spent, after at least one timed run.
        timer: Times one call in milliseconds.

    Returns:
        Array of shape ``(n,)``, milliseconds, ``1 <= n <= n_repeats``.
    """
    return _protocol.time_runs(fn, n_warmup, n_repeats, budget_s, timer)


def outlier_mask(samples: np.ndarray, *, z: float = OUTLIER_Z) -> np.ndarray:
    """Slow outliers: runs whose robust z-score above the median exceeds ``z``.

    The robust z-score is ``0.6745 * (x - median) / MAD``. With fewer than five runs (the MAD
    of so few is itself noise) or a MAD of zero (more than half the runs identical) nothing
    is flagged.

    Args:
        samples: Array of shape ``(n,)``, milliseconds.
        z: Threshold.

    Returns:
        Boolean array of shape ``(n,)``, True for outliers.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.size < 5:
        return np.zeros(samples.shape, dtype=bool)
    median = np.median(samples)
    mad = np.median(np.abs(samples - median))
    if mad <= 0:
        return np.zeros(samples.shape, dtype=bool)
    return 0.6745 * (samples - median) / mad > z


def relative_iqr(samples: np.ndarray) -> float:
    """Interquartile range divided by the median (0 for fewer than two values)."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.size < 2:
        return 0.0
    q25, q50, q75 = np.percentile(samples, [25, 50, 75])
    return float((q75 - q25) / q50) if q50 > 0 else math.nan


@contextlib.contextmanager
def fixed_threads(n_threads: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n_threads)``; restore the old count after.

    ``None`` leaves the thread count alone.
    """
    if n_threads is None:
        yield
        return
    torch = optional_import("torch")

    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclasses.dataclass
class InterleavedTimings:
    """Raw timings of interleaved rounds.

    Attributes:
        samples: Per key, one array of timed runs (ms) per round the key was visited in.
        reference: Per key, the reference's timed runs (ms) of the same visits.
        errors: Keys whose run raised, with the reason; they are visited no more.
    """

    samples: dict[str, list[np.ndarray]]
    reference: dict[str, list[np.ndarray]]
    errors: dict[str, str]


def run_interleaved(runners: Mapping[str, Callable[[], Any]], reference: Callable[[], Any], *,
                    n_rounds: int, n_warmup: int, n_repeats: int, budget_s: float = math.inf,
                    timer: Timer = wall_timer, seed: int = 0,
                    on_visit: Callable[[str], None] | None = None) -> InterleavedTimings:
    """Visit every runner once per round, each visit paired with a visit of the reference.

    Args:
        runners: Key (architecture id) to a function running one inference.
        reference: The reference network's inference function.
        n_rounds: Rounds; each visits every runner once, in a new random order.
        n_warmup: Discarded runs at the start of every visit (of a runner or the reference).
        n_repeats: Timed runs per visit at most.
        budget_s: Seconds per key over all rounds, spread evenly over the rounds (the
            reference's visits get the same share); a visit still makes one timed run when
            its share is spent.
        timer: Times one call in milliseconds.
        seed: Seed of the visiting orders.
        on_visit: Called with the key after each visit (progress bars).

    Returns:
        The timed runs of every key and of the reference beside it, and the keys that failed.

    Raises:
        MeasurementError: The reference itself raised.
    """
    try:
        samples, reference_samples, errors = _protocol.interleave(
            runners, reference, n_rounds, n_warmup, n_repeats, budget_s, timer, seed, on_visit)
    except _protocol.ReferenceFailed as exc:
        raise MeasurementError(str(exc)) from exc.__cause__
    return InterleavedTimings(samples, reference_samples, errors)


@dataclasses.dataclass(frozen=True)
class TimingSummary:
    """Robust statistics of one architecture's interleaved timings.

    Attributes:
        ratio: Median over rounds of the ratio architecture / reference of the visit
            statistics (fastest run, or median, of each visit).
        raw_ms: Median of all the architecture's kept timed runs, milliseconds.
        reference_ms: The reference's level beside it (see :func:`reference_level`), ms.
        spread: Relative IQR of the architecture's kept runs (noise of the raw latency).
        ratio_spread: Relative IQR of the per-round ratios (noise left after normalising).
        n_runs: Timed runs of the architecture, outliers included.
        n_rounds: Rounds it was measured in.
        n_outliers: Timed runs left out as slow outliers.
    """

    ratio: float
    raw_ms: float
    reference_ms: float
    spread: float
    ratio_spread: float
    n_runs: int
    n_rounds: int
    n_outliers: int


def _kept(runs: np.ndarray, z: float) -> np.ndarray:
    return runs[~outlier_mask(runs, z=z)]


def _visit_levels(visits: Sequence[np.ndarray], z: float,
                  stat: Callable[[np.ndarray], float]) -> np.ndarray:
    return np.array([stat(_kept(np.asarray(v, dtype=np.float64), z)) for v in visits])


def reference_level(visits: Sequence[np.ndarray], *, outlier_z: float = OUTLIER_Z,
                    visit_statistic: str = "min") -> float:
    """The reference's typical latency: the median over visits of each visit's statistic.

    It anchors normalised latencies (``ratio * reference_level``) in milliseconds. Taken
    with the same statistic as the ratios, it moves little with the host's load: in one run
    on a crowded host the reference's median over all runs rose from 4.6 to 8.8 ms between
    two runs, while the ratios, and so the ranking, held.

    Args:
        visits: The reference's timed runs (ms), one array per visit.
        outlier_z: Robust z-score above which a run is left out (per visit).
        visit_statistic: ``"min"`` or ``"median"``, as in :func:`summarize_timings`.

    Returns:
        Milliseconds; NaN without visits.
    """
    if not visits:
        return math.nan
    return float(np.median(_visit_levels(visits, outlier_z, VISIT_STATISTICS[visit_statistic])))


def summarize_timings(samples: Sequence[np.ndarray], reference: Sequence[np.ndarray], *,
                      outlier_z: float = OUTLIER_Z, visit_statistic: str = "min"
                      ) -> TimingSummary:
    """Summarise one key's rounds (see :func:`run_interleaved`).

    Args:
        samples: Per round, the architecture's timed runs (ms).
        reference: Per round, the reference's timed runs of the same visit (ms).
        outlier_z: Robust z-score above which a run is left out (per visit).
        visit_statistic: What a visit's ratio compares: ``"min"`` (its fastest run) or
            ``"median"`` (of its runs without outliers).

    Raises:
        ValueError: No rounds, a different number of architecture and reference rounds, or
            an unknown ``visit_statistic``.
    """
    check_choice("visit_statistic", visit_statistic, list(VISIT_STATISTICS))
    stat = VISIT_STATISTICS[visit_statistic]
    if not samples or len(samples) != len(reference):
        raise ValueError(f"Expected as many reference visits as architecture visits (>= 1); got "
                         f"{len(samples)} and {len(reference)}.")
    kept = [_kept(np.asarray(s, dtype=np.float64), outlier_z) for s in samples]
    ref_levels = _visit_levels(reference, outlier_z, stat)
    ratios = np.array([stat(s) for s in kept]) / ref_levels
    runs = np.concatenate(kept)
    return TimingSummary(
        ratio=float(np.median(ratios)),
        raw_ms=float(np.median(runs)),
        reference_ms=float(np.median(ref_levels)),
        spread=relative_iqr(runs),
        ratio_spread=relative_iqr(ratios),
        n_runs=int(sum(len(s) for s in samples)),
        n_rounds=len(samples),
        n_outliers=int(sum(len(s) for s in samples) - len(runs)),
    )
