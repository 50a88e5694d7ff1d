// Package onnxpb holds the Go types of ONNX's protocol buffers (ModelProto,
// GraphProto, NodeProto, TensorProto, …), generated from the onnx.proto of
// ONNX 1.12 that Debian's libonnx-dev installs as /usr/include/onnx/onnx.proto.
//
// The proto package is renamed from onnx to seqnet.onnx before generating:
// two Go modules that both register proto package "onnx" panic at start-up
// when linked into one program ("name conflict over onnx.OperatorStatus").
// The wire format does not depend on the package name, so the files read
// and written are ordinary .onnx files.
//
// To regenerate (apt-get install libonnx-dev protobuf-compiler;
// go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12):
//
//	go generate ./internal/onnxpb
package onnxpb

//go:generate sh -c "sed -e 's/^package onnx;/package seqnet.onnx;/' /usr/include/onnx/onnx.proto > onnx.proto && protoc --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/seqnet/seqnet/internal/onnxpb onnx.proto"
