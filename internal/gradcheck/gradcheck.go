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
	xs := opt.Inputs
	if xs == nil {
		for _, s := range in {
			x := tensor.New(append([]int{batch}, s...)...)
			for i := range x.Data {
				// Keep away from 0, where relu-like kinks sit.
				v := rng.NormFloat64()
				for math.Abs(v) < 0.02 {
					v = rng.NormFloat64()
				}
				x.Data[i] = float32(v)
			}
			xs = append(xs, x)
		}
	}
	outs := make([]*tensor.Tensor, len(outShapes))
	rs := make([]*tensor.Tensor, len(outShapes))
	for i, s := range outShapes {
		outs[i] = tensor.New(append([]int{batch}, s...)...)
		rs[i] = tensor.New(outs[i].Shape...)
		for j := range rs[i].Data {
			rs[i].Data[j] = float32(rng.NormFloat64())
		}
	}
	ctx := &layers.Context{Training: opt.Training}
	forward := func() float64 {
		ctx.Rand = rand.New(rand.NewPCG(seed, 7)) // same dropout mask every pass
		l.Forward(ctx, xs, outs)
		var s float64
		for i, o := range outs {
			for j, v := range o.Data {
				s += float64(v) * float64(rs[i].Data[j])
			}
		}
		return s
	}
	forward()
	params := l.Common().Params()
	for _, p := range params {
		if p.Grad != nil {
			p.Grad.Zero()
		}
	}
	dIn := make([]*tensor.Tensor, len(xs))
	if !opt.NoInputGrad {
		for i, x := range xs {
			dIn[i] = tensor.New(x.Shape...)
			// Backward must add into dIn, so start from a known offset.
			for j := range dIn[i].Data {
				dIn[i].Data[j] = 0.5
			}
		}
	}
	l.Backward(ctx, xs, outs, rs, dIn)
	for i := range dIn {
		if dIn[i] != nil {
			for j := range dIn[i].Data {
				dIn[i].Data[j] -= 0.5
			}
		}
	}
	maxChecks := opt.MaxChecks
	if maxChecks == 0 {
		maxChecks = 60
	}
	tol := opt.Tol
	if tol == 0 {
		tol = 2e-2
	}
	// check perturbs v; changed (when not nil) records each write, as
	// Param.Changed does for weights, which layers keep packed copies of.
	check := func(what string, v []float32, grad []float32, changed func()) error {
		idx := rng.Perm(len(v))
		if len(idx) > maxChecks {
			idx = idx[:maxChecks]
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
				lp := forward()
				set(orig - float32(h))
				lm := forward()
				set(orig)
				n := (lp - lm) / (2 * h)
				nums = append(nums, n)
				diff := math.Abs(a-n) / math.Max(1, math.Max(math.Abs(a), math.Abs(n)))
				best = math.Min(best, diff)
			}
			if best > tol {
				return fmt.Errorf("%s: %s[%d]: analytic %.6g, numeric %.6g / %.6g / %.6g", l.ClassName(), what, j, a, nums[0], nums[1], nums[2])
			}
		}
		return nil
	}
	for i, x := range xs {
		if dIn[i] != nil {
			if err := check(fmt.Sprintf("input %d", i), x.Data, dIn[i].Data, nil); err != nil {
				return err
			}
		}
	}
	for _, p := range params {
		if p.Grad != nil {
			if err := check(p.Name, p.Value.Data, p.Grad.Data, p.Changed); err != nil {
				return err
			}
		}
	}
	forward() // leave the layer's state consistent
	return nil
}
