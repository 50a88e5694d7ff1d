package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
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
	pre := json.RawMessage(`{"format":"seqnet-pipeline/1","kind":"npy","task":"regression","x_shape":[12]}`)
	if err := checkpoint.Save(mpath, m, checkpoint.Extra{Preprocessing: pre}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.onnx")
	if o := mustCLI(t, "export", "--model", mpath, "--onnx", out); !strings.Contains(o, "NumPy arrays of per-sample shape") {
		t.Errorf("export output %q does not describe the preprocessing", o)
	}
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

	// and back: the same predictions, the preprocessing kept
	back := filepath.Join(dir, "back.seqnet")
	mustCLI(t, "import", "--onnx", out, "--out", back)
	m2, extra, err := checkpoint.Load(back)
	if err != nil {
		t.Fatal(err)
	}
	if string(extra.Preprocessing) != string(pre) {
		t.Errorf("imported preprocessing %s, want %s", extra.Preprocessing, pre)
	}
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 19, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 2, 12)
	y1, err := m.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := m2.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range y1.Data {
		if y1.Data[i] != y2.Data[i] {
			t.Fatalf("after export and import: %v, want %v", y2.Data, y1.Data)
		}
	}

	// a file that is not ONNX is a user error
	bad := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(bad, []byte("PK\x03\x04 not an onnx file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := cli("import", "--onnx", bad, "--out", filepath.Join(dir, "x.seqnet")); code != 2 || !strings.Contains(errOut, "not an ONNX model") {
		t.Errorf("import of a foreign file: exit %d, %q; want 2 and a message saying it is not ONNX", code, errOut)
	}
}

// TestExportImportONNXText: the default text model (nbcnn: a CNN and two
// bag-of-words Embeddings of the same tokens, one of them masked) goes to
// ONNX and back with the same predictions, each Embedding's mask_zero
// kept.
func TestExportImportONNXText(t *testing.T) {
	dir := t.TempDir()
	path := textTSV(t, dir, 60)
	mp := filepath.Join(dir, "m.seqnet")
	if out := mustCLI(t, "train", "--data", path, "--text", "--text-column", "subject", "--target", "label",
		"--epochs", "2", "--no-curves", "--out", mp); !strings.Contains(out, "model: nbcnn") {
		t.Fatalf("not the nbcnn model:\n%s", out)
	}
	out, back := filepath.Join(dir, "m.onnx"), filepath.Join(dir, "back.seqnet")
	mustCLI(t, "export", "--model", mp, "--onnx", out)
	mustCLI(t, "import", "--onnx", out, "--out", back)
	m1, _, err := checkpoint.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	m2, _, err := checkpoint.Load(back)
	if err != nil {
		t.Fatal(err)
	}
	masks := func(m *model.Model) (zs []bool) {
		for _, l := range m.Layers() {
			if e, ok := l.(*layers.Embedding); ok {
				zs = append(zs, e.MaskZero)
			}
		}
		return zs
	}
	if z1, z2 := masks(m1), masks(m2); !slices.Equal(z1, z2) || !slices.Contains(z1, true) || !slices.Contains(z1, false) {
		t.Errorf("Embeddings' mask_zero %v after the round trip, %v before (want one masked, others not)", z2, z1)
	}
	p1 := mustCLI(t, "predict", "--model", mp, "--data", path)
	if p2 := mustCLI(t, "predict", "--model", back, "--data", path); p1 != p2 {
		t.Errorf("predictions after ONNX export and import:\n%s\nwant\n%s", p2, p1)
	}
}
