package onnx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/seqnet/seqnet/internal/atomicfile"
	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"google.golang.org/protobuf/proto"
)

// Opset and IRVersion are what Export writes: ONNX opset 17 (default
// domain) in an IR version 8 file, which ONNX Runtime 1.13 and later run.
const (
	Opset     = 17
	IRVersion = 8
)

// MetaPreprocessing is the metadata_props key under which Export stores
// the model's preprocessing (ExportOptions.Preprocessing), as JSON.
const MetaPreprocessing = "seqnet.preprocessing"

// ExportOptions are the optional parts of an export.
type ExportOptions struct {
	// Preprocessing is the JSON saved with the model (checkpoint
	// Extra.Preprocessing: vocabulary, scalers, labels). When set it is
	// written to the file's metadata_props under MetaPreprocessing.
	Preprocessing json.RawMessage
	// DocString is written as the model's doc_string.
	DocString string
}

// Export writes m as an ONNX model (opset 17, IR version 8) with a
// dynamic batch axis. See the package documentation for how each layer is
// written; a layer or option with no faithful ONNX form is an error that
// names it.
func Export(w io.Writer, m *model.Model, o ExportOptions) error {
	b, err := Marshal(m, o)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteFile exports m to path, atomically: an existing file is replaced
// only once the new one is complete.
func WriteFile(path string, m *model.Model, o ExportOptions) error {
	b, err := Marshal(m, o)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b)
}

// Marshal returns the bytes Export writes.
func Marshal(m *model.Model, o ExportOptions) ([]byte, error) {
	mp, err := exportModel(m, o)
	if err != nil {
		return nil, err
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	if err != nil {
		return nil, fmt.Errorf("onnx: encoding the model: %w", err)
	}
	return b, nil
}

// value is an exported tensor: its ONNX name in seqnet's channels-last
// layout, the name of its channels-first transpose once one exists, and
// the mask it carries.
type value struct {
	name  string
	cf    string
	ints  bool // int64 token indices (a model input read only by Embedding layers)
	mask  *mask
	shape layers.Shape // per sample
}

// mask is a Keras mask from an Embedding with mask_zero: the (batch,
// steps) boolean tensor and the int32 (batch) count of real steps, which
// ONNX's recurrent operators take as sequence_lens.
type mask struct {
	bools, lens string
}

type exporter struct {
	g     *pb.GraphProto
	names map[string]bool
	vals  map[model.TensorRef]*value
	// consts caches small int64 constants by value.
	consts map[string]string
}

func exportModel(m *model.Model, o ExportOptions) (*pb.ModelProto, error) {
	if m == nil {
		return nil, fmt.Errorf("onnx: the model is nil")
	}
	mg := m.Graph()
	if mg == nil {
		return nil, fmt.Errorf("onnx: the model is not built: start it with model.Input(shape) or call Build(shape) first")
	}
	e := &exporter{g: &pb.GraphProto{Name: proto.String(m.Name)}, names: map[string]bool{},
		vals: map[model.TensorRef]*value{}, consts: map[string]string{}}
	isInput := map[int]bool{}
	for _, i := range mg.Inputs {
		isInput[i] = true
	}
	// Which nodes read each model input: an input read only by Embedding
	// layers holds token indices and is declared int64.
	readers := map[int][]layers.Layer{}
	for _, n := range mg.Nodes {
		for _, r := range n.Inputs {
			readers[r.Node] = append(readers[r.Node], n.Layer)
		}
	}
	for i, n := range mg.Nodes {
		if isInput[i] {
			name := e.unique(n.Layer.Common().Name)
			elem := typeFloat
			if allEmbedding(readers[i]) {
				elem = typeInt64
			}
			e.g.Input = append(e.g.Input, valueInfo(name, elem, n.OutShapes[0]))
			e.vals[model.TensorRef{Node: i}] = &value{name: name, shape: n.OutShapes[0], ints: elem == typeInt64}
			continue
		}
		in := make([]*value, len(n.Inputs))
		for k, r := range n.Inputs {
			in[k] = e.vals[r]
		}
		outs, err := e.layer(n.Layer, in, n.OutShapes)
		if err != nil {
			return nil, fmt.Errorf("onnx: layer %q (%s): %w", n.Layer.Common().Name, n.Layer.ClassName(), err)
		}
		for k, v := range outs {
			v.shape = n.OutShapes[k]
			e.vals[model.TensorRef{Node: i, Index: k}] = v
		}
	}
	for k, r := range mg.Outputs {
		v := e.vals[r]
		l := mg.Nodes[r.Node].Layer
		name := l.Common().Name
		if r.Index > 0 {
			name += "_" + strconv.Itoa(r.Index)
		}
		if e.names[name] {
			name = e.unique(name + "_output")
		}
		e.names[name] = true
		e.node("Identity", name, []string{v.name}, []string{name})
		e.g.Output = append(e.g.Output, valueInfo(name, typeFloat, mg.Nodes[r.Node].OutShapes[r.Index]))
		_ = k
	}
	return wrapModel(e.g, o)
}

// wrapModel puts the exported graph into a ModelProto with the opset, the
// producer and the options' doc string and preprocessing metadata.
func wrapModel(g *pb.GraphProto, o ExportOptions) (*pb.ModelProto, error) {
	mp := &pb.ModelProto{
		IrVersion:       proto.Int64(IRVersion),
		OpsetImport:     []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:    proto.String("seqnet"),
		ProducerVersion: proto.String("1"),
		Graph:           g,
	}
	if o.DocString != "" {
		mp.DocString = proto.String(o.DocString)
	}
	if len(o.Preprocessing) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, o.Preprocessing); err != nil {
			return nil, fmt.Errorf("onnx: the preprocessing is not valid JSON: %w", err)
		}
		mp.MetadataProps = append(mp.MetadataProps, &pb.StringStringEntryProto{
			Key: proto.String(MetaPreprocessing), Value: proto.String(buf.String())})
	}
	return mp, nil
}

