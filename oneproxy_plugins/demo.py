"""The main job a newcomer runs: one proxy device on this host serves a second runtime.

1. **Proxy.** Measure this CPU with PyTorch eager, 1 thread, batch 1 (``cpu-torch-t1-b1``) on
   ``n_archs`` sampled NAS-Bench-201 networks, for real, in interleaved rounds, and fit the
   proxy's latency predictor (closed-form ridge on log latency; its cross-validated SRCC is
   reported).
2. **New target.** ONNX Runtime on the same CPU (``cpu-ort-t1-b1``) plays a new device: it
   ranks networks differently (the two agree only to SRCC ~0.6-0.7 here). The greedy sample
   chooser picks ``k`` networks to measure on it; AdaProxy adapts the proxy with them. A
   further ``n_heldout`` networks are measured on the target only to score the ranking before
   (the proxy as is) and after adaptation.
3. **Search once, serve both.** An Optuna multi-objective study (TPE) over NAS-Bench-201 cells:
   accuracy from a real short training on scikit-learn's bundled digits images
   (:class:`~oneproxy_plugins.digits.DigitsObjective`), latency from the proxy predictor
   (:class:`~oneproxy_plugins.optuna.OneProxyObjective`). The adapted target is registered on
   the finished study and its Pareto front read from it: no second search.
4. **Pictures.** SRCC heatmap (proxy, its predictor, AdaProxy, target), proxy-vs-target
   scatter, each device's Pareto front, and the proxy's front on the target's latency axis.

Everything goes under ``out_dir`` (measurement tables, the two predictors as JSON, the study
as SQLite, the PNGs) and a second run resumes it: nothing measured or trained is redone, and
:attr:`DemoResult.reused` says what was taken from the earlier run. Nothing is downloaded.

The demo needs PyTorch, ONNX Runtime and Optuna (the ``[onnx]`` and ``[optuna]`` extras, both in
``[all]``); a missing one is reported before anything is measured (:data:`DEPENDENCIES`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.spaces import get_space

# SciPy's statistics, AdaProxy and the sample chooser load inside the functions: importing this
# module (``oneproxy demo`` does, to check the extras first) stays fast, so a missing extra is
# reported in well under a second.

logger = logging.getLogger(__name__)

__all__ = ["PROXY_DEVICE", "TARGET_DEVICE", "STUDY_NAME", "DEPENDENCIES", "DemoResult",
           "check_dependencies", "run_demo"]

PROXY_DEVICE = "cpu-torch-t1-b1"
TARGET_DEVICE = "cpu-ort-t1-b1"
STUDY_NAME = "oneproxy-demo"
DEPENDENCIES = ("torch", "onnx", "onnxruntime", "optuna")
"""The optional modules the demo needs (extras ``[measure]``, ``[onnx]``, ``[optuna]``)."""


def check_dependencies(modules: tuple[str, ...] = DEPENDENCIES) -> None:
    """Raise the ``ImportError`` naming the extra to install if one of ``modules`` is missing.

    Looks the modules up without importing them (importing PyTorch alone takes seconds), so a
    missing extra is reported at once, not after minutes of measuring.
    """
    import importlib.util

    from oneproxy_plugins._imports import optional_import

    for module in modules:
        if importlib.util.find_spec(module) is None:
            optional_import(module)  # raises the ImportError that names the extra


@dataclass
class DemoResult:
    """What the demo measured and computed (``to_dict()`` gives it as JSON-able data)."""

    n_proxy: int
    """Networks measured on the proxy."""
    proxy_fit_srcc: float
    """5-fold cross-validated SRCC of the proxy predictor against the proxy's measurements."""
    k: int
    """Target measurements AdaProxy used."""
    n_heldout: int
    """Further target measurements, used only to score."""
    srcc_before: float
    """SRCC on the held-back networks: proxy measurement vs target measurement."""
    srcc_after: float
    """SRCC on the held-back networks: AdaProxy prediction vs target measurement."""
    n_trials: int
    """Completed trials of the study (each a network trained on the digits)."""
    front_sizes: dict[str, int]
    """Pareto-optimal trials per device (``{proxy: n, target: n}``)."""
    shared_front: int
    """Trials on both devices' fronts."""
    best_accuracy: float
    """Best digits test accuracy of the study."""
    target_samples: list[str] = field(default_factory=list)
    """The ``k`` networks measured on the target for AdaProxy (ids)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of ``proxy``, ``target`` and ``search`` (0 for what a resumed run reused)."""
    reused: dict[str, int] = field(default_factory=dict)
    """What this run took from an earlier one in ``out_dir`` instead of redoing it: networks
    of ``proxy`` and ``target`` already measured, trials of ``search`` already trained."""
    files: dict[str, Path] = field(default_factory=dict)
    """What was written: tables, predictors, the study, the PNGs."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = {name: str(path) for name, path in self.files.items()}
        data["proxy"], data["target"] = PROXY_DEVICE, TARGET_DEVICE
        return data


def run_demo(out_dir: str | Path = "oneproxy-output", *, n_archs: int = 250, k: int = 10,
             n_heldout: int = 100, n_trials: int = 30, epochs: int = 3, seed: int = 0,
             n_rounds: int = 4, build_cfg: dict | None = None,
             train_build_cfg: dict | None = None, progress: bool = True) -> DemoResult:
    """Run the main job (see the module docstring) and return its numbers.

    Args:
        out_dir: Folder for everything written; resumed when present.
        n_archs: Networks measured on the proxy; the target's ``k + n_heldout`` are among them.
        k: Target measurements AdaProxy may use.
        n_heldout: Target measurements kept back to score the ranking.
        n_trials: Trials of the search, each a network trained on the digits.
        epochs: Training epochs per trial.
        seed: Seed of the networks, the sampler, the measurement order and the search.
        n_rounds: Interleaved measurement rounds per device.
        build_cfg: NAS-Bench-201 builder arguments of the measured networks (default: the
            benchmark's C=16, N=5 on 32x32 input).
        train_build_cfg: Builder arguments of the trained networks (default
            :data:`~oneproxy_plugins.digits.DIGITS_BUILD`).
        progress: Show progress bars.

    Raises:
        ValueError: A count out of range (``k >= 3``, ``n_heldout >= 5``,
            ``k + n_heldout <= n_archs``, ``n_trials >= 2``, ``epochs >= 1``).
        ImportError: PyTorch, ONNX Runtime or Optuna is missing (the extra is named), before
            anything is measured.
    """
    check_dependencies()
    check_int("n_archs", n_archs, 8)
    check_int("k", k, 3, n_archs - 5)
    check_int("n_heldout", n_heldout, 5, n_archs - k)
    check_int("n_trials", n_trials, 2)
    check_int("epochs", epochs, 1)
    from scipy.stats import spearmanr

    from oneproxy_plugins.adaproxy import AdaProxyPredictor, ProxyPool
    from oneproxy_plugins.measure.run import measure_archs
    from oneproxy_plugins.predictors import RidgePredictor, save_predictor
    from oneproxy_plugins.sampling import select_samples

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    space = get_space("nasbench201")
    archs = list(dict.fromkeys(space.to_id(a) for a in space.sample_many(n_archs, rng=seed)))
    timing = dict(n_rounds=n_rounds, n_warmup=2, n_repeats=3, seed=seed, progress=progress,
                  build_cfg=build_cfg)
    files: dict[str, Path] = {}

    # 1. The proxy: measured, then its predictor.
    files["proxy_table"] = out / "proxy.csv"
    proxy_run = measure_archs(space, archs, PROXY_DEVICE, out=files["proxy_table"],
                              resume=files["proxy_table"].exists(), **timing)
    proxy_table = proxy_run.table().select(archs=archs)
    proxy_ms = proxy_table.column(PROXY_DEVICE)
    if np.isnan(proxy_ms).any():
        raise RuntimeError(f"{int(np.isnan(proxy_ms).sum())} network(s) failed to run on "
                           f"{PROXY_DEVICE}; see {files['proxy_table']}.details.jsonl.")
    proxy_model, fit_srcc = _fit_proxy_predictor(RidgePredictor, archs, proxy_ms, seed)
    files["proxy_predictor"] = save_predictor(proxy_model, out / "proxy_predictor.json")

    # 2. The new target: k measurements to adapt, n_heldout to score.
    pool = ProxyPool(proxy_table)
    chosen = list(select_samples(pool, k, method="greedy", random_state=seed))
    chosen_set = set(chosen)
    rest = [a for a in archs if a not in chosen_set]
    order = np.random.default_rng(seed).permutation(len(rest))[:n_heldout]
    heldout = [rest[i] for i in sorted(order)]
    files["target_table"] = out / "target.csv"
    target_run = measure_archs(space, chosen + heldout, TARGET_DEVICE, out=files["target_table"],
                               resume=files["target_table"].exists(), **timing)
    target_ms = target_run.table().select(archs=chosen + heldout).column(TARGET_DEVICE)
    if np.isnan(target_ms).any():
        raise RuntimeError(f"{int(np.isnan(target_ms).sum())} network(s) failed to run on "
                           f"{TARGET_DEVICE}; see {files['target_table']}.details.jsonl.")
    model = AdaProxyPredictor(pool).fit(chosen, target_ms[:k])
    files["target_predictor"] = save_predictor(model, out / "target_adaproxy.json")
    held_target = target_ms[k:]
    held_proxy = proxy_ms[proxy_table.rows_of(heldout)]
    held_adapted = model.predict(heldout)
    before = float(spearmanr(held_proxy, held_target).statistic)
    after = float(spearmanr(held_adapted, held_target).statistic)

    # 3. One search on the proxy, reused for the target.
    study, search_seconds, trained_before = _search(out, proxy_model, n_trials, epochs, seed,
                                                    train_build_cfg, progress)
    files["study"] = out / "study.db"
    from oneproxy_plugins.optuna import pareto_front_for, register_target

    register_target(study, TARGET_DEVICE, model)
    fronts = {PROXY_DEVICE: {t.number for t in pareto_front_for(study)},
              TARGET_DEVICE: {t.number for t in pareto_front_for(study, TARGET_DEVICE)}}
    completed = [t for t in study.trials if t.values is not None]

    # 4. Pictures.
    columns = {f"{PROXY_DEVICE} measured": held_proxy,
               "proxy predictor": proxy_model.predict(heldout),
               f"AdaProxy ({k} samples)": held_adapted,
               f"{TARGET_DEVICE} measured": held_target}
    files.update(_plots(out, columns, study, k))

    seconds = {"proxy": proxy_run.seconds, "target": target_run.seconds,
               "search": search_seconds}
    reused = {"proxy": proxy_run.n_skipped, "target": target_run.n_skipped,
              "search": trained_before}
    result = DemoResult(
        n_proxy=len(archs), proxy_fit_srcc=fit_srcc, k=k, n_heldout=len(heldout),
        srcc_before=before, srcc_after=after, n_trials=len(completed),
        front_sizes={d: len(f) for d, f in fronts.items()},
        shared_front=len(fronts[PROXY_DEVICE] & fronts[TARGET_DEVICE]),
        best_accuracy=max(t.values[0] for t in completed), target_samples=chosen,
        seconds=seconds, reused=reused, files=files)
    files["summary"] = out / "summary.json"
    from oneproxy_plugins._io import atomic_write_text

    atomic_write_text(files["summary"], json.dumps(result.to_dict(), indent=2) + "\n")
    return result


def _fit_proxy_predictor(cls: type, archs: list[str], ms: np.ndarray, seed: int
                         ) -> tuple[Any, float]:
    """The proxy's ridge predictor on log latency, and its 5-fold cross-validated SRCC."""
    from scipy.stats import spearmanr
    from sklearn.model_selection import KFold, cross_val_predict

    model = cls(space="nasbench201", alpha="auto", log_target=True)
    folds = KFold(n_splits=min(5, len(archs)), shuffle=True, random_state=seed)
    predicted = cross_val_predict(model, archs, ms, cv=folds)
    return model.fit(archs, ms), float(spearmanr(predicted, ms).statistic)


def _search(out: Path, proxy_model: Any, n_trials: int, epochs: int, seed: int,
            train_build_cfg: dict | None, progress: bool) -> tuple[Any, float, int]:
    """Run (or resume) the study to ``n_trials`` completed trials; the study, the seconds
    spent, and the trials it had completed before."""
    import optuna

    from oneproxy_plugins.digits import DigitsObjective
    from oneproxy_plugins.optuna import OneProxyObjective

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{(out / 'study.db').resolve()}"
    study = optuna.create_study(
        study_name=STUDY_NAME, storage=storage, load_if_exists=True,
        directions=["maximize", "minimize"],
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=10))
    if not study.metric_names:  # the plots' axis labels, and optuna-dashboard's
        import warnings

        with warnings.catch_warnings():  # experimental in Optuna 5; the demo depends on nothing
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(["digits test accuracy", f"latency on {PROXY_DEVICE} (ms)"])
    done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    start = time.perf_counter()
    if done < n_trials:
        objective = OneProxyObjective(
            DigitsObjective("nasbench201", epochs=epochs, build_cfg=train_build_cfg),
            proxy_model, proxy_name=PROXY_DEVICE)
        study.optimize(objective, n_trials=n_trials - done, show_progress_bar=progress)
    return study, time.perf_counter() - start, done


