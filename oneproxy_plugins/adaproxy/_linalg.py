"""The closed-form solves behind the adapters: small array functions, no estimator state.

- :func:`gp_loo_select`: kernel ridge (a Gaussian process posterior mean) with the kernel and
  the noise chosen together by closed-form leave-one-out;
- :func:`loo_affine`: an affine fit of each column at once, with its leave-one-out error;
- :func:`gp_loo_residuals`: leave-one-out residuals of kernel ridge with a free offset;
- :func:`gp_offset_posterior`: the same model's posterior covariance, in weight space;
- :func:`loo_blend`: the blend of two models' leave-one-out residuals with the least error;
- :func:`ridge_loo_path`: the paper's L2 AdaProxy for a whole penalty grid from one SVD;
- :func:`lasso_kfold`: the paper's L1 variant, K-fold over a short grid.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

__all__ = ["gp_loo_select", "loo_affine", "gp_loo_residuals", "gp_offset_posterior", "loo_blend",
           "ridge_loo_path", "lasso_kfold"]


def gp_loo_select(kernels: Sequence[np.ndarray], y: np.ndarray, noises: Sequence[float], *,
                  return_inverse: bool = False
                  ) -> tuple[np.ndarray, float, int] | tuple[np.ndarray, float, int, np.ndarray]:
    """Dual weights of kernel ridge ``(K + s I)^-1 y`` with the kernel ``K`` of ``kernels``
    and the noise ``s`` chosen together by closed-form LOO.

    For each candidate pair the leave-one-out residuals are ``a_i / [(K + s I)^-1]_ii``. One
    eigendecomposition per kernel gives every noise's inverse, ``V diag(1 / (l + s)) V^T``.

    Returns:
        ``(alpha (k,), chosen noise, index of the chosen kernel)``; the first pair with the
        least leave-one-out error, kernels before noises. With ``return_inverse``, then the
        chosen pair's ``(K + s I)^-1`` (for :func:`gp_offset_posterior`).
    """
    eigvals, vecs = np.linalg.eigh(np.asarray(kernels, dtype=float))  # (n, k), (n, k, k)
    noise = np.asarray(noises, dtype=float)
    inv_eig = 1.0 / (eigvals[:, :, None] + noise)  # (n, k, s)
    alpha = vecs @ ((y @ vecs)[:, :, None] * inv_eig)  # (n, k, s)
    inv_diag = (vecs ** 2) @ inv_eig
    loo = ((alpha / inv_diag) ** 2).sum(axis=1)  # (n, s), k times the mean square
    index, chosen = divmod(int(np.argmin(loo)), len(noise))
    out = alpha[index, :, chosen], float(noise[chosen]), index
    if not return_inverse:
        return out
    return (*out, (vecs[index] * inv_eig[index, :, chosen]) @ vecs[index].T)


def loo_affine(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Affine fit ``y ~ c + s z`` of every column of ``z`` at once, with LOO residuals.

    Args:
        z: Array ``(k, m)``.
        y: Array ``(k,)``.

    Returns:
        ``(intercepts (m,), slopes (m,), loo_mse (m,))``; :func:`loo_affine_residuals` gives
        the residuals themselves.
    """
    intercept, slope, loo = loo_affine_residuals(z, y)
    return intercept, slope, np.mean(loo ** 2, axis=0)