func allEmbedding(ls []layers.Layer) bool {
	for _, l := range ls {
		if _, ok := l.(*layers.Embedding); !ok {
			return false
		}
	}
	return len(ls) > 0
}

// unique returns base, or base_1, base_2, … if base is taken.
func (e *exporter) unique(base string) string {
	if base == "" {
		base = "t"
	}
	name := base
	for i := 1; e.names[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	e.names[name] = true
	return name
}

// node appends a node and returns its outputs.
func (e *exporter) node(op, name string, in, out []string, attrs ...*pb.AttributeProto) []string {
	e.g.Node = append(e.g.Node, &pb.NodeProto{OpType: proto.String(op), Name: proto.String(e.unique(name + "/" + op)),
		Input: in, Output: out, Attribute: attrs})
	return out
}

// op appends a node with one new output named after base and returns it.
func (e *exporter) op(op, base string, in []string, attrs ...*pb.AttributeProto) string {
	out := e.unique(base + "/" + op + "_out")
	e.node(op, base, in, []string{out}, attrs...)
	return out
}

// weight adds a float32 initializer.
func (e *exporter) weight(name string, dims []int, data []float32) string {
	n := e.unique(name)
	e.g.Initializer = append(e.g.Initializer, floatTensor(n, i64s(dims), data))
	return n
}

// ints adds (or reuses) a 1-D int64 constant.
func (e *exporter) ints(v ...int64) string {
	key := fmt.Sprint(v)
	if n, ok := e.consts[key]; ok {
		return n
	}
	n := e.unique("const_" + fmt.Sprint(len(e.consts)))
	e.g.Initializer = append(e.g.Initializer, int64Tensor(n, []int64{int64(len(v))}, v))
	e.consts[key] = n
	return n
}

// scalar adds a float32 scalar constant.
func (e *exporter) scalar(name string, v float32) string {
	n := e.unique(name)
	e.g.Initializer = append(e.g.Initializer, floatTensor(n, nil, []float32{v}))
	return n
}

// channelsFirst returns x transposed to (batch, channels, steps), reusing
// an earlier transpose.
func (e *exporter) channelsFirst(x *value, base string) string {
	if x.cf == "" {
		x.cf = e.op("Transpose", base, []string{x.name}, attrInts("perm", 0, 2, 1))
	}
	return x.cf
}

// fromChannelsFirst makes a channels-last value from a (batch, channels,
// steps) result.
func (e *exporter) fromChannelsFirst(cf, base string) *value {
	return &value{name: e.op("Transpose", base, []string{cf}, attrInts("perm", 0, 2, 1)), cf: cf}
}

// activation applies a Keras activation to x.
func (e *exporter) activation(a *layers.Activation, x, base string) (string, error) {
	if a == nil {
		return x, nil
	}
	switch a.Name {
	case "linear":
		return x, nil
	case "relu":
		return e.op("Relu", base, []string{x}), nil
	case "sigmoid":
		return e.op("Sigmoid", base, []string{x}), nil
	case "tanh":
		return e.op("Tanh", base, []string{x}), nil
	case "softmax":
		return e.op("Softmax", base, []string{x}, attrInt("axis", -1)), nil
	case "elu":
		return e.op("Elu", base, []string{x}, attrFloat("alpha", 1)), nil
	case "selu":
		return e.op("Selu", base, []string{x}), nil
	case "softplus":
		return e.op("Softplus", base, []string{x}), nil
	case "leaky_relu":
		return e.op("LeakyRelu", base, []string{x}, attrFloat("alpha", 0.2)), nil
	case "hard_sigmoid":
		return e.op("HardSigmoid", base, []string{x}, attrFloat("alpha", float32(1.0/6)), attrFloat("beta", 0.5)), nil
	case "swish", "silu":
		s := e.op("Sigmoid", base, []string{x})
		return e.op("Mul", base, []string{x, s}), nil
	case "gelu":
		// Opset 17 has no Gelu: 0.5·x·(1 + erf(x/√2)), Keras' exact form.
		d := e.op("Mul", base, []string{x, e.scalar(base+"/inv_sqrt2", float32(1/math.Sqrt2))})
		f := e.op("Erf", base, []string{d})
		p := e.op("Add", base, []string{f, e.scalar(base+"/one", 1)})
		h := e.op("Mul", base, []string{x, p})
		return e.op("Mul", base, []string{h, e.scalar(base+"/half", 0.5)}), nil
	}
	return "", fmt.Errorf("activation %q has no ONNX form in seqnet's exporter (supported: linear, relu, sigmoid, tanh, softmax, elu, selu, softplus, leaky_relu, hard_sigmoid, swish, gelu)", a.Name)
}

// sameMask returns the mask the inputs share, nil when none has one, and
// an error when they carry different masks (which seqnet would combine).
func sameMask(in []*value) (*mask, error) {
	var m *mask
	for i, v := range in {
		if v.mask != m && i > 0 {
			return nil, fmt.Errorf("the inputs carry different masks (from different Embedding layers, or masked and unmasked); the ONNX export supports one shared mask")
		}
		m = v.mask
	}
	return m, nil
}

// layer writes one layer call.
func (e *exporter) layer(l layers.Layer, in []*value, outShapes []layers.Shape) ([]*value, error) {
	base := l.Common().Name
	one := func(name string) ([]*value, error) { return []*value{{name: name}}, nil }
	switch t := l.(type) {
	case *layers.Dropout, *layers.SpatialDropout1D:
		return []*value{{name: in[0].name, cf: in[0].cf, mask: in[0].mask}}, nil
	case *layers.ActivationLayer:
		y, err := e.activation(t.Fn, in[0].name, base)
		return []*value{{name: y, mask: in[0].mask}}, err
	case *layers.Dense:
		return e.dense(t, in[0])
	case *layers.Embedding:
		return e.embedding(t, in[0])
	case *layers.Conv1D:
		return e.conv(t, in[0])
	case *layers.DepthwiseConv1D:
		return e.depthwise(t, in[0])
	case *layers.SeparableConv1D:
		return e.separable(t, in[0])
	case *layers.Conv1DTranspose:
		return e.convTranspose(t, in[0])
	case *layers.MaxPooling1D:
		g := t.Geometry()
		y := e.op("MaxPool", base, []string{e.channelsFirst(in[0], base)}, attrInts("kernel_shape", int64(t.PoolSize)),
			attrInts("strides", int64(t.Strides)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)))
		return []*value{e.fromChannelsFirst(y, base)}, nil
	case *layers.AveragePooling1D:
		g := t.Geometry()
		y := e.op("AveragePool", base, []string{e.channelsFirst(in[0], base)}, attrInts("kernel_shape", int64(t.PoolSize)),
			attrInts("strides", int64(t.Strides)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)),
			attrInt("count_include_pad", 0))
		return []*value{e.fromChannelsFirst(y, base)}, nil
	case *layers.GlobalMaxPooling1D:
		return one(e.globalPool(true, t.Keepdims, in[0], base))
	case *layers.GlobalAveragePooling1D:
		return one(e.globalPool(false, t.Keepdims, in[0], base))
	case *layers.Flatten:
		return one(e.op("Flatten", base, []string{in[0].name}, attrInt("axis", 1)))
	case *layers.Reshape:
		shape := []int64{0}
		for _, d := range outShapes[0] {
			shape = append(shape, int64(d))
		}
		return one(e.op("Reshape", base, []string{in[0].name, e.ints(shape...)}))
	case *layers.ZeroPadding1D:
		y := e.op("Pad", base, []string{in[0].name, e.ints(0, int64(t.Left), 0, 0, int64(t.Right), 0)})
		return one(y)
	case *layers.Cropping1D:
		steps := in[0].shape[0]
		y := e.op("Slice", base, []string{in[0].name, e.ints(int64(t.Left)), e.ints(int64(steps - t.Right)), e.ints(1)})
		return one(y)
	case *layers.UpSampling1D:
		u := e.op("Unsqueeze", base, []string{in[0].name, e.ints(2)})
		r := e.op("Tile", base, []string{u, e.ints(1, 1, int64(t.Size), 1)})
		return one(e.op("Reshape", base, []string{r, e.ints(0, int64(outShapes[0][0]), int64(outShapes[0][1]))}))
	case *layers.BatchNormalization:
		return e.batchNorm(t, in[0])
	case *layers.LayerNormalization:
		return e.layerNorm(t, in[0])
	case *layers.Concatenate:
		return e.concat(t, in, outShapes[0])
	case *layers.Merge:
		return e.merge(t, in, outShapes[0])
	case *layers.LSTM:
		return e.recurrent(l, &t.RNN, "LSTM", in[0], nil)
	case *layers.GRU:
		return e.recurrent(l, &t.RNN, "GRU", in[0], t)
	case *layers.SimpleRNN:
		return e.recurrent(l, &t.RNN, "RNN", in[0], nil)
	case *layers.Bidirectional:
		return e.bidirectional(t, in[0])
	}
	return nil, fmt.Errorf("%s has no ONNX export in seqnet (supported: %s)", l.ClassName(), supportedExport)
}

