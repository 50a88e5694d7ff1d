#!/bin/sh
# Makes the fixtures of package pipeline's tests and examples: two small
# data files cut from seqnet's embedded datasets, and two models trained on
# them by `seqnet train` as it was before package pipeline existed (commit
# 3bc99622ce5979b626121c6598e3708d6d2d6d2b, preprocessing format
# "seqnet-cli/1"). The committed .seqnet files are that CLI's output: they
# check that files written by the old CLI still load. Run from the
# repository root with SEQNET set to a seqnet binary built at that commit:
#   git worktree add /tmp/old 3bc99622ce59 && (cd /tmp/old && go build -o /tmp/seqnet-legacy ./cmd/seqnet)
#   SEQNET=/tmp/seqnet-legacy sh pipeline/testdata/gen-legacy.sh
set -eu
SEQNET=${SEQNET:?set SEQNET to a seqnet binary}
out=pipeline/testdata
# Every 8th subject line of the SpamAssassin subjects, with a header.
{ printf 'label\tsubject\n'; gzip -dc data/embedded/files/spam-subjects.tsv.gz | awk 'NR % 8 == 1' | tr -d '"'; } > $out/spam.tsv
# The first 400 days of the Seattle weather, without the weather-type column.
head -401 data/embedded/files/seattle-weather.csv | cut -d, -f1-5 > $out/weather.csv
"$SEQNET" train --data $out/spam.tsv --text --target label --text-column subject \
	--max-tokens 400 --seq-len 12 --embedding-dim 8 --filters 8 --units 8 \
	--epochs 20 --batch-size 16 --seed 1 --no-curves --out $out/spam-cli1.seqnet
"$SEQNET" train --data $out/weather.csv --window 7 --target temp_max --row-label date \
	--features temp_max,temp_min,precipitation,wind --filters 16 --units 16 --learning-rate 0.003 \
	--epochs 60 --batch-size 16 --seed 3 --no-curves --out $out/weather-cli1.seqnet
# What that CLI predicted on the same files: the pipeline must decode the same.
"$SEQNET" predict --model $out/spam-cli1.seqnet --data $out/spam.tsv --out $out/spam-cli1.predict.jsonl
"$SEQNET" predict --model $out/weather-cli1.seqnet --data $out/weather.csv --out $out/weather-cli1.predict.jsonl
