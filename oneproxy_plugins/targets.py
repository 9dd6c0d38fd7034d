"""Adapting to a target device in one step: choose, measure, fit, estimate.

:func:`adapt_on_device` is what ``oneproxy adapt --measure-on DEVICE`` runs: it chooses the
architectures to measure with the sample chooser (:func:`~oneproxy_plugins.sampling.select_samples`),
measures them on the device (this host, or a board over SSH; see
:mod:`oneproxy_plugins.measure.remote`) with the careful protocol of
:func:`~oneproxy_plugins.measure.measure_archs`, fits the adapter, and estimates how well it
ranks by leave-one-out on the samples (:func:`loo_srcc`) and by the fit's own predictive
distribution (``posterior_srcc``). With ``until_srcc`` it measures more, a few at a time,
until the fit expects that SRCC: a device unlike the proxies gets the samples it needs, one
like them no more than ``k``. The measurements go to a resumable results file, so a run cut
short (a dropped connection) is continued by running it again.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.adaproxy import ProxyPool
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.spaces import get_space
    >>> from oneproxy_plugins.targets import adapt_on_device
    >>> space = get_space("nasbench201")
    >>> ids = [space.to_id(a) for a in space.sample_many(200, 0)]
    >>> x = space.encode_many(ids)
    >>> table = LatencyTable(ids, ["phone"], np.exp(x @ np.linspace(0.1, 0.5, x.shape[1]))[:, None],
    ...                      space=space.name)
    >>> result = adapt_on_device(ProxyPool(table, ["phone"]), "cpu-torch-t1-b1", k=5,
    ...                          build_cfg={"C": 4, "N": 1}, n_rounds=2, progress=False)
    >>> len(result.archs), -1.0 <= result.loo_srcc <= 1.0
    (5, True)
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_int, check_real
from oneproxy_plugins.adaproxy import ProxyPool, make_adapter
from oneproxy_plugins.adaproxy.joint import adapt_jointly
from oneproxy_plugins.exceptions import MeasurementError
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.sampling import greedy_method, select_samples

__all__ = ["measure_samples", "loo_predictions", "loo_srcc", "expected_srcc",
           "TargetAdaptation", "adapt_on_device"]


def measure_samples(space: Any, archs: Sequence[Any], device: Any, *,
                    out: str | os.PathLike | None = None, **options: Any) -> list[float]:
    """Measure architectures on a device together (interleaved, beside a reference) and
    return their latencies (ms) in order.

    Args:
        space: The search space (or its name).
        archs: The architectures or their ids.
        device: A device spec of this host, an ``ssh://`` board, a
            :class:`~oneproxy_plugins.measure.remote.RemoteDevice`, or a board of
            ``options["devices_file"]``.
        out: A results file, continued if it exists (so a cut run resumes); ``None`` keeps
            the results in memory.
        **options: Further arguments of :func:`~oneproxy_plugins.measure.measure_archs`
            (``build_cfg``, ``n_rounds``, ``devices_file``, ``progress``, ...).

    Raises:
        MeasurementError: An architecture failed on the device (named, with the reason), or
            the device could not be used.
    """
    return _measure(space, archs, device, out, options)[0]


def _measure(space: Any, archs: Sequence[Any], device: Any, out: str | os.PathLike | None,
             options: Mapping[str, Any]) -> tuple[list[float], Any]:
    from oneproxy_plugins.measure import measure_archs
    from oneproxy_plugins.spaces import get_space

    space = get_space(space)
    ids = [space.canonical_id(a) for a in archs]
    run = measure_archs(space, ids, device, out=out, resume=out is not None, **options)
    failed = {a: r.error for a, r in run.results.items() if not r.ok}
    if failed:
        arch, error = next(iter(failed.items()))
        raise MeasurementError(f"{len(failed)} of {len(ids)} architectures failed on "
                               f"{run.device}, e.g. {arch!r}: {error}")
    missing = [a for a in ids if a not in run.results]
    if missing:
        raise MeasurementError(f"{len(missing)} architectures are still being measured by "
                               f"another process sharing {out}; run again when it is done.")
    return [run.results[a].latency_ms for a in ids], run


def loo_predictions(fit: Callable[[list[str], list[float]], Any], archs: Sequence[str],
                    latency_ms: Sequence[float]) -> np.ndarray:
    """Each sample's latency predicted by a model fitted on the other samples.

    Args:
        fit: ``fit(archs, ms)`` returns a fitted model with ``predict(archs)``.
        archs: Sample architecture ids.
        latency_ms: Their measured latencies.

    Returns:
        Array of shape ``(len(archs),)``.
    """
    archs, ms = list(archs), [float(v) for v in latency_ms]
    out = np.empty(len(archs))
    for i in range(len(archs)):
        rest = [j for j in range(len(archs)) if j != i]
        model = fit([archs[j] for j in rest], [ms[j] for j in rest])
        out[i] = float(np.asarray(model.predict([archs[i]]))[0])
    return out


def loo_srcc(fit: Callable[[list[str], list[float]], Any], archs: Sequence[str],
             latency_ms: Sequence[float]) -> float:
    """Leave-one-out estimate of how well a fitted model ranks the target: the SRCC between
    the samples' measured latencies and their leave-one-out predictions.

    Noisy with few samples (with 10 samples, one swapped pair moves it by about 0.01), but
    computed from the target's own measurements alone: no other device's data.

    Returns:
        SRCC in [-1, 1]; NaN with fewer than 4 samples.
    """
    if len(archs) < 4:
        return math.nan
    return srcc(loo_predictions(fit, archs, latency_ms), latency_ms)


@dataclasses.dataclass(frozen=True)
class TargetAdaptation:
    """What :func:`adapt_on_device` did.

    Attributes:
        predictor: The fitted adapter (``predict(archs) -> ms``; saveable with
            :func:`~oneproxy_plugins.predictors.io.save_predictor`).
        method: The adaptation method's name.
        device: The device's name (the measurement table's column).
        archs: The measured architectures' ids.
        latency_ms: Their measured latencies, in order.
        loo_srcc: Leave-one-out SRCC estimate on the samples (see :func:`loo_srcc`).
        proxy_srcc: SRCC between the samples' latencies and the first proxy's: what using the
            proxy as is would give on them.
        n_reused: Samples found in the measurements file, not measured again.
        srcc_expected: The SRCC the final fit expects over the pool's architectures (the mean
            of its ``posterior_srcc``); ``None`` for a method without it.
        rounds: ``(samples, srcc_expected)`` after each round of measurement: one round
            without ``until_srcc``.
    """

    predictor: Any
    method: str
    device: str
    archs: list[str]
    latency_ms: list[float]
    loo_srcc: float
    proxy_srcc: float
    n_reused: int = 0
    srcc_expected: float | None = None
    rounds: list[tuple[int, float | None]] = dataclasses.field(default_factory=list)


def expected_srcc(model: Any) -> float | None:
    """The SRCC ``model`` expects over its pool's architectures, the mean of its
    ``posterior_srcc`` (``None`` for a method without it)."""
    if not hasattr(model, "posterior_srcc"):
        return None
    return float(np.mean(model.posterior_srcc()))


def adapt_on_device(pool: ProxyPool, device: Any, *, k: int = 10, method: str = "adaproxy",
                    proxy: str | None = None, sampler: str = "greedy", seed: int | None = 0,
                    samples: Sequence[Any] | None = None,
                    measurements: str | os.PathLike | None = None,
                    method_params: Mapping[str, Any] | None = None,
                    until_srcc: float | None = None, max_samples: int | None = None,
                    step: int = 5,
                    on_round: Callable[[int, float | None], None] | None = None,
                    companions: Mapping[str, tuple[Sequence[Any], Sequence[float]]] | None = None,
                    **measure_options: Any) -> TargetAdaptation:
    """Choose ``k`` architectures, measure them on ``device``, fit the adapter, estimate it;
    with ``until_srcc``, measure ``step`` more at a time until the fit expects that SRCC.

    Args:
        pool: The proxy pool (the proxies' full tables).
        device: Where to measure (see :func:`measure_samples`).
        k: Number of architectures to measure (>= 2; 10 is the paper's budget).
        method: The adaptation method (see :func:`~oneproxy_plugins.adaproxy.list_adapters`).
        proxy: The paper adapters' proxy (default: the pool's first device).
        sampler: ``"greedy"`` (default), ``"max-variance"``, ``"integrated"`` or ``"random"``
            (see :mod:`oneproxy_plugins.sampling`).
        seed: Seed of the choice.
        samples: Architectures to measure instead of choosing them.
        measurements: The results file of the measurements (resumable; see
            :func:`measure_samples`); ``None`` keeps them in memory.
        method_params: Further constructor arguments of the method's adapter.
        until_srcc: Measure more until the fit's expected SRCC over the pool's architectures
            (:func:`expected_srcc`) reaches this, in (0, 1]; default: ``k`` samples, once.
            Replayed on NAS-Bench-201's devices, each left out of HELP's nine proxies
            (``k=10``, 0.95, at most 30): 13.6 samples on average, mean SRCC 0.964 and worst
            device 0.864, where 15 for every device give 0.962 and 0.836
            (``benchmarks/adaptive_k.py``; docs/benchmarks.md, "How good is the fit?").
        max_samples: With ``until_srcc``: at most this many samples (default ``3 * k``).
        step: With ``until_srcc``: samples per further round, each chosen by the same
            sequence as the first ``k`` (the greedy choosers continue where they stopped).
        on_round: Called with ``(samples, expected SRCC)`` after each round's fit (what
            ``oneproxy adapt`` prints as the campaign goes).
        companions: Other targets' measurements, ``{name: (architectures, ms)}``: every fit
            (and every leave-one-out fit) is the ``adaproxy`` method's with their own fits as
            more proxies (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`).
        **measure_options: Arguments of :func:`~oneproxy_plugins.measure.measure_archs`.

    Returns:
        A :class:`TargetAdaptation`.

    Raises:
        ValueError: Bad ``k``, ``until_srcc``, ``max_samples`` or ``step``, ``until_srcc``
            with ``samples`` given, a method without ``posterior_srcc``, or ``companions``
            with a method other than ``"adaproxy"`` or a name that is not a non-empty str.
        MeasurementError: An architecture failed on the device.
    """
    params = dict(method_params or {})
    others = dict(companions or {})
    if others and method != "adaproxy":
        raise ValueError(f"companions need method='adaproxy'; got {method!r}.")
    bad = [n for n in others if not isinstance(n, str) or not n]
    if bad:
        raise ValueError(f"companion names must be non-empty strs; got {bad[0]!r}.")

    def fit(archs: list[str], latency: list[float]) -> Any:
        if others:  # the target is named "": no companion is
            return adapt_jointly(pool, {"": (archs, latency), **others}, targets=[""],
                                 **params)[""]
        return make_adapter(method, pool, proxy=proxy, **params).fit(archs, latency)

    if samples is None:
        k = check_int("k", k, 2)
        if sampler == "greedy":  # later rounds continue the first round's sequence
            sampler = greedy_method(pool, k)
        if seed is None:
            seed = int(np.random.default_rng().integers(2 ** 32))
        ids = select_samples(pool, k, method=sampler, random_state=seed)
    else:
        if until_srcc is not None:
            raise ValueError("until_srcc chooses the samples it measures; pass k, not samples.")
        ids = list(dict.fromkeys(pool.space.canonical_id(a) for a in samples))
    if until_srcc is not None:
        check_real("until_srcc", until_srcc, low=0.0, high=1.0, low_open=True)
        max_samples = check_int("max_samples", 3 * k if max_samples is None else max_samples,
                                k, why=" (at least k)")
        step = check_int("step", step, 1)
        if not hasattr(make_adapter(method, pool, proxy=proxy, **params), "posterior_srcc"):
            raise ValueError(f"until_srcc needs a method whose fit estimates its own SRCC "
                             f"(posterior_srcc); {method!r} has none.")
    ms, run = _measure(pool.space, ids, device, measurements, measure_options)
    n_reused = run.n_skipped
    model = fit(ids, ms)
    expected = expected_srcc(model)
    rounds = [(len(ids), expected)]
    if on_round is not None:
        on_round(len(ids), expected)
    while until_srcc is not None and expected < until_srcc and len(ids) < max_samples:
        wanted = min(len(ids) + step, max_samples, len(pool.archs))
        taken = set(ids)
        more = [a for a in select_samples(pool, wanted, method=sampler, random_state=seed)
                if a not in taken][:wanted - len(ids)]
        if not more:
            break
        more_ms, run = _measure(pool.space, more, device, measurements, measure_options)
        ids, ms, n_reused = ids + more, ms + more_ms, n_reused + run.n_skipped
        model = fit(ids, ms)
        expected = expected_srcc(model)
        rounds.append((len(ids), expected))
        if on_round is not None:
            on_round(len(ids), expected)

    rows = pool.rows(ids)
    # The pool's standardised log latency ranks as the proxy's own column does.
    proxy_z = pool.z[rows, pool.devices.index(proxy or pool.devices[0])]
    return TargetAdaptation(
        predictor=model, method=method, device=run.device, archs=ids, latency_ms=ms,
        loo_srcc=loo_srcc(fit, ids, ms),
        proxy_srcc=srcc(proxy_z, ms) if (rows >= 0).all() else math.nan,
        n_reused=n_reused, srcc_expected=expected, rounds=rounds)
