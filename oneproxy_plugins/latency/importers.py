"""Write data directories: published tables converted, measured tables added.

What ``--data DIR`` reads (:mod:`oneproxy_plugins.latency.datadir`) comes from here:

- :func:`import_published` converts a file in a published format (any registered loader:
  ``help``, ``hwnasbench``, ``oneproxy``, ``eagle``; and ``nats``, NATS-Bench accuracies as
  ``nats_bench.csv`` holds them) into ``<dir>/<space>/latency_<format>.csv`` (or
  ``accuracy.csv``);
- :func:`add_measured` adds the ``arch,<device>`` tables that ``oneproxy measure`` writes, one
  ``latency_<file stem>.csv`` each;
- :func:`add_to_data_dir` is what both call: it adds any :class:`LatencyTable` under a file
  name.

Nothing is downloaded: the user fetches the published files, these functions convert them.

Rows are keyed by the data directory's own index (``architectures.csv``). An architecture the
directory already lists keeps its index; a new one gets its published index (NAS-Bench-201's
index, HELP's position) when that is free, else the next free one. So tables from different
sources and measurements join on the architecture, whatever order each came in.

Adding to a file that exists joins the two (a device present in both must agree, within
:data:`~oneproxy_plugins.latency.table.JOIN_RTOL`, where both have a value), so importing the
same file again changes nothing and importing more devices adds columns. A device that another
file of the folder also holds must agree with it too; every check runs before anything is
written, and each file is replaced atomically (``architectures`` first: extra rows there are
harmless), so an interrupted or refused import leaves a directory that reads as before.

Example:
    >>> import tempfile
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable, load_data_dir
    >>> from oneproxy_plugins.latency.importers import add_to_data_dir
    >>> ids = ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ...        "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"]
    >>> root = tempfile.mkdtemp()
    >>> result = add_to_data_dir(LatencyTable(ids, ["phone"], np.array([1.0, 3.0]),
    ...                                       space="nasbench201"), root, "latency_phone.csv")
    >>> result.rows, result.new_archs
    (2, 2)
    >>> load_data_dir(root, "nasbench201").column("phone").tolist()
    [1.0, 3.0]
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from oneproxy_plugins._io import atomic_write_text
from oneproxy_plugins.exceptions import DataFormatError
from oneproxy_plugins.latency.datadir import _read_architectures, _read_table
from oneproxy_plugins.latency.table import LatencyTable, parse_latency
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["ImportResult", "add_to_data_dir", "add_measured", "import_published",
           "load_nats_accuracy", "import_formats", "format_options", "NATS_COLUMNS"]

NATS_COLUMNS = {"CIFAR10TestAccuracy200Epochs": "cifar10",
                "CIFAR100TestAccuracy200Epochs": "cifar100",
                "ImageNetTestAccuracy200Epochs": "imagenet16_120"}
"""``nats_bench.csv``'s accuracy columns (test accuracy in %, 200 epochs) -> ``accuracy.csv``
columns."""

_NATS_ARCH = "ArchitectureString"
_FILE_NAME = re.compile(r"(latency[\w.-]*|accuracy)\.csv")


@dataclasses.dataclass(frozen=True)
class ImportResult:
    """What one addition wrote.

    Attributes:
        path: The table file written (``<dir>/<space folder>/latency_<name>.csv``).
        space: The space's name.
        devices: The file's columns after the addition (devices, or accuracy datasets).
        rows: Architectures in the file after the addition.
        new_archs: Architectures the directory did not list before.
        missing: Empty cells per column of the file after the addition.
    """

    path: Path
    space: str
    devices: list[str]
    rows: int
    new_archs: int
    missing: dict[str, int]

    def summary(self) -> str:
        """One line: what was written where."""
        listed = ", ".join(self.devices[:6]) + (", ..." if len(self.devices) > 6 else "")
        return (f"{self.path}: {self.rows} {self.space} architectures x {len(self.devices)} "
                f"column(s) ({listed}); {self.new_archs} new in architectures")


def _file_stem(name: str) -> str:
    """``name`` made safe for ``latency_<name>.csv``."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "table"


# ------------------------------------------------------------------------ architectures
def _record_writer(space: BaseSpace, probe: str) -> tuple[str, str | None]:
    """How this space's architectures file stores an id: ``("csv", column)`` when one column
    holding the id round-trips through ``space.from_record`` (``arch``, ``ops``), else
    ``("jsonl", None)`` (the value's fields, Once-for-All's form)."""
    for column in ("arch", "ops"):
        try:
            if space.to_id(space.from_record({column: probe})) == probe:
                return "csv", column
        except (ValueError, NotImplementedError, KeyError, TypeError):
            continue
    return "jsonl", None


