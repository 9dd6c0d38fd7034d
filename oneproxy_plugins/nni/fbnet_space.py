"""FBNet as an NNI model space (NNI 3.0's hub has no FBNet).

:class:`FBNetModelSpace` is the FBNet space of HW-NAS-Bench and HELP
(:class:`~oneproxy_plugins.spaces.FBNetSpace`) written as an NNI ``ModelSpace``: 22 searchable
layers, each an NNI ``LayerChoice`` labelled ``layer_00`` .. ``layer_21`` between the nine FBNet
blocks (``k3_e1`` .. ``k5_e6``, ``skip``). Labels and choice names are the package space's
parameters, so a sample maps to the package's FBNet id directly
(:func:`~oneproxy_plugins.nni.hub.sample_to_arch_id`) and every FBNet latency table and
predictor of this package applies. A frozen model is the network
:meth:`FBNetSpace.build <oneproxy_plugins.spaces.FBNetSpace.build>` makes for that architecture
(the same modules, built by the same code).

Example:
    >>> import torch
    >>> space = FBNetModelSpace()
    >>> sample = {f"layer_{i:02d}": "k3_e3" for i in range(22)}
    >>> model = space.freeze(sample)
    >>> model(torch.randn(1, 3, 32, 32)).shape
    torch.Size([1, 100])
"""

from __future__ import annotations

import torch
from torch import nn

from oneproxy_plugins.nni._compat import require_nni
from oneproxy_plugins.spaces.fbnet import FBNET_BLOCKS, FBNetSpace

require_nni()

from nni.nas.nn.pytorch import LayerChoice, ModelSpace  # noqa: E402

__all__ = ["FBNetModelSpace"]


class FBNetModelSpace(ModelSpace):
    """The FBNet search space (22 layers x 9 blocks) as an NNI model space.

    Args:
        dataset: ``"cifar100"`` (32x32 input, the setting of the published latency tables) or
            ``"imagenet"`` (224x224), as in :meth:`FBNetSpace.build`.
        num_classes: Classifier outputs (default 100 for CIFAR-100, 1000 for ImageNet).
        in_channels: Input channels.

    Raises:
        ValueError: Unknown dataset or a bad ``num_classes``.
    """

    def __init__(self, dataset: str = "cifar100", num_classes: int | None = None,
                 in_channels: int = 3) -> None:
        super().__init__()
        space = FBNetSpace()
        n_layers = len(space.layer_choices)
        # One network per block built by the package's own builder; layer i of the network of
        # block b is the candidate b of LayerChoice i (stride and widths depend on the layer).
        nets = {op: space.build((op,) * n_layers, dataset=dataset, num_classes=num_classes,
                                in_channels=in_channels) for op in FBNET_BLOCKS}
        skeleton = nets[FBNET_BLOCKS[0]]
        self.stem = skeleton.stem
        self.blocks = nn.Sequential(*[
            LayerChoice({op: nets[op].blocks[i] for op in FBNET_BLOCKS}, label=name)
            for i, name in enumerate(space.params)])
        self.head = skeleton.head
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = skeleton.classifier
        self.train()  # the builder returns eval-mode networks; a model space trains

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.pool(self.head(self.blocks(self.stem(x))))
        return self.classifier(torch.flatten(out, 1))
