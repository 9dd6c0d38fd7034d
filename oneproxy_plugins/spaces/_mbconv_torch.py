"""PyTorch building blocks shared by the mobile spaces (FBNet, OFA MobileNetV3, MobileNet-V2,
ProxylessNAS): conv-BN-activation, squeeze-and-excitation, the inverted-residual (MBConv) block
and the stem -> blocks -> head -> pool -> classifier chain every one of them is.

Kept apart from the space modules so that ids, parameters and encodings need no torch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from oneproxy_plugins._imports import optional_import

optional_import("torch")  # the ImportError names the [measure] extra

import torch  # noqa: E402
from torch import nn  # noqa: E402

__all__ = ["make_divisible", "stage_plan", "ConvBNAct", "SqueezeExcite", "ChannelShuffle",
           "MBConv", "elastic_blocks", "ChainNetwork", "mobilenet_v2_network"]

_ACTIVATIONS = {"relu": nn.ReLU, "relu6": nn.ReLU6, "h_swish": nn.Hardswish}


def _act(name: str | None) -> nn.Module:
    if name is None:
        return nn.Identity()
    return _ACTIVATIONS[name](inplace=True)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor`` without losing more than 10%.

    The rule of the MobileNet and Once-for-All code bases, used for the hidden width of MBConv
    blocks and of squeeze-and-excitation; every built-in space's widths are already multiples
    of 8, so for them it only matters inside squeeze-and-excitation.
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def stage_plan(c_in: int, widths: Sequence[int], strides: Sequence[int],
               depths: Sequence[int]) -> Iterator[tuple[int, int, int]]:
    """Yield ``(c_in, c_out, stride)`` of every layer of consecutive stages.

    The first layer of a stage has the stage's stride and changes the width; the others keep
    both.
    """
    for width, stride, depth in zip(widths, strides, depths):
        for i in range(depth):
            yield c_in, width, stride if i == 0 else 1
            c_in = width


class ConvBNAct(nn.Sequential):
    """``Conv2d`` (``same`` padding) -> optional ``BatchNorm2d`` -> optional activation."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 1, stride: int = 1, *,
                 groups: int = 1, act: str | None = "relu", bn: bool = True) -> None:
        layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2,
                                             groups=groups, bias=False)]
        if bn:
            layers.append(nn.BatchNorm2d(c_out))
        if act is not None:
            layers.append(_act(act))
        super().__init__(*layers)


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation as in MobileNetV3/Once-for-All: ReLU inside, hard-sigmoid gate."""

    def __init__(self, channels: int, reduction: int = 4) -> None:
        super().__init__()
        hidden = make_divisible(channels // reduction)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1),
                                  nn.Conv2d(channels, hidden, 1), nn.ReLU(inplace=True),
                                  nn.Conv2d(hidden, channels, 1), nn.Hardsigmoid(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)


class ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle, so grouped 1x1 convolutions mix information."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        return x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class MBConv(nn.Module):
    """Inverted residual block: 1x1 expand -> kxk depthwise -> [SE] -> 1x1 project.

    The identity shortcut is added when ``stride == 1`` and ``c_in == c_out``.

    Args:
        c_in: Input channels.
        c_out: Output channels.
        kernel: Depthwise kernel size.
        stride: Depthwise stride (1 or 2).
        expand: Expansion ratio; hidden width ``make_divisible(c_in * expand)``.
        act: Activation after the expansion and the depthwise conv (``relu``, ``relu6``,
            ``h_swish``).
        se: Squeeze-and-excitation after the depthwise conv (MobileNetV3).
        groups: Groups of both 1x1 convs, with a channel shuffle after the expansion when > 1
            (FBNet's ``_g2`` blocks).
        always_expand: Keep the 1x1 expansion even when ``expand == 1`` (FBNet/HW-NAS-Bench do;
            MobileNet, Once-for-All and ProxylessNAS drop it).
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, expand: int, *,
                 act: str = "relu", se: bool = False, groups: int = 1,
                 always_expand: bool = False) -> None:
        super().__init__()
        hidden = make_divisible(c_in * expand)
        layers: list[nn.Module] = []
        if expand != 1 or always_expand:
            layers.append(ConvBNAct(c_in, hidden, 1, groups=groups, act=act))
            if groups > 1:
                layers.append(ChannelShuffle(groups))
        else:
            hidden = c_in
        layers.append(ConvBNAct(hidden, hidden, kernel, stride, groups=hidden, act=act))
        if se:
            layers.append(SqueezeExcite(hidden))
        layers.append(ConvBNAct(hidden, c_out, 1, groups=groups, act=None))
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return out + x if self.residual else out


def elastic_blocks(c_in: int, stages: Sequence[Sequence[tuple[int, int]]],
                   specs: Sequence[tuple[int, int, str, bool]]) -> list[MBConv]:
    """MBConv blocks of elastic stages.

    Args:
        c_in: Channels entering the first stage.
        stages: Per stage, the ``(kernel, expand)`` of its active blocks.
        specs: Per stage, ``(channels, stride, activation, squeeze-and-excitation)``.
    """
    blocks = []
    for stage, (c_out, stride, act, se) in zip(stages, specs):
        for i, (kernel, expand) in enumerate(stage):
            blocks.append(MBConv(c_in, c_out, kernel, stride if i == 0 else 1, expand,
                                 act=act, se=se))
            c_in = c_out
    return blocks


class ChainNetwork(nn.Module):
    """``stem -> blocks -> head -> global average pool -> [post_pool] -> flatten -> classifier``.

    Args:
        stem: First convolution(s).
        blocks: The searchable (and fixed) blocks, applied in order.
        head: Layers before pooling (e.g. the final 1x1 expansion).
        classifier: Linear layer on the pooled features.
        post_pool: Layers on the pooled ``(B, C, 1, 1)`` map (MobileNetV3's feature-mix conv).
    """

    def __init__(self, stem: nn.Module, blocks: Sequence[nn.Module], head: nn.Module,
                 classifier: nn.Module, post_pool: nn.Module | None = None) -> None:
        super().__init__()
        self.stem = stem
        self.blocks = nn.Sequential(*blocks)
        self.head = head
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.post_pool = post_pool if post_pool is not None else nn.Identity()
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.post_pool(self.pool(self.head(self.blocks(self.stem(x)))))
        return self.classifier(torch.flatten(out, 1))


def mobilenet_v2_network(blocks: Sequence[nn.Module], *, num_classes: int,
                         in_channels: int = 3) -> ChainNetwork:
    """MobileNetV2's skeleton around searchable ``blocks`` (also ProxylessNAS's).

    A 3x3 stride-2 stem of 32 channels, a fixed MBConv ``k3 e1`` to 16 channels, the blocks
    (from 16 to 320 channels), a 1x1 conv to 1280 channels, pooling and a classifier; ReLU6
    throughout.
    """
    return ChainNetwork(ConvBNAct(in_channels, 32, 3, 2, act="relu6"),
                        [MBConv(32, 16, 3, 1, 1, act="relu6"), *blocks],
                        ConvBNAct(320, 1280, 1, act="relu6"), nn.Linear(1280, num_classes))
