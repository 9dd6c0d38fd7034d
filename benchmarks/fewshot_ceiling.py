"""What the few-shot goals ask: each device's leave-one-device-out K-sample SRCC beside what the
same linear model family reaches with the device measured on every architecture.

Usage: python benchmarks/fewshot_ceiling.py DATA_DIR LODO.json [LODO.json ...]
LODO.json: an `oneproxy bench fewshot --protocol lodo` result (benchmarks/lodo.sh). For each of
its devices measured on every architecture, the pool is the result's proxies less the device,
as in the run; `full-data` is a ridge regression (RidgeCV) of the device's log latency on what
the adapter combines (the pool's standardised proxy latencies and their smoothed fits, and the
space's latency features) over every architecture, each predicted by the model trained on the
other four fifths (5-fold): not a method, a ceiling of the linear family the adapter belongs
to. For a `--protocol lodo-help` result the same ridge is fitted on every architecture outside
HELP's scored thousand and scored on them, as the K samples are. Prints per device and the
means over all of them and over those outside the pool.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.bench.fewshot import protocol_split
from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.monotonicity import srcc


def ceiling(data: str, result: dict) -> dict[str, tuple[float, float]]:
    """``{device: (K-sample LODO SRCC, full-data SRCC)}`` over the fully measured."""
    table = load_data_dir([data], result["space"])
    model = RidgeCV(alphas=np.logspace(-3, 3, 13))
    rows = {}
    for device, scores in result["targets"].items():
        y = table.column(device)
        if np.isnan(y).any():
            continue
        pool = ProxyPool(table, [p for p in result["proxies"] if p != device])
        z, features = pool.basis(table.archs)
        x, log_y = np.c_[z, features], np.log(y)
        if result["protocol"] == "lodo-help":
            scored = protocol_split(table, device, "help")[1]
            train = np.setdiff1d(np.arange(len(y)), scored)
            full = srcc(model.fit(x[train], log_y[train]).predict(x[scored]), y[scored])
        else:
            pred = cross_val_predict(model, x, log_y, cv=KFold(5, shuffle=True, random_state=0))
            full = srcc(pred, y)
        rows[device] = (scores["srcc_mean"], full)
    return rows


def main(data: str, paths: list[str]) -> None:
    for path in paths:
        result = json.loads(Path(path).read_text())
        rows = ceiling(data, result)
        print(f"## {Path(path).stem}: K={result['samples']}, {len(rows)} devices measured on "
              "every architecture")
        fit = ("every cell but HELP's scored ones" if result["protocol"] == "lodo-help"
               else "5-fold")
        print(f"| device | K-sample LODO | full-data ridge ({fit}) |\n| --- | --- | --- |")
        for device, (few, full) in sorted(rows.items(), key=lambda kv: kv[1][0]):
            mark = " (proxy)" if device in result["proxies"] else ""
            print(f"| {device}{mark} | {few:.4f} | {full:.4f} |")
        for label, keep in (("all", rows), ("outside the pool",
                                              [d for d in rows if d not in result["proxies"]])):
            if keep:
                few, full = np.mean([rows[d] for d in keep], axis=0)
                print(f"- mean over {label} ({len(keep)}): K-sample {few:.4f}, full data "
                      f"{full:.4f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
