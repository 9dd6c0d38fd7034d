"""Shared CLI plumbing: one-line errors for user mistakes, JSON output, comma lists."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import click

from oneproxy_plugins.exceptions import OneProxyError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

USER_ERRORS = (OneProxyError, ValueError, LookupError, FileNotFoundError, FileExistsError,
               PermissionError,
               IsADirectoryError, NotADirectoryError, ImportError)
"""Exceptions that mean the user gave something wrong: one line, exit status 2."""


class OneProxyGroup(click.Group):
    """A click group that turns user mistakes into one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            if (ctx.obj or {}).get("debug") or "--debug" in sys.argv:
                raise
            message = str(exc) or type(exc).__name__
            if isinstance(exc, KeyError) and message.startswith(("'", '"')):
                message = message[1:-1]
            # one line even when the message quotes user data that holds line breaks
            message = " ".join(message.splitlines())
            click.echo(f"Error: {message}", err=True)
            ctx.exit(2)


def quiet_optuna(level: int) -> None:
    """Set Optuna's log level (e.g. ``optuna.logging.WARNING``) unless ``oneproxy --debug``,
    which keeps Optuna's own trial log."""
    import logging

    from oneproxy_plugins._imports import optional_import

    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        optional_import("optuna").logging.set_verbosity(level)


def split_list(value: str | None, what: str) -> list[str]:
    """Parse a comma-separated list option; empty items are an error."""
    if value is None:
        return []
    items = [v.strip() for v in value.split(",")]
    if not items or any(not v for v in items):
        raise click.BadParameter(f"expected a comma-separated list of {what}; got {value!r}.")
    return items


def prior_devices_option(value: str | None) -> str | list[str] | None:
    """``--prior-devices``: a named rule (``none``, ``others``) as is, else a comma-separated
    list of devices (``None``, not given, stays ``None``: the command's default)."""
    from oneproxy_plugins.adaproxy.pool import PRIOR_DEVICES

    return value if value in (None, *PRIOR_DEVICES) else split_list(value, "devices")


def echo_json(payload: Any) -> None:
    """Print a JSON document on stdout."""
    click.echo(json.dumps(payload, indent=2, sort_keys=False))


def write_json(path: str, payload: Any) -> bool:
    """Write ``payload`` to the ``--json`` file atomically, or print it when ``path`` is ``-``.

    Returns whether it was printed (the command then prints nothing else on stdout).
    """
    if path == "-":
        echo_json(payload)
        return True
    from oneproxy_plugins._io import atomic_write_text

    atomic_write_text(path, json.dumps(payload, indent=2) + "\n")
    return False


class RegistryChoice(click.ParamType):
    """A choice among the names of a registry, read when needed (``--help``, validation).

    Unlike ``click.Choice``, the names are not fixed when the command is defined, so a
    plugin's predictors, adaptation methods or samplers are offered too, and defining the
    command imports nothing heavy.

    Args:
        names: Returns the registered names (called lazily).
        what: What a name names, for the error (``"adaptation method"``).
    """

    name = "choice"

    def __init__(self, names: Callable[[], Iterable[str]], what: str) -> None:
        self._names = names
        self.what = what

    def names(self) -> list[str]:
        return list(self._names())

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        try:
            return "[" + "|".join(self.names()) + "]"
        except ImportError:  # the registry's extra is not installed: the command will say so
            return "TEXT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        names = self.names()
        if value not in names:
            self.fail(f"{value!r} is not a registered {self.what}; known: {', '.join(names)}.",
                      param, ctx)
        return value


def adapter_names() -> list[str]:
    """The registered adaptation methods (``--method``)."""
    from oneproxy_plugins.adaproxy import list_adapters

    return list(list_adapters())


def _parse_value(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def parse_build_cfg(value: str | None, option: str = "--build-cfg",
                    example: str = "C=4,N=1") -> dict[str, Any]:
    """``"C=4,N=1"`` -> ``{"C": 4, "N": 1}`` (ints, floats, true/false, else strings); a
    malformed pair is an error on ``option``, with ``example`` as the form expected."""
    cfg: dict[str, Any] = {}
    for item in split_list(value, "KEY=VALUE pairs"):
        key, sep, text = item.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise click.BadParameter(f"expected KEY=VALUE pairs like {example!r}; got "
                                     f"{item!r}.", param_hint=f"'{option}'")
        cfg[key.strip()] = _parse_value(text.strip())
    return cfg


def adapter_params(method: str, text: str | None,
                   example: str = "scale=log,guard=none") -> dict[str, Any]:
    """``--params``: ``KEY=VALUE`` pairs the method's adapter takes (checked on an unfitted
    one, so that an unknown name fails at once, naming it)."""
    from oneproxy_plugins.adaproxy import make_adapter

    params = parse_build_cfg(text, "--params", example)
    try:
        make_adapter(method, None, **params)
    except TypeError as exc:
        raise click.BadParameter(str(exc), param_hint="'--params'") from None
    return params
