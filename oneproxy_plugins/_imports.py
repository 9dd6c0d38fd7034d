"""Optional imports that fail at first use with the extra to install, never at import time."""

from __future__ import annotations

import importlib
from types import ModuleType

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
