"""The main job a newcomer runs: one proxy device on this host, adapted to a second runtime.

1. Measure the proxy (this CPU, PyTorch eager, 1 thread, batch 1) on ``n_archs`` sampled
   NAS-Bench-201 networks, for real, in interleaved rounds.
2. Treat ONNX Runtime on the same CPU (1 thread, batch 1) as the "new target device": it
   ranks networks differently (torch eager and ONNX Runtime agree only to SRCC ~0.7 here).
   The target is measured on every network too, but AdaProxy sees only ``k`` of them, chosen
   by the greedy sampler; the rest are held back to score it.
3. Report SRCC on the held-back networks before (the proxy as is) and after adaptation, and
   draw a proxy-vs-target scatter.

Measurements are written under ``out_dir`` and resumed on a second run. Nothing is downloaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.sampling import select_samples
from oneproxy_plugins.spaces import get_space

logger = logging.getLogger(__name__)

PROXY_DEVICE = "cpu-torch-t1-b1"
TARGET_DEVICE = "cpu-ort-t1-b1"


@dataclass
class DemoResult:
    """What the demo measured and computed."""

    n_archs: int
    k: int
    srcc_before: float
    srcc_after: float
    n_heldout: int
    proxy_seconds: float
    target_seconds: float
    scatter_png: Path | None


def run_demo(out_dir: str | Path = "oneproxy-output", *, n_archs: int = 120, k: int = 10,
             seed: int = 0, n_rounds: int = 4, build_cfg: dict | None = None,
             progress: bool = True) -> DemoResult:
    """Run the demo (see the module docstring) and return its numbers.

    Args:
        out_dir: Folder for the measurement tables (resumed when present) and the plot.
        n_archs: Networks measured on both devices.
        k: Target measurements AdaProxy may use; the other ``n_archs - k`` score it.
        seed: Seed of the networks, the sampler and the measurement order.
        n_rounds: Interleaved measurement rounds per device.
        build_cfg: Arguments of the NAS-Bench-201 builder (default: the benchmark's C=16, N=5).
        progress: Show progress bars.
    """
    if not 3 <= k < n_archs:
        raise ValueError(f"The 'k' argument must be in [3, {n_archs - 1}] (below n_archs); "
                         f"got {k}.")
    from oneproxy_plugins.measure.run import measure_archs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    space = get_space("nasbench201")
    archs = [space.to_id(a) for a in space.sample_many(n_archs, rng=seed)]
    common = dict(n_rounds=n_rounds, n_warmup=2, n_repeats=3, seed=seed, progress=progress,
                  build_cfg=build_cfg)
    proxy_run = measure_archs(space, archs, PROXY_DEVICE, out=out / "proxy.csv",
                              resume=(out / "proxy.csv").exists(), **common)
    target_run = measure_archs(space, archs, TARGET_DEVICE, out=out / "target.csv",
                               resume=(out / "target.csv").exists(), **common)
    table = proxy_run.table().join(target_run.table()).dropna()
    pool = ProxyPool(table.select([PROXY_DEVICE]))
    chosen = select_samples(pool, k, method="greedy", random_state=seed)
    target = table.column(TARGET_DEVICE)
    model = AdaProxyPredictor(pool).fit(chosen, target[table.rows_of(chosen)])
    chosen_set = set(chosen)
    heldout = [a for a in table.archs if a not in chosen_set]
    rows = table.rows_of(heldout)
    before = float(spearmanr(table.column(PROXY_DEVICE)[rows], target[rows]).statistic)
    after = float(spearmanr(model.predict(heldout), target[rows]).statistic)
    png = _scatter(table, model, heldout, out / "proxy_vs_target.png")
    return DemoResult(len(table), k, before, after, len(heldout), proxy_run.seconds,
                      target_run.seconds, png)


def _scatter(table: LatencyTable, model: AdaProxyPredictor, heldout: list[str],
             path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    rows = table.rows_of(heldout)
    target = table.column(TARGET_DEVICE)[rows]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), constrained_layout=True)
    for ax, x, label in ((axes[0], table.column(PROXY_DEVICE)[rows], f"proxy {PROXY_DEVICE} (ms)"),
                         (axes[1], model.predict(heldout), "AdaProxy prediction (ms)")):
        rho = spearmanr(x, target).statistic
        ax.scatter(x, target, s=12, alpha=0.7)
        ax.set_xlabel(label)
        ax.set_ylabel(f"target {TARGET_DEVICE} (ms)")
        ax.set_title(f"SRCC {rho:.3f} on {len(rows)} held-back networks")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
