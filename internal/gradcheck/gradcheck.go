// Package gradcheck checks a layer's Backward against central finite
// differences of its Forward.
//
// Layers compute in float32; the check accumulates the scalar loss
// L = Σ out·R (R random) in float64 and compares each analytic gradient
// with (L(v+h) - L(v-h)) / 2h at three step sizes, so that a step that
// happens to cross a kink (relu, a max) at one size is judged at the
// other.
package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// Options tune a check.
type Options struct {
	// Training runs the layer in training mode (Dropout, BatchNorm).
	Training bool
	// NoInputGrad skips the input gradients (integer inputs such as
	// Embedding indices).
	NoInputGrad bool
	// Inputs, when set, are used instead of random normal inputs.
	Inputs []*tensor.Tensor
	// MaxChecks bounds the elements checked per tensor (default 60),
	// picked at random.
	MaxChecks int
	// Tol is the relative tolerance (default 2e-2).
	Tol float64
	// SetInputGrad runs Backward with Context.SetInputGrad, over an input
	// gradient full of NaNs that it must write rather than add into; the
	// layer must be a layers.InputGradSetter.
	SetInputGrad bool
}

// Check builds l on the per-sample shapes in, runs it on a batch of batch
// samples, and returns an error describing the first gradient that
// disagrees with finite differences.
func Check(l layers.Layer, in []layers.Shape, batch int, seed uint64, opt Options) error {
	rng := rand.New(rand.NewPCG(seed, 99))
	outShapes, err := l.Build(in, rng)
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if s, ok := l.(layers.InputGradSetter); opt.SetInputGrad && !(ok && s.SetsInputGrad()) {
		return fmt.Errorf("%s cannot write its input gradient (SetInputGrad)", l.ClassName())
	}
	c := &checker{l: l, seed: seed, rng: rng, ctx: &layers.Context{Training: opt.Training, SetInputGrad: opt.SetInputGrad},
		maxChecks: opt.MaxChecks, tol: opt.Tol}
	if c.maxChecks == 0 {
		c.maxChecks = 60
	}
	if c.tol == 0 {
		c.tol = 2e-2
	}
	c.xs = opt.Inputs
	if c.xs == nil {
		c.xs = randomInputs(in, batch, rng)
	}
	c.outs = make([]*tensor.Tensor, len(outShapes))
	c.rs = make([]*tensor.Tensor, len(outShapes))
	for i, s := range outShapes {
		c.outs[i] = tensor.New(append([]int{batch}, s...)...)
		c.rs[i] = tensor.New(c.outs[i].Shape...)
		for j := range c.rs[i].Data {
			c.rs[i].Data[j] = float32(rng.NormFloat64())
		}
	}
	c.forward()
	params := l.Common().Params()
	dIn := c.backward(params, opt.NoInputGrad)
	for i, x := range c.xs {
		if dIn[i] != nil {
			if err := c.check(fmt.Sprintf("input %d", i), x.Data, dIn[i].Data, nil); err != nil {
				return err
			}
		}
	}
	for _, p := range params {
		if p.Grad != nil {
			if err := c.check(p.Name, p.Value.Data, p.Grad.Data, p.Changed); err != nil {
				return err
			}
		}
	}
	c.forward() // leave the layer's state consistent
	return nil
}

// randomInputs draws normal inputs of the per-sample shapes in, away from
// 0 where relu-like kinks sit.
func randomInputs(in []layers.Shape, batch int, rng *rand.Rand) []*tensor.Tensor {
	var xs []*tensor.Tensor
	for _, s := range in {
		x := tensor.New(append([]int{batch}, s...)...)
		for i := range x.Data {
			v := rng.NormFloat64()
			for math.Abs(v) < 0.02 {
				v = rng.NormFloat64()
			}
			x.Data[i] = float32(v)
		}
		xs = append(xs, x)
	}
	return xs
}

// checker is one Check: the layer, its inputs and outputs, and the random
// weights R of the loss L = Σ out·R.
type checker struct {
	l         layers.Layer
	seed      uint64
	rng       *rand.Rand
	ctx       *layers.Context
	xs, outs  []*tensor.Tensor
	rs        []*tensor.Tensor
	maxChecks int
	tol       float64
}

// forward runs the layer and returns L.
func (c *checker) forward() float64 {
	c.ctx.Rand = rand.New(rand.NewPCG(c.seed, 7)) // same dropout mask every pass
	c.l.Forward(c.ctx, c.xs, c.outs)
	var s float64
	for i, o := range c.outs {
		for j, v := range o.Data {
			s += float64(v) * float64(c.rs[i].Data[j])
		}
	}
	return s
}

// backward runs the layer's Backward with dL/dout = R into zeroed weight
// gradients and returns the input gradients (nil entries with noInputGrad).
func (c *checker) backward(params []*layers.Param, noInputGrad bool) []*tensor.Tensor {
	for _, p := range params {
		if p.Grad != nil {
			p.Grad.Zero()
		}
	}
	dIn := make([]*tensor.Tensor, len(c.xs))
	if !noInputGrad {
		for i, x := range c.xs {
			dIn[i] = tensor.New(x.Shape...)
			// Backward must add into dIn, so start from a known offset;
			// or write it whole, over NaNs.
			for j := range dIn[i].Data {
				dIn[i].Data[j] = c.dInStart()
			}
		}
	}
	c.l.Backward(c.ctx, c.xs, c.outs, c.rs, dIn)
	for i := range dIn {
		if dIn[i] != nil && !c.ctx.SetInputGrad {
			for j := range dIn[i].Data {
				dIn[i].Data[j] -= 0.5
			}
		}
	}
	return dIn
}

// dInStart is what the input gradients hold before Backward.
func (c *checker) dInStart() float32 {
	if c.ctx.SetInputGrad {
		return float32(math.NaN())
	}
	return 0.5
}

// check perturbs v; changed (when not nil) records each write, as
// Param.Changed does for weights, which layers keep packed copies of.
func (c *checker) check(what string, v []float32, grad []float32, changed func()) error {
	idx := c.rng.Perm(len(v))
	if len(idx) > c.maxChecks {
		idx = idx[:c.maxChecks]
	}
	for j, g := range grad {
		// Every element, not only those checked: a NaN left in an input
		// gradient written with SetInputGrad is one it did not write.
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			return fmt.Errorf("%s: %s[%d] = %v", c.l.ClassName(), what, j, g)
		}
	}
	for _, j := range idx {
		a := float64(grad[j])
		var best float64 = math.Inf(1)
		var nums []float64
		for _, h := range []float64{1e-2, 1e-3, 1e-4} {
			orig := v[j]
			set := func(x float32) {
				v[j] = x
				if changed != nil {
					changed()
				}
			}
			set(orig + float32(h))
			lp := c.forward()
			set(orig - float32(h))
			lm := c.forward()
			set(orig)
			n := (lp - lm) / (2 * h)
			nums = append(nums, n)
			diff := math.Abs(a-n) / math.Max(1, math.Max(math.Abs(a), math.Abs(n)))
			best = math.Min(best, diff)
		}
		if best > c.tol {
			return fmt.Errorf("%s: %s[%d]: analytic %.6g, numeric %.6g / %.6g / %.6g", c.l.ClassName(), what, j, a, nums[0], nums[1], nums[2])
		}
	}
	return nil
}
