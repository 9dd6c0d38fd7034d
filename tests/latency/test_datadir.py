"""Tests of oneproxy_plugins.latency.datadir on tiny directories and on ../shared/data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from oneproxy_plugins.exceptions import DataFormatError
from oneproxy_plugins.latency import (describe_data_dir, load_accuracy, load_architectures,
                                      load_data_dir)
from oneproxy_plugins.spaces import get_space

NB201 = get_space("nasbench201")
IDS = [NB201.to_id(a) for a in list(NB201.enumerate())[:4]]


def make_dir(root: Path, files: dict[str, str]) -> Path:
    """A data directory whose ``nasbench201/`` folder holds ``files`` (name -> text)."""
    folder = root / "nasbench201"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root


def arch_csv(indices=range(4)) -> str:
    return "index,arch\n" + "".join(f"{i},{IDS[i]}\n" for i in indices)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make_dir(tmp_path / "tiny", {
        "architectures.csv": arch_csv(),
        "latency.csv": "index,cpu,gpu\n2,3.0,\n0,1.0,0.5\n1,-1,0.7\n",
        "latency_extra.csv": "index,gpu,tpu\n0,0.5,9\n3,0.9,8\n",
        "accuracy.csv": "index,cifar10,cifar100\n0,90.5,70.1\n1,91,71\n",
        "notes.csv": "index,ignored\n0,1\n",
    })


class TestLoadArchitectures:
    def test_csv(self, tiny):
        assert load_architectures(tiny, "nasbench201") == dict(enumerate(IDS))

    def test_jsonl(self, tmp_path):
        lines = [json.dumps({"index": i, "arch": a}) for i, a in enumerate(IDS[:2])]
        root = make_dir(tmp_path, {"architectures.jsonl": "\n".join(lines) + "\n\n"})
        assert load_architectures(root, NB201) == {0: IDS[0], 1: IDS[1]}

    def test_missing_directory(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="Data directory .* does not exist"):
            load_architectures(tmp_path / "absent", "nasbench201")

    def test_missing_space_folder(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="has no 'nasbench201' folder for space "
                                                    "'nasbench201'"):
            load_architectures(tmp_path, "nasbench201")

    def test_missing_file(self, tmp_path):
        root = make_dir(tmp_path, {})
        with pytest.raises(FileNotFoundError, match="has neither architectures.csv nor "
                                                    "architectures.jsonl"):
            load_architectures(root, "nasbench201")

    @pytest.mark.parametrize(("text", "message"), [
        ("idx,arch\n0,x\n", r"architectures.csv: needs an 'index' column; got \['idx', 'arch'\]"),
        (f"index,arch\nzero,{IDS[0]}\n", r"architectures.csv line 2: index 'zero' is not an "
                                         r"integer"),
        (f"index,arch\n0,{IDS[0]}\n0,{IDS[1]}\n", r"architectures.csv line 3: index 0 appears "
                                                  r"more than once"),
        (f"index,arch\n0,{IDS[0]}\n1,{IDS[0]}\n", r"architectures.csv line 3: index 1 is the same "
                                                  r"architecture as index 0"),
        ("index,arch\n0,|conv~0|\n", r"architectures.csv line 2: Malformed nasbench201 arch "
                                     r"string"),
        ("index,name\n0,x\n", r"architectures.csv line 2: A nasbench201 architecture record "
                              r"needs an 'arch' column"),
    ])
    def test_bad_csv(self, tmp_path, text, message):
        root = make_dir(tmp_path, {"architectures.csv": text})
        with pytest.raises(DataFormatError, match=message):
            load_architectures(root, "nasbench201")

    @pytest.mark.parametrize(("text", "message"), [
        ("{not json\n", r"architectures.jsonl line 1: not JSON"),
        ("[1, 2]\n", r"architectures.jsonl line 1: expected an object with an 'index' key"),
        ('{"arch": "x"}\n', r"architectures.jsonl line 1: expected an object with an 'index' key"),
    ])
    def test_bad_jsonl(self, tmp_path, text, message):
        root = make_dir(tmp_path, {"architectures.jsonl": text})
        with pytest.raises(DataFormatError, match=message):
            load_architectures(root, "nasbench201")


class TestLoadDataDir:
    def test_joins_every_latency_file_ordered_by_index(self, tiny):
        t = load_data_dir(tiny, "nasbench201")
        assert t.archs == IDS and t.index.tolist() == [0, 1, 2, 3] and t.space == "nasbench201"
        assert t.devices == ["cpu", "gpu", "tpu"]  # notes.csv is not a latency*.csv
        np.testing.assert_array_equal(t.values, [[1.0, 0.5, 9.0], [np.nan, 0.7, np.nan],
                                                 [3.0, np.nan, np.nan], [np.nan, 0.9, 8.0]])

    def test_several_directories(self, tiny, tmp_path):
        other = make_dir(tmp_path / "other", {
            # the same architectures under other indices would clash; same indices join
            "architectures.csv": arch_csv([1, 3]),
            "latency_phone.csv": "index,pixel3\n1,12\n3,13\n",
        })
        t = load_data_dir([tiny, other], "nasbench201")
        assert t.devices == ["cpu", "gpu", "tpu", "pixel3"]
        assert t.column("pixel3")[[1, 3]].tolist() == [12.0, 13.0]
        assert math.isnan(t.column("pixel3")[0])

    def test_conflict_between_directories(self, tiny, tmp_path):
        other = make_dir(tmp_path / "other", {"architectures.csv": arch_csv(),
                                              "latency.csv": "index,cpu\n0,2.0\n"})
        with pytest.raises(DataFormatError, match=f"Device 'cpu' has conflicting latencies for "
                                                  rf"'{IDS[0]}': 1.0 vs 2.0 ms".replace("|", r"\|")
                                                  .replace("+", r"\+")):
            load_data_dir([tiny, other], "nasbench201")

    def test_bad_file_is_named(self, tiny):
        (tiny / "nasbench201" / "latency_bad.csv").write_text("index,cpu\n9,1\n")
        with pytest.raises(DataFormatError, match="latency_bad.csv line 2: index 9 has no "
                                                  "architecture"):
            load_data_dir(tiny, "nasbench201")

    def test_no_latency_file(self, tmp_path):
        root = make_dir(tmp_path, {"architectures.csv": arch_csv()})
        with pytest.raises(FileNotFoundError, match=r"No nasbench201/latency\*.csv in"):
            load_data_dir(root, "nasbench201")

    def test_no_directory_given(self):
        with pytest.raises(ValueError, match="At least one data directory is needed"):
            load_data_dir([], "nasbench201")

    def test_unknown_space(self, tiny):
        with pytest.raises(LookupError, match="Unknown space 'nope'; known: .*nasbench201"):
            load_data_dir(tiny, "nope")


class TestParsedOnce:
    def test_unchanged_files_are_parsed_once_and_edits_are_seen(self, tiny, monkeypatch):
        from oneproxy_plugins.latency import LatencyTable

        calls = []
        real = LatencyTable.from_csv.__func__

        def counting(cls, path, **kwargs):
            calls.append(path.name)
            return real(cls, path, **kwargs)

        monkeypatch.setattr(LatencyTable, "from_csv", classmethod(counting))
        first = load_data_dir(tiny, "nasbench201")
        np.testing.assert_array_equal(load_data_dir(tiny, "nasbench201").values, first.values)
        assert sorted(calls) == ["latency.csv", "latency_extra.csv"]  # the second read: none
        # the same size, within the same clock tick: the content decides, not the timestamp
        path = tiny / "nasbench201" / "latency.csv"
        path.write_text(path.read_text().replace("3.0,", "4.0,"), encoding="utf-8")
        assert load_data_dir(tiny, "nasbench201").values[2, 0] == 4.0
        assert calls.count("latency.csv") == 2

    def test_the_architectures_mapping_is_a_copy(self, tiny):
        mapping = load_architectures(tiny, "nasbench201")
        mapping[0] = "tampered"
        assert load_architectures(tiny, "nasbench201")[0] == IDS[0]


class TestLoadAccuracy:
    def test_reads_accuracy(self, tiny):
        t = load_accuracy(tiny, "nasbench201")
        assert t.devices == ["cifar10", "cifar100"] and t.archs == IDS[:2]
        assert t.column("cifar10").tolist() == [90.5, 91.0]

    def test_first_directory_that_has_one(self, tiny, tmp_path):
        other = make_dir(tmp_path / "other", {"architectures.csv": arch_csv()})
        assert len(load_accuracy([other, tiny], "nasbench201")) == 2

    def test_missing(self, tmp_path):
        root = make_dir(tmp_path, {"architectures.csv": arch_csv()})
        with pytest.raises(FileNotFoundError, match=r"No nasbench201/accuracy.csv in"):
            load_accuracy(root, "nasbench201")


class TestDescribeDataDir:
    def test_summary(self, tiny):
        (entry,) = describe_data_dir(tiny)
        assert entry == {"space": "nasbench201", "folder": "nasbench201", "rows": 4,
                         "devices": ["cpu", "gpu", "tpu"],
                         "missing": {"cpu": 2, "gpu": 1, "tpu": 2}}

    def test_folder_without_latency_is_skipped(self, tmp_path):
        assert describe_data_dir(make_dir(tmp_path, {"architectures.csv": arch_csv()})) == []

    def test_missing_directory(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="does not exist"):
            describe_data_dir(tmp_path / "absent")


class TestRealData:
    def test_nasbench201_table(self, nb201_real, shared_data):
        assert nb201_real.shape == (15625, 33)
        assert nb201_real.index.tolist() == list(range(15625))
        assert nb201_real.archs == [NB201.to_id(a) for a in NB201.enumerate()]
        missing = nb201_real.missing_counts()
        # -1 in 259 rows of latency_subset1999.csv, and no column at all for the other rows
        assert missing["hwnasbench_edgetpu"] == 15625 - 1999 + 259
        assert missing["pixel3"] == 0 and missing["nnmeter_myriadvpu"] == 15625 - 1999
        assert np.nanmin(nb201_real.values) > 0

    def test_known_values(self, nb201_real):
        row = nb201_real.row_of(IDS[0])
        assert nb201_real.column("pixel3")[row] == pytest.approx(3.60585)
        assert nb201_real.column("samsung_a50")[row] == 16.0
        assert math.isnan(nb201_real.column("hwnasbench_edgetpu")[nb201_real.rows_of(
            [NB201.to_id(list(NB201.enumerate())[910])])[0]])

    def test_joined_with_another_directory(self, shared_data, nb201_real, tmp_path):
        mine = make_dir(tmp_path / "mine", {
            "architectures.csv": arch_csv([0, 1]),
            "latency_measured.csv": "index,cpu-torch-t1-b1\n0,4.2\n1,5.1\n",
            # a device of the shared data, equal to it: merged, not a conflict
            "latency_copy.csv": "index,pixel3\n0,3.60585\n",
        })
        t = load_data_dir([shared_data, mine], "nasbench201")
        assert t.shape == (15625, 34)
        assert t.column("cpu-torch-t1-b1")[:2].tolist() == [4.2, 5.1]
        assert np.isnan(t.column("cpu-torch-t1-b1")[2:]).all()
        np.testing.assert_array_equal(t.column("pixel3"), nb201_real.column("pixel3"))

    def test_accuracy(self, shared_data):
        t = load_accuracy(shared_data, "nasbench201")
        assert t.shape == (15625, 3) and t.devices == ["cifar10", "cifar100", "imagenet16_120"]
        assert t.column("cifar10")[0] == pytest.approx(85.8633)
        assert np.nanmax(t.column("cifar10")) < 100

    def test_describe(self, shared_data):
        summary = {entry["space"]: entry for entry in describe_data_dir(shared_data)}
        assert summary["nasbench201"]["rows"] == 15625
        assert len(summary["nasbench201"]["devices"]) == 33
        assert summary["nasbench201"]["missing"]["hwnasbench_edgetpu"] == 13885

    def test_fbnet(self, shared_data, fbnet_space):
        t = load_data_dir(shared_data, fbnet_space)
        assert t.shape == (5000, 24) and t.missing_counts()["pixel3"] == 0
