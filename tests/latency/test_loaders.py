"""Tests of oneproxy_plugins.latency.loaders on the real published files and on synthetic ones.

The real files are in ``shared/data/formats`` (HELP's ``.pt`` files, OneProxy's pickles);
their values are checked against the tidy CSVs of ``shared/data`` (6 significant digits).
HW-NAS-Bench's pickle and Eagle's original pickles are not available, so their tests build
small files in the structure those projects' own code reads (HW-NAS-Bench's
``hw_nas_bench_api``, Eagle's ``EagleDataset`` and ``get_arch_vector_from_arch_str``).
"""

from __future__ import annotations

import collections
import math
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import oneproxy_plugins.latency as latency
from oneproxy_plugins.exceptions import (DataFormatError, UnknownDeviceError, UnknownNameError,
                                         UnknownSpaceError)
from oneproxy_plugins.latency import (BaseLoader, LatencyTable, get_loader, list_loaders,
                                      load_eagle, load_help, load_hwnasbench, load_oneproxy)
from oneproxy_plugins.latency.loaders import HELPLoader
from oneproxy_plugins.spaces import get_space, list_spaces
from oneproxy_plugins.spaces.nasbench201 import NB201_OPS

try:  # the bare core has no PyTorch; the tests that need it are marked needs("torch")
    import torch
except ImportError:
    torch = None

NB201 = get_space("nasbench201")
NB201_IDS = [NB201.to_id(a) for a in NB201.enumerate()]
CSV_RTOL = 5e-6  # the tidy CSVs keep 6 significant digits


def rx(text: str) -> str:
    """``text`` as a regular expression matching itself."""
    import re

    return re.escape(text)


def dump(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(obj))
    return path


def save_pt(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(obj, path)
    return path


class Tripwire:
    """Unpickling this creates ``path``: proof that a loader ran code from a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def assert_matches_csv(loaded: LatencyTable, reference: LatencyTable, device: str,
                       rtol: float = CSV_RTOL) -> None:
    """The loaded column equals the CSV's column of the same architectures."""
    expected = reference.select(devices=[device], archs=loaded.archs).column(device)
    got = loaded.column(device)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=rtol)


# ------------------------------------------------------------------------------ registry
class TestRegistry:
    def test_builtin_loaders_registered(self):
        loaders = list_loaders()
        assert sorted(loaders) == ["eagle", "help", "hwnasbench", "oneproxy"]
        for loader in loaders.values():
            assert isinstance(loader, BaseLoader) and loader.description
        assert {n: l.uses_pickle for n, l in loaders.items()} == {
            "help": False, "hwnasbench": True, "oneproxy": True, "eagle": True}

    def test_get_loader(self):
        assert isinstance(get_loader("help"), HELPLoader)
        assert repr(get_loader("eagle")) == "EagleLoader()"

    def test_unknown_loader_lists_known(self):
        with pytest.raises(UnknownNameError, match=r"Unknown loader 'csv'; known: eagle, help, "
                                                   r"hwnasbench, oneproxy\."):
            get_loader("csv")

    def test_convenience_functions_exported(self):
        for name in ("load_help", "load_hwnasbench", "load_oneproxy", "load_eagle"):
            assert name in latency.__all__ and callable(getattr(latency, name))


# ---------------------------------------------------------------------------------- HELP
def help_nb201(root: Path, arch2idx: dict, latencies: dict[str, object]) -> Path:
    """A HELP folder ``root/data/nasbench201`` with ``str_arch2idx.pt`` and device lists."""
    folder = root / "data" / "nasbench201"
    save_pt(folder / "str_arch2idx.pt", arch2idx)
    for device, values in latencies.items():
        save_pt(folder / "latency" / f"{device}.pt", values)
    return root


@pytest.fixture
def help_root(tmp_path) -> Path:
    arch2idx = {NB201_IDS[5]: 2, NB201_IDS[3]: 0, NB201_IDS[9]: 1}
    return help_nb201(tmp_path / "HELP", arch2idx, {
        "pixel3": [1.5, 2.5, 3.5],
        "titanx_1": [0.25, -1, float("nan")],
        "gold_6240": [4, None, 6],
    })


