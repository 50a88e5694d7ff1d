package layers_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// randWeight returns a tensor of the shape with values in (-scale, scale),
// none of them within 0.05·scale of 0 (so that finite differences of |w|
// do not straddle the kink).
func randWeight(rng *rand.Rand, scale float64, shape ...int) *tensor.Tensor {
	w := tensor.New(shape...)
	for i := range w.Data {
		v := 0.05 + 0.95*rng.Float64()
		if rng.IntN(2) == 0 {
			v = -v
		}
		w.Data[i] = float32(scale * v)
	}
	return w
}

func cloneTensor(t *tensor.Tensor) *tensor.Tensor {
	c := tensor.New(t.Shape...)
	copy(c.Data, t.Data)
	return c
}

// sliceNorms is the reference: for a rank-3 weight, the L2 norm of every
// slice over the reduced axes, keyed by the kept coordinates (a reduced
// coordinate reads as -1), and each element's key.
func sliceNorms(w *tensor.Tensor, reduce [3]bool) (map[[3]int]float64, func(i, j, k int) [3]int) {
	key := func(i, j, k int) [3]int {
		c := [3]int{i, j, k}
		for a := range c {
			if reduce[a] {
				c[a] = -1
			}
		}
		return c
	}
	sq := map[[3]int]float64{}
	s := w.Shape
	for i := 0; i < s[0]; i++ {
		for j := 0; j < s[1]; j++ {
			for k := 0; k < s[2]; k++ {
				v := float64(w.Data[(i*s[1]+j)*s[2]+k])
				sq[key(i, j, k)] += v * v
			}
		}
	}
	for k, v := range sq {
		sq[k] = math.Sqrt(v)
	}
	return sq, key
}

// TestNormConstraints checks MaxNorm, UnitNorm and MinMaxNorm against the
// Keras formulas computed element by element, over every set of axes of a
// rank-3 weight (a Conv1D kernel), negative axes included.
func TestNormConstraints(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	axisSets := [][]int{{0}, {1}, {2}, {0, 1}, {1, 0}, {0, 2}, {-1}, {-3, -2}, {0, 1, 2}}
	for _, axes := range axisSets {
		var reduce [3]bool
		for _, a := range axes {
			reduce[(a+3)%3] = true
		}
		for _, c := range []struct {
			con     layers.Constraint
			desired func(n float64) float64
		}{
			{layers.MaxNorm(1.3, axes...), func(n float64) float64 { return math.Min(n, 1.3) }},
			{layers.UnitNorm(axes...), func(n float64) float64 { return 1 }},
			{layers.MinMaxNorm(0.9, 1.6, 0.7, axes...), func(n float64) float64 {
				return 0.7*math.Min(math.Max(n, 0.9), 1.6) + 0.3*n
			}},
			{layers.MinMaxNorm(0, 1, 1, axes...), func(n float64) float64 { return math.Min(n, 1) }},
		} {
			// Scales from small to large so that slices fall on both sides
			// of the bounds.
			for _, scale := range []float64{0.1, 0.5, 2} {
				w := randWeight(rng, scale, 3, 5, 4)
				before, key := sliceNorms(w, reduce)
				got := cloneTensor(w)
				c.con.Apply(got)
				after, _ := sliceNorms(got, reduce)
				for i := 0; i < 3; i++ {
					for j := 0; j < 5; j++ {
						for k := 0; k < 4; k++ {
							n := before[key(i, j, k)]
							idx := (i*5+j)*4 + k
							want := float64(w.Data[idx]) * c.desired(n) / (1e-7 + n)
							if d := math.Abs(float64(got.Data[idx]) - want); d > 1e-6*math.Max(1, math.Abs(want)) {
								t.Fatalf("%T axes %v scale %g: element %d = %g, want %g", c.con, axes, scale, idx, got.Data[idx], want)
							}
						}
					}
				}
				for k, n := range after {
					if want := c.desired(before[k]); math.Abs(n-want) > 1e-5 {
						t.Fatalf("%T axes %v: slice %v norm %g after Apply, want %g", c.con, axes, k, n, want)
					}
				}
			}
		}
	}
}

func TestMaxNormDenseColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := randWeight(rng, 1, 9, 4) // Dense kernel (in, units): axis 0 bounds each unit's incoming weights
	w.Data[0] *= 10
	layers.MaxNorm(1).Apply(w)
	for u := 0; u < 4; u++ {
		var s float64
		for i := 0; i < 9; i++ {
			v := float64(w.Data[i*4+u])
			s += v * v
		}
		if math.Sqrt(s) > 1+1e-6 {
			t.Errorf("column %d has norm %g > 1", u, math.Sqrt(s))
		}
	}
}

func TestNonNeg(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	w := randWeight(rng, 1, 7, 3)
	orig := cloneTensor(w)
	layers.NonNeg().Apply(w)
	for i, v := range w.Data {
		if want := float32(math.Max(float64(orig.Data[i]), 0)); v != want {
			t.Fatalf("element %d: %g, want %g", i, v, want)
		}
	}
}
