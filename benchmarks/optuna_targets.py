"""Targets adapted on an Optuna study, alone or together: front recall among the study's trials.

For each seed and each set of targets (NAS-Bench-201, `pixel3` the proxy, a 20 ms budget on it,
NSGA-II, 500 trials), every target is adapted with `adapt_target(study, target, measure, k=10,
pool=ProxyPool(table, ["pixel3"]), seed=S)` (the table stands in for the device), then each
target's front from its predicted latencies (`pareto_front_for(study, target)`) is compared
with its true front among the study's trials. Modes: `alone` (`companions=False`, the
default), `together` (`companions=True`: each target with those adapted before it), `refit`
(`together`, then `refit_targets`). Alone, every target measures the same cells (the chooser's
seed is S); with companions each its own (`target_seed(S, target)`).

Usage: python benchmarks/optuna_targets.py DATA_DIR [--modes alone,together,refit] [--seeds 0-9]
Prints per mode the mean recall and precision over (seed, target), and the worst recall.
"""

from __future__ import annotations

import argparse

import numpy as np
import optuna

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.latency import load_accuracy, load_data_dir
from oneproxy_plugins.optuna import (LatencyConstraint, OneProxyObjective,
                                     ProxyConstrainedSampler, TableLatency, adapt_target,
                                     pareto_front_for, refit_targets)

SETS = [["titanx_1", "gold_6240"], ["samsung_s7", "2080ti_1", "silver_4114"],
        ["essential_ph_1", "titan_rtx_1", "gold_6240", "samsung_a50"]]
MODES = ("alone", "together", "refit")


def run(data: str, mode: str, seeds: list[int]) -> list[tuple[str, float, float]]:
    """``(target, recall, precision)`` per seed and target."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    table = load_data_dir([data], "nasbench201")
    accuracy = TableLatency(load_accuracy(data, "nasbench201"), "cifar10")
    proxy = TableLatency(table, "pixel3")
    pool = ProxyPool(table, ["pixel3"])
    constraint = LatencyConstraint(proxy, max_ms=20.0)
    out = []
    for seed in seeds:
        for targets in SETS:
            sampler = ProxyConstrainedSampler(optuna.samplers.NSGAIISampler(seed=seed),
                                              constraint)
            study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
            study.optimize(OneProxyObjective(lambda t, a: float(accuracy.predict([a])[0]),
                                             proxy, constraint=constraint), n_trials=500)
            for target in targets:
                device = TableLatency(table, target)
                adapt_target(study, target, lambda a, d=device: float(d.predict([a])[0]), k=10,
                             pool=pool, seed=seed, companions=mode != "alone")
            if mode == "refit":
                refit_targets(study, pool=pool)
            for target in targets:
                truth = {t.number for t in pareto_front_for(study, TableLatency(table, target))}
                found = {t.number for t in pareto_front_for(study, target)}
                out.append((target, len(truth & found) / len(truth),
                            len(truth & found) / len(found)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--seeds", default="0-9")
    args = parser.parse_args()
    low, _, high = args.seeds.partition("-")
    seeds = list(range(int(low), int(high or low) + 1))
    for mode in args.modes.split(","):
        if mode not in MODES:
            parser.error(f"--modes: {mode!r} is not one of {', '.join(MODES)}")
        scores = np.array([r[1:] for r in run(args.data, mode, seeds)])
        print(f"{mode}: recall {scores[:, 0].mean():.3f}, precision {scores[:, 1].mean():.3f}, "
              f"worst recall {scores[:, 0].min():.3f} ({len(scores)} fronts)", flush=True)


if __name__ == "__main__":
    main()
