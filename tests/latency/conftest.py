"""Fixtures of the latency tests: the real tables in ``../shared/data`` and the FBNet space.

The real data lives in the ``shared`` folder beside the repository checkout (never copied into
the repository); tests that need it skip with the reason when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oneproxy_plugins.exceptions import UnknownSpaceError
from oneproxy_plugins.spaces import BaseSpace, get_space

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
"""``<checkout>/../shared/data``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that reads the real data carries the ``shared_data`` marker (-m selects it).
    for item in items:
        if "shared_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared_data)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data directory, or a skip saying where it was looked for."""
    if not (SHARED_DATA / "nasbench201" / "latency.csv").is_file():
        pytest.skip(f"needs the public data in {SHARED_DATA} (the shared/ folder beside the "
                    "checkout); it is not there")
    return SHARED_DATA


@pytest.fixture(scope="session")
def formats_dir(shared_data: Path) -> Path:
    """``shared/data/formats``: unmodified files in their projects' own formats."""
    folder = shared_data / "formats"
    if not folder.is_dir():
        pytest.skip(f"needs {folder} (published-format files); it is not there")
    return folder


@pytest.fixture(scope="session")
def nb201_real(shared_data: Path):
    """Every NAS-Bench-201 latency of the real data directory (15625 x 33), loaded once."""
    from oneproxy_plugins.latency import load_data_dir

    return load_data_dir(shared_data, "nasbench201")


@pytest.fixture(scope="session")
def fbnet_space() -> BaseSpace:
    """The FBNet space, or a skip while it is not registered."""
    try:
        return get_space("fbnet")
    except UnknownSpaceError:
        pytest.skip("the 'fbnet' space is not registered")
