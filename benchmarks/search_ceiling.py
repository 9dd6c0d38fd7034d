"""What do predictors that see every target cell give `oneproxy bench search`'s one-proxy set?

Usage:
    python benchmarks/search_ceiling.py DATA_DIR [TARGET ...] [--scale auto|log|ms]

For each target (default: every NAS-Bench-201 device of the data but ``pixel3``, the proxy of
the search goals) this scores, with the bench's own hv_ratio and front_recall, two predictors
that see far more than K samples: the target measured on *every* cell it has. Neither is a
method; they show what pixel3 and the space's latency features carry about each target's
front (not a strict bound: a few-shot model that fits the front's region better can beat
them on a target):

- ``lsq-all``: least squares of the target's latency on what `AdaProxyPredictor` combines
  (the pool's latency features, pixel3's standardised latency and its smoothed fit),
  fitted on every measured cell (about 40 parameters on 1,740-15,625 cells), in ``--scale``
  (``auto``, the default: NAS-Bench-201's ``latency_scale``, milliseconds; ``log`` gives the
  figures of docs/benchmarks.md before the millisecond default);
- ``gbm-cv5``: scikit-learn's HistGradientBoostingRegressor on the same inputs, each cell
  predicted by the model trained on the other four fifths (5-fold, seeded).

Prints a Markdown table (hv_ratio / front_recall per target) and the summary lines quoted in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold, cross_val_predict

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.bench.search import score_set
from oneproxy_plugins.fronts import pareto_mask
from oneproxy_plugins.latency import load_data_dir, load_tabular
from oneproxy_plugins.spaces import get_space
from fewshot_ceiling import SCALES, resolve_scale

PROXY = "pixel3"
DIRECTIONS = ["maximize", "minimize"]


def score(acc: np.ndarray, true_ms: np.ndarray, predicted_ms: np.ndarray) -> tuple[float, float]:
    """(hv_ratio, front_recall) of the Pareto set under ``predicted_ms``, as the bench scores."""
    result = score_set(acc, true_ms, pareto_mask(np.c_[acc, predicted_ms], DIRECTIONS))
    return result["hv_ratio"], result["front_recall"]


def main(data_dir: str, targets: list[str], proxy: str = PROXY, scale: str = "auto"
         ) -> dict[str, tuple[int, list[tuple[float, float]]]]:
    """Print the table and summary; return ``{target: (cells, [(hv, recall) per predictor])}``;
    both predictors fitted in ``scale`` (``"auto"``: the space's ``latency_scale``)."""
    log = resolve_scale(scale, "nasbench201") == "log"
    space = get_space("nasbench201")
    table = load_data_dir([data_dir], space.name)
    _, accuracy_table = load_tabular(space, [data_dir], [proxy], "cifar10")
    acc_of = dict(zip(accuracy_table.archs, accuracy_table.column("cifar10")))
    pool = ProxyPool(table, [proxy], space=space, log=log)
    inputs = np.c_[pool.features, pool.z]
    acc = np.array([acc_of.get(a, np.nan) for a in pool.archs])
    pool_rows = table.rows_of(pool.archs)
    results = {}
    print("| target | cells | lsq-all: hv_ratio / recall | gbm-cv5: hv_ratio / recall |")
    print("| --- | --- | --- | --- |")
    for target in targets or [d for d in table.devices if d != proxy]:
        true_ms = table.column(target)[pool_rows]
        keep = np.isfinite(true_ms) & np.isfinite(acc)
        x, target_values = inputs[keep], pool.forward(true_ms[keep])
        design = np.c_[x, np.ones(len(x))]
        lsq = design @ np.linalg.lstsq(design, target_values, rcond=None)[0]
        gbm = cross_val_predict(HistGradientBoostingRegressor(random_state=0), x, target_values,
                                cv=KFold(5, shuffle=True, random_state=0))
        row = [score(acc[keep], true_ms[keep], pool.inverse(p)) for p in (lsq, gbm)]
        results[target] = (int(keep.sum()), row)
        print(f"| {target} | {keep.sum()} | {row[0][0]:.4f} / {row[0][1]:.2f} | "
              f"{row[1][0]:.4f} / {row[1][1]:.2f} |", flush=True)
    for j, name in enumerate(("lsq-all", "gbm-cv5")):
        hv = np.array([r[j][0] for _, r in results.values()])
        recall = np.array([r[j][1] for _, r in results.values()])
        full = np.array([n == len(pool_rows) for n, _ in results.values()])
        full_hv = f"{hv[full].min():.4f}" if full.any() else "-"
        full_recall = f"{recall[full].mean():.2f}" if full.any() else "-"
        print(f"{name}: hv_ratio min {hv.min():.4f} (full-table targets {full_hv}), "
              f"{(hv >= 0.995).sum()} of {len(hv)} targets >= 0.995; front_recall mean "
              f"{recall.mean():.2f} (full-table {full_recall})")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("targets", nargs="*", metavar="TARGET")
    parser.add_argument("--scale", default="auto", choices=SCALES,
                        help="the predictors' scale (auto: the space's latency_scale)")
    args = parser.parse_args()
    main(args.data, args.targets, scale=args.scale)
