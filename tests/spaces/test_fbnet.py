"""Tests of ``oneproxy_plugins.spaces.fbnet``."""

from __future__ import annotations

import numpy as np
import pytest

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces import FBNetSpace
from oneproxy_plugins.spaces.fbnet import FBNET_BLOCKS, FBNET_COSTS

try:  # the bare core has no PyTorch; the tests that need it are marked needs("torch")
    import torch
    from torch import nn
    from oneproxy_plugins.spaces._mbconv_torch import ChannelShuffle, ConvBNAct, MBConv
except ImportError:
    torch = nn = ChannelShuffle = ConvBNAct = MBConv = None

SPACE = FBNetSpace()
ALL_SKIP = ("skip",) * 22


class TestRealData:
    pytestmark = pytest.mark.shared_data

    def test_every_row_parses_to_its_own_ops(self, fbnet_rows):
        assert len(fbnet_rows) == 5000
        for row in fbnet_rows:
            arch = SPACE.from_record(row)
            assert len(arch) == 22
            assert SPACE.to_id(arch) == row["ops"]

    def test_skip_is_used_in_shape_changing_layers(self, fbnet_rows):
        # Why build() turns such a skip into a projection instead of refusing it.
        assert any(SPACE.from_record(r)[1] == "skip" for r in fbnet_rows)

    def test_macs_rank_a_phone(self, fbnet_rows):
        """On phones latency follows compute: the MAC count alone ranks pixel3 well."""
        from pathlib import Path

        from scipy.stats import spearmanr

        from oneproxy_plugins.latency import load_data_dir

        # fbnet_rows skips the test when the shared data is absent
        table = load_data_dir([Path(__file__).resolve().parents[3] / "shared" / "data"], "fbnet")
        macs = SPACE.costs(table.archs)[:, 0]
        assert spearmanr(macs, table.column("pixel3")).statistic > 0.9  # measured 0.949


class TestSpace:
    def test_params_and_size(self):
        assert list(SPACE.params) == [f"layer_{i:02d}" for i in range(22)]
        assert all(c == FBNET_BLOCKS for c in SPACE.params.values())
        assert FBNET_BLOCKS == ("k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2",
                                "k5_e3", "k5_e6", "skip")
        assert SPACE.size == 9**22

    def test_any_whitespace_separates_names(self):
        arch_id = " ".join(SPACE.sample(0))
        assert SPACE.canonical_id(arch_id.replace(" ", " \t ")) == arch_id

    def test_encode_counts_blocks(self):
        arch = ("k3_e1",) * 20 + ("skip", "skip")
        vec = SPACE.encode(arch)
        assert vec.shape == (22 * 9 + 9,)
        np.testing.assert_array_equal(vec[-9:], [20, 0, 0, 0, 0, 0, 0, 0, 2])
        assert SPACE.feature_names()[-1] == "count[ops]=skip"

    def test_from_record_needs_ops(self):
        with pytest.raises(InvalidArchitectureError,
                           match="needs an 'ops' column; got \\['arch', 'index'\\]"):
            SPACE.from_record({"index": 0, "arch": "x"})


class TestErrors:
    def test_unknown_block(self):
        ops = list(SPACE.sample(0))
        ops[3] = "k7_e6"
        with pytest.raises(InvalidArchitectureError,
                           match=r"fbnet layer 3 \('layer_03'\) of '.*': 'k7_e6' is not allowed; "
                                 r"allowed: \['k3_e1', 'k3_e1_g2', .*'skip'\]"):
            SPACE.from_id(" ".join(ops))

    @pytest.mark.parametrize("n", [0, 21, 23])
    def test_wrong_length(self, n):
        with pytest.raises(InvalidArchitectureError,
                           match=f"fbnet architecture has 22 layers .*; got {n} in"):
            SPACE.from_id(" ".join(["k3_e1"] * n))

    def test_tuple_with_an_unknown_block(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"layer 21 \('layer_21'\) .*'zero' is not allowed"):
            SPACE.coerce(ALL_SKIP[:-1] + ("zero",))

    def test_tuple_of_wrong_length(self):
        with pytest.raises(InvalidArchitectureError, match="has 22 layers .*; got 2 in"):
            SPACE.to_id(("skip", "skip"))

    @pytest.mark.needs("torch")
    def test_bad_dataset(self):
        with pytest.raises(ValueError,
                           match=r"'dataset' argument must be one of \['cifar100', 'imagenet'\]; "
                                 r"got 'cifar10'"):
            SPACE.build(ALL_SKIP, dataset="cifar10")

    def test_bad_batch_size(self):
        with pytest.raises(ValueError, match="'batch_size' argument must be an int >= 1; got 0"):
            SPACE.input_shape(0)


