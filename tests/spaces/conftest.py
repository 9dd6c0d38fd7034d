"""Fixtures of the search-space tests: the real architecture files in ``../shared/data``.

The data lives in the ``shared`` folder beside the repository checkout (never copied into the
repository); a test that needs it skips, saying where it looked, when it is absent.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
"""``<checkout>/../shared/data``."""


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Run the small forward passes on one intra-op thread, restored afterwards.

    At batch 1-2 these networks gain nothing from threads, and with ``pytest -n 2`` on two
    cores, intra-op threads of both workers contend and slow each forward pass tenfold.
    """
    import importlib.util

    if importlib.util.find_spec("torch") is None:  # the bare core: no network is built
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _data_file(folder: str, name: str) -> Path:
    path = SHARED_DATA / folder / name
    if not path.is_file():
        pytest.skip(f"needs {path.resolve()} (the public data in the shared/ folder beside the "
                    f"checkout); it is not there")
    return path


@pytest.fixture(scope="session")
def nb201_rows() -> list[dict[str, str]]:
    """Rows of ``nasbench201/architectures.csv`` (``index``, ``arch``)."""
    with _data_file("nasbench201", "architectures.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def fbnet_rows() -> list[dict[str, str]]:
    """Rows of ``fbnet/architectures.csv`` (``index``, ``ops``)."""
    with _data_file("fbnet", "architectures.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def ofa_records() -> list[dict]:
    """Records of ``ofa/architectures.jsonl`` (``index``, ``ks``, ``e``, ``d``, ``r``)."""
    with _data_file("ofa", "architectures.jsonl").open() as fh:
        return [json.loads(line) for line in fh if line.strip()]
