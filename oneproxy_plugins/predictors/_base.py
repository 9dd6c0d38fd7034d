"""The scikit-learn estimator base shared by every latency predictor.

A latency predictor maps architectures to milliseconds on one device. ``fit(X, y)`` and
``predict(X)`` take ``X`` either as encoded features, a numeric array of shape
``(n_archs, n_features)``, or as a sequence of architecture ids or values of the predictor's
``space``, which are encoded with :meth:`~oneproxy_plugins.spaces.BaseSpace.encode_many`.
Encoding is the slow part (tens of milliseconds for all of NAS-Bench-201): encode once and pass
the features where speed matters; predicting from features is one matrix product for linear
predictors.

Subclasses implement :meth:`BaseLatencyPredictor._fit` and
:meth:`BaseLatencyPredictor._predict` on validated features, list their learned attributes in
``_state_attrs`` (the save format of :mod:`oneproxy_plugins.predictors.io`) and validate their
own parameters in ``_check_params``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from oneproxy_plugins._checks import check_bool, check_int, check_latencies, check_real
from oneproxy_plugins.exceptions import NotFittedError

try:
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # scikit-learn < 1.6 only has the method form
    def _validate_data(estimator: BaseEstimator, X: Any, **kwargs: Any) -> np.ndarray:
        kwargs["force_all_finite"] = kwargs.pop("ensure_all_finite")
        return estimator._validate_data(X, **kwargs)

__all__ = ["BaseLatencyPredictor", "check_latency"]


def check_latency(y: Any, n_samples: int | None = None, *, name: str = "y") -> np.ndarray:
    """Validate measured latencies: a 1-D float array of positive, finite milliseconds.

    The package's one latency check (:func:`oneproxy_plugins._checks.check_latencies`) with
    scikit-learn's conventions: a column vector is read as ``(n_samples,)`` with a
    ``DataConversionWarning``.

    Args:
        y: Array-like of shape ``(n_samples,)``, milliseconds.
        n_samples: Expected length (the number of rows of ``X``), or ``None``.
        name: Name of the argument in messages.

    Returns:
        ``y`` as a float64 array.

    Raises:
        ValueError: Not numeric, not 1-D, the wrong length, or a value that is NaN, infinite
            or <= 0 (the first such row is named).
    """
    return check_latencies(y, n_samples, name=name)


def _check_bool_params(est: Any, *names: str) -> None:
    for name in names:
        check_bool(name, getattr(est, name), kind="parameter")


def _check_int_param(est: Any, name: str, low: int, *, allow_none: bool = False) -> None:
    check_int(name, getattr(est, name), low, kind="parameter", allow_none=allow_none)


def _check_real_param(est: Any, name: str, *, low: float, low_open: bool = False,
                      high: float | None = None) -> None:
    """A finite real number above ``low`` (strictly when ``low_open``), at most ``high``."""
    check_real(name, getattr(est, name), low=low, low_open=low_open, high=high,
               kind="parameter")


def _looks_like_archs(X: Any) -> bool:
    """Whether ``X`` is a sequence of architectures rather than a numeric feature matrix."""
    dtype = getattr(X, "dtype", None)  # numpy arrays, pandas Series (not DataFrames)
    if isinstance(dtype, np.dtype):
        if dtype.kind in "US":
            return True
        return dtype.kind == "O" and X.ndim == 1  # e.g. Once-for-All's dataclass values
    if isinstance(X, (list, tuple)):
        if not X:
            return False
        first = X[0]
        if isinstance(first, (str, bytes)):
            return True
        if isinstance(first, Sequence) and not isinstance(first, (str, bytes)):
            return not all(isinstance(v, numbers.Number) for v in first)
        return not isinstance(first, (numbers.Number, np.ndarray))
    return False


class BaseLatencyPredictor(RegressorMixin, BaseEstimator):
    """Base class of latency predictors: scikit-learn regressors of milliseconds.

    Subclasses store their keyword arguments in ``__init__`` (one of them ``space``), and
    implement ``_fit(F, y)`` and ``_predict(F)`` on float64 feature arrays. ``RegressorMixin``
    comes first in the bases, as scikit-learn requires of mixins.

    Attributes:
        n_features_in_: Number of features seen in ``fit``.
        feature_names_in_: Column names when ``fit`` got a DataFrame with string columns.
    """

    _state_attrs: ClassVar[tuple[str, ...]] = ("n_features_in_", "feature_names_in_")
    """Learned attributes written by :func:`~oneproxy_plugins.predictors.save_predictor`."""

    space: str | None

    # ---------------------------------------------------------------- subclass interface
    def _check_params(self) -> None:
        """Validate constructor parameters (called by ``fit``); raise ``ValueError``."""
        from oneproxy_plugins.spaces import BaseSpace

        if self.space is not None and not isinstance(self.space, (str, BaseSpace)):
            raise ValueError("The 'space' parameter must be a space name, a BaseSpace or None; "
                             f"got {self.space!r}.")

    def _fit(self, F: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, F: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # ---------------------------------------------------------------- inputs
    def _space(self):
        from oneproxy_plugins.spaces import get_space

        return get_space(self.space)

    def _features(self, X: Any, *, reset: bool) -> np.ndarray:
        """Validated float64 features ``(n, n_features)`` from features or architectures."""
        if not isinstance(X, np.ndarray) and not hasattr(X, "__len__") and hasattr(X, "__iter__"):
            X = list(X)  # a generator of architectures
        if isinstance(X, (str, bytes)):
            raise ValueError(f"{type(self).__name__} got a single string for X; pass a list of "
                             "architecture ids, e.g. [arch_id].")
        if _looks_like_archs(X):
            if self.space is None:
                from oneproxy_plugins.spaces import list_spaces

                first = X[0] if len(X) else None
                raise ValueError(
                    f"{type(self).__name__} got architectures (first: {first!r}) but its 'space' "
                    f"parameter is None; set space to one of {sorted(list_spaces())} to encode "
                    "them, or pass encoded features as a 2-D numeric array.")
            X = self._space().encode_many(X)
        F = _validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=False)
        if not np.isfinite(F).all():
            row, col = map(int, np.argwhere(~np.isfinite(F))[0])
            raise ValueError(f"X row {row}, column {col}: {float(F[row, col])!r}; features must be "
                             "finite (no NaN or inf).")
        return F

    # ---------------------------------------------------------------- public API
    def fit(self, X: Any, y: Any) -> BaseLatencyPredictor:
        """Fit the predictor to measured latencies.

        Args:
            X: Encoded features of shape ``(n_samples, n_features)``, or a sequence of
                ``n_samples`` architectures (ids or values) of ``space``.
            y: Array of shape ``(n_samples,)``, milliseconds, all positive and finite.

        Returns:
            The fitted predictor (``self``).

        Raises:
            ValueError: A bad parameter, architectures without a ``space``, non-finite
                features, or a bad latency (its row is named).
            UnknownSpaceError: ``space`` is not a registered space.
        """
        self._check_params()
        if self.space is not None:
            self._space()  # an unknown space name fails here, not at the first predict
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None; pass the measured latencies in ms.")
        F = self._features(X, reset=True)
        y = check_latency(y, F.shape[0])
        self._fit(F, y)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "n_features_in_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call 'fit' with "
                "training data before using this method.")

    def predict(self, X: Any) -> np.ndarray:
        """Predict latencies.

        Args:
            X: Encoded features of shape ``(n_archs, n_features_in_)``, or a sequence of
                architectures of ``space``.

        Returns:
            Array of shape ``(n_archs,)``, milliseconds.

        Raises:
            NotFittedError: ``fit`` was not called.
            ValueError: Wrong number of features, non-finite features, or architectures
                without a ``space``.
        """
        self._check_fitted()
        return self._predict(self._features(X, reset=False))

    def evaluate(self, X: Any, y: Any) -> dict[str, float]:
        """Quality of the predictions on held-out measurements.

        Args:
            X: Features or architectures, as for :meth:`predict`.
            y: Measured latencies of shape ``(n_archs,)``, milliseconds.

        Returns:
            ``{"srcc", "rmse_ms", "within_10pct", "n_samples"}``, see
            :func:`~oneproxy_plugins.predictors.fit_report`.
        """
        from oneproxy_plugins.predictors.metrics import fit_report

        y_pred = self.predict(X)
        return fit_report(check_latency(y, y_pred.size), y_pred)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True  # latencies are strictly positive
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"requires_positive_y": True}

    # ---------------------------------------------------------------- save format protocol
    def _to_state(self) -> dict[str, Any]:
        """JSON-able learned state: each attribute of ``_state_attrs``, ``None`` when unset.

        Arrays become ``{"dtype", "shape", "data"}`` dicts, lists of arrays lists of those.
        Override (with :meth:`_from_state`) for state that is not plain attributes.
        """
        from oneproxy_plugins.predictors.io import encode_value

        self._check_fitted()
        return {name: encode_value(getattr(self, name, None), name)
                for name in self._state_attrs}

    @classmethod
    def _from_state(cls, params: Mapping[str, Any], state: Mapping[str, Any]
                    ) -> BaseLatencyPredictor:
        """Rebuild a fitted predictor from its parameters and :meth:`_to_state`'s output.

        Raises:
            KeyError: An attribute of ``_state_attrs`` is missing from ``state``.
            ValueError: A value is malformed or a parameter invalid.
        """
        from oneproxy_plugins.predictors.io import decode_value

        obj = cls(**params)
        obj._check_params()
        for name in cls._state_attrs:
            if name not in state:
                raise KeyError(name)
            value = decode_value(state[name], name)
            if value is not None:
                setattr(obj, name, value)
        obj._check_fitted()
        return obj