@pytest.mark.needs("torch")  # HELP ships its tables as torch files
class TestHELPSynthetic:
    def test_positions_are_indices(self, help_root):
        t = load_help(help_root)
        assert t.archs == [NB201_IDS[3], NB201_IDS[9], NB201_IDS[5]]
        assert t.index.tolist() == [0, 1, 2] and t.space == "nasbench201"
        assert t.devices == ["gold_6240", "pixel3", "titanx_1"]  # file names, sorted
        np.testing.assert_array_equal(t.values, [[4, 1.5, 0.25], [np.nan, 2.5, np.nan],
                                                 [6, 3.5, np.nan]])

    @pytest.mark.parametrize("sub", ["", "data", "data/nasbench201"])
    def test_root_data_or_space_folder(self, help_root, sub):
        assert len(load_help(help_root / sub)) == 3

    def test_devices_in_order_given(self, help_root):
        assert load_help(help_root, devices=["titanx_1", "pixel3"]).devices == ["titanx_1",
                                                                                "pixel3"]

    def test_unit(self, help_root):
        t = load_help(help_root, devices=["pixel3"], unit="s")
        assert t.column("pixel3").tolist() == [1500.0, 2500.0, 3500.0]

    @pytest.mark.needs("torch")
    def test_tensor_lists(self, tmp_path):
        root = help_nb201(tmp_path, {NB201_IDS[0]: 0, NB201_IDS[1]: 1},
                          {"cpu": torch.tensor([1.0, 2.0], dtype=torch.float64)})
        assert load_help(root).column("cpu").tolist() == [1.0, 2.0]

    @pytest.mark.parametrize(("kwargs", "error", "message"), [
        ({"devices": ["pixel9"]}, UnknownDeviceError,
         r"Unknown device 'pixel9'; known: gold_6240, pixel3, titanx_1\."),
        ({"devices": "pixel3"}, ValueError, r"'devices' argument must be a list of device names; "
                                            r"got the string 'pixel3' \(write \['pixel3'\]\)"),
        ({"devices": []}, ValueError, "'devices' argument is empty; choose from"),
        ({"unit": "sec"}, ValueError, r"'unit' argument must be one of \['ms', 's', 'us'\]; "
                                      r"got 'sec'"),
        ({"space": "nb101"}, UnknownSpaceError, "Unknown space 'nb101'"),
    ])
    def test_bad_argument(self, help_root, kwargs, error, message):
        with pytest.raises(error, match=message):
            load_help(help_root, **kwargs)

    def test_space_without_help_data(self, help_root):
        others = [n for n in list_spaces() if n not in HELPLoader.SPACES]
        if not others:
            pytest.skip("every registered space has HELP data")
        with pytest.raises(ValueError, match=rf"'space' argument must be one of \['nasbench201', "
                                             rf"'fbnet'\] for HELP data; got '{others[0]}'"):
            load_help(help_root, space=others[0])

    def test_no_latency_folder(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="No HELP latency folder for 'nasbench201' "
                                                    "under"):
            load_help(tmp_path)

    def test_no_device_file(self, tmp_path):
        (tmp_path / "nasbench201" / "latency").mkdir(parents=True)
        with pytest.raises(FileNotFoundError, match=r"holds no <device>.pt file"):
            load_help(tmp_path)

    def test_no_architecture_file(self, help_root):
        (help_root / "data" / "nasbench201" / "str_arch2idx.pt").unlink()
        with pytest.raises(FileNotFoundError, match="str_arch2idx.pt' does not exist"):
            load_help(help_root)

    @pytest.mark.parametrize(("values", "message"), [
        ([1.0, 2.0], "pixel3.pt: 2 values; expected 3, one per architecture of str_arch2idx.pt"),
        ([1.0, -0.4, 2.0], "pixel3.pt position 1: -0.4 ms; latencies must be positive"),
        ([1.0, 0, 2.0], "pixel3.pt position 1: 0.0 ms; latencies must be positive"),
        ([1.0, "fast", 2.0], "pixel3.pt position 1: 'fast' is not a number"),
        ([1.0, True, 2.0], r"pixel3.pt position 1: True \(bool\) is not a number"),
        ({"a": 1.0}, "pixel3.pt: expected a list of values; got dict"),
        (lambda: torch.ones(3, 2), "pixel3.pt: expected a list of values; got Tensor"),
    ])
    def test_bad_latency_file(self, tmp_path, values, message):
        values = values() if callable(values) else values  # a tensor is made when it runs
        root = help_nb201(tmp_path, {NB201_IDS[i]: i for i in range(3)}, {"pixel3": values})
        with pytest.raises(DataFormatError, match=message):
            load_help(root)

    @pytest.mark.parametrize(("arch2idx", "message"), [
        ([NB201_IDS[0]], "str_arch2idx.pt: expected a dict arch string -> index; got list"),
        ({NB201_IDS[0]: 0, NB201_IDS[1]: 5}, rx(f"str_arch2idx.pt: entry {NB201_IDS[1]!r} has "
                                                f"index 5; expected an int in 0..1")),
        ({NB201_IDS[0]: 0, NB201_IDS[1]: "1"}, "has index '1'; expected an int"),
        ({NB201_IDS[0]: 0, NB201_IDS[1]: 0}, "str_arch2idx.pt: index 0 is given to both"),
        ({NB201_IDS[0]: 0, "|conv~0|": 1}, "str_arch2idx.pt: entry for index 1: Malformed "
                                           "nasbench201 arch string"),
    ])
    def test_bad_architecture_file(self, tmp_path, arch2idx, message):
        root = help_nb201(tmp_path, arch2idx, {"pixel3": [1.0, 2.0]})
        with pytest.raises(DataFormatError, match=message):
            load_help(root)

    @pytest.mark.needs("torch")
    def test_corrupt_pt(self, help_root):
        (help_root / "data" / "nasbench201" / "latency" / "pixel3.pt").write_bytes(b"\x00garbage")
        with pytest.raises(DataFormatError, match=r"pixel3.pt: not a file "
                                                  r"torch.load\(weights_only=True\) can read"):
            load_help(help_root, devices=["pixel3"])

    @pytest.mark.needs("torch")
    def test_pt_that_would_run_code_is_refused_without_running_it(self, help_root, tmp_path):
        # weights_only=True is why HELP needs no opt-in: code in the file never runs.
        tripwire = tmp_path / "ran"
        save_pt(help_root / "data" / "nasbench201" / "latency" / "pixel3.pt", Tripwire(tripwire))
        with pytest.raises(DataFormatError, match="pixel3.pt: not a file torch.load"):
            load_help(help_root, devices=["pixel3"])
        assert not tripwire.exists()


def help_fbnet(root: Path, entries: list, latencies: dict[str, list]) -> Path:
    folder = root / "data" / "fbnet"
    save_pt(folder / "metainfo.pt", {"dataset": "cifar100", "num_classes": 100, "arch": entries})
    for device, values in latencies.items():
        save_pt(folder / "latency" / f"{device}.pt", values)
    return root


