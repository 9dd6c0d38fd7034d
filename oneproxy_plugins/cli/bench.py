"""``oneproxy bench ...``: the benchmark harnesses (contracts other tools depend on)."""

from __future__ import annotations

import click

from oneproxy_plugins.cli._common import (RegistryChoice, adapter_names, prior_devices_option,
                                          split_list, write_json)


@click.group()
def bench() -> None:
    """Benchmarks whose numbers go into docs/benchmarks.md."""


def _attach_search() -> None:
    from oneproxy_plugins.cli.bench_search import search

    bench.add_command(search)


@bench.command("fewshot")
@click.option("--space", required=True, help="nasbench201, fbnet or ofa_mbv3.")
@click.option("--data", "data_dirs", multiple=True, required=True,
              type=click.Path(file_okay=False), help="Data directory (repeatable).")
@click.option("--proxies", required=True, help="Comma-separated proxy devices (used in full).")
@click.option("--targets", required=True, help="Comma-separated target devices.")
@click.option("--samples", type=int, required=True, help="K target measurements per repeat.")
@click.option("--repeats", type=int, default=30, show_default=True, help="Repeats per target.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Base seed.")
@click.option("--method", type=RegistryChoice(adapter_names, "adaptation method"),
              default="adaproxy", show_default=True,
              help="Adaptation method (plugins add theirs).")
@click.option("--sampler", default="greedy", show_default=True,
              help="How the K samples are chosen: greedy (integrated with three proxies or more "
                   "and K >= 5, else max-variance), max-variance, integrated or random.")
@click.option("--protocol", type=click.Choice(["all", "help", "lodo", "lodo-help"]), default="all",
              show_default=True,
              help="all: score every architecture; help: HELP's meta-test split; lodo / "
                   "lodo-help: nested leave-one-device-out over --targets (proxies may be "
                   "targets), scored like all / help.")
@click.option("--grid", default=None,
              help="lodo only: JSON list of adapter parameter sets to choose from without the "
                   "left-out device (default: the method's grid); '[{}]' scores the "
                   "defaults as shipped, with no choosing.")
@click.option("--inner-repeats", type=click.IntRange(min=1), default=3, show_default=True,
              help="lodo only: repeats per inner device when choosing.")
@click.option("--joint/--alone", default=False, show_default=True,
              help="--joint: adapt the --targets of each repeat together (adaproxy; all and "
                   "help protocols): each keeps its own K samples and its pool gains the "
                   "others' fits, as for a user with several targets. --alone: one at a time, "
                   "the single-target protocol.")
@click.option("--prior-devices", default=None,
              help="Devices whose linear latency weights join the proxies' in the adapter's "
                   "prior: others (every device of the data but the target and, with lodo, "
                   "the devices left out; those measured on too few of the proxies' "
                   "architectures are listed in the JSON's prior_devices_skipped), none, or a "
                   "comma-separated list (less those). "
                   "The samples are chosen with the proxies alone either way. "
                   "With --joint, each target's prior has the others, never itself. "
                   "[default: others]")
@click.option("--json", "json_out", required=True, type=click.Path(dir_okay=False),
              help="Write the result (JSON) here; - prints it instead.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def fewshot(space: str, data_dirs: tuple[str, ...], proxies: str, targets: str, samples: int,
            repeats: int, seed: int, method: str, sampler: str, protocol: str,
            grid: str | None, inner_repeats: int, joint: bool, prior_devices: str | None,
            json_out: str, progress: bool) -> None:
    """Few-shot target latency prediction, scored by SRCC.

    \b
    Example:
        oneproxy bench fewshot --space nasbench201 --data ../shared/data \\
            --proxies 1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7 \\
            --targets titanx_1,titanx_32,titanx_256,gold_6240 --samples 10 --json out.json
        oneproxy bench fewshot --space fbnet --data ../shared/data --protocol lodo \
            --proxies 1080ti_1,1080ti_32,1080ti_64,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7 \
            --targets all --samples 10 --json lodo.json
    """
    from oneproxy_plugins.bench.fewshot import run_fewshot, run_lodo

    device_list = split_list(targets, "devices")
    lodo = protocol.startswith("lodo")
    if (grid is not None or inner_repeats != 3) and not lodo:
        raise click.UsageError("--grid and --inner-repeats apply to --protocol lodo or "
                               f"lodo-help only; got --protocol {protocol}.")
    if joint and (lodo or method != "adaproxy"):
        raise click.UsageError(f"--joint goes with --method adaproxy and --protocol all or help; "
                               f"got --method {method} --protocol {protocol}.")
    prior = prior_devices_option(prior_devices)
    if lodo:
        if device_list == ["all"]:
            device_list = _all_devices(space, data_dirs)
        result = run_lodo(space, list(data_dirs), proxies=split_list(proxies, "devices"),
                          targets=device_list, samples=samples, repeats=repeats, seed=seed,
                          method=method, sampler=sampler, protocol=protocol, progress=progress,
                          grid=_parse_grid(grid), inner_repeats=inner_repeats,
                          prior_devices=prior)
    else:
        result = run_fewshot(space, list(data_dirs), proxies=split_list(proxies, "devices"),
                             targets=device_list, samples=samples, repeats=repeats, seed=seed,
                             method=method, sampler=sampler, protocol=protocol,
                             progress=progress, joint=joint, prior_devices=prior)
    if write_json(json_out, result):
        return
    for target, score in result["targets"].items():
        chosen = f"  (grid #{score['chosen']})" if lodo else ""
        covered = (f", 90% interval holds {score['coverage90']:.1%}"
                   if score["coverage90"] is not None else "")
        expected = (f", expected {score['srcc_expected']:.4f}"
                    if score["srcc_expected"] is not None else "")
        click.echo(f"{target:<28} SRCC {score['srcc_mean']:.4f} +- {score['srcc_std']:.4f}"
                   f"{expected}{covered}{chosen}")
    worst = (f", worst device {result['worst_device']} {result['srcc_worst_device']:.4f}, "
             f"worst repeat {result['srcc_worst']:.4f}" if lodo else "")
    covered = (f"; 90% interval holds {result['coverage90_mean']:.1%} (lowest target "
               f"{result['coverage90_min']:.1%})" if result["coverage90_mean"] is not None else "")
    expected = (f"; expected by the fits {result['srcc_expected_mean']:.4f} (a target's at "
                f"most {result['srcc_expected_worst_over']:+.4f} above its own)"
                if result["srcc_expected_mean"] is not None else "")
    click.echo(f"mean SRCC {result['srcc_mean']:.4f}{worst}{covered}{expected} ({method}, "
               f"{sampler}, K={samples}, protocol {protocol}{', joint' if joint else ''}); fit "
               f"{result['fit_ms_median']:.2f} ms, predict {result['predict_ms_median']:.2f} ms "
               f"(medians) -> {json_out}")


