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
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from oneproxy_plugins.exceptions import DataFormatError, UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["load_architectures", "load_data_dir", "load_accuracy", "load_tabular",
           "describe_data_dir"]


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
    folder = _space_dir(data_dir, space)
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

    csv_path, jsonl_path = folder / "architectures.csv", folder / "architectures.jsonl"
    if csv_path.exists():
        with csv_path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "index" not in reader.fieldnames:
                raise DataFormatError(f"{csv_path.name}: needs an 'index' column; got "
                                      f"{reader.fieldnames}.")
            for line, record in enumerate(reader, start=2):
                add(record["index"], record, f"{csv_path.name} line {line}")
    elif jsonl_path.exists():
        with jsonl_path.open(encoding="utf-8") as fh:
            for line, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise DataFormatError(f"{jsonl_path.name} line {line}: not JSON ({exc}).") from None
                if not isinstance(record, dict) or "index" not in record:
                    raise DataFormatError(f"{jsonl_path.name} line {line}: expected an object "
                                          "with an 'index' key.")
                add(record["index"], record, f"{jsonl_path.name} line {line}")
    else:
        raise FileNotFoundError(f"{str(folder)!r} has neither architectures.csv nor "
                                "architectures.jsonl.")
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
        index_to_arch = load_architectures(data_dir, space)
        files = sorted(_space_dir(data_dir, space).glob("latency*.csv"))
        for path in files:
            part = LatencyTable.from_csv(path, space=space.name, index_to_arch=index_to_arch)
            table = part if table is None else table.join(part, how="outer")
    if table is None:
        raise FileNotFoundError(f"No {space.data_folder}/latency*.csv in "
                                f"{[str(d) for d in data_dirs]}.")
    if table.index is not None:
        order = np.argsort(table.index, kind="stable")
        archs = table.archs  # one copy, not one per row
        table = table.select(archs=[archs[i] for i in order])
    return table


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
            return LatencyTable.from_csv(path, space=space.name,
                                         index_to_arch=load_architectures(data_dir, space))
    raise FileNotFoundError(f"No {space.data_folder}/accuracy.csv in {[str(d) for d in data_dirs]}.")


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
