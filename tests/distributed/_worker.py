"""One worker process of the distributed tests: a one-proxy search on a shared study.

Run as ``python _worker.py '<json>'`` with ``storage`` (a database URL, or a journal file
path), ``study``, ``n_trials``, ``predictors`` (a folder of predictor JSON files:
``proxy.json`` and one per target), ``seed``, ``name``, and optionally ``heartbeat`` (use
Optuna's heartbeat and retry failed trials), ``sleep_s`` (per trial) and ``hang_marker``
(write this file from inside the first trial, then sleep until killed).
"""

import json
import sys
import time
from pathlib import Path

import optuna
from optuna.storages import RDBStorage, RetryFailedTrialCallback

from oneproxy_plugins.optuna import OneProxyCallback, OneProxyObjective, open_storage
from oneproxy_plugins.predictors import load_predictor


def main(config):
    folder = Path(config["predictors"])
    proxy = load_predictor(folder / "proxy.json")
    targets = {p.stem: load_predictor(p) for p in sorted(folder.glob("*.json"))
               if p.stem != "proxy"}
    if config.get("heartbeat"):
        storage = RDBStorage(config["storage"], heartbeat_interval=1, grace_period=2,
                             failed_trial_callback=RetryFailedTrialCallback(max_retry=2))
    else:
        storage = open_storage(config["storage"])

    def accuracy(trial, arch):
        trial.set_user_attr("worker", config["name"])
        if config.get("hang_marker"):
            Path(config["hang_marker"]).write_text(str(trial.number))
            time.sleep(600)  # killed here
        time.sleep(config.get("sleep_s", 0.0))
        # a deterministic stand-in for training: convs help, pooling and none hurt
        return (arch.count("nor_conv_3x3") + 0.5 * arch.count("nor_conv_1x1")
                - 0.3 * arch.count("none"))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=config["study"], storage=storage,
                              sampler=optuna.samplers.NSGAIISampler(population_size=10,
                                                                    seed=config["seed"]))
    study.optimize(OneProxyObjective(accuracy, proxy), n_trials=config["n_trials"],
                   callbacks=[OneProxyCallback(targets)])


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