def _parse_grid(grid: str | None) -> list[dict] | None:
    """``--grid``: a JSON list of objects, each an adapter's parameters."""
    import json

    if grid is None:
        return None
    try:
        value = json.loads(grid)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON ({exc.msg}); expected a list of objects such as "
                                 '\'[{"guard": "loo"}, {"guard": "none"}]\'.',
                                 param_hint="--grid") from None
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise click.BadParameter(f"expected a non-empty JSON list of objects; got {grid!r}.",
                                 param_hint="--grid")
    return value


def _all_devices(space: str, data_dirs: tuple[str, ...]) -> list[str]:
    """``--targets all``: every device of the data with a measurement."""
    import numpy as np

    from oneproxy_plugins.latency import load_data_dir

    table = load_data_dir(list(data_dirs), space)
    return [d for d in table.devices if np.isfinite(table.column(d)).any()]


@bench.command("noise")
@click.option("--device", "devices", multiple=True, required=True,
              help="Device spec (repeatable), e.g. cpu-torch-t1-b1.")
@click.option("--space", default="nasbench201", show_default=True)
@click.option("--archs", "--n-archs", "n_archs", type=click.IntRange(3), default=200,
              show_default=True, help="Architectures measured twice.")
@click.option("--arch-seed", type=click.IntRange(0), default=0, show_default=True,
              help="Seed of the architectures' draw.")
@click.option("--rounds", type=click.IntRange(1), default=10, show_default=True)
@click.option("--warmup", type=click.IntRange(0), default=2, show_default=True,
              help="Warm-up runs per visit.")
@click.option("--repeats", type=click.IntRange(1), default=5, show_default=True,
              help="Timed runs per visit.")
@click.option("--visit-statistic", type=click.Choice(["min", "median"]), default="min",
              show_default=True, help="How a visit's timed runs are summarised.")
@click.option("--study-statistics", is_flag=True,
              help="Instead: score the visit statistics on the same two runs' timings.")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="Keep the two runs' tables here (resumable).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the result as JSON here; - prints it instead of the table.")
@click.option("--progress/--no-progress", default=True, help="Show progress bars.")
def noise(devices: tuple[str, ...], space: str, n_archs: int, arch_seed: int, rounds: int,
          warmup: int, repeats: int, visit_statistic: str, study_statistics: bool,
          out_dir: str | None, json_out: str | None, progress: bool) -> None:
    """Noise floor: two independent full runs per device, compared by SRCC.

    \b
    Example:
        oneproxy bench noise --device cpu-torch-t1-b1 --device cpu-ort-t1-b1 --archs 200
        oneproxy bench noise --device cpu-torch-t1-b1 --study-statistics
    """
    from oneproxy_plugins.bench.noise import (format_result, run_noise_floor,
                                              study_visit_statistics)

    if study_statistics:
        scores = {device: study_visit_statistics(device, space=space, n_archs=n_archs,
                                                 arch_seed=arch_seed, n_rounds=rounds,
                                                 n_warmup=warmup, n_repeats=repeats)
                  for device in devices}
        if json_out and write_json(json_out, scores):
            return
        for device, by_statistic in scores.items():
            for name, value in by_statistic.items():
                click.echo(f"{device:<18} {name:<22} SRCC {value:.4f}")
        return
    result = run_noise_floor(list(devices), space=space, n_archs=n_archs, arch_seed=arch_seed,
                             n_rounds=rounds, n_warmup=warmup, n_repeats=repeats,
                             visit_statistic=visit_statistic, out_dir=out_dir,
                             progress=progress)
    if json_out and write_json(json_out, result):
        return
    click.echo(format_result(result))


_attach_search()
