"""Import NNI for the modules of :mod:`oneproxy_plugins.nni`, and check the stack it runs on.

Every module of the integration calls :func:`require_nni` before importing from ``nni``, so a
missing NNI fails at first use with an ``ImportError`` naming the ``nni`` extra, never at
``import oneproxy_plugins``. ``nni.nas`` imports PyTorch Lightning, which the extra installs too.

NNI 3.0 pins ``filelock<3.12``. With a newer filelock (pip keeps it when something else upgrades
it later) NNI's lock on ``~/nni-experiments/.experiment`` never reports itself acquired, and
``NasExperiment.run`` (and ``nnictl create``) waits forever before the first trial. NNI's own
lock class cannot be fixed from outside without patching NNI, so this module only warns, once,
with the command that fixes the environment.
"""

from __future__ import annotations

import functools
import warnings

from oneproxy_plugins._imports import optional_import

__all__ = ["require_nni", "check_filelock"]

_FILELOCK_LIMIT = (3, 12)


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_filelock(version: str | None = None) -> bool:
    """Warn when the installed filelock is too new for NNI 3.0's experiment manifest lock.

    Args:
        version: The filelock version to check (default: the installed one).

    Returns:
        ``True`` when the version is compatible (``< 3.12``), ``False`` after warning.
    """
    if version is None:
        try:
            from importlib.metadata import version as dist_version

            version = dist_version("filelock")
        except Exception:  # noqa: BLE001 (not installed: NNI itself will say so)
            return True
    if _version_tuple(version) < _FILELOCK_LIMIT:
        return True
    warnings.warn(
        f"NNI 3.0 needs filelock<3.12 but filelock {version} is installed: NasExperiment.run() "
        "and nnictl wait forever on the lock of ~/nni-experiments/.experiment. Fix the "
        "environment with: pip install 'filelock<3.12'", RuntimeWarning, stacklevel=3)
    return False


@functools.cache
def require_nni() -> None:
    """Import ``nni.nas`` or raise an ``ImportError`` saying to install the ``nni`` extra.

    Raises:
        ImportError: NNI (or PyTorch Lightning, which ``nni.nas`` imports) is missing.
    """
    optional_import("nni")
    optional_import("nni.nas")
    check_filelock()
