"""Every ``python`` code block in README.md and docs/*.md runs, in the form it has.

A block runs on what this package gives (cwd: the repository root), or it opens with one line
naming the published tables it reads and the commands that make them::

    # needs: oneproxy data import help HELP data && oneproxy data import nats nats_bench.csv data

(docs/data.md says where each file is downloaded). Such a block runs in a fresh folder holding
``data/`` (and links to ``examples/`` and ``package/``), made by those very commands run on
the real published-format files of ``../shared/data/formats``: ``HELP`` is its ``help`` folder,
``OneProxy`` its ``oneproxy`` folder. Only a few of each publication's files are kept there, so
the devices whose files are absent are added from the tidy tables of ``../shared/data``
converted from the same publications (``<space>/latency.csv`` for HELP,
``nasbench201/latency_subset1999.csv`` for OneProxy); ``nats_bench.csv`` is written in its
published structure from ``../shared/data``'s accuracies. Without ``../shared/data`` these
blocks skip, saying why.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from .conftest import skip_if_extra_missing

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FORMATS = SHARED / "formats"
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
NEEDS = "# needs: "
LINKED = ("examples", "package")
"""Repository folders a block may read, linked into its fresh folder."""

PUBLISHED = {"HELP": ("help", "<space>/latency.csv"),
             "OneProxy": ("oneproxy", "nasbench201/latency_subset1999.csv")}
"""A needs line's source -> (its folder in ../shared/data/formats, the tidy table converted
from the same publication, which holds the devices whose files formats/ does not keep)."""


def _blocks():
    for path in FILES:
        for i, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            yield pytest.param(match.group(1), id=f"{path.relative_to(ROOT)}#{i}")


def _commands(needs_line: str) -> list[list[str]]:
    """The ``oneproxy data import`` commands of a needs line, as argument lists."""
    return [shlex.split(part) for part in needs_line[len(NEEDS):].split("&&")]


def _nats_file(folder: Path) -> Path:
    """``nats_bench.csv`` in its published structure, with ../shared/data's accuracies."""
    import csv

    from oneproxy_plugins.latency import load_accuracy
    from oneproxy_plugins.latency.importers import NATS_COLUMNS

    accuracy = load_accuracy(SHARED, "nasbench201")
    path = folder / "nats_bench.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*NATS_COLUMNS, "ArchitectureString"])
        for arch, row in zip(accuracy.archs, accuracy.values):
            writer.writerow([*(f"{v:.6g}" for v in row), arch])
    return path


def _run_import(args: list[str], folder: Path) -> None:
    """Run one needs-line import on the published-format files (see the module docstring)."""
    from click.testing import CliRunner

    from oneproxy_plugins.cli import main
    from oneproxy_plugins.latency import LatencyTable, load_architectures, load_data_dir
    from oneproxy_plugins.latency.importers import add_to_data_dir

    fmt, source, out, *options = args[3:]
    if fmt == "nats":
        source_path = _nats_file(folder)
    elif source in PUBLISHED and PUBLISHED[source][0] == fmt:
        source_path = FORMATS / fmt
    else:
        pytest.skip(f"no published {fmt!r} file {source!r} in {FORMATS}")
    result = CliRunner().invoke(main, ["data", "import", fmt, str(source_path), out, *options])
    if result.exit_code and "pip install 'oneproxy-plugins[" in result.output:
        pytest.skip(result.output.strip())  # HELP's files need PyTorch: the bare core skips
    assert result.exit_code == 0, f"{' '.join(args)}: {result.output}"
    if fmt == "nats":
        return
    space = options[options.index("--space") + 1] if "--space" in options else "nasbench201"
    tidy_file = SHARED / PUBLISHED[source][1].replace("<space>", space)
    imported = load_data_dir(folder / out, space)
    tidy = LatencyTable.from_csv(tidy_file, space=space,
                                 index_to_arch=load_architectures(SHARED, space))
    rest = [d for d in tidy.devices if d not in imported]
    if rest:
        add_to_data_dir(tidy.select(rest), folder / out, f"latency_{fmt}.csv")