@pytest.mark.needs("torch")  # HELP ships its tables as torch files
class TestHELPSyntheticFBNet:
    def test_arch_str_list_or_string(self, tmp_path, fbnet_space):
        a, b = (fbnet_space.to_id(fbnet_space.sample(s)) for s in (0, 1))
        root = help_fbnet(tmp_path, [{"arch_str": a.split(" "), "op_idx_list": []},
                                     {"arch_str": b}], {"pixel3": [10.0, -1]})
        t = load_help(root, space="fbnet")
        assert t.archs == [a, b] and t.index.tolist() == [0, 1] and t.space == "fbnet"
        assert t.column("pixel3")[0] == 10.0 and math.isnan(t.column("pixel3")[1])

    @pytest.mark.parametrize(("meta", "message"), [
        ([], r"metainfo.pt: expected a dict with an 'arch' list; got list"),
        ({"archs": []}, r"metainfo.pt: expected a dict with an 'arch' list; got dict with keys "
                        r"\['archs'\]"),
        ({"arch": [{"op_idx_list": [0] * 22}]}, r"metainfo.pt 'arch' position 0: expected a dict "
                                                r"with 'arch_str'"),
        ({"arch": [{"arch_str": [1] * 22}]}, r"metainfo.pt 'arch' position 0: 'arch_str' must "
                                             r"hold block names"),
        ({"arch": [{"arch_str": ["k3_e1"] * 21}]}, r"metainfo.pt 'arch' position 0: "),
        ({"arch": [{"arch_str": ["k9_e9"] * 22}]}, r"metainfo.pt 'arch' position 0: "),
    ])
    def test_bad_metainfo(self, tmp_path, fbnet_space, meta, message):
        folder = tmp_path / "fbnet"
        save_pt(folder / "metainfo.pt", meta)
        save_pt(folder / "latency" / "pixel3.pt", [1.0])
        with pytest.raises(DataFormatError, match=message):
            load_help(tmp_path, space="fbnet")

    def test_duplicate_architecture(self, tmp_path, fbnet_space):
        a = fbnet_space.to_id(fbnet_space.sample(0))
        root = help_fbnet(tmp_path, [{"arch_str": a}, {"arch_str": a}], {"pixel3": [1.0, 2.0]})
        with pytest.raises(DataFormatError, match="fbnet architecture list: positions 0 and 1 "
                                                  "are the same architecture"):
            load_help(root, space="fbnet")


@pytest.mark.needs("torch")  # HELP ships its tables as torch files
class TestHELPReal:
    def test_nasbench201_matches_latency_csv(self, formats_dir, nb201_real):
        t = load_help(formats_dir / "help")
        assert t.shape == (15625, 2) and t.devices == ["1080ti_1", "pixel3"]
        # HELP's index is NAS-Bench-201's: same ids in the same order as architectures.csv
        assert t.archs == nb201_real.archs and t.index.tolist() == list(range(15625))
        for device in t.devices:
            assert_matches_csv(t, nb201_real, device)

    def test_joins_with_the_data_directory(self, formats_dir, nb201_real):
        joined = load_help(formats_dir / "help").join(nb201_real)
        assert joined.shape == (15625, 33) and joined.index is not None

    def test_fbnet_matches_latency_csv(self, formats_dir, shared_data, fbnet_space):
        from oneproxy_plugins.latency import load_data_dir

        reference = load_data_dir(shared_data, fbnet_space)
        t = load_help(formats_dir / "help", space="fbnet")
        assert t.shape == (5000, 2) and t.archs == reference.archs
        assert t.index.tolist() == reference.index.tolist()
        assert_matches_csv(t, reference, "pixel3")
        assert_matches_csv(t, reference, "samsung_a50", rtol=0)  # whole ms on both sides


# ------------------------------------------------------------------------- HW-NAS-Bench
METRICS = ("edgegpu_latency", "edgegpu_energy", "raspi4_latency", "edgetpu_latency",
           "pixel3_latency", "eyeriss_latency", "eyeriss_energy", "eyeriss_arithmetic_intensity",
           "fpga_latency", "fpga_energy")


def hwnasbench_nb201(n: int, *, config: bool | list = True, **overrides) -> dict:
    """HW-NAS-Bench's structure, as ``hw_nas_bench_api.HWNASBenchAPI.query_by_index`` reads
    it: ``data["nasbench201"][dataset][metric][arch_index]`` and ``[dataset]["config"]``
    (generated when ``config`` is True, absent when False, else the list given)."""
    by_dataset = {}
    for d, dataset in enumerate(("cifar10", "cifar100", "ImageNet16-120")):
        metrics = {m: [float(10 * d + k + i + 1) for i in range(n)] for k, m in enumerate(METRICS)}
        if config is True:
            metrics["config"] = [{"name": "infer.tiny", "C": 16, "N": 5,
                                  "arch_str": NB201_IDS[i], "num_classes": 10} for i in range(n)]
        elif config is not False:
            metrics["config"] = config
        metrics.update(overrides)
        by_dataset[dataset] = metrics
    return {"nasbench201": by_dataset, "fbnet": {}}


@pytest.fixture
def hw_file(tmp_path) -> Path:
    data = hwnasbench_nb201(3, edgetpu_latency=[0.5, -1, None])
    return dump(tmp_path / "HW-NAS-Bench-v1_0.pickle", data)


