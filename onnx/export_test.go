package onnx

import (
	"slices"
	"strings"
	"testing"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"google.golang.org/protobuf/proto"
)

func exportProto(t *testing.T, m *model.Model) *pb.ModelProto {
	t.Helper()
	b, err := Marshal(m, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mp pb.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		t.Fatal(err)
	}
	return &mp
}

func attr(n *pb.NodeProto, name string) *pb.AttributeProto {
	for _, a := range n.GetAttribute() {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

// Keras puts the odd padding zero on the right; causal pads the left only.
func TestExportConvPads(t *testing.T) {
	for _, c := range []struct {
		conv *layers.Conv1D
		pads []int64
	}{
		{layers.NewConv1D(2, 4, layers.Padding("same")), []int64{1, 2}},
		{layers.NewConv1D(2, 3, layers.Padding("same")), []int64{1, 1}},
		{layers.NewConv1D(2, 3, layers.Padding("causal"), layers.DilationRate(2)), []int64{4, 0}},
		{layers.NewConv1D(2, 3), []int64{0, 0}},
	} {
		m, err := model.NewSequential(layers.Input(9, 2), c.conv)
		if err != nil {
			t.Fatal(err)
		}
		mp := exportProto(t, m)
		if mp.GetIrVersion() != 8 || mp.GetOpsetImport()[0].GetVersion() != 17 {
			t.Errorf("IR %d opset %d, want 8 and 17", mp.GetIrVersion(), mp.GetOpsetImport()[0].GetVersion())
		}
		found := false
		for _, n := range mp.GetGraph().GetNode() {
			if n.GetOpType() == "Conv" {
				found = true
				if got := attr(n, "pads").GetInts(); !slices.Equal(got, c.pads) {
					t.Errorf("%s k=%d: pads %v, want %v", c.conv.Padding, c.conv.KernelSize, got, c.pads)
				}
			}
		}
		if !found {
			t.Error("no Conv node")
		}
		if d := mp.GetGraph().GetInput()[0].GetType().GetTensorType().GetShape().GetDim()[0]; d.GetDimParam() != "batch" {
			t.Errorf("batch axis %v, want the dynamic \"batch\"", d)
		}
	}
}

func TestExportRefusesByName(t *testing.T) {
	ln := layers.NewLayerNormalization()
	ln.RMSScaling = true
	for _, c := range []struct {
		ls   []layers.Layer
		want string
	}{
		{[]layers.Layer{layers.Input(6, 2), ln}, "rms_scaling"},
		{[]layers.Layer{layers.Input(6, 2), layers.NewLSTM(3, layers.RecurrentActivation("swish"))}, `recurrent_activation "swish"`},
	} {
		m, err := model.NewSequential(c.ls...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Marshal(m, ExportOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one naming %s", err, c.want)
		}
	}
}
