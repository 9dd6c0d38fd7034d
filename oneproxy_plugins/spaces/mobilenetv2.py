"""MobileNet-V2 space: MobileNetV2 with elastic depth, kernel size and expansion ratio.

The MobileNet-V2 space of the OneProxy paper (Lu et al., SIGMETRICS 2022), built the way
Once-for-All makes a backbone elastic. The macro-architecture is MobileNetV2's (Sandler et al.,
CVPR 2018): a 3x3 stride-2 stem of 32 channels, a fixed MBConv ``k3 e1`` to 16 channels, six
stages of ``[24, 32, 64, 96, 160, 320]`` channels with strides ``[2, 2, 2, 1, 2, 1]``, a 1x1
conv to 1280 channels, pooling and a 1000-way classifier; ReLU6, no squeeze-and-excitation,
224x224 input (the resolution is not searched).

Choices: the first five stages have depth ``d`` in {2, 3, 4} (MobileNetV2's own depths
2, 3, 4, 3, 3 all lie in it); the last stage is MobileNetV2's single 320-channel block, fixed
at depth 1. Every block (4 x 5 + 1 = 21 slots) chooses kernel size ``ks`` in {3, 5, 7} and
expansion ratio ``e`` in {3, 4, 6}. MobileNetV2 itself (``ks`` 3, ``e`` 6, depths
2, 3, 4, 3, 3) is a member. Size: ``(9**2 + 9**3 + 9**4)**5 * 9``.

Architecture value: :class:`MobileNetV2Arch`, a frozen dataclass ``(ks, e, d)`` with ``ks``
and ``e`` of all 21 slots (``None`` beyond a stage's depth, so equal networks compare equal)
and ``d`` of the six stages (the last always 1). Id: ``d=2,3,4,3,3,1;ks=3,3|...|3;e=...``,
one ``|``-separated group per stage. Parameters: ``ks_00`` .. ``ks_20``, ``e_00`` .. ``e_20``,
``d_0`` .. ``d_4``. Records for :meth:`~MobileNetV2Space.from_record` (a user's own
``mobilenetv2/architectures.jsonl``; no public table ships one) take Once-for-All's form
``{"ks": [21 values], "e": [21 values], "d": [6 values]}``.

Example:
    >>> from oneproxy_plugins.spaces import MobileNetV2Space
    >>> space = MobileNetV2Space()
    >>> mbv2 = space.from_id("d=2,3,4,3,3,1;ks=3,3|3,3,3|3,3,3,3|3,3,3|3,3,3|3;"
    ...                      "e=6,6|6,6,6|6,6,6,6|6,6,6|6,6,6|6")
    >>> mbv2.d
    (2, 3, 4, 3, 3, 1)
"""

from __future__ import annotations

import dataclasses

from oneproxy_plugins.spaces._mobile import (ElasticArch, ElasticLayout, ElasticSpace,
                                             MobileNetV2Skeleton)

__all__ = ["MobileNetV2Space", "MobileNetV2Arch", "MBV2_LAYOUT"]

MBV2_LAYOUT = ElasticLayout("mobilenetv2", depth_choices=((2, 3, 4),) * 5 + ((1,),))
"""Five elastic stages of 2 to 4 blocks and a fixed single last block; ks {3, 5, 7},
e {3, 4, 6}."""

# (channels, stride, activation, squeeze-and-excitation) of the six stages
_STAGES = tuple((c, s, "relu6", False) for c, s in
                ((24, 2), (32, 2), (64, 2), (96, 1), (160, 2), (320, 1)))


@dataclasses.dataclass(frozen=True)
class MobileNetV2Arch(ElasticArch):
    """A MobileNet-V2 space network.

    Attributes:
        ks: Kernel size of each of the 21 block slots, ``None`` beyond a stage's depth.
        e: Expansion ratio of each block slot, ``None`` beyond a stage's depth.
        d: Depth of each of the 6 stages (the last is always 1).

    Construction validates every field and canonicalises inactive slots; it raises
    :class:`~oneproxy_plugins.exceptions.InvalidArchitectureError` on a bad value.
    """

    layout = MBV2_LAYOUT


class MobileNetV2Space(MobileNetV2Skeleton, ElasticSpace):
    """The MobileNet-V2 space (``ks``, ``e`` per block, ``d`` per stage)."""

    name = "mobilenetv2"
    data_folder = "mobilenetv2"
    layout = MBV2_LAYOUT
    arch_class = MobileNetV2Arch

    def _blocks(self, arch: MobileNetV2Arch) -> list:
        from oneproxy_plugins.spaces._mbconv_torch import elastic_blocks

        return elastic_blocks(16, arch.stages(), _STAGES)
