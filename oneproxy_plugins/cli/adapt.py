"""``oneproxy adapt`` and ``oneproxy predict``: fit a target predictor, then use it.

Both are exact contracts other tools call::

    oneproxy adapt --space S --data DIR [--data DIR ...] --proxies D1,D2,... \\
        --target-samples SAMPLES.csv --out PREDICTOR.json
    oneproxy adapt --space S --data DIR --proxies D1,... --measure-on DEVICE --samples 10 \\
        --out PREDICTOR.json
    oneproxy predict PREDICTOR.json --archs ARCHS.csv --out OUT.csv [--interval 0.9]

``SAMPLES.csv`` has columns ``arch,latency_ms``; ``ARCHS.csv`` a column ``arch``; ``OUT.csv``
gets ``arch,latency_ms``, one row per input row, in the same order (with ``--interval``, also
``latency_ms_low,latency_ms_high``: the adapter's central predictive interval).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import click

from oneproxy_plugins._io import atomic_write_text
from oneproxy_plugins.cli._common import (RegistryChoice, adapter_names, adapter_params, echo_json,
                                          parse_build_cfg, split_list)
from oneproxy_plugins.exceptions import DataFormatError


def _read_csv(path: str, required: list[str]) -> list[dict[str, str]]:
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{name}: not UTF-8 text ({exc.reason}).") from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = list(reader)
    except csv.Error as exc:
        raise DataFormatError(f"{name}: not a valid CSV file ({exc}).") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFormatError(f"{name}: missing column(s) {', '.join(missing)}; expected "
                              f"{','.join(required)}; got {','.join(header) or '(no header)'}.")
    out = []
    for line, row in enumerate(rows, start=2):
        if None in row or any(row.get(c) is None for c in required):
            raise DataFormatError(f"{name} line {line}: wrong number of fields.")
        out.append({c: row[c].strip() for c in required})
    if not out:
        raise DataFormatError(f"{name}: no rows after the header.")
    return out


@click.command()
@click.option("--space", required=True, help="Search space of the architectures.")
@click.option("--data", "data_dirs", multiple=True, required=True,
              type=click.Path(file_okay=False), help="Data directory with the proxies' tables "
              "(repeatable).")
@click.option("--proxies", required=True, help="Comma-separated proxy devices, used in full.")
@click.option("--target-samples", "samples_csv",
              type=click.Path(dir_okay=False, exists=True),
              help="CSV with columns arch,latency_ms measured on the target, or the results "
                   "file of oneproxy measure or of --measure-on (arch,<device>).")
@click.option("--companion-samples", "companion_csvs", multiple=True,
              type=click.Path(dir_okay=False, exists=True),
              help="Repeatable: another target's samples, as --target-samples (e.g. the "
                   "<out stem>.measured.csv of its --measure-on). Each one's own fit joins "
                   "this target's pool, so targets measured alike teach each other (adaproxy "
                   "only; oneproxy_plugins.adaproxy.joint).")
@click.option("--measure-on", "device",
              help="Instead of --target-samples: choose --samples architectures and measure "
                   "them on this device (a spec of this host, ssh://user@host/cpu-ort-t1-b1, "
                   "or a board of --devices).")
@click.option("--devices", "devices_file", type=click.Path(dir_okay=False, exists=True),
              help="Devices file (TOML) naming remote boards.")
@click.option("--samples", "n_samples", type=click.IntRange(min=2), default=10,
              show_default=True, help="With --measure-on: architectures to measure.")
@click.option("--until-srcc", type=click.FloatRange(0.0, 1.0, min_open=True), default=None,
              help="With --measure-on: after the first --samples, measure 5 more at a time "
                   "until the fit expects this SRCC over the pool's architectures (e.g. "
                   "0.95), at most --max-samples.")
@click.option("--max-samples", type=click.IntRange(min=2), default=None,
              help="With --until-srcc: the most architectures to measure [default: 3 x "
                   "--samples].")
@click.option("--seed", type=int, default=0, show_default=True,
              help="With --measure-on: seed of the sample chooser (with --companion-samples, "
                   "combined with the device's name, so that boards adapted together measure "
                   "different architectures).")
@click.option("--measurements", type=click.Path(dir_okay=False),
              help="With --measure-on: the measurement results file, continued if it exists "
                   "[default: <out stem>.measured.csv].")
@click.option("--build-cfg", help="With --measure-on: arguments of the space's build, e.g. "
                                  "'C=4,N=1' (default: the space's full-size networks).")
@click.option("--rounds", type=click.IntRange(min=1), default=10, show_default=True,
              help="With --measure-on: interleaved timing rounds.")
@click.option("--method", type=RegistryChoice(adapter_names, "adaptation method"),
              default="adaproxy", show_default=True,
              help="Adaptation method (plugins add theirs).")
@click.option("--prior-devices", default="others", show_default=True,
              help="More devices of --data whose linear latency weights join the proxies' in "
                   "the adapter's prior (not basis columns; they may be measured on part of "
                   "the proxies' architectures): others (every device of --data but the "
                   "proxies and the target's own column, the --measure-on device or a "
                   "results file's, less those measured on too few of the proxies' "
                   "architectures, which it names), none, or a comma-separated list. Never "
                   "the target itself.")
@click.option("--params", "params_text", default=None,
              help="Parameters of the method's adapter, e.g. 'scale=log,guard=none' "
                   "(adaproxy: AdaProxyPredictor's; default: its defaults).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="Where the fitted predictor (JSON) goes.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def adapt(space: str, data_dirs: tuple[str, ...], proxies: str, samples_csv: str | None,
          companion_csvs: tuple[str, ...], device: str | None, devices_file: str | None,
          n_samples: int, until_srcc: float | None, max_samples: int | None, seed: int,
          measurements: str | None, build_cfg: str | None, rounds: int, method: str,
          prior_devices: str, params_text: str | None, out_path: str, as_json: bool) -> None:
    """Fit a target latency predictor from proxy tables and a few target measurements.

    The measurements come from --target-samples, or are taken now with --measure-on: the
    sample chooser picks --samples architectures, they are measured on the device (here or
    on a board over SSH) and kept in a resumable results file, the adapter is fitted, and its
    leave-one-out SRCC on the samples is printed beside the proxy's own. Then the SRCC the
    fit expects over the pool's architectures, judged by its own predictive distribution: low
    where the target is unlike the proxies, where more samples help.

    \b
    Examples:
        oneproxy adapt --space nasbench201 --data mydata --proxies pixel3,1080ti_1 \\
            --target-samples samples.csv --out target.json
        oneproxy adapt --space nasbench201 --data mydata --proxies cpu-ort-t1-b1 \\
            --measure-on ssh://pi@raspberrypi.local/cpu-ort-t4-b1 --samples 10 --out pi.json
        oneproxy adapt --space nasbench201 --data mydata --proxies pixel3 \\
            --target-samples samples.csv --params scale=log --out target.json

    Several targets measured alike are better adapted together: each run names the others'
    samples, and each target's pool gains the others' own fits:

    \b
        oneproxy adapt --space nasbench201 --data mydata --proxies pixel3 \\
            --target-samples gpu.csv --companion-samples cpu.csv \\
            --companion-samples phone.csv --out gpu.json

    A board measured now takes the results file of one measured before as a companion:

    \b
        oneproxy adapt --space nasbench201 --data mydata --proxies pixel3 \\
            --measure-on ssh://pi@board-a/cpu-ort-t4-b1 --out a.json
        oneproxy adapt --space nasbench201 --data mydata --proxies pixel3 \\
            --measure-on ssh://pi@board-b/cpu-ort-t4-b1 --companion-samples a.measured.csv \\
            --out b.json
    """
    from oneproxy_plugins.adaproxy import ProxyPool, make_adapter
    from oneproxy_plugins.latency import load_data_dir
    from oneproxy_plugins.predictors.io import save_predictor
    from oneproxy_plugins.spaces import get_space
    from oneproxy_plugins.targets import expected_srcc

    space_obj = get_space(space)
    params = adapter_params(method, params_text)  # a typo fails before anything is read
    if (samples_csv is None) == (device is None):
        raise click.UsageError("pass either --target-samples FILE or --measure-on DEVICE.")
    if device is None and (devices_file or measurements or build_cfg or until_srcc
                           or max_samples):
        raise click.UsageError("--devices, --measurements, --build-cfg, --until-srcc and "
                               "--max-samples go with --measure-on.")
    if companion_csvs and method != "adaproxy":
        raise click.UsageError(f"--companion-samples needs --method adaproxy; got {method!r}.")
    if max_samples is not None and until_srcc is None:
        raise click.UsageError("--max-samples goes with --until-srcc.")
    if max_samples is not None and max_samples < n_samples:
        raise click.UsageError(f"--max-samples {max_samples} is below --samples {n_samples}.")
    if device is not None:
        from oneproxy_plugins.measure.remote import resolve_device

        resolve_device(device, devices_file)  # a bad name fails before the tables are read
    table = load_data_dir(list(data_dirs), space_obj)
    device_list = split_list(proxies, "devices")
    pool = ProxyPool(table, device_list, space=space_obj)
    skipped: dict[str, int] = {}
    copies: list[str] = []
    if prior_devices == "others":  # every other device measured on enough of the pool
        usable, skipped = pool.prior_candidates(table)
        own = {device, _results_device(samples_csv)}  # the target's own column: not a prior
        copies = _sample_copies(table, space_obj, samples_csv, usable)
        own |= set(copies)
        usable = [d for d in usable if d not in own]
        if usable:
            pool = pool.derived(table, device_list, prior_devices=usable)
    elif prior_devices != "none":
        pool = pool.derived(table, device_list,
                            prior_devices=split_list(prior_devices, "devices"))
    result = None
    measurements_file = (None if device is None else measurements
                         or str(Path(out_path).with_suffix("")) + ".measured.csv")
    others = _companions(space_obj, companion_csvs, samples_csv or measurements_file)
    if device is not None:
        from oneproxy_plugins.sampling import target_seed
        from oneproxy_plugins.targets import adapt_on_device

        result = adapt_on_device(
            pool, device, k=n_samples, method=method, proxy=device_list[0],
            seed=target_seed(seed, device) if others else seed,
            measurements=measurements_file,
            devices_file=devices_file, build_cfg=parse_build_cfg(build_cfg), n_rounds=rounds,
            progress=not as_json, method_params=params, until_srcc=until_srcc,
            max_samples=max_samples, companions=others,
            on_round=None if as_json or until_srcc is None else _round_echo(until_srcc))
        archs, model = result.archs, result.predictor
    elif others:
        from oneproxy_plugins.adaproxy.joint import adapt_jointly

        samples = {"": read_target_samples(space_obj, samples_csv), **others}
        archs = samples[""][0]
        model = adapt_jointly(pool, samples, targets=[""], **params)[""]
    else:
        archs, ms = read_target_samples(space_obj, samples_csv)
        model = make_adapter(method, pool, proxy=device_list[0], **params).fit(archs, ms)
    save_predictor(model, out_path)
    guard = model.guard_evidence() if hasattr(model, "guard_evidence") else None
    spread = _interval_spread(model, pool)
    expected = result.srcc_expected if result is not None else expected_srcc(model)
    live = _live_prior(model)
    fit_weights = _prior_fit_weights(model, pool)
    if as_json:
        report = {"method": method, "space": space_obj.name, "proxies": device_list,
                  "samples": len(archs), "out": out_path}
        if params:
            report["params"] = params
        if pool.prior_devices:
            report["prior_devices"] = list(pool.prior_devices)
        if fit_weights is not None:
            report["prior_fit_weights"] = fit_weights
        if skipped:
            report["prior_devices_skipped"] = skipped
        if copies:
            report["prior_devices_target"] = copies
        if others:
            report["companions"] = list(others)
        if result is not None:
            report.update(device=result.device, reused=result.n_reused,
                          loo_srcc=_number(result.loo_srcc),
                          proxy_srcc=_number(result.proxy_srcc),
                          measured={a: v for a, v in zip(result.archs, result.latency_ms)})
            if until_srcc is not None:
                report["rounds"] = [{"samples": n, "srcc_expected": e}
                                    for n, e in result.rounds]
        if guard is not None:
            report["guard"] = guard
        if live is not None:
            report["live_path_prior"] = live
        report["interval90_ratio_median"] = spread
        report["srcc_expected"] = expected
        echo_json(report)
        return
    if result is not None:
        reused = f" ({result.n_reused} from {measurements_file})" if result.n_reused else ""
        if until_srcc is not None:
            steps = ", ".join(f"{n}: {e:.3f}" for n, e in result.rounds)
            reached = "reached" if result.srcc_expected >= until_srcc else "not reached"
            click.echo(f"--until-srcc {until_srcc:g} {reached}; expected SRCC after each round "
                       f"(samples: SRCC) {steps}")
        click.echo(f"{len(archs)} architectures measured on {result.device}{reused}; "
                   f"leave-one-out SRCC on them: {result.method} {result.loo_srcc:.3f}, "
                   f"proxy {device_list[0]} as is {result.proxy_srcc:.3f}")
    if guard is not None:
        for scale, evidence in guard.get("scales", {guard["scale"]: guard}).items():
            share = f" (weight {evidence['weight']:.2f})" if "weight" in evidence else ""
            click.echo(f"guard {evidence['guard']}, fit in {scale}{share}: moved "
                       f"{evidence['adapt_share']:.2f} of the way from the raw proxies to the "
                       f"adapted fit (leave-one-out RMSE, {'log ms' if scale == 'log' else 'ms'}: "
                       f"raw proxies {evidence['loo_rmse_proxy']:.3f}, adapted "
                       f"{evidence['loo_rmse_adapted']:.3f}; raw proxies' SRCC on the samples "
                       f"{evidence['proxy_srcc']:.3f})")
    if copies:
        click.echo(f"--prior-devices others: left out {', '.join(copies)}, whose latencies on the "
                   "samples are the samples' (the target itself)")
    if skipped:
        click.echo(f"--prior-devices others: left out, measured on too few of the pool's "
                   f"{len(pool)} architectures: "
                   + _some([f"{d} ({n})" for d, n in skipped.items()]))
    if pool.prior_devices:
        n = len(pool.prior_devices)
        click.echo(f"prior of the residual: the proxies' weights and those of {n} more "
                   f"device{'s' if n > 1 else ''} ({_some(pool.prior_devices)}; "
                   "--prior-devices none for the proxies' alone)")
    if fit_weights is not None:
        top = [f"{d} {w:.2f}" for d, w in fit_weights.items() if w >= 0.005]
        click.echo(f"prior devices' fits in the proxy average: weight "
                   f"{sum(fit_weights.values()):.2f} together"
                   + (f" ({_some(top)})" if top else ""))
    if live is not None:
        shares = ", ".join(f"{w:.2f} on live_boost {b:g}"
                           for b, w in zip(live["live_boost"], live["weight"]))
        click.echo(f"live-path prior (ops that no input-output path uses): fits averaged, "
                   f"{shares}")
    if spread is not None:
        click.echo(f"90% predictive interval over the pool's {len(pool)} architectures: "
                   f"upper/lower {spread:.2f} (median; oneproxy predict --interval 0.9 writes it)")
    if expected is not None:
        hint = (": the target is unlike the proxies, and more samples help (--measure-on "
                "with --until-srcc measures until the fit expects enough)"
                if expected < _EXPECTED_LOW else "")
        click.echo(f"expected SRCC over the pool's architectures, judged by the fit itself: "
                   f"{expected:.3f}{hint}")
    together = (f" and {len(others)} companion target{'' if len(others) == 1 else 's'} "
                f"({', '.join(others)})" if others else "")
    click.echo(f"{method} fitted on {len(archs)} target samples with {len(device_list)} "
               f"prox{'y' if len(device_list) == 1 else 'ies'}{together} -> {out_path}")


def _companions(space: Any, paths: tuple[str, ...], own: str | None
                ) -> dict[str, tuple[list[str], list[float]]]:
    """``--companion-samples`` files read, each named by its file's stem. Usage errors: a
    name given twice (the fits would be indistinguishable in the pool) and the target's own
    file, ``own`` (its fit would rank its own samples perfectly, and take the weight)."""
    out: dict[str, tuple[list[str], list[float]]] = {}
    for path in paths:
        if own is not None and Path(path).resolve() == Path(own).resolve():
            raise click.UsageError(f"--companion-samples {path} is the target's own "
                                   "--target-samples or --measurements; companions are other "
                                   "targets.")
        name = Path(path).stem
        if name in out or not name:
            raise click.UsageError(f"--companion-samples: two files named {name!r}; each "
                                   "companion is named by its file's stem.")
        out[name] = read_target_samples(space, path)
    return out


def _scale_fits(model: Any) -> list[tuple[float, Any]]:
    """``(share, fit)`` of each fit a model averages: with ``scale="both"`` its two
    components and their ``scale_weights_``, else the model itself with share 1."""
    fits = getattr(model, "components_", None) or [model]
    scale_weights = getattr(model, "scale_weights_", None)
    return list(zip([1.0] if scale_weights is None else scale_weights, fits))


def _live_prior(model: Any) -> dict[str, list[float]] | None:
    """The live-path prior's candidates and their weights in the adapter's average, where
    it averaged more than one (``None`` otherwise). With ``scale="both"`` the two fits may
    differ in their candidates (``live_boost="auto"`` asks each scale's pool): a candidate's
    weight is its share of the average of both."""
    weights: dict[float, float] = {}
    for share, fit in _scale_fits(model):
        for boost, weight in zip(getattr(fit, "live_candidates_", ()),
                                 getattr(fit, "live_weights_", ())):
            weights[float(boost)] = weights.get(float(boost), 0.0) + float(share * weight)
    if len(weights) < 2:
        return None
    return {"live_boost": list(weights), "weight": list(weights.values())}


def _prior_fit_weights(model: Any, pool: Any) -> dict[str, float] | None:
    """Each prior device's fit's weight in the adapter's proxy average (with
    ``scale="both"``, its share of both fits' average), heaviest first; ``None`` where they
    were not weighed."""
    total = [0.0] * len(pool.prior_devices)
    seen = False
    for share, fit in _scale_fits(model):
        weights = getattr(fit, "prior_fit_weights_", ())
        if len(weights):
            seen = True
            total = [t + float(share * w) for t, w in zip(total, weights)]
    if not seen:
        return None
    return dict(sorted(zip(pool.prior_devices, total), key=lambda item: -item[1]))


def _interval_spread(model: Any, pool: Any) -> float | None:
    """Median ratio of the 90 % predictive interval's bounds over the pool's architectures:
    how far apart the adapter's honest range is (``None`` without intervals)."""
    if not hasattr(model, "predict_interval"):
        return None
    import numpy as np

    lower, upper = model.predict_interval(pool.archs, 0.9)
    return float(np.median(upper / lower))


def _round_echo(until_srcc: float) -> Any:
    """``--until-srcc``'s progress on stderr: each round's samples and expected SRCC."""
    def echo(samples: int, expected: float | None) -> None:
        click.echo(f"{samples} samples: expected SRCC {expected:.3f} (--until-srcc "
                   f"{until_srcc:g})", err=True)
    return echo


_EXPECTED_LOW = 0.9
"""Below this expected SRCC, ``oneproxy adapt`` says that more samples help."""


def _number(value: float) -> float | None:
    return None if value != value else value  # NaN is not JSON


def read_target_samples(space: Any, samples_csv: str) -> tuple[list[str], list[float]]:
    """Canonical ids and latencies (ms) of a ``arch,latency_ms`` CSV, or of a measurement
    results file (``arch,<device>`` beside its ``.details.jsonl``, as ``oneproxy measure`` and
    ``oneproxy adapt --measure-on`` write them; the architectures that failed on the device,
    its empty cells, are not samples); errors name the line."""
    from oneproxy_plugins.latency import parse_latency
    from oneproxy_plugins.measure.store import details_path_for
    from oneproxy_plugins.spaces import get_space

    space_obj = get_space(space)
    if details_path_for(samples_csv).exists():
        return _read_results_file(space_obj, samples_csv)
    rows = _read_csv(samples_csv, ["arch", "latency_ms"])
    name = Path(samples_csv).name
    archs, ms = [], []
    for line, row in enumerate(rows, start=2):
        try:
            archs.append(space_obj.canonical_id(row["arch"]))
        except ValueError as exc:
            raise DataFormatError(f"{name} line {line}: {exc}") from None
        value = parse_latency(row["latency_ms"], where=f"{name} line {line}, latency_ms")
        if value != value:  # NaN
            raise DataFormatError(f"{name} line {line}: latency_ms is missing; every sample "
                                  "needs its measured latency.")
        ms.append(value)
    if len(set(archs)) != len(archs):
        dup = next(a for a in archs if archs.count(a) > 1)
        raise DataFormatError(f"{name}: architecture {dup!r} appears more than once.")
    return archs, ms


def _some(names: list[str], shown: int = 6) -> str:
    """``names`` joined, the first ``shown`` of a longer list and how many more (``--json``
    lists them all)."""
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown - 1])} and {len(names) - shown + 1} more (--json lists them)"


