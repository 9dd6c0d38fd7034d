"""ProxylessNAS (mobile): 21 searchable layers of MBConv k {3,5,7} x e {3,6} or ``zero``.

The space of ProxylessNAS (Cai et al., ICLR 2019) for mobile phones: a 3x3 stride-2 stem of
32 channels and a fixed MBConv ``k3 e1`` to 16 channels, then six stages of
``[4, 4, 4, 4, 4, 1]`` searchable layers with ``[24, 40, 80, 96, 192, 320]`` channels and
strides ``[2, 2, 2, 1, 2, 1]``, a 1x1 conv to 1280 channels, pooling and a 1000-way classifier;
ReLU6 throughout, 224x224 input.

Every layer chooses one of ``k3_e3, k3_e6, k5_e3, k5_e6, k7_e3, k7_e6`` (MBConv with depthwise
kernel ``k`` and expansion ``e``) or ``zero``, which drops the layer (its residual shortcut
stays: the layer becomes the identity). ``zero`` is not allowed on the first layer of a stage,
whose stride or width change (every stage's first layer does: 80 -> 96 changes the width), as in
ProxylessNAS; so six layers have 6 choices and fifteen have 7: ``6**6 * 7**15`` architectures.

Architecture value: a tuple of 21 op names. Id: the names joined by single spaces, e.g.
``k3_e3 zero k5_e6 ...``. Parameters ``layer_00`` .. ``layer_20``.

Example:
    >>> from oneproxy_plugins.spaces import ProxylessNASSpace
    >>> space = ProxylessNASSpace()
    >>> arch = space.sample(0)
    >>> space.from_id(space.to_id(arch)) == arch
    True
    >>> space.size == 6**6 * 7**15
    True
"""

from __future__ import annotations

from oneproxy_plugins.spaces._mobile import LayerChoiceSpace, MobileNetV2Skeleton

__all__ = ["ProxylessNASSpace", "PROXYLESS_OPS", "PROXYLESS_STAGES"]

PROXYLESS_OPS = ("k3_e3", "k3_e6", "k5_e3", "k5_e6", "k7_e3", "k7_e6", "zero")
"""Candidate ops; the first layer of every stage has all but ``zero``."""

PROXYLESS_STAGES = ((24, 4, 2), (40, 4, 2), (80, 4, 2), (96, 4, 1), (192, 4, 2), (320, 1, 1))
"""``(channels, layers, stride)`` of the six searchable stages."""

_FIRST_LAYERS = frozenset(
    sum(n for _, n, _ in PROXYLESS_STAGES[:s]) for s in range(len(PROXYLESS_STAGES)))


class ProxylessNASSpace(MobileNetV2Skeleton, LayerChoiceSpace):
    """The ProxylessNAS mobile space (21 layers; ``zero`` not on a stage's first layer)."""

    name = "proxylessnas"
    data_folder = "proxylessnas"
    layer_choices = tuple(PROXYLESS_OPS[:-1] if i in _FIRST_LAYERS else PROXYLESS_OPS
                          for i in range(sum(n for _, n, _ in PROXYLESS_STAGES)))

    def _layer_note(self, layer: int) -> str:
        if layer in _FIRST_LAYERS:
            return "the first of its stage, which changes stride or width"
        return ""

    def _blocks(self, arch: tuple[str, ...]) -> list:
        from oneproxy_plugins.spaces._mbconv_torch import MBConv, stage_plan
        from torch import nn

        widths, depths, strides = zip(*PROXYLESS_STAGES)
        plan = stage_plan(16, widths, strides, depths)
        return [nn.Identity() if op == "zero"
                else MBConv(c_in, c_out, int(op[1]), stride, int(op[4]), act="relu6")
                for op, (c_in, c_out, stride) in zip(arch, plan)]
