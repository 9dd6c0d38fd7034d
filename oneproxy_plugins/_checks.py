"""Argument checks shared by the package's entry points: one wording for one mistake."""

from __future__ import annotations

import numpy as np


def check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    """Raise ``ValueError`` unless ``value`` is an int (not a bool) in ``[low, high]``.

    Example:
        >>> check_int("k", 10, 3)
        >>> check_int("k", 2, 3)
        Traceback (most recent call last):
        ...
        ValueError: The 'k' argument must be an int >= 3; got 2.
    """
    ok = (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
          and value >= low and (high is None or value <= high))
    if not ok:
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"The {name!r} argument must be an int {allowed}; got {value!r}.")


def check_fraction(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` is a number (not a bool) in ``(0, 1]``.

    Example:
        >>> check_fraction("share", 0.25)
        >>> check_fraction("share", 0)
        Traceback (most recent call last):
        ...
        ValueError: The 'share' argument must be a number in (0, 1]; got 0.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError(f"The {name!r} argument must be a number in (0, 1]; got {value!r}.")
