"""Build the plugin manager once, lazily, in a fixed order."""

from __future__ import annotations

import functools
import logging
from typing import Any, TypeVar

import pluggy

from oneproxy_plugins.exceptions import OneProxyError
from oneproxy_plugins.plugins.hookspecs import PROJECT_NAME

logger = logging.getLogger(__name__)

T = TypeVar("T")

_CLASS_HOOKS = frozenset({"oneproxy_add_predictors"})
"""Hooks whose items are registered as classes (the others' classes are instantiated)."""

_IN_PROCESS: list[tuple[str, Any]] = []
"""Plugins registered in this process with :func:`register_plugin`, in order."""


@functools.lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager.

    Built on first use (never at import): hook specifications, then the built-ins, then every
    plugin of the ``oneproxy_plugins`` entry-point group, then the plugins registered in this
    process (:func:`register_plugin`), then a check that no plugin implements an unknown hook.
    """
    import oneproxy_plugins.plugins._builtin as builtin
    import oneproxy_plugins.plugins.hookspecs as specs

    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(specs)
    pm.register(builtin, name="oneproxy_plugins.builtin")
    n = pm.load_setuptools_entrypoints(PROJECT_NAME)
    logger.debug("loaded %d oneproxy_plugins entry-point plugin(s)", n)
    for name, plugin in _IN_PROCESS:
        pm.register(plugin, name=name)
    pm.check_pending()
    return pm


def reset_plugin_manager() -> None:
    """Forget the cached manager and registries (tests, or after installing a plugin).

    Plugins registered with :func:`register_plugin` are registered again on the next build.
    """
    get_plugin_manager.cache_clear()
    collect.cache_clear()


def register_plugin(plugin: Any, name: str | None = None) -> None:
    """Register a plugin object or module of this process, as an installed package would be.

    For a notebook or a script that adds a space, runtime, loader, predictor or adaptation
    method without packaging it: its hook implementations are called like an entry-point
    plugin's, and it stays registered when the manager is rebuilt. Registering the same name
    again is a no-op.

    Args:
        plugin: A module or object with functions marked by
            :data:`~oneproxy_plugins.plugins.hookimpl`.
        name: Its name in the manager (default: pluggy's, from the object); what
            :func:`unregister_plugin` takes.

    Raises:
        ValueError: The plugin implements a hook that does not exist.
    """
    name = name or get_plugin_manager().get_canonical_name(plugin)
    if any(n == name for n, _ in _IN_PROCESS):
        return
    pm = get_plugin_manager()
    pm.register(plugin, name=name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(name=name)
        raise ValueError(f"Plugin {name!r}: {exc}") from None
    _IN_PROCESS.append((name, plugin))
    collect.cache_clear()


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with :func:`register_plugin` (a no-op for unknown names)."""
    _IN_PROCESS[:] = [(n, p) for n, p in _IN_PROCESS if n != name]
    pm = get_plugin_manager()
    if pm.get_plugin(name) is not None:
        pm.unregister(name=name)
    collect.cache_clear()


@functools.lru_cache(maxsize=None)
def collect(hook_name: str) -> dict[str, Any]:
    """Call ``hook_name`` on every plugin and index the returned objects by ``name``.

    Built-ins are called last by pluggy (registered first), so a third-party object with the
    same name as a built-in is an error rather than a silent override.
    """
    pm = get_plugin_manager()
    results = getattr(pm.hook, hook_name)()
    registry: dict[str, Any] = {}
    for batch in results:
        for item in batch or ():
            if hook_name in _CLASS_HOOKS:
                obj, name = item, getattr(item, "name", None) or getattr(item, "__name__", None)
            else:
                obj = item() if isinstance(item, type) else item
                name = getattr(obj, "name", None)
            if not isinstance(name, str) or not name:
                raise OneProxyError(f"Hook {hook_name} returned {item!r} without a 'name'.")
            if name in registry:
                raise OneProxyError(f"Hook {hook_name}: two plugins register the name {name!r}.")
            registry[name] = obj
    return registry


def lookup(hook_name: str, value: Any, base: type, error: Any) -> Any:
    """Resolve ``value`` to a registered object of ``hook_name``.

    An instance of ``base`` is returned as is; a name is looked up among the registered
    objects; anything else raises ``error(value, known_names)`` (an ``UnknownNameError``).
    """
    if isinstance(value, base):
        return value
    registry = collect(hook_name)
    if not isinstance(value, str) or value not in registry:
        raise error(value, registry)
    return registry[value]
