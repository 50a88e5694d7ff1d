package optimizers

import (
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// param makes a weight with value w and a fixed gradient g.
func param(w, g []float32) *layers.Param {
	return &layers.Param{Name: "w", Value: tensor.FromSlice(append([]float32(nil), w...), len(w)),
		Grad: tensor.FromSlice(append([]float32(nil), g...), len(g))}
}

// run applies steps updates with the gradients grads[i] and returns the
// weights after each step.
func run(o Optimizer, w0 float32, grads []float32) []float64 {
	p := param([]float32{w0}, []float32{0})
	var out []float64
	for _, g := range grads {
		p.Grad.Data[0] = g
		o.Step([]*layers.Param{p})
		out = append(out, float64(p.Value.Data[0]))
	}
	return out
}

func closeTo(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6*(1+math.Abs(want[i])) {
			t.Errorf("%s step %d: %.9g, want %.9g", name, i+1, got[i], want[i])
		}
	}
}

var grads = []float32{0.5, -1, 2}

// The expected sequences are worked by hand (in float64) from Keras 3's
// update rules for w0 = 1 and gradients 0.5, -1, 2.
func TestSGDHandComputed(t *testing.T) {
	closeTo(t, "sgd", run(NewSGD(0.1, 0, false), 1, grads), []float64{0.95, 1.05, 0.85})
	// momentum 0.9: m1 = -0.05, w1 = 0.95; m2 = -0.045+0.1 = 0.055, w2 = 1.005;
	// m3 = 0.0495-0.2 = -0.1505, w3 = 0.8545.
	closeTo(t, "momentum", run(NewSGD(0.1, 0.9, false), 1, grads), []float64{0.95, 1.005, 0.8545})
	// nesterov: w += 0.9*m - 0.1*g: w1 = 1 - 0.045 - 0.05 = 0.905;
	// w2 = 0.905 + 0.0495 + 0.1 = 1.0545; w3 = 1.0545 - 0.13545 - 0.2 = 0.71905.
	closeTo(t, "nesterov", run(NewSGD(0.1, 0.9, true), 1, grads), []float64{0.905, 1.0545, 0.71905})
}

func TestAdamHandComputed(t *testing.T) {
	want := handAdam(0.1, 0.9, 0.999, 1e-7, grads, false)
	// Written out: step 1 moves by exactly lr (sign of g): 0.9.
	if math.Abs(want[0]-0.9) > 1e-6 {
		t.Fatalf("hand computation is off: %v", want[0])
	}
	closeTo(t, "adam", run(NewAdam(0.1), 1, grads), want)
}

// handAdam is Keras 3's Adam from w = 1, in float64: alpha_t =
// lr*sqrt(1-b2^t)/(1-b1^t); m += (g-m)(1-b1); v += (g²-v)(1-b2);
// w -= alpha_t*m/(sqrt(v_hat)+eps), with v_hat = v, or with amsgrad the
// running maximum of v. It returns w after each step.
func handAdam(lr, b1, b2, eps float64, gs []float32, amsgrad bool) []float64 {
	w, m, v, vh := 1.0, 0.0, 0.0, 0.0
	var out []float64
	for i, g := range gs {
		t1 := float64(i + 1)
		gg := float64(g)
		alpha := lr * math.Sqrt(1-math.Pow(b2, t1)) / (1 - math.Pow(b1, t1))
		m += (gg - m) * (1 - b1)
		v += (gg*gg - v) * (1 - b2)
		vh = math.Max(vh, v)
		if !amsgrad {
			vh = v
		}
		w -= alpha * m / (math.Sqrt(vh) + eps)
		out = append(out, w)
	}
	return out
}

