#!/usr/bin/env bash
# The loopback floor of this machine, without Go (bench/loopback/floor.c): a single-threaded
# epoll server answering fixed bytes and an epoll load generator in one process, at 1 and 32
# clients, each request the size of a W2 :predict request. Its CPU µs a round trip is what the
# kernel's loopback TCP and the wake-ups cost here for any server in any language; seqnet bench
# --serve's "loopback floor" rows are the same for a Go server, and its last line turns that
# into the most a server could reach of Predict's batch-256 throughput.
# Usage: bench/loopback.sh [ROUNDTRIPS_PER_CLIENT (default 20000)]     Env: CLIENTS="1 32", CC
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"${CC:-gcc}" -O2 -Wall -Werror -o "$out/floor" "$top/bench/loopback/floor.c" -lpthread
echo "# $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in ${CLIENTS:-1 32}; do
  "$out/floor" "$n" "${1:-20000}"
done
