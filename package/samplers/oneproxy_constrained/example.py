"""Load the sampler from a local OptunaHub registry and run a small constrained study.

Run from the repository root: ``python package/samplers/oneproxy_constrained/example.py``.
"""

from __future__ import annotations

import optuna
import optunahub

from oneproxy_plugins.predictors import RidgePredictor
from oneproxy_plugins.spaces import get_space

optuna.logging.set_verbosity(optuna.logging.WARNING)
module = optunahub.load_local_module("samplers/oneproxy_constrained", registry_root="package/")

space = get_space("nasbench201")
ids = [space.to_id(a) for a in space.sample_many(200, rng=0)]
counts = space.encode_many(ids)[:, 30:]  # how often each op occurs
predictor = RidgePredictor(space="nasbench201").fit(ids, 1 + counts @ [0, 0, 1, 2, 0.5])
constraint = module.LatencyConstraint(predictor, max_ms=5.0)
sampler = module.ProxyConstrainedSampler(optuna.samplers.TPESampler(seed=0), constraint)


def objective(trial: optuna.Trial) -> float:
    arch = space.suggest(trial)
    return arch.count("nor_conv_3x3") + 0.5 * arch.count("nor_conv_1x1")


study = optuna.create_study(direction="maximize", sampler=sampler)
study.optimize(objective, n_trials=30)
print(study.best_params, constraint.predict_ms(space.from_params(study.best_params)))
