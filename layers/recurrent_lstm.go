package layers

import (
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// LSTM is keras.layers.LSTM (Hochreiter & Schmidhuber 1997) with Keras'
// weight layout: kernel (input_dim, 4*units), recurrent_kernel
// (units, 4*units) and bias (4*units), gates in the order i, f, c, o.
// At each step, with σ the recurrent activation and tanh the activation:
//
//	z = x·kernel + h·recurrent_kernel + bias = [z_i z_f z_c z_o]
//	c = σ(z_f) ⊙ c + σ(z_i) ⊙ tanh(z_c)
//	h = σ(z_o) ⊙ tanh(c)
//
// The input projection x·kernel is one matrix product over all steps;
// each step then adds h·recurrent_kernel.
type LSTM struct {
	RNN
	// UnitForgetBias (default true) starts the forget-gate bias at 1.
	UnitForgetBias bool
}

// NewLSTM returns an LSTM with Keras' defaults: tanh and sigmoid,
// glorot_uniform kernel, orthogonal recurrent kernel, zero bias with
// unit_forget_bias, returning the last output only.
func NewLSTM(units int, opts ...RNNOption) *LSTM {
	return &LSTM{RNN: newRNN(units, opts), UnitForgetBias: true}
}

// ClassName is "LSTM".
func (l *LSTM) ClassName() string { return "LSTM" }

func (l *LSTM) clone() recurrentLayer {
	c := *l
	c.Base = Base{Name: l.Name, Frozen: l.Frozen}
	return &c
}

// forgetBias fills a (4*units) bias as Keras' unit_forget_bias does: the
// bias initializer everywhere but the forget block, which is ones.
type forgetBias struct {
	init  Initializer
	units int
}

func (f forgetBias) Name() string { return f.init.Name() }
func (f forgetBias) Fill(t *tensor.Tensor, rng *rand.Rand) {
	u := f.units
	for _, part := range [][2]int{{0, u}, {2 * u, 4 * u}} {
		p := tensor.New(part[1] - part[0])
		f.init.Fill(p, rng)
		copy(t.Data[part[0]:part[1]], p.Data)
	}
	for j := u; j < 2*u; j++ {
		t.Data[j] = 1
	}
}

// Build creates kernel, recurrent_kernel and bias for (steps, features)
// input.
func (l *LSTM) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	if err := l.build("LSTM", in, 4, rng); err != nil {
		return nil, err
	}
	if l.UseBias {
		var init Initializer = l.BiasInitializer
		if l.UnitForgetBias {
			init = forgetBias{l.BiasInitializer, l.Units}
		}
		l.bias = l.AddParam("bias", []int{4 * l.Units}, init, rng, !l.Frozen)
	}
	if err := l.attachRules("LSTM"); err != nil {
		return nil, err
	}
	l.MarkBuilt()
	return l.outShapes(2), nil
}

// lstmState is what Backward needs from Forward, and scratch, for one
// batch size. Rows (b*steps + t) follow the input's layout.
type lstmState struct {
	batch, steps, in, units int
	z, a, dz                []float32 // (B*T, 4U): pre-activations, gates, their gradients
	hprev, cprev, c, tc     []float32 // (B*T, U): h and c before the step, c after it and tanh(c)
	h, cc, dh, dc, tmp      []float32 // (B, U): running state and its gradients
	dg                      []float32 // (4U) gate gradients of one row
	dt, dtc                 []float32 // (U)
	drop                    dropState
}

func (l *LSTM) state(ctx *Context, batch int) *lstmState {
	st, _ := ctx.State.(*lstmState)
	T, D, U := l.steps, l.in, l.Units
	if st != nil && st.batch == batch && st.steps == T && st.in == D && st.units == U {
		return st
	}
	n := batch * T
	st = &lstmState{batch: batch, steps: T, in: D, units: U,
		z: make([]float32, n*4*U), a: make([]float32, n*4*U), dz: make([]float32, n*4*U),
		hprev: make([]float32, n*U), cprev: make([]float32, n*U), c: make([]float32, n*U), tc: make([]float32, n*U),
		h: make([]float32, batch*U), cc: make([]float32, batch*U), dh: make([]float32, batch*U),
		dc: make([]float32, batch*U), tmp: make([]float32, batch*U), dg: make([]float32, 4*U), dt: make([]float32, U), dtc: make([]float32, U)}
	ctx.State = st
	return st
}

