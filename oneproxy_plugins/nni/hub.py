"""Map samples of NNI model spaces (``model.sample``) to this package's architecture ids.

An NNI sample is the dict ``{label: chosen value}`` that NNI's strategies freeze a model space
with. Latency here comes from that dict, not from tracing the network: NNI 3.0's own FLOPs and
parameter-count profilers cannot even trace its hub NAS-Bench-201 (shape inference fails on its
``Zero`` op), while a sample maps to an architecture id in microseconds.

Supported samples (a label may carry a scope prefix ending in ``/``, such as ``cell/``):

=====================================================  =========================================
NNI model space                                        package space
=====================================================  =========================================
``nni.nas.hub.pytorch.NasBench201``                    ``nasbench201`` (labels ``cell/0_1`` ..
                                                       ``cell/2_3``; ``conv_3x3`` is
                                                       ``nor_conv_3x3``)
``nni.nas.hub.pytorch.ProxylessNAS``                   ``proxylessnas`` (``s2_depth``, ``s2_i0``
                                                       = ``'k3e6'`` ..; blocks past a stage's
                                                       depth are ``zero``)
``nni.nas.hub.pytorch.MobileNetV3Space`` restricted    ``ofa_mbv3`` (``s1_depth``, ``s1_i0_ks``,
to Once-for-All's choices (see below)                  ``s1_i0_exp`` ..; resolution given apart)
any space labelled with a package space's parameter   that space, e.g.
names, such as :class:`~oneproxy_plugins.nni.          :class:`~oneproxy_plugins.nni.
fbnet_space.FBNetModelSpace`                           fbnet_space.FBNetModelSpace` is ``fbnet``
=====================================================  =========================================

What the mapping keeps and what it cannot see:

- ProxylessNAS: NNI's space has 32 channels in its first searchable stage where the
  ProxylessNAS mobile space of this package (and its latency tables) has 24; every choice maps
  one to one, so rankings carry over, but absolute latency is that of this package's network.
- MobileNetV3Space: Once-for-All searches depth {2, 3, 4}, kernel {3, 5, 7} and expansion
  {3, 4, 6}; build NNI's space as ``MobileNetV3Space(base_widths=(16, 16, 24, 40, 80, 112, 160,
  960, 1280), width_multipliers=1.0, expand_ratios=(3.0, 4.0, 6.0), depth_range=(2, 4),
  squeeze_excite=('none', 'none', 'force', 'none', 'force', 'force'))`` to search exactly the
  OFA space (NNI's defaults are TuNAS's larger space: samples outside OFA's choices raise
  :class:`~oneproxy_plugins.exceptions.InvalidArchitectureError`). NNI always adds ``stem_ks``
  and ``s0_i0_ks``, which OFA fixes at 3; other values are ignored with a warning, as are width
  multipliers and optional SE.

Example:
    >>> sample = {"cell/0_1": "conv_3x3", "cell/0_2": "none", "cell/1_2": "skip_connect",
    ...           "cell/0_3": "avg_pool_3x3", "cell/1_3": "none", "cell/2_3": "conv_1x1"}
    >>> sample_to_arch_id(sample)
    '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|'
    >>> find_mapping(sample).name
    'nni.nas.hub.pytorch.NasBench201'
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from oneproxy_plugins.exceptions import InvalidArchitectureError, UnknownSpaceError
from oneproxy_plugins.spaces import BaseSpace, get_space, list_spaces
from oneproxy_plugins.spaces._base import Arch
from oneproxy_plugins.spaces.nasbench201 import NB201_EDGES, NB201_OPS
from oneproxy_plugins.spaces.ofa_mbv3 import OFA_LAYOUT, OFAArch
from oneproxy_plugins.spaces.proxylessnas import PROXYLESS_STAGES

__all__ = ["SampleMapping", "UnsupportedSampleError", "BUILTIN_MAPPINGS", "list_mappings",
           "find_mapping", "sample_to_arch_id", "OFA_NNI_KWARGS"]

OFA_NNI_KWARGS: dict[str, Any] = {
    "base_widths": (16, 16, 24, 40, 80, 112, 160, 960, 1280),
    "width_multipliers": 1.0,
    "expand_ratios": (3.0, 4.0, 6.0),
    "depth_range": (2, 4),
    "squeeze_excite": ("none", "none", "force", "none", "force", "force"),
}
"""Keyword arguments of NNI's ``MobileNetV3Space`` that make it the Once-for-All space."""

