"""Shared machinery of the mobile (chain-of-blocks) spaces.

Two shapes of space share it:

- :class:`LayerChoiceSpace`: a fixed chain of layers, each choosing one block by name (FBNet,
  ProxylessNAS). The architecture is the tuple of names; the id joins them with single spaces.
- :class:`ElasticSpace`: Once-for-All style stages of up to ``max depth`` inverted-residual
  blocks, each with its own kernel size ``ks`` and expansion ratio ``e``, and a depth ``d`` per
  stage (OFA MobileNetV3, MobileNet-V2). Values of blocks beyond a stage's depth do not change
  the network, so the architecture value (an :class:`ElasticArch` dataclass) stores ``None``
  there: equal networks are equal values with equal ids. Ids read
  ``d=2,3,4,2,2;ks=3,5|7,7,3|...;e=...[;r=224]``, one ``|``-separated group per stage.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces._base import BaseSpace

__all__ = ["LayerChoiceSpace", "ElasticLayout", "ElasticArch", "ElasticSpace",
           "MobileNetV2Skeleton"]

_UINT_RE = re.compile(r"[0-9]+")


def _choice(value: Any, choices: Sequence, where: str | Callable[[], str]) -> Any:
    """The element of ``choices`` equal to ``value`` (so ``numpy.int64(3)`` becomes ``3``).

    ``where`` names the field in the error; a callable is only called on error (hot paths).
    """
    try:
        if value in choices and not isinstance(value, bool):
            return choices[choices.index(value)]
    except (TypeError, ValueError):  # e.g. a numpy array, whose == is elementwise
        pass
    where = where() if callable(where) else where
    raise InvalidArchitectureError(f"{where}: {value!r} is not allowed; allowed: {list(choices)}.")


# ------------------------------------------------------------------------------------ chains
class LayerChoiceSpace(BaseSpace):
    """A chain of layers, each choosing one block name from its own tuple of choices.

    Subclasses set :attr:`layer_choices` (a restricted layer's choices are a prefix of the
    fullest layer's, so that op counts line up). Parameters are ``layer_00``, ``layer_01``, ...;
    the architecture is the tuple of chosen names and its id the names joined by single spaces
    (any whitespace separates names when parsing).
    """

    layer_choices: ClassVar[tuple[tuple[str, ...], ...]]
    """Allowed block names of every layer, in layer order."""

    @cached_property
    def params(self) -> Mapping[str, tuple]:
        return {f"layer_{i:02d}": choices for i, choices in enumerate(self.layer_choices)}

    def _layer_note(self, layer: int) -> str:
        """Why a layer's choices are restricted, for error messages ('' when they are not)."""
        return ""

    def _describe_layer(self, layer: int) -> str:
        note = self._layer_note(layer)
        return f"layer {layer} ('layer_{layer:02d}'{', ' + note if note else ''})"

    def _check_ops(self, ops: tuple, source: object) -> tuple[str, ...]:
        n = len(self.layer_choices)
        if len(ops) != n:
            raise InvalidArchitectureError(
                f"A {self.name} architecture has {n} layers (block names separated by spaces); "
                f"got {len(ops)} in {source!r}.")
        for layer, (op, choices) in enumerate(zip(ops, self.layer_choices)):
            _choice(op, choices,
                    lambda: f"{self.name} {self._describe_layer(layer)} of {source!r}")
        return ops

    def _is_arch(self, value: Any) -> bool:
        return (isinstance(value, tuple) and len(value) == len(self.layer_choices)
                and all(op in choices for op, choices in zip(value, self.layer_choices)))

    def coerce(self, arch: Any) -> tuple[str, ...]:
        if isinstance(arch, tuple) and not self._is_arch(arch):
            self._check_ops(arch, arch)  # raises the precise error (length, layer, name)
        return super().coerce(arch)

    def to_id(self, arch: tuple[str, ...] | str) -> str:
        return " ".join(self.coerce(arch))

    def _parse_id(self, arch_id: str) -> tuple[str, ...]:
        return self._check_ops(tuple(arch_id.split()), arch_id)

    def _from_params(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(params[name] for name in self.params)

    def to_params(self, arch: tuple[str, ...] | str) -> dict[str, Any]:
        return dict(zip(self.params, self.coerce(arch)))

    def from_record(self, record: Mapping[str, Any]) -> tuple[str, ...]:
        """Row of ``<data_folder>/architectures.csv``: the ``ops`` column (the id)."""
        if "ops" not in record:
            raise InvalidArchitectureError(
                f"A {self.name} architecture record needs an 'ops' column; got {sorted(record)}.")
        return self.from_id(str(record["ops"]))

    def _count_groups(self) -> dict[str, list[str]]:
        # The count block takes its choices from the first member: list a layer with the most
        # choices first (restricted layers' choices are a prefix of it, so indices agree).
        names = sorted(self.params, key=lambda n: -len(self.params[n]))
        fullest = self.params[names[0]]
        if any(fullest[:len(c)] != c for c in self.params.values()):
            raise TypeError(f"{type(self).__name__}.layer_choices: every layer's choices must "
                            f"be a prefix of {fullest} for the op counts to line up.")
        return {"ops": names}


# ---------------------------------------------------------------------------- elastic stages
@dataclasses.dataclass(frozen=True)
class ElasticLayout:
    """The stage structure of an elastic (Once-for-All style) space.

    Args:
        space: Space name, used in error messages.
        depth_choices: Allowed depths of every stage; a stage with one choice has a fixed depth
            (no parameter) but its blocks still choose ``ks`` and ``e``.
        ks_choices: Allowed depthwise kernel sizes.
        e_choices: Allowed expansion ratios.
        resolutions: Allowed input resolutions; empty when the resolution is not searched.
    """

    space: str
    depth_choices: tuple[tuple[int, ...], ...]
    ks_choices: tuple[int, ...] = (3, 5, 7)
    e_choices: tuple[int, ...] = (3, 4, 6)
    resolutions: tuple[int, ...] = ()

    @cached_property
    def stage_slots(self) -> tuple[range, ...]:
        """Block-slot indices of every stage (a stage owns ``max(depth_choices)`` slots)."""
        out, start = [], 0
        for choices in self.depth_choices:
            out.append(range(start, start + max(choices)))
            start += max(choices)
        return tuple(out)

    @property
    def n_slots(self) -> int:
        return self.stage_slots[-1].stop

    @cached_property
    def searchable_stages(self) -> tuple[int, ...]:
        return tuple(s for s, c in enumerate(self.depth_choices) if len(c) > 1)

    def describe_slot(self, slot: int) -> str:
        stage = next(s for s, r in enumerate(self.stage_slots) if slot in r)
        return f"block {slot} (stage {stage}, block {slot - self.stage_slots[stage].start})"

    def _sequence(self, field: str, value: Any, length: int) -> tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise InvalidArchitectureError(
                f"{self.space} field {field!r} must be a sequence of {length} values; "
                f"got {value!r}.")
        if len(value) != length:
            raise InvalidArchitectureError(
                f"{self.space} field {field!r} must have {length} values; got {len(value)}: "
                f"{list(value)!r}.")
        return tuple(value)

    def canonical_depths(self, d: Any) -> tuple[int, ...]:
        """Validated stage depths ``d``."""
        d = self._sequence("d", d, len(self.depth_choices))
        return tuple(_choice(v, c, f"{self.space} field 'd' stage {s}")
                     for s, (v, c) in enumerate(zip(d, self.depth_choices)))

    def canonical(self, ks: Any, e: Any, d: Any) -> tuple[tuple, tuple, tuple]:
        """Validated ``(ks, e, d)`` with ``None`` for the ``ks``/``e`` of inactive blocks.

        Inactive blocks may hold ``None`` or any allowed value (Once-for-All lists all 20).

        Raises:
            InvalidArchitectureError: A wrong length or a value that is not allowed.
        """
        d = self.canonical_depths(d)
        active = {slot for depth, slots in zip(d, self.stage_slots) for slot in slots[:depth]}
        out = []
        for field, values, choices in (("ks", ks, self.ks_choices), ("e", e, self.e_choices)):
            checked = []
            for i, v in enumerate(self._sequence(field, values, self.n_slots)):
                if i in active or v is not None:
                    v = _choice(v, choices,
                                lambda: f"{self.space} field {field!r} {self.describe_slot(i)}")
                checked.append(v if i in active else None)
            out.append(tuple(checked))
        return out[0], out[1], d

    def canonical_resolution(self, r: Any) -> int:
        """Validated input resolution ``r``."""
        return _choice(r, self.resolutions, f"{self.space} field 'r'")


@dataclasses.dataclass(frozen=True)
class ElasticArch:
    """Base of elastic architecture values: per-slot ``ks`` and ``e``, per-stage ``d``.

    Construction validates every field and sets the ``ks``/``e`` of blocks beyond a stage's
    depth to ``None``. Subclasses set the class attribute ``layout``, and add a field
    ``r: int`` when the layout has resolutions.
    """

    ks: tuple[int | None, ...]
    e: tuple[int | None, ...]
    d: tuple[int, ...]

    layout: ClassVar[ElasticLayout]

    def __post_init__(self) -> None:
        ks, e, d = self.layout.canonical(self.ks, self.e, self.d)
        object.__setattr__(self, "ks", ks)
        object.__setattr__(self, "e", e)
        object.__setattr__(self, "d", d)
        if self.layout.resolutions:  # subclasses of searched-resolution layouts add ``r``
            object.__setattr__(self, "r", self.layout.canonical_resolution(self.r))

    def stages(self) -> list[list[tuple[int, int]]]:
        """The active blocks as ``(ks, e)`` pairs, one list per stage."""
        return [[(self.ks[i], self.e[i]) for i in slots[:depth]]
                for depth, slots in zip(self.d, self.layout.stage_slots)]


class ElasticSpace(BaseSpace):
    """Once-for-All style space of stages with elastic depth, kernel size and expansion.

    Subclasses set :attr:`layout` and :attr:`arch_class` (an :class:`ElasticArch` subclass,
    with an ``r`` field when the layout has resolutions).

    Parameters: ``ks_00``.. and ``e_00``.. per block slot, ``d_<stage>`` for every stage with
    a depth choice, then ``r`` when the resolution is searched. :meth:`to_params` gives the
    first choice for the ``ks``/``e`` of inactive blocks (they do not matter); those
    parameters are inactive and encode as zeros.
    """

    layout: ClassVar[ElasticLayout]
    arch_class: ClassVar[type[ElasticArch]]

    @cached_property
    def params(self) -> Mapping[str, tuple]:
        lay = self.layout
        out: dict[str, tuple] = {}
        out.update({f"ks_{i:02d}": lay.ks_choices for i in range(lay.n_slots)})
        out.update({f"e_{i:02d}": lay.e_choices for i in range(lay.n_slots)})
        out.update({f"d_{s}": lay.depth_choices[s] for s in lay.searchable_stages})
        if lay.resolutions:
            out["r"] = lay.resolutions
        return out

    @property
    def size(self) -> int:
        per_block = len(self.layout.ks_choices) * len(self.layout.e_choices)
        stages = math.prod(sum(per_block ** depth for depth in choices)
                           for choices in self.layout.depth_choices)
        return stages * max(1, len(self.layout.resolutions))

    def _make(self, ks: Any, e: Any, d: Any, r: Any) -> ElasticArch:
        extra = {"r": r} if self.layout.resolutions else {}
        return self.arch_class(ks=ks, e=e, d=d, **extra)

    def _is_arch(self, value: Any) -> bool:
        return isinstance(value, self.arch_class)

    # ------------------------------------------------------------------------------- ids
    def to_id(self, arch: ElasticArch | str) -> str:
        a = self.coerce(arch)

        def groups(values: tuple) -> str:
            return "|".join(",".join(str(values[i]) for i in slots[:depth])
                            for depth, slots in zip(a.d, self.layout.stage_slots))

        parts = [f"d={','.join(map(str, a.d))}", f"ks={groups(a.ks)}", f"e={groups(a.e)}"]
        if self.layout.resolutions:
            parts.append(f"r={a.r}")
        return ";".join(parts)

    def _id_fields(self) -> tuple[str, ...]:
        return ("d", "ks", "e", "r") if self.layout.resolutions else ("d", "ks", "e")

    def _parse_id(self, arch_id: str) -> ElasticArch:
        expected = self._id_fields()
        example = ";".join(f"{k}=..." for k in expected)
        fields: dict[str, str] = {}
        for part in arch_id.split(";"):
            key, sep, value = (s.strip() for s in part.partition("="))
            if not sep:
                raise InvalidArchitectureError(
                    f"Malformed {self.name} id {arch_id!r}: part {part!r} is not 'field=values'; "
                    f"expected {example!r}.")
            if key not in expected:
                raise InvalidArchitectureError(
                    f"{self.name} id {arch_id!r}: unknown field {key!r}; allowed: "
                    f"{list(expected)}.")
            if key in fields:
                raise InvalidArchitectureError(
                    f"{self.name} id {arch_id!r}: field {key!r} appears more than once.")
            fields[key] = value
        missing = [k for k in expected if k not in fields]
        if missing:
            raise InvalidArchitectureError(
                f"{self.name} id {arch_id!r}: missing field(s) {missing}; expected {example!r}.")

        def ints(field: str, text: str) -> list[int]:
            tokens = [t.strip() for t in text.split(",")]
            for t in tokens:
                if not _UINT_RE.fullmatch(t):
                    raise InvalidArchitectureError(
                        f"{self.name} id {arch_id!r}: field {field!r} holds {t!r}, which is not "
                        f"a non-negative integer.")
            return [int(t) for t in tokens]

        lay = self.layout
        d = lay.canonical_depths(ints("d", fields["d"]))
        slot_values = {}
        for field in ("ks", "e"):
            groups = fields[field].split("|")
            if len(groups) != len(d):
                raise InvalidArchitectureError(
                    f"{self.name} id {arch_id!r}: field {field!r} has {len(groups)} "
                    f"'|'-separated stage groups; expected {len(d)}.")
            values: list[int | None] = [None] * lay.n_slots
            for stage, (group, depth, slots) in enumerate(zip(groups, d, lay.stage_slots)):
                numbers = ints(field, group)
                if len(numbers) != depth:
                    raise InvalidArchitectureError(
                        f"{self.name} id {arch_id!r}: field {field!r} stage {stage} lists "
                        f"{len(numbers)} values but d[{stage}] is {depth}.")
                for slot, v in zip(slots, numbers):
                    values[slot] = v
            slot_values[field] = values
        r = None
        if lay.resolutions:
            r_values = ints("r", fields["r"])
            if len(r_values) != 1:
                raise InvalidArchitectureError(
                    f"{self.name} id {arch_id!r}: field 'r' must hold one resolution; got "
                    f"{fields['r']!r}.")
            r = r_values[0]
        return self._make(slot_values["ks"], slot_values["e"], d, r)

    # ------------------------------------------------------------------------ parameters
    def _from_params(self, params: Mapping[str, Any]) -> ElasticArch:
        lay = self.layout
        d = [params[f"d_{s}"] if s in lay.searchable_stages else choices[0]
             for s, choices in enumerate(lay.depth_choices)]
        return self._make([params[f"ks_{i:02d}"] for i in range(lay.n_slots)],
                          [params[f"e_{i:02d}"] for i in range(lay.n_slots)],
                          d, params.get("r"))

    def to_params(self, arch: ElasticArch | str) -> dict[str, Any]:
        a = self.coerce(arch)
        lay = self.layout
        out: dict[str, Any] = {}
        for field, values, choices in (("ks", a.ks, lay.ks_choices), ("e", a.e, lay.e_choices)):
            out.update({f"{field}_{i:02d}": choices[0] if v is None else v
                        for i, v in enumerate(values)})
        out.update({f"d_{s}": a.d[s] for s in lay.searchable_stages})
        if lay.resolutions:
            out["r"] = a.r
        return out

    def _active(self, arch: ElasticArch) -> dict[str, bool]:
        active = dict.fromkeys(self.params, True)
        for i, k in enumerate(arch.ks):
            if k is None:
                active[f"ks_{i:02d}"] = active[f"e_{i:02d}"] = False
        return active

    def _count_groups(self) -> dict[str, list[str]]:
        groups = {field: [n for n in self.params if n.startswith(f"{field}_")]
                  for field in ("ks", "e", "d")}
        return {k: v for k, v in groups.items() if len(v) > 1}

    def from_record(self, record: Mapping[str, Any]) -> ElasticArch:
        """Architecture from a dict in Once-for-All's form, e.g. a line of
        ``architectures.jsonl``: ``{"ks": [...], "e": [...], "d": [...], "r": 224}`` with
        ``ks``/``e`` of every block slot (inactive ones are ignored)."""
        expected = self._id_fields()
        missing = [k for k in expected if k not in record]
        if missing:
            raise InvalidArchitectureError(
                f"A {self.name} architecture record needs the fields {list(expected)}; missing "
                f"{missing} in {sorted(record)}.")
        return self._make(record["ks"], record["e"], record["d"], record.get("r"))


# --------------------------------------------------------------------------------- networks
class MobileNetV2Skeleton:
    """Mixin of spaces whose network is MobileNetV2's skeleton around the searchable blocks.

    A 3x3 stride-2 stem of 32 channels, a fixed MBConv ``k3 e1`` to 16 channels, the searchable
    blocks (16 to 320 channels), a 1x1 conv to 1280 channels, pooling and a classifier; ReLU6
    throughout; 224x224 input. Subclasses define :meth:`_blocks`.
    """

    def _blocks(self, arch: Any) -> list:
        """The ``torch.nn.Module`` of every searchable layer of ``arch``, in order."""
        raise NotImplementedError

    def input_shape(self, batch_size: int = 1, *, input_size: int = 224, in_channels: int = 3,
                    **cfg: Any) -> tuple[int, ...]:
        """``(batch_size, in_channels, input_size, input_size)``."""
        return (check_int("batch_size", batch_size, 1), in_channels, input_size,
                input_size)

    def build(self, arch: Any, *, num_classes: int = 1000, in_channels: int = 3,
              input_size: int = 224) -> Any:
        """Build the network.

        Args:
            arch: Architecture or its id.
            num_classes: Classifier outputs.
            in_channels: Input channels.
            input_size: Input height and width (224); the network is fully convolutional, so
                this only documents the input (see :meth:`input_shape`).

        Returns:
            A ``torch.nn.Module`` in eval mode mapping ``(B, in_channels, H, W)`` to logits.
        """
        from oneproxy_plugins.spaces._mbconv_torch import mobilenet_v2_network

        num_classes = check_int("num_classes", num_classes, 1)
        return mobilenet_v2_network(self._blocks(self.coerce(arch)), num_classes=num_classes,
                                    in_channels=in_channels).eval()
