"""``oneproxy data ...``: inspect data directories."""

from __future__ import annotations

import click

from oneproxy_plugins.cli._common import echo_json


@click.group()
def data() -> None:
    """Inspect latency data directories."""


@data.command("info")
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def info(data_dir: str, as_json: bool) -> None:
    """Spaces, devices, rows and missing counts of DATA_DIR.

    \b
    Example:
        oneproxy data info ../shared/data
    """
    from oneproxy_plugins.latency import describe_data_dir

    summary = describe_data_dir(data_dir)
    if not summary:
        raise FileNotFoundError(f"{data_dir!r} holds no <space>/latency*.csv of a known space.")
    if as_json:
        echo_json(summary)
        return
    for entry in summary:
        click.echo(f"{entry['space']} ({entry['folder']}/): {entry['rows']} architectures, "
                   f"{len(entry['devices'])} devices")
        for device in entry["devices"]:
            missing = entry["missing"][device]
            click.echo(f"  {device:<28} {entry['rows'] - missing:>6} measured  {missing:>6} missing")
