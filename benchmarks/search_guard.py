"""Never worse than the proxy? `oneproxy bench search --optimizer exhaustive` with the proxy as
is (K=0) and adapted with K samples over seeds 0-9, each guard of AdaProxyPredictor; prints the
share of (target, seed) whose adapted front's hv_ratio is below the proxy's by more than 0.005,
the worst case, and the summary over the targets measured on every cell.

Usage: python benchmarks/search_guard.py DATA_DIR OUT_DIR [GUARD ...] [--seeds 0-9]
           [--params JSON] [--tag NAME] [--proxy DEVICE] [--alone] [--targets A,B,...]
Same as running, for each guard and seed S in --seeds ("0-9", the default, or "10-19" held
out, or "0,3,5") (and once with --samples 0); --params adds adapter parameters to each run
(e.g. '{"live_boost": [0, 30]}'), whose files are then named <guard>-<tag>_s<seed>.json:
    oneproxy bench search --space nasbench201 --data DATA_DIR --accuracy cifar10 \
        --proxy pixel3 --targets <the 32 targets below> --samples 10 --seed S --guard GUARD
Results are written to OUT_DIR/<guard>_s<seed>.json and reused when present (resumable).
The targets are adapted together (the bench's default); --alone adapts each from its own
samples only (`oneproxy bench search --alone`, every search table measured before that default;
files <guard>-alone_s<seed>.json). --targets scores those devices instead of the 32 (a user's
handful: the targets are then adapted together with each other only). --prior-devices is
`oneproxy bench search`'s: every other device of the data in each target's prior by default
(``none``: the search tables before that default; give each choice its own OUT_DIR).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from oneproxy_plugins._io import cached_json
from oneproxy_plugins.bench.search import compare_with_proxy, run_search_bench
from oneproxy_plugins.latency import load_tabular
from oneproxy_plugins.spaces import get_space

FULL = ("1080ti_1,1080ti_256,1080ti_32,2080ti_1,2080ti_256,2080ti_32,essential_ph_1,gold_6240,"
        "samsung_a50,samsung_s7,silver_4114,silver_4210r,titan_rtx_1,titan_rtx_32,titanx_1,"
        "titanx_256,titanx_32,titanxp_1,titanxp_256,titanxp_32").split(",")
SUBSET = ("nnmeter_adreno630,nnmeter_adreno640,nnmeter_myriadvpu,eagle_i7_7820x,eagle_sd855_cpu,"
          "eagle_sd855_gpu,eagle_sd855_dsp,eagle_jetson_nano_fp32,eagle_jetson_nano_fp16,"
          "eagle_edgetpu,hwnasbench_edgegpu,hwnasbench_edgetpu").split(",")


def seeds_of(text: str) -> list[int]:
    """``"0-9"`` or ``"0,3,5"`` as a list of ints."""
    if "-" in text:
        first, last = map(int, text.split("-"))
        return list(range(first, last + 1))
    return [int(s) for s in text.split(",")]


def prior_of(text: str) -> str | list[str]:
    """``--prior-devices``: ``"none"``, ``"others"`` or a comma-separated list of devices."""
    return text if text in ("none", "others") else text.split(",")


def main(data: str, out: str, guards: list[str], seeds: list[int],
         params: dict | None = None, tag: str | None = None, proxy: str = "pixel3",
         joint: bool = True, targets: list[str] | None = None,
         prior_devices: str | list[str] = "others") -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    space = get_space("nasbench201")
    # another proxy than pixel3: pixel3 joins the full-table targets in its place
    full = [t for t in FULL if t != proxy] + (["pixel3"] if proxy != "pixel3" else [])
    chosen = full + SUBSET if targets is None else targets
    full = [t for t in chosen if t in full]
    table, accuracy = load_tabular(space, [data], [proxy, *chosen], "cifar10")
    kw = dict(accuracy="cifar10", proxy=proxy, targets=chosen, table=table,
              accuracy_table=accuracy, prior_devices=prior_devices)
    prefix = "" if proxy == "pixel3" else f"{proxy}-"

    def run(name: str, **args):
        return cached_json(out_dir / f"{prefix}{name}.json",
                           lambda: run_search_bench("nasbench201", [data], **kw, **args))

    raw = run("raw", samples=0)
    for guard in guards:
        name = (guard if tag is None else f"{guard}-{tag}") + ("" if joint else "-alone")
        runs = [run(f"{name}_s{seed}", samples=10, seed=seed, joint=joint,
                    adapter_params={**(params or {}), "guard": guard})
                for seed in seeds]
        print(f"guard {name}: {summary(raw, runs, full)}")


def summary(raw: dict, runs: list[dict], full: list[str]) -> str:
    """The summary of adapted runs against the proxy as is (``raw``): how many (target, seed)
    below it by more than 0.005 and 0.01, the worst, the hv_ratio and recall over all targets
    and over the ``full``-table ones."""
    c = compare_with_proxy(raw, runs)
    n_far = compare_with_proxy(raw, runs, tolerance=0.01)["n_worse"]
    f = compare_with_proxy(raw, [{**r, "targets": {t: v for t, v in r["targets"].items()
                                                   if t in full}} for r in runs])
    w = c["worst"]
    return (f"below the proxy by > 0.005 in {c['n_worse']}/{c['n']} "
            f"({c['share_worse']:.1%}), by > 0.01 in {n_far}; worst {w['difference']:+.4f} "
            f"({w['target']}, seed {w['seed']}: {w['hv_ratio']:.4f} vs "
            f"{w['raw_hv_ratio']:.4f}); hv_ratio min {c['hv_ratio_min']:.4f} mean "
            f"{c['hv_ratio_mean']:.4f}, front_recall {c['front_recall_mean']:.3f}; full-table "
            f"targets: {f['n_worse']}/{f['n']} worse, min {f['hv_ratio_min']:.4f} mean "
            f"{f['hv_ratio_mean']:.4f}, recall {f['front_recall_mean']:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("guards", nargs="*", default=["none", "loo", "select", "srcc"])
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--params", type=json.loads, default=None,
                        help="further adapter parameters, JSON")
    parser.add_argument("--tag", default="params", help="names the runs with --params")
    parser.add_argument("--proxy", default="pixel3",
                        help="the one proxy (another than pixel3: pixel3 becomes a target)")
    parser.add_argument("--alone", action="store_true",
                        help="each target adapted from its own samples only")
    parser.add_argument("--targets", default=None,
                        help="comma-separated targets instead of the 32 (OUT_DIR per set)")
    parser.add_argument("--prior-devices", default="others",
                        help="others (default: every other device of the data, each target "
                             "the one left out), none (every search table before this "
                             "default), or a comma-separated list (OUT_DIR per choice)")
    args = parser.parse_args()
    main(args.data, args.out, args.guards, seeds_of(args.seeds), args.params,
         args.tag if args.params else None, args.proxy, joint=not args.alone,
         targets=args.targets.split(",") if args.targets else None,
         prior_devices=prior_of(args.prior_devices))
