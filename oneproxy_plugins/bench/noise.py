"""The measurement noise floor: how well two independent runs on this host agree.

For each device, the same architectures are measured twice, one full run after the other,
with :func:`~oneproxy_plugins.measure.measure_archs`; the runs are compared by Spearman's
rank correlation (SRCC), on raw medians and on reference-normalised latencies, beside the
median relative spread (IQR / median) of the repeats. An SRCC near 1 means a single run's
ranking can be trusted.

Run it with ``oneproxy bench noise`` (the one command line; ``--study-statistics`` runs
:func:`study_visit_statistics` instead)::

    oneproxy bench noise --device cpu-torch-t1-b1 --device cpu-ort-t1-b1 \\
        --archs 200 --out-dir noise-runs --json noise.json

Example:
    >>> from oneproxy_plugins.bench.noise import run_noise_floor
    >>> result = run_noise_floor(["cpu-torch-t1-b1"], n_archs=4, n_rounds=2, n_repeats=2,
    ...                          build_cfg={"C": 4, "N": 1})
    >>> result["devices"]["cpu-torch-t1-b1"]["n_archs"]
    4
"""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.measure import MeasurementRun, measure_archs
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.spaces import get_space

__all__ = ["run_noise_floor", "compare_runs", "study_visit_statistics", "cpu_model",
           "format_result"]


def compare_runs(first: MeasurementRun, second: MeasurementRun) -> dict[str, float]:
    """Agreement of two runs over the architectures both measured.

    Returns:
        ``n_archs``; ``srcc_raw`` and ``srcc_normalized`` between the runs;
        ``median_spread`` (relative IQR of repeats) and ``median_ratio_spread`` (relative IQR
        of per-round ratios to the reference), medians over both runs' architectures;
        ``median_abs_diff_raw`` and ``median_abs_diff_normalized``, the median relative
        difference of an architecture's latency between the runs; the seconds of each run.
    """
    common = [a for a, r in first.results.items()
              if r.ok and a in second.results and second.results[a].ok]
    pairs = [(first.results[a], second.results[a]) for a in common]

    def column(attr: str, run: int) -> np.ndarray:
        return np.array([getattr(p[run], attr) for p in pairs])

    out: dict[str, float] = {"n_archs": len(common)}
    for name, attr in (("raw", "raw_ms"), ("normalized", "latency_ms")):
        a, b = column(attr, 0), column(attr, 1)
        out[f"srcc_{name}"] = srcc(a, b) if len(common) > 2 else float("nan")
        out[f"median_abs_diff_{name}"] = float(np.median(np.abs(a - b) / ((a + b) / 2)))
    out["median_spread"] = float(np.median(np.r_[column("spread", 0), column("spread", 1)]))
    out["median_ratio_spread"] = float(np.median(np.r_[column("ratio_spread", 0),
                                                       column("ratio_spread", 1)]))
    out["seconds_per_run"] = [round(first.seconds, 1), round(second.seconds, 1)]
    return out


