"""Issue 17 item 4: the Myriad VPU alone as the proxy, desktop GPUs as targets.

The 1,999 NAS-Bench-201 cells of OneProxy's subset (``latency_subset1999.csv``) are also in
HELP's full table (``latency.csv``), so its desktop GPUs (``1080ti_*``, ``2080ti_*``,
``titan_rtx_*``, ``titanx_*``, ``titanxp_*``) are real VPU -> desktop GPU pairs on those cells.
The pool is ``nnmeter_myriadvpu`` alone; every other device of the data is a target, scored as
``oneproxy bench fewshot --protocol all`` scores it (greedy sampler, seed 0, the same samples).
Each candidate of a small grid of ``AdaProxyPredictor`` parameters is scored on every device;
a desktop GPU's LODO figure is that of the candidate with the best mean over the devices
*outside its hardware group* (``titanx_1``: chosen without any ``titanx_*``; ``--strict``:
without any desktop GPU), so nothing about the scored GPU goes into the choice. Prints, per K,
the mean and the worst desktop GPU of the previous default (``live_boost=0``), of the default,
and of the LODO choice, and the fit and predict times (fit on K=10 samples; predict all
15,625 cells of the space, 13,626 of them outside the VPU's table).

``--rule PROXIES`` checks ``live_boost="auto"``'s rule instead: each device of ``PROXIES``
alone as the proxy, K=10, every other device a target; the mean over HELP's devices (measured
on every cell) and over the subset's, with ``live_boost`` 0, ``"auto"`` and ``(0, 30)``.

Usage:
    python benchmarks/vpu_gpu.py ../shared/data [--samples 5,10,20] [--repeats 30] [--json OUT]
    python benchmarks/vpu_gpu.py ../shared/data --rule pixel3,eagle_i7_7820x --repeats 5
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.latency import LatencyTable, load_data_dir
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.sampling import select_samples

PROXY = "nnmeter_myriadvpu"
GPU_FAMILIES = ("1080ti", "2080ti", "titan_rtx", "titanx", "titanxp")
GRID: list[dict[str, Any]] = [
    {"live_boost": 0.0}, {}, {"guard": "none", "live_boost": 0.0}, {"guard": "none"},
    {"live_boost": 30.0}, {"guard": "none", "live_boost": 30.0}]
"""Candidate parameters: the previous default (``live_boost=0``), the default, and variants."""
RULE_GRID: list[dict[str, Any]] = [{"live_boost": 0.0}, {}, {"live_boost": [0.0, 30.0]}]


def group(device: str) -> str:
    """A desktop GPU's hardware (``titanx_32`` -> ``titanx``); other devices are their own."""
    head = device.rsplit("_", 1)[0]
    return head if head in GPU_FAMILIES else device


def score_grid(table: LatencyTable, pool: ProxyPool, targets: Sequence[str], k: int,
               repeats: int, grid: Sequence[Mapping[str, Any]], seed: int = 0) -> np.ndarray:
    """Mean SRCC ``(len(grid), len(targets))`` as ``oneproxy bench fewshot --protocol all``
    scores it (repeat ``r`` of target ``i`` samples with the seed ``seed * 1_000_003 + 1000 * i
    + r``), the samples chosen once and shared by every candidate."""
    scores = np.zeros((len(grid), len(targets)))
    rows = table.rows_of(pool.archs)
    for i, t in enumerate(targets):
        y = table.column(t)[rows]
        measured = np.isfinite(y)
        truth = y[measured]
        candidates = [a for a, m in zip(pool.archs, measured) if m]
        for r in range(repeats):
            rng = np.random.default_rng(seed * 1_000_003 + 1000 * i + r)
            chosen = select_samples(pool, k, candidates=candidates, random_state=rng)
            target = table.column(t)[table.rows_of(chosen)]
            for c, params in enumerate(grid):
                model = AdaProxyPredictor(pool, **params).fit(chosen, target)
                scores[c, i] += srcc(model.predict(candidates), truth) / repeats
    return scores


def timings(table: LatencyTable, pool: ProxyPool, k: int = 10, n: int = 50
            ) -> tuple[float, float, float]:
    """Median ms to fit the default on ``k`` samples, to predict all cells of the space with
    ``predict`` (encoding those outside the pool's table), and from their basis (NaN where
    the default models two scales, each on its own basis)."""
    space_archs = table.archs
    y = table.column("titanx_1")
    fit_ms, predict_ms, basis_ms = [], [], []
    for r in range(n):
        chosen = select_samples(pool, k, random_state=r)
        model = AdaProxyPredictor(pool)
        start = time.perf_counter()
        model.fit(chosen, y[table.rows_of(chosen)])
        fit_ms.append(1e3 * (time.perf_counter() - start))
        if model.components_ is None:
            if r == 0:  # the basis of the pool in the scale modelled (the same every fit)
                z, feats = model.pool_.basis(space_archs)
            start = time.perf_counter()
            model.predict_log_basis(z, feats)
            basis_ms.append(1e3 * (time.perf_counter() - start))
        if r < 5:
            start = time.perf_counter()
            model.predict(space_archs)
            predict_ms.append(1e3 * (time.perf_counter() - start))
    return (float(np.median(fit_ms)), float(np.median(predict_ms)),
            float(np.median(basis_ms)) if basis_ms else float("nan"))