class TestHWNASBenchNB201:
    def test_latency_metrics_become_devices(self, hw_file):
        t = load_hwnasbench(hw_file, allow_pickle=True)
        assert t.devices == ["hwnasbench_edgegpu", "hwnasbench_edgetpu", "hwnasbench_eyeriss",
                             "hwnasbench_fpga", "hwnasbench_pixel3", "hwnasbench_raspi4"]
        assert t.archs == NB201_IDS[:3] and t.index.tolist() == [0, 1, 2]
        assert t.column("hwnasbench_edgegpu").tolist() == [1.0, 2.0, 3.0]
        assert t.column("hwnasbench_edgetpu")[0] == 0.5
        assert np.isnan(t.column("hwnasbench_edgetpu")[1:]).all()  # -1 and None are missing

    def test_dataset(self, hw_file):
        t = load_hwnasbench(hw_file, dataset="ImageNet16-120", allow_pickle=True)
        assert t.column("hwnasbench_edgegpu").tolist() == [21.0, 22.0, 23.0]

    def test_energy_only_when_asked(self, hw_file):
        t = load_hwnasbench(hw_file, metrics=["edgegpu_energy", "pixel3_latency"], unit="s",
                            allow_pickle=True)
        assert t.devices == ["hwnasbench_edgegpu_energy", "hwnasbench_pixel3"]
        assert t.column("hwnasbench_edgegpu_energy").tolist() == [2.0, 3.0, 4.0]  # mJ, unscaled
        assert t.column("hwnasbench_pixel3").tolist() == [5000.0, 6000.0, 7000.0]  # s -> ms

    def test_without_config_rows_follow_nasbench201_order(self, tmp_path):
        data = hwnasbench_nb201(15625, config=False)
        t = load_hwnasbench(dump(tmp_path / "hw.pickle", data), metrics=["fpga_latency"],
                            allow_pickle=True)
        assert t.archs == NB201_IDS and t.index.tolist() == list(range(15625))

    def test_refuses_without_allow_pickle(self, tmp_path):
        tripwire = tmp_path / "ran"
        path = dump(tmp_path / "HW-NAS-Bench-v1_0.pickle", Tripwire(tripwire))
        for allow in (False, "yes", 1):
            with pytest.raises(ValueError, match=r"The 'hwnasbench' loader reads "
                                                 r"'HW-NAS-Bench-v1_0.pickle' with pickle, and "
                                                 r"loading a pickle can execute arbitrary code\. "
                                                 r"Pass allow_pickle=True only for a file you "
                                                 rf"trust; got allow_pickle={allow!r}"):
                load_hwnasbench(path, allow_pickle=allow)
        assert not tripwire.exists()

    def test_allow_pickle_means_trusting_the_file(self, tmp_path):
        tripwire = tmp_path / "ran"
        path = dump(tmp_path / "hw.pickle", Tripwire(tripwire))
        with pytest.raises(DataFormatError, match="hw.pickle: expected a dict by search space; "
                                                  "got NoneType"):
            load_hwnasbench(path, allow_pickle=True)
        assert tripwire.exists()

    @pytest.mark.parametrize(("data", "message"), [
        ({"fbnet": {}}, r"hw.pickle: no 'nasbench201' entry; it has \['fbnet'\]"),
        ({"nasbench201": [1]}, "hw.pickle: 'nasbench201' must be a dict by dataset; got list"),
        ({"nasbench201": {"cifar10": [1]}}, "hw.pickle nasbench201/cifar10: expected a dict by "
                                            "metric; got list"),
        ({"nasbench201": {"cifar10": {"edgegpu_energy": [1.0]}}},
         r"hw.pickle nasbench201/cifar10: no \*_latency metric; it has \['edgegpu_energy'\]"),
        (hwnasbench_nb201(3, pixel3_latency=[1.0, 2.0]),
         "hw.pickle nasbench201/cifar10/pixel3_latency: 2 values; expected 3, one per "
         "architecture of 'config'"),
        (hwnasbench_nb201(3, pixel3_latency=[1.0, -2.0, 3.0]),
         "hw.pickle nasbench201/cifar10/pixel3_latency position 1: -2.0 ms; latencies must be "
         "positive"),
        (hwnasbench_nb201(2, config=[{"arch_str": NB201_IDS[0]}, {"C": 16}]),
         r"hw.pickle nasbench201/cifar10 'config' position 1: expected a dict with an 'arch_str'"),
        (hwnasbench_nb201(2, config=[{"arch_str": NB201_IDS[0]}] * 2),
         r"hw.pickle nasbench201/cifar10 'config': positions 0 and 1 are the same architecture"),
        (hwnasbench_nb201(3, config=False), r"edgegpu_latency: 3 values; expected 15625, one per "
                                            r"architecture of NAS-Bench-201"),
        ([1, 2], "hw.pickle: expected a dict by search space; got list"),
    ])
    def test_bad_file(self, tmp_path, data, message):
        with pytest.raises(DataFormatError, match=message):
            load_hwnasbench(dump(tmp_path / "hw.pickle", data), allow_pickle=True)

    def test_unknown_dataset(self, hw_file):
        with pytest.raises(UnknownNameError, match=r"Unknown dataset 'cifar-10'; known: "
                                                   r"ImageNet16-120, cifar10, cifar100\."):
            load_hwnasbench(hw_file, dataset="cifar-10", allow_pickle=True)

    def test_unknown_metric(self, hw_file):
        with pytest.raises(UnknownNameError, match=r"Unknown metric 'gpu_latency'; known: "
                                                   r"edgegpu_energy, edgegpu_latency"):
            load_hwnasbench(hw_file, metrics=["gpu_latency"], allow_pickle=True)

    @pytest.mark.parametrize(("metrics", "message"), [
        ("pixel3_latency", r"'metrics' argument must be a list of metric names; got the string "
                           r"'pixel3_latency' \(write \['pixel3_latency'\]\)"),
        ([], r"'metrics' argument is empty; choose from \['edgegpu_energy', "),
    ])
    def test_bad_metrics_argument(self, hw_file, metrics, message):
        with pytest.raises(ValueError, match=message):
            load_hwnasbench(hw_file, metrics=metrics, allow_pickle=True)

    def test_archs_only_for_fbnet(self, hw_file):
        with pytest.raises(ValueError, match="'archs' argument is only for space 'fbnet'"):
            load_hwnasbench(hw_file, archs=[NB201_IDS[0]], allow_pickle=True)

    def test_space_without_hwnasbench_data(self, hw_file):
        with pytest.raises(ValueError, match=r"'space' argument must be one of \['nasbench201', "
                                             r"'fbnet'\] for HW-NAS-Bench"):
            load_hwnasbench(hw_file, space=next(n for n in list_spaces()
                                                if n not in ("nasbench201", "fbnet")),
                            allow_pickle=True)

    @pytest.mark.needs("torch")
    def test_real_values_in_hwnasbench_structure(self, tmp_path, formats_dir, nb201_real):
        # HELP's pixel3 is HW-NAS-Bench's cifar10 pixel3_latency (HW-NAS-Bench's README prints
        # 3.6058499999999998 ms for index 0, HELP's first value): packed in HW-NAS-Bench's
        # structure without 'config', the rows must land on the right architectures.
        pixel3 = torch.load(formats_dir / "help/data/nasbench201/latency/pixel3.pt",
                            weights_only=True)
        assert pixel3[0] == 3.6058499999999998
        data = {"nasbench201": {"cifar10": {"pixel3_latency": pixel3,
                                            "pixel3_energy": pixel3}}}
        t = load_hwnasbench(dump(tmp_path / "hw.pickle", data), allow_pickle=True)
        assert t.devices == ["hwnasbench_pixel3"]
        assert_matches_csv(t.rename({"hwnasbench_pixel3": "pixel3"}), nb201_real, "pixel3")


