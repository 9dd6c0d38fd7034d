"""Argument checks shared by the package's entry points: one wording for one mistake."""

from __future__ import annotations

import numpy as np


def check_int(name: str, value: object, low: int, high: int | None = None, *,
              why: str = "") -> int:
    """Return ``value`` as a Python int if it is an integer in ``[low, high]``, else raise.

    NumPy integers pass (values read from arrays and tables are); bools and floats do not,
    even where they equal an int: ``True`` as a count is a mistake, not 1.

    Args:
        name: The argument's name, quoted in the error.
        value: What the caller passed.
        low: Smallest allowed value.
        high: Largest allowed value (default: no bound).
        why: Appended to the allowed range in the error, e.g. ``" (the number of candidates)"``.

    Raises:
        ValueError: Naming the argument, the allowed values and what was given.

    Example:
        >>> check_int("k", 10, 3)
        10
        >>> check_int("k", 2, 3)
        Traceback (most recent call last):
        ...
        ValueError: The 'k' argument must be an int >= 3; got 2.
    """
    ok = (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
          and value >= low and (high is None or value <= high))
    if not ok:
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"The {name!r} argument must be an int {allowed}{why}; got {value!r}.")
    return int(value)  # type: ignore[call-overload]


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
