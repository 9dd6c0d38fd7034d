"""Loaders for the latency formats people already have (HELP, HW-NAS-Bench, OneProxy, Eagle).

Each loader reads one published layout into a :class:`~oneproxy_plugins.latency.LatencyTable`
of milliseconds keyed by canonical architecture ids (with the NAS-Bench-201 index where the
architecture is a NAS-Bench-201 cell), so tables from different sources join on the id:

- ``help`` (no pickle): HELP folders, ``data/<space>/latency/<device>.pt`` lists (ms) with
  ``str_arch2idx.pt`` (NAS-Bench-201) or ``metainfo.pt`` (FBNet);
- ``hwnasbench`` (pickle): ``HW-NAS-Bench-v1_0.pickle``, per-index lists (NAS-Bench-201) or
  per-op lookup tables (FBNet), ms;
- ``oneproxy`` (pickle): OneProxy/nn-Meter lists, ``encode.pickle`` (one-hot cells) and
  ``latency_data/<name>.pickle`` lists aligned with it, ms;
- ``eagle`` (pickle): Eagle/BRP-NAS ``{arch_vector: seconds}`` dicts, one file per device.

HELP's ``.pt`` files are read with ``torch.load(..., weights_only=True)``, which never runs
code from the file. A pickle can run arbitrary code while it loads, so the pickle loaders
refuse unless called with ``allow_pickle=True``: pass it only for files you trust.

Missing markers (``None``, NaN, ``-1``) become NaN, never a number; every other value must be a
positive finite latency, otherwise :class:`~oneproxy_plugins.exceptions.DataFormatError` names
the file, the position or key, and why. Device names follow the tidy CSVs of
``../shared/data`` (``eagle_i7_7820x``, ``nnmeter_myriadvpu``, ``hwnasbench_edgegpu``) so a
loaded table joins with a data directory.

Example:
    An Eagle-style file (a pickle you wrote yourself, so you trust it):

    >>> import pathlib, pickle, tempfile
    >>> from oneproxy_plugins.latency import load_eagle
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "my-board.pickle"
    >>> _ = path.write_bytes(pickle.dumps({(3, 3, 4, 1, 3, 1): 0.0042}))
    >>> table = load_eagle(path, allow_pickle=True)
    >>> table.devices, table.column("eagle_my_board")  # seconds stored as ms
    (['eagle_my_board'], array([4.2]))
    >>> table.index  # the cell's NAS-Bench-201 index
    array([1])
"""

from __future__ import annotations

import abc
import functools
import os
import pickle
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.exceptions import DataFormatError, UnknownDeviceError, UnknownNameError
from oneproxy_plugins.latency.table import LatencyTable, _unit_factor, parse_latency
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["BaseLoader", "BUILTIN_LOADERS", "get_loader", "list_loaders",
           "HELPLoader", "HWNASBenchLoader", "OneProxyLoader", "EagleLoader",
           "load_help", "load_hwnasbench", "load_oneproxy", "load_eagle",
           "ONEPROXY_DEVICE_NAMES", "EAGLE_DEVICE_NAMES"]

ONEPROXY_DEVICE_NAMES = {
    "true_630": "nnmeter_adreno630",
    "true_640": "nnmeter_adreno640",
    "true_vpu": "nnmeter_myriadvpu",
    "true_a76": "nnmeter_cortexa76",
    "eagle_i7": "eagle_i7_7820x",
    "eagle_gtx": "eagle_gtx_1080ti",
    "eagle_cpu_855": "eagle_sd855_cpu",
    "eagle_gpu_855": "eagle_sd855_gpu",
    "eagle_dsp_855": "eagle_sd855_dsp",
    "eagle_jetson": "eagle_jetson_nano_fp32",
    "eagle_jetson_16": "eagle_jetson_nano_fp16",
    "eagle_tpu": "eagle_edgetpu",
    "rice_edgegpu": "hwnasbench_edgegpu",
    "rice_edgetpu": "hwnasbench_edgetpu",
    "rice_raspi4": "hwnasbench_raspi4",
    "rice_pixel3": "hwnasbench_pixel3",
    "rice_eyeriss": "hwnasbench_eyeriss",
    "rice_fpga": "hwnasbench_fpga",
}
"""OneProxy's latency file names (without ``.pickle``) -> device names; others keep their stem."""