# HW-NAS-Bench's FBNet tables are per-op costs; these are the 26 entries that
# hw_nas_bench_api.fbnet_get_metrics adds up for 22 x "k3_e1" on CIFAR-100, written out by hand.
K3E1_CIFAR100 = [
    "ConvNorm_H32_W32_Cin3_Cout16_kernel3_stride1_group1",
    "ConvBlock_H32_W32_Cin16_Cout16_exp1_kernel3_stride1_group1",
    "ConvBlock_H32_W32_Cin16_Cout24_exp1_kernel3_stride1_group1",
    *["ConvBlock_H32_W32_Cin24_Cout24_exp1_kernel3_stride1_group1"] * 3,
    "ConvBlock_H32_W32_Cin24_Cout32_exp1_kernel3_stride2_group1",
    *["ConvBlock_H16_W16_Cin32_Cout32_exp1_kernel3_stride1_group1"] * 3,
    "ConvBlock_H16_W16_Cin32_Cout64_exp1_kernel3_stride2_group1",
    *["ConvBlock_H8_W8_Cin64_Cout64_exp1_kernel3_stride1_group1"] * 3,
    "ConvBlock_H8_W8_Cin64_Cout112_exp1_kernel3_stride1_group1",
    *["ConvBlock_H8_W8_Cin112_Cout112_exp1_kernel3_stride1_group1"] * 3,
    "ConvBlock_H8_W8_Cin112_Cout184_exp1_kernel3_stride2_group1",
    *["ConvBlock_H4_W4_Cin184_Cout184_exp1_kernel3_stride1_group1"] * 3,
    "ConvBlock_H4_W4_Cin184_Cout352_exp1_kernel3_stride1_group1",
    "ConvNorm_H4_W4_Cin352_Cout1504_kernel1_stride1_group1",
    "AvgP_H4_W4_Cin1504_Cout1504_kernel4_stride1",
    "FC_Cin1504_Cout100",
]
# The same with layer 0 "skip" and layer 21 "k5_e1_g2".
SKIP_FIRST = "Skip_H32_W32_Cin16_Cout16_stride1"
G2_LAST = "ConvBlock_H4_W4_Cin184_Cout352_exp1_kernel5_stride1_group2"


@pytest.fixture
def fbnet_hw(tmp_path, fbnet_space):
    keys = sorted(set(K3E1_CIFAR100) | {SKIP_FIRST, G2_LAST})
    cost = {k: float(2 ** i) for i, k in enumerate(keys)}  # distinct bits: sums are exact
    data = {"nasbench201": {}, "fbnet": {"pixel3_latency": cost,
                                         "edgegpu_latency": {k: 1.0 for k in keys},
                                         "edgegpu_energy": {k: 2.0 for k in keys}}}
    plain = ["k3_e1"] * 22
    mixed = ["skip"] + ["k3_e1"] * 20 + ["k5_e1_g2"]
    return dump(tmp_path / "hw.pickle", data), cost, plain, mixed


