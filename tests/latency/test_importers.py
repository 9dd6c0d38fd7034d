"""Tests of oneproxy_plugins.latency.importers: published files and measured tables become data
directories that ``load_data_dir`` reads.

The real published-format files are in ``shared/data/formats``; what they become is checked
against the tidy tables of ``shared/data``, which were converted from the same publications.
Formats with no real file here (HW-NAS-Bench's pickle, Eagle's pickles, ``nats_bench.csv``) are
tested on small files written in their structure (helpers shared with ``test_loaders``).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from oneproxy_plugins.exceptions import DataFormatError, UnknownNameError
from oneproxy_plugins.latency import LatencyTable, load_accuracy, load_data_dir
from oneproxy_plugins.latency.importers import (NATS_COLUMNS, add_measured, add_to_data_dir,
                                                format_options, import_formats,
                                                import_published, load_nats_accuracy)
from oneproxy_plugins.spaces import get_space

from .test_loaders import (NB201_IDS, arch_vector, assert_matches_csv, dump,
                           hwnasbench_nb201, rx)

NB201 = get_space("nasbench201")


def table(archs, values, devices=("phone",), space="nasbench201", index=None):
    return LatencyTable(archs, list(devices), np.asarray(values, dtype=float).reshape(
        len(archs), len(devices)), space=space, index=index)


def read_rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def write_nats(path, archs, accuracies):
    """A file in ``nats_bench.csv``'s structure (v-tao/nats-bench-landscape)."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*NATS_COLUMNS, "ArchitectureString", "UniqueString"])
        for arch, row in zip(archs, accuracies):
            writer.writerow([*row, arch, "#+#"])
    return path


