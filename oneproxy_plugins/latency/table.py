"""`LatencyTable`: architectures x devices, float milliseconds, NaN where not measured.

Rows are canonical architecture ids of one space (optionally with the benchmark's integer
index); columns are device names (``pixel3``, ``titanx_256``, ``cpu-torch-t1-b1``). The tidy
CSV layout of ``../shared/data`` is read and written by :meth:`LatencyTable.from_csv` and
:meth:`LatencyTable.to_csv`; :func:`load_data_dir` joins a data directory's files.

Missing markers (empty cell, ``nan``, ``None``, ``-1``) become NaN, never a number; any
other value <= 0 or non-numeric is an error naming its row and device.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> t = LatencyTable(["a", "b"], ["cpu", "gpu"], np.array([[1.0, 2.0], [3.0, np.nan]]))
    >>> t.column("gpu")
    array([ 2., nan])
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from oneproxy_plugins._checks import check_choice
from oneproxy_plugins._io import atomic_write_text
from oneproxy_plugins.exceptions import DataFormatError, UnknownDeviceError

__all__ = ["LatencyTable", "parse_latency", "MISSING_MARKERS", "UNIT_FACTORS", "JOIN_RTOL"]

MISSING_MARKERS = frozenset({"", "nan", "none", "null", "na", "n/a", "-1", "-1.0"})
"""Cell values read as 'not measured' (case-insensitive)."""

UNIT_FACTORS = {"ms": 1.0, "s": 1000.0, "us": 1e-3}
"""Multipliers that turn each accepted unit into milliseconds."""

JOIN_RTOL = 1e-5
"""Relative tolerance within which two sources' latencies of the same device and architecture
agree (:meth:`LatencyTable.join`): the tidy CSVs keep 6 significant digits."""

# Plain ASCII decimals only: float() alone would also take "1_000" and non-ASCII digits.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan)",
                        re.ASCII | re.IGNORECASE)


def _unit_factor(unit: str) -> float:
    return UNIT_FACTORS[check_choice("unit", unit, sorted(UNIT_FACTORS))]


def parse_latency(value: object, *, where: str = "value", unit: str = "ms") -> float:
    """Parse one latency cell to milliseconds; missing markers give NaN.

    Args:
        value: A string, number or ``None`` from a file.
        where: Location used in the error message (``"latency.csv row 17, device 'pixel3'"``).
        unit: Unit of ``value``: ``"ms"``, ``"s"`` or ``"us"``.

    Raises:
        DataFormatError: Not a number, infinite, zero or negative (other than the -1 marker),
            in its unit or once in milliseconds.
    """
    factor = _unit_factor(unit)
    if value is None:
        return math.nan
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in MISSING_MARKERS:
            return math.nan
        if not _NUMBER_RE.fullmatch(text):
            raise DataFormatError(f"{where}: {value!r} is not a number; latencies are positive "
                                  "numbers (missing values are empty, NaN or -1).")
        number = float(text)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
    else:
        raise DataFormatError(f"{where}: {value!r} ({type(value).__name__}) is not a number.")
    if math.isnan(number) or number == -1:
        return math.nan
    if not math.isfinite(number) or number <= 0:
        raise DataFormatError(f"{where}: {number!r} {unit}; latencies must be positive and finite "
                              "(missing values are NaN or -1).")
    ms = number * factor
    if not math.isfinite(ms) or ms <= 0:  # finite in its unit, out of range in milliseconds
        raise DataFormatError(f"{where}: {number!r} {unit} is {ms!r} ms; latencies must be "
                              "positive and finite in milliseconds.")
    return ms


class LatencyTable:
    """Latencies in milliseconds of architectures (rows) on devices (columns).

    Args:
        archs: Canonical architecture ids, unique, one per row.
        devices: Device names, unique, one per column.
        values: Array of shape ``(n_archs, n_devices)``, milliseconds, NaN where missing.
        space: Name of the search space the ids belong to, if known.
        index: Optional benchmark integer index per row (e.g. NAS-Bench-201's index).

    Raises:
        DataFormatError: Shapes disagree, ids or devices repeat, or a value is <= 0 or infinite.
    """

    def __init__(self, archs: Sequence[str], devices: Sequence[str], values: np.ndarray, *,
                 space: str | None = None, index: Sequence[int] | None = None) -> None:
        archs = [str(a) for a in archs]
        devices = [str(d) for d in devices]
        try:
            values = np.array(values, dtype=np.float64, copy=True)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"values must be numbers (milliseconds, NaN where missing); "
                                  f"{exc}.") from None
        if values.ndim == 1 and len(devices) == 1:
            values = values[:, None]
        if values.shape != (len(archs), len(devices)):
            raise DataFormatError(f"values has shape {values.shape}; expected "
                                  f"({len(archs)}, {len(devices)}) for the given archs and devices.")
        _check_unique(archs, "architecture id")
        _check_unique(devices, "device")
        bad = ~np.isnan(values) & ~(np.isfinite(values) & (values > 0))
        if bad.any():
            r, c = map(int, np.argwhere(bad)[0])
            raise DataFormatError(f"row {r} ({archs[r]!r}), device {devices[c]!r}: {values[r, c]!r} "
                                  "ms; latencies must be positive and finite (missing is NaN).")
        if index is not None:
            raw = np.array(list(index) if isinstance(index, range) else index, copy=True)
            if raw.shape != (len(archs),):
                raise DataFormatError(f"index has shape {raw.shape}; expected ({len(archs)},), "
                                      "one integer per row.")
            if raw.size and not np.issubdtype(raw.dtype, np.integer):
                raise DataFormatError(f"index must hold integers; got dtype {raw.dtype}.")
            index = raw.astype(np.int64)
        values.setflags(write=False)
        self._archs = archs
        self._devices = devices
        self._values = values
        self._index = index
        self._row_of = {a: i for i, a in enumerate(archs)}
        self.space = space

    # ------------------------------------------------------------------ basic access
    @property
    def archs(self) -> list[str]:
        """Architecture ids, one per row (a new list on every access: bind it once in loops)."""
        return list(self._archs)

    @property
    def devices(self) -> list[str]:
        """Device names, one per column."""
        return list(self._devices)

    @property
    def values(self) -> np.ndarray:
        """Read-only array ``(n_archs, n_devices)`` in milliseconds, NaN where missing."""
        return self._values

    @property
    def index(self) -> np.ndarray | None:
        """Benchmark integer index per row, or ``None``."""
        return None if self._index is None else self._index.copy()

    @property
    def shape(self) -> tuple[int, int]:
        return self._values.shape

    def __len__(self) -> int:
        return len(self._archs)

    def __contains__(self, device: object) -> bool:
        return device in self._devices

    def __repr__(self) -> str:
        return (f"LatencyTable(space={self.space!r}, n_archs={len(self)}, "
                f"devices={self._devices!r})")

    def _device_pos(self, device: str) -> int:
        try:
            return self._devices.index(device)
        except ValueError:
            raise UnknownDeviceError(device, self._devices) from None

    def column(self, device: str) -> np.ndarray:
        """Latencies (ms) of one device, NaN where missing; shape ``(n_archs,)``."""
        return self._values[:, self._device_pos(device)].copy()

    def __getitem__(self, device: str) -> np.ndarray:
        return self.column(device)

    def row_of(self, arch_id: str) -> int:
        """Row position of an architecture id.

        Raises:
            KeyError: The id is not in the table.
        """
        try:
            return self._row_of[arch_id]
        except KeyError:
            raise KeyError(f"Architecture {arch_id!r} is not in the table "
                           f"({len(self)} rows).") from None

    def rows_of(self, arch_ids: Iterable[str]) -> np.ndarray:
        """Row positions of several ids (``KeyError`` on the first unknown one)."""
        return np.array([self.row_of(a) for a in arch_ids], dtype=np.int64)

    def missing_counts(self) -> dict[str, int]:
        """Number of missing (NaN) rows per device."""
        return {d: int(n) for d, n in zip(self._devices, np.isnan(self._values).sum(axis=0))}

    # ------------------------------------------------------------------ selection and joins
    def select(self, devices: Sequence[str] | None = None, archs: Sequence[str] | None = None
               ) -> LatencyTable:
        """Sub-table of the given devices and/or architecture ids, in the order given."""
        cols = (list(range(len(self._devices))) if devices is None
                else [self._device_pos(d) for d in devices])
        rows = np.arange(len(self)) if archs is None else self.rows_of(archs)
        return LatencyTable([self._archs[r] for r in rows], [self._devices[c] for c in cols],
                            self._values[np.ix_(rows, cols)], space=self.space,
                            index=None if self._index is None else self._index[rows])

    def dropna(self, devices: Sequence[str] | None = None) -> LatencyTable:
        """Rows measured on every one of ``devices`` (default: all devices)."""
        cols = [self._device_pos(d) for d in (devices or self._devices)]
        keep = ~np.isnan(self._values[:, cols]).any(axis=1)
        return self.select(archs=[a for a, k in zip(self._archs, keep) if k])

    def rename(self, mapping: Mapping[str, str]) -> LatencyTable:
        """Table with devices renamed by ``mapping`` (others kept)."""
        for d in mapping:
            self._device_pos(d)
        return LatencyTable(self._archs, [mapping.get(d, d) for d in self._devices], self._values,
                            space=self.space, index=self._index)

    def join(self, other: LatencyTable, how: str = "outer") -> LatencyTable:
        """Join two tables on architecture id, side by side.

        Args:
            other: Table of the same space. A device present in both must agree (within
                :data:`JOIN_RTOL`, relative) wherever both have a value; it is then merged, the
                first table's value kept. Otherwise it is an error.
            how: ``"outer"`` (all ids of either table), ``"inner"`` (ids in both) or ``"left"``.

        Raises:
            DataFormatError: Different spaces, or a shared device with conflicting values.
        """
        check_choice("how", how, ("outer", "inner", "left"))
        if self.space and other.space and self.space != other.space:
            raise DataFormatError(f"Cannot join a {self.space!r} table with a {other.space!r} table.")
        if how == "inner":
            archs = [a for a in self._archs if a in other._row_of]
        elif how == "left":
            archs = list(self._archs)
        else:
            archs = list(self._archs) + [a for a in other._archs if a not in self._row_of]
        devices = list(self._devices) + [d for d in other._devices if d not in self._devices]
        values = np.full((len(archs), len(devices)), np.nan)
        index = np.full(len(archs), -1, dtype=np.int64)
        have_index = self._index is not None or other._index is not None
        for table in (self, other):
            rows = np.array([table._row_of.get(a, -1) for a in archs])
            present = rows >= 0
            for c, d in enumerate(table._devices):
                pos = devices.index(d)
                incoming = np.full(len(archs), np.nan)
                incoming[present] = table._values[rows[present], c]
                both = ~np.isnan(values[:, pos]) & ~np.isnan(incoming)
                conflict = both & ~np.isclose(values[:, pos], incoming, rtol=JOIN_RTOL, atol=0.0)
                if conflict.any():
                    r = int(np.flatnonzero(conflict)[0])
                    raise DataFormatError(
                        f"Device {d!r} has conflicting latencies for {archs[r]!r}: "
                        f"{values[r, pos]} vs {incoming[r]} ms.")
                fill = np.isnan(values[:, pos])
                values[fill, pos] = incoming[fill]
            if table._index is not None:
                idx = np.full(len(archs), -1, dtype=np.int64)
                idx[present] = table._index[rows[present]]
                clash = (index >= 0) & (idx >= 0) & (index != idx)
                if clash.any():
                    r = int(np.flatnonzero(clash)[0])
                    raise DataFormatError(f"Architecture {archs[r]!r} has index {index[r]} in one "
                                          f"table and {idx[r]} in the other.")
                index = np.where(index >= 0, index, idx)
        return LatencyTable(archs, devices, values, space=self.space or other.space,
                            index=index if have_index and (index >= 0).all() else None)

    def merge(self, *others: LatencyTable) -> LatencyTable:
        """Outer-join several tables (see :meth:`join`)."""
        out = self
        for other in others:
            out = out.join(other, how="outer")
        return out

    # ------------------------------------------------------------------ CSV
    @classmethod
    def from_csv(cls, path: str | os.PathLike, *, space: str | None = None,
                 index_to_arch: Mapping[int, str] | Sequence[str] | None = None,
                 unit: str = "ms", canonicalize: bool = True) -> LatencyTable:
        """Read the tidy layout: a key column then one column per device.

        The key column is ``arch`` (architecture ids, canonicalised with the space when one is
        given) or ``index`` (benchmark indices, turned into ids with ``index_to_arch``; without
        it the index itself, as a string, is the id).

        Args:
            path: CSV file.
            space: Space name; ids are checked and canonicalised with it.
            index_to_arch: Mapping (or sequence) from benchmark index to architecture id.
            unit: Unit of the file's values (``"ms"``, ``"s"``, ``"us"``); stored as ms.
            canonicalize: Parse ``arch`` ids with the space and store canonical ids.

        Raises:
            DataFormatError: Missing key column, no device column, duplicate ids or devices,
                ragged rows, unknown index, or a bad latency (its row and device are named).
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM is not a name
        except UnicodeDecodeError as exc:
            raise DataFormatError(f"{path.name}: not UTF-8 text ({exc}).") from None
        return cls._from_csv_text(text, name=path.name, space=space, index_to_arch=index_to_arch,
                                  unit=unit, canonicalize=canonicalize)

    @classmethod
    def _from_csv_text(cls, text: str, *, name: str, space: str | None,
                       index_to_arch: Mapping[int, str] | Sequence[str] | None, unit: str,
                       canonicalize: bool) -> LatencyTable:
        _unit_factor(unit)
        try:
            reader = csv.reader(io.StringIO(text))
            # (physical line where the record ends, record): blank lines are skipped, so the
            # position in the list is not the line a user sees in an editor.
            numbered = [(reader.line_num, r) for r in reader]
        except csv.Error as exc:
            raise DataFormatError(f"{name}: not a valid CSV file ({exc}).") from None
        numbered = [(n, r) for n, r in numbered if r and any(cell.strip() for cell in r)]
        rows = [r for _, r in numbered]
        if not rows:
            raise DataFormatError(f"{name}: empty file; expected a header 'arch,<device>,...' or "
                                  "'index,<device>,...'.")
        header = [h.strip() for h in rows[0]]
        key = header[0].lower()
        if key not in ("arch", "index"):
            raise DataFormatError(f"{name}: first column is {header[0]!r}; expected 'arch' or "
                                  "'index'.")
        devices = header[1:]
        if not devices:
            raise DataFormatError(f"{name}: no device columns after {header[0]!r}.")
        if any(not d for d in devices):
            raise DataFormatError(f"{name}: a device column has an empty name.")
        _check_unique(devices, f"{name}: device column")
        sp = None
        if space is not None:
            from oneproxy_plugins.spaces import get_space
            sp = get_space(space)
        archs: list[str] = []
        index: list[int] = []
        first_line: dict[str, int] = {}
        values = np.empty((len(rows) - 1, len(devices)))
        for r, (line, row) in enumerate(numbered[1:]):
            if len(row) != len(header):
                raise DataFormatError(f"{name} line {line}: {len(row)} fields; the header has "
                                      f"{len(header)}.")
            keyval = row[0].strip()
            if key == "index":
                if not re.fullmatch(r"[+-]?[0-9]+", keyval):  # int() also takes "1_0", "\u0661"
                    raise DataFormatError(f"{name} line {line}: index {keyval!r} is not an "
                                          "integer.")
                idx = int(keyval)
                index.append(idx)
                if index_to_arch is None:
                    arch = str(idx)
                else:
                    try:
                        if idx < 0 and not isinstance(index_to_arch, Mapping):
                            raise IndexError
                        arch = index_to_arch[idx]
                    except (KeyError, IndexError):
                        raise DataFormatError(f"{name} line {line}: index {idx} has no "
                                              "architecture in the architecture list.") from None
            else:
                arch = keyval
                if not arch:
                    raise DataFormatError(f"{name} line {line}: empty architecture id.")
                if sp is not None and canonicalize:
                    try:
                        arch = sp.canonical_id(arch)
                    except ValueError as exc:
                        raise DataFormatError(f"{name} line {line}: {exc}") from None
            if arch in first_line:
                raise DataFormatError(f"{name} line {line}: architecture {arch!r} already "
                                      f"appears on line {first_line[arch]}.")
            first_line[arch] = line
            archs.append(arch)
            for c, cell in enumerate(row[1:]):
                values[r, c] = parse_latency(cell, where=f"{name} line {line}, device "
                                             f"{devices[c]!r}", unit=unit)
        return cls(archs, devices, values, space=space,
                   index=index if key == "index" else None)

    def to_csv(self, path: str | os.PathLike, *, key: str = "arch") -> None:
        """Write the tidy layout atomically, 6 significant digits, NaN as an empty cell.

        Args:
            path: Output file.
            key: ``"arch"`` (ids) or ``"index"`` (benchmark indices; the table needs them).
        """
        check_choice("key", key, ("arch", "index"))
        if key == "index" and self._index is None:
            raise ValueError("This table has no benchmark index; write it with key='arch'.")
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([key, *self._devices])
        keys = self._archs if key == "arch" else [str(i) for i in self._index]
        for k, row in zip(keys, self._values):
            writer.writerow([k, *("" if math.isnan(v) else f"{v:.6g}" for v in row)])
        atomic_write_text(path, buf.getvalue())


def _first_duplicate(items: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def _check_unique(items: Sequence[str], what: str) -> None:
    dup = _first_duplicate(items)
    if dup is not None:
        raise DataFormatError(f"{what} {dup!r} appears more than once.")