class TestHWNASBenchFBNet:
    def test_sums_the_per_op_tables(self, fbnet_hw, fbnet_space):
        path, cost, plain, mixed = fbnet_hw
        t = load_hwnasbench(path, space="fbnet", archs=[" ".join(plain), tuple(mixed)],
                            allow_pickle=True)
        assert t.archs == [" ".join(plain), " ".join(mixed)] and t.space == "fbnet"
        assert t.devices == ["hwnasbench_edgegpu", "hwnasbench_pixel3"]
        expected_plain = sum(cost[k] for k in K3E1_CIFAR100)
        stem, *_, last, head, pool, fc = K3E1_CIFAR100
        mixed_keys = [stem, SKIP_FIRST, *K3E1_CIFAR100[2:-4], G2_LAST, head, pool, fc]
        assert last != G2_LAST
        assert collections.Counter(K3E1_CIFAR100) != collections.Counter(mixed_keys)
        assert t.column("hwnasbench_pixel3").tolist() == [expected_plain,
                                                          sum(cost[k] for k in mixed_keys)]
        assert t.column("hwnasbench_edgegpu").tolist() == [26.0, 26.0]

    def test_energy_when_asked(self, fbnet_hw):
        path, _, plain, _ = fbnet_hw
        t = load_hwnasbench(path, space="fbnet", archs=[tuple(plain)],
                            metrics=["edgegpu_energy"], allow_pickle=True)
        assert t.column("hwnasbench_edgegpu_energy").tolist() == [52.0]

    def test_zero_cost_op_allowed_and_missing_entry_is_nan(self, tmp_path, fbnet_space):
        table = {k: 1.0 for k in K3E1_CIFAR100 + [SKIP_FIRST, G2_LAST]}
        table[SKIP_FIRST] = 0  # an identity skip may cost nothing
        table[G2_LAST] = -1  # not measured
        data = {"fbnet": {"raspi4_latency": table}}
        mixed = ["skip"] + ["k3_e1"] * 21
        t = load_hwnasbench(dump(tmp_path / "hw.pickle", data), space="fbnet",
                            archs=[tuple(mixed), tuple(["k3_e1"] * 21 + ["k5_e1_g2"])],
                            allow_pickle=True)
        assert t.column("hwnasbench_raspi4")[0] == 25.0
        assert math.isnan(t.column("hwnasbench_raspi4")[1])

    def test_archs_required(self, fbnet_hw):
        with pytest.raises(ValueError, match="'archs' argument is required for space 'fbnet': "
                                             "HW-NAS-Bench stores FBNet costs as per-op lookup "
                                             "tables"):
            load_hwnasbench(fbnet_hw[0], space="fbnet", allow_pickle=True)

    def test_archs_empty_or_repeated(self, fbnet_hw):
        path, _, plain, _ = fbnet_hw
        with pytest.raises(ValueError, match="'archs' argument is empty"):
            load_hwnasbench(path, space="fbnet", archs=[], allow_pickle=True)
        with pytest.raises(DataFormatError, match="'archs' argument: positions 0 and 1 are the "
                                                  "same architecture"):
            load_hwnasbench(path, space="fbnet", archs=[tuple(plain)] * 2, allow_pickle=True)

    def test_missing_entry_is_named(self, fbnet_hw):
        path, _, plain, _ = fbnet_hw
        with pytest.raises(DataFormatError, match=r"hw.pickle fbnet/edgegpu_latency: no entry "
                                                  r"'ConvNorm_H224_W224_Cin3_Cout16_kernel3_"
                                                  r"stride2_group1', needed by architecture"):
            load_hwnasbench(path, space="fbnet", dataset="ImageNet", archs=[tuple(plain)],
                            allow_pickle=True)

    def test_bad_entry_is_named(self, tmp_path, fbnet_space):
        table = dict.fromkeys(K3E1_CIFAR100, 1.0)
        table["FC_Cin1504_Cout100"] = "n/a?"
        path = dump(tmp_path / "hw.pickle", {"fbnet": {"fpga_latency": table}})
        with pytest.raises(DataFormatError, match=r"hw.pickle fbnet/fpga_latency entry "
                                                  r"'FC_Cin1504_Cout100': 'n/a\?' is not a number"):
            load_hwnasbench(path, space="fbnet", archs=[("k3_e1",) * 22], allow_pickle=True)

    def test_not_a_lookup_table(self, tmp_path, fbnet_space):
        path = dump(tmp_path / "hw.pickle", {"fbnet": {"fpga_latency": [1.0, 2.0]}})
        with pytest.raises(DataFormatError, match=r"hw.pickle fbnet/fpga_latency: expected a "
                                                  r"per-op lookup table"):
            load_hwnasbench(path, space="fbnet", archs=[("k3_e1",) * 22], allow_pickle=True)

    def test_bad_dataset(self, fbnet_hw):
        with pytest.raises(ValueError, match=r"'dataset' argument must be one of \['cifar100', "
                                             r"'ImageNet'\] for fbnet; got 'cifar10'"):
            load_hwnasbench(fbnet_hw[0], space="fbnet", dataset="cifar10",
                            archs=[("k3_e1",) * 22], allow_pickle=True)


# ----------------------------------------------------------------------------- OneProxy
def one_hot(arch_id: str) -> list[int]:
    """OneProxy's encoding, written independently of the loader: 6 x 5 one-hot, then 1."""
    vector = []
    for op in NB201.from_id(arch_id):
        vector += [int(op == o) for o in NB201_OPS]
    return vector + [1]


def oneproxy_dir(root: Path, archs: list[str], latencies: dict[str, object]) -> Path:
    dump(root / "encode.pickle", [one_hot(a) for a in archs])
    for name, values in latencies.items():
        dump(root / name, values)
    return root


class TestOneProxyReal:
    def test_matches_latency_subset1999(self, formats_dir, nb201_real):
        t = load_oneproxy(formats_dir / "oneproxy", allow_pickle=True)
        assert t.shape == (1999, 3)
        assert t.devices == ["eagle_i7_7820x", "eagle_sd855_cpu", "nnmeter_myriadvpu"]
        assert t.index.tolist() == nb201_real.select(archs=t.archs).index.tolist()
        assert (np.diff(t.index) > 0).all()  # ordered by NAS-Bench-201 index
        for device in t.devices:
            assert_matches_csv(t, nb201_real, device)
        # the real subset: every one of the 1999 rows of latency_subset1999.csv, no other
        assert sorted(t.archs) == sorted(nb201_real.dropna(["nnmeter_myriadvpu"]).archs)

    def test_first_vector_is_index_910(self, formats_dir):
        t = load_oneproxy(formats_dir / "oneproxy", devices=["nnmeter_myriadvpu"],
                          allow_pickle=True)
        row = t.row_of("|none~0|+|nor_conv_3x3~0|none~1|+|nor_conv_3x3~0|avg_pool_3x3~1|"
                       "nor_conv_3x3~2|")
        assert t.index[row] == 910 and t.column("nnmeter_myriadvpu")[row] == 3.791

    def test_joins_with_the_data_directory(self, formats_dir, nb201_real):
        t = load_oneproxy(formats_dir / "oneproxy", allow_pickle=True)
        assert t.join(nb201_real).shape == (15625, 33)

    def test_refuses_without_allow_pickle(self, formats_dir):
        with pytest.raises(ValueError, match="The 'oneproxy' loader reads 'encode.pickle' with "
                                             "pickle, and loading a pickle can execute arbitrary "
                                             "code"):
            load_oneproxy(formats_dir / "oneproxy")


