package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// chainCase is a run of layers for UnitChain on batches of batch samples
// of shape in. Each Conv1D's passes split the 40 samples into the same
// units, of one to three samples (internal/conv's batch split: 256 output
// steps a unit or more, 32 units at most).
type chainCase struct {
	name   string
	in     layers.Shape
	batch  int
	layers func() []layers.Layer
}

func chainCases() []chainCase {
	relu := layers.ConvActivation("relu")
	return []chainCase{
		{"W3-like: valid relu, same relu, pool 2", layers.Shape{104, 2}, 40, func() []layers.Layer {
			return []layers.Layer{layers.NewConv1D(4, 3, relu), layers.NewConv1D(5, 3, layers.Padding("same"), relu), layers.NewMaxPooling1D(2)}
		}},
		{"causal linear, pool 3 same stride 1, strides 2 relu", layers.Shape{420, 3}, 40, func() []layers.Layer {
			pool := layers.NewMaxPooling1D(3)
			pool.Strides, pool.Padding = 1, "same"
			return []layers.Layer{layers.NewConv1D(3, 3, layers.Padding("causal")), pool, layers.NewConv1D(4, 3, layers.Strides(2), relu)}
		}},
		{"groups and dilation without bias, frozen relu", layers.Shape{106, 4}, 40, func() []layers.Layer {
			g := layers.NewConv1D(4, 2, layers.Groups(2), layers.DilationRate(2))
			g.UseBias = false
			f := layers.NewConv1D(3, 3, layers.Padding("same"), relu)
			f.Frozen = true
			return []layers.Layer{g, f, layers.NewMaxPooling1D(2)}
		}},
		{"pool first", layers.Shape{210, 2}, 40, func() []layers.Layer {
			return []layers.Layer{layers.NewMaxPooling1D(2), layers.NewConv1D(3, 3, relu)}
		}},
	}
}

// chainRun is what one pass of a chain case gives: the outputs, the
// gradients of the outputs in between, the input gradient and the weights'
// gradients.
type chainResult struct {
	outs, dOuts []*tensor.Tensor
	dx          *tensor.Tensor
	grads       []*tensor.Tensor
}

// runChainCase builds c's layers (seeded), runs them forward and backward
// from dLast, either through a UnitChain (chained) or layer by layer, and
// returns the result, for two steps: the weights' gradients add up, the
// input gradient is written each step (setDx) or added into 1s. Chained,
// the gradient buffers it writes start each step full of NaNs.
func runChainCase(t *testing.T, c chainCase, chained, setDx bool) chainResult {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	ls := c.layers()
	shape := c.in
	var shapes []layers.Shape
	for _, l := range ls {
		out, err := l.Build([]layers.Shape{shape}, rng)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, p := range l.Common().Params() {
			for i := range p.Value.Data {
				p.Value.Data[i] = float32(rng.NormFloat64()) * 0.5 // a bias of zeros would hide its gradient's errors
			}
		}
		shape = out[0]
		shapes = append(shapes, shape)
	}
	x := randTensor(rng, append([]int{c.batch}, c.in...)...)
	dLast := randTensor(rng, append([]int{c.batch}, shape...)...)
	ctxs := make([]*layers.Context, len(ls))
	r := chainResult{dx: tensor.New(x.Shape...)}
	for i := range ls {
		ctxs[i] = &layers.Context{Training: true}
		r.outs = append(r.outs, tensor.New(append([]int{c.batch}, shapes[i]...)...))
		r.dOuts = append(r.dOuts, tensor.New(append([]int{c.batch}, shapes[i]...)...))
	}
	copy(r.dOuts[len(ls)-1].Data, dLast.Data)
	var ch *layers.UnitChain
	if chained {
		ch = layers.NewUnitChain(ls, ctxs, c.batch)
		if ch == nil || ch.Units() < 2 || ch.Units() >= c.batch {
			t.Fatalf("%s: no chain of units of several samples", c.name)
		}
		ctxs[0].SetInputGrad = setDx
	}
	if !setDx {
		fill(r.dx.Data, 1) // added into, by both steps
	}
	// Two steps, the weights' gradients adding up.
	for step := 0; step < 2; step++ {
		if chained {
			for _, g := range r.dOuts[:len(ls)-1] {
				fill(g.Data, float32(math.NaN()))
			}
			if setDx {
				fill(r.dx.Data, float32(math.NaN()))
			}
			ch.Forward(x, r.outs)
			ch.Backward(x, r.outs, r.dOuts, r.dx)
			continue
		}
		for _, g := range r.dOuts[:len(ls)-1] {
			fill(g.Data, 0)
		}
		if setDx {
			fill(r.dx.Data, 0)
		}
		in := x
		for i, l := range ls {
			l.Forward(ctxs[i], []*tensor.Tensor{in}, []*tensor.Tensor{r.outs[i]})
			in = r.outs[i]
		}
		for i := len(ls) - 1; i >= 0; i-- {
			in, din := x, r.dx
			if i > 0 {
				in, din = r.outs[i-1], r.dOuts[i-1]
			}
			ls[i].Backward(ctxs[i], []*tensor.Tensor{in}, []*tensor.Tensor{r.outs[i]}, []*tensor.Tensor{r.dOuts[i]}, []*tensor.Tensor{din})
		}
	}
	for _, l := range ls {
		for _, p := range l.Common().Params() {
			if p.Grad != nil {
				r.grads = append(r.grads, p.Grad)
			}
		}
	}
	return r
}

