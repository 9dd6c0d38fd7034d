"""The digits training task: real, seeded, and strict about its arguments."""

from __future__ import annotations

import pytest

pytest.importorskip("optuna", reason="needs optuna: pip install 'oneproxy-plugins[optuna]'")
pytest.importorskip("torch", reason="needs torch: pip install 'oneproxy-plugins[measure]'")

import optuna  # noqa: E402
import torch  # noqa: E402

from oneproxy_plugins.digits import DIGITS_BUILD, DigitsObjective, load_digits_tensors  # noqa: E402


def test_tensors_shapes_and_split():
    x_train, x_test, y_train, y_test = load_digits_tensors()
    assert x_train.shape[1:] == (3, 8, 8) and len(x_train) + len(x_test) == 1797
    assert len(x_test) == 450 and float(x_train.max()) <= 1.0
    assert set(y_test.tolist()) == set(range(10))


def test_training_learns_and_is_reproducible():
    objective = DigitsObjective("nasbench201", epochs=2)
    arch = ("nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_1x1", "skip_connect",
            "nor_conv_3x3")
    state, threads = torch.random.get_rng_state(), torch.get_num_threads()
    first = objective(optuna.trial.FixedTrial({"lr": 0.01}), arch)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's RNG untouched
    assert torch.get_num_threads() == threads
    assert first > 0.5  # ten classes: chance is 0.1
    assert objective(optuna.trial.FixedTrial({"lr": 0.01}), arch) == first


def test_no_op_cell_stays_near_chance():
    objective = DigitsObjective("nasbench201", epochs=1)
    assert objective(optuna.trial.FixedTrial({"lr": 0.01}), ("none",) * 6) < 0.5


def test_learning_rate_is_searched():
    study = optuna.create_study(direction="maximize")
    study.enqueue_trial({"lr": 0.02})
    objective = DigitsObjective("nasbench201", epochs=1, build_cfg={**DIGITS_BUILD, "C": 4})
    study.optimize(lambda t: objective(t, ("skip_connect",) * 6), n_trials=1)
    assert study.trials[0].params == {"lr": 0.02}


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=0), "'epochs' argument must be an int >= 1"),
    (dict(batch_size=0), "'batch_size' argument must be an int >= 1"),
    (dict(lr_range=(0.1, 0.01)), "'lr_range' argument must be"),
    (dict(num_threads=0), "'num_threads' argument must be an int >= 1"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DigitsObjective("nasbench201", **kwargs)
