package layers

import (
	"math"
	"testing"
)

// TestFastGateMath pins the float32 sigmoid, tanh and exp of the
// recurrent layers against float64 math: within 2 ulps (relative 2.4e-7)
// or 1e-37 absolute, over a dense sweep and the edges.
func TestFastGateMath(t *testing.T) {
	var xs []float32
	for x := -30.0; x <= 30; x += 0.000731 {
		xs = append(xs, float32(x))
	}
	xs = append(xs, 0, 1e-30, -1e-30, 1e-8, -1e-8, 0.625, -0.625, 0.62499994, 9, -9, 88, -87, 200, -200,
		float32(math.Inf(1)), float32(math.Inf(-1)))
	ys := make([]float32, len(xs))
	check := func(name string, f func(x float64) float64) {
		t.Helper()
		for i, x := range xs {
			want := f(float64(x))
			got := float64(ys[i])
			if w32 := float64(float32(want)); math.IsInf(w32, 0) && got == w32 {
				continue // overflows float32, as it should
			}
			if d := math.Abs(got - want); d > 2.4e-7*math.Abs(want) && d > 1e-37 {
				t.Fatalf("%s(%g) = %g, want %g (relative error %.3g)", name, x, got, want, d/math.Abs(want))
			}
		}
	}
	sigmoidF32(xs, ys, 0)
	check("sigmoid", func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
	tanhF32(xs, ys, 0)
	check("tanh", math.Tanh)
	for i, x := range xs {
		if x > -80 && x < 88.7 {
			ys[i] = expF32(x)
		} else {
			ys[i] = float32(math.Exp(float64(x)))
		}
	}
	check("exp", math.Exp)
	if y := []float32{0}; true {
		sigmoidF32([]float32{float32(math.NaN())}, y, 0)
		if !math.IsNaN(float64(y[0])) {
			t.Errorf("sigmoid(NaN) = %v, want NaN", y[0])
		}
	}
}
