"""Every ``python`` code block in README.md and docs/*.md runs.

Blocks that read ``../shared/data`` start with ``# needs: shared-data`` and are skipped when
it is absent. Blocks run in a fresh namespace with the repository root as working directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import skip_if_extra_missing

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks():
    for path in FILES:
        for i, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            yield pytest.param(match.group(1), id=f"{path.relative_to(ROOT)}#{i}")


@pytest.mark.parametrize("code", list(_blocks()))
@pytest.mark.filterwarnings("ignore:.*is found to be not a nn.Module:RuntimeWarning")  # NNI
def test_code_block_runs(code, monkeypatch, tmp_path):
    if code.lstrip().startswith("# needs: shared-data") and not SHARED.exists():
        pytest.skip(f"needs {SHARED}")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("HOME", str(tmp_path))  # NNI writes ~/nni-experiments
    try:
        exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})
    except ImportError as exc:
        skip_if_extra_missing(exc)
        raise


def test_there_are_blocks():
    assert len(list(_blocks())) >= 2


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


@pytest.mark.parametrize("line", [*_oneproxy_lines(), *_help_lines()])
def test_cli_lines_name_real_commands_and_options(line):
    """A documented command line names an existing command and only options it has."""
    import shlex

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
