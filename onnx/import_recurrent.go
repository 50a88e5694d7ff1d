package onnx

import (
	"math"
	"slices"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

var rnnActs = map[string]string{"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu", "HardSigmoid": "hard_sigmoid",
	"LeakyRelu": "leaky_relu", "Elu": "elu", "Softplus": "softplus"}

// rnnSpec is what an ONNX LSTM, GRU or RNN node gives: its input, weights
// and sizes, checked.
type rnnSpec struct {
	op, dir     string
	nd, U, in   int // directions, hidden size, input features
	x           *dyn
	t           *model.Tensor // x as seqnet's (batch, steps, features)
	w, rc, b    *constT       // W, R, B (b nil: no bias)
	lbr         bool          // linear_before_reset
	ids         *model.Tensor // the token ids whose count is sequence_lens (nil: none)
	act, recAct string        // seqnet's activation and recurrent activation
	useY, useH  bool          // outputs Y and Y_h are read
	useC        bool          // output Y_c is read
	ns          int           // states per direction in seqnet's outputs
}

// recurrent reads ONNX LSTM, GRU and RNN into seqnet's LSTM, GRU and
// SimpleRNN (Bidirectional with merge_mode "none" for two directions;
// the graph's own Concat or Reshape merges them).
func (im *importer) recurrent(op string) error {
	a, err := im.attrs("hidden_size", "direction", "activations", "layout", "linear_before_reset", "input_forget", "clip",
		"activation_alpha", "activation_beta")
	if err != nil {
		return err
	}
	s, err := im.rnnInputs(op, a)
	if err != nil {
		return err
	}
	if err := im.rnnLengths(s); err != nil {
		return err
	}
	if s.act, s.recAct, err = im.rnnActivations(op, a, s.nd); err != nil {
		return err
	}
	outs := im.node.GetOutput()
	used := func(i int) bool { return i < len(outs) && outs[i] != "" && im.users[outs[i]] > 0 }
	s.useY, s.useH, s.useC = used(0), used(1), used(2)
	s.lbr = aInt(a, "linear_before_reset", 0) != 0
	l, r := s.layer()
	if s.dir == "reverse" {
		r.GoBackwards = true
	}
	if s.ids != nil && s.nd == 1 && s.useY {
		r.ZeroOutputForMask = true // ONNX writes zeros past each length
	}
	var weights [][]float32
	for d := 0; d < s.nd; d++ {
		weights = append(weights, rnnKeras(op, d, s.U, s.in, s.w, s.rc, s.b, s.lbr)...)
	}
	var layer layers.Layer = l
	if s.nd == 2 {
		layer = layers.NewBidirectional(l, "none")
	}
	ys, err := im.apply(layer, s.t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{layer, weights})
	info := &rnnInfo{layer: layer, ids: s.ids}
	info.rnns = []*layers.RNN{r}
	im.masks = append(im.masks, maskUse{embs: s.x.embs, masked: s.ids != nil, what: im.node.GetName()})
	im.rnnOutputs(s, r, info, ys)
	return nil
}

// rnnInputs checks the node's attributes and reads its input X and its
// weights W, R and B.
func (im *importer) rnnInputs(op string, a map[string]*pb.AttributeProto) (*rnnSpec, error) {
	for _, name := range []string{"layout", "input_forget"} {
		if aInt(a, name, 0) != 0 {
			return nil, im.errf("attribute %s=%d is not supported (0 only)", name, aInt(a, name, 0))
		}
	}
	if a["clip"] != nil {
		return nil, im.errf("attribute clip is not supported")
	}
	x, err := im.needDyn(0)
	if err != nil {
		return nil, err
	}
	t, err := im.plain(x, op)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(x.perm, []int{1, 0, 2}) {
		return nil, im.errf("the input must be time-major (steps, batch, features), the operator's layout 0")
	}
	w, err := im.needConst(1)
	if err != nil {
		return nil, err
	}
	rc, err := im.needConst(2)
	if err != nil {
		return nil, err
	}
	G := map[string]int{"LSTM": 4, "GRU": 3, "RNN": 1}[op]
	dir := aString(a, "direction", "forward")
	nd := 1
	if dir == "bidirectional" {
		nd = 2
	} else if dir != "forward" && dir != "reverse" {
		return nil, im.errf("attribute direction=%q is not supported", dir)
	}
	U := int(aInt(a, "hidden_size", 0))
	in := t.Shape[1]
	if U <= 0 || len(w.shape) != 3 || w.shape[0] != nd || w.shape[1] != G*U || w.shape[2] != in ||
		len(rc.shape) != 3 || rc.shape[0] != nd || rc.shape[1] != G*U || rc.shape[2] != U {
		return nil, im.errf("W %v and R %v do not match hidden_size %d, %d direction(s) and %d input features", w.shape, rc.shape, U, nd, in)
	}
	var b *constT
	if im.in(3) != nil {
		if b, err = im.needConst(3); err != nil {
			return nil, err
		}
		if len(b.data) != nd*2*G*U {
			return nil, im.errf("B has %d values, expected %d", len(b.data), nd*2*G*U)
		}
	}
	ns := 1
	if op == "LSTM" {
		ns = 2
	}
	return &rnnSpec{op: op, dir: dir, nd: nd, U: U, in: in, x: x, t: t, w: w, rc: rc, b: b, ns: ns}, nil
}

// rnnLengths reads sequence_lens (as an Embedding's mask) and checks that
// the initial states are zeros and there are no peephole weights.
func (im *importer) rnnLengths(s *rnnSpec) error {
	if sl := im.in(4); sl != nil {
		if sl.p == nil || sl.p.kind != "lens" {
			return im.errf("sequence_lens is supported only as the count of non-zero tokens (an Embedding's mask_zero)")
		}
		if s.x.ids != sl.p.ids {
			return im.errf("sequence_lens counts the tokens of an input whose embeddings are not this operator's input")
		}
		s.ids = sl.p.ids
		if err := im.maskEmbeddings(s.x.embs); err != nil {
			return err
		}
	}
	for i := 5; i <= 7; i++ {
		if v := im.in(i); v != nil {
			if i == 7 {
				return im.errf("peephole weights (input P) are not supported")
			}
			if !v.zeros && !(v.c != nil && allZero(v.c)) {
				return im.errf("input %d (an initial state) must be zeros", i)
			}
		}
	}
	return nil
}

// rnnActivations reads the activations (and their alpha and beta, which
// must be seqnet's) of nd directions into seqnet's activation and
// recurrent activation.
func (im *importer) rnnActivations(op string, a map[string]*pb.AttributeProto, nd int) (act, recAct string, err error) {
	defActs := map[string][]string{"LSTM": {"Sigmoid", "Tanh", "Tanh"}, "GRU": {"Sigmoid", "Tanh"}, "RNN": {"Tanh"}}[op]
	var acts []string
	for _, s := range a["activations"].GetStrings() {
		acts = append(acts, string(s))
	}
	if acts == nil {
		for d := 0; d < nd; d++ {
			acts = append(acts, defActs...)
		}
	}
	per := len(defActs)
	if len(acts) != per*nd {
		return "", "", im.errf("attribute activations=%v: expected %d names", acts, per*nd)
	}
	for d := 1; d < nd; d++ {
		for k := 0; k < per; k++ {
			if acts[d*per+k] != acts[k] {
				return "", "", im.errf("attribute activations=%v: the two directions must use the same activations", acts)
			}
		}
	}
	if op == "LSTM" && acts[1] != acts[2] {
		return "", "", im.errf("attribute activations=%v: seqnet's LSTM uses one activation for the candidate and the output (g = h)", acts)
	}
	if err := im.checkRNNActParams(a, acts); err != nil {
		return "", "", err
	}
	for k, s := range acts[:per] {
		name, ok := rnnActs[s]
		if !ok {
			return "", "", im.errf("attribute activations: %s is not supported (Sigmoid, Tanh, Relu, HardSigmoid, LeakyRelu, Elu, Softplus)", s)
		}
		if k == 0 && op != "RNN" {
			recAct = name
		} else {
			act = name
		}
	}
	return act, recAct, nil
}

// checkRNNActParams checks activation_alpha and activation_beta: they are
// consumed in order by the activations that take them; each must be the
// value of seqnet's activation (defaults: the ONNX operators').
func (im *importer) checkRNNActParams(a map[string]*pb.AttributeProto, acts []string) error {
	alphas, betas := a["activation_alpha"].GetFloats(), a["activation_beta"].GetFloats()
	for _, s := range acts {
		want := rnnActParams[s]
		def := map[string][]float32{"HardSigmoid": {0.2, 0.5}, "LeakyRelu": {0.01}, "Elu": {1}}[s]
		for k := range want {
			got := def[k]
			list := &alphas
			if k == 1 {
				list = &betas
			}
			if len(*list) > 0 {
				got, *list = (*list)[0], (*list)[1:]
			}
			if math.Abs(float64(got-want[k])) > 1e-6 {
				return im.errf("attribute activation_alpha/activation_beta: %s with %g, seqnet's uses %g", s, got, want[k])
			}
		}
	}
	if len(alphas) > 0 || len(betas) > 0 {
		return im.errf("attributes activation_alpha/activation_beta have more values than the activations %v take", acts)
	}
	return nil
}

// layer makes one direction's seqnet layer, returning the sequences and
// states the node's used outputs need.
func (s *rnnSpec) layer() (layers.Layer, *layers.RNN) {
	opts := []layers.RNNOption{layers.RNNActivation(s.act)}
	if s.recAct != "" {
		opts = append(opts, layers.RecurrentActivation(s.recAct))
	}
	if s.useY {
		opts = append(opts, layers.ReturnSequences())
	}
	if (s.useY && (s.useH || s.useC)) || s.useC {
		opts = append(opts, layers.ReturnState())
	}
	if s.b == nil {
		opts = append(opts, layers.RNNNoBias())
	}
	switch s.op {
	case "LSTM":
		l := layers.NewLSTM(s.U, opts...)
		return l, &l.RNN
	case "GRU":
		l := layers.NewGRU(s.U, opts...)
		l.ResetAfter = s.lbr
		return l, &l.RNN
	}
	l := layers.NewSimpleRNN(s.U, opts...)
	return l, &l.RNN
}

// rnnOutputs sets the node's outputs Y, Y_h and Y_c from seqnet's outputs
// ys: single: [out, (h, (c))]; bidirectional: [outF, outB, statesF…,
// statesB…].
func (im *importer) rnnOutputs(s *rnnSpec, r *layers.RNN, info *rnnInfo, ys []*model.Tensor) {
	nd := s.nd
	var yParts, hParts, cParts []*model.Tensor
	for d := 0; d < nd; d++ {
		out := ys[d]
		st := nd + d*s.ns
		if !r.ReturnState {
			st = -1
		}
		if s.useY {
			yParts = append(yParts, out)
			if st >= 0 {
				hParts = append(hParts, ys[st])
				if s.op == "LSTM" {
					cParts = append(cParts, ys[st+1])
				}
			}
		} else {
			hParts = append(hParts, out)
			if st >= 0 && s.op == "LSTM" {
				cParts = append(cParts, ys[st+1])
			}
		}
	}
	if s.useY {
		y := &dyn{parts: yParts, stack: 1, perm: []int{1, 0, 2}, rev: r.GoBackwards && nd == 1, ids: s.ids}
		if s.ids != nil {
			y.embs = s.x.embs
		}
		if s.ids != nil && nd == 1 {
			y.rnn = info
		}
		im.set(0, &val{d: y})
	}
	if len(hParts) == nd {
		im.set(1, &val{d: &dyn{parts: hParts, stack: 0, perm: []int{0, 1}}})
	}
	if len(cParts) == nd {
		im.set(2, &val{d: &dyn{parts: cParts, stack: 0, perm: []int{0, 1}}})
	}
}

func allZero(c *constT) bool {
	for _, v := range c.data {
		if v != 0 {
			return false
		}
	}
	return true
}

// rnnKeras turns direction d of ONNX W, R, B into Keras' kernel,
// recurrent_kernel and bias (when B is given).
func rnnKeras(op string, d, U, in int, w, r, b *constT, lbr bool) [][]float32 {
	var order []int // ONNX gate of each Keras gate
	switch op {
	case "LSTM":
		order = []int{0, 2, 3, 1} // Keras i,f,c,o ← ONNX i,o,f,c
	case "GRU":
		order = []int{0, 1, 2}
	default:
		order = []int{0}
	}
	G := len(order)
	k := make([]float32, in*G*U)
	rk := make([]float32, U*G*U)
	wd, rd := w.data[d*G*U*in:], r.data[d*G*U*U:]
	for kg, og := range order {
		for u := 0; u < U; u++ {
			for c := 0; c < in; c++ {
				k[c*G*U+kg*U+u] = float32(wd[(og*U+u)*in+c])
			}
			for c := 0; c < U; c++ {
				rk[c*G*U+kg*U+u] = float32(rd[(og*U+u)*U+c])
			}
		}
	}
	out := [][]float32{k, rk}
	if b == nil {
		return out
	}
	bd := b.data[d*2*G*U:]
	if op == "GRU" && lbr {
		bias := make([]float32, 2*G*U)
		for kg, og := range order {
			for u := 0; u < U; u++ {
				bias[kg*U+u] = float32(bd[og*U+u])
				bias[G*U+kg*U+u] = float32(bd[G*U+og*U+u])
			}
		}
		return append(out, bias)
	}
	bias := make([]float32, G*U)
	for kg, og := range order {
		for u := 0; u < U; u++ {
			bias[kg*U+u] = float32(bd[og*U+u] + bd[G*U+og*U+u])
		}
	}
	return append(out, bias)
}
