"""Several targets adapted together against one at a time: whole-space SRCC per target.

One proxy pool (default: `pixel3` alone), NAS-Bench-201, every device measured on all 15,625
cells as a target (or --targets), K samples per target chosen by the default chooser
(`select_samples(method="greedy")`, each target its own seed). For each repeat every target is
adapted alone (`AdaProxyPredictor`) and together with the others
(`oneproxy_plugins.adaproxy.joint.adapt_jointly`), and both are scored by SRCC over every cell.
--exclude GROUP keeps a target's own hardware out of its companions, to see how much of the
gain is a near twin (`model`: the same GPU model at another batch size; `gpu`: every desktop
GPU for a desktop GPU target); --companions N keeps the N whose first fits rank the target's
samples best. --same-samples measures the same cells on every target (the repeat's seed), as a
measurement campaign or `adapt_target` with one seed does.

Usage: python benchmarks/joint_fewshot.py DATA_DIR [--proxies pixel3] [--targets A,B,...]
           [--samples 10] [--repeats 3] [--exclude none|model|gpu] [--companions N]
           [--same-samples]
Prints per target the mean SRCC alone -> together (worst repeat in brackets), then the means
over targets and the worst target.
"""

from __future__ import annotations

import argparse
import re

import numpy as np

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.adaproxy.joint import adapt_jointly
from oneproxy_plugins.latency import load_data_dir
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.sampling import select_samples, target_seed

DESKTOP_GPUS = ("1080ti", "2080ti", "titanx", "titanxp", "titan_rtx")
EXCLUDES = ("none", "model", "gpu")


def group_of(device: str, exclude: str) -> str:
    """The hardware group that ``--exclude`` keeps out of a target's companions."""
    model = re.sub(r"_(1|32|256)$", "", device)
    if exclude == "model":
        return model
    if exclude == "gpu" and model in DESKTOP_GPUS:
        return "desktop-gpu"
    return device


def run(data: str, proxies: list[str], targets: list[str] | None, samples: int, repeats: int,
        exclude: str, companions: int | None, same_samples: bool = False
        ) -> dict[str, tuple[list[float], list[float]]]:
    """``{target: (SRCC alone per repeat, SRCC together per repeat)}``."""
    if exclude not in EXCLUDES:
        raise ValueError(f"--exclude must be one of {', '.join(EXCLUDES)}; got {exclude!r}.")
    table = load_data_dir([data], "nasbench201")
    if targets is None:
        targets = [d for d in table.devices
                   if d not in proxies and np.isfinite(table.column(d)).all()]
    pool = ProxyPool(table, proxies)
    archs = table.archs
    truth = {t: table.column(t) for t in targets}
    rows = {t: np.flatnonzero(np.isfinite(y)) for t, y in truth.items()}
    ids = {t: [archs[r] for r in rows[t]] for t in targets}
    # the targets that share a set of companions (their own group left out) are fitted at once
    sharing: dict[frozenset[str], list[str]] = {}
    for target in targets:
        together = frozenset(u for u in targets if u == target
                             or group_of(u, exclude) != group_of(target, exclude))
        sharing.setdefault(together, []).append(target)
    scores: dict[str, tuple[list[float], list[float]]] = {t: ([], []) for t in targets}
    for repeat in range(repeats):
        measured = {}
        for target in targets:  # the bench search's per-target seed, or the repeat's
            seed = repeat if same_samples else target_seed(repeat, target)
            chosen = select_samples(pool, samples, candidates=ids[target], method="greedy",
                                    random_state=seed)
            measured[target] = chosen, truth[target][table.rows_of(chosen)]
        for together, members in sharing.items():
            joint = adapt_jointly(pool, {u: v for u, v in measured.items() if u in together},
                                  companions=companions, targets=members)
            for target in members:
                alone = AdaProxyPredictor(pool).fit(*measured[target])
                y = truth[target][rows[target]]
                scores[target][0].append(srcc(alone.predict(ids[target]), y))
                scores[target][1].append(srcc(joint[target].predict(ids[target]), y))
        print(f"repeat {repeat} done", flush=True)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--proxies", default="pixel3")
    parser.add_argument("--targets", default=None)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--exclude", default="none", choices=EXCLUDES)
    parser.add_argument("--companions", type=int, default=None)
    parser.add_argument("--same-samples", action="store_true")
    args = parser.parse_args()
    scores = run(args.data, args.proxies.split(","),
                 args.targets.split(",") if args.targets else None, args.samples,
                 args.repeats, args.exclude, args.companions, args.same_samples)
    print("| target | alone | together |")
    print("| --- | --- | --- |")
    for target, (alone, joint) in scores.items():
        print(f"| {target} | {np.mean(alone):.4f} ({min(alone):.3f}) | "
              f"{np.mean(joint):.4f} ({min(joint):.3f}) |")
    means = {t: (np.mean(a), np.mean(j)) for t, (a, j) in scores.items()}
    alone_mean, joint_mean = (float(np.mean([m[i] for m in means.values()])) for i in (0, 1))
    worst_alone = min(means, key=lambda t: means[t][0])
    worst_joint = min(means, key=lambda t: means[t][1])
    up = sum(j > a + 0.005 for a, j in means.values())
    down = sum(j < a - 0.005 for a, j in means.values())
    print(f"- mean over {len(means)} targets: alone {alone_mean:.4f}, together {joint_mean:.4f}; "
          f"worst target alone {worst_alone} {means[worst_alone][0]:.4f}, together "
          f"{worst_joint} {means[worst_joint][1]:.4f}; up / down by more than 0.005: "
          f"{up} / {down}")


if __name__ == "__main__":
    main()
