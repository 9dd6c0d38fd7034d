"""Tests of ``oneproxy_plugins.spaces.ofa_mbv3``."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces import OFAArch, OFAMobileNetV3Space
from oneproxy_plugins.spaces.ofa_mbv3 import OFA_RESOLUTIONS

try:  # the bare core has no PyTorch; the tests that need it are marked needs("torch")
    import torch
    from oneproxy_plugins.spaces._mbconv_torch import SqueezeExcite
except ImportError:
    torch = SqueezeExcite = None

SPACE = OFAMobileNetV3Space()
RECORD = {"index": 0, "ks": [7, 5, 5, 5, 7, 7, 5, 7, 5, 7, 3, 7, 5, 3, 7, 3, 5, 3, 5, 3],
          "e": [6, 4, 4, 6, 6, 3, 4, 3, 3, 6, 3, 3, 3, 6, 3, 4, 6, 4, 3, 6],
          "d": [2, 2, 2, 2, 3], "r": 204}
RECORD_ID = "d=2,2,2,2,3;ks=7,5|7,7|5,7|5,3|5,3,5;e=6,4|6,3|3,6|3,6|6,4,3;r=204"


def record(**changes):
    return {**RECORD, **changes}


class TestRealData:
    pytestmark = pytest.mark.shared_data

    def test_every_record_parses_and_round_trips(self, ofa_records):
        assert len(ofa_records) == 5000
        for rec in ofa_records:
            arch = SPACE.from_record(rec)
            arch_id = SPACE.to_id(arch)
            assert SPACE.from_id(arch_id) == arch
            assert arch.d == tuple(rec["d"]) and arch.r == rec["r"]
            for slot, (k, e) in enumerate(zip(rec["ks"], rec["e"])):
                if arch.ks[slot] is not None:
                    assert (arch.ks[slot], arch.e[slot]) == (k, e)

    def test_allowed_resolutions_cover_the_data(self, ofa_records):
        assert {rec["r"] for rec in ofa_records} <= set(OFA_RESOLUTIONS)


class TestSpace:
    def test_params(self):
        assert list(SPACE.params) == ([f"ks_{i:02d}" for i in range(20)]
                                      + [f"e_{i:02d}" for i in range(20)]
                                      + [f"d_{s}" for s in range(5)] + ["r"])
        assert SPACE.params["ks_07"] == (3, 5, 7) and SPACE.params["e_19"] == (3, 4, 6)
        assert SPACE.params["d_4"] == (2, 3, 4)
        assert SPACE.params["r"] == tuple(range(128, 225, 4))

    def test_size_counts_distinct_networks(self):
        assert SPACE.size == (9**2 + 9**3 + 9**4) ** 5 * 25

    def test_id(self):
        arch = SPACE.from_record(RECORD)
        assert SPACE.to_id(arch) == RECORD_ID
        assert SPACE.from_id(RECORD_ID) == arch

    def test_inactive_blocks_are_canonical(self):
        arch = SPACE.from_record(RECORD)
        assert arch.ks[:4] == (7, 5, None, None) and arch.e[12:16] == (3, 6, None, None)
        other = SPACE.from_record(record(ks=[7, 5, 3, 3] + RECORD["ks"][4:],
                                         e=[6, 4, 3, 4] + RECORD["e"][4:]))
        assert other == arch and hash(other) == hash(arch)
        assert SPACE.to_id(other) == SPACE.to_id(arch)
        assert OFAArch(ks=arch.ks, e=arch.e, d=arch.d, r=arch.r) == arch

    def test_different_active_block_differs(self):
        arch = SPACE.from_record(RECORD)
        assert SPACE.from_record(record(ks=[5] + RECORD["ks"][1:])) != arch

    def test_inactive_parameters_encode_as_zeros(self):
        arch = SPACE.from_record(RECORD)
        names = SPACE.feature_names()
        vec = SPACE.encode(arch)
        assert vec.shape == (20 * 3 * 2 + 5 * 3 + 25 + 3 + 3 + 3,)
        for slot in (2, 3, 6, 7):  # beyond depth 2 of stages 0 and 1
            prefixes = (f"ks_{slot:02d}=", f"e_{slot:02d}=")
            cols = [i for i, n in enumerate(names) if n.startswith(prefixes)]
            assert not vec[cols].any()
        counts = dict(zip(names, vec))
        assert sum(counts[f"count[ks]={k}"] for k in (3, 5, 7)) == sum(arch.d) == 11
        assert counts["count[d]=2"] == 4 and counts["count[d]=3"] == 1
        assert counts["r=204"] == 1

    def test_to_params_fills_inactive_slots_with_the_first_choice(self):
        params = SPACE.to_params(SPACE.from_record(RECORD))
        assert params["ks_02"] == 3 and params["e_03"] == 3 and params["r"] == 204
        assert not SPACE._active(SPACE.from_record(RECORD))["ks_02"]

    def test_id_tolerates_spaces(self):
        spaced = " d = 2,2,2,2,3 ; " + RECORD_ID.split(";", 1)[1].replace(",", ", ")
        assert SPACE.canonical_id(spaced) == RECORD_ID


class TestErrors:
    @pytest.mark.parametrize(("arch_id", "message"), [
        ("d=2,2,2,2,3;ks", "part 'ks' is not 'field=values'; expected 'd=...;ks=...;e=...;r=...'"),
        (RECORD_ID + ";w=1", r"unknown field 'w'; allowed: \['d', 'ks', 'e', 'r'\]"),
        (RECORD_ID + ";r=204", "field 'r' appears more than once"),
        (RECORD_ID.rsplit(";", 1)[0], r"missing field\(s\) \['r'\]"),
        (RECORD_ID.replace("r=204", "r=2o4"), "field 'r' holds '2o4', which is not a non-negative"),
        (RECORD_ID.replace("r=204", "r=-4"), "field 'r' holds '-4'"),
        (RECORD_ID.replace("r=204", "r=204,208"), "field 'r' must hold one resolution; got '204,"),
        (RECORD_ID.replace("r=204", "r=130"),
         r"field 'r': 130 is not allowed; allowed: \[128, 132,"),
        (RECORD_ID.replace("d=2,2,2,2,3", "d=2,2,2,3"), r"field 'd' must have 5 values; got 4"),
        (RECORD_ID.replace("d=2,2,2,2,3", "d=2,2,2,5,3"),
         r"field 'd' stage 3: 5 is not allowed; allowed: \[2, 3, 4\]"),
        (RECORD_ID.replace("ks=7,5|", "ks=7,5,"), "field 'ks' has 4 '\\|'-separated stage groups; "
                                                  "expected 5"),
        (RECORD_ID.replace("ks=7,5|", "ks=7|"),
         r"field 'ks' stage 0 lists 1 values but d\[0\] is 2"),
        (RECORD_ID.replace("ks=7,5|", "ks=7,9|"),
         r"field 'ks' block 1 \(stage 0, block 1\): 9 is not allowed; allowed: \[3, 5, 7\]"),
        (RECORD_ID.replace("e=6,4|", "e=6,,4|"), "field 'e' holds ''"),
        (RECORD_ID.replace("e=6,4|6,3", "e=6,4|6,5"),
         r"field 'e' block 5 \(stage 1, block 1\): 5 is not allowed; allowed: \[3, 4, 6\]"),
    ])
    def test_malformed_ids(self, arch_id, message):
        with pytest.raises(InvalidArchitectureError, match=message):
            SPACE.from_id(arch_id)

    def test_record_missing_a_field(self):
        rec = dict(RECORD)
        del rec["r"]
        with pytest.raises(InvalidArchitectureError,
                           match=r"needs the fields \['d', 'ks', 'e', 'r'\]; missing \['r'\]"):
            SPACE.from_record(rec)

    def test_record_of_wrong_length(self):
        with pytest.raises(InvalidArchitectureError,
                           match="field 'ks' must have 20 values; got 19"):
            SPACE.from_record(record(ks=RECORD["ks"][:19]))

    def test_record_field_not_a_sequence(self):
        with pytest.raises(InvalidArchitectureError,
                           match="field 'e' must be a sequence of 20 values; got '66'"):
            SPACE.from_record(record(e="66"))

    def test_inactive_slot_with_a_value_not_allowed(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"field 'ks' block 2 \(stage 0, block 2\): 9 is not allowed"):
            SPACE.from_record(record(ks=[7, 5, 9] + RECORD["ks"][3:]))

    def test_active_slot_without_a_value(self):
        with pytest.raises(InvalidArchitectureError,
                           match="field 'e' block 0 .*: None is not allowed"):
            OFAArch(ks=RECORD["ks"], e=[None] * 20, d=RECORD["d"], r=204)

    def test_boolean_is_not_a_depth(self):
        with pytest.raises(InvalidArchitectureError,
                           match="field 'd' stage 0: True is not allowed"):
            SPACE.from_record(record(d=[True, 2, 2, 2, 2]))

    def test_input_shape_needs_the_resolution(self):
        with pytest.raises(ValueError, match="pass 'arch' \\(or 'input_size'\\); got neither"):
            SPACE.input_shape(1)


class TestBuild:
    def test_input_is_the_architectures_resolution(self):
        assert SPACE.input_shape(2, arch=RECORD_ID) == (2, 3, 204, 204)
        assert SPACE.input_shape(1, input_size=160) == (1, 3, 160, 160)

    @pytest.mark.needs("torch")
    def test_forward_at_its_resolution(self):
        arch = SPACE.from_record(record(r=128))
        model = SPACE.build(arch)
        with torch.no_grad():
            assert model(torch.randn(SPACE.input_shape(1, arch=arch))).shape == (1, 1000)

    @pytest.mark.needs("torch")
    def test_structure(self):
        model = SPACE.build(RECORD_ID)
        blocks = list(model.blocks)
        assert len(blocks) == 1 + 11 and blocks[0].residual  # fixed first block, 16 -> 16
        has_se = [any(isinstance(m, SqueezeExcite) for m in b.modules()) for b in blocks[1:]]
        assert has_se == [False, False, True, True, False, False, True, True, True, True, True]
        assert isinstance(blocks[-1].body[0][2], torch.nn.Hardswish)
        assert isinstance(blocks[1].body[0][2], torch.nn.ReLU)
        assert blocks[1].body[1][0].kernel_size == (7, 7)
        assert blocks[1].body[0][0].out_channels == 16 * 6
        assert [b.residual for b in blocks[1:3]] == [False, True]
        assert model.head[0].out_channels == 960
        assert model.post_pool[0].out_channels == 1280
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.post_pool.modules())
        params = sum(p.numel() for p in model.parameters())
        assert 2e6 < params < 8e6  # OFA MobileNetV3 sub-networks have 3 to 8 M parameters
        np.testing.assert_equal(model.stem[0].stride, (2, 2))
