package onnx

import (
	"fmt"
	"io"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// Info is what Import learns about a file besides the model.
type Info struct {
	// Metadata is the file's metadata_props; MetaPreprocessing holds the
	// preprocessing of a seqnet export.
	Metadata map[string]string
	// InputChannelsFirst[i] is true when ONNX input i is (batch, channels,
	// steps): seqnet's input i is its transpose, (batch, steps, channels).
	InputChannelsFirst []bool
	// OutputChannelsFirst[i] is true when ONNX output i is (batch,
	// channels, steps) and seqnet's is (batch, steps, channels).
	OutputChannelsFirst []bool
}

// Import reads an ONNX model into a seqnet model.
//
// It reads what seqnet's Export writes and what torch.onnx.export emits
// (opsets 13 to 17) for Conv1d text CNNs and GRU/LSTM models: see the
// package documentation. Channels-first graphs become channels-last
// layers: a float input that feeds Conv or pooling directly is ONNX
// (batch, channels, steps) and seqnet's (batch, steps, channels), so its
// data must be transposed before predicting (Info says so). An operator,
// attribute or pattern outside the supported set is an error naming the
// node, its op type and the attribute.
func Import(r io.Reader) (*model.Model, *Info, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: %w", err)
	}
	return Unmarshal(b)
}

// ReadFile imports the ONNX model at path (see Import).
func ReadFile(path string) (*model.Model, *Info, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: %w", err)
	}
	m, meta, err := Unmarshal(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, meta, nil
}

// Unmarshal imports an ONNX model from its bytes (see Import).
func Unmarshal(b []byte) (*model.Model, *Info, error) {
	mp, err := parseModel(b)
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: %w", err)
	}
	for _, o := range mp.GetOpsetImport() {
		if d := o.GetDomain(); d != "" && d != "ai.onnx" {
			return nil, nil, fmt.Errorf("onnx: the model uses operator domain %q; seqnet reads the default ONNX domain only", d)
		}
		if v := o.GetVersion(); v < 7 || v > 21 {
			return nil, nil, fmt.Errorf("onnx: opset %d is not supported: expected 13 to 17 (7 to 21 are read on a best-effort basis)", v)
		}
	}
	im := &importer{vals: map[string]*val{}, users: map[string]int{}, info: &Info{Metadata: map[string]string{}}}
	m, err := im.run(mp.GetGraph())
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: %w", err)
	}
	for _, p := range mp.GetMetadataProps() {
		im.info.Metadata[p.GetKey()] = p.GetValue()
	}
	return m, im.info, nil
}

// dyn is a tensor computed by the model: one or more seqnet tensors
// (parts, stacked along ONNX axis stack, -1 when not stacked) seen in the
// ONNX graph's axis order: ONNX axis i (the stack axis left out) is axis
// perm[i] of the seqnet tensor, counted with the batch axis 0.
type dyn struct {
	parts []*model.Tensor
	stack int
	perm  []int
	ints  bool // int64 token indices
	rev   bool // the steps run backwards (a reverse-direction RNN's Y)
	// reorder, when set, says the tensor was flattened in ONNX's axis
	// order, not seqnet's (see flatOrder).
	reorder *flatOrder
	// ids is the token-index input whose padding mask this tensor may
	// carry through seqnet's mask-preserving layers (nil: none), and embs
	// the Embeddings (reading ids) whose outputs it is computed from: in
	// seqnet the mask belongs to an Embedding (mask_zero), so a masked use
	// of this tensor masks exactly these, not every Embedding of ids.
	ids  *model.Tensor
	embs []*layers.Embedding
	// rnn is the recurrent layer whose sequence this is (masked idioms).
	rnn *rnnInfo
}

func (d *dyn) rank() int {
	if d.stack >= 0 {
		return len(d.perm) + 1
	}
	return len(d.perm)
}

func (d *dyn) identity() bool {
	if d.stack >= 0 || d.reorder != nil || d.rev {
		return false
	}
	for i, p := range d.perm {
		if p != i {
			return false
		}
	}
	return true
}

