"""Read data directories laid out like ``../shared/data``.

A data directory holds one folder per space (the space's ``data_folder``: ``nasbench201``,
``fbnet``, ``ofa``) with ``architectures.csv`` (``index,<record columns>``) or
``architectures.jsonl`` (one JSON object with ``index`` per line), any number of
``latency*.csv`` tables keyed by ``index``, and optionally ``accuracy.csv``.

Example:
    >>> from oneproxy_plugins.latency import load_data_dir
    >>> table = load_data_dir("../shared/data", "nasbench201")   # doctest: +SKIP
    >>> table.shape                                              # doctest: +SKIP
    (15625, 33)
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from oneproxy_plugins.exceptions import DataFormatError, UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["load_architectures", "load_data_dir", "load_accuracy", "load_tabular",
           "describe_data_dir"]

T = TypeVar("T")

_PARSED: OrderedDict[tuple, Any] = OrderedDict()
_PARSED_LOCK = threading.Lock()
_PARSED_MAX = 32


def _parsed(kind: str, paths: Sequence[Path], parse: Callable[[], T], *extra: Any) -> T:
    """``parse()``, or what it returned for the same file contents before: a published table
    takes a second to parse and validate, hashing it a few milliseconds, and a notebook, a test
    session or a benchmark reads the same tables again and again. What is cached must not be
    mutated by callers (tables are immutable; mappings are copied)."""
    key = (kind, *extra, *((str(p), hashlib.blake2b(p.read_bytes(), digest_size=16).digest())
                          for p in paths))
    with _PARSED_LOCK:
        if key in _PARSED:
            _PARSED.move_to_end(key)
            return _PARSED[key]
    value = parse()
    with _PARSED_LOCK:
        _PARSED[key] = value
        while len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    return value


def _space_dir(data_dir: str | os.PathLike, space: BaseSpace) -> Path:
    root = Path(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"Data directory {str(root)!r} does not exist.")
    folder = root / space.data_folder
    if not folder.is_dir():
        raise FileNotFoundError(f"Data directory {str(root)!r} has no {space.data_folder!r} folder "
                                f"for space {space.name!r}.")
    return folder


def load_architectures(data_dir: str | os.PathLike, space: str | BaseSpace
                       ) -> dict[int, str]:
    """Map benchmark index to canonical architecture id from ``<dir>/<space>/architectures.*``.

    Raises:
        FileNotFoundError: No architectures file.
        DataFormatError: A row does not parse (its line and the reason are named), or an index
            or an architecture repeats.
    """
    space = get_space(space)
    path = _architectures_file(data_dir, space)
    return dict(_parsed("architectures", [path], lambda: _read_architectures(path, space),
                        space.name))


def _architectures_file(data_dir: str | os.PathLike, space: BaseSpace) -> Path:
    folder = _space_dir(data_dir, space)
    csv_path, jsonl_path = folder / "architectures.csv", folder / "architectures.jsonl"
    path = csv_path if csv_path.exists() else jsonl_path
    if not path.exists():
        raise FileNotFoundError(f"{str(folder)!r} has neither architectures.csv nor "
                                "architectures.jsonl.")
    return path


def _read_architectures(path: Path, space: BaseSpace) -> dict[int, str]:
    out: dict[int, str] = {}
    index_of: dict[str, int] = {}

    def add(idx_raw: object, record: dict, where: str) -> None:
        try:
            idx = int(str(idx_raw))
        except ValueError:
            raise DataFormatError(f"{where}: index {idx_raw!r} is not an integer.") from None
        if idx in out:
            raise DataFormatError(f"{where}: index {idx} appears more than once.")
        try:
            arch_id = space.to_id(space.from_record(record))
        except ValueError as exc:
            raise DataFormatError(f"{where}: {exc}") from None
        if arch_id in index_of:
            raise DataFormatError(f"{where}: index {idx} is the same architecture as index "
                                  f"{index_of[arch_id]} ({arch_id!r}).")
        out[idx] = arch_id
        index_of[arch_id] = idx

    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "index" not in reader.fieldnames:
                raise DataFormatError(f"{path.name}: needs an 'index' column; got "
                                      f"{reader.fieldnames}.")
            for line, record in enumerate(reader, start=2):
                add(record["index"], record, f"{path.name} line {line}")
    else:
        with path.open(encoding="utf-8") as fh:
            for line, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise DataFormatError(f"{path.name} line {line}: not JSON ({exc}).") from None
                if not isinstance(record, dict) or "index" not in record:
                    raise DataFormatError(f"{path.name} line {line}: expected an object "
                                          "with an 'index' key.")
                add(record["index"], record, f"{path.name} line {line}")
    return out


def load_data_dir(data_dirs: str | os.PathLike | Sequence[str | os.PathLike],
                  space: str | BaseSpace) -> LatencyTable:
    """Join every ``latency*.csv`` of one space across one or more data directories.

    Tables are joined on the architecture id (outer join); a device may come from any file. A
    device present in several files must agree where both have a value.

    Args:
        data_dirs: A data directory or a list of them.
        space: Space name or instance.

    Returns:
        A :class:`LatencyTable` whose rows are every architecture with at least one latency,
        ordered by benchmark index.

    Raises:
        FileNotFoundError: A directory, its space folder or its architecture file is missing, or
            no ``latency*.csv`` exists.
        DataFormatError: A file is malformed (see :meth:`LatencyTable.from_csv`).
    """
    space = get_space(space)
    if isinstance(data_dirs, (str, os.PathLike)):
        data_dirs = [data_dirs]
    if not data_dirs:
        raise ValueError("At least one data directory is needed.")
    table: LatencyTable | None = None
    for data_dir in data_dirs:
        files = sorted(_space_dir(data_dir, space).glob("latency*.csv"))
        for path in files:
            part = _read_table(data_dir, space, path)
            table = part if table is None else table.join(part, how="outer")
    if table is None:
        raise FileNotFoundError(f"No {space.data_folder}/latency*.csv in "
                                f"{[str(d) for d in data_dirs]}.")
    if table.index is not None:
        order = np.argsort(table.index, kind="stable")
        archs = table.archs  # one copy, not one per row
        table = table.select(archs=[archs[i] for i in order])
    return table


def _read_table(data_dir: str | os.PathLike, space: BaseSpace, path: Path) -> LatencyTable:
    """One ``index,<column>...`` file of a data directory, ids from its architectures file
    (parsed again only when either file changed)."""
    return _parsed("table", [path, _architectures_file(data_dir, space)],
                   lambda: LatencyTable.from_csv(
                       path, space=space.name, index_to_arch=load_architectures(data_dir, space)),
                   space.name)


def load_accuracy(data_dirs: str | os.PathLike | Sequence[str | os.PathLike],
                  space: str | BaseSpace) -> LatencyTable:
    """Read ``<dir>/<space>/accuracy.csv`` (``index,<dataset>...``, percent) as a table.

    The returned table reuses :class:`LatencyTable` for its layout; its columns are datasets
    and its values accuracies in percent (all positive).
    """
    space = get_space(space)
    if isinstance(data_dirs, (str, os.PathLike)):
        data_dirs = [data_dirs]
    for data_dir in data_dirs:
        path = _space_dir(data_dir, space) / "accuracy.csv"
        if path.exists():
            return _read_table(data_dir, space, path)
    raise FileNotFoundError(f"No {space.data_folder}/accuracy.csv in "
                            f"{[str(d) for d in data_dirs]}.")


def load_tabular(space: str | BaseSpace, data_dirs: Any, devices: Sequence[str], accuracy: str,
                 *, table: LatencyTable | None = None,
                 accuracy_table: LatencyTable | None = None
                 ) -> tuple[LatencyTable, LatencyTable]:
    """A data directory's latency and accuracy tables (those given are kept), checked.

    What a tabular search or benchmark reads: every device it names must be a latency column
    and ``accuracy`` a column of ``accuracy.csv``.

    Args:
        space: The search space.
        data_dirs: Data directories (``<dir>/<space>/latency*.csv`` and ``accuracy.csv``).
        devices: Devices that must be in the latency table.
        accuracy: The accuracy column (``cifar10``, ...).
        table: Latencies already loaded (then ``data_dirs`` is not read for them).
        accuracy_table: Accuracies already loaded.

    Returns:
        ``(latency table, accuracy table)``.

    Raises:
        UnknownDeviceError: A device is not in the latency table.
        UnknownNameError: ``accuracy`` is not a column of the accuracy table.
    """
    if table is None:
        table = load_data_dir(data_dirs, space)
    if accuracy_table is None:
        accuracy_table = load_accuracy(data_dirs, space)
    for device in devices:
        if device not in table:
            raise UnknownDeviceError(device, table.devices)
    if accuracy not in accuracy_table:
        raise UnknownNameError("accuracy column", accuracy, accuracy_table.devices)
    return table, accuracy_table


def describe_data_dir(data_dir: str | os.PathLike) -> list[dict]:
    """Summarise a data directory: per space, its devices, rows and missing counts."""
    from oneproxy_plugins.spaces import list_spaces

    root = Path(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"Data directory {str(root)!r} does not exist.")
    out = []
    for space in list_spaces().values():
        folder = root / space.data_folder
        if not folder.is_dir() or not list(folder.glob("latency*.csv")):
            continue
        table = load_data_dir(root, space)
        out.append({"space": space.name, "folder": space.data_folder, "rows": len(table),
                    "devices": table.devices, "missing": table.missing_counts()})
    return out
