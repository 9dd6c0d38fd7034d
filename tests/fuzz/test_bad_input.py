"""Garbage in, a documented error out: ids, parameters, latency CSVs, predictor files, the CLI.

Every generated input must either be accepted (and then behave: ids round-trip, tables and
predictors are usable) or be rejected with an exception a caller is told to catch
(:class:`~oneproxy_plugins.exceptions.OneProxyError` children, ``ValueError``,
``LookupError``, ``FileNotFoundError``); the ``oneproxy`` command answers with exit status 2
and one ``Error:`` line (or click's usage message), never a traceback.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oneproxy_plugins.cli import main
from oneproxy_plugins.exceptions import OneProxyError
from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.predictors import RidgePredictor, load_predictor, save_predictor
from oneproxy_plugins.spaces import list_spaces

DOCUMENTED = (OneProxyError, ValueError, LookupError, FileNotFoundError)
SPACES = sorted(list_spaces())
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FEW = settings(FUZZ, max_examples=150)

garbage_values = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6),
                           st.floats(allow_nan=True, allow_infinity=True),
                           st.text(max_size=12), st.binary(max_size=4),
                           st.lists(st.integers(0, 3), max_size=3),
                           st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def documented(call, *args, **kwargs):
    """Run ``call``; return its result, or None when it raised a documented exception."""
    try:
        return call(*args, **kwargs)
    except DOCUMENTED:
        return None


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with a few characters deleted, replaced or inserted."""
    chars = list(text)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(chars)))
        op = draw(st.sampled_from(["delete", "replace", "insert"]))
        new = draw(st.characters(codec="utf-8"))
        if op == "insert" or i == len(chars):
            chars.insert(i, new)
        elif op == "delete":
            del chars[i]
        else:
            chars[i] = new
    return "".join(chars)


# ---------------------------------------------------------------- architecture ids and params
@pytest.mark.parametrize("name", SPACES)
class TestSpaces:
    @FUZZ
    @given(data=st.data())
    def test_bad_ids(self, name, data, fuzz_cases):
        space = list_spaces()[name]
        valid = space.to_id(space.sample(data.draw(st.integers(0, 10**6))))
        arch_id = data.draw(st.one_of(st.text(max_size=80), mutated(valid)))
        fuzz_cases()
        arch = documented(space.from_id, arch_id)
        if arch is not None:  # accepted: it is a real architecture with a stable id
            assert space.from_id(space.to_id(arch)) == arch
            assert documented(space.canonical_id, arch_id) == space.to_id(arch)

    @FUZZ
    @given(data=st.data())
    def test_bad_params(self, name, data, fuzz_cases):
        space = list_spaces()[name]
        params = space.to_params(space.sample(data.draw(st.integers(0, 10**6))))
        keys = list(params)
        for _ in range(data.draw(st.integers(1, 3))):
            action = data.draw(st.sampled_from(["drop", "extra", "value", "choice"]))
            key = data.draw(st.sampled_from(keys))
            if action == "drop":
                params.pop(key, None)
            elif action == "extra":
                params[data.draw(st.text(max_size=10))] = data.draw(garbage_values)
            elif action == "value":
                params[key] = data.draw(garbage_values)
            else:  # a legal choice of another parameter
                params[key] = data.draw(st.sampled_from(space.params[
                    data.draw(st.sampled_from(keys))]))
        fuzz_cases()
        arch = documented(space.from_params, params)
        if arch is not None:
            assert space.from_id(space.to_id(arch)) == arch


# ---------------------------------------------------------------- latency CSV files
NB201 = list_spaces()["nasbench201"]
NB201_IDS = [NB201.to_id(a) for a in NB201.sample_many(6, rng=0)]
cells = st.one_of(st.sampled_from(["1.5", "0.2", "nan", "NaN", "-1", "0", "-0.4", "inf", "-inf",
                                   "1e400", "", " ", "abc", "3ms", "2.5 s", "1,5", "0x10", "nan%",
                                   "1_000", "\u0661", "None", "NULL"]),
                  st.floats(allow_nan=True).map(repr), st.text(max_size=6))