def _jsonl_record(space: BaseSpace, arch_id: str) -> dict[str, Any]:
    arch = space.from_id(arch_id)
    if not dataclasses.is_dataclass(arch):
        raise DataFormatError(f"Space {space.name!r} has no architectures-file record form this "
                              "package can write (neither an 'arch'/'ops' column nor fields).")
    record = {k: list(v) if isinstance(v, tuple) else v
              for k, v in dataclasses.asdict(arch).items()}
    if space.to_id(space.from_record(record)) != arch_id:
        raise DataFormatError(f"Space {space.name!r}: the record {record!r} does not read back "
                              f"as {arch_id!r}.")
    return record


def _architectures_text(space: BaseSpace, index_of: Mapping[str, int], kind: str,
                        column: str | None) -> str:
    rows = sorted(index_of.items(), key=lambda item: item[1])
    if kind == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["index", column])
        writer.writerows([i, a] for a, i in rows)
        return buf.getvalue()
    return "".join(json.dumps({"index": i, **_jsonl_record(space, a)}) + "\n" for a, i in rows)


def _existing_architectures(folder: Path, space: BaseSpace
                            ) -> tuple[dict[str, int], Path | None, tuple[str, str | None]]:
    """``{arch id: index}`` of the folder's architectures file, the file, and its form."""
    for name, kind in (("architectures.csv", "csv"), ("architectures.jsonl", "jsonl")):
        path = folder / name
        if path.exists():
            by_index = _read_architectures(path, space)
            column = None
            if kind == "csv":
                with path.open(newline="", encoding="utf-8-sig") as fh:
                    header = next(csv.reader(fh), [])
                column = next((h for h in header if h != "index"), None)
            return {a: i for i, a in by_index.items()}, path, (kind, column)
    return {}, None, ("", None)


def _assign_indices(table: LatencyTable, known: Mapping[str, int], space: BaseSpace
                    ) -> dict[str, int]:
    """Every architecture of the directory and of ``table`` -> its index (see the module)."""
    index_of = dict(known)
    taken = set(index_of.values())
    published = table.index
    if published is None and space.name == "nasbench201":
        from oneproxy_plugins.latency.loaders import _nb201_index_of

        benchmark = _nb201_index_of()
        published = np.array([benchmark[a] for a in table.archs], dtype=np.int64)
    next_free = max(taken, default=-1) + 1
    if published is not None:
        next_free = max(next_free, int(published.max(initial=-1)) + 1)
    for r, arch in enumerate(table.archs):
        if arch in index_of:
            continue
        wanted = None if published is None else int(published[r])
        if wanted is None or wanted < 0 or wanted in taken:
            wanted = next_free
            next_free += 1
        index_of[arch] = wanted
        taken.add(wanted)
    return index_of


# ---------------------------------------------------------------------------- adding
def add_to_data_dir(table: LatencyTable, data_dir: str | os.PathLike, filename: str, *,
                    space: str | BaseSpace | None = None) -> ImportResult:
    """Add a table to a data directory as ``<dir>/<space folder>/<filename>``.

    Args:
        table: Latencies (ms) of one space; its ``space`` is used unless ``space`` is given.
        data_dir: The data directory (created when missing).
        filename: ``latency<anything>.csv``, or ``accuracy.csv`` for accuracies.
        space: The space, when the table does not record it.

    Returns:
        An :class:`ImportResult`.

    Raises:
        ValueError: No space, an empty table, or a file name ``--data`` would not read.
        DataFormatError: A device disagrees with the same device already in the file or in
            another file of the folder (its architecture and both values are named), or the
            existing architectures file does not parse.
    """
    if not isinstance(filename, str) or not _FILE_NAME.fullmatch(filename):
        raise ValueError("The 'filename' argument must be 'latency<name>.csv' (letters, digits, "
                         f"'_', '-', '.') or 'accuracy.csv'; got {filename!r}.")
    name = space if space is not None else table.space
    if name is None:
        raise ValueError("The table records no search space; pass space=... (e.g. "
                         "'nasbench201').")
    sp = get_space(name)
    if len(table) == 0 or not table.devices:
        raise ValueError("The table is empty: nothing to add.")
    root = Path(data_dir)
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"{str(root)!r} is a file; the data directory must be a "
                                 "folder.")
    folder = root / sp.data_folder
    known, arch_path, form = _existing_architectures(folder, sp)
    index_of = _assign_indices(table, known, sp)
    table = LatencyTable(table.archs, table.devices, table.values, space=sp.name,
                         index=[index_of[a] for a in table.archs])  # the directory's keys
    path = folder / filename
    merged = table
    if path.exists():
        merged = _read_table(root, sp, path).join(table, how="outer")
    for other in sorted(folder.glob("latency*.csv")) if filename != "accuracy.csv" else []:
        if other != path:
            _read_table(root, sp, other).join(merged, how="inner")  # raises on a conflict
    new_archs = len(index_of) - len(known)
    if new_archs or arch_path is None:
        kind, column = form if arch_path is not None else _record_writer(sp, merged.archs[0])
        arch_file = folder / ("architectures.csv" if kind == "csv" else "architectures.jsonl")
        atomic_write_text(arch_file, _architectures_text(sp, index_of, kind, column))
    rows = np.argsort([index_of[a] for a in merged.archs], kind="stable")
    archs = merged.archs
    ordered = LatencyTable([archs[i] for i in rows], merged.devices, merged.values[rows],
                           space=sp.name, index=[index_of[archs[i]] for i in rows])
    ordered.to_csv(path, key="index")
    return ImportResult(path, sp.name, ordered.devices, len(ordered), new_archs,
                        ordered.missing_counts())


