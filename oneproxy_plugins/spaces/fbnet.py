"""FBNet: a chain of 22 searchable layers, each one of 9 blocks (9**22 architectures).

The space of FBNet (Wu et al., CVPR 2019) as HW-NAS-Bench and HELP use it. Blocks, in
HW-NAS-Bench's order: ``k3_e1, k3_e1_g2, k3_e3, k3_e6, k5_e1, k5_e1_g2, k5_e3, k5_e6, skip``
(``k`` depthwise kernel size, ``e`` expansion ratio, ``_g2`` grouped 1x1 convolutions with
2 groups and a channel shuffle).

Architecture value: a tuple of 22 block names. Id: the names joined by single spaces, the
``ops`` column of ``fbnet/architectures.csv``. Parameters ``layer_00`` .. ``layer_21``.

:meth:`FBNetSpace.build` follows HW-NAS-Bench's ``FBNet_Infer``: a 3x3 stem of 16 channels,
seven stages of ``[1, 4, 4, 4, 4, 4, 1]`` layers with ``[16, 24, 32, 64, 112, 184, 352]``
channels, a 1x1 conv to 1504 channels (1984 for ImageNet), global pooling and a linear
classifier. CIFAR-100 (the default, 32x32 input, the setting of the published latency
tables) uses stage strides ``[1, 1, 2, 2, 1, 2, 1]`` and a stride-1 stem; ImageNet uses
``[1, 2, 2, 2, 1, 2, 1]`` and a stride-2 stem at 224x224. Every block is an inverted
residual with ReLU whose 1x1 expansion is kept even for ``e1`` (as in HW-NAS-Bench), with an
identity shortcut when its input and output shapes agree. ``skip`` is allowed in every layer,
as in the benchmark (its published architectures use it in stride- and width-changing layers
too): it is the identity where shapes agree and otherwise a 1x1 conv-BN-ReLU projection with
the layer's stride.

Example:
    >>> from oneproxy_plugins.spaces import FBNetSpace
    >>> space = FBNetSpace()
    >>> arch = space.sample(0)
    >>> len(arch), space.from_id(space.to_id(arch)) == arch
    (22, True)
    >>> space.encode(arch).shape
    (207,)
"""

from __future__ import annotations

from typing import Any

from oneproxy_plugins.spaces._mobile import LayerChoiceSpace, check_positive_int

__all__ = ["FBNetSpace", "FBNET_BLOCKS", "FBNET_STAGES"]

FBNET_BLOCKS = ("k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6",
                "skip")
"""Candidate blocks in HW-NAS-Bench's order."""

FBNET_STAGES = ((16, 1), (24, 4), (32, 4), (64, 4), (112, 4), (184, 4), (352, 1))
"""``(channels, layers)`` of the seven stages (22 layers in all)."""

_DATASETS = {
    # dataset: (stem stride, stage strides, header channels, classes, input size)
    "cifar100": (1, (1, 1, 2, 2, 1, 2, 1), 1504, 100, 32),
    "imagenet": (2, (1, 2, 2, 2, 1, 2, 1), 1984, 1000, 224),
}


class FBNetSpace(LayerChoiceSpace):
    """The FBNet space of HW-NAS-Bench (22 layers x 9 blocks)."""

    name = "fbnet"
    data_folder = "fbnet"
    layer_choices = (FBNET_BLOCKS,) * sum(n for _, n in FBNET_STAGES)

    @staticmethod
    def _dataset(dataset: str) -> tuple:
        if dataset not in _DATASETS:
            raise ValueError(f"The 'dataset' argument must be one of {sorted(_DATASETS)}; "
                             f"got {dataset!r}.")
        return _DATASETS[dataset]

    def input_shape(self, batch_size: int = 1, *, dataset: str = "cifar100",
                    input_size: int | None = None, in_channels: int = 3, **cfg: Any
                    ) -> tuple[int, ...]:
        """``(batch_size, in_channels, size, size)``; size 32 for CIFAR-100, 224 for ImageNet."""
        size = self._dataset(dataset)[4] if input_size is None else input_size
        return (check_positive_int("batch_size", batch_size), in_channels, size, size)

    def build(self, arch: tuple[str, ...] | str, *, dataset: str = "cifar100",
              num_classes: int | None = None, in_channels: int = 3,
              input_size: int | None = None) -> Any:
        """Build HW-NAS-Bench's FBNet network.

        Args:
            arch: Architecture or its id.
            dataset: ``"cifar100"`` (stride-1 stem, 32x32 input) or ``"imagenet"``.
            num_classes: Classifier outputs (default 100 for CIFAR-100, 1000 for ImageNet).
            in_channels: Input channels.
            input_size: Input height and width; the network is fully convolutional, so this
                only documents the input (see :meth:`input_shape`).

        Returns:
            A ``torch.nn.Module`` in eval mode mapping ``(B, in_channels, H, W)`` to logits.
        """
        from torch import nn

        from oneproxy_plugins.spaces._mbconv_torch import (ChainNetwork, ConvBNAct, MBConv,
                                                           stage_plan)

        ops = self.coerce(arch)
        stem_stride, strides, header, default_classes, _ = self._dataset(dataset)
        num_classes = check_positive_int(
            "num_classes", default_classes if num_classes is None else num_classes)
        stem_channels = FBNET_STAGES[0][0]
        blocks: list[nn.Module] = []
        plan = stage_plan(stem_channels, [c for c, _ in FBNET_STAGES], strides,
                          [n for _, n in FBNET_STAGES])
        for op, (c_in, c_out, stride) in zip(ops, plan):
            if op == "skip":
                same = c_in == c_out and stride == 1
                blocks.append(nn.Identity() if same else ConvBNAct(c_in, c_out, 1, stride))
            else:
                kernel, expand = int(op[1]), int(op[4])
                blocks.append(MBConv(c_in, c_out, kernel, stride, expand,
                                     groups=2 if op.endswith("_g2") else 1, always_expand=True))
        last = FBNET_STAGES[-1][0]
        return ChainNetwork(ConvBNAct(in_channels, stem_channels, 3, stem_stride), blocks,
                            ConvBNAct(last, header, 1),
                            nn.Linear(header, num_classes)).eval()
