package onnx

import (
	"fmt"
	"math"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
)

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
	op, f, b, err := bidiPair(fl, bl)
	if err != nil {
		return nil, err
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

// bidiPair checks that a Bidirectional's two directions fit ONNX's one
// bidirectional operator (same kind, units, activations and use_bias; the
// backward layer reads backwards) and returns the operator and both RNNs.
func bidiPair(fl, bl layers.Layer) (op string, f, b *layers.RNN, err error) {
	switch t := fl.(type) {
	case *layers.LSTM:
		op, f = "LSTM", &t.RNN
		b = &bl.(*layers.LSTM).RNN
	case *layers.GRU:
		op, f = "GRU", &t.RNN
		bg := bl.(*layers.GRU)
		if bg.ResetAfter != t.ResetAfter {
			return "", nil, nil, fmt.Errorf("the two GRU directions differ in reset_after; ONNX takes one linear_before_reset")
		}
		b = &bg.RNN
	case *layers.SimpleRNN:
		op, f = "RNN", &t.RNN
		b = &bl.(*layers.SimpleRNN).RNN
	default:
		return "", nil, nil, fmt.Errorf("Bidirectional over %s has no ONNX export", fl.ClassName())
	}
	if f.GoBackwards || !b.GoBackwards {
		return "", nil, nil, fmt.Errorf("Bidirectional whose forward layer reads backwards has no ONNX export here")
	}
	if f.Units != b.Units || f.Activation.Name != b.Activation.Name || f.RecurrentActivation.Name != b.RecurrentActivation.Name ||
		(f.Bias() == nil) != (b.Bias() == nil) || fl.ClassName() != bl.ClassName() {
		return "", nil, nil, fmt.Errorf("the two directions differ in units, activations or use_bias; ONNX's bidirectional operator takes one of each")
	}
	return op, f, b, nil
}
