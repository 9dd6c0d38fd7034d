"""Live one-proxy NAS: real training, real latency, nothing downloaded.

Usage:
    python examples/optuna_live.py [N_TRIALS]

Every trial builds a sampled NAS-Bench-201 network (a small one: C=8, one cell per stage),
trains it for a few epochs on scikit-learn's bundled 8x8 digits images and reports its test
accuracy. The proxy latency is measured on this CPU with eager PyTorch, one thread
(``cpu-torch-t1-b1``), when a trial first asks for it; the search never lets a network over
the latency budget be trained. A second local runtime, ONNX Runtime (``cpu-ort-t1-b1``), plays
the target device: it is measured on only 5 architectures, AdaProxy adapts the proxy to it,
and its Pareto front comes from the same study, with no second search. Finally the target's
front is checked by measuring its members on the target.

Takes one to three minutes on a laptop CPU (20 trials).
"""

from __future__ import annotations

import sys
import time

import optuna

from oneproxy_plugins.digits import DIGITS_BUILD as BUILD
from oneproxy_plugins.digits import DigitsObjective
from oneproxy_plugins.optuna import (LatencyConstraint, MeasuredLatency, OneProxyObjective,
                                     ProxyConstrainedSampler, adapt_target, pareto_front_for,
                                     recorded_latencies)
from oneproxy_plugins.spaces import get_space

TIMING = {"n_rounds": 3, "n_warmup": 2, "n_repeats": 5, "budget_s": 0.3}


def main(n_trials: int = 20) -> None:
    start = time.perf_counter()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = get_space("nasbench201")
    # The user's objective: train the network briefly on the digits, return its test accuracy.
    train_and_test = DigitsObjective(space, epochs=2)

    proxy = MeasuredLatency(space, "cpu-torch-t1-b1", build_cfg=BUILD, **TIMING)
    widest = ("nor_conv_3x3",) * 6
    budget = 0.6 * float(proxy.predict([widest])[0])  # below the slowest cell
    constraint = LatencyConstraint(proxy, max_ms=budget)
    sampler = ProxyConstrainedSampler(optuna.samplers.TPESampler(seed=0, n_startup_trials=6),
                                      constraint, seed=0)
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
    study.optimize(OneProxyObjective(train_and_test, proxy, constraint=constraint),
                   n_trials=n_trials)
    print(f"{n_trials} trials trained and measured in {time.perf_counter() - start:.0f} s; "
          f"budget {budget:.3f} ms on cpu-torch-t1-b1, slowest trained "
          f"{max(t.values[1] for t in study.trials):.3f} ms; "
          f"{sampler.n_resampled_} trial(s) redrawn to fit")
    for trial in pareto_front_for(study):
        print(f"  proxy front: {trial.values[0]:.3f} accuracy, {trial.values[1]:.3f} ms  "
              f"{trial.user_attrs['oneproxy:arch']}")

    # The target: another runtime on this CPU, measured on 5 architectures only.
    target = MeasuredLatency(space, "cpu-ort-t1-b1", build_cfg=BUILD, **TIMING)
    adapt_target(study, "ort", lambda arch: float(target.predict([arch])[0]), k=5)
    front = pareto_front_for(study, "ort")
    measured = target.predict([t.user_attrs["oneproxy:arch"] for t in front])
    predicted = recorded_latencies(study, "ort")  # stored on the study by adapt_target
    print(f"target cpu-ort-t1-b1 from 5 measurements: {len(front)} Pareto trials")
    for trial, ms in zip(front, measured):
        print(f"  ort front:   {trial.values[0]:.3f} accuracy, predicted "
              f"{predicted[trial.number]:.3f} ms, measured {ms:.3f} ms")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