def add_measured(paths: Sequence[str | os.PathLike], data_dir: str | os.PathLike,
                 space: str | BaseSpace) -> list[ImportResult]:
    """Add measured tables (``arch,<device>...``, as ``oneproxy measure`` writes them).

    Each ``<stem>.csv`` becomes ``<dir>/<space folder>/latency_<stem>.csv``; adding a table
    again (a run resumed since, more architectures) updates its file.

    Args:
        paths: The measured CSV files.
        data_dir: The data directory (created when missing).
        space: The space the tables measure.

    Returns:
        One :class:`ImportResult` per file, in order.

    Raises:
        FileNotFoundError: A file does not exist.
        DataFormatError: A file is keyed by ``index`` (no architecture ids), has an id of
            another space or a bad latency (file and line named), or disagrees with the
            directory (see :func:`add_to_data_dir`).
    """
    sp = get_space(space)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not paths:
        raise ValueError("Give at least one measured table.")
    tables = []
    for path in map(Path, paths):
        if not path.is_file():
            raise FileNotFoundError(f"{str(path)!r} does not exist or is not a file.")
        table = LatencyTable.from_csv(path, space=sp.name)
        if table.index is not None:
            raise DataFormatError(f"{path.name}: keyed by 'index', which names no architecture; "
                                  "a measured table has an 'arch' column of ids (as oneproxy "
                                  "measure writes).")
        tables.append((table, f"latency_{_file_stem(path.stem)}.csv"))
    return [add_to_data_dir(table, data_dir, filename, space=sp) for table, filename in tables]


# ------------------------------------------------------------------- published formats
def load_nats_accuracy(path: str | os.PathLike) -> LatencyTable:
    """Read NATS-Bench topology-space test accuracies as ``nats_bench.csv`` publishes them.

    The file (one row per NAS-Bench-201 cell) has the columns
    ``CIFAR10TestAccuracy200Epochs``, ``CIFAR100TestAccuracy200Epochs``,
    ``ImageNetTestAccuracy200Epochs`` (percent) and ``ArchitectureString``; other columns are
    ignored.

    Returns:
        A ``nasbench201`` table of accuracies in percent, columns ``cifar10``, ``cifar100``,
        ``imagenet16_120`` (those present), rows by NAS-Bench-201 index.

    Raises:
        DataFormatError: A missing column, an architecture that is not a NAS-Bench-201 cell or
            repeats, or an accuracy that is not a positive number (line named).
    """
    from oneproxy_plugins.latency.loaders import _nb201_table

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} does not exist or is not a file.")
    space = get_space("nasbench201")
    try:
        text = path.read_text(encoding="utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        header = list(reader.fieldnames or [])
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"{path.name}: not a readable CSV file ({exc}).") from None
    columns = [c for c in NATS_COLUMNS if c in header]
    if _NATS_ARCH not in header or not columns:
        raise DataFormatError(f"{path.name}: expected the columns {_NATS_ARCH} and one or more "
                              f"of {', '.join(NATS_COLUMNS)} (nats_bench.csv); got "
                              f"{', '.join(header) or '(no header)'}.")
    archs, values = [], np.empty((len(rows), len(columns)))
    for r, row in enumerate(rows):
        where = f"{path.name} line {r + 2}"
        try:
            archs.append(space.canonical_id(row[_NATS_ARCH] or ""))
        except ValueError as exc:
            raise DataFormatError(f"{where}: {exc}") from None
        for c, column in enumerate(columns):
            values[r, c] = parse_latency(row[column], where=f"{where}, {column}")
    if not archs:
        raise DataFormatError(f"{path.name}: no rows after the header.")
    return _nb201_table(archs, [NATS_COLUMNS[c] for c in columns], list(values.T),
                        where=path.name)


