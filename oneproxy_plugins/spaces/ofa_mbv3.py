"""Once-for-All MobileNetV3: elastic depth, kernel size, expansion ratio and resolution.

The ``ofa_mbv3_d234_e346_k357_w1.0`` space of Once-for-All (Cai et al., ICLR 2020): five
stages of up to four inverted-residual blocks (20 block slots); every stage has depth
``d`` in {2, 3, 4}, every block kernel size ``ks`` in {3, 5, 7} and expansion ratio ``e`` in
{3, 4, 6}, and the input resolution ``r`` is one of 128, 132, ..., 224 (every value in
``ofa/architectures.jsonl``). Blocks beyond a stage's depth are not part of the network.

Architecture value: :class:`OFAArch`, a frozen dataclass ``(ks, e, d, r)`` with ``ks`` and
``e`` of all 20 slots and ``None`` for inactive ones, so equal networks compare equal. Id:
``d=2,2,2,2,3;ks=7,5|5,5|7,7|5,7|5,7,3;e=6,4|4,6|6,3|4,3|3,6,3;r=204``: the depths, then
the kernel sizes and expansion ratios of the active blocks, one ``|``-separated group per
stage, then the resolution. Parameters: ``ks_00`` .. ``ks_19``, ``e_00`` .. ``e_19``,
``d_0`` .. ``d_4``, ``r``; the ``ks``/``e`` of inactive blocks are inactive and encode as
zeros. Size: ``(9**2 + 9**3 + 9**4)**5 * 25`` distinct networks.

:meth:`OFAMobileNetV3Space.build` is Once-for-All's MobileNetV3 sub-network: a 3x3 stride-2
stem of 16 channels (h-swish), a fixed first block (depthwise 3x3, 16 channels, identity
shortcut), stages of ``[24, 40, 80, 112, 160]`` channels with strides ``[2, 2, 2, 1, 2]``,
ReLU in the first two stages and h-swish after, squeeze-and-excitation in stages 2, 4 and 5
(1-based), a 1x1 conv to 960 channels, pooling, a 1x1 conv to 1280 channels (h-swish, no BN)
and a 1000-way classifier. Its input is ``r`` x ``r``.

Example:
    >>> from oneproxy_plugins.spaces import OFAMobileNetV3Space
    >>> space = OFAMobileNetV3Space()
    >>> arch = space.from_record({"ks": [3] * 20, "e": [6] * 20, "d": [2] * 5, "r": 160})
    >>> space.to_id(arch)
    'd=2,2,2,2,2;ks=3,3|3,3|3,3|3,3|3,3;e=6,6|6,6|6,6|6,6|6,6;r=160'
    >>> arch.ks[2] is None
    True
"""

from __future__ import annotations

import dataclasses
from typing import Any

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.spaces._mobile import ElasticArch, ElasticLayout, ElasticSpace

__all__ = ["OFAMobileNetV3Space", "OFAArch", "OFA_LAYOUT", "OFA_RESOLUTIONS"]

OFA_RESOLUTIONS = tuple(range(128, 225, 4))
"""Input resolutions of Once-for-All's MobileNetV3 sub-networks."""

OFA_LAYOUT = ElasticLayout("ofa_mbv3", depth_choices=((2, 3, 4),) * 5,
                           resolutions=OFA_RESOLUTIONS)
"""Five stages of 2 to 4 blocks; ks {3, 5, 7}, e {3, 4, 6}."""

# (channels, stride, activation, squeeze-and-excitation) of the five elastic stages
_STAGES = ((24, 2, "relu", False), (40, 2, "relu", True), (80, 2, "h_swish", False),
           (112, 1, "h_swish", True), (160, 2, "h_swish", True))


@dataclasses.dataclass(frozen=True)
class OFAArch(ElasticArch):
    """An OFA MobileNetV3 sub-network.

    Attributes:
        ks: Kernel size of each of the 20 block slots, ``None`` beyond a stage's depth.
        e: Expansion ratio of each block slot, ``None`` beyond a stage's depth.
        d: Depth of each of the 5 stages.
        r: Input resolution.

    Construction validates every field and canonicalises inactive slots; it raises
    :class:`~oneproxy_plugins.exceptions.InvalidArchitectureError` on a bad value.
    """

    r: int
    layout = OFA_LAYOUT


class OFAMobileNetV3Space(ElasticSpace):
    """The Once-for-All MobileNetV3 space (``ks``, ``e`` per block, ``d`` per stage, ``r``)."""

    name = "ofa_mbv3"
    data_folder = "ofa"
    layout = OFA_LAYOUT
    arch_class = OFAArch

    def input_shape(self, batch_size: int = 1, *, arch: OFAArch | str | None = None,
                    input_size: int | None = None, in_channels: int = 3, **cfg: Any
                    ) -> tuple[int, ...]:
        """``(batch_size, in_channels, r, r)``: the resolution is the architecture's own.

        Args:
            batch_size: Batch size.
            arch: The architecture (or id) whose resolution ``r`` to use.
            input_size: Use this resolution instead (the network is fully convolutional).
            in_channels: Input channels.

        Raises:
            ValueError: Neither ``arch`` nor ``input_size`` is given.
        """
        if input_size is None:
            if arch is None:
                raise ValueError("The input of an ofa_mbv3 network is its architecture's "
                                 "resolution r: pass 'arch' (or 'input_size'); got neither.")
            input_size = self.coerce(arch).r
        return (check_int("batch_size", batch_size, 1), in_channels, input_size,
                input_size)

    def build(self, arch: OFAArch | str, *, num_classes: int = 1000, in_channels: int = 3
              ) -> Any:
        """Build the OFA MobileNetV3 sub-network.

        Args:
            arch: Architecture or its id; its input is ``input_shape(arch=arch)``.
            num_classes: Classifier outputs.
            in_channels: Input channels.

        Returns:
            A ``torch.nn.Module`` in eval mode mapping ``(B, in_channels, r, r)`` to logits.
        """
        from oneproxy_plugins.spaces._mbconv_torch import (ChainNetwork, ConvBNAct, MBConv,
                                                           elastic_blocks)
        from torch import nn

        a = self.coerce(arch)
        num_classes = check_int("num_classes", num_classes, 1)
        blocks = [MBConv(16, 16, 3, 1, 1, act="relu"), *elastic_blocks(16, a.stages(), _STAGES)]
        return ChainNetwork(ConvBNAct(in_channels, 16, 3, 2, act="h_swish"), blocks,
                            ConvBNAct(_STAGES[-1][0], 960, 1, act="h_swish"),
                            nn.Linear(1280, num_classes),
                            post_pool=ConvBNAct(960, 1280, 1, act="h_swish", bn=False)).eval()
