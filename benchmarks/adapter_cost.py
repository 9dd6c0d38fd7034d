"""What the default adapter costs on NAS-Bench-201: fit on K samples, predict every cell.

For each pool (``pixel3`` alone, the Myriad VPU alone, HELP's nine proxies) and each ``scale``
(``auto``, the default, and the ones it chooses between), fits ``AdaProxyPredictor`` on K
samples of a target (the default chooser, a new seed per fit) and predicts all 15,625 cells
(the VPU's table holds 1,999 of them: the rest are encoded once, then looked up). Prints the
medians in milliseconds. Issue 17 asks for at most 5 ms each at K=10; run it with
``OMP_NUM_THREADS=1`` on a quiet machine. As ``oneproxy adapt`` does by default, every other
device of the data measured on enough of the pool but the target shapes the prior
(``--prior-devices others``); ``--prior-devices none`` times the proxies' prior alone.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/adapter_cost.py ../shared/data [--samples 10] [--fits 30]
        [--prior-devices others|none]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.sampling import select_samples

NINE = ("1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,"
        "essential_ph_1,samsung_s7").split(",")
POOLS = {"pixel3": (["pixel3"], "samsung_s7"),
         "nnmeter_myriadvpu": (["nnmeter_myriadvpu"], "titanx_1"),
         "nine": (NINE, "titanx_1")}
"""Pool name -> (its proxies, the target whose samples are fitted)."""


def cost(pool: ProxyPool, y: np.ndarray, rows_of, archs: list[str], k: int, fits: int,
         scale: str) -> tuple[float, float]:
    """Median ms of ``fits`` fits on ``k`` samples and of predicting ``archs`` after each."""
    fit_ms, predict_ms = [], []
    model = AdaProxyPredictor(pool, scale=scale)
    model.fit(archs[:k], y[rows_of(archs[:k])]).predict(archs)  # pool twins, space index
    for r in range(fits):
        chosen = select_samples(pool, k, random_state=r)
        start = time.perf_counter()
        model.fit(chosen, y[rows_of(chosen)])
        fit_ms.append(1e3 * (time.perf_counter() - start))
        start = time.perf_counter()
        model.predict(archs)
        predict_ms.append(1e3 * (time.perf_counter() - start))
    return float(np.median(fit_ms)), float(np.median(predict_ms))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--fits", type=int, default=30)
    parser.add_argument("--prior-devices", choices=("others", "none"), default="others")
    args = parser.parse_args()
    table = load_data_dir([args.data], "nasbench201")
    archs = list(table.archs)
    for name, (proxies, target) in POOLS.items():
        pool = ProxyPool(table, proxies)
        if args.prior_devices == "others":
            usable, _ = pool.prior_candidates(table)
            pool = pool.derived(table, proxies,
                                prior_devices=[d for d in usable if d != target])
        y = table.column(target)
        line = [f"{name} -> {target}, K={args.samples}:"]
        for scale in ("auto", "ms", "log", "both"):
            fit, predict = cost(pool, y, table.rows_of, archs, args.samples, args.fits, scale)
            line.append(f"{scale} fit {fit:.2f} ms, predict {predict:.2f} ms;")
        print(" ".join(line), flush=True)


if __name__ == "__main__":
    main()