class TestAddToDataDir:
    def test_new_directory_reads_back(self, tmp_path):
        archs = [NB201_IDS[7], NB201_IDS[3]]
        result = add_to_data_dir(table(archs, [2.0, 1.0]), tmp_path / "d", "latency_a.csv")
        assert result.rows == 2 and result.new_archs == 2 and result.devices == ["phone"]
        loaded = load_data_dir(tmp_path / "d", "nasbench201")
        # NAS-Bench-201 rows keep the benchmark's index, so any other import joins on them
        assert loaded.index.tolist() == [3, 7] and loaded.column("phone").tolist() == [1.0, 2.0]
        assert read_rows(tmp_path / "d/nasbench201/architectures.csv")[0] == ["index", "arch"]

    def test_adding_again_is_idempotent_and_more_devices_add_columns(self, tmp_path):
        archs = NB201_IDS[:3]
        add_to_data_dir(table(archs, [1, 2, 3]), tmp_path, "latency_a.csv")
        before = (tmp_path / "nasbench201/latency_a.csv").read_text()
        again = add_to_data_dir(table(archs, [1, 2, 3]), tmp_path, "latency_a.csv")
        assert again.new_archs == 0
        assert (tmp_path / "nasbench201/latency_a.csv").read_text() == before
        more = add_to_data_dir(table(NB201_IDS[2:5], [3, 4, 5], devices=["phone"]), tmp_path,
                               "latency_a.csv")
        assert more.rows == 5 and more.new_archs == 2
        add_to_data_dir(table(archs, [7, 8, 9], devices=["gpu"]), tmp_path, "latency_a.csv")
        loaded = load_data_dir(tmp_path, "nasbench201")
        assert loaded.devices == ["phone", "gpu"]
        assert loaded.missing_counts() == {"phone": 0, "gpu": 2}

    def test_conflicts_are_refused_before_anything_is_written(self, tmp_path):
        add_to_data_dir(table(NB201_IDS[:2], [1, 2]), tmp_path, "latency_a.csv")
        files = {p.name: p.read_text() for p in (tmp_path / "nasbench201").iterdir()}
        with pytest.raises(DataFormatError, match="Device 'phone' has conflicting latencies"):
            add_to_data_dir(table(NB201_IDS[1:4], [5, 6, 7]), tmp_path, "latency_a.csv")
        with pytest.raises(DataFormatError, match="Device 'phone' has conflicting latencies"):
            add_to_data_dir(table(NB201_IDS[1:4], [5, 6, 7]), tmp_path, "latency_b.csv")
        assert {p.name: p.read_text() for p in (tmp_path / "nasbench201").iterdir()} == files

    def test_spaces_without_a_published_index_get_the_next_free_one(self, tmp_path,
                                                                     fbnet_space):
        ids = [fbnet_space.to_id(a) for a in fbnet_space.sample_many(4, rng=1)]
        add_to_data_dir(table(ids[:2], [1, 2], space="fbnet"), tmp_path, "latency_m.csv")
        # a published table whose index 0 is taken by another architecture here
        add_to_data_dir(table(ids[1:], [2, 3, 4], space="fbnet", index=[0, 9, 1]), tmp_path,
                        "latency_p.csv")
        rows = read_rows(tmp_path / "fbnet/architectures.csv")
        assert rows[0] == ["index", "ops"]
        assert {r[1]: int(r[0]) for r in rows[1:]} == {ids[0]: 0, ids[1]: 1, ids[2]: 9,
                                                       ids[3]: 10}
        loaded = load_data_dir(tmp_path, "fbnet")
        assert loaded.column("phone").tolist() == [1, 2, 3, 4]

    def test_once_for_all_records_are_jsonl(self, tmp_path):
        ofa = get_space("ofa_mbv3")
        ids = [ofa.to_id(a) for a in ofa.sample_many(3, rng=0)]
        add_to_data_dir(table(ids, [1, 2, 3], space="ofa_mbv3"), tmp_path, "latency_m.csv")
        lines = (tmp_path / "ofa/architectures.jsonl").read_text().splitlines()
        assert set(json.loads(lines[0])) >= {"index", "ks", "e", "d", "r"}
        assert load_data_dir(tmp_path, "ofa_mbv3").archs == ids

    def test_accuracy_file(self, tmp_path):
        add_to_data_dir(table(NB201_IDS[:2], [91.5, 88.0], devices=["cifar10"]), tmp_path,
                        "accuracy.csv")
        assert load_accuracy(tmp_path, "nasbench201").column("cifar10").tolist() == [91.5, 88.0]

    @pytest.mark.parametrize("kwargs, error, message", [
        (dict(filename="lat.csv"), ValueError, "must be 'latency<name>.csv'"),
        (dict(filename="latency a.csv"), ValueError, "must be 'latency<name>.csv'"),
        (dict(filename="latency_a.csv", space="nope"), LookupError, "Unknown space 'nope'"),
    ])
    def test_bad_arguments(self, tmp_path, kwargs, error, message):
        with pytest.raises(error, match=message):
            add_to_data_dir(table(NB201_IDS[:1], [1.0]), tmp_path, **kwargs)

    def test_a_table_without_space(self, tmp_path):
        with pytest.raises(ValueError, match="records no search space; pass space="):
            add_to_data_dir(LatencyTable(NB201_IDS[:1], ["a"], np.ones(1)), tmp_path,
                            "latency_a.csv")

    def test_data_dir_that_is_a_file(self, tmp_path):
        (tmp_path / "f").write_text("")
        with pytest.raises(NotADirectoryError, match="is a file"):
            add_to_data_dir(table(NB201_IDS[:1], [1.0]), tmp_path / "f", "latency_a.csv")


