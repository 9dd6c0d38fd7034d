"""One NSGA-II study for every target: steered by the proxy alone, or by every target too.

Runs ``oneproxy bench search --optimizer nsga2`` (the library call behind it, tables loaded
once) on NAS-Bench-201, CIFAR-10, pixel3 as the proxy and every device measured on all 15,625
cells as a target, K=10 adapted samples per target, 500 trials, over seeds, for each setting:

- ``targets``: the default, :func:`~oneproxy_plugins.optuna.target_steered_sampler`, the
  targets adapted together (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`);
- ``targets-alone``: the same with each target adapted from its own samples only (every
  steered table measured before the targets were adapted together);
- ``proxy``: Optuna's NSGA-II on the study's values (population 50, and 16 as a control:
  the steered sampler's population);
- ``targets-oracle``: the steered study ranked with the true target latencies (the most its
  trials allow).

Each run is written to ``OUT/<setting>_s<seed>.json`` (atomically; an existing file is kept,
so an interrupted run resumes) and the summary table is printed: per setting, the minimum
``hv_ratio`` over the targets for each seed, its worst over seeds, the mean ``hv_ratio`` and
``front_recall``.

Usage:
    python benchmarks/search_steer.py ../shared/data OUT [--seeds 0-9] [--settings ...]
"""

from __future__ import annotations

import argparse
import logging
import warnings
from pathlib import Path

import numpy as np
import optuna

from oneproxy_plugins._io import cached_json
from oneproxy_plugins.bench.search import run_search_bench
from oneproxy_plugins.latency import load_tabular
from oneproxy_plugins.spaces import get_space
from search_guard import prior_of, seeds_of

PROXY = "pixel3"
SETTINGS = {
    "targets": {"steer": "targets"},
    "proxy": {"steer": "proxy"},
    "proxy-pop16": {"steer": "proxy", "population": 16},
    "targets-oracle": {"steer": "targets", "oracle": True},
    "targets-alone": {"steer": "targets", "joint": False},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--prior-devices", default="others",
                        help="others (default, every other device of the data: each target "
                             "the one left out), none, or a comma-separated list")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    logging.basicConfig(level=logging.WARNING)

    space = get_space("nasbench201")
    table, accuracy = load_tabular(space, [args.data], [PROXY], "cifar10")
    full = [d for d in table.devices
            if d != PROXY and np.isfinite(table.column(d)).all()]
    prior = prior_of(args.prior_devices)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{len(full)} targets measured on every cell: {', '.join(full)}")
    print("| setting | min hv_ratio per seed | worst | mean hv_ratio | mean front_recall |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.settings.split(","):
        mins, means, recalls = [], [], []
        for seed in seeds_of(args.seeds):
            result = cached_json(out / f"{name}_s{seed}.json", lambda: run_search_bench(
                "nasbench201", [], accuracy="cifar10", proxy=PROXY, targets=full,
                samples=args.samples, optimizer="nsga2", trials=args.trials, seed=seed,
                table=table, accuracy_table=accuracy, prior_devices=prior, **SETTINGS[name]))
            mins.append(result["hv_ratio_min"])
            means.append(result["hv_ratio_mean"])
            recalls.append(result["front_recall_mean"])
        print(f"| {name} | {' '.join(f'{m:.3f}' for m in mins)} | {min(mins):.4f} | "
              f"{np.mean(means):.4f} | {np.mean(recalls):.3f} |", flush=True)


if __name__ == "__main__":
    main()
