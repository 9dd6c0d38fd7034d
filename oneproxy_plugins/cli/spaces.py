"""``oneproxy spaces``: the registered search spaces and their sizes."""

from __future__ import annotations

import click

from oneproxy_plugins.cli._common import echo_json


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def spaces(as_json: bool) -> None:
    """List the registered search spaces with their sizes.

    \b
    Example:
        oneproxy spaces
    """
    from oneproxy_plugins.spaces import list_spaces

    rows = [{"name": s.name, "size": s.size, "n_params": len(s.params),
             "n_features": len(s.feature_names()), "class": type(s).__name__}
            for s in list_spaces().values()]
    if as_json:
        echo_json(rows)
        return
    width = max(len(r["name"]) for r in rows)
    click.echo(f"{'space':<{width}}  {'architectures':>14}  params  features")
    for r in rows:
        size = f"{r['size']:,}" if r["size"] < 10**9 else f"{r['size']:.3e}"
        click.echo(f"{r['name']:<{width}}  {size:>14}  {r['n_params']:>6}  {r['n_features']:>8}")
