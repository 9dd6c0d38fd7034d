"""Tests of oneproxy_plugins.nni.hub: NNI samples to package architecture ids."""

from __future__ import annotations

import random

import pytest

from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.nni import hub
from oneproxy_plugins.nni.hub import (OFA_NNI_KWARGS, SampleMapping, UnsupportedSampleError,
                                      find_mapping, list_mappings, sample_to_arch_id)
from oneproxy_plugins.spaces import get_space

NB201_SAMPLE = {"cell/0_1": "conv_3x3", "cell/0_2": "none", "cell/1_2": "skip_connect",
                "cell/0_3": "avg_pool_3x3", "cell/1_3": "none", "cell/2_3": "conv_1x1"}
NB201_ID = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"


def random_samples(model_space, n: int, seed: int = 0) -> list[dict]:
    """Uniform samples of an NNI model space, read from its own ``simplify()``."""
    rng = random.Random(seed)
    mutables = model_space.simplify()
    return [{label: rng.choice(list(m.values)) for label, m in mutables.items()}
            for _ in range(n)]


@pytest.fixture(scope="module")
def hub_spaces():
    pytest.importorskip("nni")
    from nni.nas.hub.pytorch import MobileNetV3Space, NasBench201, ProxylessNAS

    return {"nasbench201": NasBench201(), "proxylessnas": ProxylessNAS(),
            "tunas": MobileNetV3Space(), "ofa": MobileNetV3Space(**OFA_NNI_KWARGS)}


class TestSampleToArchId:
    def test_nasbench201_sample(self):
        assert sample_to_arch_id(NB201_SAMPLE) == NB201_ID

    def test_nasbench201_hub_space_round_trip(self, hub_spaces):
        mapping = find_mapping(hub_spaces["nasbench201"])
        assert (mapping.space, mapping.prefix) == ("nasbench201", "cell/")
        space = get_space("nasbench201")
        for sample in random_samples(hub_spaces["nasbench201"], 50):
            arch = space.from_id(mapping.arch_id(sample))
            # every edge op is NNI's name with the benchmark's "nor_" prefix where it has one
            assert [op.replace("nor_", "") for op in arch] == [
                sample[f"cell/{src}_{dst}"] for dst, src in ((1, 0), (2, 0), (2, 1), (3, 0),
                                                             (3, 1), (3, 2))]
            assert mapping.sample(arch) == sample

    def test_proxylessnas_depths_become_zero_layers(self, hub_spaces):
        mapping = find_mapping(hub_spaces["proxylessnas"])
        assert mapping.space == "proxylessnas"
        for sample in random_samples(hub_spaces["proxylessnas"], 30):
            ops = get_space("proxylessnas").from_id(mapping.arch_id(sample))
            for s, stage in enumerate(range(2, 7)):
                depth = sample[f"s{stage}_depth"]
                block = ops[4 * s:4 * s + 4]
                assert block[depth:] == ("zero",) * (4 - depth)
                assert list(block[:depth]) == [
                    sample[f"s{stage}_i{j}"].replace("e", "_e") for j in range(depth)]
            assert ops[-1] == sample["s7_i0"].replace("e", "_e")
            # a round trip keeps every active choice (inactive ones are free in NNI's sample)
            assert mapping.arch_id(mapping.sample(ops)) == get_space("proxylessnas").to_id(ops)

    def test_ofa_mobilenetv3_space(self, hub_spaces):
        mapping = find_mapping(hub_spaces["ofa"])
        assert mapping.space == "ofa_mbv3"
        space = get_space("ofa_mbv3")
        for sample in random_samples(hub_spaces["ofa"], 30):
            sample.update(stem_ks=3, s0_i0_ks=3)  # OFA's fixed stem (others warn, see below)
            arch = space.from_id(mapping.arch_id(sample, resolution=160))
            assert arch.r == 160
            assert list(arch.d) == [sample[f"s{s}_depth"] for s in range(1, 6)]
            for s, stage in enumerate(arch.stages()):
                assert stage == [(sample[f"s{s + 1}_i{j}_ks"], int(sample[f"s{s + 1}_i{j}_exp"]))
                                 for j in range(arch.d[s])]
            assert mapping.arch(mapping.sample(arch), resolution=160) == arch
        assert space.from_id(mapping.arch_id(sample)).r == 224

    def test_ofa_ignored_choices_warn(self, hub_spaces):
        sample = random_samples(hub_spaces["ofa"], 1)[0]
        sample["stem_ks"] = 5
        with pytest.warns(UserWarning, match="ignored: the latency is that of the OFA"):
            sample_to_arch_id(sample)

    def test_tunas_default_space_outside_ofa(self, hub_spaces):
        sample = random_samples(hub_spaces["tunas"], 1)[0]
        sample.update({"s1_depth": 1})
        with pytest.raises(InvalidArchitectureError,
                           match=r"'s1_depth': 1 is outside the Once-for-All space \(allowed: "
                                 r"\[2, 3, 4\]\); build NNI's space as MobileNetV3Space"):
            sample_to_arch_id(sample, "ofa_mbv3")

    def test_parameter_labels_with_scope(self):
        space = get_space("nasbench201")
        arch = space.sample(3)
        sample = {f"net/{k}": v for k, v in space.to_params(arch).items()}
        sample["lr"] = 0.1  # an evaluator's own choice rides along
        assert sample_to_arch_id(sample) == space.to_id(arch)
        assert find_mapping(sample).prefix == "net/"

    def test_most_labels_win(self):
        fbnet = get_space("fbnet")
        sample = fbnet.to_params(fbnet.sample(0))  # layer_00..21 holds proxylessnas' 00..20
        assert find_mapping(sample).space == "fbnet"
        assert find_mapping(list(sample)[:21], "proxylessnas").space == "proxylessnas"


