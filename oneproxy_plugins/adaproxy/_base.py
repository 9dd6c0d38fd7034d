"""The estimator base every adapter shares: a proxy pool in, target milliseconds out.

scikit-learn's rules, as the predictors of :mod:`oneproxy_plugins.predictors` follow them:
``__init__`` only stores its arguments; ``fit`` validates, never changes a constructor
parameter (a ``LatencyTable`` given as ``pool`` stays one; the pool built from it is the
learned ``pool_``) and returns ``self``; learned attributes end in ``_``; using an adapter
before ``fit`` raises :class:`~oneproxy_plugins.exceptions.NotFittedError`, which is
scikit-learn's ``NotFittedError`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from oneproxy_plugins.adaproxy.pool import ProxyPool
from oneproxy_plugins.exceptions import DataFormatError, NotFittedError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.spaces import get_space

__all__ = ["BasePoolAdapter", "check_targets"]


def check_targets(y: Any, n: int, min_samples: int = 2) -> np.ndarray:
    """The ``k`` target latencies an adapter fits on: positive, finite ms, not all equal.

    Raises:
        ValueError: The wrong number, too few, a bad value (its index is named), or a constant
            target.
    """
    from oneproxy_plugins._checks import check_latencies

    y = np.asarray(y, dtype=np.float64).ravel()
    if y.shape[0] != n:
        raise ValueError(f"Got {n} architectures but {y.shape[0]} latencies.")
    if n < min_samples:
        raise ValueError(f"The target needs at least {min_samples} measured architectures; "
                         f"got {n}.")
    try:
        check_latencies(y, name="target latency")
    except ValueError as exc:
        raise DataFormatError(str(exc)) from None
    if np.ptp(y) == 0:
        raise ValueError(f"All {n} target latencies are equal ({y[0]} ms): a constant target "
                         "has no ranking to adapt to.")
    return y


class BasePoolAdapter(RegressorMixin, BaseEstimator):
    """Base class of adapters: scikit-learn regressors from architectures to target ms.

    Subclasses take ``pool`` as their first constructor argument, fit in ``fit`` after
    ``self.pool_ = self._fit_pool()``, list their learned attributes in ``_state_attrs`` (the
    save format of :mod:`oneproxy_plugins.predictors.io`) and name the one that marks them
    fitted in ``_fitted_attr``.
    """

    pool: ProxyPool | LatencyTable | None

    _params_in_state: ClassVar[tuple[str, ...]] = ("pool",)
    _state_attrs: ClassVar[tuple[str, ...]] = ()
    _added_state_attrs: ClassVar[tuple[str, ...]] = ()
    """Attributes of ``_state_attrs`` added after files were first written: a file without
    them loads, and they stay unset."""
    _fitted_attr: ClassVar[str] = "coef_proxy_"

    @property
    def space(self) -> str | None:
        """Name of the search space of the pool (and so of the architectures it predicts)."""
        pool = getattr(self, "pool_", None)
        pool = self.pool if pool is None else pool
        if isinstance(pool, ProxyPool):
            return pool.space.name
        if isinstance(pool, LatencyTable) and pool.space is not None:
            return get_space(pool.space).name
        return None

    def _fit_pool(self, log: bool = True) -> ProxyPool:
        """The pool to fit on: ``pool`` itself, or one built from a proxy table (modelling log
        latency, or milliseconds with ``log=False``)."""
        if isinstance(self.pool, ProxyPool):
            return self.pool
        if isinstance(self.pool, LatencyTable):
            return ProxyPool(self.pool, log=log)
        raise ValueError("The 'pool' parameter must be a ProxyPool or a LatencyTable of proxy "
                         f"devices; got {type(self.pool).__name__}.")

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "pool_") and hasattr(self, self._fitted_attr)

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit() with "
                                 "target measurements first.")

    # ---------------------------------------------------------------- save format protocol
    def _to_state(self) -> dict[str, Any]:
        """JSON-able learned state, the proxy pool included (see ``predictors.io``)."""
        return {**self._attrs_state(), "pool": self.pool_.to_state()}

    def _attrs_state(self) -> dict[str, Any]:
        """The JSON-able learned attributes of ``_state_attrs``, without the pool."""
        from oneproxy_plugins.predictors.io import encode_value

        self._check_fitted()
        return {name: encode_value(getattr(self, name, None), name)
                for name in self._state_attrs}

    @classmethod
    def _from_state(cls, params: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
        return cls._restore(ProxyPool.from_state(state["pool"]), params, state)

    @classmethod
    def _restore(cls, pool: ProxyPool, params: Mapping[str, Any],
                 state: Mapping[str, Any]) -> Any:
        """An adapter fitted on ``pool``, from its parameters and its saved attributes."""
        from oneproxy_plugins.predictors.io import decode_value

        est = cls(pool, **params)
        est.pool_ = pool
        for name in cls._state_attrs:
            if name not in state and name in cls._added_state_attrs:
                continue
            value = decode_value(state[name], name)
            if value is not None:
                setattr(est, name, value)
        n_features = getattr(est, "n_features_in_", None)
        if n_features is not None and n_features != pool.features.shape[1]:
            raise DataFormatError(
                f"The saved {cls.__name__} was fitted on {n_features} features but its pool "
                f"(feature_set {pool.feature_set!r}) has {pool.features.shape[1]}; the file is "
                "inconsistent or from an incompatible version of oneproxy-plugins.")
        return est

    def _probe_input(self) -> list[str]:
        return self.pool_.archs[:1]
