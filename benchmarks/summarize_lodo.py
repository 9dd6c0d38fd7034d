"""Summarise `oneproxy bench fewshot --protocol lodo` results for docs/benchmarks.md.

Usage: python benchmarks/summarize_lodo.py RESULT.json [RESULT.json ...]
For each result: the mean over every left-out device, over those outside the proxy pool (scored
with the whole pool, as a user's new device is) and over the proxies (scored with the pool less
themselves), over the devices measured on every architecture and over those of a subset
(OneProxy's 1,999 cells), the worst device and the worst single repeat, the share of the
architectures inside the adapter's 90 % predictive interval (mean and lowest device), the SRCC
the fits expected by themselves (``posterior_srcc``) against the measured, and how often each
candidate of the grid was chosen (without the device it scored).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def summarize(result: dict) -> str:
    targets = result["targets"]
    measured = {t: v.get("n_measured", v["n_scored"]) for t, v in targets.items()}
    full_n = max(measured.values())
    full = [v["srcc_mean"] for t, v in targets.items() if measured[t] == full_n]
    subset = [v["srcc_mean"] for t, v in targets.items() if measured[t] < full_n]
    worst = result["worst_device"]
    outside = [v["srcc_mean"] for t, v in targets.items() if t not in result["proxies"]]
    proxies = [v["srcc_mean"] for t, v in targets.items() if t in result["proxies"]]
    parts = [f"mean {result['srcc_mean']:.4f} over {len(targets)} devices"]
    if proxies:
        parts += [f"{np.mean(outside):.4f} over the {len(outside)} outside the pool",
                  f"{np.mean(proxies):.4f} over the {len(proxies)} proxies"]
    parts.append(f"{np.mean(full):.4f} over the {len(full)} measured on the most architectures")
    if subset:
        parts.append(f"{np.mean(subset):.4f} over the other {len(subset)}")
        full_outside = [v["srcc_mean"] for t, v in targets.items()
                        if measured[t] == full_n and t not in result["proxies"]]
        if proxies and full_outside:
            parts.append(f"{np.mean(full_outside):.4f} over the {len(full_outside)} of those "
                         "outside the pool and measured on every architecture")
    parts += [f"worst device {worst} {result['srcc_worst_device']:.3f}",
              f"worst repeat {result['srcc_worst']:.3f}"]
    if result.get("coverage90_mean") is not None:
        low = min(targets, key=lambda t: targets[t]["coverage90"])
        full_cov = [v["coverage90"] for t, v in targets.items() if measured[t] == full_n]
        parts.append(f"90% interval holds {result['coverage90_mean']:.3f}, interval score "
                     f"{result['interval_score90_mean']:.3f} ("
                     f"{np.mean(full_cov):.3f} over the {len(full_cov)} measured on the most; "
                     f"lowest {low} {targets[low]['coverage90']:.3f}, "
                     f"{sum(v['coverage90'] < 0.8 for v in targets.values())} devices below 0.8)")
    if result.get("srcc_expected_mean") is not None:
        gap = {t: v["srcc_expected"] - v["srcc_mean"] for t, v in targets.items()}
        over, under = max(gap, key=gap.get), min(gap, key=gap.get)
        corr = np.corrcoef([v["srcc_expected"] for v in targets.values()],
                           [v["srcc_mean"] for v in targets.values()])[0, 1]
        parts.append(f"the fits expected {result['srcc_expected_mean']:.4f} (devices: "
                     f"correlation {corr:.3f} with the measured, most above {over} "
                     f"{gap[over]:+.3f}, most below {under} {gap[under]:+.3f})")
    parts += [
              "chosen " + ", ".join(f"{json.dumps(g)} x{n}"
                                    for g, n in zip(result["grid"], result["chosen_counts"]))]
    return "; ".join(parts)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(f"{Path(path).stem}: {summarize(json.loads(Path(path).read_text()))}")
