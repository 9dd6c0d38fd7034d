"""Tests of ``oneproxy_plugins.spaces.proxylessnas``."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces import ProxylessNASSpace
from oneproxy_plugins.spaces.proxylessnas import PROXYLESS_OPS

try:  # the bare core has no PyTorch; the tests that need it are marked needs("torch")
    import torch
    from torch import nn
    from oneproxy_plugins.spaces._mbconv_torch import MBConv
except ImportError:
    torch = nn = MBConv = None

SPACE = ProxylessNASSpace()
FIRST_LAYERS = (0, 4, 8, 12, 16, 20)
ALL_ZERO = tuple("k3_e3" if i in FIRST_LAYERS else "zero" for i in range(21))


class TestSpace:
    def test_params(self):
        assert list(SPACE.params) == [f"layer_{i:02d}" for i in range(21)]
        for i, choices in enumerate(SPACE.params.values()):
            assert choices == (PROXYLESS_OPS[:-1] if i in FIRST_LAYERS else PROXYLESS_OPS)
        assert PROXYLESS_OPS == ("k3_e3", "k3_e6", "k5_e3", "k5_e6", "k7_e3", "k7_e6", "zero")

    def test_size(self):
        assert SPACE.size == 6**6 * 7**15

    def test_id(self):
        arch_id = " ".join(ALL_ZERO)
        assert arch_id.startswith("k3_e3 zero zero zero k3_e3 zero")
        assert SPACE.from_id(arch_id) == ALL_ZERO and SPACE.to_id(ALL_ZERO) == arch_id

    def test_encode_counts_every_op_including_zero(self):
        vec = SPACE.encode(ALL_ZERO)
        names = SPACE.feature_names()
        assert vec.shape == (6 * 6 + 15 * 7 + 7,) == (len(names),)
        assert names[-7:] == [f"count[ops]={op}" for op in PROXYLESS_OPS]
        np.testing.assert_array_equal(vec[-7:], [6, 0, 0, 0, 0, 0, 15])


class TestErrors:
    @pytest.mark.parametrize("layer", FIRST_LAYERS)
    def test_zero_on_the_first_layer_of_a_stage(self, layer):
        ops = list(ALL_ZERO)
        ops[layer] = "zero"
        with pytest.raises(InvalidArchitectureError,
                           match=rf"layer {layer} \('layer_{layer:02d}', the first of its stage, "
                                 rf"which changes stride or width\) of .*: 'zero' is not "
                                 rf"allowed; allowed: "
                                 rf"\['k3_e3', 'k3_e6', 'k5_e3', 'k5_e6', 'k7_e3', 'k7_e6'\]"):
            SPACE.from_id(" ".join(ops))

    def test_unknown_op(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"layer 1 \('layer_01'\) of .*: 'skip' is not allowed; "
                                 r"allowed: \[.*'zero'\]"):
            SPACE.coerce(("k3_e3", "skip") + ALL_ZERO[2:])

    def test_wrong_length(self):
        with pytest.raises(InvalidArchitectureError,
                           match="proxylessnas architecture has 21 layers .*; got 22"):
            SPACE.from_id(" ".join(ALL_ZERO + ("zero",)))

    def test_from_params_zero_on_a_first_layer(self):
        with pytest.raises(InvalidArchitectureError,
                           match="'layer_04' of space 'proxylessnas': 'zero' is not allowed"):
            SPACE.from_params({**SPACE.to_params(ALL_ZERO), "layer_04": "zero"})


class TestBuild:
    @pytest.mark.needs("torch")
    def test_zero_layers_are_identities(self):
        model = SPACE.build(ALL_ZERO)
        blocks = list(model.blocks)[1:]  # after the fixed k3 e1 block
        assert [isinstance(b, MBConv) for b in blocks] == [i in FIRST_LAYERS for i in range(21)]
        assert all(isinstance(b, nn.Identity)
                   for i, b in enumerate(blocks) if i not in FIRST_LAYERS)
        assert [b.body[-1][0].out_channels for b in blocks if isinstance(b, MBConv)] == [
            24, 40, 80, 96, 192, 320]
        with torch.no_grad():
            assert model(torch.randn(SPACE.input_shape(1))).shape == (1, 1000)

    @pytest.mark.needs("torch")
    def test_block_kernel_and_expansion(self):
        ops = ("k7_e6",) + ("k5_e3",) * 20
        blocks = list(SPACE.build(ops).blocks)
        assert len(blocks[0].body) == 2  # the fixed first block (e1): no expansion conv
        assert blocks[0].body[-1][0].out_channels == 16
        assert blocks[1].body[0][0].out_channels == 16 * 6
        assert blocks[1].body[1][0].kernel_size == (7, 7)
        assert blocks[2].body[0][0].out_channels == 24 * 3 and blocks[2].residual
        assert SPACE.input_shape(4) == (4, 3, 224, 224)