EAGLE_DEVICE_NAMES = {
    "desktop-cpu-core-i7-7820x-fp32": "eagle_i7_7820x",
    "desktop-gpu-gtx-1080-ti-fp32": "eagle_gtx_1080ti",
    "embedded-gpu-jetson-nono-fp16": "eagle_jetson_nano_fp16",
    "embedded-gpu-jetson-nono-fp32": "eagle_jetson_nano_fp32",
    "embeeded-tpu-edgetpu-int8": "eagle_edgetpu",
    "mobile-cpu-snapdragon-450-contex-a53-int8": "eagle_sd450_cpu",
    "mobile-cpu-snapdragon-675-kryo-460-int8": "eagle_sd675_cpu",
    "mobile-cpu-snapdragon-855-kryo-485-int8": "eagle_sd855_cpu",
    "mobile-dsp-snapdragon-675-hexagon-685-int8": "eagle_sd675_dsp",
    "mobile-dsp-snapdragon-855-hexagon-690-int8": "eagle_sd855_dsp",
    "mobile-gpu-snapdragon-450-adreno-506-int8": "eagle_sd450_gpu",
    "mobile-gpu-snapdragon-675-adren0-612-int8": "eagle_sd675_gpu",
    "mobile-gpu-snapdragon-855-adren0-640-int8": "eagle_sd855_gpu",
}
"""Eagle's published file names (typos included) -> device names; others become
``eagle_<name>`` with runs of non-alphanumerics turned into ``_``."""


class BaseLoader(abc.ABC):
    """A reader of one published latency format into a :class:`LatencyTable`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    uses_pickle: ClassVar[bool] = False
    """Whether loading executes pickle (then ``load`` requires ``allow_pickle=True``)."""

    @abc.abstractmethod
    def load(self, path: str | os.PathLike, **kwargs: Any) -> LatencyTable:
        """Read ``path`` into a table of milliseconds."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# ---------------------------------------------------------------------------- shared helpers
def _check_allow_pickle(allow_pickle: object, path: Path, loader: str) -> None:
    if allow_pickle is not True:
        raise ValueError(
            f"The {loader!r} loader reads {path.name!r} with pickle, and loading a pickle can "
            f"execute arbitrary code. Pass allow_pickle=True only for a file you trust; got "
            f"allow_pickle={allow_pickle!r}.")


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} does not exist or is not a file.")


def _read_pickle(path: Path) -> Any:
    _require_file(path)
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception as exc:  # a corrupt pickle can raise almost anything
        raise DataFormatError(f"{path.name}: not a readable pickle "
                              f"({type(exc).__name__}: {exc}).") from exc


def _read_torch(path: Path) -> Any:
    _require_file(path)
    torch = optional_import("torch")

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch wraps format problems in several exception types
        raise DataFormatError(f"{path.name}: not a file torch.load(weights_only=True) can read "
                              f"({type(exc).__name__}: {exc}).") from exc


def _as_list(values: object, where: str) -> list:
    """A flat list from a list, tuple, 1-D numpy array or 1-D tensor."""
    if isinstance(values, (list, tuple)):
        return list(values)
    if hasattr(values, "tolist") and getattr(values, "ndim", None) == 1:
        return values.tolist()
    raise DataFormatError(f"{where}: expected a list of values; got {type(values).__name__}.")


def _parse_column(values: object, *, where: str, unit: str, n: int | None = None,
                  n_what: str = "") -> np.ndarray:
    """Parse a list of latencies (one per architecture) to milliseconds, NaN where missing."""
    seq = _as_list(values, where)
    if n is not None and len(seq) != n:
        raise DataFormatError(f"{where}: {len(seq)} values; expected {n}, one per architecture"
                              f"{' of ' + n_what if n_what else ''}.")
    return np.array([parse_latency(v, where=f"{where} position {i}", unit=unit)
                     for i, v in enumerate(seq)], dtype=np.float64)


def _select(available: Sequence[str], requested: Iterable[str] | None, *,
            param: str = "devices", what: str = "device") -> list[str]:
    """The requested names in the order given (all of ``available`` when ``None``)."""
    if requested is None:
        return list(available)
    if isinstance(requested, str):
        raise ValueError(f"The {param!r} argument must be a list of {what} names; got the "
                         f"string {requested!r} (write [{requested!r}]).")
    chosen = list(requested)
    for name in chosen:
        if name not in available:
            if what == "device":
                raise UnknownDeviceError(name, available)
            raise UnknownNameError(what, name, available)
    if not chosen:
        raise ValueError(f"The {param!r} argument is empty; choose from {list(available)}.")
    return chosen


def _duplicate_id_error(where: str, archs: Sequence[str]) -> None:
    first: dict[str, int] = {}
    for i, a in enumerate(archs):
        if a in first:
            raise DataFormatError(f"{where}: positions {first[a]} and {i} are the same "
                                  f"architecture {a!r}.")
        first[a] = i


@functools.lru_cache(maxsize=1)
def _nb201_index_of() -> dict[str, int]:
    """NAS-Bench-201 arch string -> benchmark index (the benchmark's own shuffled order)."""
    space = get_space("nasbench201")
    return {space.to_id(a): i for i, a in enumerate(space.enumerate())}


def _nb201_table(archs: list[str], devices: list[str], columns: list[np.ndarray], *,
                 where: str) -> LatencyTable:
    """Rows ordered by NAS-Bench-201 index, which the table also keeps."""
    _duplicate_id_error(where, archs)
    index_of = _nb201_index_of()
    index = np.array([index_of[a] for a in archs], dtype=np.int64)
    order = np.argsort(index, kind="stable")
    values = np.stack(columns, axis=1)[order]
    return LatencyTable([archs[i] for i in order], devices, values, space="nasbench201",
                        index=index[order])


