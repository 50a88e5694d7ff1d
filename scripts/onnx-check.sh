#!/bin/sh
# Checks seqnet's ONNX export and import against ONNX Runtime, the ONNX
# checker and PyTorch, and rewrites the golden files the Go tests use
# (onnx/testdata/seqnet and onnx/testdata/torch). Run it from the repository
# root after changing the exporter or importer; CI needs none of this.
#
# It installs (once):
#   - Debian packages python3-onnx, python3-torch, python3-numpy (apt-get,
#     needs root), used through /usr/bin/python3;
#   - onnxruntime-node@1.30.0 from npm into $ORT_DIR (default
#     /tmp/seqnet-ort), with --ignore-scripts (its install step would try
#     to download).
#
# Steps:
#   1. go test writes every model of the check set (onnx/zoo_test.go) as
#      .onnx with its input and seqnet's outputs;
#   2. ONNX Runtime runs each file (scripts/onnx/ort-run.js) and the
#      outputs become the reference; the ONNX checker (full_check) checks it;
#   3. PyTorch exports its models (scripts/onnx/torch-export.py, opsets 13
#      and 17) with torch's outputs;
#   4. go test checks seqnet against all of it and prints the largest
#      differences.
set -eu
ORT_DIR=${ORT_DIR:-/tmp/seqnet-ort}
PY=/usr/bin/python3
root=$(pwd)
[ -f onnx/zoo_test.go ] || { echo "run from the seqnet repository root" >&2; exit 2; }

if ! $PY -c 'import onnx, torch, numpy' 2>/dev/null; then
	echo "installing python3-onnx python3-torch python3-numpy (Debian)"
	apt-get update -qq && apt-get install -y -qq python3-onnx python3-torch python3-numpy
fi
if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
	echo "installing onnxruntime-node@1.30.0 into $ORT_DIR"
	mkdir -p "$ORT_DIR" && (cd "$ORT_DIR" && npm init -y >/dev/null && npm install --ignore-scripts onnxruntime-node@1.30.0)
fi

seq="$root/onnx/testdata/seqnet"
mkdir -p "$seq"
rm -f "$seq"/*.onnx "$seq"/*.json
echo "== 1. seqnet exports its check set"
go test ./onnx -run '^TestWriteFixtures$' -count=1 -args -write-fixtures "$seq"
echo "== 2. ONNX Runtime and the ONNX checker"
NODE_PATH="$ORT_DIR/node_modules" node scripts/onnx/ort-run.js "$seq"
$PY - "$seq" <<'PYEOF'
import glob, sys, onnx
for f in sorted(glob.glob(sys.argv[1] + "/*.onnx")):
    m = onnx.load(f)
    onnx.checker.check_model(m, full_check=True)
    print("onnx.checker (full_check) ok:", f.split("/")[-1], "opset", m.opset_import[0].version, "IR", m.ir_version)
PYEOF
if [ -f scripts/onnx/torch-export.py ]; then
	echo "== 3. PyTorch exports"
	mkdir -p "$root/onnx/testdata/torch"
	rm -f "$root/onnx/testdata/torch"/*.onnx "$root/onnx/testdata/torch"/*.json
	$PY scripts/onnx/torch-export.py "$root/onnx/testdata/torch"
fi
echo "== 4. seqnet against the references"
go test ./onnx -count=1 -v -run '^(TestSeqnetGolden|TestTorchGolden|TestRoundTrip)$' -args -report | grep -E '^(=== RUN|--- |    .*(diff|differ))|^(ok|FAIL)|^    --- ' || true
