"""The ``oneproxy`` command.

Each command group lives in its own module of this package and is attached to :data:`main`
here. User mistakes print one line (``Error: ...``) and exit with status 2; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import logging

import click

from oneproxy_plugins.cli._common import CONTEXT_SETTINGS, OneProxyGroup

__all__ = ["main"]


@click.group(cls=OneProxyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="oneproxy-plugins")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """One proxy device is enough: hardware-aware NAS for Optuna and NNI."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _attach() -> None:
    # Every command group module imports only click and this package's light modules at
    # import time (heavy dependencies load inside the commands), so a broken import is a bug
    # to see, never a command that silently disappears.
    from oneproxy_plugins.cli import (adapt, bench, campaign, data, demo, fit, measure,
                                      monotonicity, search, spaces)

    main.add_command(spaces.spaces)
    main.add_command(data.data)
    main.add_command(bench.bench)
    main.add_command(demo.demo)
    main.add_command(adapt.adapt)
    main.add_command(adapt.predict)
    main.add_command(fit.fit)
    main.add_command(monotonicity.srcc)
    main.add_command(monotonicity.select_proxy)
    main.add_command(search.search)
    main.add_command(search.pareto)
    main.add_command(measure.measure)
    main.add_command(campaign.campaign)


_attach()
