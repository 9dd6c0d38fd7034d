"""One-proxy hardware-aware NAS on NAS-Bench-201, inside a real NNI experiment.

Usage::

    python examples/nni_nasbench201.py DATA_DIR [--trials 150] [--max-ms 12] [--seed 0]

``DATA_DIR`` is laid out like ``../shared/data`` (``nasbench201/architectures.csv``,
``accuracy.csv`` and ``latency*.csv``). NNI's ``RegularizedEvolution`` searches NNI's own hub
``NasBench201`` space with the sequential engine, in this process; the evaluator looks CIFAR-10
test accuracy up instead of training (:class:`~oneproxy_plugins.nni.TabularEvaluator`), so the
whole run takes seconds.

The search sees one proxy device, ``1080ti_1``, through a ridge predictor of its latencies, and a
latency budget on it. Two targets the search never sees, ``gold_6240`` (a server CPU) and
``titanx_32`` (a GPU at batch 32), get AdaProxy predictors adapted from 10 measurements each on a
pool of HELP's meta-training devices. After the experiment the script prints the proxy front and
each target's front, and checks each target front against the true one: the true latencies of
the evaluated models, read from the table the search never used.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

PROXY = "1080ti_1"
POOL = ["1080ti_1", "1080ti_32", "1080ti_256", "silver_4114", "silver_4210r", "samsung_a50",
        "pixel3", "essential_ph_1", "samsung_s7"]  # HELP's meta-training devices
TARGETS = ["gold_6240", "titanx_32"]


def hypervolume(points: list[tuple[float, float]], ref: tuple[float, float]) -> float:
    """Area dominated by ``(accuracy, latency)`` points above ``ref``'s accuracy and below its
    latency (higher accuracy and lower latency are better)."""
    area, best = 0.0, ref[0]
    for acc, lat in sorted(points, key=lambda p: p[1]):
        if acc > best and lat < ref[1]:
            area += (acc - best) * (ref[1] - lat)
            best = acc
    return area


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="data directory like ../shared/data")
    parser.add_argument("--trials", type=int, default=150, help="models to evaluate")
    parser.add_argument("--max-ms", "--budget-ms", dest="max_ms", type=float, default=12.0,
                        help=f"latency budget on the proxy {PROXY} (ms)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()

    warnings.filterwarnings("ignore", r".*is found to be not a nn\.Module", RuntimeWarning)
    from nni.nas.experiment import NasExperiment, NasExperimentConfig
    from nni.nas.hub.pytorch import NasBench201
    from nni.nas.strategy import RegularizedEvolution
    from nni.runtime.log import silence_stdout

    from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
    from oneproxy_plugins.latency import load_data_dir
    from oneproxy_plugins.nni import OneProxyStrategy, TabularEvaluator
    from oneproxy_plugins.predictors import RidgePredictor
    from oneproxy_plugins.sampling import select_samples

    silence_stdout()  # NNI logs every model at INFO; experiment.log keeps them
    # RegularizedEvolution also warns about each model the budget rejected ("has no metric")
    logging.getLogger("nni").setLevel(logging.ERROR)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    table = load_data_dir(args.data_dir, "nasbench201")
    proxy_rows = table.select([PROXY]).dropna()
    proxy = RidgePredictor(space="nasbench201", alpha="auto", log_target=True).fit(
        proxy_rows.archs, proxy_rows.column(PROXY))
    pool = ProxyPool(table, POOL)
    targets = {}
    for name in TARGETS:
        picks = select_samples(pool, 10, random_state=args.seed)
        measured = table.column(name)[table.rows_of(picks)]  # the 10 target measurements
        targets[name] = AdaProxyPredictor(pool).fit(picks, measured)

    strategy = OneProxyStrategy(
        RegularizedEvolution(population_size=30, sample_size=10, seed=args.seed), proxy,
        max_ms=args.max_ms, targets=targets)
    evaluator = TabularEvaluator.from_data_dir(args.data_dir, "nasbench201", "cifar10")
    with tempfile.TemporaryDirectory(prefix="oneproxy-nni-") as workdir:
        config = NasExperimentConfig("sequential", "raw", max_trial_number=args.trials)
        config.experiment_working_directory = workdir
        experiment = NasExperiment(NasBench201(), evaluator, strategy, config)
        experiment.run()
        experiment.stop()  # NNI leaves stopping (and its checkpoint) to us, or to atexit

    trained = [r for r in strategy.records if r.status == "trained"]
    rejected = sum(r.status == "invalid" for r in strategy.records)
    print(f"{len(trained)} models trained, {rejected} rejected by the {args.max_ms} ms budget "
          f"on {PROXY}; every trained model's proxy latency <= budget: "
          f"{all(r.latency_ms <= args.max_ms for r in trained)}")
    print(f"\nProxy front ({PROXY}, predicted ms):")
    for p in strategy.pareto_front():
        print(f"  {p.metric:6.2f}%  {p.latency_ms:7.3f} ms  {p.arch_id}")

    for name, front in strategy.target_fronts().items():
        true_ms = {r.arch_id: float(table.column(name)[table.row_of(r.arch_id)])
                   for r in trained}
        rows = {r.arch_id: (r.metric, true_ms[r.arch_id]) for r in trained}
        true_front = [rows[a] for a in rows
                      if not any(m >= rows[a][0] and t <= rows[a][1] and (m, t) != rows[a]
                                 for m, t in rows.values())]
        ref = (min(m for m, _ in rows.values()), max(t for _, t in rows.values()))
        ratio = (hypervolume([rows[p.arch_id] for p in front], ref)
                 / max(hypervolume(true_front, ref), 1e-12))
        print(f"\n{name}: front of {len(front)} models from 10 measurements; true front of the "
              f"evaluated models has {len(true_front)}; hypervolume ratio {ratio:.3f}")
        for p in front:
            print(f"  {p.metric:6.2f}%  {p.latency_ms:7.3f} ms predicted  "
                  f"{true_ms[p.arch_id]:7.3f} ms measured")
    print(f"\ndone in {time.perf_counter() - started:.1f} s "
          f"(median proxy latency {np.median(proxy_rows.column(PROXY)):.2f} ms)")


if __name__ == "__main__":
    main()
