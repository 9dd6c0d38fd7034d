"""``oneproxy demo``: the main job on this host, nothing downloaded."""

from __future__ import annotations

import click


@click.command()
@click.option("--out", "out_dir", default="oneproxy-output", show_default=True,
              type=click.Path(file_okay=False), help="Where measurements and plots go.")
@click.option("--archs", "n_archs", default=120, show_default=True, type=click.IntRange(20),
              help="NAS-Bench-201 networks measured on both devices.")
@click.option("--samples", "k", default=10, show_default=True, type=click.IntRange(3),
              help="Target measurements AdaProxy may use.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--rounds", default=4, show_default=True, type=click.IntRange(1),
              help="Interleaved measurement rounds.")
def demo(out_dir: str, n_archs: int, k: int, seed: int, rounds: int) -> None:
    """Measure a proxy (PyTorch) and a new target (ONNX Runtime) here; adapt with 10 samples.

    \b
    Example:
        oneproxy demo --archs 120 --samples 10
    """
    from oneproxy_plugins.demo import PROXY_DEVICE, TARGET_DEVICE, run_demo

    if k >= n_archs:
        raise click.BadParameter(f"must be smaller than --archs ({n_archs}); got {k}.",
                                 param_hint="--samples")
    result = run_demo(out_dir, n_archs=n_archs, k=k, seed=seed, n_rounds=rounds)
    click.echo(f"proxy  {PROXY_DEVICE}: {result.n_archs} networks measured "
               f"({result.proxy_seconds:.0f} s)")
    click.echo(f"target {TARGET_DEVICE}: AdaProxy used {result.k} measurements "
               f"({result.target_seconds:.0f} s for all, the rest held back)")
    click.echo(f"SRCC on {result.n_heldout} held-back networks: proxy as is "
               f"{result.srcc_before:.3f} -> AdaProxy {result.srcc_after:.3f}")
    if result.scatter_png:
        click.echo(f"plot: {result.scatter_png}")