@st.composite
def latency_csv(draw) -> str:
    """CSV text near the tidy layout: header, key column, device columns, bad cells."""
    key = draw(st.sampled_from(["arch", "index", "Arch", "id", "", "arch;gpu"]))
    devices = draw(st.lists(st.sampled_from(["gpu", "cpu", "gpu", "", " ", "a,b", "\"q\""])
                            | st.text(max_size=5), max_size=4))
    lines = [",".join([key, *devices])]
    for _ in range(draw(st.integers(0, 6))):
        if key == "index":
            first = draw(st.sampled_from(["0", "1", "1", "-1", "x", "99999", "1.0", ""]))
        else:
            first = draw(st.sampled_from(NB201_IDS[:3]) | mutated(NB201_IDS[0])
                         | st.text(max_size=8))
        width = len(devices) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        lines.append(",".join([first, *(draw(cells) for _ in range(max(width, 0)))]))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = draw(mutated(text)) if text else text
    return text


class TestLatencyCSV:
    @FUZZ
    @given(text=st.one_of(latency_csv(), st.text(max_size=200)),
           space=st.sampled_from([None, "nasbench201", "fbnet"]),
           unit=st.sampled_from(["ms", "s", "us", "ms", "min", ""]),
           index_to_arch=st.sampled_from([None, NB201_IDS]))
    def test_from_csv(self, text, space, unit, index_to_arch, fuzz_cases):
        fuzz_cases()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "latency.csv"
            path.write_text(text, encoding="utf-8")
            table = documented(LatencyTable.from_csv, path, space=space, unit=unit,
                               index_to_arch=index_to_arch)
        if table is not None:  # accepted: unique ids and devices, positive or missing values
            assert len(set(table.archs)) == len(table.archs)
            assert len(set(table.devices)) == len(table.devices)
            values = table.values
            assert np.all(np.isnan(values) | ((values > 0) & np.isfinite(values)))

    @FEW
    @given(blob=st.binary(max_size=200))
    def test_from_csv_bytes(self, blob, fuzz_cases):
        fuzz_cases()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "latency.csv"
            path.write_bytes(blob)
            documented(LatencyTable.from_csv, path)

    def test_missing_file(self, tmp_path, fuzz_cases):
        fuzz_cases()
        with pytest.raises(FileNotFoundError):
            LatencyTable.from_csv(tmp_path / "absent.csv")


# ---------------------------------------------------------------- predictor files
def _ridge_document() -> dict:
    ids = [NB201.to_id(a) for a in NB201.sample_many(40, rng=1)]
    y = 1 + NB201.encode_many(ids)[:, :5].sum(axis=1)
    with tempfile.TemporaryDirectory() as folder:
        path = save_predictor(RidgePredictor(space="nasbench201").fit(ids, y),
                              Path(folder) / "p.json")
        return json.loads(path.read_text())


RIDGE_DOC = _ridge_document()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**9) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=6)


def _paths(doc, prefix=()):
    """Every key path of a JSON document."""
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list) and len(doc) < 8:
        for i, value in enumerate(doc):
            out += _paths(value, (*prefix, i))
    return out


RIDGE_PATHS = _paths(RIDGE_DOC)


@st.composite
def predictor_text(draw) -> str:
    """A saved predictor's JSON with some values replaced or removed, or broken text."""
    doc = json.loads(json.dumps(RIDGE_DOC))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(RIDGE_PATHS[1:]))
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed this path
    text = json.dumps(doc)
    style = draw(st.sampled_from(["doc", "doc", "truncated", "mutated", "other"]))
    if style == "truncated":
        text = text[:draw(st.integers(0, len(text) - 1))]
    elif style == "mutated":
        text = draw(mutated(text))
    elif style == "other":
        text = json.dumps(draw(json_values))
    return text


class TestPredictorFiles:
    # a mangled state may carry feature names; scikit-learn then warns at predict, rightly
    @pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
    @FUZZ
    @given(text=predictor_text())
    def test_load_predictor(self, text, fuzz_cases):
        fuzz_cases()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "predictor.json"
            path.write_text(text, encoding="utf-8")
            model = documented(load_predictor, path)
        if model is not None:  # accepted: it predicts, or says why not
            documented(model.predict, NB201_IDS[:2])

    def test_missing_file(self, tmp_path, fuzz_cases):
        fuzz_cases()
        with pytest.raises(FileNotFoundError):
            load_predictor(tmp_path / "absent.json")


