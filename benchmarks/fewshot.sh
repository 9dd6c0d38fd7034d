#!/usr/bin/env bash
# The few-shot benchmarks of docs/benchmarks.md. Usage: benchmarks/fewshot.sh DATA_DIR OUT_DIR
# Proxies are HELP's meta-training devices; targets are the validation devices named in
# ../shared/data/README.md (tuning was done on these only) and the devices never used for tuning.
# The table it made was measured before the other devices of the data joined the adapter's
# prior by default, so every run here passes `--prior-devices ${PRIOR:-none}`; PRIOR=others
# runs them with today's default.
set -euo pipefail
DATA=${1:?data dir}; OUT=${2:?out dir}; mkdir -p "$OUT"
OP=${OP:-oneproxy}
NB_P=1080ti_1,1080ti_32,1080ti_256,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
NB_V=titanx_1,titanx_32,titanx_256,gold_6240
NB_U=2080ti_1,2080ti_32,2080ti_256,titan_rtx_1,titan_rtx_32,titanxp_1,titanxp_32,titanxp_256
FB_P=1080ti_1,1080ti_32,1080ti_64,silver_4114,silver_4210r,samsung_a50,pixel3,essential_ph_1,samsung_s7
FB_V=titanx_1,titanx_32,titanx_64,gold_6240
FB_U=2080ti_1,2080ti_32,2080ti_64,gold_6226,pixel2,titan_rtx_1,titan_rtx_32,titan_rtx_64,titanxp_1,titanxp_32,titanxp_64
PRIOR=${PRIOR:-none}
run() { local name=$1; shift; echo "== $name"; $OP bench fewshot --no-progress --prior-devices "$PRIOR" --json "$OUT/$name.json" "$@" | tail -1; }

for m in adaproxy adaproxy-paper proxy; do
  run nb201-val-k10-all-$m --space nasbench201 --data "$DATA" --proxies $NB_P --targets $NB_V --samples 10 --method $m
done
run nb201-val-k10-help --space nasbench201 --data "$DATA" --proxies $NB_P --targets $NB_V --samples 10 --protocol help
run nb201-val-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets $NB_V --samples 5
run nb201-val-k10-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets $NB_V --samples 10
run nb201-unseen-k10-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets $NB_U --samples 10
run nb201-unseen-k10-help --space nasbench201 --data "$DATA" --proxies $NB_P --targets $NB_U --samples 10 --protocol help
run nb201-unseen-k5-all --space nasbench201 --data "$DATA" --proxies $NB_P --targets $NB_U --samples 5
run nb201-unseen-k10-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets $NB_U --samples 10
run fbnet-val-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets $FB_V --samples 10
run fbnet-val-k10-help --space fbnet --data "$DATA" --proxies $FB_P --targets $FB_V --samples 10 --protocol help
run fbnet-unseen-k10-all --space fbnet --data "$DATA" --proxies $FB_P --targets $FB_U --samples 10
run fbnet-unseen-k10-help --space fbnet --data "$DATA" --proxies $FB_P --targets $FB_U --samples 10 --protocol help
# made-up FBNet devices that follow one analytic cost each (benchmarks/cost_devices.py): a
# stress test for targets unlike every proxy; never used for tuning
"${PY:-python}" "$(dirname "$0")/cost_devices.py" "$DATA" "$OUT/cost-devices"
COST=cost_macs,cost_params,cost_activations,cost_memory
for protocol in all help; do
  run fbnet-costdev-k10-$protocol --space fbnet --data "$DATA" --data "$OUT/cost-devices" --proxies $FB_P --targets $COST --samples 10 --protocol $protocol
done

# OneProxy's own 1999-architecture subset: the VPU alone as proxy, Eagle devices as targets
EAGLE=eagle_i7_7820x,eagle_sd855_cpu,eagle_sd855_gpu,eagle_sd855_dsp,eagle_jetson_nano_fp32,eagle_jetson_nano_fp16,eagle_edgetpu
run subset-vpu-k10 --space nasbench201 --data "$DATA" --proxies nnmeter_myriadvpu --targets $EAGLE --samples 10
run subset-vpu-k70-paper --space nasbench201 --data "$DATA" --proxies nnmeter_myriadvpu --targets $EAGLE --samples 70 --method adaproxy-paper --sampler random
# the large-K regime: does the default keep improving past K=20?
for k in 20 50 70 100; do
  run subset-vpu-k$k --space nasbench201 --data "$DATA" --proxies nnmeter_myriadvpu --targets $EAGLE --samples $k
done
for k in 20 50 100; do
  run nb201-val-k$k-pixel3 --space nasbench201 --data "$DATA" --proxies pixel3 --targets $NB_V --samples $k
