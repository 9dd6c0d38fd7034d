"""PyTorch modules of the NAS-Bench-201 skeleton (kept apart so ids and encodings need no torch)."""

from __future__ import annotations

from oneproxy_plugins._imports import optional_import

optional_import("torch")  # the ImportError names the [measure] extra

import torch  # noqa: E402
from torch import nn  # noqa: E402


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__(nn.ReLU(inplace=False),
                         nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(c_out))


class Zero(nn.Module):
    """NAS-Bench-201's ``none`` op: the edge contributes zeros (computed, as in the benchmark)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def _op(name: str, c: int) -> nn.Module:
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(c, c, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(c, c, 3)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown nasbench201 op {name!r}")


class InferCell(nn.Module):
    def __init__(self, ops: tuple[str, ...], c: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(_op(op, c) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # edges in the order of nasbench201.NB201_EDGES: (1, 0), (2, 0), (2, 1), (3, 0), ...
        nodes = [x]
        k = 0
        for to_node in range(1, 4):
            total = None
            for from_node in range(to_node):
                out = self.edges[k](nodes[from_node])
                total = out if total is None else total + out
                k += 1
            nodes.append(total)
        return nodes[-1]


class ResNetBasicBlock(nn.Module):
    """The reduction block between stages: stride-2 residual block with an avg-pool shortcut."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, stride=2, padding=0),
                                        nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    def __init__(self, ops: tuple[str, ...], *, C: int, N: int, num_classes: int,  # noqa: N803
                 in_channels: int = 3) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(C))
        cells: list[nn.Module] = []
        c = C
        for stage in range(3):
            if stage > 0:
                cells.append(ResNetBasicBlock(c, c * 2))
                c *= 2
            cells.extend(InferCell(ops, c) for _ in range(N))
        self.cells = nn.Sequential(*cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.lastact(self.cells(self.stem(x)))
        return self.classifier(torch.flatten(self.global_pooling(out), 1))
