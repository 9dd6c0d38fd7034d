#!/usr/bin/env bash
# The one-proxy search benchmark of docs/benchmarks.md: proxy pixel3, NAS-Bench-201, CIFAR-10,
# every other NAS-Bench-201 device of the data as a target. Then:
#   python benchmarks/summarize_search.py OUT_DIR
set -euo pipefail

TARGETS=1080ti_1,1080ti_256,1080ti_32,2080ti_1,2080ti_256,2080ti_32,essential_ph_1,gold_6240,samsung_a50,samsung_s7,silver_4114,silver_4210r,titan_rtx_1,titan_rtx_32,titanx_1,titanx_256,titanx_32,titanxp_1,titanxp_256,titanxp_32,nnmeter_adreno630,nnmeter_adreno640,nnmeter_myriadvpu,eagle_i7_7820x,eagle_sd855_cpu,eagle_sd855_gpu,eagle_sd855_dsp,eagle_jetson_nano_fp32,eagle_jetson_nano_fp16,eagle_edgetpu,hwnasbench_edgegpu,hwnasbench_edgetpu
DATA=${1:?usage: benchmarks/search.sh DATA_DIR OUT_DIR}
O=${2:?usage: benchmarks/search.sh DATA_DIR OUT_DIR}
mkdir -p "$O"
for K in 0 10 20 50; do
  oneproxy bench search --space nasbench201 --data "$DATA" --accuracy cifar10 \
      --proxy pixel3 --targets $TARGETS --samples $K --json "$O"/exhaustive_k$K.json
done
for S in 1 2 3 4; do
  oneproxy bench search --space nasbench201 --data "$DATA" --accuracy cifar10 \
      --proxy pixel3 --targets $TARGETS --samples 10 --seed $S --json "$O"/exhaustive_k10_s$S.json
done
# nsga2 rows: the study steered by the proxy alone (--steer proxy, what these rows measured
# before the targets could steer it); benchmarks/search_steer.py compares both over seeds
for K in 0 10; do
  oneproxy bench search --space nasbench201 --data "$DATA" --accuracy cifar10 \
      --proxy pixel3 --targets $TARGETS --samples $K --optimizer nsga2 --trials 500 \
      --steer proxy --json "$O"/nsga2_k$K.json
done
oneproxy bench search --space nasbench201 --data "$DATA" --accuracy cifar10 \
    --proxy pixel3 --targets $TARGETS --samples 0 --optimizer nsga2 --trials 500 --oracle \
    --json "$O"/nsga2_oracle.json
