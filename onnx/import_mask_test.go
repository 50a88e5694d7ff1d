package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"google.golang.org/protobuf/proto"
)

// editExport reads a committed export of the check set, changed by edit.
func editExport(t *testing.T, name string, edit func(g *pb.GraphProto)) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seqnet", name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var mp pb.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		t.Fatal(err)
	}
	edit(mp.Graph)
	out, err := proto.Marshal(&mp)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The mask belongs to an Embedding: of nbcnn's two bag-of-words lookups of
// the same tokens, only the one read by the masked average gets mask_zero.
func TestImportMasksPerEmbedding(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "seqnet", "nbcnn.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var masked []bool
	for _, l := range m.Layers() {
		if e, ok := l.(*layers.Embedding); ok {
			masked = append(masked, e.MaskZero)
		}
	}
	if want := []bool{false, false, true}; len(masked) != 3 || masked[0] || masked[1] || !masked[2] {
		t.Errorf("the Embeddings' mask_zero are %v, want %v (CNN, summed bag, averaged bag)", masked, want)
	}
}

// One lookup read both with the padding masked and unmasked has no seqnet
// form (seqnet masks every layer after a masked Embedding): refused, naming
// the node and the lookup.
func TestImportRefusesMixedMaskOfOneEmbedding(t *testing.T) {
	b := editExport(t, "nbcnn_binary", func(g *pb.GraphProto) {
		for _, n := range g.Node {
			if n.GetName() == "global_average_pooling1d_1/Mul" {
				n.Input[0] = "bag_of_words/Gather_out" // the unmasked average's lookup, now also averaged masked
			}
		}
	})
	_, _, err := Unmarshal(b)
	if err == nil {
		t.Fatal("no error for a lookup read both masked and unmasked")
	}
	for _, w := range []string{`node "global_average_pooling1d/ReduceMean"`, `"bag_of_words/Gather"`, "masked out", "no seqnet form"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}
