"""`DeviceSpec`: a named, serialisable description of where and how latency is measured.

A device spec is a short string, also used as the device column of latency tables::

    <target>-<runtime>[-t<threads>]-b<batch>[-cl]

``target`` is ``cpu`` or ``cuda``; ``runtime`` names a runtime (``torch``, ``ort`` and any
added by plugins); ``t<threads>`` fixes the CPU threads (required on ``cpu``);
``b<batch>`` is the batch size; ``cl`` asks for channels-last memory format. Examples:
``cpu-torch-t1-b1``, ``cpu-torch-t2-b8-cl``, ``cuda-torch-b1``, ``cpu-ort-t1-b1``.

A spec is a pure value: parsing one checks its form and loads nothing. Whether its runtime is
registered, and can run it, is checked where it is used
(:func:`~oneproxy_plugins.measure.runtimes.resolve_runtime`, called by
:func:`~oneproxy_plugins.measure.measure_archs` before any work).

Example:
    >>> from oneproxy_plugins.measure import DeviceSpec
    >>> spec = DeviceSpec.parse("cpu-torch-t1-b1")
    >>> spec.threads, spec.batch_size
    (1, 1)
    >>> str(DeviceSpec.parse("cpu-torch-b8-t2"))
    'cpu-torch-t2-b8'
"""

from __future__ import annotations

import dataclasses
import re

from oneproxy_plugins.exceptions import UnknownDeviceError

__all__ = ["DeviceSpec", "DeviceSpecError", "TARGETS"]

TARGETS = ("cpu", "cuda")
"""Targets a device spec may name."""

_FORMAT = "<target>-<runtime>[-t<threads>]-b<batch>[-cl], e.g. 'cpu-torch-t1-b1'"
_OPTION_RE = re.compile(r"^(t|b)(\d+)$")
_RUNTIME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class DeviceSpecError(UnknownDeviceError, ValueError):
    """A device spec string or field is malformed, or asks what its runtime cannot do.

    An :class:`~oneproxy_plugins.exceptions.UnknownDeviceError` (so a ``LookupError``) and a
    ``ValueError``, with a message naming the bad part and what is allowed.

    Args:
        message: What is wrong and what is allowed.
        spec: The spec (or its text) when known.
    """

    def __init__(self, message: str, spec: object = None) -> None:
        super().__init__(spec, [], message=message)


@dataclasses.dataclass(frozen=True)
class DeviceSpec:
    """Where and how to measure: target, runtime, CPU threads, batch size, memory format.

    Args:
        target: ``"cpu"`` or ``"cuda"``.
        runtime: Runtime name (``"torch"``, ``"ort"``, or a plugin's): lower-case letters,
            digits and ``_``, starting with a letter. Not looked up here.
        batch_size: Images per inference, >= 1.
        threads: CPU threads used while measuring, >= 1; required on ``cpu``, optional on
            ``cuda`` (the host side's threads are then left as they are).
        channels_last: Run in channels-last memory format (runtimes that support it).

    Raises:
        DeviceSpecError: A field is out of range (a ``ValueError``); the message names it, the
            allowed values and the value given.
    """

    target: str
    runtime: str
    batch_size: int = 1
    threads: int | None = None
    channels_last: bool = False

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise DeviceSpecError(f"Device target {self.target!r} is not supported; allowed: "
                                  f"{', '.join(TARGETS)}.")
        for field, value, required in (("batch_size", self.batch_size, True),
                                       ("threads", self.threads, self.target == "cpu")):
            if value is None and not required:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise DeviceSpecError(f"The {field!r} field of a {self.target} device must be an "
                                      f"int >= 1; got {value!r}.")
        if not isinstance(self.channels_last, bool):
            raise DeviceSpecError(f"The 'channels_last' field must be a bool; got "
                                  f"{self.channels_last!r}.")
        if not isinstance(self.runtime, str) or not _RUNTIME_RE.match(self.runtime):
            raise DeviceSpecError(f"The 'runtime' field must be a runtime name (lower-case "
                                  f"letters, digits and '_', e.g. 'torch'); got "
                                  f"{self.runtime!r}.")

    @classmethod
    def parse(cls, text: str | DeviceSpec) -> DeviceSpec:
        """Parse a spec string such as ``"cpu-torch-t1-b1"`` (a ``DeviceSpec`` is returned as is).

        Options after the runtime may come in any order; :meth:`__str__` writes them in the
        canonical order ``t``, ``b``, ``cl``.

        Raises:
            DeviceSpecError: Malformed string (a ``ValueError``); the message names the bad part
                and what is allowed.
        """
        if isinstance(text, DeviceSpec):
            return text
        if not isinstance(text, str):
            raise DeviceSpecError(f"A device spec must be a str like {_FORMAT}; got "
                                  f"{type(text).__name__}.")
        parts = text.strip().lower().split("-")
        if len(parts) < 3 or not all(parts):
            raise DeviceSpecError(f"Device spec {text!r} is malformed; expected {_FORMAT}.")
        target, runtime, *options = parts
        if target not in TARGETS:
            raise DeviceSpecError(f"Device spec {text!r}: target {target!r} is not supported; "
                                  f"allowed: {', '.join(TARGETS)}.")
        values: dict[str, int | bool] = {}
        for option in options:
            match = _OPTION_RE.match(option)
            key = "cl" if option == "cl" else (match.group(1) if match else None)
            if key is None:
                raise DeviceSpecError(f"Device spec {text!r}: option {option!r} is not "
                                      "understood; allowed: t<threads>, b<batch>, cl.")
            if key in values:
                raise DeviceSpecError(f"Device spec {text!r}: option {key!r} is given twice.")
            values[key] = True if key == "cl" else int(match.group(2))
        if "b" not in values:
            raise DeviceSpecError(f"Device spec {text!r} has no batch size; add -b<batch>, e.g. "
                                  f"'{target}-{runtime}-b1'.")
        if target == "cpu" and "t" not in values:
            raise DeviceSpecError(f"Device spec {text!r} has no thread count; cpu devices need "
                                  f"-t<threads>, e.g. 'cpu-{runtime}-t1-b{values['b']}'.")
        return cls(target=target, runtime=runtime, batch_size=int(values["b"]),
                   threads=None if "t" not in values else int(values["t"]),
                   channels_last=bool(values.get("cl", False)))

    def __str__(self) -> str:
        parts = [self.target, self.runtime]
        if self.threads is not None:
            parts.append(f"t{self.threads}")
        parts.append(f"b{self.batch_size}")
        if self.channels_last:
            parts.append("cl")
        return "-".join(parts)
