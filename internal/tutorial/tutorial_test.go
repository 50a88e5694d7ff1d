package tutorial

import (
	"math"
	"testing"
)

func near(got []float32, want []float64, tol float64) bool {
	for i, w := range want {
		if math.Abs(float64(got[i])-w) > tol {
			return false
		}
	}
	return true
}

// TestExperimentsConverge runs the tutorial's three fits over many seeds;
// each must reach the tutorial's result from any random start.
func TestExperimentsConverge(t *testing.T) {
	ex := Experiments()
	for seed := uint64(0); seed < 20; seed++ {
		s1, err := ex[0].Run(seed, 200, 20, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s1.Loss >= 0.25 || !near(s1.Kernel, []float64{1, 2}, 0.1) {
			t.Errorf("seed %d experiment 1: loss %.4f kernel %v, want MAE < 0.25 and kernel within 0.1 of [1 2]", seed, s1.Loss, s1.Kernel)
		}
		s2, err := ex[1].Run(seed, 200, 20, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s2.Loss >= 1.0 {
			t.Errorf("seed %d experiment 2: loss %.4f, want MAE < 1.0", seed, s2.Loss)
		}
		s3, err := ex[2].Run(seed, 200, 20, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Kernel layout (2, 1, 2): [w0f0 w0f1 w1f0 w1f1].
		f0 := []float32{s3.Kernel[0], s3.Kernel[2]}
		f1 := []float32{s3.Kernel[1], s3.Kernel[3]}
		if s3.Loss >= 0.2 || !near(f0, []float64{1, 2}, 0.15) || !near(f1, []float64{3, 4}, 0.15) {
			t.Errorf("seed %d experiment 3: loss %.4f filters %v %v, want MAE < 0.2, [1 2] and [3 4] within 0.15", seed, s3.Loss, f0, f1)
		}
	}
}
