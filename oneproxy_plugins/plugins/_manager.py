"""Build the plugin manager once, lazily, in a fixed order."""

from __future__ import annotations

import functools
import logging
from typing import Any, TypeVar

import pluggy

from oneproxy_plugins.exceptions import OneProxyError
from oneproxy_plugins.plugins import hookspecs

logger = logging.getLogger(__name__)

T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager.

    Built on first use (never at import): hook specifications, then the built-ins, then every
    plugin of the ``oneproxy_plugins`` entry-point group, then a check that no plugin
    implements an unknown hook.
    """
    from oneproxy_plugins.plugins import _builtin

    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(_builtin, name="oneproxy_plugins.builtin")
    n = pm.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)
    logger.debug("loaded %d oneproxy_plugins entry-point plugin(s)", n)
    pm.check_pending()
    return pm


def reset_plugin_manager() -> None:
    """Forget the cached manager and registries (tests, or after installing a plugin)."""
    get_plugin_manager.cache_clear()
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
