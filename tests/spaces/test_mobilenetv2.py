"""Tests of ``oneproxy_plugins.spaces.mobilenetv2``."""

from __future__ import annotations

import pytest

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces import MobileNetV2Arch, MobileNetV2Space

try:  # the bare core has no PyTorch; the tests that need it are marked needs("torch")
    import torch
    from oneproxy_plugins.spaces._mbconv_torch import MBConv
except ImportError:
    torch = MBConv = None

SPACE = MobileNetV2Space()
MBV2_ID = "d=2,3,4,3,3,1;ks=3,3|3,3,3|3,3,3,3|3,3,3|3,3,3|3;e=6,6|6,6,6|6,6,6,6|6,6,6|6,6,6|6"
"""MobileNetV2 itself (Sandler et al.): kernel 3, expansion 6, depths 2, 3, 4, 3, 3, 1."""


class TestSpace:
    def test_params(self):
        assert list(SPACE.params) == ([f"ks_{i:02d}" for i in range(21)]
                                      + [f"e_{i:02d}" for i in range(21)]
                                      + [f"d_{s}" for s in range(5)])
        assert SPACE.params["ks_20"] == (3, 5, 7) and SPACE.params["d_0"] == (2, 3, 4)

    def test_size_counts_distinct_networks(self):
        assert SPACE.size == (9**2 + 9**3 + 9**4) ** 5 * 9

    def test_mobilenetv2_is_a_member(self):
        arch = SPACE.from_id(MBV2_ID)
        assert arch.d == (2, 3, 4, 3, 3, 1)
        assert SPACE.to_id(arch) == MBV2_ID
        assert [b for stage in arch.stages() for b in stage] == [(3, 6)] * 16

    def test_last_stage_depth_is_fixed_and_not_a_parameter(self):
        arch = SPACE.from_params({**SPACE.to_params(SPACE.from_id(MBV2_ID)), "d_0": 4})
        assert arch.d == (4, 3, 4, 3, 3, 1) and "d_5" not in SPACE.to_params(arch)

    def test_inactive_blocks_are_canonical(self):
        ks = [3] * 21
        arch = SPACE.from_record({"ks": ks, "e": [6] * 21, "d": [2, 3, 4, 3, 3, 1]})
        other = MobileNetV2Arch(ks=[3, 3, 7, 5] + ks[4:], e=[6, 6, 3, None] + [6] * 17,
                                d=(2, 3, 4, 3, 3, 1))
        assert arch == other == SPACE.from_id(MBV2_ID)
        assert arch.ks[2:4] == (None, None) and arch.ks[20] == 3

    def test_from_record_of_a_users_own_table(self):
        assert SPACE.data_folder == "mobilenetv2"
        rec = {"ks": [5] * 21, "e": [4] * 21, "d": [4, 4, 4, 4, 4, 1]}
        assert SPACE.to_id(SPACE.from_record(rec)).startswith("d=4,4,4,4,4,1;ks=5,5,5,5|")


class TestErrors:
    def test_last_stage_depth(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"field 'd' stage 5: 2 is not allowed; allowed: \[1\]"):
            SPACE.from_id(MBV2_ID.replace("d=2,3,4,3,3,1", "d=2,3,4,3,3,2"))

    def test_five_depths_are_not_enough(self):
        with pytest.raises(InvalidArchitectureError, match="field 'd' must have 6 values; got 5"):
            SPACE.from_record({"ks": [3] * 21, "e": [6] * 21, "d": [2, 3, 4, 3, 3]})

    def test_resolution_is_not_a_field(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"unknown field 'r'; allowed: \['d', 'ks', 'e'\]"):
            SPACE.from_id(MBV2_ID + ";r=224")

    def test_last_block_kernel(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"field 'ks' block 20 \(stage 5, block 0\): 9 is not allowed; "
                                 r"allowed: \[3, 5, 7\]"):
            SPACE.from_id(MBV2_ID.replace("|3;e=", "|9;e="))

    def test_record_missing_a_field(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"needs the fields \['d', 'ks', 'e'\]; missing \['e'\]"):
            SPACE.from_record({"ks": [3] * 21, "d": [2, 3, 4, 3, 3, 1]})


class TestBuild:
    @pytest.mark.needs("torch")
    def test_mobilenetv2_network(self):
        model = SPACE.build(MBV2_ID)
        blocks = [b for b in model.blocks]
        assert len(blocks) == 1 + 16  # the fixed k3 e1 block, then MobileNetV2's 16 blocks
        assert all(isinstance(b, MBConv) for b in blocks)
        assert [b.body[-1][0].out_channels for b in blocks] == (
            [16] + [24] * 2 + [32] * 3 + [64] * 4 + [96] * 3 + [160] * 3 + [320])
        assert sum(b.residual for b in blocks) == 10  # MobileNetV2 has 10 residual blocks
        assert model.stem[0].out_channels == 32 and model.head[0].out_channels == 1280
        params = sum(p.numel() for p in model.parameters())
        assert 3.4e6 < params < 3.6e6  # MobileNetV2 1.0: 3.5 M parameters
        assert SPACE.input_shape(2) == (2, 3, 224, 224)
        with torch.no_grad():
            assert model(torch.randn(SPACE.input_shape(1))).shape == (1, 1000)
