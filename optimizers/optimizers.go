// Package optimizers holds seqnet's optimizers, with the update rules of
// Keras 3 (which differ from PyTorch's in places noted below).
package optimizers

import (
	"fmt"
	"math"
	"strings"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/parallel"
	"github.com/seqnet/seqnet/layers"
)

// Optimizer updates trainable weights from their gradients.
type Optimizer interface {
	// Name is the Keras identifier ("adam", "sgd", …).
	Name() string
	// Step applies one update to every trainable param (those with a
	// Grad), in place. The params must be the same list, in the same order,
	// at every call: the optimizer keeps its slots by position.
	Step(params []*layers.Param)
	// LearningRate and SetLearningRate read and change the rate (for
	// schedules and ReduceLROnPlateau).
	LearningRate() float64
	SetLearningRate(lr float64)
	// Common gives the state every optimizer has (iterations, slots,
	// clipping), for checkpoints.
	Common() *Base
	// Config returns the Keras get_config() dictionary.
	Config() map[string]any
}

// Base is the state shared by all optimizers.
type Base struct {
	LR float64
	// ClipNorm clips each gradient to this L2 norm (Keras' clipnorm: per
	// weight, not global); 0 means off.
	ClipNorm float64
	// GlobalClipNorm clips all gradients together to this norm; 0 is off.
	GlobalClipNorm float64
	// ClipValue clips each gradient element to [-v, v]; 0 means off.
	ClipValue float64
	// Iterations counts the steps taken.
	Iterations int64
	// Slots holds, per param position, the optimizer's per-weight arrays
	// (momentums, velocities, …), created on the first step.
	Slots [][][]float32
}

// Common returns b.
func (b *Base) Common() *Base { return b }

// LearningRate returns the current rate.
func (b *Base) LearningRate() float64 { return b.LR }

// SetLearningRate changes the rate.
func (b *Base) SetLearningRate(lr float64) { b.LR = lr }

func (b *Base) config(name string) map[string]any {
	cfg := map[string]any{"name": name, "learning_rate": b.LR}
	for k, v := range map[string]float64{"clipnorm": b.ClipNorm, "global_clipnorm": b.GlobalClipNorm, "clipvalue": b.ClipValue} {
		if v != 0 {
			cfg[k] = v
		} else {
			cfg[k] = nil
		}
	}
	return cfg
}

// slots makes b.Slots[i], the n per-weight arrays of params[i] (each
// filled with init), unless the slots exist already.
func (b *Base) slots(params []*layers.Param, n int, init float32) {
	if len(b.Slots) == len(params) {
		return
	}
	b.Slots = make([][][]float32, len(params))
	for i, p := range params {
		b.Slots[i] = make([][]float32, n)
		for s := range b.Slots[i] {
			b.Slots[i][s] = make([]float32, len(p.Value.Data))
			if init != 0 {
				for j := range b.Slots[i][s] {
					b.Slots[i][s][j] = init
				}
			}
		}
	}
}

// clip applies Keras 3's gradient clipping: clipnorm if set, else
// global_clipnorm, else clipvalue (the first that is set, as Keras'
// _clip_gradients), in float32 as Keras computes it: clipnorm scales each
// gradient to g·c / max(‖g‖, c) (always, so g·c/c rounds as in Keras),
// global_clipnorm multiplies every gradient by c·min(1/‖G‖, 1/c).
// Norms are summed in float64, then rounded: Keras' float32 reduction
// order depends on its backend.
func (b *Base) clip(params []*layers.Param) {
	switch {
	case b.ClipNorm > 0:
		c := float32(b.ClipNorm)
		for _, p := range params {
			if p.Grad == nil {
				continue
			}
			g := p.Grad.Data
			norm := sqrt32(sumSquares(g))
			d := max(norm, c)
			for j := range g {
				g[j] = float32(g[j]*c) / d
			}
		}
	case b.GlobalClipNorm > 0:
		var ss float64
		for _, p := range params {
			if p.Grad != nil {
				ss += float64(sumSquares(p.Grad.Data))
			}
		}
		c, norm := float32(b.GlobalClipNorm), sqrt32(float32(ss))
		scale := c * min(1/norm, 1/c)
		for _, p := range params {
			if p.Grad != nil {
				for j := range p.Grad.Data {
					p.Grad.Data[j] *= scale
				}
			}
		}
	case b.ClipValue > 0:
		c := float32(b.ClipValue)
		for _, p := range params {
			if p.Grad != nil {
				for j, v := range p.Grad.Data {
					p.Grad.Data[j] = min(max(v, -c), c)
				}
			}
		}
	}
}

// sumSquares is Σ g² in float64, rounded to float32.
func sumSquares(g []float32) float32 {
	var ss float64
	for _, v := range g {
		ss += float64(v) * float64(v)
	}
	return float32(ss)
}

