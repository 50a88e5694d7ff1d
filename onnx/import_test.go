package onnx

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"google.golang.org/protobuf/proto"
)

// convGraph is a one-node Conv model on a (batch, 2, 8) input, changed by
// edit before it is encoded.
func convGraph(t *testing.T, edit func(g *pb.GraphProto)) []byte {
	t.Helper()
	g := &pb.GraphProto{
		Name:  proto.String("g"),
		Input: []*pb.ValueInfoProto{valueInfo("x", typeFloat, []int{2, 8})},
		Initializer: []*pb.TensorProto{
			floatTensor("w", []int64{3, 2, 3}, make([]float32, 18)),
		},
		Node: []*pb.NodeProto{{Name: proto.String("conv0"), OpType: proto.String("Conv"),
			Input: []string{"x", "w"}, Output: []string{"y"}, Attribute: []*pb.AttributeProto{attrInts("kernel_shape", 3)}}},
		Output: []*pb.ValueInfoProto{valueInfo("y", typeFloat, []int{3, 6})},
	}
	if edit != nil {
		edit(g)
	}
	b, err := proto.Marshal(&pb.ModelProto{IrVersion: proto.Int64(8), Graph: g,
		OpsetImport: []*pb.OperatorSetIdProto{{Version: proto.Int64(17)}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportChannelsFirstConv(t *testing.T) {
	m, info, err := Unmarshal(convGraph(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !info.InputChannelsFirst[0] || !info.OutputChannelsFirst[0] {
		t.Errorf("channels-first flags %v %v, want true true", info.InputChannelsFirst, info.OutputChannelsFirst)
	}
	if s := m.InputShapes()[0]; s[0] != 8 || s[1] != 2 {
		t.Errorf("seqnet input %v, want (8, 2): steps then channels", s)
	}
}

// Unsupported operators, attributes and patterns are refused naming the
// node, its op type and the attribute.
func TestImportRefuses(t *testing.T) {
	for _, c := range []struct {
		edit func(g *pb.GraphProto)
		want []string
	}{
		{func(g *pb.GraphProto) {
			g.Node[0].Attribute = append(g.Node[0].Attribute, attrString("auto_pad", "SAME_UPPER"))
		},
			[]string{`node "conv0" (Conv)`, "auto_pad"}},
		{func(g *pb.GraphProto) { g.Node[0].Attribute = append(g.Node[0].Attribute, attrInt("frobnicate", 1)) },
			[]string{`node "conv0" (Conv)`, `attribute "frobnicate"`}},
		{func(g *pb.GraphProto) { g.Node[0].OpType = proto.String("Einsum") },
			[]string{`node "conv0" (Einsum)`, "not supported"}},
		{func(g *pb.GraphProto) { g.Initializer[0].RawData = g.Initializer[0].RawData[:20] },
			[]string{`tensor "w"`, "needs 18 values", "corrupt or truncated"}},
		{func(g *pb.GraphProto) { g.Initializer[0].Dims = []int64{1 << 20, 1 << 20, 3} },
			[]string{`tensor "w"`, "more than"}},
		{func(g *pb.GraphProto) {
			g.Input[0].Type.GetTensorType().Shape.Dim[2] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "steps"}}
		}, []string{`input "x"`, "fixed sizes"}},
		{func(g *pb.GraphProto) {
			g.Node[0] = &pb.NodeProto{Name: proto.String("/ln/ReduceMean"), OpType: proto.String("ReduceMean"), Input: []string{"x"},
				Output: []string{"y"}, Attribute: []*pb.AttributeProto{attrInts("axes", -1)}}
		}, []string{`output "y"`, "LayerNorm written out as operators", "opset_version=17"}},
	} {
		_, _, err := Unmarshal(convGraph(t, c.edit))
		if err == nil {
			t.Errorf("no error, want one with %q", c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
	}
}

func TestImportForeignFiles(t *testing.T) {
	good := convGraph(t, nil)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), "not an ONNX model"},
		{"json", []byte(`{"class_name": "Sequential"}`), "not an ONNX model"},
		{"truncated", good[:len(good)/2], "not an ONNX model"},
	} {
		_, _, err := Unmarshal(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// FuzzUnmarshal: any bytes give a model or an error, never a panic or a
// huge allocation. The corpus holds the check set's exports, torch
// exports and small edited graphs.
//
//	go test ./onnx -run '^$' -fuzz FuzzUnmarshal -fuzztime 70000x
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzUnmarshal(f *testing.F) {
	for _, dir := range []string{"seqnet", "torch"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.onnx"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 8000 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _, err := Unmarshal(b)
		if err == nil && m == nil {
			t.Fatal("no model and no error")
		}
	})
}

// A file declaring a huge input must not make the importer allocate in
// proportion to it: here a Flatten of a channels-first (2, 2^25) tensor,
// whose element order is worked out only when a Dense weight (bounded by
// the file) needs it.
func TestImportDoesNotAllocateDeclaredSizes(t *testing.T) {
	b := convGraph(t, func(g *pb.GraphProto) {
		g.Input[0] = valueInfo("x", typeFloat, []int{2, 1 << 25})
		g.Node = append(g.Node, &pb.NodeProto{Name: proto.String("flat"), OpType: proto.String("Flatten"),
			Input: []string{"y"}, Output: []string{"z"}})
		g.Output[0] = valueInfo("z", typeFloat, []int{3 * ((1 << 25) - 2)})
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := Unmarshal(b)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "reordered tensor") {
		t.Errorf("error %v, want one saying a reordered tensor cannot be an output", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 {
		t.Errorf("importing a 1 kB file allocated %d MB", d>>20)
	}
}
