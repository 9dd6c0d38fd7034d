"""``oneproxy fit``: a device's latency predictor file from its measurements, no Python needed.

The file is what ``oneproxy search --proxy`` and ``--target``, ``oneproxy pareto --target`` and
``oneproxy predict`` read (:func:`~oneproxy_plugins.predictors.save_predictor`'s JSON); the
measurements come from a data directory (``--data``, e.g. built with ``oneproxy data build``)
or straight from a table ``oneproxy measure`` wrote (``--table``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from oneproxy_plugins.cli._common import RegistryChoice, echo_json, parse_build_cfg

__all__ = ["fit", "fit_device_predictor", "RIDGE_DEFAULTS"]

RIDGE_DEFAULTS: dict[str, Any] = {"alpha": "auto", "log_target": True}
"""The ridge predictor's settings here (as the main job's proxy): the penalty chosen by exact
leave-one-out, and log latency, so relative errors weigh alike."""


def _predictor_names() -> list[str]:
    from oneproxy_plugins.predictors import list_predictors

    return list(list_predictors())


def fit_device_predictor(archs: list[str], latency_ms: Any, *, space: str,
                         predictor: str = "ridge", params: dict[str, Any] | None = None,
                         cv: int = 5, seed: int = 0) -> tuple[Any, float | None]:
    """Fit a registered predictor on one device's measurements, and score it by k-fold SRCC.

    Args:
        archs: Architecture ids, shape ``(n,)``.
        latency_ms: Their measured latencies, shape ``(n,)``, ms.
        space: The search space.
        predictor: A registered predictor name (``ridge``, ``gbm``, ``mlp``, a plugin's).
        params: Its constructor parameters; for ``ridge`` they update :data:`RIDGE_DEFAULTS`.
        cv: Folds of the cross-validated SRCC (0: not scored; at most ``n``).
        seed: Seed of the folds.

    Returns:
        ``(fitted predictor, cross-validated SRCC or None)``.

    Raises:
        ValueError: Fewer than 3 measurements, a parameter the predictor does not take, or a
            bad parameter value (named).
    """
    from scipy.stats import spearmanr
    from sklearn.model_selection import KFold, cross_val_predict

    from oneproxy_plugins._checks import check_int
    from oneproxy_plugins.predictors import get_predictor

    cv = check_int("cv", cv, 0)
    if len(archs) < 3:
        raise ValueError(f"Fitting a predictor needs at least 3 measured architectures; got "
                         f"{len(archs)}.")
    settings = {**(RIDGE_DEFAULTS if predictor == "ridge" else {}), **(params or {})}
    try:
        model = get_predictor(predictor, space=space, **settings)
    except TypeError as err:
        raise ValueError(f"Predictor {predictor!r} does not take these parameters "
                         f"({', '.join(sorted(settings))}): {err}.") from None
    score = None
    if cv >= 2:
        folds = KFold(n_splits=min(cv, len(archs)), shuffle=True, random_state=seed)
        predicted = cross_val_predict(model, archs, latency_ms, cv=folds)
        score = float(spearmanr(predicted, latency_ms).statistic)
    return model.fit(archs, latency_ms), score


@click.command()
@click.option("--space", required=True, help="Search space of the measurements.")
@click.option("--data", "data_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Data directory holding the device's column (repeatable).")
@click.option("--table", "table_path", type=click.Path(dir_okay=False, exists=True),
              help="Or a measured table (arch,<device>, as `oneproxy measure` writes).")
@click.option("--device", default=None,
              help="The device's column (default: the table's only one).")
@click.option("--predictor", type=RegistryChoice(_predictor_names, "predictor"),
              default="ridge", show_default=True, help="Predictor (plugins add theirs).")
@click.option("--params", default=None,
              help="Predictor parameters, e.g. 'alpha=0.1,log_target=false' (ridge's default: "
                   "alpha=auto,log_target=true).")
@click.option("--cv", type=click.IntRange(min=0), default=5, show_default=True,
              help="Folds of the cross-validated SRCC printed (0: none).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="The predictor file (JSON) to write.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def fit(space: str, data_dirs: tuple[str, ...], table_path: str | None, device: str | None,
        predictor: str, params: str | None, cv: int, out_path: str, as_json: bool) -> None:
    """Fit a device's latency predictor on its measurements and write it to --out.

    Every architecture of the space gets a latency from it, measured or not: the proxy of
    `oneproxy search --proxy`, a target of `--target`, or `oneproxy predict`'s model.

    \b
    Examples:
        oneproxy fit --space nasbench201 --data mydata --device cpu-torch-t1-b1 \\
            --out cpu-torch-t1-b1.json
        oneproxy fit --space nasbench201 --table proxy.csv --out proxy.json
    """
    import numpy as np

    from oneproxy_plugins.cli.data import pick_device
    from oneproxy_plugins.latency import LatencyTable, load_data_dir
    from oneproxy_plugins.predictors import save_predictor
    from oneproxy_plugins.spaces import get_space

    if bool(data_dirs) == bool(table_path):
        raise click.UsageError("pass either --data DIR or --table FILE.")
    sp = get_space(space)
    # parsed before any reading: a typo fails at once
    settings = parse_build_cfg(params, "--params", "alpha=0.1,log_target=false")
    table = (LatencyTable.from_csv(table_path, space=sp.name) if table_path
             else load_data_dir(list(data_dirs), sp))
    device = pick_device(table, device, Path(table_path).name if table_path else "--data")
    measured = table.dropna([device])
    ms = measured.column(device)
    model, score = fit_device_predictor(measured.archs, ms, space=sp.name, predictor=predictor,
                                        params=settings, cv=cv)
    save_predictor(model, out_path)
    result = {"predictor": predictor, "space": sp.name, "device": device,
              "samples": len(measured), "cv_srcc": None if score is None else round(score, 4),
              "median_ms": float(np.median(ms)), "out": out_path}
    if as_json:
        echo_json(result)
        return
    scored = "" if score is None else f", {min(cv, len(measured))}-fold SRCC {score:.3f}"
    click.echo(f"{predictor} predictor of {device} fitted on {len(measured)} architectures"
               f"{scored} -> {out_path}")
