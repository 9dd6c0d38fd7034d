#!/usr/bin/env bash
# Learning curves of docs/benchmarks.md: K = 3, 5, 10, 20, 50 on every space, the default
# method with the random and the greedy sampler, beside `proxy` and `adaproxy-paper`.
# Usage: benchmarks/learning_curve.sh DATA_DIR OUT_DIR [REPEATS]
set -euo pipefail
DATA=${1:?data dir}; OUT=${2:?out dir}; R=${3:-10}; mkdir -p "$OUT"
OP=${OP:-oneproxy}
declare -A PROX TARG
PROX[nasbench201]=1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
TARG[nasbench201]=titanx_1,titanx_32,titanx_256,gold_6240,2080ti_1,titan_rtx_32,titanxp_256
PROX[fbnet]=1080ti_1,1080ti_32,1080ti_64,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
TARG[fbnet]=titanx_1,titanx_32,titanx_64,gold_6240,gold_6226,pixel2,titan_rtx_1
# OFA has GPUs only: older cards as proxies, newer ones as targets (no tuning was done on OFA)
PROX[ofa_mbv3]=2080ti_1,2080ti_32,2080ti_64,titan_xp_1,titan_xp_32,titan_xp_64
TARG[ofa_mbv3]=titan_rtx_1,titan_rtx_32,v100_1,v100_32,v100_64
for space in nasbench201 fbnet ofa_mbv3; do
  for k in 3 5 10 20 50; do
    for cfg in adaproxy:greedy adaproxy:random proxy:greedy adaproxy-paper:greedy; do
      m=${cfg%%:*}; s=${cfg##*:}
      $OP bench fewshot --no-progress --space $space --data "$DATA" --proxies ${PROX[$space]} \
        --targets ${TARG[$space]} --samples $k --repeats $R --method $m --sampler $s \
        --json "$OUT/$space-k$k-$m-$s.json" | tail -1
    done
  done
done