class TestOneProxySynthetic:
    archs = [NB201_IDS[7], NB201_IDS[2], NB201_IDS[4000]]

    def test_lists_aligned_with_encode(self, tmp_path):
        root = oneproxy_dir(tmp_path, self.archs, {
            "latency_data/true_vpu.pickle": [3.0, -1, float("nan")],
            "latency_data/my_board.pickle": np.array([1.0, 2.0, 4.0]),
            "rice_edgegpu.pickle": [None, 5.0, 6.0],  # OneProxy keeps some lists at the top
        })
        t = load_oneproxy(root, allow_pickle=True)
        assert t.devices == ["hwnasbench_edgegpu", "my_board", "nnmeter_myriadvpu"]
        assert t.archs == [NB201_IDS[2], NB201_IDS[7], NB201_IDS[4000]]  # by index
        assert t.index.tolist() == [2, 7, 4000]
        np.testing.assert_array_equal(t.values, [[5, 2, np.nan], [np.nan, 1, 3], [6, 4, np.nan]])

    def test_device_selection(self, tmp_path):
        root = oneproxy_dir(tmp_path, self.archs, {"latency_data/true_vpu.pickle": [1, 2, 3],
                                                   "latency_data/eagle_i7.pickle": [1, 2, 3]})
        assert load_oneproxy(root, devices=["nnmeter_myriadvpu"],
                             allow_pickle=True).devices == ["nnmeter_myriadvpu"]
        with pytest.raises(UnknownDeviceError, match=r"Unknown device 'true_vpu'; known: "
                                                     r"eagle_i7_7820x, nnmeter_myriadvpu\."):
            load_oneproxy(root, devices=["true_vpu"], allow_pickle=True)

    @pytest.mark.parametrize(("vector", "message"), [
        ([1] * 30, r"encode.pickle position 1: expected 31 ints 0/1 \(6 edges x 5 ops one-hot, "
                   r"then 1\)"),
        ([2] + [0] * 30, "encode.pickle position 1: expected 31 ints 0/1"),
        ([True] + [0] * 30, "encode.pickle position 1: expected 31 ints 0/1"),
        ([1, 0, 0, 0, 0] * 6 + [0], "encode.pickle position 1: the last entry must be the "
                                    "constant 1; got 0"),
        ([1, 1, 0, 0, 0] + [1, 0, 0, 0, 0] * 5 + [1],
         r"encode.pickle position 1: edge 0 \(0->1\) has 2 ops set; expected exactly one of "
         r"\['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'\]"),
        ([1, 0, 0, 0, 0] * 5 + [0] * 5 + [1], r"edge 5 \(2->3\) has 0 ops set"),
        ("10000", "encode.pickle position 1: expected a list of values; got str"),
    ])
    def test_bad_vector(self, tmp_path, vector, message):
        dump(tmp_path / "encode.pickle", [one_hot(NB201_IDS[0]), vector])
        dump(tmp_path / "latency_data" / "true_vpu.pickle", [1.0, 2.0])
        with pytest.raises(DataFormatError, match=message):
            load_oneproxy(tmp_path, allow_pickle=True)

    def test_duplicate_architecture(self, tmp_path):
        root = oneproxy_dir(tmp_path, [NB201_IDS[0]] * 2, {"latency_data/x.pickle": [1, 2]})
        with pytest.raises(DataFormatError, match="encode.pickle: positions 0 and 1 are the same "
                                                  "architecture"):
            load_oneproxy(root, allow_pickle=True)

    @pytest.mark.parametrize(("values", "message"), [
        ([1.0, 2.0], "true_vpu.pickle: 2 values; expected 3, one per architecture of "
                     "encode.pickle"),
        ([1.0, 2.0, -3.0], "true_vpu.pickle position 2: -3.0 ms; latencies must be positive"),
        ({"a": 1}, "true_vpu.pickle: expected a list of values; got dict"),
    ])
    def test_bad_latency_list(self, tmp_path, values, message):
        root = oneproxy_dir(tmp_path, self.archs, {"latency_data/true_vpu.pickle": values})
        with pytest.raises(DataFormatError, match=message):
            load_oneproxy(root, allow_pickle=True)

    def test_same_device_twice(self, tmp_path):
        root = oneproxy_dir(tmp_path, self.archs, {"true_vpu.pickle": [1, 2, 3],
                                                   "latency_data/true_vpu.pickle": [1, 2, 3]})
        with pytest.raises(DataFormatError, match="both hold device 'nnmeter_myriadvpu'"):
            load_oneproxy(root, allow_pickle=True)

    def test_missing_files(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="encode.pickle' does not exist"):
            load_oneproxy(tmp_path, allow_pickle=True)
        dump(tmp_path / "encode.pickle", [one_hot(NB201_IDS[0])])
        with pytest.raises(FileNotFoundError, match="holds no latency pickle beside "
                                                    "encode.pickle"):
            load_oneproxy(tmp_path, allow_pickle=True)

    def test_corrupt_pickle(self, tmp_path):
        root = oneproxy_dir(tmp_path, self.archs, {})
        (root / "latency_data").mkdir()
        (root / "latency_data" / "true_vpu.pickle").write_bytes(b"\x80\x04garbage")
        with pytest.raises(DataFormatError, match="true_vpu.pickle: not a readable pickle"):
            load_oneproxy(root, allow_pickle=True)


# -------------------------------------------------------------------------------- Eagle
def arch_vector(arch_id: str) -> tuple[int, ...]:
    """Eagle's ``get_arch_vector_from_arch_str``: op indices in arch-string order."""
    return tuple(NB201_OPS.index(op) for op in NB201.from_id(arch_id))


