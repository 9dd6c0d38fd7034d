"""Adaptation methods by name: what ``oneproxy adapt --method`` and ``oneproxy bench fewshot
--method`` accept, registered through the ``oneproxy_add_adapters`` plugin hook.

An :class:`AdapterMethod` names an adapter class and the constructor arguments that make it
the method (``"adaproxy-paper-l1"`` is :class:`~oneproxy_plugins.adaproxy.AdaProxyPaper` with
``penalty="l1"``). The built-in methods register through the same hook as a plugin's; a
plugin adds one by returning its own ``AdapterMethod`` (see ``docs/plugins.md``).

Example:
    >>> sorted(list_adapters())
    ['adaproxy', 'adaproxy-paper', 'adaproxy-paper-l1', 'proxy']
    >>> get_adapter("adaproxy-paper-l1").params
    {'penalty': 'l1'}
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any

from oneproxy_plugins.adaproxy.paper import AdaProxyPaper
from oneproxy_plugins.adaproxy.pool import ProxyPool
from oneproxy_plugins.adaproxy.predictor import AdaProxyPredictor, BestProxyPredictor
from oneproxy_plugins.exceptions import UnknownPredictorError

__all__ = ["AdapterMethod", "BUILTIN_ADAPTERS", "get_adapter", "list_adapters", "make_adapter"]


@dataclasses.dataclass(frozen=True)
class AdapterMethod:
    """A named adaptation method: an adapter class and the arguments that make it the method.

    Args:
        name: The registry name (``--method``), unique across plugins.
        cls: The adapter class; its constructor takes the proxy pool as first argument (and
            ``proxy``, the proxy device, when the method uses one). Its instances must be
            saveable (see :mod:`oneproxy_plugins.predictors.io`) to be written by
            ``oneproxy adapt``.
        description: One line for ``--help`` and the docs.
        params: Constructor arguments fixed by the method (user parameters override them).
    """

    name: str
    cls: type
    description: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"An adapter method's name must be a non-empty str; got "
                             f"{self.name!r}.")
        if not isinstance(self.cls, type) or not callable(getattr(self.cls, "fit", None)):
            raise TypeError(f"Adapter method {self.name!r}: 'cls' must be an estimator class "
                            f"with fit(); got {self.cls!r}.")
        object.__setattr__(self, "params", dict(self.params))

    def build(self, pool: ProxyPool | None, *, proxy: str | None = None, **params: Any) -> Any:
        """An unfitted adapter of this method on ``pool``.

        Args:
            pool: The proxy pool (``None`` only checks that ``params`` are accepted).
            proxy: The proxy device, for methods whose class takes one (the paper's).
            **params: Further constructor arguments (an ablation, e.g. ``slope_var=0``).

        Raises:
            TypeError: A parameter the method's class does not take, or one the method fixes.
        """
        fixed = sorted(set(params) & set(self.params))
        if fixed:
            raise TypeError(f"Method {self.name!r} does not take the parameters {fixed}: the "
                            f"method fixes them ({self.params}).")
        kwargs = {**self.params, **params}
        if proxy is not None and "proxy" in inspect.signature(self.cls).parameters:
            kwargs.setdefault("proxy", proxy)
        try:
            return self.cls(pool, **kwargs)
        except TypeError as exc:
            raise TypeError(f"Method {self.name!r} does not take the parameters "
                            f"{sorted(params)}: {exc}") from None


BUILTIN_ADAPTERS = (
    AdapterMethod("adaproxy", AdaProxyPredictor,
                  "Pool of proxies (model averaging) + encoding residual with a pool-learned "
                  "prior (default)"),
    AdapterMethod("adaproxy-paper", AdaProxyPaper,
                  "The paper's AdaProxy: w_proxy * (a + b) + c, L2 penalty by closed-form LOO"),
    AdapterMethod("adaproxy-paper-l1", AdaProxyPaper,
                  "The paper's AdaProxy with an L1 penalty on b (K-fold)", {"penalty": "l1"}),
    AdapterMethod("proxy", BestProxyPredictor,
                  "Best proxy by SRCC on the samples, affinely rescaled, no adaptation"),
)
"""The adaptation methods of oneproxy-plugins itself (registered through the plugin hook)."""


def list_adapters() -> dict[str, AdapterMethod]:
    """Every registered adaptation method (built-in and from plugins) by name."""
    from oneproxy_plugins.plugins import collect

    return dict(collect("oneproxy_add_adapters"))


def get_adapter(name: str | AdapterMethod) -> AdapterMethod:
    """A registered adaptation method by name (an ``AdapterMethod`` is returned as is).

    Raises:
        UnknownPredictorError: No method has that name; the message lists the known ones.
    """
    from oneproxy_plugins.plugins import lookup

    return lookup("oneproxy_add_adapters", name, AdapterMethod, UnknownPredictorError)


def make_adapter(method: str, pool: ProxyPool | None, *, proxy: str | None = None,
                 **params: Any) -> Any:
    """Build an unfitted adapter by method name (see :func:`list_adapters`).

    Args:
        method: A registered method name.
        pool: The proxy pool.
        proxy: The paper adapters' proxy (default: the pool's first device).
        **params: Further constructor arguments of the adapter's class (an ablation such as
            ``slope_var=0`` for ``"adaproxy"``).

    Raises:
        UnknownPredictorError: Unknown ``method``.
        TypeError: A parameter the method's class does not take.
    """
    return get_adapter(method).build(pool, proxy=proxy, **params)