class TestAddMeasured:
    def test_measured_tables_become_files(self, tmp_path):
        for name, values in (("proxy run", "1.5,2.5,"), ("target", "3,4,5")):
            rows = [f"{a},{v}" for a, v in zip(NB201_IDS[:3], values.split(","))]
            (tmp_path / f"{name}.csv").write_text(f"arch,{name.split()[0]}\n" + "\n".join(rows))
        results = add_measured([tmp_path / "proxy run.csv", tmp_path / "target.csv"],
                               tmp_path / "d", "nasbench201")
        assert [r.path.name for r in results] == ["latency_proxy_run.csv", "latency_target.csv"]
        loaded = load_data_dir(tmp_path / "d", "nasbench201")
        assert loaded.devices == ["proxy", "target"]
        assert loaded.missing_counts() == {"proxy": 1, "target": 0}  # the failed one

    def test_index_keyed_or_missing(self, tmp_path):
        (tmp_path / "t.csv").write_text("index,cpu\n0,1.0\n")
        with pytest.raises(DataFormatError, match="t.csv: keyed by 'index'"):
            add_measured([tmp_path / "t.csv"], tmp_path / "d", "nasbench201")
        with pytest.raises(FileNotFoundError, match="does not exist"):
            add_measured([tmp_path / "none.csv"], tmp_path / "d", "nasbench201")
        with pytest.raises(ValueError, match="at least one"):
            add_measured([], tmp_path / "d", "nasbench201")

    def test_a_bad_row_is_named(self, tmp_path):
        (tmp_path / "t.csv").write_text(f"arch,cpu\n{NB201_IDS[0]},1.0\nnot-a-cell,2\n")
        with pytest.raises(DataFormatError, match="t.csv line 3"):
            add_measured([tmp_path / "t.csv"], tmp_path / "d", "nasbench201")


class TestNATSAccuracy:
    def test_reads_the_published_columns(self, tmp_path):
        path = write_nats(tmp_path / "nats_bench.csv", [NB201_IDS[4], NB201_IDS[1]],
                          [(93.5, 70.1, 44.0), (10.0, 1.0, 0.83)])
        t = load_nats_accuracy(path)
        assert t.devices == ["cifar10", "cifar100", "imagenet16_120"]
        assert t.index.tolist() == [1, 4] and t.column("cifar10").tolist() == [10.0, 93.5]
        result = import_published("nats", path, tmp_path / "d")
        assert result.path.name == "accuracy.csv"
        assert load_accuracy(tmp_path / "d", "nasbench201").column("cifar100").tolist() == [
            1.0, 70.1]

    def test_real_values_in_the_published_structure(self, tmp_path, shared_data):
        # nats_bench.csv is not in shared/data; its accuracies are (shared/data's accuracy.csv
        # was converted from it), so a file in its structure round-trips to the same table
        reference = load_accuracy(shared_data, "nasbench201")
        rows = reference.values[:50]
        path = write_nats(tmp_path / "nats_bench.csv", reference.archs[:50], rows)
        import_published("nats", path, tmp_path / "d")
        got = load_accuracy(tmp_path / "d", "nasbench201")
        assert got.archs == reference.archs[:50]
        np.testing.assert_allclose(got.values, rows, rtol=1e-5)

    @pytest.mark.parametrize("text, message", [
        ("a,b\n1,2\n", "expected the columns ArchitectureString"),
        ("CIFAR10TestAccuracy200Epochs,ArchitectureString\n91,|bad|\n",
         "nats_bench.csv line 2: "),
        ("CIFAR10TestAccuracy200Epochs,ArchitectureString\n", "no rows after the header"),
        (f"CIFAR10TestAccuracy200Epochs,ArchitectureString\nhigh,{NB201_IDS[0]}\n",
         "line 2, CIFAR10TestAccuracy200Epochs: 'high' is not a number"),
        (f"CIFAR10TestAccuracy200Epochs,ArchitectureString\n1,{NB201_IDS[0]}\n"
         f"2,{NB201_IDS[0]}\n", "are the same architecture"),
    ])
    def test_bad_file(self, tmp_path, text, message):
        (tmp_path / "nats_bench.csv").write_text(text)
        with pytest.raises(DataFormatError, match=rx(message)):
            load_nats_accuracy(tmp_path / "nats_bench.csv")


