#!/usr/bin/env bash
# Nested leave-one-device-out few-shot benchmarks of docs/benchmarks.md (issue 17): HELP's nine
# proxies as the pool, every device of the space left out in turn, the adapter's parameters
# chosen without it. Usage: benchmarks/lodo.sh DATA_DIR OUT_DIR
# then: python benchmarks/summarize_lodo.py OUT_DIR/*.json
set -euo pipefail
DATA=${1:?data dir}; OUT=${2:?out dir}; mkdir -p "$OUT"
OP=${OP:-oneproxy}
NB_P=1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
FB_P=1080ti_1,1080ti_32,1080ti_64,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
# K=5: the grid of the small-K priors tried (docs/benchmarks.md, "Small K")
# (small_k_noise 0: the noise chosen on the samples alone, as before the floor this run chose)
K5_GRID='[{"guard": "loo", "small_k_noise": 0}, {"guard": "none", "small_k_noise": 0}, {"guard": "none", "rank_weight": 5, "small_k_noise": 0}, {"guard": "none", "rank_weight": 5, "temperature": 20, "small_k_noise": 0}, {"guard": "none", "noise": 0.03}]'
NOISE_GRID='[{"guard": "none"}, {"guard": "none", "noise": 0.03}, {"guard": "none", "noise": 0.03, "rank_weight": 5}, {"guard": "none", "noise": 0.1}]'
run() { local name=$1; shift; echo "== $name"; $OP bench fewshot --no-progress --json "$OUT/$name.json" "$@" | tail -1; }

# NAS-Bench-201's four cases of a grid: nb201-TAG-{k10-all,k10-help,k5-all,k10-pixel3}.json
# (HELP's nine proxies at K=10, on HELP's split, at K=5; pixel3 alone, with a third grid if given)
nb201_cases() {
  local tag=$1 grid=$2 pixel3_grid=${3:-$2}
  run nb201-$tag-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo --grid "$grid"
  run nb201-$tag-k10-help --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo-help --grid "$grid"
  run nb201-$tag-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid "$grid"
  run nb201-$tag-k10-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples 10 --protocol lodo --grid "$pixel3_grid"
}

