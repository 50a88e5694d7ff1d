#!/usr/bin/env bash
# Runs seqnet's benchmarks and PyTorch's (torch_bench.py) back to back on this machine, the
# machine's FMA peak, and prints one table: workload, seqnet, PyTorch, ratio; then W4's forward
# pass on one thread as a fraction of the FMA peak timed beside it.
# Installs what it needs from Debian (python3-torch, python3-numpy, libopenblas0, libopenblas-dev).
# Usage: bench/compare.sh [--workloads W1,W2,...] [--reps 5] [--min-time 1.0]
# Env: THREADS="2 1" (thread counts), REFERENCE (folder of the reference benchmarks),
#      ORT=1 also runs the ONNX Runtime reference for W5 (needs npm).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ref="${REFERENCE:-$top/../shared/bench/reference}"
[ -d "$ref" ] || { echo "reference benchmarks not found at $ref: they are not part of this repository; set REFERENCE= to a folder holding run_torch_bench.sh and peak/" >&2; exit 1; }
out="$(mktemp -d)"

need=()
/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || need+=(python3-torch python3-numpy)
dpkg -s libopenblas0 >/dev/null 2>&1 || need+=(libopenblas0)
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

# The reference folder may be read-only: run from a copy (the peak program and ONNX Runtime's
# export write beside themselves).
cp -r "$ref" "$out/reference"
ref="$out/reference"
echo "== FMA peak" >&2
REPS=3 "$ref/peak/run_peak.sh" > "$out/peak.jsonl"
cat "$out/peak.jsonl" >&2

go build -o "$out/seqnet" "$top/cmd/seqnet"
for t in ${THREADS:-2 1}; do
  echo "== PyTorch, $t thread(s)" >&2
  THREADS=$t PYTHON=/usr/bin/python3 "$ref/run_torch_bench.sh" "$@" > "$out/torch-$t.jsonl"
  refs="$out/torch-$t.jsonl"
  if [ "${ORT:-0}" = 1 ] && [ "$t" = 2 ]; then
    echo "== ONNX Runtime (W5)" >&2
    (cd "$ref/ort" && THREADS=$t ./run_ort_bench.sh > "$out/ort.jsonl") || true
    refs="$refs,$out/ort.jsonl"
  fi
  echo "== seqnet, $t thread(s)" >&2
  "$out/seqnet" bench --threads "$t" --compare "$refs" --peak "$out/peak.jsonl" "$@"
done
# The peak above and W4 were minutes apart, and the machine's speed drifts: also time W4's
# forward pass against an FMA loop in the same process, round by round, on one thread.
echo "== W4 forward against the FMA peak, alternating, 1 thread" >&2
"$out/seqnet" bench --threads 1 --workloads W4 --peak-fraction --reps 5 | grep -E 'name|fma-peak'
echo "(raw outputs in $out)" >&2
