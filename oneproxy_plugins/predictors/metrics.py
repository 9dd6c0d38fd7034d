"""Quality metrics of latency predictions (SRCC lives in :mod:`oneproxy_plugins.monotonicity`).

- :func:`rmse`: root-mean-square error in milliseconds.
- :func:`within_pct`: the share of predictions within +-``pct`` percent of the measurement,
  nn-Meter's accuracy measure (it reports +-10%).
- :func:`fit_report`: the three above together, as a dict.

Example:
    >>> from oneproxy_plugins.predictors.metrics import fit_report
    >>> {k: round(v, 3) for k, v in fit_report([1.0, 2.0, 4.0], [1.05, 2.0, 3.0]).items()}
    {'srcc': 1.0, 'rmse_ms': 0.578, 'within_10pct': 0.667, 'n_samples': 3}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_real
from oneproxy_plugins.monotonicity import _as_pair, srcc

__all__ = ["rmse", "within_pct", "fit_report"]


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _as_pair(y_true, y_pred, ("y_true", "y_pred"))
    if t.size == 0:
        raise ValueError("The 'y_true' and 'y_pred' arguments are empty.")
    return t, p


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root-mean-square error.

    Args:
        y_true: Measured latencies, shape ``(n,)``, milliseconds.
        y_pred: Predicted latencies, shape ``(n,)``, milliseconds.

    Returns:
        The RMSE in milliseconds.

    Raises:
        ValueError: Not 1-D numeric arrays of the same, non-zero length.
    """
    t, p = _pair(y_true, y_pred)
    return math.sqrt(float(np.mean((t - p) ** 2)))


def within_pct(y_true: Any, y_pred: Any, pct: float = 10) -> float:
    """Share of predictions whose relative error is at most ``pct`` percent (nn-Meter's
    +-10% accuracy with the default).

    Args:
        y_true: Measured latencies, shape ``(n,)``, milliseconds, positive.
        y_pred: Predicted latencies, shape ``(n,)``, milliseconds.
        pct: Tolerance in percent, > 0.

    Returns:
        A fraction in ``[0, 1]``.

    Raises:
        ValueError: Bad arrays, a measured latency <= 0, or ``pct`` <= 0.
    """
    check_real("pct", pct, low=0.0, low_open=True)
    t, p = _pair(y_true, y_pred)
    if not (t > 0).all():
        row = int(np.flatnonzero(~(t > 0))[0])
        raise ValueError(f"y_true row {row}: {float(t[row])!r} ms; relative errors need positive "
                         "measured latencies.")
    return float(np.mean(np.abs(p - t) <= pct / 100.0 * t))


def fit_report(y_true: Any, y_pred: Any) -> dict[str, float]:
    """SRCC, RMSE and +-10% accuracy of predictions in one dict.

    Args:
        y_true: Measured latencies, shape ``(n,)``, milliseconds, positive.
        y_pred: Predicted latencies, shape ``(n,)``, milliseconds.

    Returns:
        ``{"srcc": float, "rmse_ms": float, "within_10pct": float, "n_samples": int}``; ``srcc``
        is NaN (with a warning) when fewer than 3 samples or constant predictions.
    """
    t, p = _pair(y_true, y_pred)
    return {"srcc": srcc(t, p), "rmse_ms": rmse(t, p), "within_10pct": within_pct(t, p, 10),
            "n_samples": int(t.size)}