def _nb201_from_ops(ops: Sequence[int], where: str) -> str:
    """NAS-Bench-201 id from 6 op indices in NAS-Bench-201's op and edge order."""
    from oneproxy_plugins.spaces.nasbench201 import NB201_OPS

    if len(ops) != 6 or any(isinstance(o, bool) or not isinstance(o, (int, np.integer))
                            or not 0 <= o < len(NB201_OPS) for o in ops):
        raise DataFormatError(f"{where}: {tuple(ops)!r} is not a NAS-Bench-201 arch vector; "
                              f"expected 6 op indices in 0..{len(NB201_OPS) - 1} "
                              f"({', '.join(NB201_OPS)}).")
    return get_space("nasbench201").to_id(tuple(NB201_OPS[int(o)] for o in ops))


# ---------------------------------------------------------------------------------- HELP
class HELPLoader(BaseLoader):
    """HELP's (NeurIPS'21) latency folders.

    Layout: ``<root>/data/<space>/latency/<device>.pt``, each a list of latencies in ms whose
    position is the architecture's position: its NAS-Bench-201 index (with
    ``str_arch2idx.pt``, a dict arch string -> index) or its position in ``metainfo.pt``'s
    ``arch`` list (FBNet, whose entries hold ``arch_str``, the 22 block names). ``path`` may be
    the HELP root, its ``data`` folder or the space folder itself.
    """

    name = "help"
    description = ("HELP (NeurIPS'21): data/<space>/latency/<device>.pt lists in ms with "
                   "str_arch2idx.pt (nasbench201) or metainfo.pt (fbnet); torch weights_only.")
    uses_pickle = False

    SPACES: ClassVar[tuple[str, ...]] = ("nasbench201", "fbnet")

    def load(self, path: str | os.PathLike, *, space: str | BaseSpace = "nasbench201",
             devices: Iterable[str] | None = None, unit: str = "ms") -> LatencyTable:
        """Read HELP's latencies of one space.

        Args:
            path: HELP root (holding ``data/``), its ``data`` folder, or ``data/<space>``.
            space: ``"nasbench201"`` or ``"fbnet"`` (name or space instance).
            devices: Device names (file names without ``.pt``) to read, in this order;
                default every ``latency/*.pt`` in name order.
            unit: Unit of the files' values; HELP publishes milliseconds.

        Returns:
            A table of milliseconds, one row per architecture, ordered by HELP's position
            (the NAS-Bench-201 index, kept as the table's index).

        Raises:
            FileNotFoundError: No ``latency`` folder or no architecture file.
            UnknownDeviceError: A requested device has no ``.pt`` file.
            DataFormatError: A file is unreadable, a list has the wrong length, or a value is
                not a positive latency (its file and position are named).
        """
        _unit_factor(unit)
        sp = get_space(space)
        if sp.name not in self.SPACES:
            raise ValueError(f"The 'space' argument must be one of {list(self.SPACES)} for HELP "
                             f"data; got {sp.name!r}.")
        folder = self._space_folder(Path(path), sp.name)
        files = {p.stem: p for p in sorted((folder / "latency").glob("*.pt"))}
        if not files:
            raise FileNotFoundError(f"{str(folder / 'latency')!r} holds no <device>.pt file.")
        chosen = _select(list(files), devices)
        if sp.name == "nasbench201":
            archs = self._nb201_archs(folder / "str_arch2idx.pt", sp)
        else:
            archs = self._fbnet_archs(folder / "metainfo.pt", sp)
        _duplicate_id_error(f"{sp.name} architecture list", archs)
        n_what = "str_arch2idx.pt" if sp.name == "nasbench201" else "metainfo.pt"
        values = np.stack([_parse_column(_read_torch(files[d]), where=files[d].name, unit=unit,
                                         n=len(archs), n_what=n_what) for d in chosen], axis=1)
        return LatencyTable(archs, chosen, values, space=sp.name, index=range(len(archs)))

    @staticmethod
    def _space_folder(path: Path, space: str) -> Path:
        for candidate in (path / "data" / space, path / space, path):
            if (candidate / "latency").is_dir():
                return candidate
        raise FileNotFoundError(f"No HELP latency folder for {space!r} under {str(path)!r}; "
                                f"expected {space}/latency/<device>.pt, data/{space}/latency/ or "
                                "latency/ there.")

    @staticmethod
    def _nb201_archs(path: Path, space: BaseSpace) -> list[str]:
        mapping = _read_torch(path)
        if not isinstance(mapping, Mapping):
            raise DataFormatError(f"{path.name}: expected a dict arch string -> index; got "
                                  f"{type(mapping).__name__}.")
        n = len(mapping)
        archs: list[str | None] = [None] * n
        for arch, idx in mapping.items():
            if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= idx < n:
                raise DataFormatError(f"{path.name}: entry {arch!r} has index {idx!r}; expected "
                                      f"an int in 0..{n - 1}.")
            if archs[idx] is not None:
                raise DataFormatError(f"{path.name}: index {idx} is given to both "
                                      f"{archs[idx]!r} and {arch!r}.")
            try:
                archs[idx] = space.canonical_id(arch)
            except ValueError as exc:
                raise DataFormatError(f"{path.name}: entry for index {idx}: {exc}") from None
        return archs  # type: ignore[return-value]  # every slot is filled: n distinct indices

    @staticmethod
    def _fbnet_archs(path: Path, space: BaseSpace) -> list[str]:
        meta = _read_torch(path)
        if not isinstance(meta, Mapping) or "arch" not in meta:
            got = (f"dict with keys {sorted(map(str, meta))}" if isinstance(meta, Mapping)
                   else type(meta).__name__)
            raise DataFormatError(f"{path.name}: expected a dict with an 'arch' list; got {got}.")
        entries = _as_list(meta["arch"], f"{path.name} 'arch'")
        archs = []
        for i, entry in enumerate(entries):
            where = f"{path.name} 'arch' position {i}"
            blocks = entry.get("arch_str") if isinstance(entry, Mapping) else None
            if blocks is None:
                raise DataFormatError(f"{where}: expected a dict with 'arch_str' (the 22 block "
                                      f"names); got {entry!r:.200}.")
            if not isinstance(blocks, str):
                if not all(isinstance(b, str) for b in _as_list(blocks, where)):
                    raise DataFormatError(f"{where}: 'arch_str' must hold block names; got "
                                          f"{blocks!r:.200}.")
                blocks = " ".join(blocks)
            try:
                archs.append(space.canonical_id(blocks))
            except ValueError as exc:
                raise DataFormatError(f"{where}: {exc}") from None
        return archs


