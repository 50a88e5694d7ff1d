package layers

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// recurrentLayer is what Bidirectional needs of the layer it wraps.
type recurrentLayer interface {
	Layer
	rnn() *RNN
	clone() recurrentLayer
}

// Bidirectional is keras.layers.Bidirectional: it runs a copy of a
// recurrent layer forwards and another copy backwards (go_backwards) over
// the same input and merges their outputs. The backward copy's sequence
// output is reversed back, so step t of both copies lines up, as in Keras.
//
// MergeMode is "concat" (the default: the last axis doubles), "sum",
// "mul", "ave", or "none" (Keras merge_mode=None: the two outputs are
// returned separately, as two outputs). With return_state the final
// states follow: the forward copy's, then the backward copy's.
//
// The weights are the forward copy's, then the backward copy's. When
// returning sequences both copies output zeros at masked steps (Keras
// forces zero_output_for_mask there).
type Bidirectional struct {
	Base
	MergeMode string

	fwd, bwd    recurrentLayer
	wrapped     Layer  // the layer as given, for error messages
	wrappedName string // its name, the base of forward_… and backward_…
	outF, outB  []Shape
}

// NewBidirectional wraps a recurrent layer (LSTM, GRU or SimpleRNN). As
// in Keras, the wrapped layer itself is not used: a forward and a backward
// copy are made from its arguments, with fresh weights. mergeMode ""
// means "concat".
func NewBidirectional(layer Layer, mergeMode string) *Bidirectional {
	if mergeMode == "" {
		mergeMode = "concat"
	}
	bd := &Bidirectional{MergeMode: mergeMode, wrapped: layer}
	if layer != nil {
		bd.wrappedName = layer.Common().Name
	}
	if r, ok := layer.(recurrentLayer); ok {
		bd.fwd, bd.bwd = r.clone(), r.clone()
		bd.fwd.Common().Name, bd.bwd.Common().Name = "", ""
		bd.bwd.rnn().GoBackwards = true
	}
	return bd
}

// ClassName is "Bidirectional".
func (bd *Bidirectional) ClassName() string { return "Bidirectional" }

// ForwardLayer returns the forward copy (nil if the wrapped layer is not
// recurrent).
func (bd *Bidirectional) ForwardLayer() Layer { return bd.fwd }

// BackwardLayer returns the backward copy.
func (bd *Bidirectional) BackwardLayer() Layer { return bd.bwd }

// Build builds both copies on the input and returns the merged output
// shape, then the states.
func (bd *Bidirectional) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	if bd.fwd == nil || bd.bwd == nil {
		got := "nil"
		if bd.wrapped != nil {
			got = bd.wrapped.ClassName()
		}
		return nil, fmt.Errorf("Bidirectional wraps a recurrent layer (LSTM, GRU or SimpleRNN), received %s; "+
			"pass layers.NewLSTM(units), layers.NewGRU(units) or layers.NewSimpleRNN(units)", got)
	}
	switch bd.MergeMode {
	case "concat", "sum", "mul", "ave", "none":
	default:
		return nil, fmt.Errorf("invalid merge_mode %q: expected one of concat, sum, mul, ave, none (Keras None)", bd.MergeMode)
	}
	f, b := bd.fwd.rnn(), bd.bwd.rnn()
	if f.GoBackwards == b.GoBackwards {
		return nil, fmt.Errorf("the forward and backward layers of Bidirectional must have different go_backwards, "+
			"received %v for both; do not set go_backwards on the wrapped layer", f.GoBackwards)
	}
	if f.ReturnSequences != b.ReturnSequences || f.ReturnState != b.ReturnState {
		return nil, fmt.Errorf("the forward and backward layers of Bidirectional must agree on return_sequences "+
			"(%v, %v) and return_state (%v, %v)", f.ReturnSequences, b.ReturnSequences, f.ReturnState, b.ReturnState)
	}
	base := bd.wrappedName
	if base == "" {
		base = SnakeCase(bd.fwd.ClassName())
	}
	base = strings.TrimPrefix(strings.TrimPrefix(base, "forward_"), "backward_")
	if f.Name == "" {
		f.Name = "forward_" + base
	}
	if b.Name == "" {
		b.Name = "backward_" + base
	}
	for _, r := range []*RNN{f, b} {
		r.ZeroOutputForMask = r.ReturnSequences
		r.Frozen = bd.Frozen
	}
	var err error
	if bd.outF, err = bd.fwd.Build(in, rng); err != nil {
		return nil, fmt.Errorf("forward layer: %w", err)
	}
	if bd.outB, err = bd.bwd.Build(in, rng); err != nil {
		return nil, fmt.Errorf("backward layer: %w", err)
	}
	yF, yB := bd.outF[0], bd.outB[0]
	if bd.MergeMode != "concat" && bd.MergeMode != "none" && yF[len(yF)-1] != yB[len(yB)-1] {
		return nil, fmt.Errorf("merge_mode %q needs forward and backward outputs of the same size, received %d and %d units; "+
			"use merge_mode concat", bd.MergeMode, yF[len(yF)-1], yB[len(yB)-1])
	}
	bd.ResetParams()
	bd.params = append(append(bd.params, bd.fwd.Common().Params()...), bd.bwd.Common().Params()...)
	bd.MarkBuilt()
	var out []Shape
	switch bd.MergeMode {
	case "none":
		out = []Shape{append(Shape(nil), yF...), append(Shape(nil), yB...)}
	case "concat":
		m := append(Shape(nil), yF...)
		m[len(m)-1] += yB[len(yB)-1]
		out = []Shape{m}
	default:
		out = []Shape{append(Shape(nil), yF...)}
	}
	out = append(out, bd.outF[1:]...)
	return append(out, bd.outB[1:]...), nil
}

