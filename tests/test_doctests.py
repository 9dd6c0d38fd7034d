"""Every docstring example in the package runs (the NNI modules are covered by tests/nni)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import oneproxy_plugins

MODULES = sorted(m.name for m in pkgutil.walk_packages(oneproxy_plugins.__path__,
                                                       "oneproxy_plugins.")
                 if not m.name.startswith("oneproxy_plugins.nni"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):  # globals: a copy of the module's
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
