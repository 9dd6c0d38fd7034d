"""Search spaces: NAS-Bench-201, FBNet, Once-for-All MobileNetV3, MobileNet-V2, ProxylessNAS.

Every space has the interface of :class:`BaseSpace`. Look one up by name with
:func:`get_space`, which also finds spaces added by plugins.

Example:
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> arch = space.sample(0)
    >>> space.from_id(space.to_id(arch)) == arch
    True
"""

from __future__ import annotations

from oneproxy_plugins.exceptions import UnknownSpaceError
from oneproxy_plugins.spaces._base import Arch, BaseSpace, as_rng
from oneproxy_plugins.spaces.fbnet import FBNetSpace
from oneproxy_plugins.spaces.mobilenetv2 import MobileNetV2Arch, MobileNetV2Space
from oneproxy_plugins.spaces.nasbench201 import NASBench201Space
from oneproxy_plugins.spaces.ofa_mbv3 import OFAArch, OFAMobileNetV3Space
from oneproxy_plugins.spaces.proxylessnas import ProxylessNASSpace

__all__ = ["BaseSpace", "Arch", "as_rng", "NASBench201Space", "FBNetSpace",
           "OFAMobileNetV3Space", "OFAArch", "MobileNetV2Space", "MobileNetV2Arch",
           "ProxylessNASSpace", "get_space", "list_spaces", "BUILTIN_SPACES"]

BUILTIN_SPACES: tuple[type[BaseSpace], ...] = (NASBench201Space, FBNetSpace, OFAMobileNetV3Space,
                                               MobileNetV2Space, ProxylessNASSpace)


def list_spaces() -> dict[str, BaseSpace]:
    """Every registered space (built-in and from plugins) by name."""
    from oneproxy_plugins.plugins import collect

    return dict(collect("oneproxy_add_spaces"))


def get_space(space: str | BaseSpace) -> BaseSpace:
    """Return a registered space by name (a space instance is returned as is).

    Raises:
        UnknownSpaceError: No space has that name; the message lists the known ones.
    """
    from oneproxy_plugins.plugins import lookup

    return lookup("oneproxy_add_spaces", space, BaseSpace, UnknownSpaceError)
