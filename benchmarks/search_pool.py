"""Exhaustive front search with a pool of proxies: is each target's predicted Pareto set its own?

`oneproxy bench search --adapt-with` with HELP's nine NAS-Bench-201 proxies (pixel3, the
study's proxy, and eight more), as a user with several measured devices would adapt: for each
target outside the pool and each seed, K=10 samples chosen by the front chooser, the adapter
fitted with each setting, the predicted Pareto set over every cell the target measured, scored
with the target's true latency. Prints, per setting, the mean and minimum hv_ratio and the mean
front_recall over the targets measured on every cell and over the 1,999-cell subset's. Same as,
for each setting and seed S:
    oneproxy bench search --space nasbench201 --data DATA_DIR --accuracy cifar10 \
        --proxy pixel3 --adapt-with <the other eight> --targets <the 24 below> \
        --samples 10 --seed S --prior-devices none --json OUT.json

Usage: python benchmarks/search_pool.py DATA_DIR [--seeds 0-9] [--settings JSON] [--alone]
(default settings: '{"live_boost=0": {"live_boost": 0}, "default": {}}'; --alone: each
target adapted from its own samples only, `oneproxy bench search --alone`, as before the
targets were adapted together). Every table it made has the pool's prior alone
(`--prior-devices none`, its default here); `--prior-devices others` adds every other device)
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from oneproxy_plugins.bench.search import run_search_bench
from oneproxy_plugins.latency import load_tabular
from oneproxy_plugins.spaces import get_space
from search_guard import FULL, SUBSET, prior_of, seeds_of

ADAPT_WITH = ("1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,"
              "essential_ph_1,samsung_s7").split(",")


def main(data: str, seeds: list[int], settings: dict[str, dict], joint: bool = True,
         prior_devices: str | list[str] = "none") -> None:
    pool = ["pixel3", *ADAPT_WITH]
    full = [t for t in FULL if t not in pool]
    table, accuracy = load_tabular(get_space("nasbench201"), [data], pool + full + SUBSET,
                                   "cifar10")
    print("| setting | full-table targets: hv_ratio mean / min, front_recall | subset "
          "targets: hv_ratio mean / min, front_recall |")
    print("| --- | --- | --- |")
    for name, params in settings.items():
        runs = [run_search_bench("nasbench201", [data], accuracy="cifar10", proxy="pixel3",
                                 adapt_with=ADAPT_WITH, targets=full + SUBSET, samples=10,
                                 seed=seed, table=table, accuracy_table=accuracy,
                                 adapter_params=params, joint=joint,
                                 prior_devices=prior_devices)["targets"]
                for seed in seeds]

        def summary(group: list[str]) -> str:
            hv = [r[t]["hv_ratio"] for r in runs for t in group]
            recall = [r[t]["front_recall"] for r in runs for t in group]
            return f"{np.mean(hv):.4f} / {np.min(hv):.4f}, {np.mean(recall):.3f}"

        print(f"| {name} | {summary(full)} | {summary(SUBSET)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--settings", type=json.loads,
                        default={"live_boost=0": {"live_boost": 0}, "default": {}})
    parser.add_argument("--alone", action="store_true",
                        help="each target adapted from its own samples only")
    parser.add_argument("--prior-devices", default="none",
                        help="none (default here), others, or a comma-separated list")
    args = parser.parse_args()
    main(args.data, seeds_of(args.seeds), args.settings, joint=not args.alone,
         prior_devices=prior_of(args.prior_devices))
