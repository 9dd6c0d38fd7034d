"""Closed-form ridge regression of latency on an architecture encoding.

The linear model is what the OneProxy paper adapts (AdaProxy rescales its weights per device):
latency = encoding . coef + intercept, optionally on log latency, so that the model is
multiplicative in the ops. It is fitted in closed form from one eigendecomposition of the
centred Gram matrix (``X^T X``, or ``X X^T`` when there are fewer samples than features), so
the same decomposition gives every alpha of a grid and its exact leave-one-out error
(``alpha="auto"``) for the cost of a few matrix products. Prediction is one matrix product.

When to use it: always first. It needs no tuning, fits 10 samples in well under a
millisecond and all of NAS-Bench-201 in a few, and ranks NAS-Bench-201 on most devices with
SRCC > 0.94 from 1000 samples. Try :class:`~oneproxy_plugins.predictors.GradientBoostingPredictor`
or :class:`~oneproxy_plugins.predictors.MLPPredictor` when hundreds of samples are available
and the device has strong op interactions (mobile CPUs such as ``pixel3``).

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.predictors import RidgePredictor
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> model = RidgePredictor(alpha=1e-12).fit(X, 1.0 + X @ [2.0, 3.0])
    >>> np.round(model.coef_, 6).tolist(), round(model.intercept_, 6)
    ([2.0, 3.0], 1.0)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from oneproxy_plugins.predictors._base import BaseLatencyPredictor, _check_bool_params

__all__ = ["RidgePredictor", "DEFAULT_ALPHAS"]

DEFAULT_ALPHAS = np.logspace(-6, 6, 49)
"""Grid searched by ``alpha="auto"`` when ``alphas`` is not given (4 values per decade)."""


def _spectral(Fc: np.ndarray, tc: np.ndarray, *, need_u: bool
              ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD ``Fc = U diag(s) V^T`` restricted to non-negligible singular values, and the
    target in that basis, ``z = U^T tc``.

    Computed from the smaller Gram matrix: one ``(n, p)`` product and a ``min(n, p)``-sized
    ``eigh`` instead of a full SVD. ``U`` (``(n, rank)``) is formed only when ``need_u`` or
    when ``n < p`` (where it comes for free).
    """
    n, p = Fc.shape
    gram = Fc.T @ Fc if n >= p else Fc @ Fc.T
    evals, vecs = np.linalg.eigh(gram)
    top = max(float(evals[-1]), 0.0) if evals.size else 0.0
    # eigh's absolute error is about eps * top * size: smaller eigenvalues are rank deficiency
    # (the one-hot blocks of an encoding sum to the same constant), not signal.
    keep = evals > top * 10.0 * np.finfo(np.float64).eps * max(n, p)
    s = np.sqrt(evals[keep])
    vecs = vecs[:, keep]
    if n >= p:
        V = vecs
        z = (V.T @ (Fc.T @ tc)) / s
        U = (Fc @ V) / s if need_u else None
    else:
        U = vecs
        V = (Fc.T @ U) / s
        z = U.T @ tc
    return U, s, V, z


