"""``oneproxy bench search``: the one-proxy Pareto-set benchmark (attach to the ``bench`` group).

Defined here as a stand-alone click command; the ``bench`` group adds it with
``bench.add_command(search)``.
"""

from __future__ import annotations

import click

from oneproxy_plugins.cli._common import (adapter_params, prior_devices_option, quiet_optuna,
                                          split_list, write_json)

__all__ = ["search"]


@click.command("search")
@click.option("--space", required=True, help="Search space, e.g. nasbench201.")
@click.option("--data", "data_dirs", multiple=True, required=True,
              type=click.Path(file_okay=False), help="Data directory (repeatable).")
@click.option("--accuracy", required=True,
              type=click.Choice(["cifar10", "cifar100", "imagenet16_120"]),
              help="Accuracy column of <space>/accuracy.csv.")
@click.option("--proxy", required=True, help="The one proxy device.")
@click.option("--adapt-with", "adapt_with", default=None,
              help="Comma-separated further devices, measured in full, that the adapter pools "
                   "with --proxy to adapt each target (the search still runs on --proxy).")
@click.option("--targets", required=True, help="Comma-separated target devices.")
@click.option("--samples", type=int, required=True,
              help="K target measurements for AdaProxy (0: the proxy as is).")
@click.option("--optimizer", type=click.Choice(["exhaustive", "nsga2"]), default="exhaustive",
              show_default=True, help="Rank every architecture, or one NSGA-II study.")
@click.option("--trials", type=int, default=500, show_default=True,
              help="NSGA-II trials (--optimizer nsga2).")
@click.option("--steer", type=click.Choice(["targets", "proxy"]), default="targets",
              show_default=True,
              help="What steers the nsga2 study: every target's adapted prediction and the "
                   "proxy (NSGA-II keeps each one's front), or the proxy alone (Optuna's "
                   "NSGA-II on the study's values).")
@click.option("--population", type=click.IntRange(2), default=None,
              help="NSGA-II population size (default: steered by the targets, max(20, "
                   "2/3 of the fronts); steered by the proxy, Optuna's 50).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed.")
@click.option("--sampler", type=click.Choice(["front", "greedy", "random"]), default="front",
              show_default=True,
              help="How the K target measurements are chosen: greedy among the cells that can "
                   "reach the front (front), greedy over all cells, or at random.")
@click.option("--guard", type=click.Choice(["auto", "loo", "select", "srcc", "none"]),
              default="auto", show_default=True,
              help="How far the adapter moves from the proxy as is (AdaProxyPredictor's guard): "
                   "leave-one-out blend, the better of the two, the paper's SRCC < 0.9 rule, "
                   "always adapt; auto is loo with one proxy, none with --adapt-with.")
@click.option("--params", "params_text", default=None,
              help="Further AdaProxyPredictor parameters, e.g. 'scale=log' or "
                   "'live_boost=0,noise=0.03' (the guard is --guard's).")
@click.option("--joint/--alone", default=True, show_default=True,
              help="Adapt the targets together: each target's pool gains the other targets' "
                   "own fits (oneproxy_plugins.adaproxy.joint; K measurements per target "
                   "either way); --alone: each target from its own K only.")
@click.option("--prior-devices", default="others", show_default=True,
              help="Devices whose linear latency weights and fits join the proxy's in each "
                   "target's adapter, as oneproxy adapt gives a user: others (every device of "
                   "the data but the proxy, --adapt-with and the target adapted; the other "
                   "targets included, each target the one left out), none, or a "
                   "comma-separated list (less the target). The samples are chosen with the "
                   "proxy alone either way.")
@click.option("--oracle", is_flag=True,
              help="Rank with the targets' true latency: the best the optimizer's evaluated set "
                   "allows (a diagnostic; --samples then only steers an nsga2 study).")
@click.option("--json", "json_out", required=True, type=click.Path(dir_okay=False),
              help="Write the result (JSON) here; - prints it instead.")
def search(space: str, data_dirs: tuple[str, ...], accuracy: str, proxy: str,
           adapt_with: str | None, targets: str, samples: int, optimizer: str, trials: int,
           steer: str, population: int | None, seed: int, sampler: str, guard: str,
           params_text: str | None, joint: bool, prior_devices: str, oracle: bool,
           json_out: str) -> None:
    """One-proxy search: the Pareto set found with the proxy, scored on each target.

    \b
    Example:
        oneproxy bench search --space nasbench201 --data ../shared/data --accuracy cifar10 \\
            --proxy pixel3 --targets titanx_1,titanx_32,titanx_256,gold_6240 --samples 10 \\
            --json search.json

    With --adapt-with, each target is adapted from the proxy and those devices (the
    search still runs on the proxy):

    \b
        oneproxy bench search --space nasbench201 --data ../shared/data --accuracy cifar10 \\
            --proxy pixel3 --adapt-with 1080ti_1,silver_4114,samsung_a50 \\
            --targets titanx_1,gold_6240 --samples 10 --json search.json

    --params passes further AdaProxyPredictor parameters, e.g. for a phone whose fronts the
    log fit holds better (docs/benchmarks.md, "Both scales"):

    \b
        oneproxy bench search --space nasbench201 --data ../shared/data --accuracy cifar10 \\
            --proxy pixel3 --targets samsung_s7 --samples 10 --params scale=log \\
            --json search.json
    """
    from oneproxy_plugins.bench.search import run_search_bench

    params = adapter_params("adaproxy", params_text, "scale=log,live_boost=0")
    if "guard" in params:
        raise click.BadParameter("the guard is set with --guard, not in --params.",
                                 param_hint="'--params'")
    if optimizer == "nsga2":  # the one optimiser that is an Optuna study
        from oneproxy_plugins._imports import optional_import

        quiet_optuna(optional_import("optuna").logging.WARNING)
    result = run_search_bench(space, list(data_dirs), accuracy=accuracy, proxy=proxy,
                              targets=split_list(targets, "devices"), samples=samples,
                              optimizer=optimizer, trials=trials, seed=seed, oracle=oracle,
                              sampler=sampler, steer=steer, population=population,
                              adapter_params={"guard": guard, **params},
                              adapt_with=split_list(adapt_with, "devices"), joint=joint,
                              prior_devices=prior_devices_option(prior_devices))
    if write_json(json_out, result):
        return
    for target, score in result["targets"].items():
        measured = ""
        if score.get("study_scored", result.get("evaluations")) != result.get("evaluations"):
            measured = f", {score['study_scored']} of the study's cells measured there"
        click.echo(f"{target:<28} hv_ratio {score['hv_ratio']:.4f}  front_recall "
                   f"{score['front_recall']:.2f}  ({score['set_size']} in set, "
                   f"{score['front_size']} on the true front{measured})")
    extra = ""
    if optimizer == "nsga2":
        extra = (f"; one study of {result['trials']} trials steered by the "
                 f"{result['steer']} instead of {result['evaluations_per_target_studies']}")
    k = "true target latency" if oracle else f"K={samples}"
    if result["adapt_with"]:
        k += f", adapted from a pool of {len(result['adapt_with']) + 1} devices"
    if result["joint"]:
        k += ", the targets adapted together"
    if samples and result["prior_devices"] != "none":
        k += ", other devices' tables in the adapter's prior"
    click.echo(f"hv_ratio min {result['hv_ratio_min']:.4f} mean {result['hv_ratio_mean']:.4f}, "
               f"front_recall mean {result['front_recall_mean']:.2f} ({optimizer}, {k}"
               f"{extra}) -> {json_out}")
