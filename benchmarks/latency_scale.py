"""In which scale does a device's latency add up over the architecture's features?

Usage:
    python benchmarks/latency_scale.py DATA_DIR [SPACE ...]

For every device of each space (default: ``nasbench201`` and ``fbnet``) this fits the device's
own table, every measured architecture, by least squares on the latency features the adapter
uses (:class:`~oneproxy_plugins.adaproxy.ProxyPool`'s ``features``, intercept included), once
in log latency and once in milliseconds, and prints how well each fit ranks the table (SRCC)
and its error in log latency (RMSE of ``log(predicted / measured)``; a fit in milliseconds
that reaches 0 or below is clipped at 1e-6 ms). Not a few-shot method: it shows which scale a
linear model of the features holds, what
:attr:`~oneproxy_plugins.spaces.BaseSpace.latency_scale` chooses (docs/benchmarks.md,
"Milliseconds or log").
"""

from __future__ import annotations

import sys

import numpy as np
from scipy.stats import spearmanr

from oneproxy_plugins.adaproxy import ProxyPool
from oneproxy_plugins.latency import load_data_dir


def fits(features: np.ndarray, ms: np.ndarray) -> list[tuple[float, float]]:
    """``[(srcc, log_rmse)]`` of the least-squares fit in log latency, then in milliseconds."""
    design = np.c_[features, np.ones(len(features))]
    out = []
    for forward, inverse in ((np.log, np.exp), (lambda v: v, lambda v: np.maximum(v, 1e-6))):
        predicted = inverse(design @ np.linalg.lstsq(design, forward(ms), rcond=None)[0])
        out.append((float(spearmanr(predicted, ms)[0]),
                    float(np.sqrt(np.mean(np.log(predicted / ms) ** 2)))))
    return out


def main(data_dir: str, spaces: list[str]) -> None:
    for space in spaces:
        table = load_data_dir([data_dir], space)
        print(f"\n{space}: device | cells | SRCC log / ms | log-RMSE log / ms")
        better = []
        for device in table.devices:
            pool = ProxyPool(table, [device], space=space, smooth=False)
            ms = table.column(device)[table.rows_of(pool.archs)]
            (srcc_log, rmse_log), (srcc_ms, rmse_ms) = fits(pool.features, ms)
            better.append(srcc_ms - srcc_log)
            print(f"{device} | {len(ms)} | {srcc_log:.4f} / {srcc_ms:.4f} | "
                  f"{rmse_log:.4f} / {rmse_ms:.4f}", flush=True)
        better = np.array(better)
        print(f"{space}: milliseconds rank better for {(better > 0).sum()} of {len(better)} "
              f"devices (SRCC {better.min():+.4f} to {better.max():+.4f}, mean "
              f"{better.mean():+.4f})")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:] or ["nasbench201", "fbnet"])
