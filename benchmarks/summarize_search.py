"""Print the Markdown tables of docs/benchmarks.md from `oneproxy bench search` JSON files.

Usage:
    python benchmarks/summarize_search.py OUT_DIR    (the folder benchmarks/search.sh wrote)

Prints the summary (hv_ratio min / mean and front_recall mean over three groups of targets)
and the per-target table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VALIDATION = ["titanx_1", "titanx_32", "titanx_256", "gold_6240"]
RUNS = [  # (file stem, label)
    ("exhaustive_k0", "exhaustive, K=0"),
    ("exhaustive_k10", "exhaustive, K=10"),
    *((f"exhaustive_k10_s{s}", f"exhaustive, K=10, seed {s}") for s in range(1, 5)),
    ("exhaustive_k20", "exhaustive, K=20"),
    ("exhaustive_k50", "exhaustive, K=50"),
    ("nsga2_k0", "nsga2 500 trials, K=0"),
    ("nsga2_k10", "nsga2 500 trials, K=10"),
    ("nsga2_oracle", "nsga2 500 trials, true target latency"),
]
SEEDS = ["exhaustive_k10", *(f"exhaustive_k10_s{s}" for s in range(1, 5))]


def _group(result: dict, names: list[str]) -> str:
    rows = [result["targets"][n] for n in names if n in result["targets"]]
    hv = [r["hv_ratio"] for r in rows]
    recall = sum(r["front_recall"] for r in rows) / len(rows)
    return f"{min(hv):.4f} / {sum(hv) / len(hv):.4f} / {recall:.2f}"


def main(folder: str) -> None:
    results = {stem: json.loads((Path(folder) / f"{stem}.json").read_text())
               for stem, _ in RUNS if (Path(folder) / f"{stem}.json").exists()}
    first = next(iter(results.values()))
    targets = list(first["targets"])
    size = {t: _archs(results, t) for t in targets}
    full = [t for t in targets if size[t] == max(size.values())]
    print("| run | 4 validation targets | targets measured on every cell | all targets |")
    print("| --- | --- | --- | --- |")
    for stem, label in RUNS:
        if stem in results:
            r = results[stem]
            print(f"| {label} | {_group(r, VALIDATION)} | {_group(r, full)} | "
                  f"{_group(r, targets)} |")
    print()
    print("| target | archs | exhaustive K=0 | exhaustive K=10 | K=10, 5 seeds: hv mean (min) / recall "
          "| nsga2 K=0 | nsga2 K=10 | nsga2, true latency |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for t in targets:
        def cell(stem: str) -> str:
            v = results.get(stem, {}).get("targets", {}).get(t)
            return f"{v['hv_ratio']:.4f} / {v['front_recall']:.2f}" if v else "-"
        seeds = [results[s]["targets"][t] for s in SEEDS if s in results]
        hv = [v["hv_ratio"] for v in seeds]
        recall = sum(v["front_recall"] for v in seeds) / len(seeds)
        name = f"**{t}**" if t in VALIDATION else t
        print(f"| {name} | {size[t]} | {cell('exhaustive_k0')} | {cell('exhaustive_k10')} | "
              f"{sum(hv) / len(hv):.4f} ({min(hv):.4f}) / {recall:.2f} | {cell('nsga2_k0')} | "
              f"{cell('nsga2_k10')} | {cell('nsga2_oracle')} |")


def _archs(results: dict, target: str) -> int:
    """Architectures scored on the target (``scored``; older files: the oracle's count)."""
    for r in results.values():
        if "scored" in r["targets"].get(target, {}):
            return r["targets"][target]["scored"]
    return results["nsga2_oracle"]["targets"][target]["measurements"]


if __name__ == "__main__":
    main(sys.argv[1])
