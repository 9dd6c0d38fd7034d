"""Argument checks shared by the whole package: one wording for one mistake.

Every public entry point (functions, estimators' ``fit``, the Optuna and NNI adapters, the CLI)
validates through these, so a mistake reads the same wherever it is made: the message names
the argument, what is allowed and what was given ("The 'k' argument must be an int >= 3;
got 2."). Estimators say "parameter" instead of "argument" (``kind="parameter"``), as
scikit-learn does. Bools are never numbers here: ``True`` as a count or a budget is a mistake.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Collection
from typing import Any

import numpy as np

__all__ = ["check_int", "check_real", "check_fraction", "check_bool", "check_choice",
           "check_max_ms", "check_latency", "check_latencies", "check_random_state"]


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: object, low: int, high: int | None = None, *,
              why: str = "", kind: str = "argument", allow_none: bool = False) -> int:
    """Return ``value`` as a Python int if it is an integer in ``[low, high]``, else raise.

    NumPy integers pass (values read from arrays and tables are); bools and floats do not,
    even where they equal an int: ``True`` as a count is a mistake, not 1.

    Args:
        name: The argument's name, quoted in the error.
        value: What the caller passed.
        low: Smallest allowed value.
        high: Largest allowed value (default: no bound).
        why: Appended to the allowed range in the error, e.g. ``" (the number of candidates)"``.
        kind: ``"argument"`` or ``"parameter"`` (an estimator's), in the error.
        allow_none: ``None`` is allowed too (and returned as is).

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
    if value is None and allow_none:
        return value  # type: ignore[return-value]
    ok = (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
          and value >= low and (high is None or value <= high))
    if not ok:
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        also = " or None" if allow_none else ""
        raise ValueError(f"The {name!r} {kind} must be an int {allowed}{also}{why}; "
                         f"got {value!r}.")
    return int(value)  # type: ignore[call-overload]


def check_real(name: str, value: object, *, low: float | None = None,
               high: float | None = None, low_open: bool = False, high_open: bool = False,
               kind: str = "argument") -> float:
    """Return ``value`` as a float if it is a finite real number within the bounds, else raise.

    Args:
        name: The argument's name.
        value: What the caller passed.
        low: Smallest allowed value (``None``: unbounded below).
        high: Largest allowed value (``None``: unbounded above).
        low_open: ``low`` itself is not allowed.
        high_open: ``high`` itself is not allowed.
        kind: ``"argument"`` or ``"parameter"``.

    Raises:
        ValueError: Naming the argument, the allowed values and what was given.

    Example:
        >>> check_real("alpha", 0.5, low=0)
        0.5
        >>> check_real("alpha", -1, low=0)
        Traceback (most recent call last):
        ...
        ValueError: The 'alpha' argument must be a number >= 0; got -1.
    """
    ok = _is_real(value) and math.isfinite(value)  # type: ignore[arg-type]
    if ok and low is not None:
        ok = value > low if low_open else value >= low  # type: ignore[operator]
    if ok and high is not None:
        ok = value < high if high_open else value <= high  # type: ignore[operator]
    if not ok:
        if low is not None and high is not None:
            allowed = (f"in {'(' if low_open else '['}{low:g}, {high:g}"
                       f"{')' if high_open else ']'}")
        elif low is not None:
            allowed = f"{'>' if low_open else '>='} {low:g}"
        elif high is not None:
            allowed = f"{'<' if high_open else '<='} {high:g}"
        else:
            allowed = "finite"
        raise ValueError(f"The {name!r} {kind} must be a number {allowed}; got {value!r}.")
    return float(value)  # type: ignore[arg-type]


def check_fraction(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a number (not a bool) in ``(0, 1]``, else raise.

    Example:
        >>> check_fraction("share", 0.25)
        0.25
        >>> check_fraction("share", 0)
        Traceback (most recent call last):
        ...
        ValueError: The 'share' argument must be a number in (0, 1]; got 0.
    """
    return check_real(name, value, low=0.0, high=1.0, low_open=True)


def check_bool(name: str, value: object, *, kind: str = "argument") -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (NumPy bools too), else raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"The {name!r} {kind} must be True or False; got {value!r}.")
    return bool(value)


def check_choice(name: str, value: Any, allowed: Collection[Any], *,
                 kind: str = "argument") -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise naming them.

    Example:
        >>> check_choice("penalty", "l3", ("l1", "l2"))
        Traceback (most recent call last):
        ...
        ValueError: The 'penalty' argument must be one of ['l1', 'l2']; got 'l3'.
    """
    try:
        ok = value in allowed
    except TypeError:  # an unhashable value in a set or dict
        ok = False
    if not ok:
        raise ValueError(f"The {name!r} {kind} must be one of {list(allowed)}; got {value!r}.")
    return value


def check_max_ms(name: str, value: object, *, allow_none: bool = False) -> float | None:
    """A latency budget: a positive, finite number of milliseconds (``None`` when allowed).

    Example:
        >>> check_max_ms("max_ms", 8)
        8.0
        >>> check_max_ms("max_ms", 0)
        Traceback (most recent call last):
        ...
        ValueError: The 'max_ms' argument must be a positive number of milliseconds; got 0.
    """
    if value is None and allow_none:
        return None
    if not (_is_real(value) and math.isfinite(value) and value > 0):  # type: ignore[operator]
        also = " or None" if allow_none else ""
        raise ValueError(f"The {name!r} argument must be a positive number of milliseconds"
                         f"{also}; got {value!r}.")
    return float(value)  # type: ignore[arg-type]


def check_latency(value: Any, where: str) -> float:
    """One latency: a positive, finite number of milliseconds, as a float.

    Args:
        value: The value (a number, or anything ``float()`` takes, such as a 0-d array).
        where: What it is, leading the message (e.g. ``"Target 'gpu', trial 3"``).

    Raises:
        ValueError: ``value`` is not a positive, finite number.

    Example:
        >>> check_latency(float("nan"), "measure('a')")
        Traceback (most recent call last):
        ...
        ValueError: measure('a'): nan ms; latencies must be positive and finite.
    """
    shown: Any = value
    try:
        if not isinstance(value, (bool, str, bytes)):
            ms = shown = float(value)
        else:
            ms = math.nan
    except (TypeError, ValueError):
        ms = math.nan
    if not (math.isfinite(ms) and ms > 0):
        raise ValueError(f"{where}: {shown!r} ms; latencies must be positive and finite.")
    return ms


def check_latencies(values: Any, n: int | None = None, *, name: str = "y",
                    allow_nan: bool = False, source: str | None = None) -> np.ndarray:
    """Measured or predicted latencies: a 1-D float array of positive, finite milliseconds.

    The one check behind every place a latency enters the package (fitting a predictor or an
    adapter, a latency source's answer, a value recorded on a study, a measurement).

    Args:
        values: Array-like of shape ``(n,)``, milliseconds. A column vector ``(n, 1)`` is read
            as ``(n,)`` with scikit-learn's ``DataConversionWarning``.
        n: The expected length, or ``None``.
        name: The argument's name, in messages.
        allow_nan: NaN (no value for that architecture) passes; other bad values do not.
        source: Who produced the values (e.g. ``"RidgePredictor.predict"``): the messages then
            blame it instead of the argument.

    Returns:
        ``values`` as a float64 array.

    Raises:
        ValueError: Not numeric, not 1-D, the wrong length, or a value that is NaN, infinite
            or <= 0 (the first such row is named).

    Example:
        >>> check_latencies([1.0, -0.4])
        Traceback (most recent call last):
        ...
        ValueError: y row 1: -0.4 ms; latencies must be positive and finite.
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        if source is not None:
            raise ValueError(f"{source} gave non-numeric latencies; got "
                             f"{type(values).__name__}.") from None
        raise ValueError(f"The {name!r} argument must be numeric latencies in ms; got "
                         f"{type(values).__name__}.") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        from sklearn.exceptions import DataConversionWarning

        warnings.warn(f"A column-vector {name} was passed when a 1d array was expected; it is "
                      "read as shape (n_samples,).", DataConversionWarning, stacklevel=3)
        arr = arr.ravel()
    if arr.ndim != 1:
        who = f"The {name!r} argument must be" if source is None else f"{source} must give"
        raise ValueError(f"{who} 1-D of shape (n_samples,); got shape {arr.shape}.")
    if n is not None and arr.size != n:
        who = f"{name} has" if source is None else f"{source} gave"
        raise ValueError(f"{who} {arr.size} latencies for {n} architectures; give one latency "
                         "per architecture.")
    bad = ~(np.isfinite(arr) & (arr > 0))
    if allow_nan:
        bad &= ~np.isnan(arr)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        where = f"{name} row {row}" if source is None else f"{source}, row {row}"
        hint = "" if allow_nan or source is not None else (
            " (drop unmeasured rows, NaN, first)" if np.isnan(arr[row]) else "")
        raise ValueError(f"{where}: {float(arr[row])!r} ms; latencies must be positive and "
                         f"finite{hint}.")
    return arr


def check_random_state(value: Any, name: str = "random_state") -> np.random.Generator:
    """A NumPy ``Generator`` from a generator, an int seed or ``None``, else ``ValueError``."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None or (isinstance(value, (int, np.integer)) and not isinstance(value, bool)):
        return np.random.default_rng(value)
    raise ValueError(f"The {name!r} argument must be None, an int seed or a numpy Generator; "
                     f"got {value!r}.")
