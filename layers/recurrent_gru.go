package layers

import (
	"math/rand/v2"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/tensor"
)

// GRU is keras.layers.GRU (Cho et al. 2014) with Keras' weight layout:
// kernel (input_dim, 3*units), recurrent_kernel (units, 3*units), gates in
// the order z (update), r (reset), h (candidate). With σ the recurrent
// activation and tanh the activation, each step computes
//
//	z = σ(x·W_z + b_z + h·U_z + b_rz)
//	r = σ(x·W_r + b_r + h·U_r + b_rr)
//	h̃ = tanh(x·W_h + b_h + r ⊙ (h·U_h + b_rh))   (reset_after, the default)
//	h̃ = tanh(x·W_h + b_h + (r ⊙ h)·U_h)          (reset_after=False)
//	h = z ⊙ h + (1 - z) ⊙ h̃
//
// With reset_after the bias is (2, 3*units): the input bias b, then the
// recurrent bias b_r; without it the bias is (3*units) and b_r is absent.
type GRU struct {
	RNN
	// ResetAfter (default true) applies the reset gate after the
	// recurrent matrix product, as cuDNN does.
	ResetAfter bool
}

// NewGRU returns a GRU with Keras' defaults: tanh and sigmoid,
// glorot_uniform kernel, orthogonal recurrent kernel, zero bias,
// reset_after, returning the last output only.
func NewGRU(units int, opts ...RNNOption) *GRU {
	return &GRU{RNN: newRNN(units, opts), ResetAfter: true}
}

// ClassName is "GRU".
func (g *GRU) ClassName() string { return "GRU" }

func (g *GRU) clone() recurrentLayer {
	c := *g
	c.Base = Base{Name: g.Name, Frozen: g.Frozen}
	return &c
}

// Build creates kernel, recurrent_kernel and bias for (steps, features)
// input.
func (g *GRU) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	if err := g.build("GRU", in, 3, rng); err != nil {
		return nil, err
	}
	if g.UseBias {
		shape := []int{3 * g.Units}
		if g.ResetAfter {
			shape = []int{2, 3 * g.Units}
		}
		g.bias = g.AddParam("bias", shape, g.BiasInitializer, rng, !g.Frozen)
	}
	if err := g.attachRules("GRU"); err != nil {
		return nil, err
	}
	g.MarkBuilt()
	return g.outShapes(1), nil
}

// gruState is what Backward needs from Forward, and scratch, for one
// batch size. Rows (b*steps + t) follow the input's layout.
type gruState struct {
	batch, steps, in, units int
	resetAfter              bool
	z, a, dz                []float32 // (B*T, 3U): pre-activations, gates, input-side gradients
	hu, dzh                 []float32 // (B*T, 3U), reset_after: h·U + b_r and recurrent-side gradients
	hprev, rh               []float32 // (B*T, U): h before the step; r ⊙ h without reset_after
	h, dh, tmp, tmp2        []float32 // (B, U)
	dg                      []float32 // (3U)
	drop                    dropState
}

func (g *GRU) state(ctx *Context, batch int) *gruState {
	st, _ := ctx.State.(*gruState)
	T, D, U := g.steps, g.in, g.Units
	if st != nil && st.batch == batch && st.steps == T && st.in == D && st.units == U && st.resetAfter == g.ResetAfter {
		return st
	}
	n, G := batch*T, 3*U
	st = &gruState{batch: batch, steps: T, in: D, units: U, resetAfter: g.ResetAfter,
		z: make([]float32, n*G), a: make([]float32, n*G), dz: make([]float32, n*G),
		hprev: make([]float32, n*U), h: make([]float32, batch*U), dh: make([]float32, batch*U),
		tmp: make([]float32, batch*U), tmp2: make([]float32, batch*U), dg: make([]float32, G)}
	if g.ResetAfter {
		st.hu, st.dzh = make([]float32, n*G), make([]float32, n*G)
	} else {
		st.rh = make([]float32, n*U)
	}
	ctx.State = st
	return st
}

