"""Trial of examples/nni_tuner_config.yml: a NAS-Bench-201 cell from NNI's parameters, scored by
its CIFAR-10 accuracy in the data directory ``$ONEPROXY_DATA`` (no training).

NNI runs it once per configuration that OneProxyTuner proposes; outside NNI it scores the cell
of ``--params '{"edge_0_1": "nor_conv_3x3", ...}'``.
"""

from __future__ import annotations

import argparse
import json
import os

import nni

from oneproxy_plugins.latency import load_accuracy
from oneproxy_plugins.nni.hub import sample_to_arch_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", type=json.loads, default=None,
                        help="parameters as JSON (default: nni.get_next_parameter())")
    args = parser.parse_args()
    params = args.params if args.params is not None else nni.get_next_parameter()
    arch_id = sample_to_arch_id(params, "nasbench201")
    accuracy = load_accuracy(os.environ["ONEPROXY_DATA"], "nasbench201")
    value = float(accuracy.column("cifar10")[accuracy.row_of(arch_id)])
    nni.report_final_result(value)
    print(f"{arch_id}: {value:.2f}%")


if __name__ == "__main__":
    main()
