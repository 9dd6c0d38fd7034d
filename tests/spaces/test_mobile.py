"""Tests of ``oneproxy_plugins.spaces._mobile``: the machinery of the chain and elastic spaces,
on layouts small enough to enumerate."""

from __future__ import annotations

import dataclasses

import pytest

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces._mobile import (ElasticArch, ElasticLayout, ElasticSpace,
                                             LayerChoiceSpace)

TINY = ElasticLayout("tiny", depth_choices=((1, 2), (1,)), ks_choices=(3, 5), e_choices=(3,))
TINY_R = dataclasses.replace(TINY, resolutions=(32, 64))


@dataclasses.dataclass(frozen=True)
class TinyArch(ElasticArch):
    layout = TINY


@dataclasses.dataclass(frozen=True)
class TinyArchR(ElasticArch):
    r: int
    layout = TINY_R


class TinySpace(ElasticSpace):
    name = "tiny"
    data_folder = "tiny"
    layout = TINY
    arch_class = TinyArch

    def build(self, arch, **cfg):
        raise NotImplementedError

    def input_shape(self, batch_size=1, **cfg):
        return (batch_size, 3, 8, 8)


class TinySpaceR(TinySpace):
    layout = TINY_R
    arch_class = TinyArchR


class TwoLayers(LayerChoiceSpace):
    name = "two"
    data_folder = "two"
    layer_choices = (("a", "b"), ("a", "b", "none"))

    def build(self, arch, **cfg):
        raise NotImplementedError

    def input_shape(self, batch_size=1, **cfg):
        return (batch_size,)


class TestElasticSpace:
    @pytest.mark.parametrize(("space", "size"), [(TinySpace(), 12), (TinySpaceR(), 24)])
    def test_size_is_the_number_of_distinct_networks(self, space, size):
        # stage 0: 2 (depth 1) + 2 * 2 (depth 2) kernel choices; stage 1: 2; resolutions: 2
        archs = list(space.enumerate())
        assert space.size == size == len(archs) == len(set(archs))
        assert len({space.to_id(a) for a in archs}) == size

    def test_params_skip_fixed_stages(self):
        assert list(TinySpaceR().params) == ["ks_00", "ks_01", "ks_02", "e_00", "e_01", "e_02",
                                             "d_0", "r"]  # no d_1: stage 1 has one depth
        assert list(TinySpace().params)[-1] == "d_0"

    def test_ids(self):
        space = TinySpaceR()
        arch = TinyArchR(ks=(5, 3, 3), e=(3, 3, 3), d=(1, 1), r=64)
        assert arch.ks == (5, None, 3)
        assert space.to_id(arch) == "d=1,1;ks=5|3;e=3|3;r=64"
        assert space.from_id("d=1,1;ks=5|3;e=3|3;r=64") == arch

    def test_stages(self):
        arch = TinyArch(ks=(5, 3, 5), e=(3, 3, 3), d=(2, 1))
        assert arch.stages() == [[(5, 3), (3, 3)], [(5, 3)]]

    def test_depth_of_a_fixed_stage(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"tiny field 'd' stage 1: 2 is not allowed; allowed: \[1\]"):
            TinyArch(ks=(3, 3, 3), e=(3, 3, 3), d=(1, 2))


class TestLayerChoiceSpace:
    def test_size_and_count_group(self):
        space = TwoLayers()
        assert space.size == 6 == len(list(space.enumerate()))
        # the count block lists the layer with the most choices first, so 'none' is counted
        assert space.feature_names()[-3:] == ["count[ops]=a", "count[ops]=b", "count[ops]=none"]
        assert space.encode("b none").tolist() == [0, 1, 0, 0, 1, 0, 1, 1]

    def test_restricted_layer(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"two layer 0 \('layer_00'\) of 'none a': 'none' is not allowed; "
                                 r"allowed: \['a', 'b'\]"):
            TwoLayers().from_id("none a")