// Forward runs the steps: outputs [output] or, with return_state,
// [output, h, c].
func (l *LSTM) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x := in[0]
	B, T, U := Batch(x), l.steps, l.Units
	G := 4 * U
	st := l.state(ctx, B)
	mask := x.Mask
	l.draw(ctx, &st.drop, B, 4)
	// Input projection of every step at once: z = x·kernel + bias.
	l.project(&st.drop, x.Data, st.z, B*T, G)
	if l.bias != nil {
		addBias(st.z, l.bias.Value.Data)
	}
	clear(st.h)
	clear(st.cc)
	act, rec := gateForward(l.Activation), gateForward(l.RecurrentActivation)
	for p := 0; p < T; p++ {
		t := l.timeAt(p)
		// z[b, t] += h[b]·recurrent_kernel for every b: the rows of step t
		// are T*G apart.
		l.recur(&st.drop, st.h, 0, 4, 1, st.z[t*G:], T*G, B, G)
		for b := 0; b < B; b++ {
			r := b*T + t
			h, c := st.h[b*U:(b+1)*U], st.cc[b*U:(b+1)*U]
			copy(st.hprev[r*U:(r+1)*U], h)
			copy(st.cprev[r*U:(r+1)*U], c)
			if masked(mask, r) {
				continue // the state carries over
			}
			z, a := st.z[r*G:(r+1)*G], st.a[r*G:(r+1)*G]
			rec(z[:2*U], a[:2*U], U)
			act(z[2*U:3*U], a[2*U:3*U], U)
			rec(z[3*U:], a[3*U:], U)
			cn, tc := st.c[r*U:(r+1)*U], st.tc[r*U:(r+1)*U]
			for j := range cn {
				cn[j] = a[U+j]*c[j] + a[j]*a[2*U+j]
			}
			act(cn, tc, U)
			for j := range h {
				h[j] = a[3*U+j] * tc[j]
			}
			copy(c, cn)
		}
		l.emit(out[0], st.h, mask, p, t, B)
	}
	l.finish(x, out, st.h, st.cc)
}

// Backward propagates through time and adds the gradients of the
// weights and of the input.
func (l *LSTM) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	B, T, U := Batch(x), l.steps, l.Units
	G := 4 * U
	st := l.state(ctx, B)
	mask := x.Mask
	act, rec := gateBackward(l.Activation), gateBackward(l.RecurrentActivation)
	clear(st.dz)
	l.seedGrad(dOut, st.dh, st.dc)
	for p := T - 1; p >= 0; p-- {
		t := l.timeAt(p)
		l.addOutputGrad(dOut[0], st.dh, mask, p, t, B)
		for b := 0; b < B; b++ {
			r := b*T + t
			if masked(mask, r) {
				continue // dh and dc pass to the previous step unchanged
			}
			z, a, dz := st.z[r*G:(r+1)*G], st.a[r*G:(r+1)*G], st.dz[r*G:(r+1)*G]
			dh, dc := st.dh[b*U:(b+1)*U], st.dc[b*U:(b+1)*U]
			cn, tc, cp := st.c[r*U:(r+1)*U], st.tc[r*U:(r+1)*U], st.cprev[r*U:(r+1)*U]
			dg, dt := st.dg, st.dt
			for j := range dh {
				dg[3*U+j] = dh[j] * tc[j] // d o
				dt[j] = dh[j] * a[3*U+j]  // d tanh(c)
			}
			act(cn, tc, dt, st.dtc, U)
			for j := range dc {
				d := dc[j] + st.dtc[j]
				dg[j] = d * a[2*U+j] // d i
				dg[U+j] = d * cp[j]  // d f
				dg[2*U+j] = d * a[j] // d c̃
				dc[j] = d * a[U+j]   // to the previous c
			}
			rec(z[:2*U], a[:2*U], dg[:2*U], dz[:2*U], U)
			act(z[2*U:3*U], a[2*U:3*U], dg[2*U:3*U], dz[2*U:3*U], U)
			rec(z[3*U:], a[3*U:], dg[3*U:], dz[3*U:], U)
		}
		// dh of the previous step: dz[b, t]·recurrent_kernelᵀ.
		l.recurBack(&st.drop, st.dz[t*G:], T*G, 0, 4, st.tmp, B, G)
		for b := 0; b < B; b++ {
			if !masked(mask, b*T+t) {
				copy(st.dh[b*U:(b+1)*U], st.tmp[b*U:(b+1)*U])
			}
		}
	}
	l.inputGrad(&st.drop, x.Data, dIn[0], st.dz, B*T, G)
	l.recurGrad(&st.drop, st.hprev, st.dz, 0, 4, B*T, G)
}

// Config returns Keras' LSTM config.
func (l *LSTM) Config() map[string]any {
	cfg := l.rnnConfig()
	cfg["unit_forget_bias"] = l.UnitForgetBias
	return cfg
}

func init() {
	Register("LSTM", func(c Config) (Layer, error) {
		r, err := rnnFromConfig(c, "unit_forget_bias")
		if err != nil {
			return nil, err
		}
		l := &LSTM{RNN: r}
		if l.UnitForgetBias, err = c.Bool("unit_forget_bias", true); err != nil {
			return nil, err
		}
		return l, nil
	})
}