_ToArch = Callable[[Mapping[str, Any], "int | None"], Arch]
_ToValues = Callable[[Arch], dict[str, Any]]


class UnsupportedSampleError(UnknownSpaceError):
    """An NNI sample (or model space) whose labels match no supported space.

    A ``LookupError`` (through :class:`~oneproxy_plugins.exceptions.UnknownSpaceError`); the
    message lists the supported model spaces.
    """

    def __init__(self, labels: Iterable[str], known: Iterable[str], *, reason: str = "") -> None:
        labels = sorted(map(str, labels))
        shown = labels[:8] + (["..."] if len(labels) > 8 else [])
        self.kind, self.name, self.known = "NNI model space", tuple(labels), list(known)
        reason = reason or "no supported NNI model space has the labels of this sample"
        Exception.__init__(self, f"{reason[0].upper()}{reason[1:]} (labels: "
                                 f"{', '.join(shown) or 'none'}); supported: "
                                 f"{'; '.join(self.known)}.")


@dataclasses.dataclass(frozen=True)
class SampleMapping:
    """How one family of NNI samples names the decisions of a package space.

    Attributes:
        name: What the samples come from, e.g. ``"nni.nas.hub.pytorch.NasBench201"``.
        space: Name of the package space the samples map to.
        labels: Labels every sample has, without a scope prefix.
        choices: Values each label may take, by label (others raise
            :class:`~oneproxy_plugins.exceptions.InvalidArchitectureError`).
        prefix: The scope prefix of the labels in the samples this mapping was matched to
            (``""`` when unscoped); :func:`find_mapping` sets it.
    """

    name: str
    space: str
    labels: tuple[str, ...]
    to_arch: _ToArch = dataclasses.field(repr=False, compare=False)
    to_values: _ToValues = dataclasses.field(repr=False, compare=False)
    choices: Mapping[str, tuple] = dataclasses.field(repr=False, compare=False,
                                                      default_factory=dict)
    prefix: str = ""

    def match(self, labels: Iterable[str]) -> SampleMapping | None:
        """This mapping with the prefix under which ``labels`` hold all of :attr:`labels`,
        or ``None`` when they do not."""
        present = set(labels)
        first = self.labels[0]
        for key in sorted(present):  # the shortest prefix first, deterministically
            if not key.endswith(first):
                continue
            prefix = key[:len(key) - len(first)]
            if prefix and not prefix.endswith("/"):
                continue
            if all(prefix + label in present for label in self.labels):
                return dataclasses.replace(self, prefix=prefix)
        return None

    def arch(self, sample: Mapping[str, Any], *, resolution: int | None = None) -> Arch:
        """The package architecture of an NNI sample.

        Args:
            sample: ``{label: value}``, e.g. ``model.sample``; other labels are ignored.
            resolution: Input resolution, for spaces whose samples do not choose it
                (MobileNetV3Space to ``ofa_mbv3``; default 224). Ignored elsewhere.

        Raises:
            InvalidArchitectureError: A label is missing or a value has no counterpart; the
                message names the label.
        """
        p = self.prefix
        missing = [p + label for label in self.labels if p + label not in sample]
        if missing:
            raise InvalidArchitectureError(
                f"The sample lacks label(s) {missing} of {self.name}; got {sorted(sample)}.")
        values = {k[len(p):]: v for k, v in sample.items() if k.startswith(p)}
        return self.to_arch(values, resolution)

    def arch_id(self, sample: Mapping[str, Any], *, resolution: int | None = None) -> str:
        """The package architecture id of an NNI sample (see :meth:`arch`)."""
        return get_space(self.space).to_id(self.arch(sample, resolution=resolution))

    def sample(self, arch: Arch | str) -> dict[str, Any]:
        """The NNI sample (with this mapping's prefix) of a package architecture or id, e.g.
        to freeze the NNI model space: ``model_space.freeze(mapping.sample(arch_id))``.

        Raises:
            InvalidArchitectureError: The architecture cannot be expressed in these labels.
        """
        arch = get_space(self.space).coerce(arch)
        return {self.prefix + k: v for k, v in self.to_values(arch).items()}


