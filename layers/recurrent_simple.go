package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/seqnet/seqnet/tensor"
)

// SimpleRNN is keras.layers.SimpleRNN, the fully connected recurrent
// layer: h = tanh(x·kernel + h·recurrent_kernel + bias), with kernel
// (input_dim, units), recurrent_kernel (units, units) and bias (units).
// It has no gates, so RecurrentActivation is unused.
type SimpleRNN struct {
	RNN
}

// NewSimpleRNN returns a SimpleRNN with Keras' defaults: tanh,
// glorot_uniform kernel, orthogonal recurrent kernel, zero bias,
// returning the last output only.
func NewSimpleRNN(units int, opts ...RNNOption) *SimpleRNN {
	return &SimpleRNN{RNN: newRNN(units, opts)}
}

// ClassName is "SimpleRNN".
func (s *SimpleRNN) ClassName() string { return "SimpleRNN" }

func (s *SimpleRNN) clone() recurrentLayer {
	c := *s
	c.Base = Base{Name: s.Name, Frozen: s.Frozen}
	return &c
}

// Build creates kernel, recurrent_kernel and bias for (steps, features)
// input.
func (s *SimpleRNN) Build(in []Shape, rng *rand.Rand) ([]Shape, error) {
	if s.RecurrentActivation == nil {
		s.RecurrentActivation = activations["sigmoid"] // unused; keeps the shared checks simple
	}
	if err := s.build("SimpleRNN", in, 1, rng); err != nil {
		return nil, err
	}
	if s.UseBias {
		s.bias = s.AddParam("bias", []int{s.Units}, s.BiasInitializer, rng, !s.Frozen)
	}
	if err := s.attachRules("SimpleRNN"); err != nil {
		return nil, err
	}
	s.MarkBuilt()
	return s.outShapes(1), nil
}

// simpleState is what Backward needs from Forward, and scratch, for one
// batch size. Rows (b*steps + t) follow the input's layout.
type simpleState struct {
	batch, steps, in, units int
	z, a, dz, hprev         []float32 // (B*T, U)
	h, dh, tmp              []float32 // (B, U)
	drop                    dropState
}

func (s *SimpleRNN) state(ctx *Context, batch int) *simpleState {
	st, _ := ctx.State.(*simpleState)
	T, D, U := s.steps, s.in, s.Units
	if st != nil && st.batch == batch && st.steps == T && st.in == D && st.units == U {
		return st
	}
	n := batch * T * U
	st = &simpleState{batch: batch, steps: T, in: D, units: U,
		z: make([]float32, n), a: make([]float32, n), dz: make([]float32, n), hprev: make([]float32, n),
		h: make([]float32, batch*U), dh: make([]float32, batch*U), tmp: make([]float32, batch*U)}
	ctx.State = st
	return st
}

// Forward runs the steps: outputs [output] or, with return_state,
// [output, h].
func (s *SimpleRNN) Forward(ctx *Context, in, out []*tensor.Tensor) {
	x := in[0]
	B, T, U := Batch(x), s.steps, s.Units
	st := s.state(ctx, B)
	mask := x.Mask
	s.draw(ctx, &st.drop, B, 1)
	s.project(&st.drop, x.Data, st.z, B*T, U)
	if s.bias != nil {
		addBias(st.z, s.bias.Value.Data)
	}
	clear(st.h)
	act := gateForward(s.Activation)
	for p := 0; p < T; p++ {
		t := s.timeAt(p)
		s.recur(&st.drop, st.h, 0, 1, 1, st.z[t*U:], T*U, B, U)
		for b := 0; b < B; b++ {
			r := b*T + t
			h := st.h[b*U : (b+1)*U]
			copy(st.hprev[r*U:(r+1)*U], h)
			if masked(mask, r) {
				continue
			}
			a := st.a[r*U : (r+1)*U]
			act(st.z[r*U:(r+1)*U], a, U)
			copy(h, a)
		}
		s.emit(out[0], st.h, mask, p, t, B)
	}
	s.finish(x, out, st.h)
}

// Backward propagates through time and adds the gradients of the
// weights and of the input.
func (s *SimpleRNN) Backward(ctx *Context, in, out, dOut, dIn []*tensor.Tensor) {
	x := in[0]
	B, T, U := Batch(x), s.steps, s.Units
	st := s.state(ctx, B)
	mask := x.Mask
	clear(st.dz)
	s.seedGrad(dOut, st.dh)
	act := gateBackward(s.Activation)
	for p := T - 1; p >= 0; p-- {
		t := s.timeAt(p)
		s.addOutputGrad(dOut[0], st.dh, mask, p, t, B)
		for b := 0; b < B; b++ {
			r := b*T + t
			if !masked(mask, r) {
				act(st.z[r*U:(r+1)*U], st.a[r*U:(r+1)*U], st.dh[b*U:(b+1)*U], st.dz[r*U:(r+1)*U], U)
			}
		}
		s.recurBack(&st.drop, st.dz[t*U:], T*U, 0, 1, st.tmp, B, U)
		for b := 0; b < B; b++ {
			if !masked(mask, b*T+t) {
				copy(st.dh[b*U:(b+1)*U], st.tmp[b*U:(b+1)*U])
			}
		}
	}
	s.inputGrad(&st.drop, x.Data, dIn[0], st.dz, B*T, U)
	s.recurGrad(&st.drop, st.hprev, st.dz, 0, 1, B*T, U)
}

// Config returns Keras' SimpleRNN config (no recurrent_activation, no
// seed: Keras does not write them).
func (s *SimpleRNN) Config() map[string]any {
	cfg := s.rnnConfig()
	delete(cfg, "recurrent_activation")
	delete(cfg, "seed")
	return cfg
}

func init() {
	Register("SimpleRNN", func(c Config) (Layer, error) {
		if c.Has("recurrent_activation") {
			return nil, fmt.Errorf("unsupported option \"recurrent_activation\": SimpleRNN has no gates")
		}
		r, err := rnnFromConfig(c)
		if err != nil {
			return nil, err
		}
		return &SimpleRNN{RNN: r}, nil
	})
}
