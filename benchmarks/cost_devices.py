"""Write a data directory of FBNet "devices" that follow one analytic cost, for a stress test.

Usage: python benchmarks/cost_devices.py DATA_DIR OUT_DIR

Every architecture of ``DATA_DIR/fbnet`` gets the latencies of four made-up devices, each
``1 + cost / mean(cost)`` milliseconds for one of the space's analytic costs (CIFAR-100 input):
``cost_macs`` (compute-bound), ``cost_params`` (bound by weight traffic), ``cost_activations``
(bound by activation traffic) and ``cost_memory`` (both traffics, averaged). No proxy of HELP's
pool follows the last three: they stand in for accelerators unlike every measured device. The
directory has the layout of ../shared/data (``fbnet/architectures.csv``, ``fbnet/latency_cost.csv``),
so ``oneproxy bench fewshot --data DATA_DIR --data OUT_DIR`` joins it with the real tables.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.spaces import get_space


def main(data_dir: str, out_dir: str) -> None:
    space = get_space("fbnet")
    table = load_data_dir(data_dir, space)
    costs = space.costs([space.coerce(a) for a in table.archs])  # macs, params, activations
    rel = costs / costs.mean(axis=0)
    devices = {"cost_macs": 1 + rel[:, 0], "cost_params": 1 + rel[:, 1],
               "cost_activations": 1 + rel[:, 2], "cost_memory": 1 + (rel[:, 1] + rel[:, 2]) / 2}
    folder = Path(out_dir) / space.data_folder
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "architectures.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["index", "ops"])
        writer.writerows(zip(table.index, table.archs))
    with open(folder / "latency_cost.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["index", *devices])
        for i, index in enumerate(table.index):
            writer.writerow([index, *(f"{v[i]:.6g}" for v in devices.values())])
    print(f"{len(table)} architectures, devices {list(devices)} -> {folder}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1], sys.argv[2])