# ---------------------------------------------------------------- the oneproxy command
@pytest.fixture(scope="module")
def cli_files(synthetic_nb201, tmp_path_factory):
    """A small data directory (nasbench201, 3 devices) and valid input files."""
    table, _ = synthetic_nb201
    root = tmp_path_factory.mktemp("cli")
    folder = root / "data" / "nasbench201"
    folder.mkdir(parents=True)
    small = table.select(["gpu_a", "cpu_a", "mix"], table.archs[:300])
    (folder / "architectures.csv").write_text(
        "index,arch\n" + "".join(f"{i},{a}\n" for i, a in enumerate(small.archs)))
    LatencyTable(small.archs, small.devices, small.values, space="nasbench201",
                 index=np.arange(len(small))).to_csv(folder / "latency.csv", key="index")
    (root / "archs.csv").write_text("arch\n" + "\n".join(small.archs[:5]) + "\n")
    save_predictor(RidgePredictor(space="nasbench201").fit(small.archs, small.column("gpu_a")),
                   root / "predictor.json")
    return root


texts = st.text(max_size=15)
ints = st.sampled_from(["0", "-3", "1", "2", "999999", "x", "1.5", "", "2e3"])


def check_cli(args, root):
    """Run ``oneproxy ARGS`` in ``root``; it succeeds, or exits 2 with a one-line message."""
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, result.output, result.exc_info)
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert result.exit_code == 2, (args, result.output)
        # the message is the last line; before it may come click's usage or a progress bar
        lines = [line for line in result.stderr.split("\n") if line.strip()]
        assert lines and lines[-1].startswith("Error:"), (args, lines)
        assert [line for line in lines if line.startswith("Error:")] == lines[-1:], (args, lines)
    return result


@st.composite
def option_args(draw, required: dict, optional: dict) -> list[str]:
    """Every required option and some optional ones (each a strategy of its value; ``None``
    for a flag), in any order, now and then one left out or a stray word added."""
    names = list(required)
    if optional:
        names += draw(st.lists(st.sampled_from(sorted(optional)), unique=True))
    rarely = st.sampled_from([False] * 9 + [True])  # Hypothesis favours the first choice
    if draw(rarely):
        names.remove(draw(st.sampled_from(names)))
    names = draw(st.permutations(names))
    strategies = {**required, **optional}
    args = []
    for name in names:
        value = draw(strategies[name])
        args += [name] if value is None else [name, value]
    if draw(rarely):
        args.insert(draw(st.integers(0, len(args))), draw(texts))
    return args