def import_formats() -> list[str]:
    """The names :func:`import_published` takes: every registered loader, and ``nats``."""
    from oneproxy_plugins.latency.loaders import list_loaders

    return [*list_loaders(), "nats"]


def format_options(fmt: str) -> list[str]:
    """The options :func:`import_published` takes for a format (its loader's ``load``
    arguments after the path; ``devices`` also where the loader names one ``device``).

    Raises:
        UnknownNameError: An unknown format (the known ones listed).
    """
    import inspect

    from oneproxy_plugins.exceptions import UnknownNameError
    from oneproxy_plugins.latency.loaders import get_loader

    if fmt == "nats":
        return []
    try:
        loader = get_loader(fmt)
    except LookupError:
        raise UnknownNameError("format", fmt, import_formats()) from None
    takes = [p for p in inspect.signature(loader.load).parameters if p != "path"]
    if "device" in takes and "devices" not in takes:
        takes.append("devices")
    return takes


def import_published(fmt: str, path: str | os.PathLike, data_dir: str | os.PathLike,
                     **options: Any) -> ImportResult:
    """Convert a published file into a data directory.

    Args:
        fmt: ``help``, ``hwnasbench``, ``oneproxy``, ``eagle`` (or a plugin's loader), or
            ``nats`` for NATS-Bench accuracies (written as ``accuracy.csv``).
        path: The file or folder as published (what the loader's ``load`` takes).
        data_dir: The data directory (created when missing).
        **options: The loader's own options (:func:`format_options`: ``space``, ``devices``,
            ``dataset``, ``metrics``, ``archs``, ``unit``, ``allow_pickle``); ``None`` means
            the loader's default. For ``hwnasbench`` FBNet tables without ``archs``, the
            architectures already in the directory's ``fbnet`` folder are priced.

    Returns:
        An :class:`ImportResult` for ``latency_<fmt>.csv`` (``accuracy.csv`` for ``nats``).

    Raises:
        UnknownNameError: An unknown format (the known ones listed).
        TypeError: An option the format does not take (those it takes are named).
        ValueError, DataFormatError, FileNotFoundError: From the loader or the directory.
    """
    from oneproxy_plugins.latency.loaders import get_loader

    options = {k: v for k, v in options.items() if v is not None}
    takes = format_options(fmt)
    extra = sorted(set(options) - set(takes))
    if extra:
        raise TypeError(f"Format {fmt!r} takes no option {', '.join(map(repr, extra))}; it "
                        f"takes {', '.join(map(repr, takes)) or 'none'}.")
    if fmt == "nats":
        return add_to_data_dir(load_nats_accuracy(path), data_dir, "accuracy.csv")
    if "devices" in options and "devices" not in _load_params(get_loader(fmt)):
        devices = list(options.pop("devices"))
        if len(devices) != 1:
            raise ValueError(f"Format {fmt!r} reads one device per file; give the one name to "
                             f"call it; got {devices}.")
        options["device"] = devices[0]
    sp = get_space(options.get("space", "nasbench201"))
    if fmt == "hwnasbench" and sp.name == "fbnet" and "archs" not in options:
        options["archs"] = _listed_archs(data_dir, sp)
    table = get_loader(fmt).load(path, **options)
    return add_to_data_dir(table, data_dir, f"latency_{_file_stem(fmt)}.csv")


def _load_params(loader: Any) -> list[str]:
    """The argument names of ``loader.load``."""
    import inspect

    return list(inspect.signature(loader.load).parameters)


def _listed_archs(data_dir: str | os.PathLike, space: BaseSpace) -> list[str]:
    known, path, _ = _existing_architectures(Path(data_dir) / space.data_folder, space)
    if not known:
        raise ValueError(f"HW-NAS-Bench prices {space.name} architectures from per-op tables, so "
                         f"they must be given: pass archs=..., or import a table that lists them "
                         f"first (e.g. HELP's fbnet) into {str(data_dir)!r}.")
    return sorted(known, key=known.__getitem__)