def study_visit_statistics(device: str, *, space: str = "nasbench201", n_archs: int = 200,
                           arch_seed: int = 0, n_rounds: int = 10, n_warmup: int = 2,
                           n_repeats: int = 5, build_cfg: Mapping[str, Any] | None = None
                           ) -> dict[str, float]:
    """Time the same architectures twice and score each visit statistic on the same timings.

    Both runs are interleaved rounds beside the reference (as :func:`measure_archs` does);
    each is then summarised with ``visit_statistic`` ``"min"`` and ``"median"``, over all
    rounds and over the first half of them, and raw (the median of the runs, no reference).

    Returns:
        ``"<statistic>, <n> rounds" -> SRCC`` between the two runs.
    """
    torch = optional_import("torch")

    from oneproxy_plugins.measure import DeviceSpec, resolve_runtime
    from oneproxy_plugins.measure.timing import fixed_threads, run_interleaved, summarize_timings

    sp, spec = get_space(space), DeviceSpec.parse(device)
    runtime, cfg = resolve_runtime(spec), dict(build_cfg or {})
    runtime.check_available(spec)
    ids = [sp.to_id(a) for a in sp.sample_many(n_archs, arch_seed)]
    x = torch.randn(sp.input_shape(spec.batch_size, **cfg))
    runs = []
    with fixed_threads(spec.threads):
        reference = runtime.prepare(sp.build(sp.sample(0), **cfg), x, spec)
        for seed in (1, 2):
            runners = {a: runtime.prepare(sp.build(a, **cfg), x, spec) for a in ids}
            runs.append(run_interleaved(runners, reference, n_rounds=n_rounds,
                                        n_warmup=n_warmup, n_repeats=n_repeats,
                                        timer=runtime.timer(spec), seed=seed))
            del runners
    out = {}
    for rounds in (n_rounds, max(1, n_rounds // 2)):
        for statistic in ("min", "median"):
            scores = [[summarize_timings(t.samples[a][:rounds], t.reference[a][:rounds],
                                         visit_statistic=statistic) for a in ids] for t in runs]
            out[f"{statistic}, {rounds} rounds"] = srcc([s.ratio for s in scores[0]],
                                                        [s.ratio for s in scores[1]])
            if statistic == "median":
                out[f"raw median, {rounds} rounds"] = srcc([s.raw_ms for s in scores[0]],
                                                           [s.raw_ms for s in scores[1]])
    return out


def cpu_model() -> str:
    """The processor's model name (``lscpu``'s "Model name"), or ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_noise_floor(devices: Sequence[str], *, space: str = "nasbench201", n_archs: int = 200,
                    arch_seed: int = 0, n_rounds: int = 10, n_warmup: int = 2,
                    n_repeats: int = 5, visit_statistic: str = "min",
                    build_cfg: Mapping[str, Any] | None = None,
                    out_dir: str | os.PathLike | None = None, progress: bool = False
                    ) -> dict[str, Any]:
    """Measure the same architectures twice per device and compare the two runs.

    Args:
        devices: Device specs, e.g. ``["cpu-torch-t1-b1", "cpu-ort-t1-b1"]``.
        space: Space name.
        n_archs: Distinct architectures drawn with ``arch_seed``.
        arch_seed: Seed of the architecture draw.
        n_rounds, n_warmup, n_repeats, visit_statistic: Passed to :func:`measure_archs`.
        build_cfg: Passed to :func:`measure_archs`.
        out_dir: Where the runs' tables go (``<device>-run<i>.csv``; kept, resumable);
            default a temporary folder, removed afterwards.
        progress: Show progress bars.

    Returns:
        JSON-ready dict: the settings, the host (CPU model, cores) and, per device, the
        statistics of :func:`compare_runs`.
    """
    sp = get_space(space)
    archs = sp.sample_many(n_archs, arch_seed)
    result: dict[str, Any] = {
        "space": space, "n_archs": n_archs, "arch_seed": arch_seed, "n_rounds": n_rounds,
        "n_warmup": n_warmup, "n_repeats": n_repeats, "visit_statistic": visit_statistic,
        "build_cfg": dict(build_cfg or {}),
        "host": {"cpu": cpu_model(), "cores": os.cpu_count()}, "devices": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(out_dir) if out_dir is not None else Path(tmp)
        for device in devices:
            # The two runs differ in visiting order (seed) as two users' runs would.
            runs = [measure_archs(sp, archs, device, out=folder / f"{device}-run{i}.csv",
                                  resume=True, n_rounds=n_rounds, n_warmup=n_warmup,
                                  n_repeats=n_repeats, visit_statistic=visit_statistic,
                                  build_cfg=build_cfg, seed=i,
                                  progress=progress)
                    for i in (1, 2)]
            result["devices"][device] = compare_runs(*runs)
    return result


def format_result(result: Mapping[str, Any]) -> str:
    """The table ``oneproxy bench noise`` prints for a :func:`run_noise_floor` result."""
    lines = [f"{result['space']}, {result['n_archs']} architectures, {result['n_rounds']} rounds "
             f"x ({result['n_warmup']} warm-up + {result['n_repeats']} timed), visits "
             f"compared by their {result['visit_statistic']}; "
             f"{result['host']['cpu']}, {result['host']['cores']} cores",
             f"{'device':<18} {'spread':>7} {'ratio spread':>12} {'SRCC raw':>9} "
             f"{'SRCC norm':>9} {'s/run':>12}"]
    for device, s in result["devices"].items():
        lines.append(f"{device:<18} {s['median_spread']:>7.3f} {s['median_ratio_spread']:>12.3f} "
                     f"{s['srcc_raw']:>9.4f} {s['srcc_normalized']:>9.4f} "
                     f"{'/'.join(f'{x:.0f}' for x in s['seconds_per_run']):>12}")
    return "\n".join(lines)
