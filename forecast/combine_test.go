package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStackAndCombine checks the combination weights by hand. Residuals
// r1 = (2, 0, 0), r2 = (0, 1, 0), r3 = (1, 1, 3): the sum of squares of
// w·r over the simplex, f = (2w1 + w3)² + (w2 + w3)² + 9w3², is smallest
// at (0.2, 0.8, 0) (there ∂f/∂w1 = ∂f/∂w2 = 1.6 and ∂f/∂w3 = 2.4 ≥ 1.6,
// the optimality conditions). Their mean squares are 4/3, 1/3, 11/3, so
// the inverse-error weights are (3/4, 3, 3/11)/(4 + 1/44); combine
// averages the two.
func TestStackAndCombine(t *testing.T) {
	c := []fitted{
		{res: []float64{2, 0, 0}, mse: 4.0 / 3},
		{res: []float64{0, 1, 0}, mse: 1.0 / 3},
		{res: []float64{1, 1, 3}, mse: 11.0 / 3},
	}
	st := stack(c)
	for i, want := range []float64{0.2, 0.8, 0} {
		if math.Abs(st[i]-want) > 1e-6 {
			t.Fatalf("stacked weights %v, want (0.2, 0.8, 0)", st)
		}
	}
	inv := []float64{0.75, 3, 3.0 / 11}
	sum := inv[0] + inv[1] + inv[2]
	w := combine(c)
	for i := range w {
		if want := (inv[i]/sum + st[i]) / 2; math.Abs(w[i]-want) > 1e-9 {
			t.Errorf("combined weight %d: %g, want %g", i, w[i], want)
		}
	}
}

// TestBlend: after Blend(w), the model predicts w × the start's prediction
// plus (1 − w) × the trained network's, whatever training did to the
// weights.
func TestBlend(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	s := make([]float32, 80)
	for i := range s {
		s[i] = float32(math.Sin(float64(i)/3) + 0.1*rng.NormFloat64())
	}
	x, y := windows(s, 8)
	o := Options{Steps: 8, Channels: 1, Targets: []int{0}, Horizon: 1, Season: 6, Filters: 4, KernelSize: 2, Seed: 3}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := InitLinear(m, o, x.Rows(0, 50), y.Rows(0, 50), x.Rows(50, 72), y.Rows(50, 72))
	if err != nil {
		t.Fatal(err)
	}
	pStart, err := m.Predict(x, 32)
	if err != nil {
		t.Fatal(err)
	}
	// "Training": every weight moved at random.
	ws := m.Weights()
	for _, w := range ws {
		for i := range w.Data {
			w.Data[i] += float32(0.3 * rng.NormFloat64())
		}
	}
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	pTrained, err := m.Predict(x, 32)
	if err != nil {
		t.Fatal(err)
	}
	if err := Blend(m, st, 0.25); err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict(x, 32)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Data {
		want := 0.25*pStart.Data[i] + 0.75*pTrained.Data[i]
		if math.Abs(float64(p.Data[i]-want)) > 1e-4 {
			t.Fatalf("window %d: blended %g, want %g (start %g, trained %g)", i, p.Data[i], want, pStart.Data[i], pTrained.Data[i])
		}
	}
	if err := Blend(m, Start{}, 0.5); err == nil {
		t.Error("a start of another shape was accepted")
	}
}
