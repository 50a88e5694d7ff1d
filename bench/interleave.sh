#!/usr/bin/env bash
# Runs PyTorch's and seqnet's benchmarks in alternation, ROUNDS times, on this machine, and
# prints per workload the median of each side and the median of the per-round ratios
# (seqnet/PyTorch, oriented so that > 1 means seqnet is faster). Alternating rounds keep a
# comparison fair when a shared machine's speed drifts (it does, by ±30% here).
# Usage: ROUNDS=3 THREADS=2 bench/interleave.sh [--workloads W2,W3] [--reps 3] [--min-time 0.5]
# With ORT=1 the reference is ONNX Runtime on W5 (the reference folder's ort/run_ort_bench.sh,
# run from a copy; it needs npm) and seqnet runs W5 only.
# Needs what bench/compare.sh installs (python3-torch, python3-numpy, libopenblas0).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ref="${REFERENCE:-$top/../shared/bench/reference}"
[ -d "$ref" ] || { echo "reference benchmarks not found at $ref: they are not part of this repository; set REFERENCE= to a folder holding run_torch_bench.sh" >&2; exit 1; }
rounds="${ROUNDS:-3}"
threads="${THREADS:-2}"
out="$(mktemp -d)"
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "PyTorch missing: run bench/compare.sh once (it installs it)" >&2; exit 1; }
go build -o "$out/seqnet" "$top/cmd/seqnet"
if [ "${ORT:-0}" = 1 ]; then
  cp -r "$ref" "$out/reference" # the ONNX export and npm install write beside themselves
  set -- "$@" --workloads W5
fi
for r in $(seq "$rounds"); do
  echo "== round $r/$rounds: the reference" >&2
  if [ "${ORT:-0}" = 1 ]; then
    (cd "$out/reference/ort" && THREADS=$threads REPS=3 ./run_ort_bench.sh) > "$out/torch-$r.jsonl"
  else
    THREADS=$threads PYTHON=/usr/bin/python3 "$ref/run_torch_bench.sh" "$@" > "$out/torch-$r.jsonl"
  fi
  echo "== round $r/$rounds: seqnet" >&2
  "$out/seqnet" bench --json --threads "$threads" "$@" > "$out/seqnet-$r.jsonl"
done
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys, os
out, rounds = sys.argv[1], int(sys.argv[2])
def load(path):
    d = {}
    for line in open(path):
        try: o = json.loads(line)
        except ValueError: continue
        if "name" in o and "median" in o: d[(o["name"], o["threads"])] = (o["median"], o["metric"])
    return d
ours = [load(os.path.join(out, f"seqnet-{r}.jsonl")) for r in range(1, rounds + 1)]
refs = [load(os.path.join(out, f"torch-{r}.jsonl")) for r in range(1, rounds + 1)]
for line in open(os.path.join(out, "seqnet-1.jsonl")):
    if line.startswith('{"machine"'): print("seqnet ran on:", json.loads(line)["machine"])
print("| workload | metric | threads | seqnet (median) | reference (median) | ratio, median of rounds (>1: seqnet faster) | ratios per round |")
print("|---|---|---|---|---|---|---|")
for key in ours[0]:
    if not all(key in o and key in f for o, f in zip(ours, refs)): continue
    metric = ours[0][key][1]
    a = [o[key][0] for o in ours]; b = [f[key][0] for f in refs]
    ratios = [(x / y) if not metric.startswith("us_") else (y / x) for x, y in zip(a, b)]
    print(f"| {key[0]} | {metric} | {key[1]} | {statistics.median(a):.4g} | {statistics.median(b):.4g} | "
          f"{statistics.median(ratios):.2f}× | {' '.join(f'{r:.2f}' for r in ratios)} |")
PY
echo "(raw outputs in $out)" >&2
