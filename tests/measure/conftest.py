"""Fixtures of the measurement tests: tiny networks, and a toy space with failing members."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install "
                                            "'oneproxy-plugins[measure]'")
nn = torch.nn

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces import BaseSpace

TINY_NB201 = {"C": 4, "N": 1}
"""Build config of a NAS-Bench-201 network small enough for fast tests."""


class _FailsLater(nn.Module):
    """Runs ``ok_calls`` times, then raises: a network that breaks in the middle of a run."""

    def __init__(self, ok_calls: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.calls = 0
        self.ok_calls = ok_calls

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > self.ok_calls:
            raise RuntimeError("device fell over")
        return self.conv(x)


class ToySpace(BaseSpace):
    """Chains of 1-3 convolutions of width 4 or 8; ``d3-w8`` cannot be built, ``d2-w8``
    breaks after its first few inferences."""

    name = "toy"
    data_folder = "toy"
    _PARAMS = {"depth": (1, 2, 3), "width": (4, 8)}

    @property
    def params(self) -> Mapping[str, tuple]:
        return self._PARAMS

    def to_id(self, arch: tuple[int, int]) -> str:
        return "d{}-w{}".format(*arch)

    def _parse_id(self, arch_id: str) -> tuple[int, int]:
        match = re.fullmatch(r"d(\d)-w(\d)", arch_id)
        if not match:
            raise InvalidArchitectureError(f"Malformed toy id {arch_id!r}.")
        return self.from_params({"depth": int(match.group(1)), "width": int(match.group(2))})

    def _from_params(self, params: Mapping[str, Any]) -> tuple[int, int]:
        return (params["depth"], params["width"])

    def to_params(self, arch: tuple[int, int]) -> dict[str, Any]:
        return dict(zip(self._PARAMS, self.coerce(arch)))

    def build(self, arch: Any, **cfg: Any) -> nn.Module:
        depth, width = self.coerce(arch)
        if (depth, width) == (3, 8):
            raise ValueError("d3-w8 is not buildable, on purpose")
        if (depth, width) == (2, 8):
            return _FailsLater(ok_calls=3).eval()
        layers: list[nn.Module] = [nn.Conv2d(3, width, 3, padding=1)]
        for _ in range(depth - 1):
            layers += [nn.ReLU(), nn.Conv2d(width, width, 3, padding=1)]
        return nn.Sequential(*layers).eval()

    def input_shape(self, batch_size: int = 1, **cfg: Any) -> tuple[int, ...]:
        return (batch_size, 3, 8, 8)


@pytest.fixture
def toy_space() -> ToySpace:
    return ToySpace()


@pytest.fixture
def nb201():
    from oneproxy_plugins.spaces import get_space

    return get_space("nasbench201")


@pytest.fixture
def tiny_cfg() -> dict[str, int]:
    """Build config of a NAS-Bench-201 network small enough for fast tests."""
    return dict(TINY_NB201)


@pytest.fixture
def net_and_input(nb201, tiny_cfg):
    """A tiny NAS-Bench-201 network (``sample(3)``) and a random input of batch 1."""
    return nb201.build(nb201.sample(3), **tiny_cfg), torch.randn(nb201.input_shape(1))


@pytest.fixture
def fast() -> dict[str, Any]:
    """measure_archs settings of a fast run over tiny NAS-Bench-201 networks."""
    return {"n_rounds": 2, "n_warmup": 1, "n_repeats": 2, "build_cfg": dict(TINY_NB201),
            "progress": False}