def _plots(out: Path, columns: dict[str, np.ndarray], study: Any, k: int) -> dict[str, Path]:
    """Write the demo's four PNGs; ``{name: path}`` of those written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        logger.warning("matplotlib is not installed: no plots written.")
        return {}
    from oneproxy_plugins.monotonicity import srcc_matrix
    from oneproxy_plugins.viz import plot_srcc_heatmap
    from oneproxy_plugins.optuna.visualization.matplotlib import (plot_front_comparison,
                                                                  plot_target_fronts)

    names = list(columns)
    n = len(next(iter(columns.values())))
    matrix, _ = srcc_matrix(np.column_stack(list(columns.values())))
    paths = {"srcc_heatmap": out / "srcc_heatmap.png", "scatter": out / "proxy_vs_target.png",
             "pareto_fronts": out / "pareto_fronts.png",
             "front_comparison": out / "front_on_target.png"}
    plot_srcc_heatmap(matrix, names, paths["srcc_heatmap"],
                      title=f"SRCC on {n} held-back networks")
    _scatter(columns, names, k, paths["scatter"])
    plt.close(plot_target_fronts(study, ncols=2, path=paths["pareto_fronts"]))
    plt.close(plot_front_comparison(study, TARGET_DEVICE, path=paths["front_comparison"]).figure)
    return paths


def _scatter(columns: dict[str, np.ndarray], names: list[str], k: int, path: Path) -> None:
    import matplotlib.pyplot as plt
    from scipy.stats import spearmanr

    target = columns[names[-1]]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), constrained_layout=True)
    for ax, name in zip(axes, (names[0], names[2])):
        x = columns[name]
        ax.scatter(x, target, s=12, alpha=0.7)
        label = f"proxy {PROXY_DEVICE} (ms)" if name == names[0] else f"AdaProxy, {k} samples (ms)"
        ax.set_xlabel(label)
        ax.set_ylabel(f"target {TARGET_DEVICE} (ms)")
        ax.set_title(f"SRCC {spearmanr(x, target).statistic:.3f} on {len(x)} held-back networks")
    fig.savefig(path, dpi=110)
    plt.close(fig)
