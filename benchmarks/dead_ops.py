"""Does a device's runtime run the ops that no input-output path uses? Timed directly.

NAS-Bench-201 cells that differ only in the ops on dead edges (an edge whose output never
reaches the cell's output, or whose input never comes from the cell's input) compute the same
function. A runtime that prunes dead ops times them alike; one that runs them does not. For
each device, the spread of log latency within such groups of cells, against its spread over
all cells, and ProxyPool.live_path_share (what the live-path counts explain in a linear fit)
beside it.

Usage: python benchmarks/dead_ops.py DATA_DIR
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.spaces import get_space


def main(data: str) -> None:
    space = get_space("nasbench201")
    table = load_data_dir([data], space)
    archs = table.archs
    live = space.live_edges(archs)
    ops = space.encode_many(archs)[:, :30].reshape(len(archs), 6, 5).argmax(axis=2)
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for row, (on, op) in enumerate(zip(live, ops)):
        groups[tuple(np.where(on, op, 0))].append(row)  # dead edges as `none`
    shared = [rows for rows in groups.values() if len(rows) > 1]
    print("| device | cells | groups | spread within / over all | live_path_share |")
    print("| --- | --- | --- | --- | --- |")
    for device in table.devices:
        y = np.log(table.column(device))
        within = [np.std(y[rows][np.isfinite(y[rows])]) for rows in shared
                  if np.isfinite(y[rows]).sum() > 1]
        share = ProxyPool(table, [device], space=space).live_path_share()[0]
        print(f"| {device} | {int(np.isfinite(y).sum())} | {len(within)} | "
              f"{np.mean(within) / np.nanstd(y):.2f} | {share:.3f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    main(parser.parse_args().data)
