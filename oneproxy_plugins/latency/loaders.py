"""Loaders for the latency formats people already have (HELP, HW-NAS-Bench, OneProxy, Eagle)."""

from __future__ import annotations

import abc
import os
from typing import Any, ClassVar

from oneproxy_plugins.latency.table import LatencyTable

__all__ = ["BaseLoader", "BUILTIN_LOADERS", "get_loader", "list_loaders"]


class BaseLoader(abc.ABC):
    """A reader of one published latency format into a :class:`LatencyTable`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    uses_pickle: ClassVar[bool] = False
    """Whether loading executes pickle (then ``load`` requires ``allow_pickle=True``)."""

    @abc.abstractmethod
    def load(self, path: str | os.PathLike, **kwargs: Any) -> LatencyTable:
        """Read ``path`` into a table of milliseconds."""


BUILTIN_LOADERS: tuple[type[BaseLoader], ...] = ()


def list_loaders() -> dict[str, BaseLoader]:
    """Every registered loader by name."""
    from oneproxy_plugins.plugins import collect

    return dict(collect("oneproxy_add_loaders"))


def get_loader(name: str) -> BaseLoader:
    """A registered loader by name (``UnknownNameError`` lists the known ones)."""
    from oneproxy_plugins.exceptions import UnknownNameError

    loaders = list_loaders()
    if name not in loaders:
        raise UnknownNameError("loader", name, loaders)
    return loaders[name]