# ------------------------------------------------------------------------ value conversions
def _pick(values: Mapping[str, Any], label: str, table: Mapping[Any, Any], where: str) -> Any:
    value = values[label]
    try:
        if not isinstance(value, bool) and value in table:
            return table[value]
    except TypeError:  # unhashable
        pass
    raise InvalidArchitectureError(f"{where} label {label!r}: {value!r} is not allowed; allowed: "
                                   f"{list(table)}.")


# NAS-Bench-201: NNI's op names drop the "nor_" prefix of the benchmark's arch strings.
_NB201_FROM_NNI = {op.replace("nor_", ""): op for op in NB201_OPS}
_NB201_TO_NNI = {v: k for k, v in _NB201_FROM_NNI.items()}
_NB201_LABELS = tuple(f"{src}_{dst}" for dst, src in NB201_EDGES)


def _nb201_to_arch(values: Mapping[str, Any], resolution: int | None) -> tuple[str, ...]:
    return tuple(_pick(values, label, _NB201_FROM_NNI, "NNI NasBench201")
                 for label in _NB201_LABELS)


def _nb201_to_values(arch: tuple[str, ...]) -> dict[str, Any]:
    return {label: _NB201_TO_NNI[op] for label, op in zip(_NB201_LABELS, arch)}


# ProxylessNAS: NNI stages s2..s6 repeat 1..4 blocks, s7 has one; ops are 'k3e6'.
_PROXYLESS_OPS = {f"k{k}e{e}": f"k{k}_e{e}" for e in (3, 6) for k in (3, 5, 7)}
_PROXYLESS_DEPTHS = {d: d for d in range(1, 5)}
_PROXYLESS_STAGES = tuple((f"s{i + 2}", n) for i, (_, n, _) in enumerate(PROXYLESS_STAGES))
_PROXYLESS_LABELS = tuple(
    label for stage, n in _PROXYLESS_STAGES
    for label in ([f"{stage}_depth"] if n > 1 else []) + [f"{stage}_i{j}" for j in range(n)])


def _proxyless_to_arch(values: Mapping[str, Any], resolution: int | None) -> tuple[str, ...]:
    ops: list[str] = []
    for stage, n in _PROXYLESS_STAGES:
        depth = (_pick(values, f"{stage}_depth", _PROXYLESS_DEPTHS, "NNI ProxylessNAS")
                 if n > 1 else 1)
        for j in range(n):
            ops.append(_pick(values, f"{stage}_i{j}", _PROXYLESS_OPS, "NNI ProxylessNAS")
                       if j < depth else "zero")
    return tuple(ops)


def _proxyless_to_values(arch: tuple[str, ...]) -> dict[str, Any]:
    to_nni = {v: k for k, v in _PROXYLESS_OPS.items()}
    out: dict[str, Any] = {}
    layer = 0
    for stage, n in _PROXYLESS_STAGES:
        ops = arch[layer:layer + n]
        layer += n
        depth = sum(op != "zero" for op in ops)
        if any(op == "zero" for op in ops[:depth]):
            raise InvalidArchitectureError(
                f"proxylessnas stage {stage} {list(ops)}: NNI's ProxylessNAS only drops the "
                "last blocks of a stage (a depth), so 'zero' must come after every other op.")
        if n > 1:
            out[f"{stage}_depth"] = depth
        for j in range(n):
            # Blocks beyond the depth do not matter; NNI's sample still holds a value for them.
            out[f"{stage}_i{j}"] = to_nni[ops[j]] if j < depth else "k3e3"
    return out