// pat is a partial pattern: a value that only makes sense to the nodes
// that complete an idiom (a mask, an unsqueeze before a merge, the steps
// of gelu).
type pat struct {
	kind string
	x    *val
	ids  *model.Tensor
	kd   bool
	w    *constT
	axes []int64
	reps []int64
	// a LayerNorm written out as operators: epsilon and beta (w is gamma)
	eps float64
	b   *constT
}

// val is an ONNX value during import: a constant, a symbolic shape (from
// Shape, with -1 for the batch axis), a zero state, a model tensor or a
// pattern.
type val struct {
	c     *constT
	shape []int64
	zeros bool
	d     *dyn
	p     *pat
}

type rnnInfo struct {
	layer    layers.Layer
	rnns     []*layers.RNN
	ids      *model.Tensor
	whereSet bool
}

type paramSet struct {
	l layers.Layer
	w [][]float32
}

// maskUse is a read of Embedding outputs by a layer seqnet would mask:
// masked when the graph skips the padding there.
type maskUse struct {
	embs   []*layers.Embedding
	masked bool
	what   string // the node's name
}

type importer struct {
	vals   map[string]*val
	users  map[string]int
	inputs []*model.Tensor
	params []paramSet
	masks  []maskUse
	// gathers names the Gather node each Embedding was read from.
	gathers map[*layers.Embedding]string
	acts    map[*model.Tensor]actOrigin
	info    *Info
	node    *pb.NodeProto
}

// errf returns an error naming the current node.
func (im *importer) errf(format string, a ...any) error {
	n := im.node
	return fmt.Errorf("node %q (%s): %s", n.GetName(), n.GetOpType(), fmt.Sprintf(format, a...))
}

func (im *importer) run(g *pb.GraphProto) (*model.Model, error) {
	im.acts = map[*model.Tensor]actOrigin{}
	im.gathers = map[*layers.Embedding]string{}
	for _, t := range g.GetInitializer() {
		c, err := decodeTensor(t)
		if err != nil {
			return nil, fmt.Errorf("initializer: %w", err)
		}
		im.vals[t.GetName()] = &val{c: c}
	}
	for _, n := range g.GetNode() {
		for _, in := range n.GetInput() {
			im.users[in]++
		}
	}
	firstUse := map[string]string{}
	for _, n := range g.GetNode() {
		for _, in := range n.GetInput() {
			if _, ok := firstUse[in]; !ok {
				firstUse[in] = n.GetOpType()
			}
		}
	}
	var inputs []*model.Tensor
	for _, vi := range g.GetInput() {
		x, err := im.graphInput(vi, firstUse)
		if err != nil {
			return nil, err
		}
		if x != nil {
			inputs = append(inputs, x)
		}
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("the graph has no inputs")
	}
	for _, n := range g.GetNode() {
		im.node = n
		if err := im.step(n); err != nil {
			return nil, err
		}
	}
	var outs []*model.Tensor
	for _, o := range g.GetOutput() {
		y, err := im.graphOutput(o)
		if err != nil {
			return nil, err
		}
		outs = append(outs, y)
	}
	if err := im.checkMasks(); err != nil {
		return nil, err
	}
	m, err := model.NewModel(inputs, outs, 1)
	if err != nil {
		return nil, fmt.Errorf("building the seqnet model: %w", err)
	}
	m.Name = g.GetName()
	if m.Name == "" {
		m.Name = "onnx"
	}
	if err := im.setWeights(); err != nil {
		return nil, err
	}
	return m, nil
}