// bidiState holds the two copies' contexts and outputs for one batch size.
type bidiState struct {
	batch      int
	ctxF, ctxB *Context
	yF, yB     []*tensor.Tensor // outputs of the copies
	dF, dB     []*tensor.Tensor // gradients of those outputs
}

func (bd *Bidirectional) state(ctx *Context, batch int) *bidiState {
	st, _ := ctx.State.(*bidiState)
	if st != nil && st.batch == batch && len(st.yF) == len(bd.outF) && tensor.SameShape(st.yF[0].Shape[1:], bd.outF[0]) &&
		tensor.SameShape(st.yB[0].Shape[1:], bd.outB[0]) {
		return st
	}
	st = &bidiState{batch: batch, ctxF: &Context{}, ctxB: &Context{}}
	for _, s := range bd.outF {
		st.yF = append(st.yF, tensor.New(append([]int{batch}, s...)...))
		st.dF = append(st.dF, tensor.New(append([]int{batch}, s...)...))
	}
	for _, s := range bd.outB {
		st.yB = append(st.yB, tensor.New(append([]int{batch}, s...)...))
		st.dB = append(st.dB, tensor.New(append([]int{batch}, s...)...))
	}
	ctx.State = st
	return st
}

// geometry returns the number of steps of the sequence outputs (1 when
// the copies return their last output only) and the two output widths.
func (bd *Bidirectional) geometry() (steps, uF, uB int) {
	yF, yB := bd.outF[0], bd.outB[0]
	steps = 1
	if len(yF) == 2 {
		steps = yF[0]
	}
	return steps, yF[len(yF)-1], yB[len(yB)-1]
}

// Forward runs both copies and merges their outputs.
func (bd *Bidirectional) Forward(ctx *Context, in, out []*tensor.Tensor) {
	B := Batch(in[0])
	st := bd.state(ctx, B)
	st.ctxF.Training, st.ctxF.Rand = ctx.Training, ctx.Rand
	st.ctxB.Training, st.ctxB.Rand = ctx.Training, ctx.Rand
	bd.fwd.Forward(st.ctxF, in, st.yF)
	bd.bwd.Forward(st.ctxB, in, st.yB)
	T, uF, uB := bd.geometry()
	yF, yB := st.yF[0].Data, st.yB[0].Data
	for b := 0; b < B; b++ {
		for p := 0; p < T; p++ {
			rf, rb := b*T+p, b*T+T-1-p // the backward sequence is reversed back
			f, r := yF[rf*uF:(rf+1)*uF], yB[rb*uB:(rb+1)*uB]
			switch bd.MergeMode {
			case "concat":
				o := out[0].Data[rf*(uF+uB) : (rf+1)*(uF+uB)]
				copy(o, f)
				copy(o[uF:], r)
			case "none":
				copy(out[0].Data[rf*uF:(rf+1)*uF], f)
				copy(out[1].Data[rf*uB:(rf+1)*uB], r)
			default:
				o := out[0].Data[rf*uF : (rf+1)*uF]
				for j := range o {
					switch bd.MergeMode {
					case "sum":
						o[j] = f[j] + r[j]
					case "ave":
						o[j] = (f[j] + r[j]) / 2
					case "mul":
						o[j] = f[j] * r[j]
					}
				}
			}
		}
	}
	nMerged := 1
	if bd.MergeMode == "none" {
		nMerged = 2
	}
	for i := 0; i < nMerged; i++ {
		out[i].Mask = st.yF[0].Mask // the input mask when returning sequences, else nil
	}
	states := append(append([]*tensor.Tensor(nil), st.yF[1:]...), st.yB[1:]...)
	for i, s := range states {
		copy(out[nMerged+i].Data, s.Data)
		out[nMerged+i].Mask = nil
	}
}

