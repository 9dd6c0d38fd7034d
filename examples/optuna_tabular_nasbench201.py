"""One-proxy hardware-aware NAS on NAS-Bench-201 with Optuna, from published tables.

Usage:
    python examples/optuna_tabular_nasbench201.py DATA_DIR [OUT_DIR]

``DATA_DIR`` is laid out like ``../shared/data`` (``nasbench201/latency.csv`` and
``accuracy.csv``). The search maximises CIFAR-10 accuracy and minimises latency on ONE proxy
device (pixel3) under a latency budget; the one finished study then serves other devices:

- a target with a latency predictor already at hand (here its published column stands in for
  one) is recorded after every trial by ``OneProxyCallback``;
- new targets are adapted from 10 measurements each with ``adapt_target`` (AdaProxy), with no
  new search.

Each target's Pareto front comes from ``pareto_front_for(study, target)``; the PNGs go to
``OUT_DIR`` (default ``oneproxy-output``). Runs in well under a minute on a laptop CPU.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import optuna

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.latency import load_accuracy, load_data_dir
from oneproxy_plugins.optuna import (LatencyConstraint, OneProxyCallback, OneProxyObjective,
                                     ProxyConstrainedSampler, TableLatency, adapt_target,
                                     pareto_front_for)
from oneproxy_plugins.optuna.visualization.matplotlib import (plot_front_comparison,
                                                              plot_target_fronts)
from oneproxy_plugins.spaces import get_space

PROXY = "pixel3"
KNOWN_TARGET = "titanx_256"  # a device whose predictor we already have
NEW_TARGETS = ["titanx_1", "gold_6240"]  # devices we can only measure a few times
BUDGET_MS = 20.0  # on the proxy


def main(data_dir: str, out_dir: str = "oneproxy-output") -> None:
    start = time.perf_counter()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = get_space("nasbench201")
    table = load_data_dir(data_dir, space)
    accuracy = TableLatency(load_accuracy(data_dir, space), "cifar10")
    proxy = TableLatency(table, PROXY)

    # The user's objective: here the benchmark's accuracy instead of training.
    def cifar10_accuracy(trial: optuna.Trial, arch: tuple) -> float:
        return float(accuracy.predict([arch])[0])

    # The one-line changes: the objective wrapper, the constrained sampler, the callback.
    constraint = LatencyConstraint(proxy, max_ms=BUDGET_MS)
    study = optuna.create_study(
        directions=["maximize", "minimize"],
        sampler=ProxyConstrainedSampler(optuna.samplers.NSGAIISampler(seed=0), constraint))
    study.set_metric_names(["CIFAR-10 accuracy (%)", f"{PROXY} latency (ms)"])
    callback = OneProxyCallback({KNOWN_TARGET: TableLatency(table, KNOWN_TARGET)})
    study.optimize(OneProxyObjective(cifar10_accuracy, proxy, constraint=constraint),
                   n_trials=500, callbacks=[callback])
    print(f"searched {len(study.trials)} trials on {PROXY} (budget {BUDGET_MS} ms) in "
          f"{time.perf_counter() - start:.1f} s; proxy front: {len(study.best_trials)} trials")

    # New devices: 10 measurements each (here read from the table), AdaProxy, no new search.
    pool = ProxyPool(table, [PROXY])
    for target in NEW_TARGETS:
        column = TableLatency(table, target)
        adapt_target(study, target, lambda arch, c=column: float(c.predict([arch])[0]), k=10,
                     pool=pool, seed=0)

    for target in [KNOWN_TARGET, *NEW_TARGETS]:
        front = pareto_front_for(study, target)
        true_front = {t.number for t in pareto_front_for(study, TableLatency(table, target))}
        found = sum(t.number in true_front for t in front)
        best = max(front, key=lambda t: t.values[0])
        print(f"{target:>11}: {len(front):2d} Pareto trials ({found} of the {len(true_front)} "
              f"truly optimal among the trials); most accurate {best.values[0]:.2f}% at "
              f"{table.column(target)[table.row_of(best.user_attrs['oneproxy:arch'])]:.2f} ms")

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot_target_fronts(study, path=out / "target_fronts.png")
    plot_front_comparison(study, NEW_TARGETS[0], path=out / f"proxy_vs_{NEW_TARGETS[0]}.png")
    print(f"plots in {out}/; total {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