def check_rule(table: LatencyTable, proxies: Sequence[str], repeats: int) -> dict[str, Any]:
    """``--rule``: each proxy alone, K=10, the means over HELP's and the subset's devices."""
    out = {}
    full = {d for d in table.devices if np.isfinite(table.column(d)).all()}
    for proxy in proxies:
        pool = ProxyPool(table, [proxy])
        targets = [d for d in table.devices if d != proxy]
        scores = score_grid(table, pool, targets, 10, repeats, RULE_GRID)
        help_cols = [j for j, t in enumerate(targets) if t in full]
        other = [j for j in range(len(targets)) if j not in help_cols]
        out[proxy] = {"live_path_share": float(pool.live_path_share()[0]),
                      "help": scores[:, help_cols].mean(axis=1).tolist(),
                      "subset": scores[:, other].mean(axis=1).tolist()}
        print(f"{proxy} (live-path share {out[proxy]['live_path_share']:.3f}): "
              + "; ".join(f"{p}: HELP's {h:.4f}, subset's {s:.4f}" for p, h, s in
                          zip(RULE_GRID, out[proxy]["help"], out[proxy]["subset"])), flush=True)
    return out


def run(table: LatencyTable, ks: Sequence[int], repeats: int, strict: bool) -> dict[str, Any]:
    """The VPU -> desktop GPU table (see the module docstring)."""
    targets = [d for d in table.devices if d != PROXY]
    gpus = [d for d in targets if group(d) in GPU_FAMILIES]
    cols = [targets.index(d) for d in gpus]
    pool = ProxyPool(table, [PROXY])
    out: dict[str, Any] = {"grid": GRID, "gpus": gpus, "samples": {}}
    for k in ks:
        scores = score_grid(table, pool, targets, k, repeats, GRID)  # (candidate, device)
        chosen = {}
        for d in gpus:
            inner = [j for j, e in enumerate(targets)
                     if e != d and (group(e) not in GPU_FAMILIES if strict
                                    else group(e) != group(d))]
            chosen[d] = int(np.argmax(scores[:, inner].mean(axis=1)))
        lodo = np.array([scores[chosen[d], targets.index(d)] for d in gpus])
        counts = np.bincount(list(chosen.values()), minlength=len(GRID)).tolist()
        out["samples"][k] = {"lodo": dict(zip(gpus, lodo.tolist())), "chosen_counts": counts,
                             "all_devices": [dict(zip(targets, s)) for s in scores.tolist()]}
        line = [f"K={k}:"]
        for name, c in (("previous default", 0), ("default", 1)):
            g = scores[c, cols]
            line.append(f"{name} {g.mean():.4f} (worst {g.min():.3f} {gpus[int(g.argmin())]});")
        line.append(f"LODO-chosen {lodo.mean():.4f} (worst {lodo.min():.3f} "
                    f"{gpus[int(lodo.argmin())]}), chosen {counts}")
        print(" ".join(line), flush=True)
        for c, params in enumerate(GRID):
            print(f"    {params}: desktop GPUs {scores[c, cols].mean():.4f} (worst "
                  f"{scores[c, cols].min():.3f}), every device {scores[c].mean():.4f}")
    fit, predict, basis = timings(table, pool)
    out.update(fit_ms_k10=fit, predict_ms_15625=predict, predict_basis_ms_15625=basis)
    print(f"default: fit K=10 {fit:.2f} ms; predict 15,625 cells {predict:.1f} ms "
          f"(from their basis {basis:.2f} ms) (medians)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--samples", default="5,10,20")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--strict", action="store_true",
                        help="choose without any desktop GPU, not only the scored one's group")
    parser.add_argument("--rule", help="check live_boost='auto' with these proxies alone")
    parser.add_argument("--json")
    args = parser.parse_args()
    table = load_data_dir([args.data], "nasbench201")
    if args.rule:
        out: dict[str, Any] = {"grid": RULE_GRID,
                               "rule": check_rule(table, args.rule.split(","), args.repeats)}
    else:
        out = run(table, [int(s) for s in args.samples.split(",")], args.repeats, args.strict)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
