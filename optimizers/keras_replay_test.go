package optimizers

import (
	"math"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// The tutorial's experiment: a bias-free Conv1D kernel [w0, w1] fitted to
// [0 3 4 5] → [6 11 14] with MAE, one sample per step.
var (
	tutorialX = []float32{0, 3, 4, 5}
	tutorialY = []float32{6, 11, 14}
)

// tutorialGrad is the MAE gradient of the kernel in float32: the
// prediction gradient sign(r)/3, then Σ over the three positions.
func tutorialGrad(w, g []float32) {
	g[0], g[1] = 0, 0
	for t, y := range tutorialY {
		r := float32(tutorialX[t]*w[0]) + float32(tutorialX[t+1]*w[1]) - y
		var s float32
		switch {
		case r > 0:
			s = 1
		case r < 0:
			s = -1
		}
		d := s / 3
		g[0] += float32(tutorialX[t] * d)
		g[1] += float32(tutorialX[t+1] * d)
	}
}

// kerasStep is one step of a Keras 3 optimizer replayed in float32 with
// the operations of keras/src/optimizers/*.py in their order: Python
// floats (1 - beta_1, epsilon, …) are computed in float64 and cast when
// they meet a float32 tensor; every tensor operation rounds to float32.
type kerasStep func(it int, w, g []float32)

func kerasAdam(lr, beta1, beta2, eps float64, amsgrad bool) kerasStep {
	m, v, vh := make([]float32, 2), make([]float32, 2), make([]float32, 2)
	return func(it int, w, g []float32) {
		lr32 := float32(lr)
		step := float32(it + 1)
		b1p := float32(math.Pow(float64(float32(beta1)), float64(step)))
		b2p := float32(math.Pow(float64(float32(beta2)), float64(step)))
		alpha := float32(lr32*float32(math.Sqrt(float64(1-b2p)))) / (1 - b1p)
		for j := range w {
			m[j] = m[j] + float32((g[j]-m[j])*float32(1-beta1))
			v[j] = v[j] + float32((float32(g[j]*g[j])-v[j])*float32(1-beta2))
			den := v[j]
			if amsgrad {
				vh[j] = max(vh[j], v[j])
				den = vh[j]
			}
			w[j] = w[j] - float32(m[j]*alpha)/(float32(math.Sqrt(float64(den)))+float32(eps))
		}
	}
}

func kerasRMSprop(lr, rho, momentum, eps float64, centered bool) kerasStep {
	vel, mom, avg := make([]float32, 2), make([]float32, 2), make([]float32, 2)
	return func(_ int, w, g []float32) {
		for j := range w {
			vel[j] = float32(float32(rho)*vel[j]) + float32(float32(1-rho)*float32(g[j]*g[j]))
			den := vel[j] + float32(eps)
			if centered {
				avg[j] = float32(float32(rho)*avg[j]) + float32(float32(1-rho)*g[j])
				den = float32(vel[j]-float32(avg[j]*avg[j])) + float32(eps)
			}
			inc := float32(float32(lr)*g[j]) / float32(math.Sqrt(float64(den)))
			if momentum > 0 {
				mom[j] = float32(float32(momentum)*mom[j]) + inc
				w[j] = w[j] - mom[j]
			} else {
				w[j] = w[j] - inc
			}
		}
	}
}

func kerasSGD(lr, momentum float64, nesterov bool) kerasStep {
	m := make([]float32, 2)
	return func(_ int, w, g []float32) {
		for j := range w {
			if momentum == 0 {
				w[j] = w[j] - float32(g[j]*float32(lr))
				continue
			}
			m[j] = float32(m[j]*float32(momentum)) - float32(g[j]*float32(lr))
			if nesterov {
				w[j] = w[j] + (float32(m[j]*float32(momentum)) - float32(g[j]*float32(lr)))
			} else {
				w[j] = w[j] + m[j]
			}
		}
	}
}

func kerasAdagrad(lr, init, eps float64) kerasStep {
	acc := []float32{float32(init), float32(init)}
	return func(_ int, w, g []float32) {
		for j := range w {
			acc[j] = acc[j] + float32(g[j]*g[j])
			w[j] = w[j] - float32(float32(lr)*g[j])/float32(math.Sqrt(float64(acc[j]+float32(eps))))
		}
	}
}

// kerasClipNorm is keras' clip_by_norm on one gradient, in float32.
func kerasClipNorm(g []float32, c float64) {
	var ss float64
	for _, v := range g {
		ss += float64(v) * float64(v)
	}
	norm := float32(math.Sqrt(float64(float32(ss))))
	d := max(norm, float32(c))
	for j := range g {
		g[j] = float32(g[j]*float32(c)) / d
	}
}

// TestKerasTrajectories replays 200 steps of the tutorial's fit with each
// optimizer's Keras 3 formulas in float32 and requires seqnet's weights
// to have the same bits after every step. Adam's step size was computed
// in float64, and RMSprop's 1-rho as a float32 subtraction: both split
// from Keras' trajectory (Adam at step ~134 at lr 0.05).
func TestKerasTrajectories(t *testing.T) {
	adamClip := NewAdam(0.05)
	adamClip.ClipNorm = 1.5
	ams := NewAdam(0.05)
	ams.AMSGrad = true
	rmsC := NewRMSprop(0.01)
	rmsC.Centered, rmsC.Momentum = true, 0.5
	cases := []struct {
		name string
		opt  Optimizer
		ref  kerasStep
		clip float64
	}{
		{"adam lr 0.05", NewAdam(0.05), kerasAdam(0.05, 0.9, 0.999, 1e-7, false), 0},
		{"adam amsgrad", ams, kerasAdam(0.05, 0.9, 0.999, 1e-7, true), 0},
		{"adam clipnorm 1.5", adamClip, kerasAdam(0.05, 0.9, 0.999, 1e-7, false), 1.5},
		{"rmsprop", NewRMSprop(0.01), kerasRMSprop(0.01, 0.9, 0, 1e-7, false), 0},
		{"rmsprop centered momentum", rmsC, kerasRMSprop(0.01, 0.9, 0.5, 1e-7, true), 0},
		{"sgd", NewSGD(0.003, 0, false), kerasSGD(0.003, 0, false), 0},
		{"sgd momentum", NewSGD(0.003, 0.9, false), kerasSGD(0.003, 0.9, false), 0},
		{"sgd nesterov", NewSGD(0.003, 0.9, true), kerasSGD(0.003, 0.9, true), 0},
		{"adagrad", NewAdagrad(0.3), kerasAdagrad(0.3, 0.1, 1e-7), 0},
	}
	for _, c := range cases {
		w0 := []float32{0.43, -0.71}
		p := &layers.Param{Name: "kernel", Value: tensor.FromSlice(append([]float32(nil), w0...), 2), Grad: tensor.New(2)}
		ref, g := append([]float32(nil), w0...), make([]float32, 2)
		for it := range 200 {
			tutorialGrad(p.Value.Data, p.Grad.Data)
			c.opt.Step([]*layers.Param{p})
			tutorialGrad(ref, g)
			if c.clip > 0 {
				kerasClipNorm(g, c.clip)
			}
			c.ref(it, ref, g)
			if math.Float32bits(p.Value.Data[0]) != math.Float32bits(ref[0]) || math.Float32bits(p.Value.Data[1]) != math.Float32bits(ref[1]) {
				t.Errorf("%s: step %d: seqnet %v, Keras %v", c.name, it+1, p.Value.Data, ref)
				break
			}
		}
	}
}

// TestFloat64StepSizeSplits shows the replay can tell: Adam with the step
// size computed in float64 leaves Keras' trajectory within 200 steps.
func TestFloat64StepSizeSplits(t *testing.T) {
	w, ref, g := []float32{0.43, -0.71}, []float32{0.43, -0.71}, make([]float32, 2)
	m, v := make([]float32, 2), make([]float32, 2)
	keras := kerasAdam(0.05, 0.9, 0.999, 1e-7, false)
	for it := range 200 {
		tutorialGrad(w, g)
		tt := float64(it + 1)
		alpha := float32(0.05 * math.Sqrt(1-math.Pow(0.999, tt)) / (1 - math.Pow(0.9, tt)))
		for j := range w {
			m[j] += float32((g[j] - m[j]) * float32(1-0.9))
			v[j] += float32((float32(g[j]*g[j]) - v[j]) * float32(1-0.999))
			w[j] -= float32(m[j]*alpha) / (float32(math.Sqrt(float64(v[j]))) + float32(1e-7))
		}
		tutorialGrad(ref, g)
		keras(it, ref, g)
		if w[0] != ref[0] || w[1] != ref[1] {
			t.Logf("float64 step size splits from Keras at step %d", it+1)
			return
		}
	}
	t.Error("the float64 step size followed Keras for 200 steps: the replay cannot tell the two apart")
}
