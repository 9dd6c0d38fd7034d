"""``oneproxy data ...``: make data directories and look inside them.

``import`` converts a published file (HELP, HW-NAS-Bench, OneProxy/nn-Meter, Eagle, NATS-Bench
accuracies) into the layout ``--data`` reads; ``build`` adds the tables ``oneproxy measure``
writes; ``samples`` turns a measured table into the ``arch,latency_ms`` file of
``--target-samples``; ``info`` summarises a directory. Nothing is downloaded: see
docs/data.md for where each published file is.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from oneproxy_plugins.cli._common import RegistryChoice, echo_json, split_list


def _formats() -> list[str]:
    from oneproxy_plugins.latency.importers import import_formats

    return import_formats()


def _result_json(result) -> dict:
    data = dataclasses.asdict(result)
    data["path"] = str(result.path)
    return data


def pick_device(table, device: str | None, where: str) -> str:
    """``--device``, or the table's only device when it was not given (a BadParameter
    naming the choices otherwise)."""
    if device is not None:
        return device
    if len(table.devices) != 1:
        raise click.BadParameter(f"{where} holds {len(table.devices)} devices "
                                 f"({', '.join(table.devices)}); choose one.",
                                 param_hint="--device")
    return table.devices[0]


def _option(name: str) -> str:
    """A loader argument as this command's option (``allow_pickle`` -> ``--allow-pickle``)."""
    return "--" + {"device": "devices"}.get(name, name).replace("_", "-")


@click.group()
def data() -> None:
    """Make latency data directories (import, build) and inspect them (info)."""


@data.command("import")
@click.argument("fmt", metavar="FORMAT", type=RegistryChoice(_formats, "format"))
@click.argument("path", type=click.Path(exists=True))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--space", default=None,
              help="Space of the file: nasbench201 (default) or fbnet (help, hwnasbench).")
@click.option("--devices", default=None,
              help="Comma-separated devices (files, metrics) to read; default all. eagle: the "
                   "name to give the file's one device.")
@click.option("--dataset", default=None, help="hwnasbench: the dataset key (cifar10, ...).")
@click.option("--metrics", default=None,
              help="hwnasbench: comma-separated metric keys (default every *_latency).")
@click.option("--archs", "archs_file", type=click.Path(dir_okay=False, exists=True),
              default=None, help="hwnasbench fbnet: CSV of the architectures to price (an "
                                 "'arch' or 'ops' column); default those OUT_DIR lists.")
@click.option("--unit", type=click.Choice(["ms", "s", "us"]), default=None,
              help="Unit of the file's values (default: the format's own).")
@click.option("--allow-pickle", is_flag=True,
              help="Needed for pickle formats (hwnasbench, oneproxy, eagle): loading a pickle "
                   "can run code, so pass it only for files from the project that published "
                   "them.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_(fmt: str, path: str, out_dir: str, space: str | None, devices: str | None,
            dataset: str | None, metrics: str | None, archs_file: str | None, unit: str | None,
            allow_pickle: bool, as_json: bool) -> None:
    """Convert a published latency (or accuracy) file into the data directory OUT_DIR.

    Writes OUT_DIR/<space>/latency_<FORMAT>.csv (nats: accuracy.csv) and the architectures
    file beside it; importing into an existing directory adds to it (docs/data.md says where
    each format is published).

    \b
    Examples:
        oneproxy data import help HELP data
        oneproxy data import help HELP data --space fbnet
        oneproxy data import oneproxy OneProxy data --allow-pickle
        oneproxy data import hwnasbench HW-NAS-Bench-v1_0.pickle data --allow-pickle
        oneproxy data import eagle desktop-cpu-core-i7-7820x-fp32.pickle data --allow-pickle
        oneproxy data import nats nats_bench.csv data
    """
    from oneproxy_plugins.latency.importers import format_options, import_published
    from oneproxy_plugins.latency.loaders import get_loader

    if fmt != "nats" and get_loader(fmt).uses_pickle and not allow_pickle:
        raise ValueError(
            f"Format {fmt!r} reads pickles, and loading a pickle can run code; pass "
            "--allow-pickle only for files from the project that published them.")
    options = {"space": space, "dataset": dataset, "unit": unit,
               "devices": split_list(devices, "devices") or None,
               "metrics": split_list(metrics, "metric keys") or None,
               "allow_pickle": True if allow_pickle else None}
    takes = format_options(fmt)
    given = [k for k, v in options.items() if v is not None]
    if archs_file is not None:
        given.append("archs")
    extra = [k for k in given if k not in takes]
    if extra:
        shown = list(dict.fromkeys(map(_option, takes)))
        raise ValueError(f"Format {fmt!r} takes no {', '.join(map(_option, extra))}; its "
                         f"options: {', '.join(shown) or 'none'}.")
    if archs_file is not None:
        from oneproxy_plugins.cli.measure import read_archs
        from oneproxy_plugins.spaces import get_space

        options["archs"] = read_archs(get_space(space or "nasbench201"), archs_file)
    result = import_published(fmt, path, out_dir, **options)
    if as_json:
        echo_json(_result_json(result))
        return
    click.echo(result.summary())