# ------------------------------------------------------------------------- HW-NAS-Bench
_FBNET_STEM_CHANNELS = 16
# dataset -> (input size, stem stride, stage strides, head channels, classes), from the FBNet
# macro-architecture that HW-NAS-Bench priced its per-op tables with.
_FBNET_DATASETS = {
    "cifar100": (32, 1, (1, 1, 2, 2, 1, 2, 1), 1504, 100),
    "ImageNet": (224, 2, (1, 2, 2, 2, 1, 2, 1), 1984, 1000),
}
_FBNET_BLOCK_RE = re.compile(r"^k(\d+)_e(\d+)(?:_g(\d+))?$")


def _fbnet_op_keys(blocks: Sequence[str], dataset: str) -> list[str]:
    """Keys of HW-NAS-Bench's FBNet lookup table whose costs add up to one network."""
    from oneproxy_plugins.spaces.fbnet import FBNET_STAGES

    size, stem_stride, strides, head, classes = _FBNET_DATASETS[dataset]
    keys = [f"ConvNorm_H{size}_W{size}_Cin3_Cout{_FBNET_STEM_CHANNELS}_kernel3_"
            f"stride{stem_stride}_group1"]
    size //= stem_stride
    c_in = _FBNET_STEM_CHANNELS
    layer = 0
    for (c_out, depth), stage_stride in zip(FBNET_STAGES, strides):
        for i in range(depth):
            stride = stage_stride if i == 0 else 1
            block = blocks[layer]
            shape = f"H{size}_W{size}_Cin{c_in}_Cout{c_out}"
            if block == "skip":
                keys.append(f"Skip_{shape}_stride{stride}")
            else:
                kernel, expand, group = _FBNET_BLOCK_RE.match(block).groups()
                keys.append(f"ConvBlock_{shape}_exp{expand}_kernel{kernel}_stride{stride}_"
                            f"group{group or 1}")
            size //= stride
            c_in = c_out
            layer += 1
    keys.append(f"ConvNorm_H{size}_W{size}_Cin{c_in}_Cout{head}_kernel1_stride1_group1")
    keys.append(f"AvgP_H{size}_W{size}_Cin{head}_Cout{head}_kernel{size}_stride1")
    keys.append(f"FC_Cin{head}_Cout{classes}")
    return keys


