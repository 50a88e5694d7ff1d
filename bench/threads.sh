#!/usr/bin/env bash
# How seqnet scales with cores: W2 and W3 training (and W5 inference) at 1, 2, 4, 8 and 16
# threads (GOMAXPROCS and the GEMM's threads), samples/s and the speedup over one thread.
# Thread counts above the machine's cores show the cost of oversubscription, not scaling.
# Usage: bench/threads.sh [--reps 3] [--min-time 0.5]     Env: THREADS="1 2 4 8 16",
#        WORKLOADS=W2,W3
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mktemp -d)"
go build -o "$out/seqnet" "$top/cmd/seqnet"
"$out/seqnet" bench --workloads W1 --reps 3 --min-time 0.01 > "$out/machine.txt"
head -n 1 "$out/machine.txt"   # the machine line
echo "($(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
for t in ${THREADS:-1 2 4 8 16}; do
  "$out/seqnet" bench --json --threads "$t" --workloads "${WORKLOADS:-W2,W3}" "$@" > "$out/t$t.jsonl"
done
/usr/bin/python3 - "$out" ${THREADS:-1 2 4 8 16} <<'PY'
import json, sys, os
out, threads = sys.argv[1], [int(t) for t in sys.argv[2:]]
rows = {}
for t in threads:
    for line in open(os.path.join(out, f"t{t}.jsonl")):
        o = json.loads(line)
        if "name" in o and o["metric"].endswith("per_s"):
            rows.setdefault(o["name"], {})[t] = o["median"]
print("| workload | " + " | ".join(f"{t} thread(s)" for t in threads) + " |")
print("|---|" + "---|" * len(threads))
for name, r in rows.items():
    one = r.get(threads[0])
    cells = [f"{r[t]:.4g} ({r[t] / one:.2f}×)" if t in r and one else "" for t in threads]
    print(f"| {name} samples/s | " + " | ".join(cells) + " |")
PY
echo "(raw outputs in $out)" >&2
