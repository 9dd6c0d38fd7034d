"""The small interface every search space implements.

A space is a set of named categorical decisions (``params``). An architecture is the space's
own immutable value (a tuple for cell spaces, a frozen dataclass for Once-for-All) with a
canonical string id: ``space.to_id(space.from_id(s)) == s`` for every canonical ``s``.
Every method that takes an architecture also accepts its id.

Predictors need fixed-length numeric features; the default :meth:`BaseSpace.encode_many`
builds a per-parameter one-hot block plus, for parameters sharing the same choices (the ops of
a cell, the blocks of a chain), the count of each choice. Inactive parameters (blocks beyond a
stage's depth) encode as all zeros.
"""

from __future__ import annotations

import abc
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.exceptions import InvalidArchitectureError

if TYPE_CHECKING:
    import optuna
    import torch

__all__ = ["BaseSpace", "Arch", "as_rng"]

Arch = Any
"""A space's architecture value; every space documents its own type."""

_ENUMERATE_LIMIT = 2_000_000


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Return a numpy ``Generator`` from a generator, a seed or ``None``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"The 'rng' argument must be a numpy Generator, an int seed or None; "
                    f"got {type(rng).__name__}.")


class BaseSpace(abc.ABC):
    """Base class of search spaces.

    Subclasses set :attr:`name` and :attr:`data_folder`, define :attr:`params`, the id
    conversions, the parameter conversions and :meth:`build`. The rest has working defaults.
    """

    name: ClassVar[str]
    """Registry name, e.g. ``"nasbench201"``."""

    data_folder: ClassVar[str]
    """Folder holding this space's tables in a data directory (``<dir>/<data_folder>/``)."""

    latency_scale: ClassVar[str] = "log"
    """The scale :class:`~oneproxy_plugins.adaproxy.AdaProxyPredictor` models this space's
    latency in by default (its ``scale="auto"``): ``"log"``, or ``"ms"`` where latency adds up
    over the ops across a wide range (NAS-Bench-201's cells)."""

    # ----------------------------------------------------------------- what subclasses define
    @property
    @abc.abstractmethod
    def params(self) -> Mapping[str, tuple]:
        """Ordered mapping of parameter name to its allowed choices (Optuna-compatible)."""

    @abc.abstractmethod
    def to_id(self, arch: Arch) -> str:
        """Canonical string id of an architecture."""

    @abc.abstractmethod
    def _parse_id(self, arch_id: str) -> Arch:
        """Parse a string id; raise :class:`InvalidArchitectureError` when malformed."""

    @abc.abstractmethod
    def _from_params(self, params: Mapping[str, Any]) -> Arch:
        """Architecture from a complete, already validated parameter dict."""

    @abc.abstractmethod
    def to_params(self, arch: Arch) -> dict[str, Any]:
        """Parameter dict of an architecture (every name in :attr:`params`)."""

    @abc.abstractmethod
    def build(self, arch: Arch, **cfg: Any) -> torch.nn.Module:
        """A runnable PyTorch module of the architecture, for latency measurement."""

    @abc.abstractmethod
    def input_shape(self, batch_size: int = 1, **cfg: Any) -> tuple[int, ...]:
        """Shape of the input tensor that :meth:`build`'s module expects."""

    def from_record(self, record: Mapping[str, Any]) -> Arch:
        """Architecture from one row of this space's ``architectures`` file in a data dir."""
        raise NotImplementedError(f"Space {self.name!r} has no data-file record format.")

    # ------------------------------------------------------------------- generic behaviour
    def _is_arch(self, value: Any) -> bool:
        """Whether ``value`` is already this space's architecture type."""
        return isinstance(value, tuple)

    def _active(self, arch: Arch) -> dict[str, bool]:
        """Which parameters matter for ``arch`` (all, unless a space says otherwise)."""
        return dict.fromkeys(self.params, True)

    def coerce(self, arch: Arch | str) -> Arch:
        """Return ``arch`` as this space's architecture value, parsing a string id."""
        if isinstance(arch, str):
            return self.from_id(arch)
        if self._is_arch(arch):
            return arch
        raise InvalidArchitectureError(
            f"Expected a {self.name} architecture or its string id; got {type(arch).__name__} "
            f"{arch!r}.")

    def from_id(self, arch_id: str) -> Arch:
        """Parse a canonical (or equivalent) string id.

        Raises:
            InvalidArchitectureError: Malformed id, unknown op, wrong length or out-of-range value.
        """
        if not isinstance(arch_id, str):
            raise InvalidArchitectureError(
                f"A {self.name} architecture id must be a str; got {type(arch_id).__name__}.")
        return self._parse_id(arch_id.strip())

    def canonical_id(self, arch: Arch | str) -> str:
        """Canonical id of an architecture or of any id that parses to it."""
        return self.to_id(self.coerce(arch))

    def from_params(self, params: Mapping[str, Any]) -> Arch:
        """Architecture from a parameter dict such as ``trial.params``.

        Extra keys are ignored (a trial may hold other hyperparameters); every parameter of
        the space must be present with an allowed value.
        """
        if not isinstance(params, Mapping):
            raise InvalidArchitectureError(
                f"The 'params' argument must be a mapping; got {type(params).__name__}.")
        checked = {}
        for name, choices in self.params.items():
            if name not in params:
                raise InvalidArchitectureError(
                    f"Parameter {name!r} of space {self.name!r} is missing; expected all of "
                    f"{list(self.params)}.")
            value = params[name]
            try:
                position = list(choices).index(value)
            except (ValueError, TypeError):
                position = -1
            if position < 0 or isinstance(value, bool):
                raise InvalidArchitectureError(
                    f"Parameter {name!r} of space {self.name!r}: {value!r} is not allowed; "
                    f"allowed: {list(choices)}.")
            checked[name] = choices[position]  # the choice itself, not e.g. numpy's 3 or 3.0
        return self._from_params(checked)

    def suggest(self, trial: optuna.trial.BaseTrial) -> Arch:
        """Suggest an architecture with Optuna categorical parameters named as :attr:`params`."""
        return self.from_params(
            {name: trial.suggest_categorical(name, list(choices))
             for name, choices in self.params.items()})

    def distributions(self) -> dict[str, optuna.distributions.CategoricalDistribution]:
        """Optuna distributions of every parameter, for samplers that need the joint space."""
        from oneproxy_plugins._imports import optional_import

        distributions = optional_import("optuna.distributions")
        return {name: distributions.CategoricalDistribution(list(choices))
                for name, choices in self.params.items()}

    def sample(self, rng: np.random.Generator | int | None = None) -> Arch:
        """Draw one architecture, each parameter uniform over its choices."""
        rng = as_rng(rng)
        return self.from_params({name: choices[int(rng.integers(len(choices)))]
                                 for name, choices in self.params.items()})

    def sample_many(self, n: int, rng: np.random.Generator | int | None = None, *,
                    unique: bool = True) -> list[Arch]:
        """Draw ``n`` architectures (distinct when ``unique``)."""
        n = check_int("n", n, 0)
        if unique and n > self.size:
            raise ValueError(f"Cannot draw {n} distinct architectures from space {self.name!r} "
                             f"of size {self.size}.")
        rng = as_rng(rng)
        out: list[Arch] = []
        seen: set[str] = set()
        while len(out) < n:
            arch = self.sample(rng)
            key = self.to_id(arch)
            if unique and key in seen:
                continue
            seen.add(key)
            out.append(arch)
        return out

    @property
    def size(self) -> int:
        """Number of distinct architectures (default: product of the choice counts)."""
        return math.prod(len(c) for c in self.params.values())

    def enumerate(self) -> Iterator[Arch]:
        """Yield every architecture of a small space.

        Raises:
            ValueError: The space is too large to enumerate.
        """
        if self.size > _ENUMERATE_LIMIT:
            raise ValueError(f"Space {self.name!r} has {self.size:.3g} architectures; enumerate() "
                             f"is only offered for spaces of at most {_ENUMERATE_LIMIT}.")
        names = list(self.params)
        seen: set[str] = set()
        for values in itertools.product(*self.params.values()):
            arch = self._from_params(dict(zip(names, values)))
            key = self.to_id(arch)
            if key not in seen:
                seen.add(key)
                yield arch

    # ---------------------------------------------------------------------- encoding
    def _count_groups(self) -> dict[str, list[str]]:
        """Parameters whose choice counts are features: default, those sharing a choice tuple
        (only groups of two or more parameters)."""
        groups: dict[tuple, list[str]] = {}
        for name, choices in self.params.items():
            groups.setdefault(tuple(choices), []).append(name)
        return {f"{names[0]}..{names[-1]}": names
                for names in groups.values() if len(names) > 1}

    def feature_names(self) -> list[str]:
        """Names of the columns of :meth:`encode_many`."""
        names = [f"{p}={c}" for p, choices in self.params.items() for c in choices]
        for group, members in self._count_groups().items():
            names += [f"count[{group}]={c}" for c in self.params[members[0]]]
        return names

    def _choice_index_matrix(self, archs: Sequence[Arch]) -> np.ndarray:
        """Integer matrix ``(n_archs, n_params)`` of choice indices, -1 where inactive."""
        lookups = [{c: i for i, c in enumerate(ch)} for ch in self.params.values()]
        names = list(self.params)
        out = np.empty((len(archs), len(names)), dtype=np.int64)
        for row, arch in enumerate(archs):
            params = self.to_params(arch)
            active = self._active(arch)
            out[row] = [lk[params[n]] if active[n] else -1 for n, lk in zip(names, lookups)]
        return out

    def encode_many(self, archs: Iterable[Arch | str]) -> np.ndarray:
        """Encode architectures (or ids) as a float matrix ``(n_archs, n_features)``.

        Columns: a one-hot block per parameter, then the count of each choice within every
        group of parameters that share the same choices. See :meth:`feature_names`.
        """
        archs = [self.coerce(a) for a in archs]
        index = self._choice_index_matrix(archs)
        sizes = [len(c) for c in self.params.values()]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        onehot = np.zeros((len(archs), int(sum(sizes))), dtype=np.float64)
        rows, cols = np.nonzero(index >= 0)
        onehot[rows, offsets[cols] + index[rows, cols]] = 1.0
        blocks = [onehot]
        names = list(self.params)
        for members in self._count_groups().values():
            cols_idx = [names.index(m) for m in members]
            k = sizes[cols_idx[0]]
            sub = index[:, cols_idx]
            counts = np.stack([(sub == j).sum(axis=1) for j in range(k)], axis=1)
            blocks.append(counts.astype(np.float64))
        return np.concatenate(blocks, axis=1)

    def encode(self, arch: Arch | str) -> np.ndarray:
        """Encode one architecture as a float vector ``(n_features,)``."""
        return self.encode_many([arch])[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