// graphInput makes the seqnet input of a graph input (nil for an
// initializer listed as an input); firstUse names the operator that reads
// each value first (a convolution's or pooling's input is channels-first).
func (im *importer) graphInput(vi *pb.ValueInfoProto, firstUse map[string]string) (*model.Tensor, error) {
	name := vi.GetName()
	if im.vals[name] != nil {
		return nil, nil // an initializer listed as an input (IR < 4)
	}
	t := vi.GetType().GetTensorType()
	if t == nil {
		return nil, fmt.Errorf("input %q is not a tensor", name)
	}
	dims := t.GetShape().GetDim()
	if len(dims) < 2 || len(dims) > 3 {
		return nil, fmt.Errorf("input %q has rank %d: seqnet reads (batch, steps) token indices or (batch, steps, channels) / (batch, channels, steps) series", name, len(dims))
	}
	var shape []int
	total := int64(1)
	for i, d := range dims[1:] {
		total *= max(1, d.GetDimValue())
		if total > maxElements {
			return nil, fmt.Errorf("input %q has more than %d values per sample", name, maxElements)
		}
		v := d.GetDimValue()
		if v <= 0 || v > maxElements {
			return nil, fmt.Errorf("input %q axis %d is %q: seqnet needs fixed sizes after the batch axis (re-export with a fixed sequence length)", name, i+1, d.GetDimParam())
		}
		shape = append(shape, int(v))
	}
	d := &dyn{stack: -1}
	switch t.GetElemType() {
	case typeInt64, typeInt32:
		d.ints = true
		if len(shape) != 1 {
			return nil, fmt.Errorf("input %q holds integers of rank %d: seqnet reads token indices as (batch, steps)", name, len(dims))
		}
	case typeFloat:
	default:
		return nil, fmt.Errorf("input %q has element type %s: expected float or int64", name, typeName(t.GetElemType()))
	}
	d.perm = []int{0, 1}
	if len(shape) == 2 {
		d.perm = []int{0, 1, 2}
		if op := firstUse[name]; op == "Conv" || op == "MaxPool" || op == "AveragePool" || op == "GlobalMaxPool" || op == "GlobalAveragePool" {
			// channels-first (batch, channels, steps): seqnet's input is (steps, channels)
			shape = []int{shape[1], shape[0]}
			d.perm = []int{0, 2, 1}
		}
	}
	im.info.InputChannelsFirst = append(im.info.InputChannelsFirst, d.perm[1] == 2)
	x := model.Input(shape...)
	d.parts = []*model.Tensor{x}
	im.vals[name] = &val{d: d}
	return x, nil
}

// graphOutput returns the seqnet tensor of a graph output.
func (im *importer) graphOutput(o *pb.ValueInfoProto) (*model.Tensor, error) {
	v := im.vals[o.GetName()]
	if v == nil {
		return nil, fmt.Errorf("output %q is not computed by any node", o.GetName())
	}
	d, err := im.tensor(v)
	if err != nil {
		return nil, fmt.Errorf("output %q: %w", o.GetName(), err)
	}
	if d.stack >= 0 || d.reorder != nil || d.rev {
		return nil, fmt.Errorf("output %q is a stack of recurrent states or a reordered tensor, which seqnet cannot return as one tensor", o.GetName())
	}
	if !d.identity() {
		// A channels-first output: seqnet returns it channels-last.
		if len(d.perm) != 3 || d.perm[1] != 2 {
			return nil, fmt.Errorf("output %q has an axis order seqnet cannot return", o.GetName())
		}
	}
	im.info.OutputChannelsFirst = append(im.info.OutputChannelsFirst, !d.identity())
	return d.parts[0], nil
}

// setWeights copies the file's weights into the built model's layers.
func (im *importer) setWeights() error {
	for _, p := range im.params {
		ps := p.l.Common().Params()
		if len(ps) != len(p.w) {
			return fmt.Errorf("layer %q has %d weights, the file gives %d: this is a seqnet bug", p.l.Common().Name, len(ps), len(p.w))
		}
		for i, w := range p.w {
			if len(w) != len(ps[i].Value.Data) {
				return fmt.Errorf("layer %q weight %s has %d values, the file gives %d", p.l.Common().Name, ps[i].Name, len(ps[i].Value.Data), len(w))
			}
			copy(ps[i].Value.Data, w)
			ps[i].Changed()
		}
	}
	return nil
}

