#!/usr/bin/env bash
# Runs seqnet's benchmarks and PyTorch's (torch_bench.py) back to back on this machine, with the
# machine's FMA peak, in ROUNDS rounds (each round: peak, then for each thread count PyTorch,
# ONNX Runtime with ORT=1, seqnet), and prints one table: workload, seqnet, reference and their
# ratio, each the median over the rounds with the min-max over the rounds; W4 also as a
# fraction of the FMA peak of its round. Then W4's forward pass on one thread as a fraction of
# the FMA peak timed beside it.
# Installs what it needs from Debian (python3-torch, python3-numpy, libopenblas0, libopenblas-dev).
# Usage: bench/compare.sh [--workloads W1,W2,...] [--reps 5] [--min-time 1.0]
# Env: THREADS="2 1" (thread counts), ROUNDS=3, REFERENCE (folder of the reference benchmarks),
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
go build -o "$out/seqnet" "$top/cmd/seqnet"
"$out/seqnet" bench --workloads W1 --reps 3 --min-time 0.01 > "$out/machine.txt"
head -n 1 "$out/machine.txt"   # the machine line
echo "($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
rounds="${ROUNDS:-3}"
for r in $(seq 1 "$rounds"); do
  echo "== round $r of $rounds: FMA peak" >&2
  REPS=3 "$ref/peak/run_peak.sh" > "$out/peak-$r.jsonl"
  for t in ${THREADS:-2 1}; do
    echo "== round $r: PyTorch, $t thread(s)" >&2
    THREADS=$t PYTHON=/usr/bin/python3 "$ref/run_torch_bench.sh" "$@" > "$out/ref-$t-$r.jsonl"
    if [ "${ORT:-0}" = 1 ] && [ "$t" = 2 ]; then
      echo "== round $r: ONNX Runtime (W5)" >&2
      (cd "$ref/ort" && THREADS=$t ./run_ort_bench.sh >> "$out/ref-$t-$r.jsonl") || true
    fi
    echo "== round $r: seqnet, $t thread(s)" >&2
    "$out/seqnet" bench --json --threads "$t" "$@" > "$out/seqnet-$t-$r.jsonl"
  done
done
/usr/bin/python3 - "$out" "$rounds" ${THREADS:-2 1} <<'PY'
import json, os, statistics, sys
out, rounds, threads = sys.argv[1], int(sys.argv[2]), [int(t) for t in sys.argv[3:]]
def records(path):
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            yield json.loads(line)
def lines(path):  # the measurements
    return (o for o in records(path) if o.get("name") and o.get("metric"))
def span(vals, fmt="{:.4g}"):
    return f"{fmt.format(statistics.median(vals))} ({fmt.format(min(vals))}–{fmt.format(max(vals))})"
print(f"{rounds} round(s); each figure: median over the rounds (min–max over the rounds); "
      "each round's figure is itself the median of its timed repetitions")
print("| workload | metric | threads | seqnet | reference | ratio (>1: seqnet faster) |")
print("|---|---|---|---|---|---|")
peaks = []
for t in threads:
    rows = {}
    for r in range(1, rounds + 1):
        refs = {o["name"]: o for o in lines(f"{out}/ref-{t}-{r}.jsonl") if o.get("threads") == t}
        for o in lines(f"{out}/seqnet-{t}-{r}.jsonl"):
            row = rows.setdefault(o["name"], {"w": o["workload"], "m": o["metric"], "ours": [], "ref": [], "ratio": [], "sys": ""})
            row["ours"].append(o["median"])
            ref = refs.get(o["name"])
            if ref and ref.get("metric") == o["metric"]:
                ratio = o["median"] / ref["median"]
                if o["metric"].startswith("us_"):
                    ratio = 1 / ratio
                row["ref"].append(ref["median"]); row["ratio"].append(ratio); row["sys"] = ref["system"]
            if o["workload"] == "W4" and o["metric"] == "gflops":
                fma = [p["gflops_median"] for p in records(f"{out}/peak-{r}.jsonl") if p.get("bench", "").startswith("fma") and (p["threads"] == 1) == (t == 1)]
                if fma:
                    row.setdefault("peak", []).append(o["median"] / max(fma))
    for name, row in rows.items():
        ref = span(row["ref"]) + f" ({row['sys']})" if row["ref"] else "–"
        ratio = span(row["ratio"], "{:.2f}") if row["ratio"] else "–"
        print(f"| {row['w']} {name} | {row['m']} | {t} | {span(row['ours'])} | {ref} | {ratio} |")
        if "peak" in row:
            peaks.append(f"{name} ({t} thread(s)): {span([100 * f for f in row['peak']], '{:.0f}')} % of the FMA peak of its round")
print()
print("\n".join(peaks))
PY
# The peak above and W4 were minutes apart, and the machine's speed drifts: also time W4's
# forward pass against an FMA loop in the same process, round by round, on one thread.
echo "== W4 forward against the FMA peak, alternating, 1 thread" >&2
"$out/seqnet" bench --threads 1 --workloads W4 --peak-fraction --reps 5 | grep -E 'name|fma-peak'
echo "(raw outputs in $out)" >&2
