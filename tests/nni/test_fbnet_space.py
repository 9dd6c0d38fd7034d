"""Tests of oneproxy_plugins.nni.fbnet_space: FBNet as an NNI model space."""

from __future__ import annotations

import pytest

pytest.importorskip("nni")

import torch  # noqa: E402
from nni.nas.nn.pytorch import ModelSpace  # noqa: E402

from oneproxy_plugins.nni.fbnet_space import FBNetModelSpace  # noqa: E402
from oneproxy_plugins.nni.hub import find_mapping, sample_to_arch_id  # noqa: E402
from oneproxy_plugins.spaces import FBNetSpace  # noqa: E402


@pytest.fixture(scope="module")
def model_space():
    return FBNetModelSpace()


class TestFBNetModelSpace:
    def test_labels_and_choices_are_the_package_parameters(self, model_space):
        assert isinstance(model_space, ModelSpace)
        mutables = model_space.simplify()
        params = FBNetSpace().params
        assert list(mutables) == list(params)
        assert all(tuple(m.values) == params[label] for label, m in mutables.items())
        assert find_mapping(model_space).space == "fbnet"

    def test_frozen_model_is_the_package_network(self, model_space):
        space = FBNetSpace()
        arch = space.sample(11)
        sample = space.to_params(arch)
        assert sample_to_arch_id(sample) == space.to_id(arch)
        frozen = model_space.freeze(sample).eval()
        reference = space.build(arch)
        assert [tuple(p.shape) for p in frozen.state_dict().values()] == \
            [tuple(p.shape) for p in reference.state_dict().values()]
        reference.load_state_dict(dict(zip(reference.state_dict(),
                                            frozen.state_dict().values())))
        x = torch.randn(2, 3, 32, 32)
        torch.testing.assert_close(frozen(x), reference(x))

    def test_imagenet_variant(self):
        space = FBNetModelSpace(dataset="imagenet", num_classes=10)
        assert space.classifier.out_features == 10
        assert space.training

    def test_bad_dataset(self):
        with pytest.raises(ValueError, match=r"'dataset' argument must be one of \['cifar100', "
                                             r"'imagenet'\]; got 'mnist'"):
            FBNetModelSpace(dataset="mnist")
