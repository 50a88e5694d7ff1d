#!/bin/sh
# Fuzzes seqnet's fuzz targets one after the other, one worker each
# (-parallel 1, for a shared machine), keeping each run's whole output in
# a log folder (default $TMPDIR/seqnet-fuzz-DATE), and sums up what each
# run found:
#
#   pass      the run ended with nothing found;
#   FOUND     the target failed on an input, which Go wrote to the
#             package's testdata/fuzz (named in the log): a real failure;
#   deadline  the run found nothing but Go 1.26's fuzz coordinator ended it
#             with a bare "context deadline exceeded" and exit status 1 at
#             the -fuzztime boundary (go.dev/issue/75804, reported fixed in
#             Go 1.27): no seqnet failure, no input written;
#   FAILED    any other failure (a build error, a failing seed): see the log.
#
# Usage, from the repository root:
#   scripts/fuzz.sh [-t FUZZTIME] [-o LOGDIR] [PATTERN]
# FUZZTIME is go test's -fuzztime, a duration (default 2m) or a count of
# executions such as 20000x, which sets no deadline and so never meets the
# coordinator race. PATTERN selects targets by name (a grep -E pattern,
# default all). Exit status 1 if a run FOUND or FAILED, else 0.
set -eu
fuzztime=2m
logs=${TMPDIR:-/tmp}/seqnet-fuzz-$(date +%Y%m%d-%H%M%S)
while getopts t:o: opt; do
	case $opt in
	t) fuzztime=$OPTARG ;;
	o) logs=$OPTARG ;;
	*) echo "usage: scripts/fuzz.sh [-t FUZZTIME] [-o LOGDIR] [PATTERN]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
pattern=${1:-.}
[ -f go.mod ] && grep -q '^module github.com/seqnet/seqnet' go.mod || { echo "run from the seqnet repository root" >&2; exit 2; }
mkdir -p "$logs"
# Every "func FuzzX(" of a _test.go file, as "package-dir FuzzX".
targets=$(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
	sed -E 's|^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*|\1 \2|' | sort | grep -E "$pattern" || true)
[ -n "$targets" ] || { echo "no fuzz target matches $pattern" >&2; exit 2; }
echo "$targets" | while read -r dir name; do
	log=$logs/$name.txt
	start=$(date +%H:%M:%S)
	status=pass
	if ! go test "./$dir" -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" -parallel 1 >"$log" 2>&1; then
		if grep -q 'Failing input written to' "$log"; then
			status=FOUND
		elif grep -q '^    context deadline exceeded$' "$log" && ! grep -q -- '--- FAIL: .*/' "$log"; then
			status=deadline
		else
			status=FAILED
		fi
	fi
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 || true)
	printf '%-8s %-26s %-18s %s, %s\n' "$status" "$name" "$dir" "$start" "${execs:-no executions}"
	case $status in FOUND | FAILED) echo "  see $log" ;; esac
done | tee "$logs/summary.txt"
if grep -qE '^(FOUND|FAILED) ' "$logs/summary.txt"; then
	exit 1
fi
