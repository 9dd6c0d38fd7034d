"""``oneproxy measure``: measure sampled architectures of a space, on this host or on a board
over SSH, resumably; or work on a measurement campaign kept in an Optuna storage."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click

from oneproxy_plugins.cli._common import echo_json, parse_build_cfg


def read_archs(space: Any, path: str) -> list[Any]:
    """Architectures of a CSV file, one per row, read with ``space.from_record`` (e.g. an
    ``arch`` column of ids)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{path}: no architectures (expected a header and one row per "
                         "architecture, e.g. an 'arch' column).")
    archs = []
    for line, row in enumerate(rows, start=2):
        try:
            archs.append(space.from_record(row))
        except ValueError as exc:
            raise ValueError(f"{path} line {line}: {exc}") from None
    return archs


@click.command()
@click.option("--space", required=True, help="Search space, e.g. nasbench201.")
@click.option("--device", required=True,
              help="Device spec of this host (cpu-torch-t1-b1, cpu-ort-t1-b1, cuda-torch-b1, "
                   "...), a board over SSH (ssh://user@host[:port]/cpu-ort-t4-b1), or a board "
                   "of --devices by name.")
@click.option("--devices", "devices_file", type=click.Path(dir_okay=False, exists=True),
              help="Devices file (TOML) naming remote boards; see docs/measurement.md.")
@click.option("--samples", type=click.IntRange(min=1),
              help="Measure this many distinct architectures drawn with --seed.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the architecture draw.")
@click.option("--archs", "archs_file", type=click.Path(dir_okay=False),
              help="Measure the architectures of this CSV instead (an 'arch' column).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Results CSV (arch,<device>); details go to <stem>.details.jsonl. Not "
                   "used by a campaign worker.")
@click.option("--storage",
              help="Work on a campaign kept in this Optuna storage: a database URL "
                   "(postgresql+psycopg2://user@host/db, sqlite:///c.db) or a journal file "
                   "(c.log, one host). Needs --campaign.")
@click.option("--campaign", help="The campaign's name (with --storage).")
@click.option("--heartbeat-interval", type=click.IntRange(min=1), default=10,
              show_default=True,
              help="Campaign worker on a database: seconds between heartbeats of the "
                   "architectures it holds.")
@click.option("--grace-period", type=click.IntRange(min=1), default=60, show_default=True,
              help="Campaign worker on a database: seconds without a heartbeat after which "
                   "another worker measures a worker's architectures again.")
@click.option("--resume", is_flag=True,
              help="Continue --out (or create it), measuring only what it lacks. Several "
                   "processes may share one --out this way; they split the work.")
@click.option("--rounds", type=click.IntRange(min=1), default=10, show_default=True,
              help="Interleaved rounds; each times every architecture once.")
@click.option("--warmup", type=click.IntRange(min=0), default=2, show_default=True,
              help="Discarded runs at the start of each visit.")
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True,
              help="Timed runs per visit.")