func fill(v []float32, x float32) {
	for i := range v {
		v[i] = x
	}
}

// TestUnitChainMatchesLayers checks UnitChain against its layers run one
// after the other (whose gradients are checked against finite differences
// elsewhere): the same bits for the outputs, the gradients in between, the
// input gradient (written over NaNs, or added) and the kernel gradients;
// the bias gradients, summed unit by unit, to rounding. And the same bits
// on 1, 2 and 3 cores.
func TestUnitChainMatchesLayers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range chainCases() {
		for _, setDx := range []bool{true, false} {
			runtime.GOMAXPROCS(2)
			want := runChainCase(t, c, false, setDx)
			var first chainResult
			for _, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				got := runChainCase(t, c, true, setDx)
				name := fmt.Sprintf("%s, setDx %v, %d cores", c.name, setDx, procs)
				for i := range want.outs {
					sameBits(t, name+fmt.Sprintf(": output %d", i), got.outs[i].Data, want.outs[i].Data)
					sameBits(t, name+fmt.Sprintf(": output %d's gradient", i), got.dOuts[i].Data, want.dOuts[i].Data)
				}
				sameBits(t, name+": input gradient", got.dx.Data, want.dx.Data)
				if len(got.grads) != len(want.grads) {
					t.Fatalf("%s: %d weight gradients, want %d", name, len(got.grads), len(want.grads))
				}
				for i, g := range got.grads {
					if len(g.Shape) == 1 { // a bias
						closeTo(t, name+fmt.Sprintf(": bias gradient %d", i), g.Data, want.grads[i].Data)
					} else {
						sameBits(t, name+fmt.Sprintf(": kernel gradient %d", i), g.Data, want.grads[i].Data)
					}
				}
				if procs == 1 {
					first = got
					continue
				}
				for i, g := range got.grads {
					sameBits(t, name+fmt.Sprintf(": weight gradient %d against one core", i), g.Data, first.grads[i].Data)
				}
			}
		}
	}
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func closeTo(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-4*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestUnitChainRefuses checks the runs NewUnitChain does not take.
func TestUnitChainRefuses(t *testing.T) {
	build := func(in layers.Shape, ls ...layers.Layer) []layers.Layer {
		rng := rand.New(rand.NewPCG(1, 1))
		for _, l := range ls {
			out, err := l.Build([]layers.Shape{in}, rng)
			if err != nil {
				t.Fatal(err)
			}
			in = out[0]
		}
		return ls
	}
	ctxs := func(n int) []*layers.Context {
		c := make([]*layers.Context, n)
		for i := range c {
			c[i] = &layers.Context{Training: true}
		}
		return c
	}
	for _, c := range []struct {
		name  string
		ls    []layers.Layer
		batch int
	}{
		{"one layer", build(layers.Shape{270, 2}, layers.NewConv1D(4, 3)), 9},
		{"tanh", build(layers.Shape{270, 2}, layers.NewConv1D(4, 3, layers.ConvActivation("tanh")), layers.NewMaxPooling1D(2)), 9},
		{"a batch that does not split", build(layers.Shape{270, 2}, layers.NewConv1D(4, 3), layers.NewMaxPooling1D(2)), 2},
		{"different units", build(layers.Shape{270, 2}, layers.NewConv1D(4, 3), layers.NewMaxPooling1D(2), layers.NewConv1D(4, 3)), 9},
		{"no Conv1D", build(layers.Shape{270, 2}, layers.NewMaxPooling1D(2), layers.NewMaxPooling1D(2)), 9},
		{"a Dense", build(layers.Shape{270, 2}, layers.NewConv1D(4, 3), layers.NewDense(3, "")), 9},
	} {
		if layers.NewUnitChain(c.ls, ctxs(len(c.ls)), c.batch) != nil {
			t.Errorf("%s: chained", c.name)
		}
	}
}
