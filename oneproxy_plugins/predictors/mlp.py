"""A small multilayer perceptron of latency, trained with PyTorch on the CPU, predicted in numpy.

Features are standardised, the target (log latency optionally) too; the network is trained
with Adam from a seeded initialisation, full-batch up to 4096 samples and in mini-batches of
1024 above, and its weights are then kept as float64 numpy arrays. Prediction is a few matrix
products with no torch call, so a fitted predictor saves to JSON exactly and predicts the same
after loading. torch is imported by ``fit`` only.

When to use it: with hundreds of samples or more, as an alternative to
:class:`~oneproxy_plugins.predictors.GradientBoostingPredictor` with smoother predictions (it
interpolates between op counts instead of splitting on them) and faster prediction. Fitting
takes seconds, not milliseconds, and results vary a little with the seed; with tens of
samples use :class:`~oneproxy_plugins.predictors.RidgePredictor`.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.predictors import MLPPredictor
    >>> X = np.random.default_rng(0).integers(0, 2, size=(200, 6)).astype(float)
    >>> y = 1.0 + X[:, 0] * X[:, 1] + X[:, 2]
    >>> model = MLPPredictor(max_epochs=300, random_state=0).fit(X, y)
    >>> float(np.abs(model.predict(X) / y - 1).max()) < 0.1
    True
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.predictors._base import (BaseLatencyPredictor, _check_bool_params,
                                               _check_int_param, _check_real_param)

__all__ = ["MLPPredictor"]

_FULL_BATCH_MAX = 4096


class MLPPredictor(BaseLatencyPredictor):
    """Fully connected ReLU network regressing (log) latency on architecture features.

    Args:
        space: Search space name whose encoding turns architectures into features, or
            ``None`` when ``X`` is always given as features.
        hidden_layer_sizes: Width of each hidden layer, ints >= 1 (``()``: a linear model).
        alpha: L2 penalty, applied as Adam's weight decay, >= 0.
        learning_rate: Adam's step size, > 0.
        max_epochs: Passes over the training data, >= 1.
        batch_size: Mini-batch size, or ``None``: the whole set up to 4096 samples, 1024 above.
        log_target: Fit ``log(latency)`` and predict ``exp`` of it (positive predictions).
        random_state: Seed (int), ``numpy.random.RandomState`` or ``None`` of the
            initialisation and the batch order.
        n_threads: torch intra-op threads while fitting (torch's setting is restored
            afterwards), or ``None`` to leave torch's setting alone. One thread is the fastest
            for networks this small, by far when other processes share the cores.

    Attributes:
        coefs_: List of weight arrays, the i-th of shape ``(n_in_i, n_out_i)``.
        intercepts_: List of bias arrays, the i-th of shape ``(n_out_i,)``.
        x_mean_, x_scale_: Arrays of shape ``(n_features_in_,)`` standardising the features.
        y_mean_, y_scale_: Floats standardising the (log) target.
        loss_: Training loss (mean squared error of the standardised target) after the last
            epoch.
        n_features_in_: Number of features.
    """

    name = "mlp"
    """Registry name: ``get_predictor("mlp")``."""

    _state_attrs = BaseLatencyPredictor._state_attrs + (
        "coefs_", "intercepts_", "x_mean_", "x_scale_", "y_mean_", "y_scale_", "loss_")

    def __init__(self, space: str | None = None, hidden_layer_sizes: tuple[int, ...] = (64, 64),
                 alpha: float = 1e-4, learning_rate: float = 3e-3, max_epochs: int = 100,
                 batch_size: int | None = None, log_target: bool = False,
                 random_state: Any = None, n_threads: int | None = 1) -> None:
        self.space = space
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.log_target = log_target
        self.random_state = random_state
        self.n_threads = n_threads

    def _check_params(self) -> None:
        super()._check_params()
        sizes = self.hidden_layer_sizes
        if (not isinstance(sizes, (list, tuple)) or not all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
                for s in sizes)):
            raise ValueError("The 'hidden_layer_sizes' parameter must be a tuple of ints >= 1; "
                             f"got {sizes!r}.")
        _check_real_param(self, "alpha", low=0.0)
        _check_real_param(self, "learning_rate", low=0.0, low_open=True)
        _check_int_param(self, "max_epochs", 1)
        _check_int_param(self, "batch_size", 1, allow_none=True)
        _check_int_param(self, "n_threads", 1, allow_none=True)
        _check_bool_params(self, "log_target")

    def _seed(self) -> int:
        from sklearn.utils import check_random_state

        try:
            return int(check_random_state(self.random_state).randint(2**31 - 1))
        except ValueError:
            raise ValueError("The 'random_state' parameter must be None, an int or a numpy "
                             f"RandomState; got {self.random_state!r}.") from None

    def _fit(self, F: np.ndarray, y: np.ndarray) -> None:
        torch = optional_import("torch")

        seed = self._seed()
        target = np.log(y) if self.log_target else y
        self.x_mean_ = F.mean(axis=0)
        scale = F.std(axis=0)
        self.x_scale_ = np.where(scale > 0, scale, 1.0)
        self.y_mean_ = float(target.mean())
        self.y_scale_ = float(target.std()) or 1.0
        threads_before = torch.get_num_threads()
        if self.n_threads is not None:
            torch.set_num_threads(self.n_threads)
        try:
            self._train(F, target, seed)
        finally:
            torch.set_num_threads(threads_before)
        if not all(np.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ValueError("MLPPredictor training diverged (non-finite weights); lower "
                             f"'learning_rate' (now {self.learning_rate}).")

    def _train(self, F: np.ndarray, target: np.ndarray, seed: int) -> None:
        torch = optional_import("torch")

        n = F.shape[0]
        batch = self.batch_size or (n if n <= _FULL_BATCH_MAX else 1024)
        with torch.random.fork_rng(devices=[]):  # leave the caller's torch seed alone
            torch.manual_seed(seed)
            Xt = torch.as_tensor((F - self.x_mean_) / self.x_scale_, dtype=torch.float32)
            yt = torch.as_tensor((target - self.y_mean_) / self.y_scale_,
                                 dtype=torch.float32)[:, None]
            widths = [F.shape[1], *map(int, self.hidden_layer_sizes), 1]
            layers: list[torch.nn.Module] = []
            for i in range(len(widths) - 1):
                layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
                if i < len(widths) - 2:
                    layers.append(torch.nn.ReLU())
            net = torch.nn.Sequential(*layers)
            optimiser = torch.optim.Adam(net.parameters(), lr=self.learning_rate,
                                         weight_decay=self.alpha)
            order = torch.Generator().manual_seed(seed)
            loss = torch.zeros(())
            for _ in range(self.max_epochs):
                perm = torch.randperm(n, generator=order) if batch < n else None
                for start in range(0, n, batch):
                    rows = slice(None) if perm is None else perm[start:start + batch]
                    optimiser.zero_grad()
                    loss = torch.nn.functional.mse_loss(net(Xt[rows]), yt[rows])
                    loss.backward()
                    optimiser.step()
            linears = [m for m in net if isinstance(m, torch.nn.Linear)]
            # C order, as after a save/load round trip, so that BLAS sums in the same order.
            self.coefs_ = [np.ascontiguousarray(m.weight.detach().numpy().T, dtype=np.float64)
                           for m in linears]
            self.intercepts_ = [m.bias.detach().numpy().astype(np.float64) for m in linears]
        self.loss_ = float(loss.detach())

    def _predict(self, F: np.ndarray) -> np.ndarray:
        h = (F - self.x_mean_) / self.x_scale_
        for W, b in zip(self.coefs_[:-1], self.intercepts_[:-1]):
            h = h @ W
            h += b
            np.maximum(h, 0.0, out=h)
        out = (h @ self.coefs_[-1])[:, 0] + self.intercepts_[-1][0]
        out = out * self.y_scale_ + self.y_mean_
        if self.log_target:
            np.exp(out, out=out)
        return out