run nb201-lodo-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo
run nb201-lodo-k10-help --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo-help
run nb201-lodo-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid "$K5_GRID"
PIXEL3_TARGETS=$("${PY:-python}" -c "
import sys
from oneproxy_plugins.latency import load_data_dir
print(','.join(d for d in load_data_dir([sys.argv[1]], 'nasbench201').devices if d != 'pixel3'))" "$DATA")
run nb201-lodo-k10-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples 10 --protocol lodo
run fbnet-lodo-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo
run fbnet-lodo-k10-help --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo-help
# the noise of the residual: chosen by leave-one-out on the samples (default) or fixed (10 repeats)
run nb201-noise-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo --grid "$NOISE_GRID" --repeats 10
run fbnet-noise-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo --grid "$NOISE_GRID" --repeats 10
run nb201-noise-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid "$NOISE_GRID" --repeats 10
# the floor of the noise below K=10 (small_k_noise, default 0.03) against none, FBNet K=5
run fbnet-floor-k5-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 5 --protocol lodo --grid '[{"guard": "none"}, {"guard": "none", "small_k_noise": 0}]' --repeats 10
# the predictive interval's prior (interval_prior_dof; "auto": 0.25 below ten samples, else 0):
# coverage90 and interval_score90 of each (the SRCC does not depend on it)
for dof in 0 1; do
run nb201-dof$dof-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo --grid "[{\"interval_prior_dof\": $dof}]"
run nb201-dof$dof-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid "[{\"interval_prior_dof\": $dof}]"
run fbnet-dof$dof-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo --grid "[{\"interval_prior_dof\": $dof}]"
done
# re-checked at K=5 under today's fit (auto: 0.25 below ten samples): nine proxies, pixel3
# alone, FBNet (docs/benchmarks.md, "Predictive intervals")
for dof in 0 0.25 0.5 1; do
run nb201-dofk5-$dof-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid "[{\"interval_prior_dof\": $dof}]"
run nb201-dofk5-$dof-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples 5 --protocol lodo --grid "[{\"interval_prior_dof\": $dof}]"
done
for dof in 0 0.25 1; do
run fbnet-dofk5-$dof-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 5 --protocol lodo --grid "[{\"interval_prior_dof\": $dof}]"
done
# the live-path prior of every pool (live_boost="auto": the fits with and without extra prior
# variance on the live-path op counts, averaged) against none; with pixel3 alone "auto" is 0,
# so there the averaged pair is the candidate; then the boost's size and the averaging's
# temperature (docs/benchmarks.md, "A live-path prior for every pool")
LIVE_GRID='[{}, {"live_boost": [0, 10]}, {"live_boost": [0, 100]}, {"live_boost": [0, 30], "temperature": 30}, {"live_boost": 0}]'
nb201_cases live '[{"live_boost": 0}, {}]' '[{"live_boost": 0}, {"live_boost": [0, 30]}]'
run nb201-livesize-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo --grid "$LIVE_GRID"
run nb201-livesize-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid "$LIVE_GRID"
# which architectures to measure (docs/benchmarks.md, "Which architectures to measure"): the
# default chooser (integrated with three proxies or more and K >= 10) against the largest
# posterior variance alone (the previous default), the default adapter alone in each
for s in greedy max-variance; do
run nb201-sampler-$s-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo --grid '[{}]' --sampler $s
run nb201-sampler-$s-k10-help --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo-help --grid '[{}]' --sampler $s
run fbnet-sampler-$s-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo --grid '[{}]' --sampler $s
run fbnet-sampler-$s-k10-help --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo-help --grid '[{}]' --sampler $s
done
run nb201-sampler-integrated-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid '[{}]' --sampler integrated
run nb201-sampler-integrated-k10-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples 10 --protocol lodo --grid '[{}]' --sampler integrated
# the scale modelled (docs/benchmarks.md, "Milliseconds or log"): log against milliseconds,
# chosen per left-out device; "auto", the default, is the space's latency_scale
SCALE_GRID='[{"scale": "log"}, {"scale": "ms"}]'
nb201_cases scale "$SCALE_GRID"
run fbnet-scale-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo --grid "$SCALE_GRID"
run fbnet-scale-k10-help --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo-help --grid "$SCALE_GRID"
# a fit in each scale averaged (scale="both"; docs/benchmarks.md, "Both scales"): "auto" is
# "both" on NAS-Bench-201 below ten samples and with a single proxy
BOTH_GRID='[{"scale": "ms"}, {"scale": "both"}]'
nb201_cases both "$BOTH_GRID"
run nb201-bothonly-k10-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples 10 --protocol lodo --grid '[{"scale": "both"}]'
run fbnet-both-k5-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 5 --protocol lodo --grid '[{"scale": "log"}, {"scale": "both"}]'
run fbnet-both-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets all --samples 10 --protocol lodo --grid '[{"scale": "log"}, {"scale": "both"}]'
# live_boost="auto" with pixel3 alone asks the pool in the scale modelled: (0, 30) in the
# millisecond fit (share 0.24), 0 in the log fit (0.04); against 0 in both (the share in log)
for k in 10 5; do
  run nb201-liveshare-k$k-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples $k --protocol lodo --grid '[{}, {"live_boost": 0}]'
  run nb201-live0only-k$k-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets "$PIXEL3_TARGETS" --samples $k --protocol lodo --grid '[{"live_boost": 0}]'
done
# the prior settings one at a time in milliseconds, HELP's split (each its own one-entry grid:
# its outer leave-one-device-out score; docs/benchmarks.md, "Both scales")
for cfg in 'base|{}' 'msprior01|{"ms_prior": 0.01}' 'msprior1|{"ms_prior": 0.1}' \
    'eps03|{"prior_eps": 0.03}' 'eps3|{"prior_eps": 0.3}' 'mix01|{"mix_var": 0.01}' \
    'mix1|{"mix_var": 0.1}' 'rank5|{"rank_weight": 5}' 'rank20|{"rank_weight": 20}' \
    'temp5|{"temperature": 5}' 'temp20|{"temperature": 20}' 'slope1|{"slope_var": 1}' \
    'slope100|{"slope_var": 100}' 'raw0|{"raw_prior": 0}' 'raw2|{"raw_prior": 2}'; do
  run nb201-mssweep-${cfg%%|*}-k10-help --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 10 --protocol lodo-help --grid "[${cfg#*|}]"
done
# small_k_noise one value at a time at K=5 under the ms / both-scales defaults ("Small K")
for cfg in 'base|{}' 'skn01|{"small_k_noise": 0.01}' 'skn1|{"small_k_noise": 0.1}'; do
  run nb201-k5noise-${cfg%%|*}-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets all --samples 5 --protocol lodo --grid "[${cfg#*|}]"
done
