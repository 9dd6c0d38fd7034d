"""Renamed arguments keep working for a while, with a warning that names the new one.

One name per concept across hosts (``latency`` for a latency source, ``proxy_name`` for the
proxy's name, ``max_ms`` for a budget); the spellings used before keep working through
:func:`renamed_arguments` and say what to write instead. The warning is a ``FutureWarning``,
as Optuna's own deprecations are: shown to users by default, not only to test runners.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["renamed_arguments", "warn_renamed", "warn_renamed_name"]

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(old: str, new: str, where: str, *, stacklevel: int = 3) -> None:
    """Warn that ``where``'s argument ``old`` is now called ``new``."""
    warnings.warn(f"The {old!r} argument of {where} is deprecated and will be removed; use "
                  f"{new!r} instead.", FutureWarning, stacklevel=stacklevel)


def warn_renamed_name(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that the function (or method, or option) ``old`` is now called ``new``."""
    warnings.warn(f"{old} is deprecated and will be removed; use {new} instead.", FutureWarning,
                  stacklevel=stacklevel)


def renamed_arguments(**renames: str) -> Callable[[F], F]:
    """Accept old keyword names (``old="new"``) with a ``FutureWarning``.

    Passing both names is a ``TypeError``, as passing one argument twice is.

    Example:
        >>> import warnings
        >>> @renamed_arguments(budget_ms="max_ms")
        ... def admit(latency_ms, max_ms=None):
        ...     return latency_ms <= max_ms
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     admit(3.0, budget_ms=4.0)
        True
        >>> str(caught[0].message)
        "The 'budget_ms' argument of admit() is deprecated and will be removed; use 'max_ms' instead."
    """
    def decorate(func: F) -> F:
        name = func.__qualname__.removesuffix(".__init__")
        where = f"{name}()"

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{where} got both {old!r} (deprecated) and {new!r}; "
                                        f"pass only {new!r}.")
                    warn_renamed(old, new, where)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
