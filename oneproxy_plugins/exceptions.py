"""Exceptions raised by oneproxy-plugins.

Every exception derives from :class:`OneProxyError` and also from the built-in exception a
caller would naturally catch (``ValueError`` for bad values, ``LookupError`` for unknown names),
so ``except ValueError`` keeps working for code that does not know this package.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

__all__ = [
    "OneProxyError",
    "InvalidArchitectureError",
    "DataFormatError",
    "UnknownNameError",
    "UnknownSpaceError",
    "UnknownDeviceError",
    "UnknownRuntimeError",
    "UnknownPredictorError",
    "MeasurementError",
    "NotFittedError",  # noqa: F822 - made on first use, see __getattr__
]


class OneProxyError(Exception):
    """Base class of every error raised on purpose by oneproxy-plugins."""


class InvalidArchitectureError(OneProxyError, ValueError):
    """An architecture id, parameter dict or field is malformed or out of range."""


class DataFormatError(OneProxyError, ValueError):
    """A latency or architecture file does not have the expected layout or values."""


class UnknownNameError(OneProxyError, LookupError):
    """A name (space, device, runtime, predictor) is not registered.

    Args:
        kind: What was looked up, e.g. ``"space"``.
        name: The name given.
        known: The names that exist.
        message: The message, when the default ("Unknown <kind> <name>; known: ...") does not
            fit (a malformed device spec).
    """

    def __init__(self, kind: str, name: object, known: Iterable[str], *,
                 message: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        if message is None:
            message = f"Unknown {kind} {name!r}; known: {', '.join(self.known) or '(none)'}."
        super().__init__(message)

    def __str__(self) -> str:  # LookupError/KeyError would repr() the message
        return self.args[0]


class UnknownSpaceError(UnknownNameError):
    """A search space name is not registered."""

    def __init__(self, name: object, known: Iterable[str]) -> None:
        super().__init__("space", name, known)


class UnknownDeviceError(UnknownNameError):
    """A device is not a column of the table, or not a valid device spec."""

    def __init__(self, name: object, known: Iterable[str], *, message: str | None = None
                 ) -> None:
        super().__init__("device", name, known, message=message)


class UnknownRuntimeError(UnknownNameError):
    """A runtime (torch, ort, ...) named in a device spec is not registered."""

    def __init__(self, name: object, known: Iterable[str]) -> None:
        super().__init__("runtime", name, known)


class UnknownPredictorError(UnknownNameError):
    """A predictor or adaptation method name is not known."""

    def __init__(self, name: object, known: Iterable[str]) -> None:
        super().__init__("method", name, known)


class MeasurementError(OneProxyError, RuntimeError):
    """An architecture could not be built or run on a device."""


_NOT_FITTED_LOCK = threading.Lock()


def _not_fitted_error() -> type:
    """``NotFittedError``, made on first use: it subclasses scikit-learn's, and importing
    scikit-learn (a second) must not be the price of ``import oneproxy_plugins``."""
    with _NOT_FITTED_LOCK:
        cls = globals().get("NotFittedError")
        if cls is None:
            from sklearn.exceptions import NotFittedError as SklearnNotFittedError

            cls = type("NotFittedError", (OneProxyError, SklearnNotFittedError), {
                "__module__": __name__,
                "__doc__": "An estimator (predictor or adapter) was used before ``fit``.\n\n"
                           "scikit-learn's ``NotFittedError`` (so a ``ValueError`` and an "
                           "``AttributeError``) as well as a :class:`OneProxyError`: either "
                           "``except`` clause catches it, and so do scikit-learn's own checks."})
            globals()["NotFittedError"] = cls
        return cls


def __getattr__(name: str) -> Any:
    if name == "NotFittedError":
        return _not_fitted_error()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