// checkMasks refuses graphs where an Embedding's output is read with the
// padding masked by some nodes and unmasked by others that seqnet would
// mask too (a masked Embedding masks every layer after it). Two Embeddings
// of the same tokens may differ: one masked, one not.
func (im *importer) checkMasks() error {
	masked := map[*layers.Embedding]bool{}
	for _, u := range im.masks {
		if u.masked {
			for _, e := range u.embs {
				masked[e] = true
			}
		}
	}
	for _, u := range im.masks {
		if u.masked {
			continue
		}
		for _, e := range u.embs {
			if masked[e] {
				return fmt.Errorf("node %q reads the padded steps of the embedding lookup (Gather) %q that other nodes read with the padding masked out; seqnet masks every layer after an Embedding with mask_zero, so this graph has no seqnet form (a lookup read unmasked needs its own Gather)", u.what, im.gathers[e])
			}
		}
	}
	return nil
}

// step reads one node: a dispatch on its operator.
func (im *importer) step(n *pb.NodeProto) error {
	op := n.GetOpType()
	if d := n.GetDomain(); d != "" && d != "ai.onnx" {
		return im.errf("operator domain %q is not supported", d)
	}
	if len(n.GetOutput()) == 0 {
		return im.errf("the node has no outputs")
	}
	switch op {
	case "Constant":
		return im.constantOp()
	case "Identity", "Dropout":
		return im.identityOp()
	case "Shape":
		return im.shapeOp()
	case "ConstantOfShape":
		return im.constantOfShape()
	case "Gather":
		return im.gather()
	case "Unsqueeze", "Squeeze":
		return im.squeezeOp(op == "Unsqueeze")
	case "Concat":
		return im.concat()
	case "Slice":
		return im.slice()
	case "Transpose":
		return im.transpose()
	case "Conv":
		return im.conv()
	case "ConvTranspose":
		return im.convTranspose()
	case "MaxPool", "AveragePool":
		return im.pool(op == "MaxPool")
	case "GlobalMaxPool", "GlobalAveragePool":
		return im.globalPoolOp(op == "GlobalMaxPool")
	case "ReduceMax", "ReduceMean", "ReduceSum", "ReduceProd":
		return im.reduce(op)
	case "Relu", "Sigmoid", "Tanh", "Elu", "Selu", "Softplus", "LeakyRelu", "HardSigmoid", "Softmax":
		return im.activation(op)
	case "Erf", "Reciprocal", "Not", "Equal", "Greater", "Cast", "Where", "Max", "Tile", "Pow", "Sqrt":
		return im.patternOp(op)
	case "Add", "Sub", "Mul", "Sum", "Mean", "Div":
		return im.arith(op)
	case "Gemm":
		return im.gemm()
	case "MatMul":
		return im.matmul()
	case "Flatten":
		return im.flatten()
	case "Reshape":
		return im.reshape()
	case "Pad":
		return im.pad()
	case "BatchNormalization":
		return im.batchNorm()
	case "LayerNormalization":
		return im.layerNorm()
	case "LSTM", "GRU", "RNN":
		return im.recurrent(op)
	}
	return im.errf("operator %s is not supported by seqnet's importer", op)
}

// constantOp reads Constant: its tensor is a constant value.
func (im *importer) constantOp() error {
	a, err := im.attrs("value")
	if err != nil {
		return err
	}
	if a["value"] == nil || a["value"].GetT() == nil {
		return im.errf("attribute \"value\" with a tensor is required")
	}
	c, err := decodeTensor(a["value"].GetT())
	if err != nil {
		return im.errf("%v", err)
	}
	im.set(0, &val{c: c})
	return nil
}

// identityOp reads Identity and Dropout (inference: the identity).
func (im *importer) identityOp() error {
	if _, err := im.attrs("seed", "ratio"); err != nil {
		return err
	}
	v, err := im.need(0)
	if err != nil {
		return err
	}
	im.set(0, v)
	return nil
}

// globalPoolOp reads GlobalMaxPool and GlobalAveragePool.
func (im *importer) globalPoolOp(isMax bool) error {
	if _, err := im.attrs(); err != nil {
		return err
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	return im.globalPool(x, isMax, true, 2)
}
