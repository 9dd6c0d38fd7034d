"""Exhaustive front search with a pool of proxies: is each target's predicted Pareto set its own?

`oneproxy bench search` adapts from one proxy. Here the adapter sees HELP's nine NAS-Bench-201
proxies instead, as a user with several measured devices would use it: for each target outside
the pool and each seed, K=10 samples chosen by the front chooser
(:func:`~oneproxy_plugins.sampling.select_front_samples`, the same per-target seed as
`bench search`), the adapter fitted with each setting, the predicted Pareto set of CIFAR-10
accuracy against predicted latency over every cell the target measured, and its hv_ratio and
front_recall with the target's true latency (as `bench search` scores them). Prints, per
setting, the mean and minimum hv_ratio and the mean front_recall over the targets measured on
every cell and over the 1,999-cell subset's.

Usage: python benchmarks/search_pool.py DATA_DIR [--seeds 0-9] [--settings JSON]
(default settings: '{"live_boost=0": {"live_boost": 0}, "default": {}}')
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.bench.search import _target_seed, score_set
from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.latency import load_tabular
from oneproxy_plugins.sampling import select_front_samples
from oneproxy_plugins.spaces import get_space
from search_guard import FULL, SUBSET
from search_steer import seeds_of

POOL = ("1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,"
        "essential_ph_1,samsung_s7").split(",")


def main(data: str, seeds: list[int], settings: dict[str, dict]) -> None:
    space = get_space("nasbench201")
    targets = [t for t in FULL if t not in POOL] + SUBSET
    table, accuracy = load_tabular(space, [data], POOL + targets, "cifar10")
    archs = table.archs
    acc_of = dict(zip(accuracy.archs, accuracy.column("cifar10")))
    acc = np.array([acc_of.get(a, np.nan) for a in archs])
    pool = ProxyPool(table, POOL, space=space)
    print("| setting | full-table targets: hv_ratio mean / min, front_recall | subset "
          "targets: hv_ratio mean / min, front_recall |")
    print("| --- | --- | --- |")
    for name, params in settings.items():
        scores: dict[str, list[dict]] = {}
        for target in targets:
            y = table.column(target)
            rows = np.flatnonzero(np.isfinite(y) & np.isfinite(acc))
            ids = [archs[r] for r in rows]
            scores[target] = []
            for seed in seeds:
                chosen = select_front_samples(pool, 10, acc[rows], candidates=ids,
                                              random_state=_target_seed(seed, target))
                model = AdaProxyPredictor(pool, **params).fit(chosen,
                                                              y[table.rows_of(chosen)])
                in_set = pareto_mask(np.c_[acc[rows], model.predict(ids)],
                                     ["maximize", "minimize"])
                scores[target].append(score_set(acc[rows], y[rows], in_set))

        def summary(group: list[str]) -> str:
            hv = [s["hv_ratio"] for t in group for s in scores[t]]
            recall = [s["front_recall"] for t in group for s in scores[t]]
            return f"{np.mean(hv):.4f} / {np.min(hv):.4f}, {np.mean(recall):.3f}"

        print(f"| {name} | {summary([t for t in targets if t in FULL])} | {summary(SUBSET)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--settings", type=json.loads,
                        default={"live_boost=0": {"live_boost": 0}, "default": {}})
    args = parser.parse_args()
    main(args.data, seeds_of(args.seeds), args.settings)
