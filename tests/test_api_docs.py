"""docs/api.md is what the docstrings say (regenerate with ``python tools/apidoc.py``)."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# NNI warns at import about torch classes it does not know (see tests/nni/conftest.py).
pytestmark = pytest.mark.filterwarnings("ignore:.*is found to be not a nn.Module:RuntimeWarning")


def _apidoc():
    spec = importlib.util.spec_from_file_location("apidoc", ROOT / "tools" / "apidoc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NEEDS_ALL = pytest.mark.needs("optuna", "nni", "torch", "matplotlib", "plotly")
"""The page documents every module, the integrations' included: it is written with every extra."""


@NEEDS_ALL
def test_api_page_is_current():
    apidoc = _apidoc()
    expected = apidoc.render()
    actual = apidoc.OUT.read_text(encoding="utf-8")
    assert actual == expected, "docs/api.md is stale: run python tools/apidoc.py"


@NEEDS_ALL
def test_every_public_name_is_documented():
    apidoc = _apidoc()
    text = apidoc.OUT.read_text(encoding="utf-8")
    for module_name in apidoc.MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            assert f"### `{module_name}.{name}`" in text, f"{module_name}.{name}"


def test_docstring_sections_become_markdown():
    apidoc = _apidoc()
    lines = apidoc._docstring('''Do a thing.

    Args:
        x: The :class:`~a.b.Thing` to use,
            over two lines.
        y: ``None`` or a number.

    Returns:
        The result.

    Example:
        >>> 1 + 1
        2
    ''')
    text = "\\n".join(lines)
    assert "- `x`: The `Thing` to use, over two lines." in text
    assert "- `y`: `None` or a number." in text
    assert "**Returns**\\n\\nThe result." in text
    assert "```pycon\\n>>> 1 + 1\\n2\\n```" in text