@data.command("build")
@click.argument("tables", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--space", required=True, help="Search space the tables measure.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def build(tables: tuple[str, ...], out_dir: str, space: str, as_json: bool) -> None:
    """Add measured tables (arch,<device>, as `oneproxy measure` writes) to OUT_DIR.

    Each TABLE.csv becomes OUT_DIR/<space>/latency_<TABLE>.csv, usable as --data by srcc,
    select-proxy, adapt, fit and bench; building again after more measuring updates it.

    \b
    Example:
        oneproxy data build --space nasbench201 proxy.csv target.csv mydata
    """
    from oneproxy_plugins.latency.importers import add_measured

    results = add_measured(list(tables), out_dir, space)
    if as_json:
        echo_json([_result_json(r) for r in results])
        return
    for result in results:
        click.echo(result.summary())


@data.command("samples")
@click.argument("table", type=click.Path(dir_okay=False, exists=True))
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--space", required=True, help="Search space of the table.")
@click.option("--device", default=None, help="The column to take (default: the only one).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def samples(table: str, out: str, space: str, device: str | None, as_json: bool) -> None:
    """Write TABLE's measurements as OUT, the arch,latency_ms file of --target-samples.

    Architectures that failed (an empty cell) are left out.

    \b
    Example:
        oneproxy data samples --space nasbench201 target.csv samples.csv
    """
    import math

    from oneproxy_plugins.latency import LatencyTable

    measured = LatencyTable.from_csv(table, space=space)
    device = pick_device(measured, device, Path(table).name)
    column = measured.column(device)
    kept = [(a, v) for a, v in zip(measured.archs, column) if not math.isnan(v)]
    if not kept:
        raise ValueError(f"{Path(table).name}: no measured latency of {device!r} to write.")
    from oneproxy_plugins._io import atomic_write_text

    atomic_write_text(out, "arch,latency_ms\n" + "".join(f"{a},{v:.6g}\n" for a, v in kept))
    dropped = len(column) - len(kept)
    if as_json:
        echo_json({"device": device, "samples": len(kept), "failed": dropped, "out": out})
        return
    click.echo(f"{len(kept)} samples of {device} -> {out}"
               + (f" ({dropped} failed, left out)" if dropped else ""))


@data.command("info")
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def info(data_dir: str, as_json: bool) -> None:
    """Spaces, devices, rows and missing counts of DATA_DIR.

    \b
    Example:
        oneproxy data info data
    """
    from oneproxy_plugins.latency import describe_data_dir

    summary = describe_data_dir(data_dir)
    if not summary:
        raise FileNotFoundError(f"{data_dir!r} holds no <space>/latency*.csv of a known space.")
    if as_json:
        echo_json(summary)
        return
    for entry in summary:
        click.echo(f"{entry['space']} ({entry['folder']}/): {entry['rows']} architectures, "
                   f"{len(entry['devices'])} devices")
        for device in entry["devices"]:
            missing = entry["missing"][device]
            click.echo(f"  {device:<28} {entry['rows'] - missing:>6} measured  {missing:>6} missing")
