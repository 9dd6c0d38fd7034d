"""Hook specifications: how a package adds search spaces, runtimes, latency-data loaders,
latency predictors, adaptation methods and NNI sample mappings.

A plugin is a module or object with functions marked by :data:`hookimpl`, made discoverable
through the ``oneproxy_plugins`` entry-point group in its ``pyproject.toml``::

    [project.entry-points.oneproxy_plugins]
    my_spaces = "my_package.oneproxy_plugin"

The built-in spaces, runtimes, loaders, predictors, adaptation methods and mappings register
through these same hooks (:mod:`oneproxy_plugins.plugins._builtin`); the CLI, the saved-file
loader and the benchmarks read the registry, never a table of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from oneproxy_plugins.adaproxy.methods import AdapterMethod
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


@hookspec
def oneproxy_add_predictors() -> list[type]:
    """Return latency predictor classes to register.

    Called once when the plugin manager is first built. Each class is a scikit-learn-style
    regressor of milliseconds (usually a subclass of
    :class:`~oneproxy_plugins.predictors.BaseLatencyPredictor`) with a unique ``name`` class
    attribute (default: the class name): :func:`~oneproxy_plugins.predictors.get_predictor`
    builds it by that name, and :func:`~oneproxy_plugins.predictors.load_predictor` reads files
    that name its class.
    """


@hookspec
def oneproxy_add_adapters() -> list[AdapterMethod]:
    """Return adaptation methods to register.

    Called once when the plugin manager is first built. Each is an
    :class:`~oneproxy_plugins.adaproxy.AdapterMethod` with a unique ``name``, the value of
    ``--method`` in ``oneproxy adapt`` and ``oneproxy bench fewshot``; its class is also
    registered for saving and loading.
    """


@hookspec
def oneproxy_add_sample_mappings() -> list[Any]:
    """Return mappings from NNI model-space samples to a space's architecture ids.

    Called once when the plugin manager is first built. Each is a
    :class:`~oneproxy_plugins.nni.hub.SampleMapping` with a unique ``name`` (by convention the
    NNI space's class path); :func:`~oneproxy_plugins.nni.find_mapping` picks the one whose
    labels a sample matches (the most labels wins; a tie between spaces is an error naming
    both). A space labelled with its own parameter names needs none.
    """
