"""Fuzzing fixtures: count the generated bad inputs and report the total.

Each fuzz test takes the ``fuzz_cases`` fixture and calls it once per generated input. The
count travels on the test's report (``user_properties``), so the total is right with
``pytest -n N`` too; the hooks in ``tests/conftest.py`` (which xdist's controller always loads)
print it at the end of the run as
``fuzz: N generated inputs, every one rejected cleanly or accepted``.
"""

from __future__ import annotations

import pytest

class _Cases:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1


@pytest.fixture
def fuzz_cases(request):
    """Call it once per generated input; the number goes on the test's report."""
    cases = _Cases()
    yield cases
    request.node.user_properties.append(("fuzz_cases", cases.n))
