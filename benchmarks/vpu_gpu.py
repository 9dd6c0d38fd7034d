"""Issue 17 item 4: the Myriad VPU alone as the proxy, desktop GPUs as targets.

The 1,999 NAS-Bench-201 cells of OneProxy's subset (``latency_subset1999.csv``) are also in
HELP's full table (``latency.csv``), so its desktop GPUs (``1080ti_*``, ``2080ti_*``,
``titan_rtx_*``, ``titanx_*``, ``titanxp_*``) are real VPU -> desktop GPU pairs on those cells.
The pool is ``nnmeter_myriadvpu`` alone; every other device of the data is a target
(``oneproxy bench fewshot --protocol all``, greedy sampler, seed 0). Each candidate of a
small grid of ``AdaProxyPredictor`` parameters is scored on every device; a desktop GPU's
figure is that of the candidate with the best mean over the devices *outside its hardware
group* (``titanx_1``: chosen without any ``titanx_*``; ``--strict``: without any desktop GPU),
so nothing about the scored GPU goes into the choice. Prints, per K, the mean and the worst
desktop GPU of the default parameters and of the chosen ones, and the fit and predict times
(fit on K samples; predict all 15,625 cells of the space).

Usage:
    python benchmarks/vpu_gpu.py ../shared/data [--samples 5,10,20] [--repeats 30] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.sampling import select_samples

PROXY = "nnmeter_myriadvpu"
GPU_FAMILIES = ("1080ti", "2080ti", "titan_rtx", "titanx", "titanxp")
GRID = [{}, {"guard": "none"}, {"live_boost": 10.0}, {"guard": "none", "live_boost": 10.0},
        {"live_boost": 30.0}, {"guard": "none", "live_boost": 30.0}]
"""Candidate parameters; ``{}`` is the default."""


def group(device: str) -> str:
    """A desktop GPU's hardware (``titanx_32`` -> ``titanx``); other devices are their own."""
    head = device.rsplit("_", 1)[0]
    return head if head in GPU_FAMILIES else device


def score_grid(table, pool: ProxyPool, targets: list[str], k: int, repeats: int,
               seed: int = 0) -> np.ndarray:
    """Mean SRCC ``(len(GRID), len(targets))``, as ``oneproxy bench fewshot --protocol all``
    scores it (same samples: repeat ``r`` of target ``i`` seeded ``seed * 1_000_003 + 1000 * i
    + r``), the samples chosen once and shared by every candidate."""
    scores = np.zeros((len(GRID), len(targets)))
    for i, t in enumerate(targets):
        y = table.column(t)
        rows = table.rows_of(pool.archs)
        measured = np.isfinite(y[rows])
        z, feats = pool.z[measured], pool.features[measured]
        truth = y[rows][measured]
        candidates = [a for a, m in zip(pool.archs, measured) if m]
        for r in range(repeats):
            rng = np.random.default_rng(seed * 1_000_003 + 1000 * i + r)
            chosen = select_samples(pool, k, candidates=candidates, random_state=rng)
            target = y[table.rows_of(chosen)]
            for c, params in enumerate(GRID):
                model = AdaProxyPredictor(pool, **params).fit(chosen, target)
                scores[c, i] += srcc(model.predict_log_basis(z, feats), truth) / repeats
    return scores


def timings(table, k: int, params: dict, n: int = 50) -> tuple[float, float]:
    """Median ms to fit on ``k`` samples and to predict all 15,625 cells of the space."""
    pool = ProxyPool(table, [PROXY])
    space_archs = table.archs
    y = table.column("titanx_1")
    fit_ms, predict_ms = [], []
    for r in range(n):
        chosen = select_samples(pool, k, random_state=r)
        target = y[table.rows_of(chosen)]
        model = AdaProxyPredictor(pool, **params)
        start = time.perf_counter()
        model.fit(chosen, target)
        fit_ms.append(1e3 * (time.perf_counter() - start))
        if r < 10:
            start = time.perf_counter()
            model.predict(space_archs)
            predict_ms.append(1e3 * (time.perf_counter() - start))
    return float(np.median(fit_ms)), float(np.median(predict_ms))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--samples", default="5,10,20")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--strict", action="store_true",
                        help="choose without any desktop GPU, not only the scored one's group")
    parser.add_argument("--json")
    args = parser.parse_args()
    table = load_data_dir([args.data], "nasbench201")
    targets = [d for d in table.devices if d != PROXY]
    gpus = [d for d in targets if group(d) in GPU_FAMILIES]
    pool = ProxyPool(table, [PROXY])
    out: dict = {"grid": GRID, "gpus": gpus, "samples": {}}
    for k in (int(s) for s in args.samples.split(",")):
        scores = score_grid(table, pool, targets, k, args.repeats)  # (candidate, device)
        chosen = {}
        for d in gpus:
            inner = [j for j, e in enumerate(targets)
                     if e != d and (group(e) not in GPU_FAMILIES if args.strict
                                    else group(e) != group(d))]
            chosen[d] = int(np.argmax(scores[:, inner].mean(axis=1)))
        cols = [targets.index(d) for d in gpus]
        default = scores[0, cols]
        lodo = np.array([scores[chosen[d], targets.index(d)] for d in gpus])
        counts = np.bincount(list(chosen.values()), minlength=len(GRID)).tolist()
        out["samples"][k] = {
            "default": dict(zip(gpus, default.tolist())), "lodo": dict(zip(gpus, lodo.tolist())),
            "chosen_counts": counts,
            "all_devices": {str(GRID[c]): dict(zip(targets, scores[c].tolist()))
                            for c in range(len(GRID))}}
        print(f"K={k}: default mean {default.mean():.4f} worst {default.min():.3f} "
              f"({gpus[int(default.argmin())]}); LODO-chosen mean {lodo.mean():.4f} worst "
              f"{lodo.min():.3f} ({gpus[int(lodo.argmin())]}); chosen {counts} of {GRID}",
              flush=True)
        for c, params in enumerate(GRID):
            print(f"    {params}: desktop GPUs {scores[c, cols].mean():.4f}, every device "
                  f"{scores[c].mean():.4f}")
    best = GRID[int(np.argmax(np.bincount(
        list(chosen.values()), minlength=len(GRID))))] if gpus else {}
    fit, predict = timings(table, 10, best)
    out["fit_ms_median_k10"], out["predict_ms_median_15625"] = fit, predict
    print(f"timing ({best}): fit K=10 {fit:.2f} ms, predict 15,625 cells {predict:.2f} ms "
          "(medians)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