class HWNASBenchLoader(BaseLoader):
    """HW-NAS-Bench's (ICLR'21) ``HW-NAS-Bench-v1_0.pickle``.

    Structure (from HW-NAS-Bench's ``hw_nas_bench_api``): a dict by space. Under
    ``"nasbench201"``, a dict by dataset (``"cifar10"``, ``"cifar100"``, ``"ImageNet16-120"``)
    of dicts by metric (``"edgegpu_latency"``, ``"edgegpu_energy"``, ``"raspi4_latency"``,
    ``"edgetpu_latency"``, ``"pixel3_latency"``, ``"eyeriss_latency"``, ``"fpga_latency"``, ...)
    of lists indexed by NAS-Bench-201 index, plus ``"config"``, a list of dicts whose
    ``arch_str`` is the index's arch string. Under ``"fbnet"``, a dict by metric of per-op
    lookup tables; a network's cost is the sum over its stem, 22 blocks, head, pooling and
    classifier, so FBNet architectures must be given.

    Only ``*_latency`` metrics are read by default, as devices ``hwnasbench_<hardware>``
    (``hwnasbench_edgegpu``); other metrics (energy in mJ, arithmetic intensity) are read only
    when named in ``metrics``, as ``hwnasbench_<metric>`` columns in their own unit.
    """

    name = "hwnasbench"
    description = ("HW-NAS-Bench (ICLR'21) HW-NAS-Bench-v1_0.pickle: *_latency metrics (ms) as "
                   "hwnasbench_<hardware> devices; pickle, needs allow_pickle=True.")
    uses_pickle = True

    DEFAULT_DATASETS: ClassVar[dict[str, str]] = {"nasbench201": "cifar10", "fbnet": "cifar100"}

    def load(self, path: str | os.PathLike, *, space: str | BaseSpace = "nasbench201",
             dataset: str | None = None, metrics: Iterable[str] | None = None,
             archs: Iterable[Any] | None = None, unit: str = "ms",
             allow_pickle: bool = False) -> LatencyTable:
        """Read HW-NAS-Bench's metrics of one space and dataset.

        Args:
            path: ``HW-NAS-Bench-v1_0.pickle``.
            space: ``"nasbench201"`` or ``"fbnet"``.
            dataset: Dataset key; default ``"cifar10"`` (NAS-Bench-201) or ``"cifar100"``
                (FBNet, whose other choice is ``"ImageNet"``).
            metrics: Metric keys to read (default: every ``*_latency`` one).
            archs: FBNet only, and required there: the architectures (ids or values) to
                price with the per-op tables, one row each.
            unit: Unit of the latency metrics; HW-NAS-Bench publishes milliseconds.
            allow_pickle: Must be ``True``: the file is a pickle, which can run code.

        Returns:
            A table with one column per metric. NAS-Bench-201 rows are every index in the
            file, keeping the index; FBNet rows are ``archs`` in the order given.

        Raises:
            ValueError: ``allow_pickle`` is not ``True``; ``archs`` missing for FBNet or given
                for NAS-Bench-201.
            UnknownNameError: The file has no such dataset or metric (known ones listed).
            DataFormatError: The file has no entry for the space, a list has the wrong length,
                an op is missing from a lookup table, or a value is not a positive number (file,
                metric and position named).
        """
        path = Path(path)
        _check_allow_pickle(allow_pickle, path, self.name)
        _unit_factor(unit)
        sp = get_space(space)
        if sp.name not in self.DEFAULT_DATASETS:
            raise ValueError(f"The 'space' argument must be one of {list(self.DEFAULT_DATASETS)} "
                             f"for HW-NAS-Bench; got {sp.name!r}.")
        data = _read_pickle(path)
        if not isinstance(data, Mapping):
            raise DataFormatError(f"{path.name}: expected a dict by search space; got "
                                  f"{type(data).__name__}.")
        if sp.name not in data:
            raise DataFormatError(f"{path.name}: no {sp.name!r} entry; it has "
                                  f"{sorted(map(str, data))}.")
        dataset = self.DEFAULT_DATASETS[sp.name] if dataset is None else dataset
        if sp.name == "nasbench201":
            if archs is not None:
                raise ValueError("The 'archs' argument is only for space 'fbnet' (whose file "
                                 "holds per-op tables); nasbench201 rows are every index.")
            by_metric = data[sp.name]
            if not isinstance(by_metric, Mapping):
                raise DataFormatError(f"{path.name}: 'nasbench201' must be a dict by dataset; "
                                      f"got {type(by_metric).__name__}.")
            if dataset not in by_metric:
                raise UnknownNameError("dataset", dataset, map(str, by_metric))
            by_metric = by_metric[dataset]
            where = f"{path.name} nasbench201/{dataset}"
        else:
            if dataset not in _FBNET_DATASETS:
                raise ValueError(f"The 'dataset' argument must be one of "
                                 f"{list(_FBNET_DATASETS)} for fbnet; got {dataset!r}.")
            if archs is None:
                raise ValueError("The 'archs' argument is required for space 'fbnet': "
                                 "HW-NAS-Bench stores FBNet costs as per-op lookup tables, so "
                                 "give the architectures to price.")
            by_metric = data[sp.name]
            where = f"{path.name} fbnet"
        if not isinstance(by_metric, Mapping):
            raise DataFormatError(f"{where}: expected a dict by metric; got "
                                  f"{type(by_metric).__name__}.")
        known = sorted(m for m in by_metric if isinstance(m, str) and m != "config")
        if metrics is None:
            chosen = [m for m in known if m.endswith("_latency")]
            if not chosen:
                raise DataFormatError(f"{where}: no *_latency metric; it has {known}.")
        else:
            chosen = _select(known, metrics, param="metrics", what="metric")
        devices = [f"hwnasbench_{m[:-len('_latency')]}" if m.endswith("_latency")
                   else f"hwnasbench_{m}" for m in chosen]
        units = [unit if m.endswith("_latency") else "ms" for m in chosen]  # "ms": factor 1
        if sp.name == "nasbench201":
            return self._nb201(by_metric, chosen, devices, units, where)
        return self._fbnet(by_metric, chosen, devices, units, where, dataset, sp, archs)

    @staticmethod
    def _nb201(by_metric: Mapping, metrics: list[str], devices: list[str], units: list[str],
               where: str) -> LatencyTable:
        space = get_space("nasbench201")
        if "config" in by_metric:
            configs = _as_list(by_metric["config"], f"{where} 'config'")
            archs = []
            for i, config in enumerate(configs):
                arch = config.get("arch_str") if isinstance(config, Mapping) else None
                try:
                    archs.append(space.canonical_id(arch))
                except ValueError as exc:
                    raise DataFormatError(f"{where} 'config' position {i}: expected a dict with "
                                          f"an 'arch_str' ({exc})") from None
        else:  # the lists are indexed by NAS-Bench-201 index, whose order enumerate() gives
            archs = list(_nb201_index_of())
        columns = [_parse_column(by_metric[m], where=f"{where}/{m}", unit=u, n=len(archs),
                                 n_what="'config'" if "config" in by_metric else "NAS-Bench-201")
                   for m, u in zip(metrics, units)]
        return _nb201_table(archs, devices, columns, where=f"{where} 'config'")

    @staticmethod
    def _fbnet(by_metric: Mapping, metrics: list[str], devices: list[str], units: list[str],
               where: str, dataset: str, space: BaseSpace, archs: Iterable[Any]) -> LatencyTable:
        ids = [space.canonical_id(a) for a in archs]
        if not ids:
            raise ValueError("The 'archs' argument is empty; give at least one FBNet "
                             "architecture.")
        _duplicate_id_error("The 'archs' argument", ids)
        keys = [_fbnet_op_keys(arch_id.split(" "), dataset) for arch_id in ids]
        values = np.empty((len(ids), len(metrics)))
        for c, (metric, unit) in enumerate(zip(metrics, units)):
            table = by_metric[metric]
            if not isinstance(table, Mapping):
                raise DataFormatError(f"{where}/{metric}: expected a per-op lookup table "
                                      f"(dict op -> cost); got {type(table).__name__}.")
            for r, arch_keys in enumerate(keys):
                total = 0.0
                for key in arch_keys:
                    if key not in table:
                        raise DataFormatError(f"{where}/{metric}: no entry {key!r}, needed by "
                                              f"architecture {ids[r]!r}.")
                    cost = table[key]
                    # an op may cost 0 (an identity skip); the network's total must be positive
                    if isinstance(cost, (int, float, np.integer, np.floating)) and cost == 0 \
                            and not isinstance(cost, bool):
                        continue
                    total += parse_latency(cost, where=f"{where}/{metric} entry {key!r}")
                values[r, c] = parse_latency(total, where=f"{where}/{metric} architecture "
                                             f"{ids[r]!r}", unit=unit)
        return LatencyTable(ids, devices, values, space=space.name)