def loo_affine_residuals(z: np.ndarray, y: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`loo_affine` with the leave-one-out residuals ``(k, m)`` instead of their MSE
    (residual ``i`` of column ``p``: ``y_i`` minus the affine fit of column ``p`` on the other
    samples, at ``z_ip``)."""
    k = len(y)
    zc = z - z.mean(axis=0)
    sxx = (zc ** 2).sum(axis=0) + 1e-12
    slope = zc.T @ (y - y.mean()) / sxx
    intercept = y.mean() - slope * z.mean(axis=0)
    resid = y[:, None] - (intercept + slope * z)
    leverage = 1.0 / k + zc ** 2 / sxx
    return intercept, slope, resid / np.clip(1.0 - leverage, 1e-6, None)


def _offset_projection(kernel: np.ndarray, noise: float, inverse: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``A^-1`` (``A = kernel + noise I``; ``inverse`` where already known), ``u = A^-1 1``,
    ``q = 1^T A^-1 1`` and the projection ``P = A^-1 - u u^T / q`` that integrates out a
    flat-prior offset."""
    if inverse is None:
        shifted = kernel + 0.0  # a copy
        shifted.flat[::len(kernel) + 1] += noise
        inverse = np.linalg.inv(shifted)
    u = inverse.sum(axis=1)
    q = float(u.sum())
    return inverse, u, q, inverse - u[:, None] * (u / q)


def gp_loo_residuals(kernel: np.ndarray, y: np.ndarray, noise: float) -> np.ndarray:
    """Leave-one-out residuals of kernel ridge ``y ~ b + f``, ``f ~ GP(0, kernel)``, with the
    offset ``b`` refitted without each sample (a flat prior on it).

    :func:`gp_loo_select` centres ``y`` on all ``k`` samples, so its residuals see each held-out
    sample through the mean; these do not, and compare fairly with :func:`loo_affine`'s.

    Args:
        kernel: Array ``(k, k)``, the prior covariance of ``f`` on the samples.
        y: Array ``(k,)``.
        noise: Noise variance added to the diagonal.

    Returns:
        Array ``(k,)``: ``y_i`` minus the prediction at ``i`` from the other samples.
    """
    proj = _offset_projection(kernel, noise)[3]
    return (proj @ y) / np.maximum(proj.diagonal(), 1e-12)


def gp_offset_posterior(phi: np.ndarray, prior: np.ndarray, noise: float, y: np.ndarray, *,
                        inverse: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior covariance of the weights of ``y = b + phi w + e`` given ``k`` samples, with
    ``w ~ N(0, prior)``, a flat prior on the offset ``b`` and ``e ~ N(0, noise)`` (the model of
    :func:`gp_loo_residuals` with ``kernel = phi prior phi^T``, in weight space), and each
    sample's leave-one-out residual and predictive variance, from the one solve.

    Args:
        phi: Array ``(k, d)``, the samples' features.
        prior: Array ``(d, d)``, the prior covariance of ``w``.
        noise: Noise variance.
        y: Array ``(k,)``, the samples.
        inverse: ``(phi prior phi^T + noise I)^-1`` where already known (e.g. from
            :func:`gp_loo_select`'s ``return_inverse``); computed otherwise.

    Returns:
        ``(cov (1 + d, 1 + d), loo_resid (k,), loo_var (k,))``: the covariance of ``(b, w)``
        (universal kriging: ``b``'s estimate and the weights' are correlated),
        :func:`gp_loo_residuals`, and the variance of ``y_i`` given the other samples, noise
        included (``1 / P_ii``).
    """
    g = prior @ phi.T
    inv, u, q, proj = _offset_projection(phi @ g, noise, inverse)
    c = g @ u
    cov = np.empty((1 + len(prior), 1 + len(prior)))
    cov[0, 0] = 1.0 / q
    cov[0, 1:] = cov[1:, 0] = -c / q
    cov[1:, 1:] = prior - g @ inv @ g.T + c[:, None] * (c / q)
    diag = np.maximum(proj.diagonal(), 1e-12)
    return cov, (proj @ y) / diag, 1.0 / diag


def loo_blend(anchor: np.ndarray, adapted: np.ndarray) -> float:
    """Share ``s`` in ``[0, 1]`` of the blend ``(1 - s) anchor + s adapted`` of two models whose
    leave-one-out residuals are ``anchor`` and ``adapted`` (arrays ``(k,)``) that has the
    smallest leave-one-out error; 1 where the two residuals are the same."""
    diff = anchor - adapted
    norm = float(diff @ diff)
    if norm <= 1e-24:
        return 1.0
    return float(np.clip(anchor @ diff / norm, 0.0, 1.0))


def ridge_loo_path(u: np.ndarray, free: np.ndarray, y: np.ndarray, alphas: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, float]:
    """Ridge on ``u`` with unpenalised ``free`` columns; alpha by closed-form LOO over a grid."""
    q, _ = np.linalg.qr(free)
    m = np.eye(len(y)) - q @ q.T
    um, ym = m @ u, m @ y
    v, s, wt = np.linalg.svd(um, full_matrices=False)
    s2 = s ** 2
    vy = v.T @ ym
    shrink = s2[None, :] / (s2[None, :] + alphas[:, None])  # (n_alpha, r)
    fitted = (shrink * vy) @ v.T  # (n_alpha, k)
    hat_diag = (q ** 2).sum(axis=1)[None, :] + (shrink[:, None, :] * v[None] ** 2).sum(axis=2)
    resid = (y - q @ (q.T @ y))[None, :] - fitted
    loo = resid / np.clip(1.0 - hat_diag, 1e-9, None)
    best = int(np.argmin(np.mean(loo ** 2, axis=1)))
    alpha = alphas[best]
    b = wt.T @ (s / (s2 + alpha) * vy)
    coef_free = np.linalg.lstsq(free, y - u @ b, rcond=None)[0]
    return b, coef_free, alpha


def lasso_kfold(u: np.ndarray, free: np.ndarray, y: np.ndarray, alphas: np.ndarray,
                 n_folds: int = 5) -> tuple[np.ndarray, np.ndarray, float]:
    """L1 on ``u`` with unpenalised ``free`` columns; alpha by K-fold over a short grid."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso

    grid = alphas if alphas.size <= 20 else np.geomspace(alphas.min(), alphas.max(), 20)

    def solve(rows: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        q, _ = np.linalg.qr(free[rows])
        m = np.eye(len(rows)) - q @ q.T
        scale = np.abs(y[rows]).mean() or 1.0
        model = Lasso(alpha=alpha / len(rows), fit_intercept=False, max_iter=5000)
        with warnings.catch_warnings():
            # weak penalties on k samples rarely converge exactly; K-fold judges the result
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(m @ u[rows] / scale, m @ y[rows] / scale)
        b = model.coef_
        coef_free = np.linalg.lstsq(free[rows], y[rows] - u[rows] @ b, rcond=None)[0]
        return b, coef_free

    k = len(y)
    folds = np.array_split(np.arange(k), min(n_folds, k))
    errors = []
    for alpha in grid:
        err = 0.0
        for test in folds:
            train = np.setdiff1d(np.arange(k), test)
            b, cf = solve(train, alpha)
            err += float(np.sum((y[test] - free[test] @ cf - u[test] @ b) ** 2))
        errors.append(err)
    alpha = float(grid[int(np.argmin(errors))])
    b, coef_free = solve(np.arange(k), alpha)
    return b, coef_free, alpha
