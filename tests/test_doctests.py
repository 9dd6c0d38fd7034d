"""Every docstring example in the package runs (the NNI modules are covered by tests/nni)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import oneproxy_plugins

from .conftest import skip_if_extra_missing

MODULES = sorted(m.name for m in pkgutil.walk_packages(oneproxy_plugins.__path__,
                                                       "oneproxy_plugins.")
                 if not m.name.startswith("oneproxy_plugins.nni"))


class _Runner(doctest.DocTestRunner):
    """Remembers the exceptions examples raised, to tell a missing extra from a failure."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.raised: list[BaseException] = []

    def report_unexpected_exception(self, out, test, example, exc_info):
        self.raised.append(exc_info[1])
        super().report_unexpected_exception(out, test, example, exc_info)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        skip_if_extra_missing(exc)
        raise
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = _Runner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):  # globals: a copy of the module's
        runner.run(test)
    for exc in runner.raised:
        skip_if_extra_missing(exc)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