// dense writes Dense on (batch, features) as MatMul, Add and the activation.
func (e *exporter) dense(t *layers.Dense, x *value) ([]*value, error) {
	base := t.Name
	if len(x.shape) > 2 {
		return nil, fmt.Errorf("Dense on a rank-%d sample has no ONNX form here: Flatten or Reshape to (steps, features) first", len(x.shape))
	}
	k := t.Params()[0].Value
	y := e.op("MatMul", base, []string{x.name, e.weight(base+"/kernel", k.Shape, k.Data)})
	if t.UseBias {
		b := t.Params()[1].Value
		y = e.op("Add", base, []string{y, e.weight(base+"/bias", b.Shape, b.Data)})
	}
	y, err := e.activation(t.Activation, y, base)
	return []*value{{name: y, mask: x.mask}}, err
}

// embedding writes Embedding as Gather and, with mask_zero, the mask and
// the sequence lengths that masked layers read.
func (e *exporter) embedding(t *layers.Embedding, x *value) ([]*value, error) {
	base := t.Name
	ids := x.name
	if !x.ints {
		ids = e.op("Cast", base, []string{ids}, attrInt("to", int64(typeInt64)))
	}
	if len(x.shape) != 1 {
		return nil, fmt.Errorf("an Embedding of rank-%d samples has no ONNX export here: expected (steps) token indices", len(x.shape))
	}
	w := t.Embeddings().Value
	y := e.op("Gather", base, []string{e.weight(base+"/embeddings", w.Shape, w.Data), ids}, attrInt("axis", 0))
	v := &value{name: y}
	if t.MaskZero {
		zero := e.ints(0)
		eq := e.op("Equal", base+"/mask", []string{ids, zero})
		bools := e.op("Not", base+"/mask", []string{eq})
		i32 := e.op("Cast", base+"/mask", []string{bools}, attrInt("to", int64(typeInt32)))
		lens := e.op("ReduceSum", base+"/mask", []string{i32, e.ints(1)}, attrInt("keepdims", 0))
		v.mask = &mask{bools: bools, lens: lens}
	}
	return []*value{v}, nil
}

// concat writes Concatenate (one shared mask, not along a masked steps axis).
func (e *exporter) concat(t *layers.Concatenate, in []*value, out layers.Shape) ([]*value, error) {
	base := t.Name
	m, err := sameMask(in)
	if err != nil {
		return nil, err
	}
	rank := len(out) + 1
	axis := t.Axis
	if axis < 0 {
		axis += rank
	}
	if m != nil && axis == 1 {
		return nil, fmt.Errorf("concatenating masked sequences along the steps axis has no ONNX form here")
	}
	names := make([]string, len(in))
	for i, v := range in {
		names[i] = v.name
	}
	return []*value{{name: e.op("Concat", base, names, attrInt("axis", int64(axis))), mask: m}}, nil
}

const supportedExport = "Embedding, Conv1D, DepthwiseConv1D, SeparableConv1D, Conv1DTranspose, Dense, Activation, Dropout, SpatialDropout1D, " +
	"MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten, Reshape, ZeroPadding1D, Cropping1D, " +
	"UpSampling1D, BatchNormalization, LayerNormalization, Concatenate, Add, Subtract, Multiply, Average, " +
	"LSTM, GRU, SimpleRNN, Bidirectional"
