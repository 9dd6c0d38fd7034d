"""``oneproxy campaign``: where a measurement campaign stands, and its latency table.

Workers are ``oneproxy measure --storage URL --campaign NAME ...``; see
:mod:`oneproxy_plugins.measure.campaign`.
"""

from __future__ import annotations

import math

import click
import numpy as np

from oneproxy_plugins.cli._common import echo_json

_STORAGE = click.option("--storage", required=True,
                        help="The campaign's Optuna storage: a database URL "
                             "(postgresql+psycopg2://user@host/db, sqlite:///c.db) or a "
                             "journal file (c.log).")
_CAMPAIGN = click.option("--campaign", required=True, help="The campaign's name.")


@click.group()
def campaign() -> None:
    """Measurement campaigns: one list of architectures measured on many devices at once.

    \b
    Workers, one or more per device, on any host that reaches the storage:
        oneproxy measure --space nasbench201 --device cpu-ort-t1-b1 --samples 200 \\
            --storage postgresql+psycopg2://lab@db/nas --campaign nb201
    Then:
        oneproxy campaign status --storage postgresql+psycopg2://lab@db/nas --campaign nb201
        oneproxy campaign export --storage postgresql+psycopg2://lab@db/nas --campaign nb201 \\
            --out latency.csv
    """


@campaign.command()
@_STORAGE
@_CAMPAIGN
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def status(storage: str, campaign: str, as_json: bool) -> None:
    """Per device: architectures done, running, waiting and failed.

    Running architectures are held by a worker; those of a worker that died go back to the
    queue when another worker of the device next claims (after the heartbeat's grace period
    on a database).

    \b
    Example:
        oneproxy campaign status --storage postgresql+psycopg2://lab@db/nas --campaign nb201
    """
    from oneproxy_plugins.measure.campaign import campaign_status

    devices = campaign_status(storage, campaign)
    if as_json:
        echo_json({"campaign": campaign, "devices": {d: s.to_json() for d, s in devices.items()}})
        return
    first = next(iter(devices.values()))
    click.echo(f"campaign {campaign}: {first.n_archs} architectures of "
               f"{first.settings.get('space', '?')}, {len(devices)} device(s)")
    width = max(len(d) for d in devices)
    for device, s in devices.items():
        anchor = "" if math.isnan(s.reference_ms) else f"  reference {s.reference_ms:.4g} ms"
        requeued = f"  (requeued {s.requeued})" if s.requeued else ""
        click.echo(f"  {device:<{width}}  done {s.done}  running {s.running}  waiting "
                   f"{s.waiting}  failed {s.failed}{anchor}{requeued}")


@campaign.command()
@_STORAGE
@_CAMPAIGN
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The latency table to write: arch,<device1>,<device2>,... (ms; an empty "
                   "cell where an architecture failed or is not measured yet).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def export(storage: str, campaign: str, out: str, as_json: bool) -> None:
    """Write the campaign's latency table (what --data and LatencyTable.from_csv read).

    Each device's column is the ratio to the reference times the device's anchor (the median
    of its per-chunk reference levels): one row per architecture. Put it in a data directory
    as <dir>/<space>/latency.csv for --data.

    \b
    Example:
        oneproxy campaign export --storage postgresql+psycopg2://lab@db/nas --campaign nb201 \\
            --out data/nasbench201/latency.csv
    """
    from oneproxy_plugins.measure.campaign import export_campaign

    table = export_campaign(storage, campaign, out)
    missing = int(np.isnan(table.values).sum())
    if as_json:
        echo_json({"campaign": campaign, "out": out, "n_archs": len(table),
                   "devices": table.devices, "empty_cells": missing})
        return
    empty = f"; {missing} empty cell(s): failed or not measured yet" if missing else ""
    click.echo(f"{out}: {len(table)} architectures x {len(table.devices)} device(s) "
               f"({', '.join(table.devices)}){empty}")