# Once-for-All MobileNetV3 from NNI's MobileNetV3Space (stages s1..s5 of OFA's five).
_OFA_STAGES = len(OFA_LAYOUT.depth_choices)
_OFA_MAX_DEPTH = max(max(c) for c in OFA_LAYOUT.depth_choices)
_OFA_LABELS = tuple(
    label for s in range(1, _OFA_STAGES + 1)
    for label in [f"s{s}_depth"] + [f"s{s}_i{j}_{f}" for j in range(_OFA_MAX_DEPTH)
                                    for f in ("ks", "exp")])
_OFA_HINT = ("build NNI's space as MobileNetV3Space(**oneproxy_plugins.nni.hub.OFA_NNI_KWARGS) "
             "to search exactly the Once-for-All space")
_OFA_IGNORED_WARNING = (
    "NNI MobileNetV3Space choices that the Once-for-All MobileNetV3 space fixes (width "
    "multipliers other than 1.0, stem_ks or s0_i0_ks other than 3, SE switched off) are "
    "ignored: the latency is that of the OFA sub-network with the same depths, kernel sizes and "
    "expansion ratios.")


def _ofa_int(values: Mapping[str, Any], label: str, choices: tuple[int, ...]) -> int:
    value = values[label]
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not number.is_integer() or int(number) not in choices:
        raise InvalidArchitectureError(
            f"NNI MobileNetV3Space label {label!r}: {value!r} is outside the Once-for-All space "
            f"(allowed: {list(choices)}); {_OFA_HINT}.")
    return int(number)


def _ofa_to_arch(values: Mapping[str, Any], resolution: int | None) -> OFAArch:
    ks: list[int | None] = [None] * OFA_LAYOUT.n_slots
    e: list[int | None] = [None] * OFA_LAYOUT.n_slots
    d = []
    for s, slots in enumerate(OFA_LAYOUT.stage_slots):
        depth = _ofa_int(values, f"s{s + 1}_depth", OFA_LAYOUT.depth_choices[s])
        d.append(depth)
        for j in range(depth):
            ks[slots[j]] = _ofa_int(values, f"s{s + 1}_i{j}_ks", OFA_LAYOUT.ks_choices)
            e[slots[j]] = _ofa_int(values, f"s{s + 1}_i{j}_exp", OFA_LAYOUT.e_choices)
    ignored = any(
        (k.endswith("_width_mult") and v != 1.0) or (k in ("stem_ks", "s0_i0_ks") and v != 3)
        or (k.endswith("_se") and v != "se") for k, v in values.items())
    if ignored:
        warnings.warn(_OFA_IGNORED_WARNING, UserWarning, stacklevel=4)
    return OFAArch(ks=tuple(ks), e=tuple(e), d=tuple(d),
                   r=max(OFA_LAYOUT.resolutions) if resolution is None else resolution)


def _ofa_to_values(arch: OFAArch) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s, slots in enumerate(OFA_LAYOUT.stage_slots):
        out[f"s{s + 1}_depth"] = arch.d[s]
        for j, slot in enumerate(slots):
            active = j < arch.d[s]
            out[f"s{s + 1}_i{j}_ks"] = arch.ks[slot] if active else OFA_LAYOUT.ks_choices[0]
            out[f"s{s + 1}_i{j}_exp"] = float(arch.e[slot] if active else OFA_LAYOUT.e_choices[0])
    return out


BUILTIN_MAPPINGS = (
    SampleMapping("nni.nas.hub.pytorch.NasBench201", "nasbench201", _NB201_LABELS,
                  _nb201_to_arch, _nb201_to_values,
                  dict.fromkeys(_NB201_LABELS, tuple(_NB201_FROM_NNI))),
    SampleMapping("nni.nas.hub.pytorch.ProxylessNAS", "proxylessnas", _PROXYLESS_LABELS,
                  _proxyless_to_arch, _proxyless_to_values,
                  {label: tuple(_PROXYLESS_DEPTHS if label.endswith("_depth") else _PROXYLESS_OPS)
                   for label in _PROXYLESS_LABELS}),
    SampleMapping("nni.nas.hub.pytorch.MobileNetV3Space (Once-for-All choices)", "ofa_mbv3",
                  _OFA_LABELS, _ofa_to_arch, _ofa_to_values,
                  {label: (OFA_LAYOUT.depth_choices[int(label[1]) - 1] if label.endswith("depth")
                           else OFA_LAYOUT.ks_choices if label.endswith("_ks")
                           else tuple(map(float, OFA_LAYOUT.e_choices)))
                   for label in _OFA_LABELS}),
)
"""The mappings of NNI's hub spaces (registered through the ``oneproxy_add_sample_mappings``
plugin hook, where a plugin adds the mapping of its own NNI space)."""