// sqrt32 is the float32 square root (correctly rounded, as Keras').
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// pow32 is x^y in float32 (the correctly rounded power of the float32
// arguments), as Keras' ops.power on float32 tensors.
func pow32(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) }

// afterStep applies constraints, records that the trained weights changed
// (Param.Changed) and counts the iteration.
func (b *Base) afterStep(params []*layers.Param) {
	for _, p := range params {
		if p.Grad != nil && p.Constraint != nil {
			p.Constraint.Apply(p.Value)
		}
		if p.Grad != nil {
			p.Changed()
		}
	}
	b.Iterations++
}

// SGD is stochastic gradient descent with optional (Nesterov) momentum, in
// Keras' form: m = momentum·m - lr·g; w += m (Nesterov: w += momentum·m -
// lr·g). PyTorch keeps m = momentum·m + g and scales by lr afterwards,
// which differs when the learning rate changes.
type SGD struct {
	Base
	Momentum float64
	Nesterov bool
}

// NewSGD returns SGD with the given learning rate (Keras default 0.01).
func NewSGD(lr, momentum float64, nesterov bool) *SGD {
	return &SGD{Base: Base{LR: lr}, Momentum: momentum, Nesterov: nesterov}
}

// Name is "sgd".
func (o *SGD) Name() string { return "sgd" }

// Step applies one SGD update.
func (o *SGD) Step(params []*layers.Param) {
	o.clip(params)
	lr, mom := float32(o.LR), float32(o.Momentum)
	if mom != 0 {
		o.slots(params, 1, 0)
	}
	for i, p := range params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Value.Data, p.Grad.Data
		if mom == 0 {
			for j := range w {
				w[j] -= float32(g[j] * lr)
			}
			continue
		}
		m := o.Slots[i][0]
		for j := range w {
			m[j] = float32(m[j]*mom) - float32(g[j]*lr)
			if o.Nesterov {
				w[j] += float32(m[j]*mom) - float32(g[j]*lr)
			} else {
				w[j] += m[j]
			}
		}
	}
	o.afterStep(params)
}

// Config returns Keras' SGD config.
func (o *SGD) Config() map[string]any {
	c := o.config("SGD")
	c["momentum"], c["nesterov"] = o.Momentum, o.Nesterov
	return c
}

// Adam in Keras 3's form: with t the step number,
// α = lr·sqrt(1-β2^t)/(1-β1^t), m += (g-m)(1-β1), v += (g²-v)(1-β2),
// w -= α·m / (sqrt(v) + ε), ε = 1e-7 added to the square root of the
// uncorrected v. PyTorch divides by sqrt(v/(1-β2^t)) + ε with ε = 1e-8,
// which differs while v is small.
type Adam struct {
	Base
	Beta1, Beta2, Epsilon float64
	AMSGrad               bool

	updates   []adamUpdate            // one per weight, reused every step
	stepRange func(piece, lo, hi int) // updateRange, made once
	skip      powSkip                 // when the step size's powers can be skipped
}

