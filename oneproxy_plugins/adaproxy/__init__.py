"""AdaProxy: adapt proxy devices' latency knowledge to a new target from a few measurements.

Every adapter is a scikit-learn-style estimator from architecture ids to milliseconds on the
target, built on a :class:`ProxyPool` (the proxy devices measured in full):

- :class:`AdaProxyPredictor` (``"adaproxy"``, the default): a pool of proxies averaged by
  their rank agreement with the target samples, plus an encoding residual with a prior learned
  from the pool (:mod:`~oneproxy_plugins.adaproxy.predictor`);
- :class:`AdaProxyPaper` (``"adaproxy-paper"``, ``"adaproxy-paper-l1"``): the paper's form,
  ``w_target = w_proxy * (a + b) + c`` with a penalty on ``b``
  (:mod:`~oneproxy_plugins.adaproxy.paper`);
- :class:`BestProxyPredictor` (``"proxy"``): no adaptation, the best proxy rescaled.

Methods are looked up by name in the plugin registry (:func:`make_adapter`,
:func:`list_adapters`; :mod:`~oneproxy_plugins.adaproxy.methods`), so a plugin can add one.
:func:`oneproxy_plugins.sampling.select_samples` chooses which architectures to measure on the
target: greedy maximum posterior variance under the same prior. Several targets measured
``K`` times each can be adapted together (:func:`~oneproxy_plugins.adaproxy.joint.adapt_jointly`:
each target's pool gains its own first fit, stacked, and the other targets').

The package: :mod:`~oneproxy_plugins.adaproxy.pool` (the pool),
:mod:`~oneproxy_plugins.adaproxy._linalg` (the closed-form solves),
:mod:`~oneproxy_plugins.adaproxy.predictor`, :mod:`~oneproxy_plugins.adaproxy.paper`,
:mod:`~oneproxy_plugins.adaproxy.methods`, :mod:`~oneproxy_plugins.adaproxy.joint`.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> archs = [space.to_id(a) for a in space.sample_many(300, rng=0)]
    >>> x = space.encode_many(archs)
    >>> proxies = LatencyTable(archs, ["cpu", "gpu"],
    ...                        np.c_[1 + x[:, :30] @ np.linspace(0.1, 1, 30),
    ...                              1 + x[:, :30] @ np.linspace(1, 0.1, 30)], space=space.name)
    >>> target = 2 + x[:, :30] @ np.linspace(0.5, 0.6, 30)
    >>> model = make_adapter("adaproxy", ProxyPool(proxies)).fit(archs[:10], target[:10])
    >>> model.predict(archs[10:]).shape
    (290,)
"""

from __future__ import annotations

from typing import Any

from oneproxy_plugins.adaproxy._base import BasePoolAdapter
from oneproxy_plugins.adaproxy.methods import (AdapterMethod, get_adapter, list_adapters,
                                                   make_adapter)
from oneproxy_plugins.adaproxy.paper import AdaProxyPaper
from oneproxy_plugins.adaproxy.pool import ANALYTIC_PROXIES, FEATURE_SETS, ProxyPool
from oneproxy_plugins.adaproxy.predictor import AdaProxyPredictor, BestProxyPredictor

__all__ = ["ProxyPool", "AdaProxyPredictor", "AdaProxyPaper", "BestProxyPredictor",
           "BasePoolAdapter", "AdapterMethod", "make_adapter", "get_adapter", "list_adapters",
           "FEATURE_SETS", "ANALYTIC_PROXIES"]


def __getattr__(name: str) -> Any:
    if name == "ADAPTATION_METHODS":  # the hand-written table the registry replaced
        from oneproxy_plugins._deprecation import warn_renamed_name

        warn_renamed_name("oneproxy_plugins.adaproxy.ADAPTATION_METHODS",
                          "oneproxy_plugins.adaproxy.list_adapters()")
        return {name: m.description for name, m in list_adapters().items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