class TestEagle:
    def test_eagle_vector_layout(self):
        # the example of Eagle's own docstring, with its op numbering
        assert arch_vector("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|"
                           "nor_conv_3x3~1|skip_connect~2|") == (3, 3, 4, 1, 3, 1)

    def test_seconds_from_real_values(self, tmp_path, formats_dir, nb201_real):
        # Eagle's desktop i7 file, rebuilt from latency_subset1999.csv's eagle_i7_7820x (ms)
        # as Eagle publishes it: {arch_vector: seconds}.
        measured = nb201_real.dropna(["eagle_i7_7820x"])
        data = {arch_vector(a): v / 1000 for a, v in zip(measured.archs,
                                                         measured.column("eagle_i7_7820x"))}
        path = dump(tmp_path / "desktop-cpu-core-i7-7820x-fp32.pickle", data)
        t = load_eagle(path, allow_pickle=True)
        assert t.devices == ["eagle_i7_7820x"] and t.shape == (1999, 1)
        assert t.index.tolist() == measured.index.tolist()
        assert_matches_csv(t, nb201_real, "eagle_i7_7820x", rtol=1e-12)
        # and it agrees with OneProxy's copy of the same measurements (raw, ms)
        oneproxy = load_oneproxy(formats_dir / "oneproxy", devices=["eagle_i7_7820x"],
                                 allow_pickle=True)
        assert t.join(oneproxy).shape == (1999, 1)

    @pytest.mark.parametrize(("stem", "device"), [
        ("mobile-gpu-snapdragon-855-adren0-640-int8", "eagle_sd855_gpu"),
        ("embedded-gpu-jetson-nono-fp16", "eagle_jetson_nano_fp16"),
        ("My Phone (v2)", "eagle_my_phone_v2"),
    ])
    def test_device_name_from_file(self, tmp_path, stem, device):
        path = dump(tmp_path / f"{stem}.pickle", {(0, 1, 2, 3, 4, 0): 0.001})
        assert load_eagle(path, allow_pickle=True).devices == [device]

    def test_device_and_unit_given(self, tmp_path):
        path = dump(tmp_path / "x.pickle", {(0, 1, 2, 3, 4, 0): 2.5})
        t = load_eagle(path, device="edge", unit="ms", allow_pickle=True)
        assert t.devices == ["edge"] and t.column("edge").tolist() == [2.5]

    def test_missing_markers(self, tmp_path):
        keys = [arch_vector(NB201_IDS[i]) for i in range(5)]
        data = dict(zip(keys, ["invalid", None, -1, float("nan"), np.float64(0.004)]))
        t = load_eagle(dump(tmp_path / "x.pickle", data), allow_pickle=True)
        values = t.column("eagle_x")
        assert np.isnan(values[:4]).all() and values[4] == pytest.approx(4.0)

    def test_refuses_without_allow_pickle(self, tmp_path):
        tripwire = tmp_path / "ran"
        path = dump(tmp_path / "x.pickle", Tripwire(tripwire))
        with pytest.raises(ValueError, match="The 'eagle' loader reads 'x.pickle' with pickle"):
            load_eagle(path)
        assert not tripwire.exists()

    @pytest.mark.parametrize(("data", "message"), [
        ([0.1], r"x.pickle: expected a dict \{arch_vector: seconds\}; got list"),
        ({}, "x.pickle: the dict is empty"),
        ({(0, 1, 2, 3, 4): 0.1}, r"x.pickle key \(0, 1, 2, 3, 4\): \(0, 1, 2, 3, 4\) is not a "
                                 r"NAS-Bench-201 arch vector; expected 6 op indices in 0..4"),
        ({(0, 1, 2, 3, 4, 5): 0.1}, "is not a NAS-Bench-201 arch vector"),
        ({(0, 1, 2, 3, 4, True): 0.1}, "is not a NAS-Bench-201 arch vector"),
        ({(0, 1, 2, 3, 4, 0.0): 0.1}, "is not a NAS-Bench-201 arch vector"),
        ({NB201_IDS[0]: 0.1}, "x.pickle key .*: expected a tuple of 6 op indices; got str"),
        ({(0, 1, 2, 3, 4, 0): [0.1, 0.2]}, r"x.pickle key \(0, 1, 2, 3, 4, 0\): a list of raw "
                                           r"measurements; expected one processed latency"),
        ({(0, 1, 2, 3, 4, 0): np.array([0.1])}, "a list of raw measurements"),
        ({(0, 1, 2, 3, 4, 0): -0.5}, r"x.pickle key \(0, 1, 2, 3, 4, 0\): -0.5 s; latencies must "
                                     r"be positive"),
        ({(0, 1, 2, 3, 4, 0): "slow"}, "'slow' is not a number"),
    ])
    def test_bad_file(self, tmp_path, data, message):
        with pytest.raises(DataFormatError, match=message):
            load_eagle(dump(tmp_path / "x.pickle", data), allow_pickle=True)

    def test_bad_device(self, tmp_path):
        path = dump(tmp_path / "x.pickle", {(0,) * 6: 0.1})
        with pytest.raises(ValueError, match="'device' argument must be a non-empty str; got ' '"):
            load_eagle(path, device=" ", allow_pickle=True)

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="x.pickle' does not exist or is not a file"):
            load_eagle(tmp_path / "x.pickle", allow_pickle=True)

    @example({(0, 0, 0, 0, 0, 0): 1.797693134862316e305})  # inf once in milliseconds
    @settings(max_examples=100, deadline=None)
    @given(st.dictionaries(
        st.one_of(st.tuples(*[st.integers(-1, 5)] * 6), st.tuples(st.integers(0, 4)),
                  st.text(max_size=3), st.integers()),
        st.one_of(st.floats(), st.integers(-2, 5), st.none(), st.text(max_size=4),
                  st.lists(st.floats(), max_size=2), st.just("invalid")),
        max_size=6))
    def test_garbage_ends_in_a_data_format_error_or_a_sound_table(self, data):
        with tempfile.TemporaryDirectory() as tmp:
            path = dump(Path(tmp) / "g.pickle", data)
            try:
                t = load_eagle(path, allow_pickle=True)
            except DataFormatError as exc:
                assert "g.pickle" in str(exc)
                return
        assert len(t) == len(data) and t.index is not None
        values = t.column("eagle_g")
        assert (np.isnan(values) | (values > 0)).all()
