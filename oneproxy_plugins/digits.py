"""A real training task that needs no download: scikit-learn's bundled 8x8 digits images.

Needs PyTorch (the ``[measure]`` extra). The main job (:mod:`oneproxy_plugins.demo`) and
``examples/optuna_live.py`` use it as the accuracy objective of a NAS study: each sampled
NAS-Bench-201 cell is built as a small network (``C=8``, one cell per stage, 8x8 input),
trained for a few epochs on 1,347 images and scored on the 450 held-out ones. A few seconds
per network on one CPU core, and the accuracies differ enough between cells to give a real
accuracy/latency trade-off.

Example:
    >>> import optuna
    >>> from oneproxy_plugins.digits import DigitsObjective
    >>> objective = DigitsObjective("nasbench201", epochs=1)
    >>> trial = optuna.trial.FixedTrial({"lr": 0.01})
    >>> accuracy = objective(trial, ("skip_connect",) * 6)
    >>> 0.0 <= accuracy <= 1.0
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from oneproxy_plugins._checks import check_int
from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.spaces import Arch, BaseSpace, get_space

torch = optional_import("torch")  # training needs the [measure] extra; the task names it

if TYPE_CHECKING:
    import optuna

__all__ = ["DIGITS_BUILD", "load_digits_tensors", "DigitsObjective"]

#: ``space.build`` arguments for the digits task: a small NAS-Bench-201 network on 8x8 input.
DIGITS_BUILD: dict[str, Any] = {"C": 8, "N": 1, "num_classes": 10, "input_size": 8}


def load_digits_tensors(test_size: float = 0.25, seed: int = 0
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The digits images as ``(x_train, x_test, y_train, y_test)`` tensors.

    Images are scaled to [0, 1] and repeated over 3 channels (the networks' RGB input), shape
    ``(n, 3, 8, 8)``; the split is stratified and seeded.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    x = x.expand(-1, 3, -1, -1).contiguous()
    y = torch.tensor(digits.target)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y)
    return x_train, x_test, y_train, y_test


class DigitsObjective:
    """``f(trial, arch) -> test accuracy``: train the architecture briefly on the digits.

    Usable as the user objective of :class:`~oneproxy_plugins.optuna.OneProxyObjective`. The
    learning rate is a searched hyperparameter (``trial.suggest_float("lr", ...)``); the
    training order is seeded by the trial number, so a trial is reproducible.

    Args:
        space: The search space (or its name); its ``build`` must accept ``build_cfg``.
        epochs: Passes over the 1,347 training images.
        build_cfg: ``space.build`` arguments (default :data:`DIGITS_BUILD`).
        batch_size: Images per optimiser step.
        lr_range: ``(low, high)`` of the log-uniform learning rate.
        num_threads: PyTorch threads while training (restored after). One thread is the fast
            choice for networks this small, and several workers can train side by side.
    """

    def __init__(self, space: str | BaseSpace = "nasbench201", *, epochs: int = 3,
                 build_cfg: Mapping[str, Any] | None = None, batch_size: int = 64,
                 lr_range: tuple[float, float] = (3e-3, 3e-2), num_threads: int = 1) -> None:
        epochs = check_int("epochs", epochs, 1)
        batch_size = check_int("batch_size", batch_size, 1)
        num_threads = check_int("num_threads", num_threads, 1)
        low, high = lr_range
        if not 0 < low <= high:
            raise ValueError(f"The 'lr_range' argument must be (low, high) with "
                             f"0 < low <= high; got {lr_range!r}.")
        self.space = get_space(space)
        self.epochs = epochs
        self.build_cfg = dict(DIGITS_BUILD if build_cfg is None else build_cfg)
        self.batch_size = batch_size
        self.lr_range = (float(low), float(high))
        self.num_threads = num_threads
        self._data: tuple[torch.Tensor, ...] | None = None

    def __repr__(self) -> str:
        return (f"DigitsObjective(space={self.space.name!r}, epochs={self.epochs}, "
                f"build_cfg={self.build_cfg!r})")

    def __call__(self, trial: optuna.Trial, arch: Arch) -> float:
        if self._data is None:
            self._data = load_digits_tensors()
        lr = trial.suggest_float("lr", *self.lr_range, log=True)
        threads = torch.get_num_threads()
        torch.set_num_threads(self.num_threads)
        try:
            return self._train(trial.number, arch, lr)
        finally:
            torch.set_num_threads(threads)

    def _train(self, seed: int, arch: Arch, lr: float) -> float:
        x_train, x_test, y_train, y_test = self._data
        with torch.random.fork_rng(devices=[]):  # seeded weights, the caller's RNG untouched
            torch.manual_seed(seed)
            net = self.space.build(arch, **self.build_cfg).train()
        optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        generator = torch.Generator().manual_seed(seed)
        for _ in range(self.epochs):
            for batch in torch.randperm(len(x_train), generator=generator).split(self.batch_size):
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(x_train[batch]), y_train[batch])
                loss.backward()
                optimizer.step()
        net.eval()
        with torch.no_grad():
            return float((net(x_test).argmax(1) == y_test).float().mean())