# ---------------------------------------------------------------------------- OneProxy
class OneProxyLoader(BaseLoader):
    """OneProxy's (SIGMETRICS'22) pickled lists of NAS-Bench-201 latencies.

    ``encode.pickle`` is a list of vectors of 31 ints: for each of the 6 edges in
    NAS-Bench-201's edge order a one-hot of 5 ops (``none``, ``skip_connect``,
    ``nor_conv_1x1``, ``nor_conv_3x3``, ``avg_pool_3x3``), then a constant 1. Every other
    ``*.pickle`` in the folder or in its ``latency_data/`` folder is a list of latencies (ms)
    aligned with it; its device name comes from :data:`ONEPROXY_DEVICE_NAMES`.
    """

    name = "oneproxy"
    description = ("OneProxy (SIGMETRICS'22) encode.pickle + latency_data/<name>.pickle lists in "
                   "ms (nn-Meter, Eagle, HW-NAS-Bench devices); pickle, needs allow_pickle=True.")
    uses_pickle = True

    def load(self, path: str | os.PathLike, *, devices: Iterable[str] | None = None,
             unit: str = "ms", allow_pickle: bool = False) -> LatencyTable:
        """Read OneProxy's latency lists.

        Args:
            path: Folder holding ``encode.pickle`` (and ``latency_data/``).
            devices: Device names to read (``nnmeter_myriadvpu``, ...), in this order; default
                every latency file, by device name.
            unit: Unit of the lists; OneProxy publishes milliseconds.
            allow_pickle: Must be ``True``: the files are pickles, which can run code.

        Returns:
            A ``nasbench201`` table ordered by NAS-Bench-201 index (kept as its index).

        Raises:
            ValueError: ``allow_pickle`` is not ``True``.
            FileNotFoundError: No ``encode.pickle`` or no latency file.
            UnknownDeviceError: A requested device has no file.
            DataFormatError: A vector is not a valid one-hot cell, a list's length differs from
                ``encode.pickle``'s, two files give the same device, or a value is not a
                positive latency (file and position named).
        """
        folder = Path(path)
        encode_path = folder / "encode.pickle"
        _check_allow_pickle(allow_pickle, encode_path, self.name)
        _unit_factor(unit)
        _require_file(encode_path)
        files: dict[str, Path] = {}
        candidates = sorted(folder.glob("*.pickle")) + sorted(
            (folder / "latency_data").glob("*.pickle"))
        for p in candidates:
            if p == encode_path:
                continue
            device = ONEPROXY_DEVICE_NAMES.get(p.stem, p.stem)
            if device in files:
                raise DataFormatError(f"{files[device]} and {p} both hold device {device!r}.")
            files[device] = p
        if not files:
            raise FileNotFoundError(f"{str(folder)!r} holds no latency pickle beside "
                                    "encode.pickle (nor in latency_data/).")
        chosen = _select(sorted(files), devices)
        archs = self._decode(_read_pickle(encode_path), encode_path.name)
        columns = [_parse_column(_read_pickle(files[d]), where=files[d].name, unit=unit,
                                 n=len(archs), n_what="encode.pickle") for d in chosen]
        return _nb201_table(archs, chosen, columns, where=encode_path.name)

    @staticmethod
    def _decode(vectors: object, name: str) -> list[str]:
        from oneproxy_plugins.spaces.nasbench201 import NB201_EDGES, NB201_OPS

        n_ops = len(NB201_OPS)
        width = len(NB201_EDGES) * n_ops + 1
        archs = []
        for i, vector in enumerate(_as_list(vectors, name)):
            where = f"{name} position {i}"
            vec = _as_list(vector, where)
            if len(vec) != width or any(isinstance(v, bool) or v not in (0, 1) for v in vec):
                raise DataFormatError(f"{where}: expected {width} ints 0/1 (6 edges x 5 ops "
                                      f"one-hot, then 1); got {vec!r:.200}.")
            if vec[-1] != 1:
                raise DataFormatError(f"{where}: the last entry must be the constant 1; got "
                                      f"{vec[-1]!r}.")
            ops = []
            for e, (to_node, from_node) in enumerate(NB201_EDGES):
                block = vec[e * n_ops:(e + 1) * n_ops]
                if sum(block) != 1:
                    raise DataFormatError(f"{where}: edge {e} ({from_node}->{to_node}) has "
                                          f"{sum(block)} ops set; expected exactly one of "
                                          f"{list(NB201_OPS)}.")
                ops.append(block.index(1))
            archs.append(_nb201_from_ops(ops, where))
        return archs