// Forward runs the steps: outputs [output] or, with return_state,
// [output, h].
func (g *GRU) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x := in[0]
	B, T, U := Batch(x), g.steps, g.Units
	G := 3 * U
	st := g.state(ctx, B)
	mask := x.Mask
	g.draw(ctx, &st.drop, B, 3)
	// Input projection of every step at once: z = x·kernel + b.
	g.project(&st.drop, x.Data, st.z, B*T, G)
	var recBias []float32
	if g.bias != nil {
		addBias(st.z, g.bias.Value.Data[:G])
		if g.ResetAfter {
			recBias = g.bias.Value.Data[G:]
		}
	}
	clear(st.h)
	act, rec := gateForward(g.Activation), gateForward(g.RecurrentActivation)
	uk := g.recurrent.Value.Data
	for p := 0; p < T; p++ {
		t := g.timeAt(p)
		if g.ResetAfter {
			// hu[b, t] = h[b]·recurrent_kernel (+ b_r below); rows T*G apart.
			g.recur(&st.drop, st.h, 0, 3, 0, st.hu[t*G:], T*G, B, G)
		} else {
			// z[b, t][:2U] += h[b]·U_zr
			g.recur(&st.drop, st.h, 0, 2, 1, st.z[t*G:], T*G, B, G)
		}
		for b := 0; b < B; b++ {
			r := b*T + t
			h := st.h[b*U : (b+1)*U]
			copy(st.hprev[r*U:(r+1)*U], h)
			if masked(mask, r) {
				if !g.ResetAfter {
					clear(st.rh[r*U : (r+1)*U])
				}
				continue
			}
			z, a := st.z[r*G:(r+1)*G], st.a[r*G:(r+1)*G]
			if !g.ResetAfter {
				rec(z[:2*U], a[:2*U], U)
				rh := st.rh[r*U : (r+1)*U]
				for j := range rh {
					rh[j] = a[U+j] * h[j]
				}
				if st.drop.recOn {
					m := st.drop.rec[2][b*U : (b+1)*U]
					for j := range rh {
						rh[j] *= m[j]
					}
				}
				continue // the candidate needs (r ⊙ h)·U_h for the whole batch
			}
			hu := st.hu[r*G : (r+1)*G]
			for j, v := range recBias {
				hu[j] += v
			}
			for j := 0; j < 2*U; j++ {
				z[j] += hu[j]
			}
			rec(z[:2*U], a[:2*U], U)
			for j := 0; j < U; j++ {
				z[2*U+j] += a[U+j] * hu[2*U+j]
			}
			update(act, z, a, h, U)
		}
		if !g.ResetAfter {
			// z[b, t][2U:] += (r ⊙ h)[b]·U_h
			kernels.Sgemm(false, false, B, U, U, 1, st.rh[t*U:], T*U, uk[2*U:], G, 1, st.z[t*G+2*U:], T*G)
			for b := 0; b < B; b++ {
				r := b*T + t
				if !masked(mask, r) {
					update(act, st.z[r*G:(r+1)*G], st.a[r*G:(r+1)*G], st.h[b*U:(b+1)*U], U)
				}
			}
		}
		g.emit(out[0], st.h, mask, p, t, B)
	}
	g.finish(x, out, st.h)
}

// update computes the candidate from its pre-activation z[2U:] with act
// and mixes it into h with the update gate a[:U].
func update(act func(z, y []float32, n int), z, a, h []float32, U int) {
	act(z[2*U:], a[2*U:], U)
	for j := range h {
		h[j] = a[j]*h[j] + (1-a[j])*a[2*U+j]
	}
}

