"""Print Markdown tables from `oneproxy bench fewshot` JSON files.

Usage:
    python benchmarks/summarize.py OUT_DIR             one row per run
    python benchmarks/summarize.py --curve OUT_DIR     learning curves: per space, method,
                                                       sampler and target, SRCC by K
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def runs(folder: str) -> list[tuple[Path, dict]]:
    return [(p, json.loads(p.read_text())) for p in sorted(Path(folder).glob("*.json"))]


def method_label(r: dict) -> str:
    """The method, with any ablation of its defaults (feature set, adapter parameters)."""
    extra = [f"{k}={v}" for k, v in r.get("adapter_params", {}).items()]
    if r.get("feature_set", "latency") != "latency":
        extra.insert(0, f"features={r['feature_set']}")
    return r["method"] + (f" ({', '.join(extra)})" if extra else "")


def table(folder: str) -> None:
    for path, r in runs(folder):
        targets = ", ".join(f"{t} {v['srcc_mean']:.3f}" for t, v in r["targets"].items())
        print(f"| {path.stem} | {method_label(r)} | {r['sampler']} | {r['protocol']} | "
              f"{r['samples']} | {r['repeats']} | **{r['srcc_mean']:.4f}** | {targets} | "
              f"{r['fit_ms_median']:.2f} | {r['predict_ms_median']:.2f} |")


def curve(folder: str) -> None:
    cells: dict[tuple, dict[int, float]] = defaultdict(dict)
    ks: set[int] = set()
    for _, r in runs(folder):
        ks.add(r["samples"])
        key = (r["space"], method_label(r), r["sampler"])
        cells[key + ("**mean**",)][r["samples"]] = r["srcc_mean"]
        for target, v in r["targets"].items():
            cells[key + (target,)][r["samples"]] = v["srcc_mean"]
    order = sorted(ks)
    for space in sorted({k[0] for k in cells}):
        print(f"\n#### {space}\n")
        print("| method | sampler | target | " + " | ".join(f"K={k}" for k in order) + " |")
        print("| --- | --- | --- | " + " | ".join("---" for _ in order) + " |")
        keys = sorted((k for k in cells if k[0] == space),
                      key=lambda k: (k[3] != "**mean**", k[3], k[1], k[2]))
        for key in keys:
            values = " | ".join(f"{cells[key][k]:.3f}" if k in cells[key] else "-" for k in order)
            print(f"| {key[1]} | {key[2]} | {key[3]} | {values} |")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--curve":
        for folder in args[1:]:
            curve(folder)
    else:
        for folder in args:
            table(folder)
