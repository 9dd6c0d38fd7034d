"""Latency predictors: scikit-learn regressors from architectures to milliseconds on a device.

- :class:`RidgePredictor` (``"ridge"``): closed-form ridge on the space's encoding, optionally on
  log latency, ``alpha="auto"`` by exact leave-one-out. The default: fast, good from tens of
  samples, and the linear form AdaProxy adapts.
- :class:`GradientBoostingPredictor` (``"gbm"``): boosted trees, for hundreds of samples and
  devices with strong op interactions.
- :class:`MLPPredictor` (``"mlp"``): a small PyTorch network, also for hundreds of samples.

Every predictor takes ``X`` as encoded features or as architectures of its ``space``,
``evaluate`` reports SRCC, RMSE and nn-Meter's +-10% accuracy, and every fitted predictor saves
to JSON with :func:`save_predictor` (never pickle). :func:`get_predictor` builds one by name
from the plugin registry (the ``oneproxy_add_predictors`` hook), where a plugin's predictors
appear beside these.

Example:
    >>> from oneproxy_plugins.predictors import get_predictor
    >>> model = get_predictor("ridge", space="nasbench201", alpha=1e-9, log_target=True)
    >>> ids = ["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|"
    ...        "nor_conv_3x3~2|",
    ...        "|none~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|",
    ...        "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|none~2|"]
    >>> model.fit(ids, [12.0, 2.0, 4.0]).predict(ids).round(1).tolist()
    [12.0, 2.0, 4.0]
"""

from __future__ import annotations

from typing import Any

from oneproxy_plugins.exceptions import UnknownPredictorError
from oneproxy_plugins.predictors._base import BaseLatencyPredictor, check_latency
from oneproxy_plugins.predictors.boosting import GradientBoostingPredictor
from oneproxy_plugins.predictors.io import (load_predictor, predictor_from_dict,
                                            predictor_to_dict, register_predictor_class,
                                            registered_predictor_classes, save_predictor)
from oneproxy_plugins.predictors.metrics import fit_report, rmse, within_pct
from oneproxy_plugins.predictors.mlp import MLPPredictor
from oneproxy_plugins.predictors.ridge import RidgePredictor

__all__ = [
    "BaseLatencyPredictor",
    "RidgePredictor",
    "GradientBoostingPredictor",
    "MLPPredictor",
    "BUILTIN_PREDICTORS",
    "get_predictor",
    "list_predictors",
    "check_latency",
    "rmse",
    "within_pct",
    "fit_report",
    "save_predictor",
    "load_predictor",
    "predictor_to_dict",
    "predictor_from_dict",
    "register_predictor_class",
    "registered_predictor_classes",
]

BUILTIN_PREDICTORS: tuple[type[BaseLatencyPredictor], ...] = (RidgePredictor,
                                                               GradientBoostingPredictor,
                                                               MLPPredictor)
"""The predictors of oneproxy-plugins itself (registered through the plugin hook)."""


def list_predictors() -> dict[str, type]:
    """Every registered predictor class (built-in and from plugins) by name."""
    from oneproxy_plugins.plugins import collect

    return dict(collect("oneproxy_add_predictors"))


def get_predictor(name: str, **params: Any) -> BaseLatencyPredictor:
    """A new, unfitted predictor by registry name.

    Args:
        name: ``"ridge"``, ``"gbm"``, ``"mlp"`` or a name a plugin registered.
        **params: Constructor parameters of that class (``space``, ``alpha``, ...).

    Returns:
        The predictor.

    Raises:
        UnknownPredictorError: Unknown name; the message lists the known ones.
        TypeError: A parameter the class does not take.
    """
    registry = list_predictors()
    if not isinstance(name, str) or name not in registry:
        raise UnknownPredictorError(name, registry)
    return registry[name](**params)