done
SUBSET=nnmeter_adreno630,nnmeter_adreno640,nnmeter_myriadvpu,eagle_i7_7820x,eagle_sd855_cpu,eagle_sd855_gpu,eagle_sd855_dsp,eagle_jetson_nano_fp32,eagle_jetson_nano_fp16,eagle_edgetpu,hwnasbench_edgegpu
for t in ${EAGLE//,/ }; do
  pool=$(echo "$SUBSET" | tr , '\n' | grep -vx "$t" | paste -sd,)
  run subset-pool-k10-$t --space nasbench201 --data "$DATA" --proxies "$pool" --targets "$t" --samples 10
done

# Ablations of the default method (Python API: `oneproxy bench fewshot` has no switch for them):
# the space's encoding alone instead of the latency features; the proxy average's slope kept
# fixed (slope_var=0) instead of refitted with the residual; the raw proxy columns weighed like
# their fits, at the previous temperature and without the free mix of the denoised columns
# (`before-raw-prior`), or only the mix dropped (`no-mix`); and all of these with the old
# count boost, which is the first version of the method (`previous`), also at large K.
# FBNet with the encoding alone has no analytic costs, so no `cost[macs]` analytic proxy.
"${PY:-python}" - "$DATA" "$OUT" "$NB_V" "$EAGLE" "$FB_P" "$FB_V" "$FB_U" "$NB_P" "$COST" "$PRIOR" <<'PYEOF'
import functools, json, sys
from oneproxy_plugins.bench.fewshot import run_fewshot
run_fewshot = functools.partial(run_fewshot, prior_devices=sys.argv[10])
data, out, nb_v, eagle = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")
fb_p, fb_v, fb_u, nb_p, cost = (a.split(",") for a in sys.argv[5:10])
# The version before the raw-column prior (raw_prior=0, temperature=30, mix_var=0, and no
# cost prior, which came later): reproduces the rows published before it; `no-mix` only drops
# the free mix of the denoised columns, `no-cost-prior` only the cost prior (FBNet: the only
# space with analytic costs).
before_raw = {"adapter_params": {"raw_prior": 0.0, "temperature": 30.0, "mix_var": 0.0,
                                 "cost_prior": 0.0}}
for space, proxies, split, targets in (("fbnet", fb_p, "val", fb_v), ("fbnet", fb_p, "unseen", fb_u),
                                       ("fbnet", fb_p, "costdev", cost),
                                       ("nb201", nb_p, "val", nb_v)):
    dirs = [data, f"{out}/cost-devices"] if split == "costdev" else [data]
    for protocol in ("all", "help"):
        for variant, kwargs in (("encoding", {"feature_set": "encoding"}),
                                ("before-raw-prior", before_raw),
                                ("no-mix", {"adapter_params": {"mix_var": 0.0}}),
                                ("no-cost-prior", {"adapter_params": {"cost_prior": 0.0}})):
            if space == "nb201" and variant in ("encoding", "no-cost-prior"):
                continue  # encoding: below, with the single proxy; no costs to drop
            if split == "costdev" and variant not in ("no-cost-prior", "encoding"):
                continue
            name = f"ablate-{space}-{split}-k10-{protocol}-{variant}"
            result = run_fewshot("fbnet" if space == "fbnet" else "nasbench201", dirs,
                                 proxies=proxies, targets=targets, samples=10,
                                 protocol=protocol, **kwargs)
            with open(f"{out}/{name}.json", "w") as f:
                json.dump(result, f, indent=1)
            print(f"== {name}\nmean SRCC {result['srcc_mean']:.4f}")
cases = {"nb201-val": (["pixel3"], nb_v), "subset-vpu": (["nnmeter_myriadvpu"], eagle)}
previous = {"feature_set": "encoding",
            "adapter_params": {"slope_var": 0.0, "count_boost": 3.0, **before_raw["adapter_params"]}}
variants = {"encoding": (10, {"feature_set": "encoding"}),
            "slope0": (10, {"adapter_params": {"slope_var": 0.0}}),
            **{f"previous-k{k}": (k, previous) for k in (10, 20, 50, 100)}}
for case, (proxies, targets) in cases.items():
    for variant, (k, kwargs) in variants.items():
        name = f"ablate-{case}-{variant}"
        result = run_fewshot("nasbench201", [data], proxies=proxies, targets=targets, samples=k,
                             **kwargs)
        with open(f"{out}/{name}.json", "w") as f:
            json.dump(result, f, indent=1)
        print(f"== {name}\nmean SRCC {result['srcc_mean']:.4f}")
PYEOF
