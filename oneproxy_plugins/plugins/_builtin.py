"""The built-in spaces, runtimes, loaders, predictors, adaptation methods and NNI sample
mappings, registered through the public hooks."""

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


@hookimpl
def oneproxy_add_predictors():
    from oneproxy_plugins.predictors import BUILTIN_PREDICTORS

    return list(BUILTIN_PREDICTORS)


@hookimpl
def oneproxy_add_adapters():
    from oneproxy_plugins.adaproxy.methods import BUILTIN_ADAPTERS

    return list(BUILTIN_ADAPTERS)


@hookimpl
def oneproxy_add_sample_mappings():
    from oneproxy_plugins.nni.hub import BUILTIN_MAPPINGS

    return list(BUILTIN_MAPPINGS)