// Backward propagates through time and adds the gradients of the
// weights and of the input.
func (g *GRU) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	B, T, U := Batch(x), g.steps, g.Units
	G := 3 * U
	st := g.state(ctx, B)
	mask := x.Mask
	act, rec := gateBackward(g.Activation), gateBackward(g.RecurrentActivation)
	clear(st.dz)
	if g.ResetAfter {
		clear(st.dzh)
	}
	g.seedGrad(dOut, st.dh)
	dg := st.dg
	for p := T - 1; p >= 0; p-- {
		t := g.timeAt(p)
		g.addOutputGrad(dOut[0], st.dh, mask, p, t, B)
		for b := 0; b < B; b++ {
			r := b*T + t
			if masked(mask, r) {
				continue // dh passes to the previous step unchanged
			}
			z, a, dz := st.z[r*G:(r+1)*G], st.a[r*G:(r+1)*G], st.dz[r*G:(r+1)*G]
			dh, hp := st.dh[b*U:(b+1)*U], st.hprev[r*U:(r+1)*U]
			for j := range dh {
				dg[j] = dh[j] * (hp[j] - a[2*U+j]) // d z
				dg[2*U+j] = dh[j] * (1 - a[j])     // d h̃
			}
			act(z[2*U:], a[2*U:], dg[2*U:], dz[2*U:], U)
			if !g.ResetAfter {
				continue // d r needs d(r ⊙ h) for the whole batch
			}
			hu, dzh := st.hu[r*G:(r+1)*G], st.dzh[r*G:(r+1)*G]
			for j := 0; j < U; j++ {
				dg[U+j] = dz[2*U+j] * hu[2*U+j] // d r
				dzh[2*U+j] = dz[2*U+j] * a[U+j]
			}
			rec(z[:2*U], a[:2*U], dg[:2*U], dz[:2*U], U)
			copy(dzh[:2*U], dz[:2*U])
			for j := range dh {
				dh[j] *= a[j]
			}
		}
		if g.ResetAfter {
			// dh of the previous step gets dzh[b, t]·recurrent_kernelᵀ.
			g.recurBack(&st.drop, st.dzh[t*G:], T*G, 0, 3, st.tmp, B, G)
		} else {
			g.backResetBefore(st, t, B, mask, rec)
		}
		for b := 0; b < B; b++ {
			if !masked(mask, b*T+t) {
				dh, d := st.dh[b*U:(b+1)*U], st.tmp[b*U:(b+1)*U]
				for j := range dh {
					dh[j] += d[j]
				}
			}
		}
	}
	rows := B * T
	g.inputGrad(&st.drop, x.Data, dIn[0], st.dz, rows, G)
	if g.ResetAfter {
		g.recurGrad(&st.drop, st.hprev, st.dzh, 0, 3, rows, G)
		if g.bias != nil && g.bias.Grad != nil {
			sumRows(st.dzh, g.bias.Grad.Data[G:])
		}
		return
	}
	g.recurGrad(&st.drop, st.hprev, st.dz, 0, 2, rows, G)
	if gr := g.recurrent.Grad; gr != nil {
		// rh already carries the recurrent dropout mask of the candidate.
		kernels.Sgemm(true, false, U, U, rows, 1, st.rh, U, st.dz[2*U:], G, 1, gr.Data[2*U:], G)
	}
}

// backResetBefore is one step of Backward with reset_after=False, where
// the reset gate multiplies h before the recurrent kernel: d(r ⊙ h) =
// dz_h·U_hᵀ, then d r and the z, r pre-activations, then dh of the
// previous step into st.tmp.
func (g *GRU) backResetBefore(st *gruState, t, B int, mask []bool, rec func(z, y, dy, dz []float32, n int)) {
	T, U := g.steps, g.Units
	G := 3 * U
	uk := g.recurrent.Value.Data
	dg := st.dg
	kernels.Sgemm(false, true, B, U, U, 1, st.dz[t*G+2*U:], T*G, uk[2*U:], G, 0, st.tmp2, U)
	for b := 0; b < B; b++ {
		r := b*T + t
		if masked(mask, r) {
			continue
		}
		z, a, dz := st.z[r*G:(r+1)*G], st.a[r*G:(r+1)*G], st.dz[r*G:(r+1)*G]
		dh, hp, drh := st.dh[b*U:(b+1)*U], st.hprev[r*U:(r+1)*U], st.tmp2[b*U:(b+1)*U]
		if st.drop.recOn {
			// r ⊙ (h ⊙ m): fold the mask into d(r ⊙ h) for both factors.
			m := st.drop.rec[2][b*U : (b+1)*U]
			for j := range drh {
				drh[j] *= m[j]
			}
		}
		for j := range dh {
			dg[j] = dh[j] * (hp[j] - a[2*U+j]) // d z again: dg is one row's scratch
			dg[U+j] = drh[j] * hp[j]           // d r
		}
		rec(z[:2*U], a[:2*U], dg[:2*U], dz[:2*U], U)
		for j := range dh {
			dh[j] = dh[j]*a[j] + drh[j]*a[U+j]
		}
	}
	g.recurBack(&st.drop, st.dz[t*G:], T*G, 0, 2, st.tmp, B, G)
}

// Config returns Keras' GRU config.
func (g *GRU) Config() map[string]any {
	cfg := g.rnnConfig()
	cfg["reset_after"] = g.ResetAfter
	return cfg
}

func init() {
	Register("GRU", func(c Config) (Layer, error) {
		r, err := rnnFromConfig(c, "reset_after")
		if err != nil {
			return nil, err
		}
		g := &GRU{RNN: r}
		if g.ResetAfter, err = c.Bool("reset_after", true); err != nil {
			return nil, err
		}
		return g, nil
	})
}
