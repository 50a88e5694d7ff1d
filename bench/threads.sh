#!/usr/bin/env bash
# How seqnet scales with cores: W2 and W3 training (and W5 inference) at 1, 2, 4, 8 and 16
# threads (GOMAXPROCS and the GEMM's threads), samples/s and the speedup over one thread.
# Thread counts above the machine's cores show the cost of oversubscription, not scaling.
# A shared machine's speed drifts (on this project's 2-vCPU VM, by 20% from minute to minute,
# and one vCPU can run memory-bound code 20-25% slower than the other), so the thread counts
# run in ROUNDS alternating rounds, and each speedup is the median, with min-max, of the
# per-round ratios against one thread in the same round. With taskset (Linux), each round also
# runs one thread pinned to CPU 0 and to CPU 1, which shows when the vCPUs differ: a speedup
# from the second core is then bounded by 1 + (slower vCPU's speed / faster's).
# Usage: bench/threads.sh [--reps 3] [--min-time 0.5]     Env: THREADS="1 2 4 8 16",
#        WORKLOADS=W2,W3, ROUNDS=3
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mktemp -d)"
go build -o "$out/seqnet" "$top/cmd/seqnet"
"$out/seqnet" bench --workloads W1 --reps 3 --min-time 0.01 > "$out/machine.txt"
head -n 1 "$out/machine.txt"   # the machine line
echo "($(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
pin=""
if command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then pin="cpu0 cpu1"; fi
rounds="${ROUNDS:-3}"
for r in $(seq "$rounds"); do
  for t in ${THREADS:-1 2 4 8 16}; do
    "$out/seqnet" bench --json --threads "$t" --workloads "${WORKLOADS:-W2,W3}" "$@" > "$out/r$r-t$t.jsonl"
  done
  for c in $pin; do
    taskset -c "${c#cpu}" "$out/seqnet" bench --json --threads 1 --workloads "${WORKLOADS:-W2,W3}" "$@" > "$out/r$r-$c.jsonl"
  done
done
/usr/bin/python3 - "$out" "$rounds" "$pin" ${THREADS:-1 2 4 8 16} <<'PY'
import json, sys, os, statistics
out, rounds, pin, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), [int(t) for t in sys.argv[4:]]
def read(path):
    got = {}
    for line in open(path):
        o = json.loads(line)
        if "name" in o and o["metric"].endswith("per_s"):
            got[o["name"]] = o["median"]
    return got
runs = {r: {t: read(os.path.join(out, f"r{r}-t{t}.jsonl")) for t in threads} for r in range(1, rounds + 1)}
pinned = {r: {c: read(os.path.join(out, f"r{r}-{c}.jsonl")) for c in pin} for r in range(1, rounds + 1)}
names = list(runs[1][threads[0]])
print(f"{rounds} round(s); samples/s: median over rounds; speedup: median (min-max) of the rounds' ratios to {threads[0]} thread(s)")
print("| workload | " + " | ".join(f"{t} thread(s)" for t in threads) + " |")
print("|---|" + "---|" * len(threads))
for name in names:
    cells = []
    for t in threads:
        vals = [runs[r][t][name] for r in runs if name in runs[r][t]]
        ratios = [runs[r][t][name] / runs[r][threads[0]][name] for r in runs if name in runs[r][t]]
        cells.append(f"{statistics.median(vals):.0f} ({statistics.median(ratios):.2f}×, {min(ratios):.2f}–{max(ratios):.2f})")
    print(f"| {name} samples/s | " + " | ".join(cells) + " |")
if pin:
    print("One thread pinned, per round (samples/s): " + "; ".join(
        f"{name}: " + ", ".join("/".join(f"{pinned[r][c][name]:.0f}" for c in pin) for r in pinned) for name in names))
    print("(CPU 0/CPU 1 in each round; the one-thread column above is unpinned)")
    print()
PY
echo "(raw outputs in $out)" >&2
