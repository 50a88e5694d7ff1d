#!/bin/sh
# Checks seqnet import --keras on Keras .keras and .h5 files: regenerates the
# fixtures of keras/testdata/kerasfiles (make_kerasfiles.py, laid out as
# Keras 3 and Keras 2 save them; no Keras needed) into a temporary
# directory, converts every one with seqnet import --keras (a refused file
# is listed with the reason: the libver='latest' ones are refused on
# purpose), then runs the Go tests on the fresh files: each must import with
# the weights of its .npz and predict as the same model read through
# --keras-json + --weights; the largest differences are printed. Run it
# from the repository root; CI needs none of this (the Go tests use the
# committed fixtures).
#
# It installs (once): Debian packages python3-h5py and python3-numpy
# (apt-get, needs root), used through /usr/bin/python3.
set -eu
PY=/usr/bin/python3
root=$(pwd)
[ -f keras/testdata/kerasfiles/make_kerasfiles.py ] || { echo "run from the seqnet repository root" >&2; exit 2; }
if ! $PY -c 'import h5py, numpy' 2>/dev/null; then
	echo "installing python3-h5py python3-numpy (Debian)"
	apt-get update -qq && apt-get install -y -qq python3-h5py python3-numpy
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp keras/testdata/kerasfiles/make_kerasfiles.py "$work/"
(cd "$work" && $PY make_kerasfiles.py)
go build -o "$work/seqnet" ./cmd/seqnet
echo "== seqnet import --keras on each file"
for f in "$work"/*.keras "$work"/*.h5; do
	if "$work/seqnet" import --keras "$f" --out "$work/m.seqnet" >"$work/log" 2>&1; then
		echo "$(basename "$f"): $(sed -n 's/^read //p' "$work/log")"
	else
		echo "$(basename "$f"): refused: $(tail -n 1 "$work/log")"
	fi
done
echo "== predictions against the JSON + npz route (go test, on the fresh files)"
SEQNET_KERAS_FILES="$work" go test -count=1 -v -run 'TestReadModelFile(MatchesJSONRoute|RefusesMissingWeights)' ./keras |
	sed -n 's/^ *file_test.go:[0-9]*: //p; /^--- FAIL/p; /^FAIL/p; /^ok/p'
