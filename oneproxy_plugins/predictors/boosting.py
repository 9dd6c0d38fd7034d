"""Gradient-boosted regression trees of latency, fitted by scikit-learn, predicted in numpy.

The trees are fitted by :class:`sklearn.ensemble.GradientBoostingRegressor` and copied, from
its public ``estimators_[i, 0].tree_`` arrays, into flat node arrays that this class predicts
with on its own (all trees at once, level by level). So a fitted predictor holds only arrays,
saves to JSON exactly (:func:`~oneproxy_plugins.predictors.save_predictor`), and predicts the
same numbers before and after a round trip; they equal scikit-learn's own predictions bit for
bit. (``HistGradientBoostingRegressor`` fits faster on large tables, but its trees are not
public API, so they could not be saved safely; at latency-table sizes, up to tens of thousands
of rows and tens of features, the classic booster fits in about a second and ranks as well.)

When to use it: with a few hundred or more samples on devices where ops interact, where it
beats a linear model (NAS-Bench-201 on ``pixel3`` from 1000 samples: SRCC 0.96 against ridge's
0.94). With tens of samples use :class:`~oneproxy_plugins.predictors.RidgePredictor`. It
predicts all of NAS-Bench-201 in tens of milliseconds, not the linear model's tens of
microseconds.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.predictors import GradientBoostingPredictor
    >>> X = np.random.default_rng(0).integers(0, 2, size=(200, 6)).astype(float)
    >>> y = 1.0 + X[:, 0] * X[:, 1] + X[:, 2]
    >>> model = GradientBoostingPredictor(random_state=0).fit(X, y)
    >>> float(np.abs(model.predict(X) - y).max()) < 0.01
    True
"""

from __future__ import annotations

import numbers

import numpy as np

from oneproxy_plugins.predictors._base import (BaseLatencyPredictor, _check_bool_params,
                                               _check_int_param, _check_real_param)

__all__ = ["GradientBoostingPredictor"]


def _tree_levels(roots: np.ndarray, left: np.ndarray, right: np.ndarray) -> int:
    """Number of levels to walk so that every root reaches a leaf (children are global
    indices; a leaf is its own child)."""
    level, depth = roots, 0
    while True:
        children = np.concatenate([left[level], right[level]])
        inner = children != np.concatenate([level, level])
        if not inner.any():
            return depth
        level = np.unique(children[inner])
        depth += 1


class GradientBoostingPredictor(BaseLatencyPredictor):
    """Gradient-boosted trees (squared error) of latency or log latency.

    Args:
        space: Search space name whose encoding turns architectures into features, or
            ``None`` when ``X`` is always given as features.
        n_estimators: Number of boosting stages (trees), >= 1.
        learning_rate: Shrinkage of each tree, > 0.
        max_depth: Depth of each tree, >= 1.
        min_samples_leaf: Minimum training samples in a leaf, >= 1.
        subsample: Fraction of samples drawn for each tree, in (0, 1] (below 1: stochastic
            gradient boosting).
        log_target: Fit ``log(latency)`` and predict ``exp`` of it.
        random_state: Seed of scikit-learn's randomness (feature permutation, subsampling).

    Attributes:
        init_: The constant the trees start from (mean training target), a float.
        tree_roots_: Array of shape ``(n_estimators,)``: index of each tree's root node.
        node_feature_: Array of shape ``(n_nodes,)``: feature tested at a node (0 at leaves).
        node_threshold_: Array of shape ``(n_nodes,)``: go left when ``x <= threshold``
            (``x`` rounded to float32, as scikit-learn's trees do; +inf at leaves).
        node_left_, node_right_: Arrays of shape ``(n_nodes,)``: children (a leaf points to
            itself).
        node_value_: Array of shape ``(n_nodes,)``: leaf value times ``learning_rate``.
        n_features_in_: Number of features.
    """

    name = "gbm"
    """Registry name: ``get_predictor("gbm")``."""

    _state_attrs = BaseLatencyPredictor._state_attrs + (
        "init_", "tree_roots_", "node_feature_", "node_threshold_", "node_left_", "node_right_",
        "node_value_")

    def __init__(self, space: str | None = None, n_estimators: int = 100,
                 learning_rate: float = 0.1, max_depth: int = 3, min_samples_leaf: int = 1,
                 subsample: float = 1.0, log_target: bool = False,
                 random_state: int | None = None) -> None:
        self.space = space
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.subsample = subsample
        self.log_target = log_target
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        for name in ("n_estimators", "max_depth", "min_samples_leaf"):
            _check_int_param(self, name, 1)
        _check_real_param(self, "learning_rate", low=0.0, low_open=True)
        _check_real_param(self, "subsample", low=0.0, low_open=True, high=1.0)
        _check_bool_params(self, "log_target")
        seed = self.random_state
        if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
                                 or not 0 <= seed < 2**32):
            raise ValueError(f"The 'random_state' parameter must be None or an int in "
                             f"[0, 2**32); got {seed!r}.")

    def _fit(self, F: np.ndarray, y: np.ndarray) -> None:
        from sklearn.ensemble import GradientBoostingRegressor

        target = np.log(y) if self.log_target else y
        booster = GradientBoostingRegressor(
            loss="squared_error", n_estimators=self.n_estimators,
            learning_rate=self.learning_rate, max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf, subsample=self.subsample,
            random_state=self.random_state).fit(F, target)
        trees = [est.tree_ for est in booster.estimators_[:, 0]]
        sizes = np.array([t.node_count for t in trees])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        feature = np.concatenate([t.feature for t in trees]).astype(np.int64)
        threshold = np.concatenate([t.threshold for t in trees]).astype(np.float64)
        left = np.concatenate([t.children_left for t in trees]).astype(np.int64)
        right = np.concatenate([t.children_right for t in trees]).astype(np.int64)
        value = np.concatenate([t.value[:, 0, 0] for t in trees]).astype(np.float64)
        leaf = left < 0
        base = np.repeat(offsets, sizes)
        own = np.arange(feature.size)
        self.tree_roots_ = offsets.astype(np.int64)
        self.node_feature_ = np.where(leaf, 0, feature)
        self.node_threshold_ = np.where(leaf, np.inf, threshold)
        self.node_left_ = np.where(leaf, own, left + base)
        self.node_right_ = np.where(leaf, own, right + base)
        # scikit-learn adds learning_rate * value per tree; the product is the same number.
        self.node_value_ = np.where(leaf, self.learning_rate * value, 0.0)
        self.init_ = float(np.ravel(booster.init_.constant_)[0])

    def _predict(self, F: np.ndarray) -> np.ndarray:
        n, p = F.shape
        roots = self.tree_roots_
        levels = _tree_levels(roots, self.node_left_, self.node_right_)
        # scikit-learn's trees compare float32 inputs with float64 thresholds.
        flat = F.astype(np.float32).ravel()
        row_start = (np.arange(n, dtype=np.int64) * p)[:, None]
        child = np.stack([self.node_left_, self.node_right_], axis=1).ravel()
        pos = np.broadcast_to(roots, (n, roots.size)).copy()
        for _ in range(levels):
            go_right = flat[row_start + self.node_feature_[pos]] > self.node_threshold_[pos]
            pos = child[2 * pos + go_right]
        leaf_values = self.node_value_[pos]
        out = np.full(n, self.init_)
        for j in range(roots.size):  # tree by tree, the order in which scikit-learn sums
            out += leaf_values[:, j]
        if self.log_target:
            np.exp(out, out=out)
        return out