class TestImportPublished:
    def test_formats_and_their_options(self):
        assert import_formats() == ["help", "hwnasbench", "oneproxy", "eagle", "nats"]
        assert format_options("eagle") == ["device", "unit", "allow_pickle", "devices"]
        assert format_options("nats") == []
        with pytest.raises(UnknownNameError, match="Unknown format 'nope'; known: eagle, help"):
            format_options("nope")

    def test_an_option_the_format_does_not_take(self, tmp_path):
        with pytest.raises(TypeError, match="'eagle' takes no option 'space'; it takes 'device'"):
            import_published("eagle", tmp_path, tmp_path / "d", space="fbnet")

    def test_eagle_file_with_a_device_name(self, tmp_path):
        path = dump(tmp_path / "my-board.pickle", {arch_vector(NB201_IDS[5]): 0.002,
                                                   arch_vector(NB201_IDS[2]): "invalid"})
        result = import_published("eagle", path, tmp_path / "d", devices=["board"],
                                  allow_pickle=True)
        assert result.path.name == "latency_eagle.csv" and result.devices == ["board"]
        loaded = load_data_dir(tmp_path / "d", "nasbench201")
        assert loaded.index.tolist() == [2, 5]
        assert np.isnan(loaded.column("board")[0]) and loaded.column("board")[1] == 2.0
        with pytest.raises(ValueError, match="one device per file"):
            import_published("eagle", path, tmp_path / "d", devices=["a", "b"],
                             allow_pickle=True)

    def test_pickles_are_refused_without_allow_pickle(self, tmp_path):
        path = dump(tmp_path / "hw.pickle", hwnasbench_nb201(3))
        with pytest.raises(ValueError, match="Pass allow_pickle=True only for a file you trust"):
            import_published("hwnasbench", path, tmp_path / "d")
        assert not (tmp_path / "d").exists()

    def test_hwnasbench_nasbench201(self, tmp_path):
        path = dump(tmp_path / "hw.pickle", hwnasbench_nb201(3))
        result = import_published("hwnasbench", path, tmp_path / "d", allow_pickle=True)
        assert result.devices[0] == "hwnasbench_edgegpu" and result.rows == 3

    def test_hwnasbench_fbnet_prices_the_listed_architectures(self, tmp_path, fbnet_space):
        from .test_loaders import G2_LAST, K3E1_CIFAR100, SKIP_FIRST

        keys = sorted(set(K3E1_CIFAR100) | {SKIP_FIRST, G2_LAST})
        path = dump(tmp_path / "hw.pickle",
                    {"nasbench201": {}, "fbnet": {"pixel3_latency": dict.fromkeys(keys, 1.0)}})
        with pytest.raises(ValueError, match="import a table that lists them first"):
            import_published("hwnasbench", path, tmp_path / "d", space="fbnet",
                             allow_pickle=True)
        plain = " ".join(["k3_e1"] * 22)
        add_to_data_dir(table([plain], [5.0], space="fbnet"), tmp_path / "d", "latency_m.csv")
        result = import_published("hwnasbench", path, tmp_path / "d", space="fbnet",
                                  allow_pickle=True)
        assert result.devices == ["hwnasbench_pixel3"]
        assert load_data_dir(tmp_path / "d", "fbnet").column("hwnasbench_pixel3").tolist() == [
            float(len(K3E1_CIFAR100))]


@pytest.mark.needs("torch")  # HELP ships torch files
class TestRealPublishedFiles:
    """The real files of shared/data/formats, imported as a user would import the downloads."""

    def test_help_and_oneproxy_make_the_shared_tables(self, tmp_path, formats_dir, nb201_real):
        out = tmp_path / "data"
        help_result = import_published("help", formats_dir / "help", out)
        assert (help_result.rows, help_result.new_archs) == (15625, 15625)
        proxy_result = import_published("oneproxy", formats_dir / "oneproxy", out,
                                        allow_pickle=True)
        assert (proxy_result.rows, proxy_result.new_archs) == (1999, 0)
        got = load_data_dir(out, "nasbench201")
        assert got.archs == nb201_real.archs and got.index.tolist() == list(range(15625))
        for device in got.devices:
            assert_matches_csv(got, nb201_real, device)
        # the architectures file is the shared one: same index, same cell
        assert read_rows(out / "nasbench201/architectures.csv") == read_rows(
            formats_dir.parent / "nasbench201/architectures.csv")

    def test_help_fbnet(self, tmp_path, formats_dir, shared_data):
        import_published("help", formats_dir / "help", tmp_path, space="fbnet",
                         devices=["pixel3"])
        got = load_data_dir(tmp_path, "fbnet")
        reference = load_data_dir(shared_data, "fbnet")
        assert got.archs == reference.archs and got.devices == ["pixel3"]
        assert_matches_csv(got, reference, "pixel3")