def mostly(valid: list[str], garbage=None):
    """Valid values three times out of four, else ``garbage`` (default: any short text)."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(valid),
                     garbage if garbage is not None else texts)


class TestCLI:
    @FEW
    @given(data=st.data())
    def test_bench_fewshot(self, cli_files, data, fuzz_cases):
        args = data.draw(option_args({
            "--space": mostly(["nasbench201"], st.sampled_from(["fbnet", "nope", ""]) | texts),
            "--data": mostly([str(cli_files / "data")], st.sampled_from([str(cli_files),
                                                                         "/nonexistent"])),
            "--proxies": mostly(["gpu_a", "gpu_a,cpu_a"],
                                st.sampled_from(["gpu_a,,", "zz", "gpu_a,gpu_a", ""]) | texts),
            "--targets": mostly(["mix", "cpu_a"], st.sampled_from(["gpu_a", "zz", ","]) | texts),
            "--samples": mostly(["5", "10"], ints),
            "--json": mostly([str(cli_files / "out.json")],
                             st.sampled_from(["/nonexistent/x.json", str(cli_files)])),
        }, {
            "--repeats": st.sampled_from(["1", "0", "-1", "x"]), "--seed": ints,
            "--method": mostly(["adaproxy", "proxy"], st.sampled_from(["bogus", ""])),
            "--sampler": st.sampled_from(["random", "greedy", "bogus"]),
            "--protocol": st.sampled_from(["all", "help", "none"]),
        }))
        if "--repeats" not in args:
            args += ["--repeats", "1"]  # a valid run stays short
        fuzz_cases()
        check_cli(["bench", "fewshot", *args], cli_files)

    @FEW
    @given(data=st.data(), rows=st.lists(st.tuples(
        mostly(NB201_IDS, mutated(NB201_IDS[0]) | texts), cells), max_size=8))
    def test_adapt(self, cli_files, data, rows, fuzz_cases):
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "samples.csv"
            header = data.draw(mostly(["arch,latency_ms"],
                                      st.sampled_from(["arch", "latency_ms,arch", "arch,ms"])))
            target.write_text("\n".join([header, *(",".join(row) for row in rows)]))
            args = data.draw(option_args({
                "--space": mostly(["nasbench201"], st.sampled_from(["ofa_mbv3", "nope"])),
                "--data": mostly([str(cli_files / "data")], st.just(folder)),
                "--proxies": mostly(["gpu_a", "gpu_a,cpu_a"],
                                    st.sampled_from(["zz", "", "gpu_a,"]) | texts),
                "--target-samples": mostly([str(target)],
                                           st.sampled_from([str(cli_files / "archs.csv"),
                                                            folder + "/absent.csv"])),
                "--out": mostly([folder + "/t.json"],
                                st.sampled_from(["/nonexistent/t.json", folder])),
            }, {"--method": mostly(["adaproxy", "adaproxy-paper", "proxy"])}))
            fuzz_cases()
            check_cli(["adapt", *args], cli_files)

    def test_error_quoting_a_line_break_stays_one_line(self, cli_files, tmp_path, fuzz_cases):
        # found by test_adapt: a header cell holding a line break split the message in two
        samples = tmp_path / "samples.csv"
        samples.write_text('arch,"latency\nms"\nx,1\n')
        fuzz_cases()
        result = check_cli(["adapt", "--space", "nasbench201", "--data",
                            str(cli_files / "data"), "--proxies", "gpu_a", "--target-samples",
                            str(samples), "--out", str(tmp_path / "t.json")], cli_files)
        assert result.stderr == ("Error: samples.csv: missing column(s) latency_ms; expected "
                                 "arch,latency_ms; got arch,latency ms.\n")

    @pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
    @FEW
    @given(data=st.data(), predictor=predictor_text(),
           archs=st.lists(mutated(NB201_IDS[0]) | st.sampled_from(NB201_IDS) | texts,
                          max_size=4))
    def test_predict(self, cli_files, data, predictor, archs, fuzz_cases):
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "p.json").write_text(predictor)
            header = data.draw(mostly(["arch"], st.sampled_from(["", "id", "arch,arch"])))
            (Path(folder) / "a.csv").write_text("\n".join([header, *archs]))
            args = data.draw(option_args({
                "--archs": mostly([folder + "/a.csv", str(cli_files / "archs.csv")],
                                  st.just(folder + "/absent.csv")),
                "--out": mostly([folder + "/o.csv"],
                                st.sampled_from(["/nonexistent/o.csv", folder])),
            }, {}))
            path = data.draw(mostly([folder + "/p.json", str(cli_files / "predictor.json")],
                                    st.just(folder)))
            fuzz_cases()
            check_cli(["predict", path, *args], cli_files)

    @FEW
    @given(data=st.data())
    def test_measure(self, cli_files, data, fuzz_cases):
        # the device is always invalid (a valid one would start timing networks)
        device = data.draw(st.sampled_from(["cpu-torch-t0-b1", "cpu-torch-tx-b1", "cpu-nope-t1-b1",
                                            "tpu-torch-b1", "cpu-torch-t1-b0", "cpu", ""]) | texts)
        with tempfile.TemporaryDirectory() as folder:
            args = data.draw(option_args({
                "--space": mostly(["nasbench201", "fbnet"], st.just("nope")),
                "--out": mostly([folder + "/m.csv"], st.just(folder)),
            }, {
                "--samples": ints, "--seed": ints,
                "--archs": st.sampled_from([str(cli_files / "archs.csv"), folder + "/x.csv"]),
                "--resume": st.none(),
                "--rounds": ints, "--warmup": ints, "--repeats": ints,
                "--budget": st.sampled_from(["0", "-1", "nan", "inf", "0.01", "x"]),
                "--chunk-size": ints,
                "--reference": st.sampled_from(["", "|bad|"]) | texts,
                "--build-cfg": st.sampled_from(["C=4,N=1", "C=", "=1", "C=x", "Q=1", ","]) | texts,
            }))
            fuzz_cases()
            result = check_cli(["measure", "--device", device, *args], cli_files)
            assert result.exit_code == 2


STUDIES = settings(FUZZ, max_examples=20)  # each case opens a database and runs trials


class TestSearchCLI:
    """``oneproxy search`` and ``oneproxy pareto``: real (tiny) studies on real storages."""

    @pytest.fixture()
    def objective_file(self, cli_files):
        path = cli_files / "fuzz_objectives.py"
        path.write_text("def accuracy(trial, arch):\n    return arch.count('nor_conv_3x3')\n\n"
                        "def two(trial, arch):\n    return 1.0, 2.0\n")
        return path

    @STUDIES
    @given(data=st.data())
    def test_search(self, cli_files, objective_file, data, fuzz_cases):
        with tempfile.TemporaryDirectory() as folder:
            args = data.draw(option_args({
                "--space": mostly(["nasbench201"], st.sampled_from(["fbnet", "nope"])),
                "--objective": mostly([f"{objective_file}:accuracy", f"{objective_file}:two"],
                                      st.sampled_from([f"{objective_file}:nope", "x:y", ":",
                                                       "no_module_here:f", "a.py:f"])),
                "--proxy": mostly([str(cli_files / "predictor.json")],
                                  st.sampled_from([folder + "/absent.json",
                                                   str(cli_files / "archs.csv")])),
                "--storage": mostly([f"sqlite:///{folder}/s.db", f"journal:{folder}/s.log"],
                                    st.sampled_from(["nope://x", "", f"sqlite:///{folder}",
                                                     "sqlite:////nonexistent/x.db"])),
                "--study": mostly(["s"], st.just("")),
                "--trials": mostly(["2", "3"], ints),
            }, {
                "--target": mostly([f"gpu={cli_files / 'predictor.json'}"],
                                   st.sampled_from(["=", "gpu=", "a:b=" + str(cli_files /
                                                                               "predictor.json")])),
                "--direction": st.sampled_from(["maximize", "minimize", "up"]),
                "--sampler": st.sampled_from(["tpe", "nsga2", "random", "cmaes"]),
                "--seed": ints, "--max-ms": st.sampled_from(["0.001", "1e9", "-1", "x", "5"]),
                "--n-jobs": ints, "--json": st.none(),
            }))
            fuzz_cases()
            check_cli(["search", *args], cli_files)

    @pytest.fixture()
    def searched(self, cli_files, objective_file, tmp_path):
        """A study searched once with the CLI, copied afresh for every generated case (none in
        the bare core, where the command says to install the [optuna] extra)."""
        storage = f"sqlite:///{tmp_path / 's.db'}"
        check_cli(["search", "--space", "nasbench201", "--objective",
                   f"{objective_file}:accuracy", "--proxy", str(cli_files / "predictor.json"),
                   "--storage", storage, "--study", "s", "--trials", "3", "--seed", "0",
                   "--json"], cli_files)
        return tmp_path / "s.db"

    @STUDIES
    @given(data=st.data())
    def test_pareto(self, cli_files, searched, data, fuzz_cases):
        with tempfile.TemporaryDirectory() as folder:
            if searched.exists():  # a case may register targets on it: a fresh copy each
                shutil.copyfile(searched, f"{folder}/s.db")
            storage = f"sqlite:///{folder}/s.db"
            args = data.draw(option_args({
                "--storage": mostly([storage], st.sampled_from(["nope://x", f"journal:{folder}/x",
                                                                 ""])),
                "--study": mostly(["s"], st.sampled_from(["t", ""])),
            }, {
                "--target": mostly([str(cli_files / "predictor.json"), "gpu=" +
                                    str(cli_files / "predictor.json")],
                                   st.sampled_from(["gpu", "=", str(cli_files / "archs.csv")])),
                "--max-ms": st.sampled_from(["0.001", "-1", "x", "5"]),
                "--png": mostly([folder + "/f.png"], st.sampled_from(["/nonexistent/f.png",
                                                                       folder])),
                "--json": st.none(),
            }))
            fuzz_cases()
            check_cli(["pareto", *args], cli_files)