class TestBuild:
    @pytest.mark.needs("torch")
    def test_cifar100_defaults(self):
        assert SPACE.input_shape(2) == (2, 3, 32, 32)
        model = SPACE.build(SPACE.sample(3))
        with torch.no_grad():
            assert model(torch.randn(SPACE.input_shape(2))).shape == (2, 100)
        assert model.head[0].out_channels == 1504

    @pytest.mark.needs("torch")
    def test_imagenet_variant(self):
        assert SPACE.input_shape(1, dataset="imagenet") == (1, 3, 224, 224)
        model = SPACE.build(ALL_SKIP, dataset="imagenet")
        assert model.stem[0].stride == (2, 2) and model.head[0].out_channels == 1984
        with torch.no_grad():  # fully convolutional: a small input keeps the test fast
            assert model(torch.randn(1, 3, 64, 64)).shape == (1, 1000)

    @pytest.mark.needs("torch")
    def test_skip_is_identity_or_projection(self):
        blocks = list(SPACE.build(ALL_SKIP).blocks)
        # CIFAR strides [1, 1, 2, 2, 1, 2, 1]: the first layer (16 -> 16, stride 1) keeps its
        # shape; the first layer of every later stage changes width.
        projections = [i for i, b in enumerate(blocks) if isinstance(b, ConvBNAct)]
        assert projections == [1, 5, 9, 13, 17, 21]
        assert all(isinstance(b, nn.Identity) for i, b in enumerate(blocks) if i not in projections)
        assert blocks[5][0].stride == (2, 2) and blocks[1][0].stride == (1, 1)

    @pytest.mark.needs("torch")
    def test_block_structure(self):
        ops = ("k5_e1_g2", "k3_e6") + ("k3_e1",) * 20
        blocks = list(SPACE.build(ops).blocks)
        g2, e6, e1 = blocks[0], blocks[1], blocks[2]
        assert isinstance(g2, MBConv) and g2.residual  # 16 -> 16, stride 1
        assert any(isinstance(m, ChannelShuffle) for m in g2.modules())
        assert g2.body[0][0].groups == 2 and g2.body[2][0].kernel_size == (5, 5)
        assert e6.body[0][0].out_channels == 16 * 6 and not e6.residual
        assert e1.body[0][0].out_channels == 24  # HW-NAS-Bench keeps the 1x1 conv for e1


def _torch_costs(model: nn.Module, input_shape: tuple[int, ...]) -> list[int]:
    """MACs, weights and activations of every conv and linear layer, counted by forward hooks."""
    totals = [0, 0, 0]

    def hook(module, inputs, output):
        per_output = module.weight[0].numel()  # MACs per output element (groups included)
        totals[0] += output.numel() * per_output
        totals[1] += module.weight.numel() + (0 if module.bias is None else module.bias.numel())
        totals[2] += output.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(input_shape))
    for handle in handles:
        handle.remove()
    return totals


class TestCosts:
    @pytest.mark.parametrize("arch", [ALL_SKIP, ("k5_e6",) * 22, ("k3_e1_g2",) * 22,
                                      SPACE.sample(0), SPACE.sample(1)],
                             ids=["skip", "k5_e6", "k3_e1_g2", "sample0", "sample1"])
    @pytest.mark.needs("torch")
    def test_equal_the_built_network(self, arch):
        got = SPACE.costs([arch])[0]
        assert got.tolist() == _torch_costs(SPACE.build(arch), SPACE.input_shape(1))

    @pytest.mark.needs("torch")
    def test_equal_the_built_imagenet_network(self):
        arch = SPACE.sample(2)
        got = SPACE.costs([arch], dataset="imagenet")[0]
        assert got.tolist() == _torch_costs(SPACE.build(arch, dataset="imagenet"),
                                            SPACE.input_shape(1, dataset="imagenet"))

    def test_values_and_ids_agree(self):
        archs = SPACE.sample_many(5, rng=0)
        assert np.array_equal(SPACE.costs(archs), SPACE.costs([SPACE.to_id(a) for a in archs]))
        assert SPACE.costs([]).shape == (0, 3)

    def test_bigger_blocks_cost_more(self):
        e1, e6 = SPACE.costs([("k3_e1",) * 22, ("k3_e6",) * 22])
        assert (e6 > e1).all()
        g1, g2 = SPACE.costs([("k3_e1",) * 22, ("k3_e1_g2",) * 22])
        assert (g2[:2] < g1[:2]).all() and g2[2] == g1[2]  # same maps, half the 1x1 work

    def test_bad_dataset(self):
        with pytest.raises(ValueError, match=r"'dataset' argument must be one of "
                                             r"\['cifar100', 'imagenet'\]; got 'mnist'"):
            SPACE.costs([ALL_SKIP], dataset="mnist")


class TestLatencyFeatures:
    def test_encoding_then_costs_in_millions(self):
        archs = SPACE.sample_many(30, rng=1)
        feats = SPACE.encode_latency_many(archs)
        names = SPACE.latency_feature_names()
        assert feats.shape == (30, 210) == (30, len(names))
        assert names[:207] == SPACE.feature_names()
        assert names[207:] == [f"cost[{c}]" for c in FBNET_COSTS] == [
            "cost[macs]", "cost[params]", "cost[activations]"]
        assert np.array_equal(feats[:, :207], SPACE.encode_many(archs))
        assert np.allclose(feats[:, 207:], SPACE.costs(archs) / 1e6)

    def test_encoding_is_unchanged(self):
        assert SPACE.encode(ALL_SKIP).shape == (207,)
        assert len(SPACE.feature_names()) == 207

    def test_costs_are_linear_in_the_one_hot(self):
        """Each layer's cost depends on its own block: no new directions for linear models."""
        x = SPACE.encode_latency_many(SPACE.sample_many(400, rng=2))
        onehot = np.c_[x[:, :198], np.ones(len(x))]
        fit = np.linalg.lstsq(onehot, x[:, 207:], rcond=None)[0]
        assert np.allclose(onehot @ fit, x[:, 207:])