def _params_mapping(space: BaseSpace) -> SampleMapping:
    def to_arch(values: Mapping[str, Any], resolution: int | None) -> Arch:
        return space.from_params(values)

    names = list(space.params)
    return SampleMapping(f"a model space labelled with the parameters of {space.name!r} "
                         f"({names[0]} .. {names[-1]})", space.name, tuple(names), to_arch,
                         space.to_params, dict(space.params))


def list_mappings() -> list[SampleMapping]:
    """Every supported family of samples: the registered mappings (NNI's hub spaces and the
    plugins'), then, for each registered package space, samples labelled with its parameter
    names."""
    from oneproxy_plugins.plugins import collect

    registered = list(collect("oneproxy_add_sample_mappings").values())
    return [*registered, *(_params_mapping(s) for s in list_spaces().values())]


def _labels_of(source: Any) -> list[str]:
    if isinstance(source, Mapping):
        return [str(k) for k in source]
    simplify = getattr(source, "simplify", None)
    if callable(simplify):  # an NNI model space (or anything mutable)
        return [str(k) for k in simplify()]
    if isinstance(source, Iterable) and not isinstance(source, (str, bytes)):
        return [str(k) for k in source]
    raise TypeError(f"Expected an NNI sample (dict), an NNI model space or a list of labels; got "
                    f"{type(source).__name__}.")


def find_mapping(source: Any, space: str | BaseSpace | None = None) -> SampleMapping:
    """The mapping of a sample, a model space or a list of labels.

    Args:
        source: An NNI sample ``{label: value}``, an NNI search-space dict, an NNI model space
            (its ``simplify()`` labels) or the labels themselves.
        space: Only consider mappings to this package space.

    Returns:
        The mapping, with :attr:`SampleMapping.prefix` set. When several match, the one using
        the most labels wins (FBNet's 22 ``layer_*`` labels over ProxylessNAS's 21).

    Raises:
        UnsupportedSampleError: No mapping matches, or two of different spaces match equally;
            the message lists the supported ones.
    """
    labels = _labels_of(source)
    wanted = get_space(space).name if space is not None else None
    candidates = [m for m in list_mappings() if wanted is None or m.space == wanted]
    matched = [b for b in (m.match(labels) for m in candidates) if b is not None]
    if not matched:
        within = f" of space {wanted!r}" if wanted else ""
        raise UnsupportedSampleError(
            labels, [f"{m.name} -> {m.space}" for m in candidates],
            reason=f"no supported NNI model space{within} has the labels of this sample")
    matched.sort(key=lambda m: -len(m.labels))
    best = matched[0]
    rivals = [m for m in matched[1:] if len(m.labels) == len(best.labels)
              and m.space != best.space]
    if rivals:
        raise UnsupportedSampleError(
            labels, [f"{m.name} -> {m.space}" for m in [best, *rivals]],
            reason=f"the labels fit both {best.space!r} and {rivals[0].space!r}: pass space=<name> "
                   "to choose")
    return best


def sample_to_arch_id(sample: Mapping[str, Any], space: str | BaseSpace | None = None, *,
                      resolution: int | None = None) -> str:
    """The package architecture id of an NNI sample.

    Args:
        sample: ``{label: value}``, e.g. ``model.sample`` of a model NNI evaluated.
        space: The package space to map to (default: found from the labels).
        resolution: Input resolution for MobileNetV3Space samples (default 224).

    Returns:
        The canonical id in the package space.

    Raises:
        UnsupportedSampleError: The labels match no supported space.
        InvalidArchitectureError: A value has no counterpart in the package space.
    """
    return find_mapping(sample, space).arch_id(sample, resolution=resolution)
