"""Tests of ``oneproxy_plugins.spaces._base``: the BaseSpace defaults, and the interface
contract every built-in space must honour (ids, parameters, encoding, Optuna, build)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oneproxy_plugins.exceptions import InvalidArchitectureError, UnknownSpaceError
from oneproxy_plugins.spaces import BUILTIN_SPACES, BaseSpace, as_rng, get_space

try:  # the bare core has no Optuna
    import optuna
except ImportError:
    optuna = None
try:  # the bare core has no PyTorch; the tests that need it are marked needs("torch")
    import torch
except ImportError:
    torch = None

SPACES = [cls() for cls in BUILTIN_SPACES]
ALL_SPACES = pytest.mark.parametrize("space", SPACES, ids=[s.name for s in SPACES])
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True)


def params_of(space: BaseSpace) -> st.SearchStrategy[dict[str, Any]]:
    """Any complete parameter dict of ``space``."""
    return st.fixed_dictionaries({n: st.sampled_from(c) for n, c in space.params.items()})


def assert_parses_or_rejects(space: BaseSpace, text: str) -> None:
    """``text`` is an id of an architecture that round-trips, or InvalidArchitectureError."""
    try:
        arch = space.from_id(text)
    except InvalidArchitectureError:
        return
    assert space.from_id(space.to_id(arch)) == arch


class ToySpace(BaseSpace):
    """Two ops on two edges and a width: the smallest space using every default."""

    name = "toy"
    data_folder = "toy"

    @property
    def params(self) -> Mapping[str, tuple]:
        return {"op_a": ("conv", "pool"), "op_b": ("conv", "pool"), "width": (8, 16, 32)}

    def to_id(self, arch: tuple) -> str:
        return "{}-{}-{}".format(*self.coerce(arch))

    def _parse_id(self, arch_id: str) -> tuple:
        a, b, w = arch_id.split("-")
        return self.from_params({"op_a": a, "op_b": b, "width": int(w)})

    def _from_params(self, params: Mapping[str, Any]) -> tuple:
        return (params["op_a"], params["op_b"], params["width"])

    def to_params(self, arch: tuple) -> dict[str, Any]:
        return dict(zip(self.params, self.coerce(arch)))

    def build(self, arch: tuple, **cfg: Any) -> torch.nn.Module:
        return torch.nn.Identity()

    def input_shape(self, batch_size: int = 1, **cfg: Any) -> tuple[int, ...]:
        return (batch_size, 3, 8, 8)


class TestAsRng:
    def test_generator_passes_through(self):
        rng = np.random.default_rng(0)
        assert as_rng(rng) is rng

    def test_seed_and_none(self):
        assert as_rng(3).integers(1000) == np.random.default_rng(3).integers(1000)
        assert isinstance(as_rng(np.int64(3)), np.random.Generator)
        assert isinstance(as_rng(None), np.random.Generator)

    def test_bad_type(self):
        with pytest.raises(TypeError, match="'rng' argument must be a numpy Generator.*got str"):
            as_rng("seed")


class TestBaseDefaults:
    space = ToySpace()

    def test_size_is_product_of_choices(self):
        assert self.space.size == 12

    def test_enumerate_every_architecture_once(self):
        archs = list(self.space.enumerate())
        assert len(archs) == len(set(archs)) == 12

    def test_enumerate_refuses_large_spaces(self):
        with pytest.raises(ValueError,
                           match="enumerate\\(\\) is only offered for spaces of at most"):
            next(get_space("fbnet").enumerate())

    def test_count_groups_join_parameters_sharing_choices(self):
        assert self.space.feature_names() == [
            "op_a=conv", "op_a=pool", "op_b=conv", "op_b=pool", "width=8", "width=16",
            "width=32", "count[op_a..op_b]=conv", "count[op_a..op_b]=pool"]
        np.testing.assert_array_equal(self.space.encode("pool-pool-16"),
                                      [0, 1, 0, 1, 0, 1, 0, 0, 2])

    def test_encode_many_of_nothing(self):
        assert self.space.encode_many([]).shape == (0, 9)

    def test_from_params_ignores_extra_keys_and_normalises_values(self):
        arch = self.space.from_params({"op_a": "conv", "op_b": "pool", "width": np.int64(16),
                                       "lr": 0.1})
        assert arch == ("conv", "pool", 16) and type(arch[2]) is int

    def test_from_params_not_a_mapping(self):
        with pytest.raises(InvalidArchitectureError,
                           match="'params' argument must be a mapping; got list"):
            self.space.from_params([("op_a", "conv")])

    def test_from_params_missing(self):
        with pytest.raises(InvalidArchitectureError,
                           match="Parameter 'width' of space 'toy' is missing; expected all of"):
            self.space.from_params({"op_a": "conv", "op_b": "conv"})

    @pytest.mark.parametrize("value", [64, "16", True, None])
    def test_from_params_not_allowed(self, value):
        with pytest.raises(InvalidArchitectureError,
                           match=r"'width' of space 'toy': .* not allowed; allowed: \[8, 16, 32\]"):
            self.space.from_params({"op_a": "conv", "op_b": "conv", "width": value})

    def test_from_id_needs_a_string(self):
        with pytest.raises(InvalidArchitectureError, match="id must be a str; got int"):
            self.space.from_id(3)

    def test_coerce_rejects_other_types(self):
        with pytest.raises(InvalidArchitectureError,
                           match="Expected a toy architecture or its string id; got list"):
            self.space.coerce(["conv", "conv", 8])

    def test_sample_many_unique(self):
        archs = self.space.sample_many(12, rng=0)
        assert len(set(archs)) == 12

    def test_sample_many_with_repeats(self):
        assert len(self.space.sample_many(30, rng=0, unique=False)) == 30

    @pytest.mark.parametrize("n", [-1, 1.5, "3"])
    def test_sample_many_bad_n(self, n):
        with pytest.raises(ValueError, match="'n' argument must be an int >= 0"):
            self.space.sample_many(n)

    def test_sample_many_more_than_size(self):
        with pytest.raises(ValueError,
                           match="draw 13 distinct architectures from space 'toy' of size 12"):
            self.space.sample_many(13)

    def test_repr(self):
        assert repr(self.space) == "ToySpace()"


class TestBuiltinSpaces:
    def test_names_are_unique_and_registered(self):
        names = [s.name for s in SPACES]
        assert names == ["nasbench201", "fbnet", "ofa_mbv3", "mobilenetv2", "proxylessnas"]
        for name in names:
            assert get_space(name).name == name

    def test_unknown_space_lists_the_known_ones(self):
        with pytest.raises(UnknownSpaceError,
                           match="Unknown space 'nope'; known: .*fbnet.*ofa_mbv3"):
            get_space("nope")


@ALL_SPACES
class TestIds:
    @PROPERTY
    @given(data=st.data())
    def test_round_trip_from_params(self, space, data):
        arch = space.from_params(data.draw(params_of(space)))
        arch_id = space.to_id(arch)
        assert space.from_id(arch_id) == arch
        assert space.to_id(space.from_id(arch_id)) == arch_id
        assert space.canonical_id(f"  {arch_id}\n") == arch_id
        assert space.coerce(arch_id) == arch

    @PROPERTY
    @given(seed=st.integers(0, 2**63 - 1))
    def test_seeded_samples_round_trip(self, space, seed):
        arch = space.sample(seed)
        assert space.sample(seed) == arch
        assert space.from_id(space.to_id(arch)) == arch
        assert hash(arch) == hash(space.from_id(space.to_id(arch)))

    @PROPERTY
    @given(text=st.text(max_size=120))
    def test_garbage_ids_raise_only_invalid_architecture(self, space, text):
        assert_parses_or_rejects(space, text)

    @PROPERTY
    @given(data=st.data())
    def test_mutated_ids_raise_only_invalid_architecture(self, space, data):
        arch_id = space.to_id(space.sample(data.draw(st.integers(0, 2**32))))
        at = data.draw(st.integers(0, len(arch_id)))
        cut = data.draw(st.integers(0, 3))
        insert = data.draw(st.text(alphabet=st.sampled_from(sorted(set(arch_id)) + ["x", "9"]),
                                    max_size=3))
        assert_parses_or_rejects(space, arch_id[:at] + insert + arch_id[at + cut:])


@ALL_SPACES
class TestParams:
    @PROPERTY
    @given(seed=st.integers(0, 2**32))
    def test_to_params_round_trip(self, space, seed):
        arch = space.sample(seed)
        params = space.to_params(arch)
        assert list(params) == list(space.params)
        assert all(params[n] in space.params[n] for n in params)
        assert space.from_params(params) == arch

    def test_missing_parameter(self, space):
        params = space.to_params(space.sample(0))
        name = list(params)[-1]
        del params[name]
        with pytest.raises(InvalidArchitectureError,
                           match=f"Parameter '{name}' of space '{space.name}' is missing"):
            space.from_params(params)

    def test_value_not_allowed(self, space):
        params = space.to_params(space.sample(0))
        name = list(params)[0]
        params[name] = "not-a-choice"
        with pytest.raises(InvalidArchitectureError,
                           match=f"'{name}' of space '{space.name}': 'not-a-choice' is not"):
            space.from_params(params)


@ALL_SPACES
class TestEncode:
    def test_shape_and_equality_with_encode(self, space):
        archs = space.sample_many(20, rng=0)
        matrix = space.encode_many(archs)
        assert matrix.shape == (20, len(space.feature_names()))
        assert matrix.dtype == np.float64
        for row, arch in zip(matrix, archs):
            np.testing.assert_array_equal(row, space.encode(arch))
        np.testing.assert_array_equal(space.encode_many(space.to_id(a) for a in archs), matrix)

    def test_one_hot_blocks(self, space):
        archs = space.sample_many(20, rng=3)
        n_onehot = sum(len(c) for c in space.params.values())
        onehot = space.encode_many(archs)[:, :n_onehot]
        assert set(np.unique(onehot)) <= {0.0, 1.0}
        # one 1 per active parameter, none for inactive ones
        n_active = [sum(space._active(a).values()) for a in archs]
        np.testing.assert_array_equal(onehot.sum(axis=1), n_active)

    def test_equal_architectures_encode_equally(self, space):
        arch = space.sample(5)
        np.testing.assert_array_equal(space.encode(arch), space.encode(space.to_id(arch)))


@ALL_SPACES
class TestOptuna:
    @pytest.mark.needs("optuna")
    def test_suggest_in_a_real_study(self, space):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))

        def objective(trial: optuna.Trial) -> float:
            arch = space.suggest(trial)
            trial.set_user_attr("arch_id", space.to_id(arch))
            return float(len(space.to_id(arch)))

        study.optimize(objective, n_trials=4)
        for trial in study.trials:
            assert list(trial.params) == list(space.params)
            arch = space.from_params(trial.params)
            assert space.to_id(arch) == trial.user_attrs["arch_id"]
            assert trial.distributions == space.distributions()

    @pytest.mark.needs("optuna")
    def test_enqueued_parameters_are_replayed(self, space):
        arch = space.sample(11)
        study = optuna.create_study()
        study.enqueue_trial(space.to_params(arch))
        study.optimize(lambda t: float(len(space.to_id(space.suggest(t)))), n_trials=1)
        assert space.from_params(study.trials[0].params) == arch


@ALL_SPACES
class TestBuild:
    @pytest.mark.needs("torch")
    def test_forward_pass_of_two_random_archs(self, space):
        for seed in (0, 1):
            arch = space.sample(seed)
            model = space.build(space.to_id(arch) if seed else arch, num_classes=7)
            assert not model.training
            with torch.no_grad():
                out = model(torch.randn(space.input_shape(2, arch=arch)))
            assert out.shape == (2, 7)

    @pytest.mark.parametrize("bad", [0, -3, 2.0, True])
    @pytest.mark.needs("torch")
    def test_bad_num_classes(self, space, bad):
        with pytest.raises(ValueError):
            space.build(space.sample(0), num_classes=bad)