def _sample_copies(table: Any, space: Any, path: str | None, devices: list[str]) -> list[str]:
    """The ``devices`` of ``table`` whose latencies on the samples of ``path`` (a target's
    ``--target-samples``) are the samples' own, each to a thousandth: the target's column
    under another name, which must not enter the prior (none for no file or one that does not
    read: the samples' own reading then says what is wrong)."""
    import numpy as np

    if path is None or not devices:
        return []
    try:
        archs, ms = read_target_samples(space, path)
    except (click.ClickException, ValueError, OSError):
        return []
    try:
        values = table.select(devices, archs).values
    except KeyError:  # a sample outside the data: no column holds them all
        return []
    # to a thousandth: published tables round what a results file holds in full
    same = np.isclose(values, np.asarray(ms)[:, None], rtol=1e-3, atol=0.0).all(axis=0)
    return [d for d, hit in zip(devices, same) if hit]


def _results_device(path: str | None) -> str | None:
    """The device column of a measurement results file (``arch,<device>`` beside its
    ``.details.jsonl``); ``None`` for an ``arch,latency_ms`` CSV or no file."""
    from oneproxy_plugins.measure.store import details_path_for

    if path is None or not details_path_for(path).exists():
        return None
    try:
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None  # reading the samples says what is wrong with the file
    return header[1].strip() if len(header) == 2 else None