class RidgePredictor(BaseLatencyPredictor):
    """Ridge regression of latency (or log latency) on architecture features, in closed form.

    Args:
        space: Search space name whose encoding turns architectures into features, or
            ``None`` when ``X`` is always given as features.
        alpha: L2 penalty (>= 0; 0 gives the minimum-norm least-squares fit), or ``"auto"`` to
            choose it from ``alphas`` by exact leave-one-out error (needs >= 3 samples).
        log_target: Fit ``log(latency)`` and predict ``exp`` of it: relative errors weigh
            alike, and predictions stay positive.
        fit_intercept: Fit an unpenalised intercept (features and target are centred).
        alphas: Grid for ``alpha="auto"``, positive numbers; default :data:`DEFAULT_ALPHAS`.

    Attributes:
        coef_: Array of shape ``(n_features_in_,)``, ms (or log ms) per unit of each feature.
        intercept_: The intercept, a float.
        alpha_: The penalty used (the chosen one with ``alpha="auto"``).
        loo_mse_: With ``alpha="auto"``, leave-one-out mean squared error per grid value, in
            the fitted target's units.
        n_features_in_: Number of features.
    """

    name = "ridge"
    """Registry name: ``get_predictor("ridge")``."""

    _state_attrs = BaseLatencyPredictor._state_attrs + ("coef_", "intercept_", "alpha_",
                                                        "loo_mse_")

    def __init__(self, space: str | None = None, alpha: float | str = 1.0,
                 log_target: bool = False, fit_intercept: bool = True,
                 alphas: Any = None) -> None:
        self.space = space
        self.alpha = alpha
        self.log_target = log_target
        self.fit_intercept = fit_intercept
        self.alphas = alphas

    def _check_params(self) -> None:
        super()._check_params()
        alpha = self.alpha
        if not (isinstance(alpha, str) and alpha == "auto") and not (
                isinstance(alpha, numbers.Real) and not isinstance(alpha, bool)
                and np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"The 'alpha' parameter must be a number >= 0 or 'auto'; got "
                             f"{alpha!r}.")
        _check_bool_params(self, "log_target", "fit_intercept")
        self._alpha_grid()

    def _alpha_grid(self) -> np.ndarray:
        if self.alphas is None:
            return DEFAULT_ALPHAS
        try:
            grid = np.asarray(self.alphas, dtype=np.float64)
        except (TypeError, ValueError):
            grid = np.empty(0)
        if grid.ndim != 1 or grid.size == 0 or not (np.isfinite(grid) & (grid > 0)).all():
            raise ValueError("The 'alphas' parameter must be None or a non-empty 1-D sequence of "
                             f"positive numbers; got {self.alphas!r}.")
        return grid

    def _fit(self, F: np.ndarray, y: np.ndarray) -> None:
        target = np.log(y) if self.log_target else y
        if self.fit_intercept:
            f_mean = F.mean(axis=0)
            t_mean = float(target.mean())
            Fc, tc = F - f_mean, target - t_mean
        else:
            f_mean, t_mean = np.zeros(F.shape[1]), 0.0
            Fc, tc = F, target
        auto = isinstance(self.alpha, str)
        U, s, V, z = _spectral(Fc, tc, need_u=auto)
        s2 = s * s
        if auto:
            alpha, self.loo_mse_ = self._loo_choice(U, s2, z, tc, intercept=self.fit_intercept)
        else:
            alpha = float(self.alpha)
            if hasattr(self, "loo_mse_"):
                del self.loo_mse_
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.where(s2 + alpha > 0, s / (s2 + alpha), 0.0)
        self.coef_ = V @ (shrink * z)
        self.intercept_ = t_mean - float(f_mean @ self.coef_)
        self.alpha_ = alpha

    def _loo_choice(self, U: np.ndarray, s2: np.ndarray, z: np.ndarray, tc: np.ndarray, *,
                    intercept: bool) -> tuple[float, np.ndarray]:
        """Alpha of the grid with the lowest exact leave-one-out MSE, and the MSE per alpha.

        For a linear smoother ``t_hat = H t`` the leave-one-out residual is
        ``e_i / (1 - H_ii)``; with the intercept unpenalised ``H = 11^T / n + U S U^T``.
        """
        n = tc.size
        if n < 3:
            raise ValueError(f"alpha='auto' chooses alpha by leave-one-out error and needs at "
                             f"least 3 samples; got {n} sample(s). Give a number for 'alpha'.")
        grid = self._alpha_grid()
        factor = s2[None, :] / (s2[None, :] + grid[:, None])  # (n_alphas, rank)
        fitted = (factor * z) @ U.T  # (n_alphas, n)
        leverage = factor @ (U * U).T + (1.0 / n if intercept else 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            loo = (tc - fitted) / (1.0 - leverage)
        mse = np.mean(loo * loo, axis=1)
        mse[~np.isfinite(mse) | (np.max(leverage, axis=1) > 1.0 - 1e-10)] = np.inf
        if not np.isfinite(mse).any():  # every alpha interpolates: take the strongest
            return float(grid.max()), mse
        best = int(np.argmin(mse))  # the smallest alpha among equals
        return float(grid[best]), mse

    def _predict(self, F: np.ndarray) -> np.ndarray:
        out = F @ self.coef_
        out += self.intercept_
        if self.log_target:
            np.exp(out, out=out)
        return out