# ------------------------------------------------------------------------------- Eagle
class EagleLoader(BaseLoader):
    """Eagle's (BRP-NAS, NeurIPS'20) latency pickles: ``{arch_vector: seconds}``.

    ``arch_vector`` is a tuple of 6 op indices in NAS-Bench-201's edge order, ops numbered as in
    NAS-Bench-201 (0 ``none``, 1 ``skip_connect``, 2 ``nor_conv_1x1``, 3 ``nor_conv_3x3``,
    4 ``avg_pool_3x3``), as Eagle's ``get_arch_vector_from_arch_str`` builds it; values are the
    processed (outlier-filtered mean) latency in seconds. One file per device.
    """

    name = "eagle"
    description = ("Eagle/BRP-NAS {arch_vector: seconds} pickles, one per device, stored in ms; "
                   "pickle, needs allow_pickle=True.")
    uses_pickle = True

    def load(self, path: str | os.PathLike, *, device: str | None = None, unit: str = "s",
             allow_pickle: bool = False) -> LatencyTable:
        """Read one Eagle latency pickle.

        Args:
            path: The pickle file.
            device: Column name; default from the file name via :data:`EAGLE_DEVICE_NAMES`
                (``desktop-cpu-core-i7-7820x-fp32.pickle`` -> ``eagle_i7_7820x``), else
                ``eagle_<file stem>``.
            unit: Unit of the file's values; Eagle publishes seconds (stored as ms).
            allow_pickle: Must be ``True``: the file is a pickle, which can run code.

        Returns:
            A one-column ``nasbench201`` table ordered by NAS-Bench-201 index (kept as its
            index). Eagle's ``"invalid"`` marker, ``None``, NaN and -1 become NaN.

        Raises:
            ValueError: ``allow_pickle`` is not ``True``, or ``device`` is empty.
            DataFormatError: Not a dict, a key is not an arch vector, a value is a list of raw
                measurements or not a positive latency (the key is named).
        """
        path = Path(path)
        _check_allow_pickle(allow_pickle, path, self.name)
        _unit_factor(unit)
        if device is None:
            device = EAGLE_DEVICE_NAMES.get(
                path.stem, "eagle_" + re.sub(r"[^0-9a-z]+", "_", path.stem.lower()).strip("_"))
        elif not isinstance(device, str) or not device.strip():
            raise ValueError(f"The 'device' argument must be a non-empty str; got {device!r}.")
        data = _read_pickle(path)
        if not isinstance(data, Mapping):
            raise DataFormatError(f"{path.name}: expected a dict {{arch_vector: seconds}}; got "
                                  f"{type(data).__name__}.")
        if not data:
            raise DataFormatError(f"{path.name}: the dict is empty.")
        archs, values = [], []
        for key, value in data.items():
            where = f"{path.name} key {key!r}"
            if not isinstance(key, (tuple, list)):
                raise DataFormatError(f"{where}: expected a tuple of 6 op indices; got "
                                      f"{type(key).__name__}.")
            archs.append(_nb201_from_ops(key, where))
            if isinstance(value, str) and value.strip().lower() == "invalid":
                value = None
            elif isinstance(value, (list, tuple)) or getattr(value, "ndim", 0):
                raise DataFormatError(f"{where}: a list of raw measurements; expected one "
                                      "processed latency per architecture (Eagle's "
                                      "tools/calc_stats.py makes them).")
            values.append(parse_latency(value, where=where, unit=unit))
        return _nb201_table(archs, [device], [np.array(values)], where=path.name)