// TestAMSGradHandComputed: AMSGrad divides by the running maximum of v
// (Keras 3: v_hat = max(v_hat, v); w -= alpha_t*m/(sqrt(v_hat)+eps)). A
// small beta_2 and a large first gradient make v fall, so the maximum
// decides the later steps.
func TestAMSGradHandComputed(t *testing.T) {
	lr, b1, b2, eps := 0.1, 0.9, 0.5, 1e-7
	gs := []float32{2, 0.1, 0.1}
	want, plain := handAdam(lr, b1, b2, eps, gs, true), handAdam(lr, b1, b2, eps, gs, false)
	if math.Abs(want[2]-plain[2]) < 1e-3 {
		t.Fatalf("the case does not tell AMSGrad from Adam: %v vs %v", want, plain)
	}
	o := NewAdam(lr)
	o.Beta2, o.AMSGrad = b2, true
	closeTo(t, "amsgrad", run(o, 1, gs), want)
}

func TestRMSpropHandComputed(t *testing.T) {
	// v1 = 0.1*0.25 = 0.025; w1 = 1 - 0.1*0.5/sqrt(0.025+1e-7)
	v1 := 0.025
	w1 := 1 - 0.1*0.5/math.Sqrt(v1+1e-7)
	v2 := 0.9*v1 + 0.1*1
	w2 := w1 + 0.1*1/math.Sqrt(v2+1e-7)
	v3 := 0.9*v2 + 0.1*4
	w3 := w2 - 0.1*2/math.Sqrt(v3+1e-7)
	closeTo(t, "rmsprop", run(NewRMSprop(0.1), 1, grads), []float64{w1, w2, w3})

	c := NewRMSprop(0.1)
	c.Centered, c.Momentum = true, 0.5
	a1 := 0.05
	cw1m := 0.1 * 0.5 / math.Sqrt(v1-a1*a1+1e-7)
	cw1 := 1 - cw1m
	a2 := 0.9*a1 - 0.1
	m2 := 0.5*cw1m + 0.1*-1/math.Sqrt(v2-a2*a2+1e-7)
	cw2 := cw1 - m2
	closeTo(t, "rmsprop centered momentum", run(c, 1, grads[:2]), []float64{cw1, cw2})
}

func TestAdagradHandComputed(t *testing.T) {
	acc1 := 0.1 + 0.25
	w1 := 1 - 0.1*0.5/math.Sqrt(acc1+1e-7)
	acc2 := acc1 + 1
	w2 := w1 + 0.1/math.Sqrt(acc2+1e-7)
	acc3 := acc2 + 4
	w3 := w2 - 0.2/math.Sqrt(acc3+1e-7)
	closeTo(t, "adagrad", run(NewAdagrad(0.1), 1, grads), []float64{w1, w2, w3})
}

func TestClipping(t *testing.T) {
	o := NewSGD(1, 0, false)
	o.ClipNorm = 1
	p := param([]float32{0, 0}, []float32{3, 4})
	o.Step([]*layers.Param{p})
	if math.Abs(float64(p.Value.Data[0])+0.6) > 1e-6 || math.Abs(float64(p.Value.Data[1])+0.8) > 1e-6 {
		t.Errorf("clipnorm: %v, want [-0.6 -0.8]", p.Value.Data)
	}
	o = NewSGD(1, 0, false)
	o.ClipValue = 0.5
	p = param([]float32{0, 0}, []float32{3, -0.25})
	o.Step([]*layers.Param{p})
	if p.Value.Data[0] != -0.5 || p.Value.Data[1] != 0.25 {
		t.Errorf("clipvalue: %v, want [-0.5 0.25]", p.Value.Data)
	}
}

func TestGetUnknown(t *testing.T) {
	if _, err := Get("adamm", 0); err == nil {
		t.Fatal("unknown optimizer accepted")
	}
	o, _ := Get("sgd", 0)
	if o.LearningRate() != 0.01 {
		t.Errorf("sgd default lr %v, want 0.01 (Keras)", o.LearningRate())
	}
}

