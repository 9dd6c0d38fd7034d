"""Which ten cells to measure for a one-proxy search? Variants of the front chooser, scored as
`benchmarks/search_guard.py` scores the default (`oneproxy bench search --optimizer exhaustive`,
NAS-Bench-201, CIFAR-10, pixel3, the same 32 targets, K=10, the default adapter, each target
adapted from its own samples under the proxy's prior alone: `--alone --prior-devices none`).

Usage: python benchmarks/search_chooser.py DATA_DIR OUT_DIR [--seeds 0-9]
           [--chooser JSON] [--two-rounds K1 [--second-share 0.1]] [--tag NAME]

- ``--chooser``: keyword arguments of :func:`oneproxy_plugins.sampling.select_front_samples`
  (e.g. '{"share": 0.35}' or '{"floor_samples": 2}');
- ``--two-rounds K1``: measure in two rounds. The chooser picks the first K1 cells as now; the
  adapter fitted on them ranks the candidates into non-dominated layers under its own
  predictions, and the other 10 - K1 go to the largest posterior variance left (given the
  first K1, the chooser's greedy rule) among the best ``--second-share`` of them, above the
  metric's floor.

Without a variant it reproduces `search_guard.py --alone --prior-devices none`'s default line
exactly. Each seed's result is written to OUT_DIR/<tag>_s<seed>.json and reused when present
(resumable); prints the `search_guard.py` summary line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from oneproxy_plugins._io import cached_json
from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.bench.search import run_search_bench, score_set
from oneproxy_plugins.fronts import nondominated_rank, pareto_mask
from oneproxy_plugins.latency import load_tabular
from oneproxy_plugins.sampling import _feature_map, select_front_samples, target_seed
from oneproxy_plugins.spaces import get_space
from search_guard import FULL, SUBSET, seeds_of, summary

K = 10
DIRECTIONS = ["maximize", "minimize"]


def second_round(pool: ProxyPool, model: AdaProxyPredictor, ids: list[str], acc: np.ndarray,
                 first: list[str], k: int, share: float, floor: float = 0.1,
                 noise: float = 1e-2) -> list[str]:
    """``k`` more cells: the best ``share`` of ``ids`` under ``model``'s predictions (above the
    metric's floor, not in ``first``), by the largest posterior variance given ``first``."""
    rank = nondominated_rank(np.c_[acc, model.predict(ids)], DIRECTIONS)
    cutoff = int(np.sort(rank)[max(int(np.ceil(share * len(ids))), k) - 1])
    at_floor = acc - acc.min() < floor * float(np.ptp(acc))
    taken = set(first)
    kept = [ids[i] for i in np.flatnonzero((rank <= cutoff) & ~at_floor) if ids[i] not in taken]
    rows = np.r_[pool.rows(first), pool.rows(kept)]
    resid = _feature_map(pool, rows)
    var = np.sum(resid ** 2, axis=1)
    free = np.r_[np.zeros(len(first), bool), np.ones(len(kept), bool)]
    chosen = []
    for step in range(len(first) + k):
        if step < len(first):
            i = step  # condition on the first round
        else:
            i = int(np.argmax(np.where(free, var, -np.inf)))
            chosen.append(i)
        v = resid[i] / np.sqrt(max(var[i], 0.0) + noise)
        proj = resid @ v
        resid -= np.outer(proj, v)
        var -= proj ** 2
        free[i] = False
    return [pool.archs[rows[i]] for i in chosen]


def run_seed(table: Any, acc_of: dict, pool: ProxyPool, targets: list[str], seed: int,
             chooser: dict, first_k: int | None, second_share: float,
             proxy_name: str = "pixel3") -> dict[str, Any]:
    """One seed over every target: ``run_search_bench``'s result shape (``samples``, ``seed``,
    ``targets``: ``hv_ratio``, ``front_recall``, ``set_size``...), ``pool`` the proxy's."""
    archs, proxy = table.archs, table.column(proxy_name)
    acc_all = np.array([acc_of.get(a, np.nan) for a in archs])
    scores = {}
    for target in targets:
        y = table.column(target)
        rows = np.flatnonzero(np.isfinite(y) & np.isfinite(proxy) & np.isfinite(acc_all))
        ids, acc = [archs[r] for r in rows], acc_all[rows]
        rng = target_seed(seed, target)
        chosen = select_front_samples(pool, first_k or K, acc, candidates=ids, random_state=rng,
                                      **chooser)
        if first_k:
            model = AdaProxyPredictor(pool).fit(chosen, y[table.rows_of(chosen)])
            chosen = chosen + second_round(pool, model, ids, acc, chosen, K - first_k,
                                           second_share)
        model = AdaProxyPredictor(pool).fit(chosen, y[table.rows_of(chosen)])
        in_set = pareto_mask(np.c_[acc, model.predict(ids)], DIRECTIONS)
        scores[target] = score_set(acc, y[rows], in_set)
    return {"samples": K, "seed": seed, "chooser": chooser, "first_round": first_k,
            "second_share": second_share if first_k else None, "targets": scores}


def main(data: str, out: str, seeds: list[int], chooser: dict, first_k: int | None,
         second_share: float, tag: str) -> None:
    if first_k is not None and not 1 <= first_k < K:
        raise ValueError(f"--two-rounds must be between 1 and {K - 1}; got {first_k}.")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    space = get_space("nasbench201")
    targets = FULL + SUBSET
    table, accuracy = load_tabular(space, [data], ["pixel3", *targets], "cifar10")
    acc_of = dict(zip(accuracy.archs, accuracy.column("cifar10")))
    pool = ProxyPool(table, ["pixel3"], space=space)
    raw = cached_json(out_dir / "raw.json", lambda: run_search_bench(
        "nasbench201", [data], accuracy="cifar10", proxy="pixel3", targets=targets,
        samples=0, table=table, accuracy_table=accuracy))
    runs = [cached_json(out_dir / f"{tag}_s{seed}.json", lambda seed=seed: run_seed(
        table, acc_of, pool, targets, seed, chooser, first_k, second_share)) for seed in seeds]
    print(f"{tag}: {summary(raw, runs, FULL)}")

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--chooser", type=json.loads, default={},
                        help="select_front_samples keyword arguments, JSON")
    parser.add_argument("--two-rounds", type=int, default=None, metavar="K1",
                        help="measure K1 cells first, the rest after a fit")
    parser.add_argument("--second-share", type=float, default=0.1,
                        help="the share of the candidates the second round chooses among")
    parser.add_argument("--tag", default="chooser", help="names the result files")
    args = parser.parse_args()
    main(args.data, args.out, seeds_of(args.seeds), args.chooser, args.two_rounds,
         args.second_share, args.tag)