@pytest.fixture(scope="session")
def published_tables(tmp_path_factory):
    """``needs line -> folder`` holding what its commands made, built once per line."""
    built: dict[str, Path] = {}

    def build(needs_line: str) -> Path:
        if needs_line not in built:
            if not FORMATS.is_dir():
                pytest.skip(f"needs the published-format files in {FORMATS}")
            folder = tmp_path_factory.mktemp("published")
            cwd = os.getcwd()
            os.chdir(folder)
            try:
                for command in _commands(needs_line):
                    _run_import(command, folder)
            finally:
                os.chdir(cwd)
            built[needs_line] = folder
        return built[needs_line]

    return build


@pytest.mark.parametrize("code", list(_blocks()))
@pytest.mark.filterwarnings("ignore:.*is found to be not a nn.Module:RuntimeWarning")  # NNI
def test_code_block_runs(code, monkeypatch, tmp_path, request):
    first = code.splitlines()[0]
    workdir = ROOT
    try:
        if first.startswith(NEEDS):
            tables = request.getfixturevalue("published_tables")(first)
            workdir = tmp_path / "work"
            workdir.mkdir()
            for name in os.listdir(tables):
                (workdir / name).symlink_to(tables / name)
            for name in LINKED:
                (workdir / name).symlink_to(ROOT / name)
        monkeypatch.chdir(workdir)
        monkeypatch.setenv("HOME", str(tmp_path))  # NNI writes ~/nni-experiments
        exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})
    except ImportError as exc:
        skip_if_extra_missing(exc)
        raise


def test_there_are_blocks():
    assert len(list(_blocks())) >= 2


def test_blocks_need_no_folder_beside_the_checkout():
    """A block reads published tables through its needs line, never ``../shared/data``."""
    for param in _blocks():
        code = param.values[0]
        assert "../shared" not in code and "shared-data" not in code, param.id


def test_needs_lines_are_import_commands():
    lines = [p.values[0].splitlines()[0] for p in _blocks()
             if p.values[0].startswith(NEEDS)]
    assert lines, "no block reads published tables"
    for line in lines:
        for command in _commands(line):
            assert command[:3] == ["oneproxy", "data", "import"], (
                f"a needs line lists 'oneproxy data import ...' commands; got {line!r}")
            assert command[4] in PUBLISHED or command[3] == "nats", line


FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)


def _oneproxy_lines():
    """Every ``oneproxy ...`` command of the shell blocks, continuation lines joined."""
    for path in FILES:
        for language, block in FENCE.findall(path.read_text(encoding="utf-8")):
            if language not in ("", "bash", "sh", "console"):
                continue
            text = block.replace("\\\n", " ")
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("oneproxy "):
                    yield pytest.param(line, id=f"{path.name}: {line[:60]}")


def _help_lines():
    """The examples in every command's ``--help``."""
    import click

    from oneproxy_plugins.cli import main

    def walk(command):
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                yield from walk(sub)
        text = (command.help or "").replace("\\\n", " ")
        for line in text.splitlines():
            if line.strip().startswith("oneproxy "):
                yield pytest.param(line.strip(), id=f"--help: {line.strip()[:60]}")

    yield from walk(main)


def _needs_lines():
    """The commands of the python blocks' needs lines."""
    for param in _blocks():
        first = param.values[0].splitlines()[0]
        if first.startswith(NEEDS):
            for command in _commands(first):
                yield pytest.param(shlex.join(command), id=f"needs: {shlex.join(command)[:60]}")


@pytest.mark.parametrize("line", [*_oneproxy_lines(), *_help_lines(), *_needs_lines()])
def test_cli_lines_name_real_commands_and_options(line):
    """A documented command line names an existing command and only options it has."""
    import click

    from oneproxy_plugins.cli import main

    tokens = shlex.split(line, comments=True)[1:]
    command: click.Command = main
    options = {"--debug", "--help", "-h", "--version"}
    while isinstance(command, click.Group):
        while tokens and tokens[0] in options:
            tokens.pop(0)
        if not tokens or tokens[0] in ("[OPTIONS]",):
            return
        name = tokens.pop(0).strip("[]")
        assert name in command.commands, f"no command {name!r} in {line!r}"
        command = command.commands[name]
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        options |= {o for p in command.params for o in getattr(p, "secondary_opts", [])}
        options |= {"--help", "-h"}
    for token in tokens:
        token = token.strip("[]")
        if token.startswith("--"):
            assert token.split("=")[0] in options, f"{command.name} has no {token} ({line!r})"


def test_there_are_cli_lines():
    assert len(list(_oneproxy_lines())) >= 10