@click.option("--budget", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Timing seconds per architecture over all rounds.")
@click.option("--chunk-size", type=click.IntRange(min=1),
              help="Architectures timed and written together [default: 250 here, 50 on a "
                   "board].")
@click.option("--reference", help="Reference architecture id (default: the space's sample(0)).")
@click.option("--build-cfg", help="Arguments of the space's build, e.g. 'C=4,N=1'.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on a terminal.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the run's counts as JSON (and no progress bar).")
@click.pass_context
def measure(ctx: click.Context, space: str, device: str, devices_file: str | None,
            samples: int | None, seed: int, archs_file: str | None, out: str | None,
            storage: str | None, campaign: str | None, heartbeat_interval: int,
            grace_period: int, resume: bool, rounds: int, warmup: int, repeats: int,
            budget: float, chunk_size: int | None, reference: str | None,
            build_cfg: str | None, progress: bool, as_json: bool) -> None:
    """Measure the latency of architectures, here or on a board, and write them to --out.

    Architectures are timed in interleaved rounds beside a fixed reference network; the
    table holds the reference-normalised latency in ms, the details file the raw medians
    too. Rows are appended as chunks finish: a killed run keeps them, and --resume measures
    only what is missing.

    Several processes of one host may measure into one --out at once, each with --resume
    (same space, reference and build config; their architecture lists may overlap): each
    claims its next chunk among the architectures that are neither written nor claimed by
    another live process, so none is measured or written twice, and a killed process's claim
    passes to the others. A process exits when nothing is left to claim.

    On a board (ssh://... or --devices), each network is exported here to ONNX, copied once
    to the board's cache, and timed there by a runner that needs only Python 3, numpy and
    onnxruntime; the board's identity is recorded in the details file. If the connection
    drops, what was written stays: run again with --resume.

    With --storage and --campaign this process is a worker of a measurement campaign: the
    first worker of a device enqueues the architectures in the storage, every worker of that
    device (on this host or others, with the same list and settings) claims chunks of them
    until none is left, and a dead worker's architectures go back to the queue. See `oneproxy
    campaign status` and `oneproxy campaign export`.

    \b
    Examples:
        oneproxy measure --space nasbench201 --device cpu-torch-t1-b1 --samples 20 --out t.csv
        oneproxy measure --space nasbench201 --device ssh://pi@raspberrypi.local/cpu-ort-t4-b1 \\
            --samples 20 --out pi.csv
        oneproxy measure --space nasbench201 --device cpu-ort-t1-b1 --samples 200 \\
            --storage postgresql+psycopg2://lab@db/nas --campaign nb201
    """
    from oneproxy_plugins.measure import measure_archs
    from oneproxy_plugins.measure.remote import resolve_device
    from oneproxy_plugins.spaces import get_space

    spec = resolve_device(device, devices_file)
    sp = get_space(space)
    cfg = parse_build_cfg(build_cfg)
    if (samples is None) == (archs_file is None):
        raise click.UsageError("pass either --samples N or --archs FILE.")
    problem = _destination_problem(out, storage, campaign)
    if problem:
        click.echo(f"Error: {problem}", err=True)
        ctx.exit(2)
    archs = read_archs(sp, archs_file) if archs_file else sp.sample_many(samples, seed)
    if campaign is not None:
        _work_on_campaign(storage, campaign, sp, archs, spec, devices_file, as_json,
                          n_rounds=rounds, n_warmup=warmup, n_repeats=repeats, budget_s=budget,
                          chunk_size=chunk_size, reference=reference, build_cfg=cfg,
                          progress=progress and not as_json,
                          heartbeat_interval_s=heartbeat_interval, grace_period_s=grace_period)
        return
    assert out is not None
    if Path(out).exists() and not resume:
        click.echo(f"Error: {out} exists; pass --resume to continue it, or choose another "
                   "--out file.", err=True)
        ctx.exit(2)
    run = measure_archs(sp, archs, spec, out=out, resume=resume, n_rounds=rounds,
                        n_warmup=warmup, n_repeats=repeats, budget_s=budget,
                        chunk_size=chunk_size, reference=reference, build_cfg=cfg,
                        progress=progress and not as_json)
    if as_json:
        echo_json({"device": run.device, "space": sp.name, "out": out,
                   "reference": run.reference, "reference_ms": run.reference_ms,
                   "measured": run.n_measured, "skipped": run.n_skipped,
                   "failed": run.n_failed, "pending": run.n_pending,
                   "seconds": round(run.seconds, 3)})
        return
    click.echo(run.summary())


def _destination_problem(out: str | None, storage: str | None, campaign: str | None
                         ) -> str | None:
    """Why the results have nowhere, or two places, to go; None when they have one."""
    if (storage is None) != (campaign is None):
        given, missing = ("--storage", "--campaign") if campaign is None else ("--campaign",
                                                                              "--storage")
        return f"{given} needs {missing}: a campaign worker names both."
    if campaign is not None and out is not None:
        return ("--out is not used by a campaign worker (--storage/--campaign): results go to "
                "the campaign's storage; write the table with `oneproxy campaign export`.")
    if campaign is None and out is None:
        return "Missing option '--out' (or --storage and --campaign for a campaign worker)."
    return None


def _work_on_campaign(storage: str, campaign: str, space: Any, archs: list[Any], device: Any,
                      devices_file: str | None, as_json: bool, **settings: Any) -> None:
    from oneproxy_plugins._imports import optional_import
    from oneproxy_plugins.cli._common import quiet_optuna
    from oneproxy_plugins.measure.campaign import measure_campaign

    quiet_optuna(optional_import("optuna").logging.WARNING)
    run = measure_campaign(storage, campaign, space, archs, device, devices_file=devices_file,
                           **settings)
    if as_json:
        echo_json({"campaign": run.campaign, "device": run.device, "study": run.study,
                   "created": run.created, "measured": run.n_measured,
                   "failed": run.n_failed, **run.status.to_json(),
                   "seconds": round(run.seconds, 3)})
        return
    click.echo(run.summary())
