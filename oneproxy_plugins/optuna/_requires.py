"""Imported first by :mod:`oneproxy_plugins.optuna`: a missing Optuna is an ``ImportError``
naming the ``[optuna]`` extra, not a bare ``No module named 'optuna'``."""

from oneproxy_plugins._imports import optional_import

optional_import("optuna")
