"""Tests of ``oneproxy_plugins.spaces.nasbench201``."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces import NASBench201Space
from oneproxy_plugins.spaces.nasbench201 import NB201_OPS

try:  # the bare core has no PyTorch; the tests that need it are marked needs("torch")
    import torch
except ImportError:
    torch = None

SPACE = NASBench201Space()
ARCH_ID = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"


class TestRealData:
    pytestmark = pytest.mark.shared_data

    def test_every_row_parses_to_its_own_string(self, nb201_rows):
        assert len(nb201_rows) == 15625
        for row in nb201_rows:
            assert SPACE.to_id(SPACE.from_record(row)) == row["arch"]

    def test_enumerate_follows_the_benchmark_index(self, nb201_rows):
        by_index = sorted(nb201_rows, key=lambda r: int(r["index"]))
        assert [int(r["index"]) for r in by_index] == list(range(15625))
        assert [SPACE.to_id(a) for a in SPACE.enumerate()] == [r["arch"] for r in by_index]


class TestSpace:
    def test_params_and_size(self):
        assert list(SPACE.params) == ["edge_0_1", "edge_0_2", "edge_1_2", "edge_0_3", "edge_1_3",
                                      "edge_2_3"]
        assert all(c == NB201_OPS for c in SPACE.params.values())
        assert SPACE.size == 15625 == len(set(SPACE.enumerate()))

    def test_from_id(self):
        assert SPACE.from_id(ARCH_ID) == ("nor_conv_3x3", "none", "skip_connect", "avg_pool_3x3",
                                          "none", "nor_conv_1x1")

    def test_encode_counts_ops(self):
        vec = SPACE.encode(ARCH_ID)
        assert vec.shape == (35,)
        np.testing.assert_array_equal(vec[30:], [2, 1, 1, 1, 1])  # none, skip, 1x1, 3x3, pool

    def test_from_record_needs_arch(self):
        with pytest.raises(InvalidArchitectureError,
                           match="needs an 'arch' column; got \\['index', 'ops'\\]"):
            SPACE.from_record({"index": "0", "ops": "x"})


class TestLiveOps:
    """Ops on some input-to-output path of the cell (the latency features)."""

    DEAD = "|nor_conv_3x3~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"

    def test_hand_checked_cells(self):
        live = SPACE.live_edges([ARCH_ID, self.DEAD])
        # ARCH_ID: 0->1->2->3 and 0->3 are paths; only the none edges are dead
        np.testing.assert_array_equal(live[0], [True, False, True, True, False, True])
        # DEAD: node 2 has no input and node 1 no output: only the pool on 0->3 is live
        np.testing.assert_array_equal(live[1], [False, False, False, True, False, False])
        np.testing.assert_array_equal(SPACE.live_op_counts([ARCH_ID, self.DEAD]),
                                      [[1, 1, 1, 1], [0, 0, 0, 1]])

    def test_output_cut_off_means_nothing_is_live(self):
        cut = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|none~1|none~2|"
        assert not SPACE.live_edges([cut]).any()
        assert SPACE.live_op_counts([cut]).sum() == 0

    def test_against_a_path_enumeration(self):
        """Brute force: an edge is live iff it lies on one of the four input-output paths."""
        from oneproxy_plugins.spaces.nasbench201 import NB201_EDGES

        paths = [[(3, 0)], [(1, 0), (3, 1)], [(2, 0), (3, 2)], [(1, 0), (2, 1), (3, 2)]]
        archs = list(SPACE.enumerate())[::7]
        live = SPACE.live_edges(archs)
        for arch, row in zip(archs, live):
            op = dict(zip(NB201_EDGES, arch))
            on_path = {e for p in paths if all(op[e] != "none" for e in p) for e in p}
            assert [e in on_path for e in NB201_EDGES] == row.tolist()

    def test_latency_encoding_appends_the_live_counts(self):
        archs = SPACE.sample_many(40, rng=1)
        enc = SPACE.encode_latency_many(archs)
        assert enc.shape == (40, 39) == (40, len(SPACE.latency_feature_names()))
        np.testing.assert_array_equal(enc[:, :35], SPACE.encode_many(archs))
        np.testing.assert_array_equal(enc[:, 35:], SPACE.live_op_counts(archs))
        assert SPACE.latency_feature_names()[35:] == [f"live[ops]={op}" for op in NB201_OPS[1:]]
        # never more live ops than ops
        assert (enc[:, 35:] <= enc[:, 31:35]).all()


class TestErrors:
    @pytest.mark.parametrize("arch_id", ["", "|none~0|", "|none~0|+|none~0|none~1|", "a+b+c"])
    def test_malformed(self, arch_id):
        with pytest.raises(InvalidArchitectureError, match="Malformed nasbench201 arch string"):
            SPACE.from_id(arch_id)

    def test_wrong_number_of_inputs(self):
        with pytest.raises(InvalidArchitectureError, match="node 2 has 1 inputs; expected 2"):
            SPACE.from_id("|none~0|+|none~0|+|none~0|none~1|none~2|")

    def test_unknown_op(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"unknown op 'conv_5x5' on edge 0->1; allowed: \['none', 'skip"):
            SPACE.from_id(ARCH_ID.replace("nor_conv_3x3", "conv_5x5"))

    def test_wrong_input_index(self):
        with pytest.raises(InvalidArchitectureError, match="input '~2' of node 2 should be '~1'"):
            SPACE.from_id("|none~0|+|none~0|none~2|+|none~0|none~1|none~2|")

    def test_tuple_with_an_unknown_op(self):
        with pytest.raises(InvalidArchitectureError, match="Expected a nasbench201 architecture"):
            SPACE.coerce(("none",) * 5 + ("conv",))


class TestBuild:
    @pytest.mark.needs("torch")
    def test_cifar_network(self):
        model = SPACE.build(ARCH_ID, C=8, N=1)
        with torch.no_grad():
            assert model(torch.randn(SPACE.input_shape(2))).shape == (2, 10)

    @pytest.mark.needs("torch")
    def test_imagenet16_network(self):
        model = SPACE.build(ARCH_ID, C=8, N=1, num_classes=120)
        assert SPACE.input_shape(1, input_size=16) == (1, 3, 16, 16)
        with torch.no_grad():
            assert model(torch.randn(SPACE.input_shape(1, input_size=16))).shape == (1, 120)

    @pytest.mark.parametrize(("cfg", "message"), [
        ({"C": 0}, "'C' argument must be an int >= 1; got 0"),
        ({"N": 1.5}, "'N' argument must be an int >= 1; got 1.5"),
        ({"num_classes": 0}, "'num_classes' argument must be an int >= 1; got 0"),
    ])
    @pytest.mark.needs("torch")
    def test_bad_config(self, cfg, message):
        with pytest.raises(ValueError, match=message):
            SPACE.build(ARCH_ID, **cfg)
