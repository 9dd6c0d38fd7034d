"""Hook specifications: how a package adds search spaces, runtimes and latency-data loaders.

A plugin is a module or object with functions marked by :data:`hookimpl`, made discoverable
through the ``oneproxy_plugins`` entry-point group in its ``pyproject.toml``::

    [project.entry-points.oneproxy_plugins]
    my_spaces = "my_package.oneproxy_plugin"

The built-in spaces, runtimes and loaders register through these same hooks
(:mod:`oneproxy_plugins.plugins._builtin`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from oneproxy_plugins.latency.loaders import BaseLoader
    from oneproxy_plugins.measure.runtimes import BaseRuntime
    from oneproxy_plugins.spaces import BaseSpace

PROJECT_NAME = "oneproxy_plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Decorator marking a plugin's hook implementations."""


@hookspec
def oneproxy_add_spaces() -> list[type[BaseSpace] | BaseSpace]:
    """Return search spaces to register.

    Called once when the plugin manager is first built. Return space classes (instantiated
    with no arguments) or instances; each must subclass :class:`~oneproxy_plugins.spaces.BaseSpace`
    and have a unique ``name``.
    """


@hookspec
def oneproxy_add_runtimes() -> list[BaseRuntime]:
    """Return measurement runtimes to register.

    Called once when the plugin manager is first built. Each runtime has a unique ``name``
    used in device specs (``cpu-<runtime>-t1-b1``) and must subclass
    :class:`~oneproxy_plugins.measure.runtimes.BaseRuntime`.
    """


@hookspec
def oneproxy_add_loaders() -> list[BaseLoader]:
    """Return latency-data loaders (published table formats) to register.

    Called once when the plugin manager is first built. Each loader has a unique ``name`` and
    subclasses :class:`~oneproxy_plugins.latency.loaders.BaseLoader`.
    """
