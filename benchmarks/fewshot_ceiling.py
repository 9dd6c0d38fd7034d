"""What the few-shot goals ask: each device's leave-one-device-out K-sample SRCC beside what the
same linear model family reaches with the device measured on every architecture.

Usage: python benchmarks/fewshot_ceiling.py DATA_DIR LODO.json [LODO.json ...]
           [--scale auto|log|ms]
LODO.json: an `oneproxy bench fewshot --protocol lodo` result (benchmarks/lodo.sh). For each of
its devices, the pool is the result's proxies less the device, as in the run; `full-data` is
a ridge regression (RidgeCV) of the device's latency on what the adapter combines (the pool's
standardised proxy latencies and their smoothed fits, and the space's latency features) over
every architecture the device is measured on, in ``--scale``: log latency or
milliseconds (``auto``, the default: the space's ``latency_scale``, as the default adapter
models K=10 with several proxies: milliseconds on NAS-Bench-201, log on FBNet), each
predicted by the model trained on the other four fifths (5-fold): not a method, a ceiling of
the linear family the adapter belongs to. For a `--protocol lodo-help` result the same ridge
is fitted on every architecture outside HELP's scored thousand and scored on them, as the K
samples are (devices measured on every architecture only). Prints per device and the means
over all of them, over those outside the pool and over those measured on a subset (OneProxy's
1,999 cells).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.bench.fewshot import protocol_split
from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.spaces import get_space

SCALES = ("auto", "log", "ms")


def resolve_scale(scale: str, space: str) -> str:
    """``"log"`` or ``"ms"``: ``scale``, where ``"auto"`` is the space's ``latency_scale``."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}.")
    return get_space(space).latency_scale if scale == "auto" else scale


def ceiling(data: str, result: dict, scale: str = "auto"
            ) -> dict[str, tuple[float, float, bool]]:
    """``{device: (K-sample LODO SRCC, full-data SRCC, measured on a subset)}``, the ridge
    fitted in ``scale`` (see :func:`resolve_scale`); HELP's split: the fully measured only."""
    log = resolve_scale(scale, result["space"]) == "log"
    table = load_data_dir([data], result["space"])
    model = RidgeCV(alphas=np.logspace(-3, 3, 13))
    rows = {}
    for device, scores in result["targets"].items():
        y = table.column(device)
        measured = np.flatnonzero(np.isfinite(y))
        if result["protocol"] == "lodo-help" and len(measured) < len(y):
            continue
        pool = ProxyPool(table, [p for p in result["proxies"] if p != device], log=log)
        z, features = pool.basis([table.archs[r] for r in measured])
        x, target = np.c_[z, features], pool.forward(y[measured])
        if result["protocol"] == "lodo-help":
            scored = protocol_split(table, device, "help")[1]
            train = np.setdiff1d(np.arange(len(y)), scored)
            full = srcc(model.fit(x[train], target[train]).predict(x[scored]), y[scored])
        else:
            pred = cross_val_predict(model, x, target, cv=KFold(5, shuffle=True, random_state=0))
            full = srcc(pred, y[measured])
        rows[device] = (scores["srcc_mean"], full, len(measured) < len(y))
    return rows


def main(data: str, paths: list[str], scale: str = "auto") -> None:
    for path in paths:
        result = json.loads(Path(path).read_text())
        rows = ceiling(data, result, scale)
        full_table = [d for d, row in rows.items() if not row[2]]
        subset = [d for d, row in rows.items() if row[2]]
        print(f"## {Path(path).stem}: K={result['samples']}, {len(full_table)} devices measured "
              f"on every architecture, {len(subset)} on a subset; full-data ridge in "
              f"{resolve_scale(scale, result['space'])}")
        fit = ("every cell but HELP's scored ones" if result["protocol"] == "lodo-help"
               else "5-fold")
        print(f"| device | K-sample LODO | full-data ridge ({fit}) |\n| --- | --- | --- |")
        for device, (few, full, part) in sorted(rows.items(), key=lambda kv: kv[1][0]):
            mark = " (proxy)" if device in result["proxies"] else " (subset)" if part else ""
            print(f"| {device}{mark} | {few:.4f} | {full:.4f} |")
        for label, keep in (("all measured on every architecture", full_table),
                            ("those outside the pool",
                             [d for d in full_table if d not in result["proxies"]]),
                            ("those measured on a subset", subset)):
            if keep:
                few, full = np.mean([rows[d][:2] for d in keep], axis=0)
                print(f"- mean over {label} ({len(keep)}): K-sample {few:.4f}, full data "
                      f"{full:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("results", nargs="+", metavar="LODO.json")
    parser.add_argument("--scale", default="auto", choices=SCALES,
                        help="the ridge's scale (auto: the space's latency_scale)")
    args = parser.parse_args()
    main(args.data, args.results, args.scale)
