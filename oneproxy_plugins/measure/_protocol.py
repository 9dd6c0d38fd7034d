"""The timing protocol's inner loops: one visit, and interleaved rounds beside a reference.

Self-contained on purpose: this file needs only Python 3 and NumPy and imports nothing from
this package, because it is also copied, unchanged, to remote boards, where the board runner
(:mod:`~oneproxy_plugins.measure._board_runner`) times networks with it. A network timed on
this host (:func:`~oneproxy_plugins.measure.timing.run_interleaved`) and on a board over SSH
(:mod:`~oneproxy_plugins.measure.remote`) therefore goes through the same code: the same
warm-up, repeats, budget, visiting orders and reference placement. The robust summaries are
computed on the host in both cases (:func:`~oneproxy_plugins.measure.timing.summarize_timings`).

Keep it compatible with Python 3.8 and NumPy 1.17 (what older boards have): no ``match``, no
``X | Y`` types at run time, nothing beyond ``numpy.random.default_rng``.
"""

import contextlib
import gc
import math
import time

import numpy as np


class ReferenceFailed(RuntimeError):
    """The reference network raised; the whole chunk is void."""


def wall_timer(fn):
    """Run ``fn`` once; wall-clock milliseconds (``time.perf_counter``)."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def reason(exc):
    """``"TypeError: message"`` on one line, at most 500 characters."""
    text = " ".join("{}: {}".format(type(exc).__name__, exc).split())
    return text if len(text) <= 500 else text[:497] + "..."


@contextlib.contextmanager
def gc_paused():
    """No garbage collection inside the block: a collection mid-run is noise, as timeit knows."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def time_runs(fn, n_warmup, n_repeats, budget_s=math.inf, timer=wall_timer):
    """One visit: ``n_warmup`` discarded runs, then up to ``n_repeats`` timed runs (ms).

    Timing stops once ``budget_s`` (warm-up included) is spent, after at least one timed run.
    """
    deadline = time.perf_counter() + budget_s
    samples = []
    with gc_paused():
        for _ in range(n_warmup):
            fn()
        for _ in range(n_repeats):
            samples.append(timer(fn))
            if time.perf_counter() >= deadline:
                break
    return np.asarray(samples, dtype=np.float64)


def interleave(runners, reference, n_rounds, n_warmup, n_repeats, budget_s=math.inf,
               timer=wall_timer, seed=0, on_visit=None):
    """Visit every runner once per round, in a new random order, each beside the reference.

    The reference is visited right before the runner in even rounds and right after it in odd
    rounds, so neither side always runs on caches the other warmed. ``budget_s`` is per key
    over all rounds, spread evenly (the reference's visits get the same share).

    Returns:
        ``(samples, reference_samples, errors)``: per key, one array of timed runs per round;
        the reference's timed runs of the same visits; the keys whose run raised, with the
        reason (they are visited no more).

    Raises:
        ReferenceFailed: The reference raised (chained to its exception).
    """
    rng = np.random.default_rng(seed)
    keys = list(runners)
    visit_budget = budget_s / n_rounds
    samples = {k: [] for k in keys}
    ref_samples = {k: [] for k in keys}
    errors = {}

    def visit_reference():
        try:
            return time_runs(reference, n_warmup, n_repeats, visit_budget, timer)
        except Exception as exc:
            raise ReferenceFailed("The reference network failed: " + reason(exc)) from exc

    for round_ in range(n_rounds):
        for i in rng.permutation(len(keys)):
            key = keys[i]
            if key in errors:
                continue
            ref = visit_reference() if round_ % 2 == 0 else None
            try:
                runs = time_runs(runners[key], n_warmup, n_repeats, visit_budget, timer)
            except Exception as exc:
                errors[key] = reason(exc)
                continue
            finally:
                if on_visit is not None:
                    on_visit(key)
            if ref is None:
                ref = visit_reference()
            samples[key].append(runs)
            ref_samples[key].append(ref)
    return samples, ref_samples, errors
