"""The pluggy registry: hook specifications, the ``hookimpl`` marker and the plugin manager.

Example:
    A third-party package adds a space::

        from oneproxy_plugins.plugins import hookimpl

        @hookimpl
        def oneproxy_add_spaces():
            return [MyTinySpace]
"""

from oneproxy_plugins.plugins._manager import (collect, get_plugin_manager, lookup,
                                              register_plugin, reset_plugin_manager,
                                              unregister_plugin)
from oneproxy_plugins.plugins.hookspecs import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec", "get_plugin_manager", "reset_plugin_manager",
           "register_plugin", "unregister_plugin", "collect", "lookup"]