// NewAdam returns Adam with Keras' defaults (β1 0.9, β2 0.999, ε 1e-7)
// and the given learning rate (Keras default 0.001).
func NewAdam(lr float64) *Adam {
	return &Adam{Base: Base{LR: lr}, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
}

// Name is "adam".
func (o *Adam) Name() string { return "adam" }

// Step applies one Adam update.
func (o *Adam) Step(params []*layers.Param) {
	o.clip(params)
	nslots := 2
	if o.AMSGrad {
		nslots = 3
	}
	o.slots(params, nslots, 0)
	alpha := o.skip.adamAlpha(o.LR, o.Beta1, o.Beta2, o.Iterations+1)
	// 1-β is computed in float64 and then rounded, as Keras multiplies a
	// float32 tensor by the Python float 1 - self.beta_1.
	b1, b2, eps := float32(1-o.Beta1), float32(1-o.Beta2), float32(o.Epsilon)
	if len(o.updates) != len(params) {
		// The updates live in the optimizer, and its range function is
		// made once, so that sharing them among the cores allocates
		// nothing.
		o.updates = make([]adamUpdate, len(params))
	}
	total := 0
	for i, p := range params {
		u := &o.updates[i]
		*u = adamUpdate{}
		if p.Grad == nil {
			continue
		}
		u.w, u.g, u.m, u.v = p.Value.Data, p.Grad.Data, o.Slots[i][0], o.Slots[i][1]
		u.alpha, u.b1, u.b2, u.eps = alpha, b1, b2, eps
		if o.AMSGrad {
			u.vh = o.Slots[i][2]
		}
		total += len(u.w)
	}
	// One pass over all the weights end to end: a model of many small
	// weights shares their update among the cores once, or not at all.
	if o.stepRange == nil {
		o.stepRange = o.updateRange
	}
	parallel.For(total, total, splitMin, o.stepRange)
	o.afterStep(params)
}

// updateRange applies the updates to elements [lo, hi) of the weights
// taken end to end.
func (o *Adam) updateRange(_, lo, hi int) {
	at := 0
	for i := range o.updates {
		u := &o.updates[i]
		if from, to := max(lo-at, 0), min(hi-at, len(u.w)); from < to {
			u.update(from, to)
		}
		at += len(u.w)
	}
}

// adamAlpha is Adam's step size at step t, computed as Keras 3 does, in
// float32 from the float32 learning rate and betas:
// lr·sqrt(1-β2^t)/(1-β1^t), each operation rounded to float32. (In
// float64 the trajectories of a 0.05-rate MAE fit split from Keras' at
// step ~134.) Once β^t is below 2^-26, 1 - β^t rounds to exactly 1 (the
// float32 below 1 is 1 - 2^-24, and 1 - β^t lies above the midpoint
// 1 - 2^-25), so from that step on the power, a third of a small model's
// training step (W1's Conv1D), is skipped: after 171 steps for β1 = 0.9,
// 18,000 for β2 = 0.999. The same bits either way.
func (p *powSkip) adamAlpha(lr, beta1, beta2 float64, t int64) float32 {
	if p.from1 == 0 || p.beta1 != beta1 || p.beta2 != beta2 {
		*p = powSkip{beta1: beta1, beta2: beta2, from1: skipFrom(float32(beta1)), from2: skipFrom(float32(beta2))}
	}
	step := float32(t)
	return float32(float32(lr)*sqrt32(oneMinusPow32(float32(beta2), step, p.from2))) / oneMinusPow32(float32(beta1), step, p.from1)
}

// powSkip holds, for the betas it was made for, the steps after which
// 1 - β^t rounds to 1 in float32 (+Inf: never).
type powSkip struct {
	beta1, beta2 float64
	from1, from2 float64
}

// skipFrom is the step after which b^t < 2^-26.
func skipFrom(b float32) float64 {
	if b > 0 && b < 1 {
		return -26 / math.Log2(float64(b))
	}
	return math.Inf(1)
}

// oneMinusPow32 is 1 - pow32(b, t) in float32, for t after from (skipFrom)
// without taking the power.
func oneMinusPow32(b, t float32, from float64) float32 {
	if float64(t) > from {
		return 1
	}
	return 1 - pow32(b, t)
}

// adamUpdate is one weight's Adam update over a range of its elements.
type adamUpdate struct {
	w, g, m, v, vh     []float32
	alpha, b1, b2, eps float32
}

// update applies the update to elements [lo, hi). Each element is updated
// by one goroutine with the same arithmetic, so the result does not depend
// on how the cores split the weights.
func (u *adamUpdate) update(lo, hi int) {
	w, g, m, v := u.w[lo:hi], u.g[lo:hi], u.m[lo:hi], u.v[lo:hi]
	if u.vh == nil {
		// The same arithmetic in AVX (same bits), for large tables.
		kernels.Adam(w, g, m, v, u.alpha, u.b1, u.b2, u.eps)
		return
	}
	vh := u.vh[lo:hi] // AMSGrad: the running maximum of v
	for j := range w {
		gj := g[j]
		m[j] += float32((gj - m[j]) * u.b1)
		v[j] += float32((float32(gj*gj) - v[j]) * u.b2)
		vh[j] = max(vh[j], v[j])
		w[j] -= float32(m[j]*u.alpha) / (sqrt32(vh[j]) + u.eps)
	}
}

// splitMin is the size from which an element-wise update is shared among
// the cores (an Embedding(20000, 128) table has 2.6 million weights).
// Measured alone on a 2-core AMD EPYC VM, Adam on n weights after a
// training step's backward pass (the caches holding other data, the other
// core's worker asleep): n = 96,000 (W3's Dense kernel) took 41 µs on one
// core and 75 µs shared by two; 262,144 107 µs and 155 µs; 1,048,576
// 513 µs and 325 µs. But in a training step the shared update also keeps
// the other core's worker polling into the next step, whose first pass
// (W3's Conv1D → Conv1D → MaxPooling1D, ~1.6 ms on two cores) it then
// joins at once instead of being woken: W3's step on two cores took
// ~100 µs less with its 110,000 weights shared (in-process A/B, 4 rounds
// of 5; the update itself about as long either way).
const splitMin = 1 << 16

// Config returns Keras' Adam config.
func (o *Adam) Config() map[string]any {
	c := o.config("Adam")
	c["beta_1"], c["beta_2"], c["epsilon"], c["amsgrad"] = o.Beta1, o.Beta2, o.Epsilon, o.AMSGrad
	return c
}

// RMSprop in Keras 3's form: v = ρv + (1-ρ)g²; with centered,
// a = ρa + (1-ρ)g and the denominator is v - a² + ε, else v + ε (ε inside
// the square root; PyTorch adds it outside); step = lr·g/sqrt(denominator);
// with momentum, m = momentum·m + step, w -= m.
type RMSprop struct {
	Base
	Rho, Momentum, Epsilon float64
	Centered               bool
}

// NewRMSprop returns RMSprop with Keras' defaults (ρ 0.9, no momentum,
// ε 1e-7) and the given learning rate (Keras default 0.001).
func NewRMSprop(lr float64) *RMSprop {
	return &RMSprop{Base: Base{LR: lr}, Rho: 0.9, Epsilon: 1e-7}
}

// Name is "rmsprop".
func (o *RMSprop) Name() string { return "rmsprop" }

// Step applies one RMSprop update.
func (o *RMSprop) Step(params []*layers.Param) {
	o.clip(params)
	o.slots(params, 3, 0) // velocity, momentum, average gradient
	// Keras: rho·v + (1-rho)·g², with 1-rho computed in float64 (a Python
	// float) and rounded; each product rounded before the sum (no FMA).
	lr, rho, rho1, eps, mom := float32(o.LR), float32(o.Rho), float32(1-o.Rho), float32(o.Epsilon), float32(o.Momentum)
	for i, p := range params {
		if p.Grad == nil {
			continue
		}
		w, g := p.Value.Data, p.Grad.Data
		v, m, a := o.Slots[i][0], o.Slots[i][1], o.Slots[i][2]
		for j := range w {
			gj := g[j]
			v[j] = float32(rho*v[j]) + float32(rho1*float32(gj*gj))
			den := v[j] + eps
			if o.Centered {
				a[j] = float32(rho*a[j]) + float32(rho1*gj)
				den = float32(v[j]-float32(a[j]*a[j])) + eps
			}
			inc := float32(lr*gj) / sqrt32(den)
			if mom > 0 {
				m[j] = float32(mom*m[j]) + inc
				w[j] -= m[j]
			} else {
				w[j] -= inc
			}
		}
	}
	o.afterStep(params)
}

// Config returns Keras' RMSprop config.
func (o *RMSprop) Config() map[string]any {
	c := o.config("RMSprop")
	c["rho"], c["momentum"], c["epsilon"], c["centered"] = o.Rho, o.Momentum, o.Epsilon, o.Centered
	return c
}

// Adagrad in Keras 3's form: acc += g² (acc starts at
// initial_accumulator_value 0.1), w -= lr·g / sqrt(acc + ε).
type Adagrad struct {
	Base
	InitialAccumulator, Epsilon float64
}

// NewAdagrad returns Adagrad with Keras' defaults and the given rate
// (Keras default 0.001).
func NewAdagrad(lr float64) *Adagrad {
	return &Adagrad{Base: Base{LR: lr}, InitialAccumulator: 0.1, Epsilon: 1e-7}
}

// Name is "adagrad".
func (o *Adagrad) Name() string { return "adagrad" }

// Step applies one Adagrad update.
func (o *Adagrad) Step(params []*layers.Param) {
	o.clip(params)
	o.slots(params, 1, float32(o.InitialAccumulator))
	lr, eps := float32(o.LR), float32(o.Epsilon)
	for i, p := range params {
		if p.Grad == nil {
			continue
		}
		w, g, acc := p.Value.Data, p.Grad.Data, o.Slots[i][0]
		for j := range w {
			acc[j] += float32(g[j] * g[j])
			w[j] -= float32(lr*g[j]) / sqrt32(acc[j]+eps)
		}
	}
	o.afterStep(params)
}

// Config returns Keras' Adagrad config.
func (o *Adagrad) Config() map[string]any {
	c := o.config("Adagrad")
	c["initial_accumulator_value"], c["epsilon"] = o.InitialAccumulator, o.Epsilon
	return c
}

// Get returns an optimizer by Keras name with its default learning rate,
// or lr when lr > 0.
func Get(name string, lr float64) (Optimizer, error) {
	pick := func(def float64) float64 {
		if lr > 0 {
			return lr
		}
		return def
	}
	switch strings.ToLower(name) {
	case "sgd":
		return NewSGD(pick(0.01), 0, false), nil
	case "adam":
		return NewAdam(pick(0.001)), nil
	case "rmsprop":
		return NewRMSprop(pick(0.001)), nil
	case "adagrad":
		return NewAdagrad(pick(0.001)), nil
	}
	return nil, fmt.Errorf("unknown optimizer %q: expected sgd, adam, rmsprop or adagrad", name)
}
