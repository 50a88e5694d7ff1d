package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"google.golang.org/protobuf/proto"
)

func TestExportONNX(t *testing.T) {
	dir := t.TempDir()
	m, err := model.NewSequential(layers.Input(12), layers.NewEmbedding(20, 4),
		layers.NewConv1D(3, 3, layers.ConvActivation("relu")), layers.NewGlobalMaxPooling1D(), layers.NewDense(2, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	mpath := filepath.Join(dir, "m.seqnet")
	pre := json.RawMessage(`{"labels":["neg","pos"]}`)
	if err := checkpoint.Save(mpath, m, checkpoint.Extra{Preprocessing: pre}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.onnx")
	mustCLI(t, "export", "--model", mpath, "--onnx", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var mp pb.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for _, p := range mp.GetMetadataProps() {
		meta[p.GetKey()] = p.GetValue()
	}
	if meta["seqnet.preprocessing"] != string(pre) {
		t.Errorf("metadata_props %v, want seqnet.preprocessing = %s", meta, pre)
	}
	if _, errOut, code := cli("export", "--model", mpath, "--onnx", out, "--weights", filepath.Join(dir, "w.npz")); code != 2 {
		t.Errorf("--onnx with --weights: exit %d (%s), want 2", code, errOut)
	}
}
