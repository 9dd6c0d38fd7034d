"""Runtimes of one host as devices: SRCC between them, and AdaProxy for each proxy/target pair.

Usage: python benchmarks/runtime_devices.py [--samples K] [--repeats R] [--json OUT]
                                            [--heatmap PNG] TABLE.csv TABLE.csv ...

Each TABLE.csv is a results table of ``oneproxy measure`` (or a ``<device>-run1.csv`` that
``oneproxy bench noise --out-dir`` keeps), one device per file, over the same architectures;
they are joined on the architectures all of them measured. For every ordered pair of devices,
the proxy's full table is the pool and the target is seen through K samples chosen by the
default sample chooser (greedy, seeded 0 .. R-1); the default adapter (``adaproxy``) is fitted
on them and scored by SRCC on the held-out architectures (those not sampled), beside the
proxy's own SRCC on the same architectures. Prints a markdown table; ``--heatmap`` draws the
SRCC matrix with the package's viz helpers (extra ``[viz]``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from oneproxy_plugins.adaproxy import ProxyPool, make_adapter
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.monotonicity import srcc, srcc_matrix
from oneproxy_plugins.sampling import select_samples


def load(paths: Sequence[str], space: str = "nasbench201") -> LatencyTable:
    """The tables of ``paths`` side by side, on the architectures every one of them has."""
    table = LatencyTable.from_csv(paths[0], space=space)
    for path in paths[1:]:
        table = table.join(LatencyTable.from_csv(path, space=space), how="inner")
    return table.dropna()


def adapt_pair(table: LatencyTable, proxy: str, target: str, *, samples: int = 10,
               repeats: int = 10) -> dict[str, Any]:
    """AdaProxy from ``proxy`` (in full) to ``target`` (``samples`` measurements), repeated.

    Returns:
        ``srcc`` (one per repeat, on the held-out architectures), their ``mean`` and ``worst``,
        and ``proxy_mean``: the unadapted proxy's SRCC on the same held-out architectures.
    """
    pool = ProxyPool(table, [proxy])
    archs, y, x = table.archs, table.column(target), table.column(proxy)
    scores, proxy_scores = [], []
    for seed in range(repeats):
        chosen = select_samples(pool, samples, random_state=seed)
        held = np.setdiff1d(np.arange(len(archs)), table.rows_of(chosen))
        model = make_adapter("adaproxy", pool).fit(chosen, y[table.rows_of(chosen)])
        scores.append(srcc(model.predict([archs[i] for i in held]), y[held]))
        proxy_scores.append(srcc(x[held], y[held]))
    return {"srcc": scores, "mean": float(np.mean(scores)), "worst": float(np.min(scores)),
            "proxy_mean": float(np.mean(proxy_scores))}


def run(paths: Sequence[str], *, samples: int = 10, repeats: int = 10) -> dict[str, Any]:
    """The SRCC matrix of the tables' devices and :func:`adapt_pair` for every ordered pair."""
    table = load(paths)
    matrix, devices = srcc_matrix(table)
    pairs = {f"{p} -> {t}": adapt_pair(table, p, t, samples=samples, repeats=repeats)
             for p in devices for t in devices if p != t}
    return {"n_archs": len(table), "samples": samples, "repeats": repeats, "devices": devices,
            "srcc_matrix": matrix.round(4).tolist(), "pairs": pairs}


def markdown(result: dict[str, Any]) -> str:
    """The SRCC matrix and the pairs as two markdown tables."""
    devices = result["devices"]
    lines = ["| SRCC | " + " | ".join(f"`{d}`" for d in devices) + " |",
             "| --- |" + " --- |" * len(devices)]
    for d, row in zip(devices, result["srcc_matrix"]):
        lines.append(f"| `{d}` | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    lines += ["", f"| proxy -> target | proxy alone | AdaProxy, K={result['samples']}: mean | "
                  f"worst of {result['repeats']} |", "| --- | --- | --- | --- |"]
    for pair, s in result["pairs"].items():
        proxy, target = pair.split(" -> ")
        lines.append(f"| `{proxy}` -> `{target}` | {s['proxy_mean']:.3f} | {s['mean']:.3f} | "
                     f"{s['worst']:.3f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tables", nargs="+", help="one-device results tables (CSV)")
    parser.add_argument("--samples", type=int, default=10, help="K target samples")
    parser.add_argument("--repeats", type=int, default=10, help="seeds 0 .. R-1")
    parser.add_argument("--json", help="write the result here")
    parser.add_argument("--heatmap", help="draw the SRCC matrix to this image")
    args = parser.parse_args(argv)
    if len(args.tables) < 2:
        parser.error("give at least two tables")
    result = run(args.tables, samples=args.samples, repeats=args.repeats)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
    if args.heatmap:
        from oneproxy_plugins.viz import plot_srcc_heatmap

        plot_srcc_heatmap(result["srcc_matrix"], result["devices"], args.heatmap,
                          title=f"SRCC, {result['n_archs']} NAS-Bench-201 cells")
    print(markdown(result))


if __name__ == "__main__":
    main()
