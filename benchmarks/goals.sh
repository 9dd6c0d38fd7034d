#!/usr/bin/env bash
# Issue 17's goals with the defaults as shipped: each goal's own command, on the devices of the
# data, the few-shot cases left one device out at a time (`--protocol lodo --grid '[{}]'`: the
# default adapter, nothing chosen, every device scored with a pool without it). The table of
# docs/benchmarks.md, "Issue 17's goals as shipped", is this script's output.
# Usage: benchmarks/goals.sh DATA_DIR OUT_DIR (resumable: a result already in OUT_DIR is kept)
# The few-shot cases run with the default `--prior-devices others` (every other device of the
# data in the adapter's prior); PRIOR=none benchmarks/goals.sh DATA_DIR OUT_DIR runs them with
# the proxies' prior alone (the default before), the rest as shipped. The adapter's cost is
# timed the same way (PRIOR is none or others).
# About 35 minutes on two cores; the summaries, the full-data ceilings and the adapter's cost
# are printed at the end.
set -euo pipefail
DATA=${1:?data dir}; OUT=${2:?out dir}; mkdir -p "$OUT"
OP=${OP:-oneproxy}; PY=${PY:-python}
HERE=$(dirname "$0")
NB_P=1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
FB_P=1080ti_1,1080ti_32,1080ti_64,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
GPUS=1080ti_1,1080ti_32,1080ti_256,2080ti_1,2080ti_32,2080ti_256,titan_rtx_1,titan_rtx_32,titanx_1,titanx_32,titanx_256,titanxp_1,titanxp_32,titanxp_256
SUBSET=nnmeter_adreno630,nnmeter_adreno640,nnmeter_myriadvpu,eagle_i7_7820x,eagle_sd855_cpu,eagle_sd855_gpu,eagle_sd855_dsp,eagle_jetson_nano_fp32,eagle_jetson_nano_fp16,eagle_edgetpu,hwnasbench_edgegpu
mkdir -p "$OUT/lodo" "$OUT/transfer"
run() {  # run DIR NAME ARGS...: one `oneproxy bench fewshot`, its JSON OUT/DIR/NAME.json
  local file=$OUT/$1/$2.json; shift 2
  if [ -s "$file" ]; then echo "== $file (kept)"; return; fi
  echo "== $file"; $OP bench fewshot --no-progress --json "$file" "$@" | tail -1
}
PRIOR_ARGS=${PRIOR:+--prior-devices $PRIOR}
lodo() { run lodo "$@" --protocol lodo --grid '[{}]' $PRIOR_ARGS; }
PIXEL3_TARGETS=$($PY -c "
import sys
from oneproxy_plugins.latency import load_data_dir
print(','.join(d for d in load_data_dir([sys.argv[1]], 'nasbench201').devices if d != 'pixel3'))" "$DATA")

# NAS-Bench-201: K=10 all, K=10 HELP's split, K=5, pixel3 alone; FBNet: K=10 all, HELP's split
lodo nb201-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10
run lodo nb201-k10-help --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo-help --grid '[{}]' $PRIOR_ARGS
lodo nb201-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5
lodo nb201-k10-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples 10
lodo fbnet-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10
run lodo fbnet-k10-help --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo-help --grid '[{}]' $PRIOR_ARGS
# the subset's devices as the pool, each left out in turn, K=10; the VPU alone -> HELP's
# fourteen desktop GPUs, on the 1,999 cells the VPU has, K=10
for t in ${SUBSET//,/ }; do
  pool=$(echo ",$SUBSET," | sed "s/,$t,/,/; s/^,//; s/,$//")
  run transfer subset-pool-k10-$t --space nasbench201 --data "$DATA" --proxies "$pool" --targets "$t" --samples 10
done
run transfer vpu-gpu-k10 --space nasbench201 --data "$DATA" --proxies nnmeter_myriadvpu --targets $GPUS --samples 10
# the one-proxy search: exhaustive, 32 targets, seeds 0-9; NSGA-II steered by the targets, 500
# trials, the 20 targets measured on every cell, seeds 0-9
echo "== search"; $PY "$HERE/search_guard.py" "$DATA" "$OUT/search" auto | tail -1
echo "== nsga2"; $PY "$HERE/search_steer.py" "$DATA" "$OUT/steer" --settings targets | tail -3

echo; echo "== few-shot, left one device out"
$PY "$HERE/summarize_lodo.py" "$OUT"/lodo/*.json
echo; echo "== subset pool (each device left out), VPU -> desktop GPUs"
$PY "$HERE/summarize.py" "$OUT/transfer"
$PY -c "
import json, sys
from pathlib import Path
means = {p.stem: json.loads(p.read_text())['srcc_mean'] for p in Path(sys.argv[1]).glob('subset-pool-*.json')}
worst = min(means, key=means.get)
print(f'subset pool, K=10: mean {sum(means.values()) / len(means):.4f} over {len(means)} devices, worst {worst} {means[worst]:.3f}')" "$OUT/transfer"
echo; echo "== with every cell measured: the adapter's linear family, 5-fold"
$PY "$HERE/fewshot_ceiling.py" "$DATA" "$OUT"/lodo/nb201-k10-{all,help}.json \
  "$OUT"/lodo/fbnet-k10-{all,help}.json | grep '^##\|^- '
echo; echo "== fit on K=10 samples, predict all 15,625 NAS-Bench-201 cells (medians)"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $PY "$HERE/adapter_cost.py" "$DATA" --prior-devices "${PRIOR:-others}"
