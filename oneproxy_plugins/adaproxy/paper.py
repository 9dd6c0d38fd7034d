"""`AdaProxyPaper`: the paper's AdaProxy (Lu et al., SIGMETRICS 2022), faithfully.

A linear proxy predictor with weights ``w`` on the space's encoding ``x`` is adapted to the
target as

.. math::

    \\hat y(x) = \\sum_j x_j w_j (a + b_j) + c

with ``a`` and ``c`` free and a penalty ``lambda * ||b||`` (L2 by default, L1 as an option). The
paper's notebook grid-searches 100,000 values of ``lambda`` with a convex solver per point; here
the L2 path is solved in closed form for a whole grid at once from one SVD, and ``lambda`` is the
grid point with the smallest leave-one-out error (also closed form). L1 uses K-fold selection
over a short grid with coordinate descent.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> archs = [space.to_id(a) for a in space.sample_many(300, rng=0)]
    >>> x = space.encode_many(archs)[:, :30]
    >>> proxy = LatencyTable(archs, ["cpu"], 1 + x @ np.linspace(0.1, 1, 30), space=space.name)
    >>> target = 2 + x @ np.linspace(0.2, 1.2, 30)
    >>> model = AdaProxyPaper(ProxyPool(proxy)).fit(archs[:20], target[:20])
    >>> model.b_.shape  # one deviation per encoding column, and the offset's
    (36,)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_choice
from oneproxy_plugins.adaproxy._base import BasePoolAdapter, check_targets
from oneproxy_plugins.adaproxy._linalg import lasso_kfold, ridge_loo_path
from oneproxy_plugins.adaproxy.pool import ProxyPool
from oneproxy_plugins.exceptions import UnknownDeviceError
from oneproxy_plugins.latency.table import LatencyTable

__all__ = ["AdaProxyPaper"]


class AdaProxyPaper(BasePoolAdapter):
    """The paper's AdaProxy: ``w_target = w_proxy * (a + b) + c`` with a penalty on ``b``.

    Args:
        pool: A :class:`ProxyPool` or :class:`LatencyTable`; its ``proxy`` column gives the
            proxy's linear predictor (least squares on the encoding, milliseconds).
        proxy: Which pool device is the proxy (default: the first).
        penalty: ``"l2"`` (closed-form leave-one-out over the grid) or ``"l1"`` (K-fold).
        alphas: Grid of penalty weights; default 200 values from 1e-6 to 1e6 (log-spaced).

    Faithful to the paper, the model is linear in milliseconds: far from the target samples
    it can predict values at or below zero (its ranking is still what it is scored on).

    Attributes:
        pool_: The :class:`ProxyPool` fitted on.
        a_, b_, c_: The adaptation: scalar scale, per-feature deviation, offset (ms).
        alpha_: The chosen penalty weight.
    """

    def __init__(self, pool: ProxyPool | LatencyTable | None = None, *, proxy: str | None = None,
                 penalty: str = "l2", alphas: Sequence[float] | None = None) -> None:
        self.pool = pool
        self.proxy = proxy
        self.penalty = penalty
        self.alphas = alphas

    _state_attrs = ("a_", "b_", "c_", "alpha_", "proxy_weights_", "n_samples_")
    _fitted_attr = "proxy_weights_"

    def _proxy_weights(self, pool: ProxyPool) -> np.ndarray:
        proxy = self.proxy if self.proxy is not None else pool.devices[0]
        if proxy not in pool.devices:
            raise UnknownDeviceError(proxy, pool.devices)
        return pool.linear_ms_weights(proxy)

    def fit(self, X: Sequence[Any], y: Any) -> AdaProxyPaper:  # noqa: N803
        """Fit ``a``, ``b``, ``c`` on the target measurements (``k >= 3``)."""
        check_choice("penalty", self.penalty, ("l2", "l1"), kind="parameter")
        try:
            alphas = (np.logspace(-6, 6, 200) if self.alphas is None
                      else np.asarray(self.alphas, float))
        except (TypeError, ValueError):
            alphas = np.empty(0)
        if alphas.ndim != 1 or alphas.size == 0 or not (np.isfinite(alphas) & (alphas > 0)).all():
            raise ValueError(f"The 'alphas' parameter must be a non-empty list of positive "
                             f"numbers; got {self.alphas!r}.")
        pool = self._fit_pool()
        archs = list(X)
        y = check_targets(y, len(archs), min_samples=3)
        w = self._proxy_weights(pool)
        u = np.c_[pool.encoding(archs), np.ones(len(archs))] * w  # (k, d+1)
        free = np.c_[np.ones(len(y)), u.sum(axis=1)]  # c and a: not penalised
        if self.penalty == "l2":
            b, coef_free, alpha = ridge_loo_path(u, free, y, alphas)
        else:
            b, coef_free, alpha = lasso_kfold(u, free, y, alphas)
        self.pool_ = pool
        self.c_, self.a_ = float(coef_free[0]), float(coef_free[1])
        self.b_ = b
        self.alpha_ = float(alpha)
        self.proxy_weights_ = w
        self.n_samples_ = len(y)
        return self

    def predict(self, X: Sequence[Any]) -> np.ndarray:  # noqa: N803
        """Predicted target latency (ms), shape ``(n,)``."""
        self._check_fitted()
        enc = self.pool_.encoding(list(X))
        x = np.c_[enc, np.ones(len(enc))]
        return x @ (self.proxy_weights_ * (self.a_ + self.b_)) + self.c_
