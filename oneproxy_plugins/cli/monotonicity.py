"""``oneproxy srcc`` and ``oneproxy select-proxy``: latency monotonicity from the command line."""

from __future__ import annotations

import warnings

import click

from oneproxy_plugins.cli._common import echo_json, split_list


@click.command()
@click.option("--space", required=True, help="Search space of the tables.")
@click.option("--data", "data_dirs", multiple=True, required=True,
              type=click.Path(file_okay=False), help="Data directory (repeatable).")
@click.option("--devices", default=None, help="Comma-separated devices (default: all).")
@click.option("--method", type=click.Choice(["spearman", "kendall"]), default="spearman",
              show_default=True)
@click.option("--png", "png", type=click.Path(dir_okay=False), default=None,
              help="Also draw the annotated heatmap here.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def srcc(space: str, data_dirs: tuple[str, ...], devices: str | None, method: str,
         png: str | None, as_json: bool) -> None:
    """Rank correlation between every pair of devices (latency monotonicity).

    \b
    Example:
        oneproxy srcc --space nasbench201 --data mydata \\
            --devices pixel3,1080ti_1,titanx_256 --png srcc.png
    """
    from oneproxy_plugins.latency import load_data_dir
    from oneproxy_plugins.monotonicity import kendall_matrix, srcc_matrix

    table = load_data_dir(list(data_dirs), space)
    names_wanted = split_list(devices, "devices") or None
    matrix_of = srcc_matrix if method == "spearman" else kendall_matrix
    matrix, names = matrix_of(table, devices=names_wanted)
    if png:
        from oneproxy_plugins.viz import plot_srcc_heatmap

        plot_srcc_heatmap(matrix, names, path=png)
    if as_json:
        echo_json({"space": space, "method": method, "devices": list(names),
                   "matrix": [[round(float(v), 6) for v in row] for row in matrix]})
        return
    width = max(len(n) for n in names)
    click.echo(" " * width + " " + " ".join(f"{n[:7]:>7}" for n in names))
    for name, row in zip(names, matrix):
        click.echo(f"{name:<{width}} " + " ".join(f"{v:7.3f}" for v in row))
    if png:
        click.echo(f"heatmap -> {png}")


@click.command("select-proxy")
@click.option("--space", required=True, help="Search space of the tables.")
@click.option("--data", "data_dirs", multiple=True, required=True,
              type=click.Path(file_okay=False), help="Data directory (repeatable).")
@click.option("--proxies", default=None, help="Candidate proxies (default: every device).")
@click.option("--target-samples", "samples_csv", required=True,
              type=click.Path(dir_okay=False, exists=True),
              help="CSV with columns arch,latency_ms measured on the target.")
@click.option("--threshold", type=float, default=0.9, show_default=True,
              help="Adapt when the best SRCC is below this (the paper's 0.9).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Bootstrap seed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def select_proxy(space: str, data_dirs: tuple[str, ...], proxies: str | None, samples_csv: str,
                 threshold: float, seed: int, as_json: bool) -> None:
    """Rank candidate proxies by SRCC with a few target measurements, with bootstrap intervals.

    \b
    Example:
        oneproxy select-proxy --space nasbench201 --data mydata \\
            --target-samples samples.csv
    """
    from oneproxy_plugins.cli.adapt import read_target_samples
    from oneproxy_plugins.latency import load_data_dir
    from oneproxy_plugins.monotonicity import MonotonicityWarning
    from oneproxy_plugins.monotonicity import select_proxy as select

    archs, ms = read_target_samples(space, samples_csv)
    table = load_data_dir(list(data_dirs), space)
    if proxies:
        table = table.select(split_list(proxies, "devices"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MonotonicityWarning)
        result = select(table, (archs, ms), threshold=threshold, random_state=seed)
    for warning in caught:
        click.echo(f"Warning: {warning.message}", err=True)
    if as_json:
        echo_json({"best": result.best, "srcc": result.srcc, "interval": list(result.interval),
                   "needs_adaptation": result.needs_adaptation, "threshold": threshold,
                   "ranking": [{"device": s.name, "srcc": s.srcc, "low": s.low, "high": s.high}
                               for s in result.ranking]})
        return
    for s in result.ranking:
        click.echo(f"{s.name:<28} SRCC {s.srcc:6.3f}  [{s.low:6.3f}, {s.high:6.3f}]")
    verdict = "adapt it (oneproxy adapt)" if result.needs_adaptation else "use it as it is"
    click.echo(f"best proxy {result.best} (SRCC {result.srcc:.3f} on {len(archs)} samples): "
               f"{verdict}")
