"""Tests of ``oneproxy_plugins.spaces._mbconv_torch``: the shared PyTorch building blocks."""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[measure]'")

import torch  # noqa: E402
from torch import nn  # noqa: E402

from oneproxy_plugins.spaces._mbconv_torch import (  # noqa: E402
    ChannelShuffle, ConvBNAct, MBConv, SqueezeExcite, make_divisible, stage_plan)


class TestMakeDivisible:
    @pytest.mark.parametrize(("value", "expected"), [(16, 16), (18, 24), (72 / 4, 24), (10, 16),
                                                     (3, 8), (240 / 4, 64), (120, 120)])
    def test_values(self, value, expected):
        assert make_divisible(value) == expected


class TestStagePlan:
    def test_layers(self):
        assert list(stage_plan(16, [24, 32], [2, 1], [2, 1])) == [(16, 24, 2), (24, 24, 1),
                                                                  (24, 32, 1)]


class TestChannelShuffle:
    def test_interleaves_groups(self):
        x = torch.arange(6.0).view(1, 6, 1, 1)
        assert ChannelShuffle(2)(x).flatten().tolist() == [0, 3, 1, 4, 2, 5]


class TestBlocks:
    def test_conv_bn_act(self):
        layer = ConvBNAct(8, 16, 3, 2, act="h_swish")
        assert isinstance(layer[2], nn.Hardswish)
        assert layer(torch.randn(1, 8, 8, 8)).shape == (1, 16, 4, 4)
        assert len(ConvBNAct(8, 16, act=None, bn=False)) == 1

    def test_squeeze_excite_keeps_shape(self):
        se = SqueezeExcite(72)
        assert se.gate[1].out_channels == 24
        assert se(torch.randn(2, 72, 5, 5)).shape == (2, 72, 5, 5)

    @pytest.mark.parametrize(("c_in", "c_out", "stride", "residual"), [(16, 16, 1, True),
                                                                        (16, 16, 2, False),
                                                                        (16, 24, 1, False)])
    def test_mbconv_shortcut(self, c_in, c_out, stride, residual):
        block = MBConv(c_in, c_out, 5, stride, 3).eval()
        assert block.residual is residual
        with torch.no_grad():
            assert block(torch.randn(1, c_in, 8, 8)).shape == (1, c_out, 8 // stride, 8 // stride)

    def test_mbconv_without_expansion(self):
        assert len(MBConv(16, 16, 3, 1, 1).body) == 2
        assert len(MBConv(16, 16, 3, 1, 1, always_expand=True).body) == 3
