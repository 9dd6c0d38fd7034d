"""``oneproxy search`` and ``oneproxy pareto``: one search on the proxy, fronts for every target.

``search`` runs (or continues) a study on a storage with the user's objective and a proxy
predictor file; ``pareto`` reads a target's Pareto front back from the storage, registering
the target first when given as a predictor file. Both take the storage URLs of
:func:`~oneproxy_plugins.optuna.open_storage` (``sqlite:///study.db``,
``postgresql+psycopg2://...``, ``journal:study.log``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from oneproxy_plugins.cli._common import RegistryChoice, echo_json, quiet_optuna

__all__ = ["search", "pareto", "front_table", "load_objective", "parse_predictor_spec"]


def _sampler_names() -> list[str]:
    from oneproxy_plugins.optuna.search import SAMPLERS, STEERED_SAMPLER

    return [*SAMPLERS, STEERED_SAMPLER]


def load_objective(spec: str) -> Callable[..., Any]:
    """The callable named by ``module:function`` (or ``path/to/file.py:function``).

    A module is imported with the current directory first on ``sys.path``, as ``python -m``
    does, so a user's own ``objectives.py`` beside them is found.
    """
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise click.BadParameter(f"expected module:function or file.py:function; got {spec!r}.",
                                 param_hint="--objective")
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_file():
            raise click.BadParameter(f"no such file: {module_name!r}.", param_hint="--objective")
        loader_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules.setdefault(path.stem, module)
        loader_spec.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            raise click.BadParameter(f"cannot import module {module_name!r} ({err}); give an "
                                     f"importable module or a file.py path.",
                                     param_hint="--objective") from err
    func = getattr(module, attr, None)
    if not callable(func):
        raise click.BadParameter(f"{module_name!r} has no callable {attr!r}.",
                                 param_hint="--objective")
    return func


def parse_predictor_spec(spec: str, option: str) -> tuple[str, str]:
    """``NAME=PATH`` or ``PATH`` (name: the file's stem) -> ``(name, path)``."""
    name, sep, path = spec.partition("=")
    if not sep:
        name, path = Path(spec).stem, spec
    if not name or not path:
        raise click.BadParameter(f"expected NAME=PREDICTOR.json or PREDICTOR.json; got {spec!r}.",
                                 param_hint=option)
    return name, path


def _load_predictor(path: str, option: str) -> Any:
    from oneproxy_plugins.predictors import load_predictor

    if not Path(path).is_file():
        raise click.BadParameter(f"no such predictor file: {path!r}.", param_hint=option)
    return load_predictor(path)


@click.command()
@click.option("--space", required=True, help="Search space, e.g. nasbench201.")
@click.option("--objective", "objective_spec", required=True,
              help="The metric(s): module:function or file.py:function, f(trial, arch).")
@click.option("--proxy", "proxy_file", required=True, type=click.Path(dir_okay=False),
              help="The proxy's latency predictor (JSON, from `oneproxy adapt` or "
                   "save_predictor).")
@click.option("--target", "target_specs", multiple=True,
              help="A target recorded per trial: [NAME=]PREDICTOR.json (repeatable).")
@click.option("--storage", required=True,
              help="sqlite:///study.db, postgresql+psycopg2://..., or journal:study.log.")
@click.option("--study", "study_name", required=True, help="Study name (continued if it exists).")
@click.option("--trials", "n_trials", required=True, type=click.IntRange(1),
              help="Trials this process runs.")
@click.option("--direction", "directions", multiple=True,
              type=click.Choice(["maximize", "minimize"]),
              help="Direction of each metric the objective returns (repeat per metric; "
                   "default one 'maximize'). The latency's 'minimize' is appended.")
@click.option("--sampler", type=RegistryChoice(_sampler_names, "sampler"), default="tpe",
              show_default=True,
              help="Optuna sampler (Optuna's own default: tpe); nsga2-targets: NSGA-II steered "
                   "by every --target's predictor as well as the proxy.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Sampler seed (default unseeded; give each worker its own).")
@click.option("--max-ms", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Proxy latency budget: no architecture over it is evaluated.")
@click.option("--n-jobs", type=click.IntRange(1), default=1, show_default=True,
              help="Threads in this process.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def search(space: str, objective_spec: str, proxy_file: str, target_specs: tuple[str, ...],
           storage: str, study_name: str, n_trials: int, directions: tuple[str, ...],
           sampler: str, seed: int | None, max_ms: float | None, n_jobs: int,
           as_json: bool) -> None:
    """Run a one-proxy search: the objective's metrics plus the proxy latency.

    Several processes may run the same command against one database to share the study.
    Afterwards `oneproxy pareto` gives any target's front from the same study.

    \b
    Example:
        oneproxy search --space nasbench201 --objective my_objectives:accuracy \\
            --proxy pixel3.json --target gpu=titanx.json --storage sqlite:///nas.db \\
            --study nas --trials 100 --max-ms 30
    """
    from oneproxy_plugins._imports import optional_import

    optuna = optional_import("optuna")  # before any work: names the [optuna] extra
    from oneproxy_plugins.optuna import pareto_front_for
    from oneproxy_plugins.optuna.search import run_search

    func = load_objective(objective_spec)
    proxy = _load_predictor(proxy_file, "--proxy")
    targets: dict[str, Any] = {}
    for spec in target_specs:
        name, path = parse_predictor_spec(spec, "--target")
        if name in targets:
            raise click.BadParameter(f"target {name!r} given twice.", param_hint="--target")
        targets[name] = _load_predictor(path, "--target")
    quiet_optuna(optuna.logging.ERROR)  # a failing trial's traceback would repeat our error
    study = run_search(func, proxy, n_trials=n_trials, directions=list(directions) or
                       ["maximize"], targets=targets, storage=storage, study_name=study_name,
                       sampler=sampler, seed=seed, max_ms=max_ms, n_jobs=n_jobs,
                       proxy_name=Path(proxy_file).stem, space=space,
                       show_progress_bar=not as_json)
    states = [t.state.name for t in study.get_trials(deepcopy=False)]
    fronts = {"proxy": len(pareto_front_for(study))}
    fronts.update({name: len(pareto_front_for(study, name)) for name in targets})
    result = {"study": study.study_name, "storage": storage, "trials": len(states),
              "complete": states.count("COMPLETE"), "fronts": fronts}
    if as_json:
        echo_json(result)
        return
    click.echo(f"study {study.study_name!r}: {result['complete']} of {len(states)} trials "
               f"complete")
    click.echo("Pareto-optimal trials: " + ", ".join(f"{k} {v}" for k, v in fronts.items()))


@click.command()
@click.option("--storage", required=True, help="The study's storage URL.")
@click.option("--study", "study_name", required=True, help="Study name.")
@click.option("--target", "target_spec", default=None,
              help="[NAME=]PREDICTOR.json (registered on the study, then read back), or the "
                   "name of a registered target; default: the proxy's own front.")
@click.option("--max-ms", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Only trials within this latency on the target.")
@click.option("--png", type=click.Path(dir_okay=False), default=None,
              help="Also draw the front (with a target: the proxy's front overlaid).")
@click.option("--json", "as_json", is_flag=True, help="Print the front as JSON.")
def pareto(storage: str, study_name: str, target_spec: str | None, max_ms: float | None,
           png: str | None, as_json: bool) -> None:
    """A target's Pareto front from a finished proxy study: no second search.

    \b
    Example:
        oneproxy pareto --storage sqlite:///nas.db --study nas --target phone=phone.json \\
            --png phone_front.png
        oneproxy pareto --storage sqlite:///oneproxy-output/study.db --study oneproxy-demo \\
            --target cpu-ort-t1-b1
    """
    from oneproxy_plugins._imports import optional_import

    optuna = optional_import("optuna")  # before any work: names the [optuna] extra
    if png:
        optional_import("matplotlib")  # and the [viz] extra, before the study is read
    from oneproxy_plugins.optuna import list_targets, open_storage, register_target
    from oneproxy_plugins.optuna.attrs import study_info
    from oneproxy_plugins.optuna.fronts import front_records

    quiet_optuna(optuna.logging.ERROR)
    opened = open_storage(storage)
    try:
        study = optuna.load_study(study_name=study_name, storage=opened)
    except KeyError as err:
        names = optuna.get_all_study_names(opened)
        raise click.BadParameter(f"no study {study_name!r} in the storage; it holds "
                                 f"{names or 'none'}.", param_hint="--study") from err
    target = None
    if target_spec is not None:
        name, path = parse_predictor_spec(target_spec, "--target")
        if "=" in target_spec or Path(path).is_file():
            register_target(study, name, _load_predictor(path, "--target"))
            target = name
        elif target_spec in list_targets(study):
            target = target_spec
        else:
            raise click.BadParameter(
                f"{target_spec!r} is neither a predictor file nor a target registered on study "
                f"{study_name!r} (registered: {list_targets(study) or 'none'}).",
                param_hint="--target")
    rows = front_records(study, target, max_ms=max_ms)
    label = target or study_info(study)["proxy"] or "proxy"
    if png:
        _draw(study, target, png)
    if as_json:
        echo_json({"study": study.study_name, "target": label, "front": rows})
        return
    click.echo(f"{label}: {len(rows)} Pareto-optimal trials of study {study.study_name!r}, "
               f"fastest first")
    for line in front_table(study, label, rows):
        click.echo("  " + line)
    if png:
        click.echo(f"plot: {png}")


def front_table(study: Any, label: str, rows: list[dict[str, Any]]) -> list[str]:
    """The lines of ``oneproxy pareto``'s table: a header naming every column (the trial, each
    objective by its metric name, the latency on the device ``label``, the architecture), then
    one row per Pareto-optimal trial."""
    from oneproxy_plugins.optuna.attrs import study_info

    latency_index = study_info(study)["latency_index"]
    names = list(study.metric_names or [f"objective {i}" for i in range(len(study.directions))])
    names[latency_index] = f"{label} ms"
    widths = [max(len(n), 8) for n in names]
    header = "  ".join(["trial".rjust(5), *(n.rjust(w) for n, w in zip(names, widths)), "arch"])
    lines = [header]
    for row in rows:
        values = (f"{v:.4g}".rjust(w) for v, w in zip(row["values"], widths))
        lines.append("  ".join([str(row["number"]).rjust(5), *values, str(row["arch"])]))
    return lines


def _draw(study: Any, target: str | None, png: str) -> None:
    # matplotlib Figure objects, not pyplot's: nothing to close, no display needed
    from oneproxy_plugins.optuna.visualization.matplotlib import (plot_front_comparison,
                                                                  plot_target_fronts)

    if target is None:
        plot_target_fronts(study, targets=[], ncols=1, path=png)
    else:
        plot_front_comparison(study, target, path=png)
