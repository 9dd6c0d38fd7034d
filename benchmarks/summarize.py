"""Print Markdown tables from `oneproxy bench fewshot` JSON files.

Usage: python benchmarks/summarize.py OUT_DIR [OUT_DIR ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(dirs: list[str]) -> None:
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.json")):
            r = json.loads(path.read_text())
            targets = ", ".join(f"{t} {v['srcc_mean']:.3f}" for t, v in r["targets"].items())
            print(f"| {path.stem} | {r['method']} | {r['sampler']} | {r['protocol']} | "
                  f"{r['samples']} | {r['repeats']} | **{r['srcc_mean']:.4f}** | {targets} | "
                  f"{r['fit_ms_median']:.2f} | {r['predict_ms_median']:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