// TestAdamSplitEqualsSerial: a weight large enough to be updated on all
// cores gets the same bits as on one.
func TestAdamSplitEqualsSerial(t *testing.T) {
	n := splitMin*2 + 7
	mk := func() *layers.Param {
		w, g := make([]float32, n), make([]float32, n)
		for i := range w {
			w[i] = float32(i%97) / 97
			g[i] = float32(i%31)/31 - 0.5
		}
		return param(w, g)
	}
	a, b := mk(), mk()
	oa, ob := NewAdam(0.01), NewAdam(0.01)
	for s := 0; s < 3; s++ {
		oa.Step([]*layers.Param{a})
	}
	prev := runtime.GOMAXPROCS(1)
	for s := 0; s < 3; s++ {
		ob.Step([]*layers.Param{b})
	}
	runtime.GOMAXPROCS(prev)
	for i := range a.Value.Data {
		if a.Value.Data[i] != b.Value.Data[i] {
			t.Fatalf("element %d: %g on all cores, %g on one", i, a.Value.Data[i], b.Value.Data[i])
		}
	}
}

// TestAdamOneSplitPass: weights each too small to split, together large
// enough, are updated in one pass shared by the cores (a weight cut
// between two pieces, a frozen weight among them, with and without
// AMSGrad) and get the bits of each weight updated alone on one core.
func TestAdamOneSplitPass(t *testing.T) {
	sizes := []int{splitMin/2 + 3, 5, 0, splitMin/2 + 11, 17}
	mk := func() []*layers.Param {
		var ps []*layers.Param
		for k, n := range sizes {
			w, g := make([]float32, n), make([]float32, n)
			for i := range w {
				w[i] = float32((i+k)%97) / 97
				g[i] = float32((i*(k+1))%31)/31 - 0.5
			}
			p := param(w, g)
			if k == 1 {
				p.Grad = nil // frozen
			}
			ps = append(ps, p)
		}
		return ps
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, ams := range []bool{false, true} {
		runtime.GOMAXPROCS(3)
		together := mk()
		o := NewAdam(0.01)
		o.AMSGrad = ams
		for s := 0; s < 3; s++ {
			o.Step(together)
		}
		runtime.GOMAXPROCS(1)
		for k, p := range mk() {
			alone := NewAdam(0.01)
			alone.AMSGrad = ams
			for s := 0; s < 3; s++ {
				alone.Step([]*layers.Param{p})
			}
			for i, v := range p.Value.Data {
				if together[k].Value.Data[i] != v {
					t.Fatalf("AMSGrad %v, weight %d element %d: %g in one pass, %g alone", ams, k, i, together[k].Value.Data[i], v)
				}
			}
		}
	}
}

// TestAdamConcurrentModels: optimizers of different models may step at the
// same time (they share the split workers) and get the bits of stepping
// alone.
func TestAdamConcurrentModels(t *testing.T) {
	n := splitMin + 101
	mk := func(seed int) *layers.Param {
		w, g := make([]float32, n), make([]float32, n)
		for i := range w {
			w[i] = float32((i+seed)%89) / 89
			g[i] = float32((i*seed)%23)/23 - 0.5
		}
		return param(w, g)
	}
	alone := []*layers.Param{mk(1), mk(2), mk(3)}
	for _, p := range alone {
		o := NewAdam(0.01)
		for s := 0; s < 3; s++ {
			o.Step([]*layers.Param{p})
		}
	}
	together := []*layers.Param{mk(1), mk(2), mk(3)}
	var wg sync.WaitGroup
	for _, p := range together {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := NewAdam(0.01)
			for s := 0; s < 3; s++ {
				o.Step([]*layers.Param{p})
			}
		}()
	}
	wg.Wait()
	for k := range alone {
		for i, v := range alone[k].Value.Data {
			if together[k].Value.Data[i] != v {
				t.Fatalf("model %d element %d: %g stepping together, %g alone", k, i, together[k].Value.Data[i], v)
			}
		}
	}
}
