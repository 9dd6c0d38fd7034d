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
    >>> space.costs([("skip",) * 22]).tolist()  # MACs, weights, activations of the whole net
    [[11608960.0, 776084.0, 93156.0]]

:meth:`FBNetSpace.costs` computes a network's multiply-accumulates, weights and activations
analytically from the same macro-architecture :meth:`~FBNetSpace.build` uses (no torch);
:meth:`FBNetSpace.encode_latency_many` appends them, in millions, to the encoding as the
space's latency features. On CPUs and phones latency follows compute; the latency adapters
(:mod:`oneproxy_plugins.adaproxy`) also use the log MAC count as an analytic proxy device.
:meth:`~FBNetSpace.encode` keeps its 207 columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_choice, check_int
from oneproxy_plugins.spaces._mobile import LayerChoiceSpace

__all__ = ["FBNetSpace", "FBNET_BLOCKS", "FBNET_STAGES", "FBNET_COSTS"]

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


FBNET_COSTS = ("macs", "params", "activations")
"""What :meth:`FBNetSpace.costs` counts, in its column order."""


@cache
def _cost_tables(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Analytic costs of the network, from the macro-architecture alone.

    Returns:
        ``(per_block, fixed)``: array ``(22, 9, 3)`` of the MACs, weights and activations of
        every block choice of every layer (:data:`FBNET_BLOCKS` order), and array ``(3,)`` of
        those of the stem, the 1x1 head and the classifier, which every architecture has.
        Activations are the elements written by every convolution and the classifier; weights
        those of the convolutions and of the classifier (its bias included), batch norm folded.
    """
    stem_stride, strides, header, classes, size = _DATASETS[dataset]
    c_in, h_in = FBNET_STAGES[0][0], size // stem_stride
    stem = 3 * c_in * 9
    fixed = [stem * h_in ** 2, stem, c_in * h_in ** 2]
    per_block = np.zeros((sum(n for _, n in FBNET_STAGES), len(FBNET_BLOCKS), 3))
    layer = 0
    for (c_out, depth), stage_stride in zip(FBNET_STAGES, strides):
        for i in range(depth):
            stride = stage_stride if i == 0 else 1
            h_out = h_in // stride
            for j, op in enumerate(FBNET_BLOCKS):
                if op == "skip":
                    if c_in != c_out or stride != 1:  # build()'s 1x1 projection
                        per_block[layer, j] = (c_in * c_out * h_out ** 2, c_in * c_out,
                                               c_out * h_out ** 2)
                    continue
                kernel, hidden = int(op[1]), c_in * int(op[4])  # every hidden width is a
                groups = 2 if op.endswith("_g2") else 1         # multiple of 8: no rounding
                expand, project = c_in * hidden // groups, hidden * c_out // groups
                depthwise = hidden * kernel ** 2
                per_block[layer, j] = (
                    expand * h_in ** 2 + (depthwise + project) * h_out ** 2,
                    expand + depthwise + project,
                    hidden * h_in ** 2 + (hidden + c_out) * h_out ** 2)
            c_in, h_in, layer = c_out, h_out, layer + 1
    head = c_in * header
    fixed = np.add(fixed, [head * h_in ** 2 + header * classes, head + (header + 1) * classes,
                           header * h_in ** 2 + classes])
    return per_block, fixed.astype(np.float64)


class FBNetSpace(LayerChoiceSpace):
    """The FBNet space of HW-NAS-Bench (22 layers x 9 blocks)."""

    name = "fbnet"
    data_folder = "fbnet"
    layer_choices = (FBNET_BLOCKS,) * sum(n for _, n in FBNET_STAGES)

    @staticmethod
    def _dataset(dataset: str) -> tuple:
        return _DATASETS[check_choice("dataset", dataset, sorted(_DATASETS))]

    # ------------------------------------------------------------ latency features
    def costs(self, archs: Iterable[tuple[str, ...] | str], *, dataset: str = "cifar100"
              ) -> np.ndarray:
        """Multiply-accumulates, weights and activations of whole networks, analytically.

        Counted from the macro-architecture of :meth:`build` with its defaults (the same
        stages, widths, strides and blocks; 3 input channels, 100 or 1000 classes): every
        convolution and the classifier; batch norm, ReLU, the channel shuffle and the residual
        additions are not counted. Equal to a count with forward hooks on the built network.

        Args:
            archs: Architectures or their ids, ``n`` of them.
            dataset: ``"cifar100"`` (32x32 input, the latency tables' setting) or
                ``"imagenet"`` (224x224), as in :meth:`build`.

        Returns:
            Float array of shape ``(n, 3)``: MACs, weights and activations (elements written)
            at batch size 1, columns in :data:`FBNET_COSTS` order.
        """
        self._dataset(dataset)  # the argument's check
        per_block, fixed = _cost_tables(dataset)
        index = self._choice_index_matrix([self.coerce(a) for a in archs])
        return per_block[np.arange(index.shape[1]), index].sum(axis=1) + fixed

    def latency_feature_names(self) -> list[str]:
        """Names of the columns of :meth:`encode_latency_many`."""
        return self.feature_names() + [f"cost[{name}]" for name in FBNET_COSTS]

    def encode_latency_many(self, archs: Iterable[tuple[str, ...] | str]) -> np.ndarray:
        """The encoding (:meth:`encode_many`) followed by :meth:`costs` in millions.

        The features latency adapters model latency on: ``(n, 210)``, the last three columns
        ``cost[macs]``, ``cost[params]``, ``cost[activations]`` (CIFAR-100 input, the setting
        of the published latency tables). The costs are linear in the one-hot encoding (each
        layer's cost depends on its own block only), so they add no directions to a linear
        model; the adapters use the MAC count's logarithm as an analytic proxy device (see
        :class:`oneproxy_plugins.adaproxy.ProxyPool`).
        """
        archs = [self.coerce(a) for a in archs]
        return np.c_[self.encode_many(archs), self.costs(archs) / 1e6]

    def input_shape(self, batch_size: int = 1, *, dataset: str = "cifar100",
                    input_size: int | None = None, in_channels: int = 3, **cfg: Any
                    ) -> tuple[int, ...]:
        """``(batch_size, in_channels, size, size)``; size 32 for CIFAR-100, 224 for ImageNet."""
        size = self._dataset(dataset)[4] if input_size is None else input_size
        return (check_int("batch_size", batch_size, 1), in_channels, size, size)

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
        from oneproxy_plugins.spaces._mbconv_torch import (ChainNetwork, ConvBNAct, MBConv,
                                                           stage_plan)
        from torch import nn

        ops = self.coerce(arch)
        stem_stride, strides, header, default_classes, _ = self._dataset(dataset)
        num_classes = check_int(
            "num_classes", default_classes if num_classes is None else num_classes, 1)
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
