"""Per-trial overhead of the Optuna plugin: the same study with and without it.

Usage:
    python examples/optuna_overhead.py DATA_DIR [N_TRIALS]

Both studies search NAS-Bench-201 with the same sampler and seed and a tabular objective
(accuracy and the proxy's latency looked up, so the trial itself costs almost nothing and the
difference is the plugin's). Without the plugin the user's objective suggests the
architecture and looks up the latency itself; with it, ``OneProxyObjective`` (with a
``LatencyConstraint`` applied), ``ProxyConstrainedSampler`` (a budget nothing breaks, so both
studies evaluate the same architectures) and a ``OneProxyCallback`` recording one target.
A trial's time is the wall clock between consecutive trial ends (sampling, objective, storage,
callbacks), in-memory storage. Both studies run the same trials (same seed, a budget nothing
breaks), so trial ``i`` costs the same sampler work in both: each study is run ``REPEATS``
times, alternating, and the overhead is the median over trials of the difference of trial
``i``'s median times, which keeps the machine's noise out of it.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import optuna

from oneproxy_plugins.latency import load_accuracy, load_data_dir
from oneproxy_plugins.optuna import (LatencyConstraint, OneProxyCallback, OneProxyObjective,
                                     ProxyConstrainedSampler, TableLatency)
from oneproxy_plugins.spaces import get_space


REPEATS = 3


def trial_ms(study: optuna.Study, objective, n_trials: int, callbacks=()) -> np.ndarray:
    """Each trial's wall-clock time in ms (from the previous trial's end to its own)."""
    ends: list[float] = []
    study.optimize(objective, n_trials=n_trials,
                   callbacks=[*callbacks, lambda s, t: ends.append(time.perf_counter())])
    return 1e3 * np.diff(ends)


def main(data_dir: str, n_trials: int = 1000) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = get_space("nasbench201")
    table = load_data_dir(data_dir, space)
    accuracy = TableLatency(load_accuracy(data_dir, space), "cifar10")
    proxy = TableLatency(table, "pixel3")

    def plain(trial):
        arch = space.suggest(trial)
        return float(accuracy.predict([arch])[0]), float(proxy.predict([arch])[0])

    def acc(trial, arch):
        return float(accuracy.predict([arch])[0])

    for name, make in [("NSGAIISampler", lambda: optuna.samplers.NSGAIISampler(seed=0)),
                       ("TPESampler", lambda: optuna.samplers.TPESampler(seed=0))]:
        n = n_trials if name == "NSGAIISampler" else min(n_trials, 300)
        without, with_plugin = [], []
        for _ in range(REPEATS):
            without.append(trial_ms(optuna.create_study(
                directions=["maximize", "minimize"], sampler=make()), plain, n))
            constraint = LatencyConstraint(proxy, max_ms=1e6)
            study = optuna.create_study(directions=["maximize", "minimize"],
                                        sampler=ProxyConstrainedSampler(make(), constraint))
            with_plugin.append(trial_ms(
                study, OneProxyObjective(acc, proxy, constraint=constraint), n,
                callbacks=[OneProxyCallback({"titanx_1": TableLatency(table, "titanx_1")})]))
        base = np.median(without, axis=0)
        plugin = np.median(with_plugin, axis=0)
        print(f"{name:<14} {n} trials: without {np.median(base):.3f} ms/trial, with the plugin "
              f"{np.median(plugin):.3f} ms/trial, overhead {np.median(plugin - base):+.3f} ms "
              f"(medians; {REPEATS} alternating runs each)")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], *(int(a) for a in sys.argv[2:]))
