"""``oneproxy demo``: the main job on this host, nothing downloaded."""

from __future__ import annotations

import click

from oneproxy_plugins.cli._common import echo_json


@click.command()
@click.option("--out", "out_dir", default="oneproxy-output", show_default=True,
              type=click.Path(file_okay=False),
              help="Where measurements, predictors, the study and plots go (resumed).")
@click.option("--archs", "n_archs", default=250, show_default=True, type=click.IntRange(20),
              help="NAS-Bench-201 networks measured on the proxy.")
@click.option("--samples", "k", default=10, show_default=True, type=click.IntRange(3),
              help="Target measurements AdaProxy may use.")
@click.option("--heldout", "n_heldout", default=100, show_default=True, type=click.IntRange(5),
              help="Further target measurements, only to score the ranking.")
@click.option("--trials", "n_trials", default=30, show_default=True, type=click.IntRange(2),
              help="Search trials, each a network trained on the digits images.")
@click.option("--epochs", default=3, show_default=True, type=click.IntRange(1),
              help="Training epochs per trial.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--rounds", default=4, show_default=True, type=click.IntRange(1),
              help="Interleaved measurement rounds.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(out_dir: str, n_archs: int, k: int, n_heldout: int, n_trials: int, epochs: int,
         seed: int, rounds: int, as_json: bool) -> None:
    """Measure a proxy (PyTorch) and a new target (ONNX Runtime) here, adapt, search once.

    Measures this CPU for real with PyTorch (the proxy) on --archs networks and fits its
    latency predictor; measures ONNX Runtime (the new target) on --samples networks for
    AdaProxy and --heldout more to score it; runs one Optuna study (accuracy from training on
    scikit-learn's digits, latency from the proxy) and reads the target's Pareto front from
    it. Writes PNGs and summary.json under --out.

    \b
    Example:
        oneproxy demo
        oneproxy demo --archs 120 --heldout 50 --trials 12 --out small-run
    """
    from oneproxy_plugins.demo import PROXY_DEVICE, TARGET_DEVICE, check_dependencies, run_demo

    check_dependencies()  # a missing extra is named now, not after minutes of measuring
    if k + n_heldout > n_archs:
        raise click.BadParameter(f"--samples + --heldout ({k} + {n_heldout}) must not exceed "
                                 f"--archs ({n_archs}).", param_hint="--heldout")
    result = run_demo(out_dir, n_archs=n_archs, k=k, n_heldout=n_heldout, n_trials=n_trials,
                      epochs=epochs, seed=seed, n_rounds=rounds, progress=not as_json)
    if as_json:
        echo_json(result.to_dict())
        return
    s, reused = result.seconds, result.reused
    n_target = result.k + result.n_heldout
    proxy_done = ("reused" if reused["proxy"] >= result.n_proxy
                  else f"measured ({_took(s['proxy'], reused['proxy'])})")
    search_done = (f"{result.n_trials} trials reused" if reused["search"] >= result.n_trials
                   else f"trained on digits ({_took(s['search'], reused['search'])})")
    rows = [
        ("proxy", f"{PROXY_DEVICE} (PyTorch eager)",
         f"{result.n_proxy} networks {proxy_done}; ridge predictor, 5-fold SRCC "
         f"{result.proxy_fit_srcc:.3f}"),
        ("target", f"{TARGET_DEVICE} (ONNX Runtime)",
         f"{result.k} measurements for AdaProxy + {result.n_heldout} held back ("
         f"{'reused' if reused['target'] >= n_target else _took(s['target'], reused['target'])})"),
        ("SRCC", f"on the {result.n_heldout} held-back networks",
         f"proxy as is {result.srcc_before:.3f} -> AdaProxy {result.srcc_after:.3f}"),
        ("search", f"Optuna TPE, {result.n_trials} trials",
         f"{search_done}, best accuracy {result.best_accuracy:.3f}"),
        ("fronts", "Pareto-optimal trials",
         f"{PROXY_DEVICE} {result.front_sizes[PROXY_DEVICE]}, {TARGET_DEVICE} "
         f"{result.front_sizes[TARGET_DEVICE]} ({result.shared_front} on both)"),
    ]
    width = max(len(r[1]) for r in rows)
    for step, what, value in rows:
        click.echo(f"{step:<7} {what:<{width}}  {value}")
    pngs = [str(p) for name, p in result.files.items() if str(p).endswith(".png")]
    click.echo(f"plots   {', '.join(pngs)}")
    if any(reused.values()):
        click.echo(f"(reused: measured and trained by an earlier run into {out_dir}/; delete it "
                   "to start over)")


def _took(seconds: float, reused: int) -> str:
    """``"81 s"``, or ``"60 s; 50 reused"`` when part came from an earlier run."""
    return f"{seconds:.0f} s" + (f"; {reused} reused" if reused else "")
