"""Optional imports that fail at first use with the extra to install, never at import time."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

_EXTRAS = {
    "optuna": "optuna",
    "sqlalchemy": "optuna",
    "torch": "measure",
    "onnx": "onnx",
    "onnxruntime": "onnx",
    "openvino": "openvino",
    "nni": "nni",
    "pytorch_lightning": "nni",
    "matplotlib": "viz",
    "plotly": "viz",
    "optunahub": "hub",
    "psycopg2": "postgres",
}
"""Which extra of ``pyproject.toml`` installs each optional top-level module."""


def optional_import(module: str) -> ModuleType:
    """Import ``module`` or raise an ``ImportError`` naming the extra that provides it.

    Args:
        module: Dotted module name, e.g. ``"onnxruntime"``.

    Returns:
        The imported module.

    Raises:
        ImportError: The module is not installed; the message says which extra installs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = _EXTRAS.get(top)
        hint = f"pip install 'oneproxy-plugins[{extra}]'" if extra else f"pip install {top}"
        if top == "torch":  # a plain install of torch can pull a multi-GB CUDA build
            hint += " (pin the CPU build, e.g. torch==2.13.0, where there is no GPU)"
        raise ImportError(f"{module!r} is required for this feature but could not be imported "
                          f"({exc}); install it with: {hint}") from exc


def lazy_attributes(module: str, lazy: Mapping[str, str]
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` (PEP 562) for names imported on first use.

    Args:
        module: The package's ``__name__``.
        lazy: ``{name: module that defines it}``; a name, once looked up, is kept on the package.

    Returns:
        ``(__getattr__, __dir__)`` to assign at the package's top level.
    """
    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        if name in lazy:
            value = getattr(importlib.import_module(lazy[name]), name)
            setattr(sys.modules[module], name, value)
            return value
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*vars(sys.modules[module]), *lazy})

    return __getattr__, __dir__
