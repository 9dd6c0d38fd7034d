"""Every ``python`` code block in README.md and docs/*.md runs.

Blocks that read ``../shared/data`` start with ``# needs: shared-data`` and are skipped when
it is absent. Blocks run in a fresh namespace with the repository root as working directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks():
    for path in FILES:
        for i, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            yield pytest.param(match.group(1), id=f"{path.relative_to(ROOT)}#{i}")


@pytest.mark.parametrize("code", list(_blocks()))
def test_code_block_runs(code, monkeypatch, tmp_path):
    if code.lstrip().startswith("# needs: shared-data") and not SHARED.exists():
        pytest.skip(f"needs {SHARED}")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("HOME", str(tmp_path))  # NNI writes ~/nni-experiments
    exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})


def test_there_are_blocks():
    assert len(list(_blocks())) >= 2