class TestErrors:
    def test_unsupported_sample_lists_supported(self):
        with pytest.raises(UnsupportedSampleError,
                           match=r"No supported NNI model space has the labels of this sample "
                                 r"\(labels: conv, depth\); supported: nni\.nas\.hub\.pytorch\."
                                 r"NasBench201 -> nasbench201; nni\.nas\.hub\.pytorch\."
                                 r"ProxylessNAS"):
            sample_to_arch_id({"conv": 3, "depth": 2})

    def test_unsupported_is_a_lookup_error(self):
        with pytest.raises(LookupError, match="of space 'fbnet'"):
            find_mapping(NB201_SAMPLE, "fbnet")

    def test_ambiguous(self):
        """A plugin's mapping joins the built-ins through the registry (here: one that claims
        NAS-Bench-201's labels for another space)."""
        import types

        from oneproxy_plugins.plugins import hookimpl, register_plugin, unregister_plugin

        twin = SampleMapping("twin", "fbnet", hub._NB201_LABELS, hub._nb201_to_arch,
                             hub._nb201_to_values)
        register_plugin(types.SimpleNamespace(
            oneproxy_add_sample_mappings=hookimpl(lambda: [twin])), name="twin-mapping")
        try:
            assert "twin" in [m.name for m in hub.list_mappings()]
            with pytest.raises(UnsupportedSampleError,
                               match="The labels fit both '(nasbench201|fbnet)' and "
                                     "'(fbnet|nasbench201)': pass space=<name>"):
                find_mapping(NB201_SAMPLE)
        finally:
            unregister_plugin("twin-mapping")
        assert find_mapping(NB201_SAMPLE).space == "nasbench201"

    def test_bad_value_names_label(self):
        with pytest.raises(InvalidArchitectureError,
                           match=r"NNI NasBench201 label '0_2': 'conv_5x5' is not allowed; "
                                 r"allowed: \['none', 'skip_connect', 'conv_1x1'"):
            sample_to_arch_id({**NB201_SAMPLE, "cell/0_2": "conv_5x5"})

    def test_missing_label(self):
        mapping = find_mapping(NB201_SAMPLE)
        sample = dict(NB201_SAMPLE)
        del sample["cell/2_3"]
        with pytest.raises(InvalidArchitectureError, match=r"lacks label\(s\) \['cell/2_3'\]"):
            mapping.arch(sample)

    def test_proxyless_zero_inside_stage_has_no_nni_sample(self):
        mapping = next(m for m in list_mappings() if m.name.endswith("ProxylessNAS"))
        ops = ["k3_e3", "zero", "k5_e3", "zero"] + ["k3_e3"] * 16 + ["k7_e6"]
        with pytest.raises(InvalidArchitectureError, match="'zero' must come after every other"):
            mapping.sample(" ".join(ops))

    def test_bad_source_type(self):
        with pytest.raises(TypeError, match="Expected an NNI sample"):
            find_mapping(42)


class TestListMappings:
    def test_hub_then_every_package_space(self):
        names = [m.name for m in list_mappings()]
        assert names[:3] == ["nni.nas.hub.pytorch.NasBench201",
                             "nni.nas.hub.pytorch.ProxylessNAS",
                             "nni.nas.hub.pytorch.MobileNetV3Space (Once-for-All choices)"]
        assert {m.space for m in list_mappings()[3:]} >= {"nasbench201", "fbnet", "ofa_mbv3",
                                                           "proxylessnas", "mobilenetv2"}

    def test_choices_cover_labels(self):
        for mapping in list_mappings():
            assert set(mapping.choices) == set(mapping.labels)
