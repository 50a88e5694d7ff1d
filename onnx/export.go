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
	mp := &pb.ModelProto{
		IrVersion:       proto.Int64(IRVersion),
		OpsetImport:     []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:    proto.String("seqnet"),
		ProducerVersion: proto.String("1"),
		Graph:           e.g,
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
		if len(in[0].shape) > 2 {
			return nil, fmt.Errorf("Dense on a rank-%d sample has no ONNX form here: Flatten or Reshape to (steps, features) first", len(in[0].shape))
		}
		k := t.Params()[0].Value
		y := e.op("MatMul", base, []string{in[0].name, e.weight(base+"/kernel", k.Shape, k.Data)})
		if t.UseBias {
			b := t.Params()[1].Value
			y = e.op("Add", base, []string{y, e.weight(base+"/bias", b.Shape, b.Data)})
		}
		y, err := e.activation(t.Activation, y, base)
		return []*value{{name: y, mask: in[0].mask}}, err
	case *layers.Embedding:
		ids := in[0].name
		if !in[0].ints {
			ids = e.op("Cast", base, []string{ids}, attrInt("to", int64(typeInt64)))
		}
		if len(in[0].shape) != 1 {
			return nil, fmt.Errorf("an Embedding of rank-%d samples has no ONNX export here: expected (steps) token indices", len(in[0].shape))
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
		m, err := sameMask(in)
		if err != nil {
			return nil, err
		}
		rank := len(outShapes[0]) + 1
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

const supportedExport = "Embedding, Conv1D, DepthwiseConv1D, SeparableConv1D, Conv1DTranspose, Dense, Activation, Dropout, SpatialDropout1D, " +
	"MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten, Reshape, ZeroPadding1D, Cropping1D, " +
	"UpSampling1D, BatchNormalization, LayerNormalization, Concatenate, Add, Subtract, Multiply, Average, " +
	"LSTM, GRU, SimpleRNN, Bidirectional"

// convKernel turns a Keras (k, in, filters) kernel into ONNX's
// (filters, in, k).
func convKernel(k []float32, size, in, filters int) []float32 {
	w := make([]float32, len(k))
	for t := 0; t < size; t++ {
		for c := 0; c < in; c++ {
			for f := 0; f < filters; f++ {
				w[(f*in+c)*size+t] = k[(t*in+c)*filters+f]
			}
		}
	}
	return w
}

func (e *exporter) conv(c *layers.Conv1D, x *value) ([]*value, error) {
	base := c.Name
	k := c.Kernel().Value
	size, inG, f := k.Shape[0], k.Shape[1], k.Shape[2]
	g := c.Geometry()
	ins := []string{e.channelsFirst(x, base), e.weight(base+"/kernel", []int{f, inG, size}, convKernel(k.Data, size, inG, f))}
	if c.UseBias {
		b := c.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("Conv", base, ins, attrInts("kernel_shape", int64(size)), attrInts("strides", int64(c.Strides)),
		attrInts("dilations", int64(c.DilationRate)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)),
		attrInt("group", int64(c.Groups)))
	return e.convOut(y, c.Activation, base)
}

// convOut applies the activation in channels-first layout (element-wise
// activations commute with the transpose; softmax does not).
func (e *exporter) convOut(y string, a *layers.Activation, base string) ([]*value, error) {
	if a != nil && a.Name == "softmax" {
		v := e.fromChannelsFirst(y, base)
		z, err := e.activation(a, v.name, base)
		return []*value{{name: z}}, err
	}
	z, err := e.activation(a, y, base)
	if err != nil {
		return nil, err
	}
	return []*value{e.fromChannelsFirst(z, base)}, nil
}

func (e *exporter) depthwise(l *layers.DepthwiseConv1D, x *value) ([]*value, error) {
	base := l.Name
	k := l.Kernel().Value // (k, in, mult): a grouped conv with kernel (k, 1, in*mult)
	size, in, mult := k.Shape[0], k.Shape[1], k.Shape[2]
	g := l.Geometry()
	ins := []string{e.channelsFirst(x, base), e.weight(base+"/depthwise_kernel", []int{in * mult, 1, size}, convKernel(k.Data, size, 1, in*mult))}
	if l.UseBias {
		b := l.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("Conv", base, ins, attrInts("kernel_shape", int64(size)), attrInts("strides", int64(l.Strides)),
		attrInts("dilations", int64(l.DilationRate)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)),
		attrInt("group", int64(in)))
	return e.convOut(y, l.Activation, base)
}

func (e *exporter) separable(l *layers.SeparableConv1D, x *value) ([]*value, error) {
	base := l.Name
	k := l.DepthwiseKernel().Value
	size, in, mult := k.Shape[0], k.Shape[1], k.Shape[2]
	g := l.Geometry()
	d := e.op("Conv", base+"/depthwise", []string{e.channelsFirst(x, base),
		e.weight(base+"/depthwise_kernel", []int{in * mult, 1, size}, convKernel(k.Data, size, 1, in*mult))},
		attrInts("kernel_shape", int64(size)), attrInts("strides", int64(l.Strides)),
		attrInts("dilations", int64(l.DilationRate)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)),
		attrInt("group", int64(in)))
	p := l.PointwiseKernel().Value // (1, in*mult, filters)
	ins := []string{d, e.weight(base+"/pointwise_kernel", []int{p.Shape[2], p.Shape[1], 1}, convKernel(p.Data, 1, p.Shape[1], p.Shape[2]))}
	if l.UseBias {
		b := l.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("Conv", base+"/pointwise", ins, attrInts("kernel_shape", 1))
	return e.convOut(y, l.Activation, base)
}

// convTranspose writes ConvTranspose with W (in, filters, k) from Keras'
// (k, filters, in); seqnet's crop is the left pad, and the right pad (or,
// when negative, output_padding) makes the length.
func (e *exporter) convTranspose(l *layers.Conv1DTranspose, x *value) ([]*value, error) {
	base := l.Name
	k := l.Kernel().Value
	size, f, in := k.Shape[0], k.Shape[1], k.Shape[2]
	w := make([]float32, len(k.Data))
	for i := 0; i < size; i++ {
		for o := 0; o < f; o++ {
			for c := 0; c < in; c++ {
				w[(c*f+o)*size+i] = k.Data[(i*f+o)*in+c]
			}
		}
	}
	g := l.Geometry()
	full := (g.Length-1)*l.Strides + (size-1)*l.DilationRate + 1
	right, outPad := full-g.Crop-g.OutLength, 0
	if right < 0 {
		right, outPad = 0, -right
	}
	ins := []string{e.channelsFirst(x, base), e.weight(base+"/kernel", []int{in, f, size}, w)}
	if l.UseBias {
		b := l.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("ConvTranspose", base, ins, attrInts("kernel_shape", int64(size)), attrInts("strides", int64(l.Strides)),
		attrInts("dilations", int64(l.DilationRate)), attrInts("pads", int64(g.Crop), int64(right)),
		attrInts("output_padding", int64(outPad)))
	return e.convOut(y, l.Activation, base)
}

// globalPool reduces over the steps axis; on a masked sequence only the
// real steps count, as in seqnet (a sample with no real step gives 0).
func (e *exporter) globalPool(max, keepdims bool, x *value, base string) string {
	kd := int64(0)
	if keepdims {
		kd = 1
	}
	if x.mask == nil {
		if max {
			return e.op("ReduceMax", base, []string{x.name}, attrInts("axes", 1), attrInt("keepdims", kd))
		}
		return e.op("ReduceMean", base, []string{x.name}, attrInts("axes", 1), attrInt("keepdims", kd))
	}
	m3 := e.op("Unsqueeze", base+"/mask", []string{x.mask.bools, e.ints(2)}) // (batch, steps, 1)
	mf := e.op("Cast", base+"/mask", []string{m3}, attrInt("to", int64(typeFloat)))
	count := e.op("ReduceSum", base+"/mask", []string{mf, e.ints(1)}, attrInt("keepdims", kd))
	if max {
		low := e.op("Where", base, []string{m3, x.name, e.scalar(base+"/neg_inf", float32(math.Inf(-1)))})
		r := e.op("ReduceMax", base, []string{low}, attrInts("axes", 1), attrInt("keepdims", kd))
		some := e.op("Greater", base, []string{count, e.scalar(base+"/zero", 0)})
		return e.op("Where", base, []string{some, r, e.scalar(base+"/zero", 0)})
	}
	xm := e.op("Mul", base, []string{x.name, mf})
	s := e.op("ReduceSum", base, []string{xm, e.ints(1)}, attrInt("keepdims", kd))
	n := e.op("Max", base, []string{count, e.scalar(base+"/one", 1)})
	return e.op("Mul", base, []string{s, e.op("Reciprocal", base, []string{n})})
}

func (e *exporter) batchNorm(l *layers.BatchNormalization, x *value) ([]*value, error) {
	base := l.Name
	if l.Axis != -1 && l.Axis != len(x.shape) {
		return nil, fmt.Errorf("BatchNormalization axis=%d has no ONNX export here: only the last axis (-1) is supported", l.Axis)
	}
	ch := x.shape[len(x.shape)-1]
	vec := func(p *layers.Param, name string, def float32) string {
		if p != nil {
			return e.weight(base+"/"+name, []int{ch}, p.Value.Data)
		}
		d := make([]float32, ch)
		for i := range d {
			d[i] = def
		}
		return e.weight(base+"/"+name, []int{ch}, d)
	}
	args := func(in string) []string {
		return []string{in, vec(l.Gamma(), "gamma", 1), vec(l.Beta(), "beta", 0), vec(l.MovingMean(), "moving_mean", 0),
			vec(l.MovingVariance(), "moving_variance", 1)}
	}
	eps := attrFloat("epsilon", float32(l.Epsilon))
	switch len(x.shape) {
	case 1:
		return []*value{{name: e.op("BatchNormalization", base, args(x.name), eps), mask: x.mask}}, nil
	case 2:
		y := e.op("BatchNormalization", base, args(e.channelsFirst(x, base)), eps)
		v := e.fromChannelsFirst(y, base)
		v.mask = x.mask
		return []*value{v}, nil
	}
	return nil, fmt.Errorf("BatchNormalization on rank-%d samples has no ONNX export here", len(x.shape))
}

func (e *exporter) layerNorm(l *layers.LayerNormalization, x *value) ([]*value, error) {
	base := l.Name
	if l.RMSScaling {
		return nil, fmt.Errorf("LayerNormalization with rms_scaling=True has no ONNX form in opset 17 (RMSNormalization is opset 23)")
	}
	if l.Axis != -1 && l.Axis != len(x.shape) {
		return nil, fmt.Errorf("LayerNormalization axis=%d has no ONNX export here: only the last axis (-1) is supported", l.Axis)
	}
	ch := x.shape[len(x.shape)-1]
	ones, zeros := make([]float32, ch), make([]float32, ch)
	for i := range ones {
		ones[i] = 1
	}
	g, b := ones, zeros
	if l.Gamma() != nil {
		g = l.Gamma().Value.Data
	}
	if l.Beta() != nil {
		b = l.Beta().Value.Data
	}
	y := e.op("LayerNormalization", base, []string{x.name, e.weight(base+"/gamma", []int{ch}, g), e.weight(base+"/beta", []int{ch}, b)},
		attrInt("axis", -1), attrFloat("epsilon", float32(l.Epsilon)))
	return []*value{{name: y, mask: x.mask}}, nil
}

func (e *exporter) merge(l *layers.Merge, in []*value, out layers.Shape) ([]*value, error) {
	base := l.Name
	m, err := sameMask(in)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(in))
	for i, v := range in {
		names[i] = v.name
		if d := len(out) - len(v.shape); d > 0 {
			// seqnet treats a lower-rank input as having leading per-sample
			// axes of 1; ONNX would align it with the batch axis instead.
			axes := make([]int64, d)
			for k := range axes {
				axes[k] = int64(1 + k)
			}
			names[i] = e.op("Unsqueeze", base, []string{v.name, e.ints(axes...)})
		}
	}
	var y string
	switch l.ClassName() {
	case "Add":
		y = e.op("Sum", base, names)
	case "Subtract":
		if len(names) != 2 {
			return nil, fmt.Errorf("Subtract takes 2 inputs, received %d", len(names))
		}
		y = e.op("Sub", base, names)
	case "Multiply":
		y = names[0]
		for _, n := range names[1:] {
			y = e.op("Mul", base, []string{y, n})
		}
	case "Average":
		y = e.op("Mean", base, names)
	default:
		return nil, fmt.Errorf("%s has no ONNX export here", l.ClassName())
	}
	return []*value{{name: y, mask: m}}, nil
}

// rnnAct maps a recurrent layer's activation to the names ONNX's LSTM,
// GRU and RNN operators take.
func rnnAct(a *layers.Activation, what string) (string, error) {
	switch a.Name {
	case "sigmoid":
		return "Sigmoid", nil
	case "tanh":
		return "Tanh", nil
	case "relu":
		return "Relu", nil
	case "hard_sigmoid":
		return "HardSigmoid", nil
	case "leaky_relu":
		return "LeakyRelu", nil
	case "elu":
		return "Elu", nil
	case "softplus":
		return "Softplus", nil
	}
	return "", fmt.Errorf("%s %q has no ONNX form here: ONNX's recurrent operators take sigmoid, tanh, relu, hard_sigmoid, leaky_relu, elu or softplus", what, a.Name)
}

// rnnActParams are the activation_alpha and activation_beta values an
// ONNX recurrent activation consumes, in order: Keras 3's hard_sigmoid is
// clip(x/6 + 1/2), its leaky_relu slope 0.2, its elu alpha 1.
var rnnActParams = map[string][]float32{"HardSigmoid": {1.0 / 6, 0.5}, "LeakyRelu": {0.2}, "Elu": {1}}

// rnnWeights returns one direction's W (gates·U, in), R (gates·U, U) and B
// (2·gates·U) in ONNX's gate order, and the op's activations.
func rnnWeights(l layers.Layer, r *layers.RNN, op string) (w, rr, b []float32, acts []string, lbr bool, err error) {
	U := r.Units
	k, rk := r.Kernel().Value, r.RecurrentKernel().Value
	in := k.Shape[0]
	// order[g] is the Keras gate (column block) of ONNX gate g.
	var order []int
	switch op {
	case "LSTM":
		order = []int{0, 3, 1, 2} // Keras i,f,c,o → ONNX i,o,f,c
	case "GRU":
		order = []int{0, 1, 2} // z, r, h in both
	default:
		order = []int{0}
	}
	G := len(order)
	w = make([]float32, G*U*in)
	rr = make([]float32, G*U*U)
	b = make([]float32, 2*G*U)
	for g, kg := range order {
		for u := 0; u < U; u++ {
			for c := 0; c < in; c++ {
				w[(g*U+u)*in+c] = k.Data[c*G*U+kg*U+u]
			}
			for c := 0; c < U; c++ {
				rr[(g*U+u)*U+c] = rk.Data[c*G*U+kg*U+u]
			}
		}
	}
	if bias := r.Bias(); bias != nil {
		bd := bias.Value.Data
		var rb []float32
		if len(bd) == 2*G*U { // GRU reset_after: (2, 3U) input and recurrent biases
			bd, rb = bd[:G*U], bd[G*U:]
		}
		for g, kg := range order {
			copy(b[g*U:(g+1)*U], bd[kg*U:(kg+1)*U])
			if rb != nil {
				copy(b[G*U+g*U:G*U+(g+1)*U], rb[kg*U:(kg+1)*U])
			}
		}
	}
	act, err := rnnAct(r.Activation, "activation")
	if err != nil {
		return
	}
	switch op {
	case "LSTM":
		var ra string
		if ra, err = rnnAct(r.RecurrentActivation, "recurrent_activation"); err != nil {
			return
		}
		acts = []string{ra, act, act}
	case "GRU":
		var ra string
		if ra, err = rnnAct(r.RecurrentActivation, "recurrent_activation"); err != nil {
			return
		}
		acts = []string{ra, act}
		lbr = l.(*layers.GRU).ResetAfter
	default:
		acts = []string{act}
	}
	return
}

// rnnNode writes an ONNX LSTM/GRU/RNN node over x (batch, steps, features)
// for one or two directions, returning Y (steps, dirs, batch, units), Y_h
// and, for LSTM, Y_c (dirs, batch, units).
func (e *exporter) rnnNode(base, op, direction string, x *value, dirs []layers.Layer, rnns []*layers.RNN) (y, yh, yc string, err error) {
	var W, R, B []float32
	var acts []string
	var lbr bool
	U := rnns[0].Units
	for i, r := range rnns {
		w, rr, b, a, l, err := rnnWeights(dirs[i], r, op)
		if err != nil {
			return "", "", "", err
		}
		W, R, B, acts, lbr = append(W, w...), append(R, rr...), append(B, b...), append(acts, a...), l
	}
	nd := len(rnns)
	G := len(W) / (nd * U * x.shape[1])
	ins := []string{
		e.op("Transpose", base, []string{x.name}, attrInts("perm", 1, 0, 2)),
		e.weight(base+"/W", []int{nd, G * U, x.shape[1]}, W),
		e.weight(base+"/R", []int{nd, G * U, U}, R),
		"", "",
	}
	if rnns[0].Bias() != nil {
		ins[3] = e.weight(base+"/B", []int{nd, 2 * G * U}, B)
	}
	if x.mask != nil {
		ins[4] = x.mask.lens
	}
	for len(ins) > 0 && ins[len(ins)-1] == "" {
		ins = ins[:len(ins)-1]
	}
	attrs := []*pb.AttributeProto{attrInt("hidden_size", int64(U)), attrString("direction", direction), attrStrings("activations", acts...)}
	var alpha, beta []float32
	for _, a := range acts {
		if p := rnnActParams[a]; p != nil {
			alpha = append(alpha, p[0])
			if len(p) > 1 {
				beta = append(beta, p[1])
			}
		}
	}
	if alpha != nil {
		attrs = append(attrs, attrFloats("activation_alpha", alpha...))
	}
	if beta != nil {
		attrs = append(attrs, attrFloats("activation_beta", beta...))
	}
	if op == "GRU" && lbr {
		attrs = append(attrs, attrInt("linear_before_reset", 1))
	}
	outs := []string{e.unique(base + "/Y"), e.unique(base + "/Y_h")}
	if op == "LSTM" {
		outs = append(outs, e.unique(base+"/Y_c"))
	}
	e.node(op, base, ins, outs, attrs...)
	if op == "LSTM" {
		yc = outs[2]
	}
	return outs[0], outs[1], yc, nil
}

func (e *exporter) recurrent(l layers.Layer, r *layers.RNN, op string, x *value, _ *layers.GRU) ([]*value, error) {
	base := r.Name
	dir := "forward"
	if r.GoBackwards {
		if x.mask != nil {
			return nil, fmt.Errorf("go_backwards on a masked sequence has no ONNX form here")
		}
		dir = "reverse"
	}
	y, yh, yc, err := e.rnnNode(base, op, dir, x, []layers.Layer{l}, []*layers.RNN{r})
	if err != nil {
		return nil, err
	}
	last := e.op("Squeeze", base, []string{yh, e.ints(0)}) // (batch, units)
	var out []*value
	if r.ReturnSequences {
		s := e.op("Squeeze", base, []string{y, e.ints(1)}) // (steps, batch, units)
		if r.GoBackwards {
			// Keras returns the steps in the order it read them.
			s = e.op("Slice", base, []string{s, e.ints(-1), e.ints(math.MinInt64), e.ints(0), e.ints(-1)})
		}
		seq := e.op("Transpose", base, []string{s}, attrInts("perm", 1, 0, 2))
		if x.mask != nil && !r.ZeroOutputForMask {
			// ONNX writes zeros past each sequence's length; Keras repeats
			// the last state there.
			m3 := e.op("Unsqueeze", base+"/mask", []string{x.mask.bools, e.ints(2)})
			seq = e.op("Where", base, []string{m3, seq, e.op("Unsqueeze", base, []string{last, e.ints(1)})})
		}
		out = append(out, &value{name: seq, mask: x.mask})
	} else {
		out = append(out, &value{name: last})
	}
	if r.ReturnState {
		out = append(out, &value{name: last})
		if op == "LSTM" {
			out = append(out, &value{name: e.op("Squeeze", base, []string{yc, e.ints(0)})})
		}
	}
	return out, nil
}

func (e *exporter) bidirectional(bd *layers.Bidirectional, x *value) ([]*value, error) {
	base := bd.Name
	fl, bl := bd.ForwardLayer(), bd.BackwardLayer()
	var op string
	var f, b *layers.RNN
	switch t := fl.(type) {
	case *layers.LSTM:
		op, f = "LSTM", &t.RNN
		b = &bl.(*layers.LSTM).RNN
	case *layers.GRU:
		op, f = "GRU", &t.RNN
		bg := bl.(*layers.GRU)
		if bg.ResetAfter != t.ResetAfter {
			return nil, fmt.Errorf("the two GRU directions differ in reset_after; ONNX takes one linear_before_reset")
		}
		b = &bg.RNN
	case *layers.SimpleRNN:
		op, f = "RNN", &t.RNN
		b = &bl.(*layers.SimpleRNN).RNN
	default:
		return nil, fmt.Errorf("Bidirectional over %s has no ONNX export", fl.ClassName())
	}
	if f.GoBackwards || !b.GoBackwards {
		return nil, fmt.Errorf("Bidirectional whose forward layer reads backwards has no ONNX export here")
	}
	if f.Units != b.Units || f.Activation.Name != b.Activation.Name || f.RecurrentActivation.Name != b.RecurrentActivation.Name ||
		(f.Bias() == nil) != (b.Bias() == nil) || fl.ClassName() != bl.ClassName() {
		return nil, fmt.Errorf("the two directions differ in units, activations or use_bias; ONNX's bidirectional operator takes one of each")
	}
	y, yh, yc, err := e.rnnNode(base, op, "bidirectional", x, []layers.Layer{fl, bl}, []*layers.RNN{f, b})
	if err != nil {
		return nil, err
	}
	// both is (batch, [steps,] 2, units); merge along the direction axis.
	var both string
	axis := int64(1)
	if f.ReturnSequences {
		both = e.op("Transpose", base, []string{y}, attrInts("perm", 2, 0, 1, 3))
		axis = 2
	} else {
		both = e.op("Transpose", base, []string{yh}, attrInts("perm", 1, 0, 2))
	}
	var m *mask
	if f.ReturnSequences {
		m = x.mask
	}
	var out []*value
	switch bd.MergeMode {
	case "concat":
		shape := []int64{0, -1}
		if f.ReturnSequences {
			shape = []int64{0, 0, -1}
		}
		out = append(out, &value{name: e.op("Reshape", base, []string{both, e.ints(shape...)}), mask: m})
	case "sum":
		out = append(out, &value{name: e.op("ReduceSum", base, []string{both, e.ints(axis)}, attrInt("keepdims", 0)), mask: m})
	case "ave":
		out = append(out, &value{name: e.op("ReduceMean", base, []string{both}, attrInts("axes", axis), attrInt("keepdims", 0)), mask: m})
	case "mul":
		out = append(out, &value{name: e.op("ReduceProd", base, []string{both}, attrInts("axes", axis), attrInt("keepdims", 0)), mask: m})
	case "none":
		for d := int64(0); d < 2; d++ {
			// Gather with a 1-element index keeps the axis; squeeze it.
			g := e.op("Gather", base, []string{both, e.ints(d)}, attrInt("axis", axis))
			out = append(out, &value{name: e.op("Squeeze", base, []string{g, e.ints(axis)}), mask: m})
		}
	default:
		return nil, fmt.Errorf("merge_mode %q has no ONNX export", bd.MergeMode)
	}
	if f.ReturnState {
		for d := int64(0); d < 2; d++ {
			h := e.op("Gather", base, []string{yh, e.ints(d)}, attrInt("axis", 0))
			out = append(out, &value{name: e.op("Squeeze", base, []string{h, e.ints(0)})})
			if op == "LSTM" {
				c := e.op("Gather", base, []string{yc, e.ints(d)}, attrInt("axis", 0))
				out = append(out, &value{name: e.op("Squeeze", base, []string{c, e.ints(0)})})
			}
		}
	}
	return out, nil
}