BUILTIN_LOADERS: tuple[type[BaseLoader], ...] = (HELPLoader, HWNASBenchLoader, OneProxyLoader,
                                                 EagleLoader)


# ------------------------------------------------------------------- convenience functions
def load_help(path: str | os.PathLike, *, space: str | BaseSpace = "nasbench201",
              devices: Iterable[str] | None = None, unit: str = "ms") -> LatencyTable:
    """Read HELP's ``data/<space>/latency/<device>.pt`` files; see :class:`HELPLoader`.

    Example:
        >>> t = load_help("HELP", space="fbnet", devices=["pixel3"])  # doctest: +SKIP
    """
    return HELPLoader().load(path, space=space, devices=devices, unit=unit)


def load_hwnasbench(path: str | os.PathLike, *, space: str | BaseSpace = "nasbench201",
                    dataset: str | None = None, metrics: Iterable[str] | None = None,
                    archs: Iterable[Any] | None = None, unit: str = "ms",
                    allow_pickle: bool = False) -> LatencyTable:
    """Read ``HW-NAS-Bench-v1_0.pickle`` (opt-in pickle); see :class:`HWNASBenchLoader`.

    Example:
        >>> t = load_hwnasbench("HW-NAS-Bench-v1_0.pickle", allow_pickle=True)  # doctest: +SKIP
        >>> t.devices[:2]                                                      # doctest: +SKIP
        ['hwnasbench_edgegpu', 'hwnasbench_edgetpu']
    """
    return HWNASBenchLoader().load(path, space=space, dataset=dataset, metrics=metrics,
                                   archs=archs, unit=unit, allow_pickle=allow_pickle)


def load_oneproxy(path: str | os.PathLike, *, devices: Iterable[str] | None = None,
                  unit: str = "ms", allow_pickle: bool = False) -> LatencyTable:
    """Read OneProxy's ``encode.pickle`` and latency lists (opt-in pickle); see
    :class:`OneProxyLoader`.

    Example:
        >>> t = load_oneproxy("OneProxy", devices=["nnmeter_myriadvpu"],
        ...                   allow_pickle=True)  # doctest: +SKIP
    """
    return OneProxyLoader().load(path, devices=devices, unit=unit, allow_pickle=allow_pickle)


def load_eagle(path: str | os.PathLike, *, device: str | None = None, unit: str = "s",
               allow_pickle: bool = False) -> LatencyTable:
    """Read one Eagle ``{arch_vector: seconds}`` pickle (opt-in pickle); see
    :class:`EagleLoader`.

    Example:
        >>> t = load_eagle("desktop-cpu-core-i7-7820x-fp32.pickle",
        ...                allow_pickle=True)  # doctest: +SKIP
        >>> t.devices                          # doctest: +SKIP
        ['eagle_i7_7820x']
    """
    return EagleLoader().load(path, device=device, unit=unit, allow_pickle=allow_pickle)


def list_loaders() -> dict[str, BaseLoader]:
    """Every registered loader by name."""
    from oneproxy_plugins.plugins import collect

    return dict(collect("oneproxy_add_loaders"))


def get_loader(name: str) -> BaseLoader:
    """A registered loader by name (``UnknownNameError`` lists the known ones)."""
    from oneproxy_plugins.plugins import lookup

    return lookup("oneproxy_add_loaders", name, BaseLoader,
                  lambda value, known: UnknownNameError("loader", value, known))
