"""How many samples does a device need? `oneproxy adapt --measure-on ... --until-srcc` against a
fixed K, replayed on the published tables.

Usage: python benchmarks/adaptive_k.py DATA_DIR OUT.json [--space nasbench201]
           [--proxies P1,P2,...] [--samples 10] [--until-srcc 0.95] [--max-samples 30]
           [--step 5] [--repeats 3]

Every device of the space is a target in turn, with the proxies less itself as the pool (the
leave-one-device-out pools of `oneproxy bench fewshot --protocol lodo`). Its samples are one
sequence of the greedy chooser among its measured architectures (`adapt_on_device`'s: the
first `--samples`, then `--step` more per round), measured by the table; after each round the
default adapter is fitted and its expected SRCC over the pool's architectures
(`oneproxy_plugins.targets.expected_srcc`, what `--until-srcc` reads) decides whether to go
on, up to `--max-samples`. Scored as the few-shot benchmark scores: SRCC of the predictions
with the device's measured latencies. Prints, per device, the adaptive run's SRCC and samples
beside every fixed K of the sequence, then the means and worst devices; and how well the two
estimates a user gets after the first round follow the first round's measured SRCC across
devices (correlation, mean and largest error): the expected SRCC, and the leave-one-out SRCC
on the samples (`oneproxy_plugins.targets.loo_srcc`, refitted without each). Writes the same
to OUT.json (atomically).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from oneproxy_plugins._io import atomic_write_text
from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.latency import LatencyTable, load_data_dir
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.sampling import greedy_method, select_samples
from oneproxy_plugins.spaces import get_space
from oneproxy_plugins.targets import expected_srcc, loo_srcc

HELP_PROXIES = ("1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,"
                "essential_ph_1,samsung_s7")


def replay(pool: ProxyPool, table: LatencyTable, device: str, *, k: int, until: float,
           most: int, step: int, seed: int) -> dict:
    """One device, one seed: ``{"fixed": {K: SRCC}, "expected": {K: expected SRCC},
    "loo_srcc": the first round's leave-one-out SRCC, "samples": K the campaign stopped at,
    "srcc": its SRCC}``, K = ``k``, ``k + step``, ..., ``most`` (the rounds of
    ``adapt_on_device``)."""
    y = table.column(device)
    rows = np.flatnonzero(np.isfinite(y))
    archs = table.archs
    ids = [archs[r] for r in rows]
    total = min(most, len(ids))
    sequence = select_samples(pool, total, candidates=ids, method=greedy_method(pool, k),
                              random_state=seed)
    fixed, expected = {}, {}
    for n in sorted({*range(k, total, step), total}):
        chosen = sequence[:n]
        model = AdaProxyPredictor(pool).fit(chosen, y[table.rows_of(chosen)])
        fixed[n], expected[n] = srcc(model.predict(ids), y[rows]), expected_srcc(model)
    stop = next((n for n in fixed if expected[n] >= until), total)
    first = sequence[:k]
    loo = loo_srcc(lambda a, ms: AdaProxyPredictor(pool).fit(a, ms), first,
                   y[table.rows_of(first)])
    return {"fixed": fixed, "expected": expected, "loo_srcc": loo, "samples": stop,
            "srcc": fixed[stop]}


def main(data: str, out: str, space: str, proxies: list[str], k: int, until: float, most: int,
         step: int, repeats: int) -> dict:
    space_obj = get_space(space)
    table = load_data_dir([data], space_obj)
    pools: dict[tuple[str, ...], ProxyPool] = {}
    devices = {}
    for device in table.devices:
        kept = tuple(p for p in proxies if p != device)
        if not kept:
            continue
        if kept not in pools:
            pools[kept] = ProxyPool(table, list(kept), space=space_obj)
        runs = [replay(pools[kept], table, device, k=k, until=until, most=most, step=step,
                       seed=1000 + r) for r in range(repeats)]
        ks = list(runs[0]["fixed"])
        devices[device] = {
            "fixed": {n: float(np.mean([run["fixed"][n] for run in runs])) for n in ks},
            "srcc": float(np.mean([run["srcc"] for run in runs])),
            "samples": float(np.mean([run["samples"] for run in runs])),
            "expected": float(np.mean([run["expected"][k] for run in runs])),
            "loo_srcc": float(np.mean([run["loo_srcc"] for run in runs])),
        }
        row = devices[device]
        print(f"{device:<24} until {until:g}: SRCC {row['srcc']:.3f} with {row['samples']:.1f} "
              "samples | fixed K " + " ".join(f"{n}: {v:.3f}" for n, v in row["fixed"].items()),
              flush=True)
    adaptive = [v["srcc"] for v in devices.values()]
    summary = {"adaptive": {"srcc_mean": float(np.mean(adaptive)),
                            "srcc_worst": float(np.min(adaptive)),
                            "samples_mean": float(np.mean([v["samples"]
                                                           for v in devices.values()]))},
               "fixed": {}}
    for n in devices[next(iter(devices))]["fixed"]:
        scores = [v["fixed"][n] for v in devices.values() if n in v["fixed"]]
        summary["fixed"][n] = {"srcc_mean": float(np.mean(scores)),
                               "srcc_worst": float(np.min(scores))}
    a = summary["adaptive"]
    print(f"--until-srcc {until:g} (from {k}, +{step}, at most {most}): mean SRCC "
          f"{a['srcc_mean']:.4f}, worst device {a['srcc_worst']:.3f}, "
          f"{a['samples_mean']:.1f} samples on average")
    for n, f in summary["fixed"].items():
        print(f"fixed K={n}: mean SRCC {f['srcc_mean']:.4f}, worst device {f['srcc_worst']:.3f}")
    measured = np.array([v["fixed"][k] for v in devices.values()])
    summary["estimates"] = {}
    for name in ("expected", "loo_srcc"):
        estimate = np.array([v[name] for v in devices.values()])
        error = estimate - measured
        summary["estimates"][name] = {"correlation": float(np.corrcoef(estimate, measured)[0, 1]),
                                      "error_mean": float(error.mean()),
                                      "error_most_above": float(error.max()),
                                      "error_most_below": float(error.min())}
        e = summary["estimates"][name]
        print(f"after {k} samples, {name} against the measured SRCC over devices: correlation "
              f"{e['correlation']:.3f}, error mean {e['error_mean']:+.4f}, most above "
              f"{e['error_most_above']:+.3f}, most below {e['error_most_below']:+.3f}")
    result = {"space": space_obj.name, "proxies": proxies, "samples": k, "until_srcc": until,
              "max_samples": most, "step": step, "repeats": repeats, "devices": devices,
              **summary}
    atomic_write_text(out, json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--space", default="nasbench201")
    parser.add_argument("--proxies", default=HELP_PROXIES)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--until-srcc", type=float, default=0.95)
    parser.add_argument("--max-samples", type=int, default=30)
    parser.add_argument("--step", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    main(args.data, args.out, args.space, args.proxies.split(","), args.samples,
         args.until_srcc, args.max_samples, args.step, args.repeats)
