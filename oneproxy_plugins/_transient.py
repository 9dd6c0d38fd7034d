"""Per-process state (locks, weak caches) that pickling drops and unpickling rebuilds.

Samplers, objectives and callbacks are pickled by Optuna users (to copy a sampler, or to send
it to another process); a ``threading.Lock`` cannot be pickled and a cache of this process's
study objects means nothing in another one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["TransientState"]


class TransientState:
    """Mixin: attributes named in ``_transient`` are made by their factory, never pickled."""

    _transient: ClassVar[dict[str, Callable[[], Any]]] = {"_lock": threading.Lock}

    def _init_transient(self) -> None:
        for name, factory in self._transient.items():
            setattr(self, name, factory())

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in self._transient:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_transient()
