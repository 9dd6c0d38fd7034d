"""The built-in spaces, runtimes and loaders, registered through the public hooks."""

from __future__ import annotations

from oneproxy_plugins.plugins.hookspecs import hookimpl


@hookimpl
def oneproxy_add_spaces():
    from oneproxy_plugins.spaces import BUILTIN_SPACES

    return list(BUILTIN_SPACES)


@hookimpl
def oneproxy_add_runtimes():
    from oneproxy_plugins.measure.runtimes import BUILTIN_RUNTIMES

    return list(BUILTIN_RUNTIMES)


@hookimpl
def oneproxy_add_loaders():
    from oneproxy_plugins.latency.loaders import BUILTIN_LOADERS

    return list(BUILTIN_LOADERS)