// Backward splits the output gradient between the copies and runs their
// Backward; both add into the input gradient.
func (bd *Bidirectional) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	B := Batch(in[0])
	st := bd.state(ctx, B)
	T, uF, uB := bd.geometry()
	yF, yB := st.yF[0].Data, st.yB[0].Data
	dF, dB := st.dF[0].Data, st.dB[0].Data
	for b := 0; b < B; b++ {
		for p := 0; p < T; p++ {
			rf, rb := b*T+p, b*T+T-1-p
			df, db := dF[rf*uF:(rf+1)*uF], dB[rb*uB:(rb+1)*uB]
			switch bd.MergeMode {
			case "concat":
				d := dOut[0].Data[rf*(uF+uB) : (rf+1)*(uF+uB)]
				copy(df, d[:uF])
				copy(db, d[uF:])
			case "none":
				copy(df, dOut[0].Data[rf*uF:(rf+1)*uF])
				copy(db, dOut[1].Data[rf*uB:(rf+1)*uB])
			default:
				d := dOut[0].Data[rf*uF : (rf+1)*uF]
				f, r := yF[rf*uF:(rf+1)*uF], yB[rb*uB:(rb+1)*uB]
				for j, v := range d {
					switch bd.MergeMode {
					case "sum":
						df[j], db[j] = v, v
					case "ave":
						df[j], db[j] = v/2, v/2
					case "mul":
						df[j], db[j] = v*r[j], v*f[j]
					}
				}
			}
		}
	}
	nMerged := 1
	if bd.MergeMode == "none" {
		nMerged = 2
	}
	k := nMerged
	for _, d := range append(append([]*tensor.Tensor(nil), st.dF[1:]...), st.dB[1:]...) {
		copy(d.Data, dOut[k].Data)
		k++
	}
	bd.fwd.Backward(st.ctxF, in, st.yF, st.dF, dIn)
	bd.bwd.Backward(st.ctxB, in, st.yB, st.dB, dIn)
}

// Config returns Keras' Bidirectional config: merge_mode and both copies
// as serialized layers.
func (bd *Bidirectional) Config() map[string]any {
	cfg := bd.baseConfig()
	if bd.MergeMode == "none" {
		cfg["merge_mode"] = nil
	} else {
		cfg["merge_mode"] = bd.MergeMode
	}
	for key, l := range map[string]recurrentLayer{"layer": bd.fwd, "backward_layer": bd.bwd} {
		if l != nil {
			cfg[key] = serializeLayer(l)
		}
	}
	return cfg
}

// serializeLayer writes a layer as Keras' serialize_keras_object does.
func serializeLayer(l Layer) map[string]any {
	return map[string]any{"module": "keras.layers", "class_name": l.ClassName(), "config": l.Config(), "registered_name": nil}
}

// layerFromSerialized reads a {"class_name": …, "config": {…}} object.
func layerFromSerialized(key string, v any) (Layer, error) {
	m, ok := v.(map[string]any)
	if !ok {
		if c, isCfg := v.(Config); isCfg {
			m, ok = c, true
		}
	}
	if !ok {
		return nil, fmt.Errorf("%s: expected a serialized layer {\"class_name\": \"LSTM\", \"config\": {…}}, received %v (%T)", key, v, v)
	}
	class, _ := m["class_name"].(string)
	if class == "" {
		return nil, fmt.Errorf("%s: the serialized layer has no class_name", key)
	}
	var cfg Config
	switch c := m["config"].(type) {
	case map[string]any:
		cfg = c
	case Config:
		cfg = c
	}
	l, err := FromConfig(class, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return l, nil
}

func init() {
	Register("Bidirectional", func(c Config) (Layer, error) {
		if err := c.Unknown("layer", "merge_mode", "backward_layer"); err != nil {
			return nil, err
		}
		if !c.Has("layer") {
			return nil, fmt.Errorf("layer is required: the serialized recurrent layer to wrap")
		}
		mode := "concat"
		if v, ok := c["merge_mode"]; ok && v == nil {
			mode = "none"
		} else if s, err := c.String("merge_mode", "concat"); err != nil {
			return nil, err
		} else {
			mode = s
		}
		l, err := layerFromSerialized("layer", c["layer"])
		if err != nil {
			return nil, err
		}
		bd := NewBidirectional(l, mode)
		if bd.fwd == nil {
			return nil, fmt.Errorf("layer: Bidirectional wraps LSTM, GRU or SimpleRNN, received %s", l.ClassName())
		}
		if c.Has("backward_layer") {
			bl, err := layerFromSerialized("backward_layer", c["backward_layer"])
			if err != nil {
				return nil, err
			}
			r, ok := bl.(recurrentLayer)
			if !ok {
				return nil, fmt.Errorf("backward_layer: Bidirectional wraps LSTM, GRU or SimpleRNN, received %s", bl.ClassName())
			}
			bd.bwd = r
		}
		return bd, nil
	})
}
