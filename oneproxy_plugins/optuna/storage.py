"""Storage URLs: what ``optuna.create_study(storage=...)`` takes, from what a user types.

``sqlite:///path.db`` and other database URLs are opened as Optuna's ``RDBStorage`` (so a bad
URL or an unreachable database is reported at once, in one line); a journal file is given as
``journal:path`` or as any path ending in ``.log``/``.journal`` (several processes may share one;
it is locked per write).

Example:
    >>> open_storage(None) is None
    True
    >>> open_storage("study.txt")
    Traceback (most recent call last):
    ...
    ValueError: Storage 'study.txt' is not a database URL (sqlite:///study.db, postgresql+psycopg2://user@host/db) or a journal file (journal:path, or a path ending in .log or .journal).
"""

from __future__ import annotations

import os
import re
from typing import Any

import optuna

__all__ = ["open_storage", "redact_url"]

_JOURNAL_SUFFIXES = (".log", ".journal")


def open_storage(storage: str | os.PathLike | optuna.storages.BaseStorage | None
                 ) -> str | optuna.storages.BaseStorage | None:
    """What ``optuna.create_study(storage=...)`` takes, from a URL or path.

    Args:
        storage: ``None`` (in memory), a storage object (returned as is), a database URL
            (``sqlite:///study.db``, ``postgresql://...``), or a journal file as
            ``journal:path`` or a path ending in ``.log``/``.journal`` (several processes may
            share one; it is locked per write).

    Returns:
        The storage argument for Optuna: the storage object itself for a database URL (so a
        bad URL or an unreachable database is found here).

    Raises:
        ValueError: Neither a database URL nor a journal file, or the database cannot be
            opened (the reason is given).
    """
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    text = os.fspath(storage)
    path = text[len("journal:"):] if text.startswith("journal:") else None
    if path is None and "://" not in text and text.endswith(_JOURNAL_SUFFIXES):
        path = text
    allowed = ("a database URL (sqlite:///study.db, postgresql+psycopg2://user@host/db) or a "
               "journal file (journal:path, or a path ending in .log or .journal)")
    if path is None:
        if "://" not in text:
            raise ValueError(f"Storage {text!r} is not {allowed}.")
        shown = redact_url(text)  # messages never quote a password
        import sqlalchemy.exc

        try:
            return optuna.storages.RDBStorage(text)
        except (sqlalchemy.exc.SQLAlchemyError, ImportError) as exc:  # ImportError: no driver
            reason = " ".join(str(exc).split("\n")[0].split())
            raise ValueError(f"Storage {shown!r} cannot be opened "
                             f"({reason.replace(text, shown)}); expected {allowed}.") from None
    if not path:
        raise ValueError(f"Storage {text!r} names no journal file; expected {allowed}.")
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(path))


def redact_url(storage: Any) -> str:
    """A storage for a message: a URL without its password, a path, or the object's type.

    Example:
        >>> redact_url("postgresql+psycopg2://ann:s3cret@db.lab/nas")
        'postgresql+psycopg2://ann:***@db.lab/nas'
    """
    if isinstance(storage, (str, os.PathLike)):
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", os.fspath(storage))
    return type(storage).__name__
