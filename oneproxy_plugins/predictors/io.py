"""Save and load fitted latency predictors as JSON: no pickle, nothing executed on load.

A file is one JSON object::

    {"format": "oneproxy-predictor", "format_version": 1,
     "class": "RidgePredictor", "module": "oneproxy_plugins.predictors.ridge",
     "space": "nasbench201", "params": {...}, "state": {...},
     "oneproxy_plugins_version": "0.1.0"}

``params`` are the estimator's ``get_params()``; ``state`` its learned attributes, arrays as
``{"__ndarray__": {"dtype": "float64", "shape": [35], "data": [...]}}`` (floats written with
``repr`` precision, so a round trip is exact; non-finite values as ``"nan"``, ``"inf"``),
tuples as ``{"__tuple__": [...]}``.

The protocol a predictor class follows to be saveable (every shipped predictor does):

- instance method ``_to_state() -> dict``: its learned state, JSON-able, built with
  :func:`encode_value`; :class:`~oneproxy_plugins.predictors.BaseLatencyPredictor` provides
  one that writes every attribute named in the class's ``_state_attrs``;
- classmethod ``_from_state(params, state) -> predictor``: the inverse (the base class's
  builds ``cls(**params)`` and sets the attributes, decoded with :func:`decode_value`);
- registration in the plugin registry, so that :func:`load_predictor` knows which class a
  file names: the ``oneproxy_add_predictors`` hook (and ``oneproxy_add_adapters`` for an
  adaptation method's class), or :func:`register_predictor_class` (a decorator too) for a
  class of a script or notebook.

A learned attribute that is itself a fitted predictor of a registered class (AdaProxy holds its
proxy's) is nested as ``{"__predictor__": {...its own document...}}``: list it in
``_state_attrs`` like any other.

Loading resolves the class only from the registry (by class name); a file can never choose
code to import or run.

Example:
    >>> import numpy as np, tempfile, os
    >>> from oneproxy_plugins.predictors import RidgePredictor, load_predictor, save_predictor
    >>> model = RidgePredictor().fit(np.eye(3), [1.0, 2.0, 3.0])
    >>> path = os.path.join(tempfile.mkdtemp(), "ridge.json")
    >>> _ = save_predictor(model, path)
    >>> bool((load_predictor(path).predict(np.eye(3)) == model.predict(np.eye(3))).all())
    True
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from oneproxy_plugins._io import atomic_write_text
from oneproxy_plugins.exceptions import DataFormatError

__all__ = [
    "save_predictor",
    "load_predictor",
    "predictor_to_dict",
    "predictor_from_dict",
    "register_predictor_class",
    "registered_predictor_classes",
    "encode_value",
    "decode_value",
    "FORMAT_NAME",
    "FORMAT_VERSION",
]

FORMAT_NAME = "oneproxy-predictor"
FORMAT_VERSION = 1
"""Version written by :func:`save_predictor`; :func:`load_predictor` reads only this one."""

_REQUIRED_KEYS = ("format", "format_version", "class", "params", "state")
_ARRAY_KEY = "__ndarray__"
_TUPLE_KEY = "__tuple__"
_PREDICTOR_KEY = "__predictor__"
_MARKERS = (_ARRAY_KEY, _TUPLE_KEY, _PREDICTOR_KEY)
_DTYPES = frozenset({"float64", "float32", "float16", "int64", "int32", "int16", "int8",
                     "uint64", "uint32", "uint16", "uint8", "bool", "str"})
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}



# ---------------------------------------------------------------------------- values
def _encode_float(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def encode_value(value: Any, name: str = "value") -> Any:
    """A JSON-able form of a learned attribute or parameter.

    ``None``, bools, numbers, strings, numpy arrays of numbers, bools or strings, fitted
    predictors of registered classes (nested as their :func:`predictor_to_dict` document), and
    lists, tuples and string-keyed dicts of those. Numpy scalars come back as Python numbers.

    Args:
        value: The value.
        name: Its name, for the error message.

    Raises:
        TypeError: The value (or an item of it) has another type, e.g. an object array.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _encode_float(float(value))
    if _saveable().get(type(value).__name__) is type(value):  # a nested predictor
        return {_PREDICTOR_KEY: predictor_to_dict(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OU" and all(isinstance(v, str) for v in value.ravel()):
            dtype, data = "str", [str(v) for v in value.ravel()]
        elif value.dtype.name in _DTYPES:
            dtype = value.dtype.name
            data = value.ravel().tolist()
            if value.dtype.kind == "f" and not np.isfinite(value).all():
                data = [_encode_float(v) for v in data]
        else:
            raise TypeError(f"Cannot save {name!r}: arrays of dtype {value.dtype} are not "
                            f"supported (numbers, bools or strings only).")
        return {_ARRAY_KEY: {"dtype": dtype, "shape": list(value.shape), "data": data}}
    if isinstance(value, (list, tuple)):
        items = [encode_value(v, f"{name}[{i}]") for i, v in enumerate(value)]
        return {_TUPLE_KEY: items} if isinstance(value, tuple) else items
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        if any(key in value for key in _MARKERS):
            raise TypeError(f"Cannot save {name!r}: the keys {', '.join(_MARKERS)} are "
                            "reserved.")
        return {k: encode_value(v, f"{name}[{k!r}]") for k, v in value.items()}
    raise TypeError(f"Cannot save {name!r} of type {type(value).__name__}; a predictor's state "
                    "must be numbers, strings, numpy arrays, or lists and dicts of them.")


def _decode_array(spec: Any, name: str) -> np.ndarray:
    if not isinstance(spec, Mapping) or set(spec) != {"dtype", "shape", "data"}:
        raise ValueError(f"{name}: an array needs exactly the keys dtype, shape and data.")
    dtype, shape, data = spec["dtype"], spec["shape"], spec["data"]
    if dtype not in _DTYPES:
        raise ValueError(f"{name}: array dtype {dtype!r} is not one of {sorted(_DTYPES)}.")
    if (not isinstance(shape, list) or
            not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        raise ValueError(f"{name}: array shape {shape!r} is not a list of sizes.")
    if not isinstance(data, list) or len(data) != math.prod(shape):
        raise ValueError(f"{name}: array of shape {shape} needs {math.prod(shape)} values; got "
                         f"{len(data) if isinstance(data, list) else type(data).__name__}.")
    if dtype == "str":
        if not all(isinstance(v, str) for v in data):
            raise ValueError(f"{name}: a str array holds a non-string value.")
        return np.array(data, dtype=object).reshape(shape)
    if dtype.startswith("float"):
        if any(isinstance(v, str) for v in data):
            if not all(v in _NON_FINITE for v in data if isinstance(v, str)):
                raise ValueError(f"{name}: a float array holds a string other than "
                                 f"{sorted(_NON_FINITE)}.")
            data = [_NON_FINITE[v] if isinstance(v, str) else v for v in data]
    if not all(isinstance(v, (int, float)) for v in data):
        raise ValueError(f"{name}: a {dtype} array holds a value that is not a number.")
    if dtype == "bool" and not all(isinstance(v, bool) for v in data):
        raise ValueError(f"{name}: a bool array holds a value that is not true or false.")
    try:
        return np.array(data, dtype=dtype).reshape(shape)
    except OverflowError:
        raise ValueError(f"{name}: a value does not fit in {dtype}.") from None


def decode_value(obj: Any, name: str = "value") -> Any:
    """Inverse of :func:`encode_value`.

    Raises:
        ValueError: A malformed array (bad dtype, shape or data) or an unexpected type.
    """
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj
    if isinstance(obj, list):
        return [decode_value(v, f"{name}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, Mapping):
        marker = next((key for key in _MARKERS if key in obj), None)
        if marker is not None:
            if len(obj) != 1:
                raise ValueError(f"{name}: an object with the key {marker!r} must have no other "
                                 "key.")
            if marker == _ARRAY_KEY:
                return _decode_array(obj[_ARRAY_KEY], name)
            if marker == _PREDICTOR_KEY:
                return predictor_from_dict(obj[_PREDICTOR_KEY], source=name)
            items = obj[_TUPLE_KEY]
            if not isinstance(items, list):
                raise ValueError(f"{name}: a tuple must be a JSON list.")
            return tuple(decode_value(v, f"{name}[{i}]") for i, v in enumerate(items))
        return {k: decode_value(v, f"{name}[{k!r}]") for k, v in obj.items()}
    raise ValueError(f"{name}: unexpected value of type {type(obj).__name__}.")


# ---------------------------------------------------------------------------- registry
_PROTOCOL = ("get_params", "_to_state", "_from_state")


def _check_protocol(cls: Any) -> None:
    if not isinstance(cls, type):
        raise TypeError(f"register_predictor_class expects a class; got {cls!r}.")
    missing = [m for m in _PROTOCOL if not callable(getattr(cls, m, None))]
    if missing:
        raise TypeError(f"Predictor class {cls.__name__} lacks {', '.join(missing)}; subclass "
                        "BaseLatencyPredictor or implement the save protocol.")


def _saveable() -> dict[str, type]:
    """Every saveable class by class name: the registered predictors and adapters' classes."""
    from oneproxy_plugins.plugins import collect

    classes = list(collect("oneproxy_add_predictors").values())
    classes += [method.cls for method in collect("oneproxy_add_adapters").values()]
    out: dict[str, type] = {}
    for cls in classes:
        existing = out.setdefault(cls.__name__, cls)
        if existing is not cls:
            raise ValueError(f"Two registered predictor classes are named {cls.__name__!r} "
                             f"({existing.__module__} and {cls.__module__}); rename one.")
    return out


def _class_plugin(cls: type) -> Any:
    """The in-process plugin :func:`register_predictor_class` registers for one class."""
    import types

    from oneproxy_plugins.plugins import hookimpl

    @hookimpl
    def oneproxy_add_predictors() -> list[type]:
        return [cls]

    return types.SimpleNamespace(oneproxy_add_predictors=oneproxy_add_predictors)


def register_predictor_class(cls: type) -> type:
    """Make a predictor class of this process saveable, loadable and buildable by name.

    For a class defined in a script or notebook; a package registers its classes through the
    ``oneproxy_add_predictors`` plugin hook instead (see ``docs/plugins.md``), which this
    function uses too (:func:`oneproxy_plugins.plugins.register_plugin`). Usable as a class
    decorator. Registering the same class again is a no-op.

    Args:
        cls: A class with ``get_params()``, ``_to_state()`` and classmethod
            ``_from_state(params, state)`` (every
            :class:`~oneproxy_plugins.predictors.BaseLatencyPredictor` has them). Its ``name``
            class attribute (default: the class name) is its name for ``get_predictor``.

    Returns:
        ``cls``, unchanged.

    Raises:
        TypeError: ``cls`` is not a class or lacks the protocol's methods.
        ValueError: Another class is already registered under the same name.
    """
    from oneproxy_plugins.plugins import register_plugin

    _check_protocol(cls)
    existing = _saveable().get(cls.__name__)
    if existing is cls:
        return cls
    if existing is not None:
        raise ValueError(f"A predictor class named {cls.__name__!r} is already registered "
                         f"({existing.__module__}.{existing.__qualname__}); rename one of them.")
    register_plugin(_class_plugin(cls), name=registration_name(cls))
    return cls


def registration_name(cls: type) -> str:
    """The plugin name :func:`register_predictor_class` registers ``cls`` under (what
    :func:`oneproxy_plugins.plugins.unregister_plugin` takes to remove it)."""
    return f"predictor-class:{cls.__module__}.{cls.__qualname__}"


def registered_predictor_classes() -> dict[str, type]:
    """Every saveable predictor class by class name (predictors and adapters)."""
    return dict(_saveable())


def _resolve_class(name: Any, source: str) -> type:
    if not isinstance(name, str):
        raise DataFormatError(f"{source}: 'class' must be a string; got {name!r}.")
    registry = _saveable()
    if name not in registry:
        raise DataFormatError(f"{source}: unknown predictor class {name!r}; known: "
                              f"{', '.join(sorted(registry)) or '(none)'}. Install the plugin "
                              "that provides it, or register it with register_predictor_class "
                              "before loading.")
    return registry[name]


# ---------------------------------------------------------------------------- dicts and files
def _space_name(space: Any) -> str | None:
    return space if space is None or isinstance(space, str) else getattr(space, "name", space)


def predictor_to_dict(predictor: Any) -> dict[str, Any]:
    """The JSON-able document of a fitted predictor (what :func:`save_predictor` writes).

    Raises:
        NotFittedError: The predictor is not fitted.
        ValueError: Its class is not registered, or a parameter or attribute is not saveable.
    """
    cls = type(predictor)
    if _saveable().get(cls.__name__) is not cls:
        raise ValueError(f"{cls.__name__} is not a registered predictor class; register it with "
                         "register_predictor_class to save it.")
    params = dict(predictor.get_params(deep=False))
    for key in getattr(cls, "_params_in_state", ()):  # saved by the class's own _to_state
        params.pop(key, None)
    if "space" in params:
        params["space"] = _space_name(params["space"])
    try:
        encoded = {k: encode_value(v, f"parameter {k!r}") for k, v in params.items()}
        state = predictor._to_state()
    except TypeError as exc:
        raise ValueError(f"Cannot save {cls.__name__}: {exc}") from None
    from oneproxy_plugins import __version__

    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "class": cls.__name__,
            "module": cls.__module__, "space": _space_name(params.get("space")),
            "params": encoded, "state": state, "oneproxy_plugins_version": __version__}


def predictor_from_dict(document: Any, *, source: str = "predictor data") -> Any:
    """Rebuild a fitted predictor from :func:`predictor_to_dict`'s document.

    Args:
        document: The parsed JSON object.
        source: Where it came from (a file name), for error messages.

    Raises:
        DataFormatError: Not a predictor document, another format version, missing keys, an
            unknown class, or parameters or state that do not fit the class.
    """
    if not isinstance(document, Mapping):
        raise DataFormatError(f"{source}: expected a JSON object; got "
                              f"{type(document).__name__}.")
    if document.get("format") != FORMAT_NAME:
        raise DataFormatError(f"{source}: not a saved predictor ('format' is "
                              f"{document.get('format')!r}, expected {FORMAT_NAME!r}).")
    missing = [k for k in _REQUIRED_KEYS if k not in document]
    if missing:
        raise DataFormatError(f"{source}: missing key(s) {', '.join(missing)}.")
    version = document["format_version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        newer = isinstance(version, int) and not isinstance(version, bool) and \
            version > FORMAT_VERSION
        hint = " (written by a newer oneproxy-plugins; upgrade to read it)" if newer else ""
        raise DataFormatError(f"{source}: format_version {version!r} is not supported; this "
                              f"version reads {FORMAT_VERSION}{hint}.")
    cls = _resolve_class(document["class"], source)
    params, state = document["params"], document["state"]
    if not isinstance(params, Mapping) or not isinstance(state, Mapping):
        raise DataFormatError(f"{source}: 'params' and 'state' must be JSON objects.")
    try:
        params = {k: decode_value(v, f"parameter {k!r}") for k, v in params.items()}
        if "space" in document and _space_name(params.get("space")) != document["space"]:
            raise ValueError(f"'space' is {document['space']!r} but the parameters say "
                             f"{params.get('space')!r}")
        predictor = cls._from_state(params, state)
    except KeyError as exc:
        raise DataFormatError(f"{source}: the state of {cls.__name__} misses {exc.args[0]!r}."
                              ) from None
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{source}: cannot rebuild {cls.__name__}: {exc}") from None
    _check_consistent(predictor, source)
    return predictor


def _check_consistent(predictor: Any, source: str) -> None:
    """Predict one all-zero row, so that arrays of mismatched shapes fail at load, not later."""
    n_features = getattr(predictor, "n_features_in_", None)
    if not callable(getattr(predictor, "predict", None)) or n_features is None:
        return
    probe = getattr(predictor, "_probe_input", None)  # for predictors of architectures only
    try:
        x = probe() if callable(probe) else np.zeros((1, int(n_features)))
        out = np.asarray(predictor.predict(x), dtype=np.float64)
        if out.shape != (1,):
            raise ValueError(f"predict gave shape {out.shape} for one row")
    except Exception as exc:  # any failure here means the learned arrays do not fit together
        raise DataFormatError(f"{source}: the learned state of {type(predictor).__name__} is "
                              f"inconsistent ({type(exc).__name__}: {exc}).") from None


def save_predictor(predictor: Any, path: str | os.PathLike) -> Path:
    """Write a fitted predictor to a JSON file, atomically.

    Args:
        predictor: A fitted predictor of a registered class.
        path: Output file (conventionally ``*.json``).

    Returns:
        The path written.

    Raises:
        NotFittedError: The predictor is not fitted.
        ValueError: Its class is not registered, or its state is not saveable.
    """
    text = json.dumps(predictor_to_dict(predictor), allow_nan=False, separators=(",", ":"))
    atomic_write_text(path, text)
    return Path(path)


def load_predictor(path: str | os.PathLike) -> Any:
    """Read a predictor written by :func:`save_predictor`.

    Only JSON is parsed and only registered classes are instantiated; a file cannot run code.

    Raises:
        FileNotFoundError: No such file.
        DataFormatError: Not UTF-8 JSON, or not a valid predictor document (see
            :func:`predictor_from_dict`).
    """
    path = Path(path)
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path.name}: not a UTF-8 JSON file ({exc.reason}).") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise DataFormatError(f"{path.name}: not a JSON predictor file ({exc}).") from None
    return predictor_from_dict(document, source=path.name)