def _read_results_file(space: Any, path: str) -> tuple[list[str], list[float]]:
    """The measured architectures of a results file and their latencies (ms)."""
    import numpy as np

    from oneproxy_plugins.latency import LatencyTable

    table = LatencyTable.from_csv(path, space=space.name)
    if len(table.devices) != 1:
        raise DataFormatError(f"{Path(path).name}: a measurement results file has one device "
                              f"column; got {', '.join(table.devices)}.")
    ms = table.column(table.devices[0])
    done = np.flatnonzero(np.isfinite(ms))
    if not len(done):
        raise DataFormatError(f"{Path(path).name}: no architecture measured yet (every "
                              "row failed, or none was written).")
    return [table.archs[i] for i in done], [float(ms[i]) for i in done]


@click.command()
@click.argument("predictor_path", type=click.Path(dir_okay=False, exists=True))
@click.option("--archs", "archs_csv", required=True, type=click.Path(dir_okay=False, exists=True),
              help="CSV with a column arch.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="Output CSV: arch,latency_ms in the input's order.")
@click.option("--interval", "coverage", default=None,
              type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Also write latency_ms_low,latency_ms_high: the central predictive interval "
                   "that holds the target's latency with this probability (adapters only).")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
def predict(predictor_path: str, archs_csv: str, out_path: str, coverage: float | None,
            as_json: bool) -> None:
    """Predict latencies (ms) with a saved predictor.

    \b
    Example:
        oneproxy predict target.json --archs archs.csv --out latency.csv
        oneproxy predict target.json --archs archs.csv --out latency.csv --interval 0.9
    """
    from oneproxy_plugins.predictors.io import load_predictor
    from oneproxy_plugins.spaces import get_space

    model = load_predictor(predictor_path)
    space_name = getattr(model, "space", None)
    if space_name is None:
        raise DataFormatError(f"{Path(predictor_path).name}: the predictor records no search "
                              "space, so it cannot read architecture ids.")
    space = get_space(space_name)
    if coverage is not None and not hasattr(model, "predict_interval"):
        raise click.BadParameter(f"a {type(model).__name__} has no predictive interval; it is "
                                 "an adapter's (oneproxy adapt).", param_hint="--interval")
    rows = _read_csv(archs_csv, ["arch"])
    name = Path(archs_csv).name
    ids = []
    for line, row in enumerate(rows, start=2):
        try:
            ids.append(space.canonical_id(row["arch"]))
        except ValueError as exc:
            raise DataFormatError(f"{name} line {line}: {exc}") from None
    columns = [model.predict(ids)]
    header = ["arch", "latency_ms"]
    if coverage is not None:
        columns += model.predict_interval(ids, coverage)
        header += ["latency_ms_low", "latency_ms_high"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row, *values in zip(rows, *columns):
        writer.writerow([row["arch"], *(f"{float(v):.6g}" for v in values)])
    atomic_write_text(out_path, buf.getvalue())
    if as_json:
        echo_json({"predictor": predictor_path, "space": space.name, "archs": len(ids),
                   "out": out_path, "interval": coverage})
        return
    click.echo(f"{len(ids)} latencies -> {out_path}")
