package onnx

import (
	"math"
	"slices"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

var rnnActs = map[string]string{"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu", "HardSigmoid": "hard_sigmoid",
	"LeakyRelu": "leaky_relu", "Elu": "elu", "Softplus": "softplus"}

// recurrent reads ONNX LSTM, GRU and RNN into seqnet's LSTM, GRU and
// SimpleRNN (Bidirectional with merge_mode "none" for two directions;
// the graph's own Concat or Reshape merges them).
func (im *importer) recurrent(op string) error {
	a, err := im.attrs("hidden_size", "direction", "activations", "layout", "linear_before_reset", "input_forget", "clip",
		"activation_alpha", "activation_beta")
	if err != nil {
		return err
	}
	for _, name := range []string{"layout", "input_forget"} {
		if aInt(a, name, 0) != 0 {
			return im.errf("attribute %s=%d is not supported (0 only)", name, aInt(a, name, 0))
		}
	}
	if a["clip"] != nil {
		return im.errf("attribute clip is not supported")
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	t, err := im.plain(x, op)
	if err != nil {
		return err
	}
	if !slices.Equal(x.perm, []int{1, 0, 2}) {
		return im.errf("the input must be time-major (steps, batch, features), the operator's layout 0")
	}
	w, err := im.needConst(1)
	if err != nil {
		return err
	}
	rc, err := im.needConst(2)
	if err != nil {
		return err
	}
	G := map[string]int{"LSTM": 4, "GRU": 3, "RNN": 1}[op]
	dir := aString(a, "direction", "forward")
	nd := 1
	if dir == "bidirectional" {
		nd = 2
	} else if dir != "forward" && dir != "reverse" {
		return im.errf("attribute direction=%q is not supported", dir)
	}
	U := int(aInt(a, "hidden_size", 0))
	in := t.Shape[1]
	if U <= 0 || len(w.shape) != 3 || w.shape[0] != nd || w.shape[1] != G*U || w.shape[2] != in ||
		len(rc.shape) != 3 || rc.shape[0] != nd || rc.shape[1] != G*U || rc.shape[2] != U {
		return im.errf("W %v and R %v do not match hidden_size %d, %d direction(s) and %d input features", w.shape, rc.shape, U, nd, in)
	}
	var b *constT
	if im.in(3) != nil {
		if b, err = im.needConst(3); err != nil {
			return err
		}
		if len(b.data) != nd*2*G*U {
			return im.errf("B has %d values, expected %d", len(b.data), nd*2*G*U)
		}
	}
	var ids *model.Tensor
	if sl := im.in(4); sl != nil {
		if sl.p == nil || sl.p.kind != "lens" {
			return im.errf("sequence_lens is supported only as the count of non-zero tokens (an Embedding's mask_zero)")
		}
		if x.ids != sl.p.ids {
			return im.errf("sequence_lens counts the tokens of an input whose embeddings are not this operator's input")
		}
		ids = sl.p.ids
		if err := im.maskEmbeddings(ids); err != nil {
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
		return im.errf("attribute activations=%v: expected %d names", acts, per*nd)
	}
	for d := 1; d < nd; d++ {
		for k := 0; k < per; k++ {
			if acts[d*per+k] != acts[k] {
				return im.errf("attribute activations=%v: the two directions must use the same activations", acts)
			}
		}
	}
	if op == "LSTM" && acts[1] != acts[2] {
		return im.errf("attribute activations=%v: seqnet's LSTM uses one activation for the candidate and the output (g = h)", acts)
	}
	// activation_alpha and activation_beta are consumed in order by the
	// activations that take them; each must be the value of seqnet's
	// activation (defaults: the ONNX operators').
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
	var act, recAct string
	for k, s := range acts[:per] {
		name, ok := rnnActs[s]
		if !ok {
			return im.errf("attribute activations: %s is not supported (Sigmoid, Tanh, Relu, HardSigmoid, LeakyRelu, Elu, Softplus)", s)
		}
		if k == 0 && op != "RNN" {
			recAct = name
		} else {
			act = name
		}
	}
	outs := im.node.GetOutput()
	used := func(i int) bool { return i < len(outs) && outs[i] != "" && im.users[outs[i]] > 0 }
	useY, useH, useC := used(0), used(1), used(2)
	lbr := aInt(a, "linear_before_reset", 0) != 0
	make1 := func() (layers.Layer, *layers.RNN) {
		opts := []layers.RNNOption{layers.RNNActivation(act)}
		if recAct != "" {
			opts = append(opts, layers.RecurrentActivation(recAct))
		}
		if useY {
			opts = append(opts, layers.ReturnSequences())
		}
		if (useY && (useH || useC)) || useC {
			opts = append(opts, layers.ReturnState())
		}
		if b == nil {
			opts = append(opts, layers.RNNNoBias())
		}
		switch op {
		case "LSTM":
			l := layers.NewLSTM(U, opts...)
			return l, &l.RNN
		case "GRU":
			l := layers.NewGRU(U, opts...)
			l.ResetAfter = lbr
			return l, &l.RNN
		}
		l := layers.NewSimpleRNN(U, opts...)
		return l, &l.RNN
	}
	l, r := make1()
	if dir == "reverse" {
		r.GoBackwards = true
	}
	if ids != nil && nd == 1 && useY {
		r.ZeroOutputForMask = true // ONNX writes zeros past each length
	}
	var weights [][]float32
	for d := 0; d < nd; d++ {
		weights = append(weights, rnnKeras(op, d, U, in, w, rc, b, lbr)...)
	}
	var layer layers.Layer = l
	if nd == 2 {
		layer = layers.NewBidirectional(l, "none")
	}
	ys, err := im.apply(layer, t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{layer, weights})
	info := &rnnInfo{layer: layer, ids: ids}
	info.rnns = []*layers.RNN{r}
	im.masks = append(im.masks, maskUse{ids: x.ids, masked: ids != nil, what: "node " + im.node.GetName()})
	// seqnet's outputs: single: [out, (h, (c))]; bidirectional:
	// [outF, outB, statesF…, statesB…].
	ns := 1
	if op == "LSTM" {
		ns = 2
	}
	var yParts, hParts, cParts []*model.Tensor
	for d := 0; d < nd; d++ {
		out := ys[d]
		st := nd + d*ns
		if !r.ReturnState {
			st = -1
		}
		if useY {
			yParts = append(yParts, out)
			if st >= 0 {
				hParts = append(hParts, ys[st])
				if op == "LSTM" {
					cParts = append(cParts, ys[st+1])
				}
			}
		} else {
			hParts = append(hParts, out)
			if st >= 0 && op == "LSTM" {
				cParts = append(cParts, ys[st+1])
			}
		}
	}
	var seqIDs *model.Tensor
	if ids != nil {
		seqIDs = ids
	}
	if useY {
		y := &dyn{parts: yParts, stack: 1, perm: []int{1, 0, 2}, rev: r.GoBackwards && nd == 1, ids: seqIDs}
		if ids != nil && nd == 1 {
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
	return nil
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
