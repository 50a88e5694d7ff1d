package optimizers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamAlphaSkipsPowerExactly checks that adamAlpha, which skips the
// power once 1 - β^t rounds to 1, gives the bits of the formula with both
// powers taken, on every step up to well past the skip for Keras' betas
// and for random ones, and on steps far beyond it; one powSkip is kept
// across steps and betas, as an optimizer keeps it, and a fresh one is
// checked at the far steps.
func TestAdamAlphaSkipsPowerExactly(t *testing.T) {
	ref := func(lr, b1, b2 float64, step int64) float32 {
		s := float32(step)
		return float32(float32(lr)*sqrt32(1-pow32(float32(b2), s))) / (1 - pow32(float32(b1), s))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	betas := [][2]float64{{0.9, 0.999}, {0.5, 0.95}, {0.99, 0.9999}, {0.8, 0.99999}}
	for range 4 {
		betas = append(betas, [2]float64{rng.Float64(), rng.Float64()})
	}
	var p powSkip
	for _, b := range betas {
		// Up to past the step where the slower beta's power is skipped.
		last := int64(40 / -math.Log2(max(b[0], b[1])))
		for step := int64(1); step <= last; step++ {
			if got, want := p.adamAlpha(1e-3, b[0], b[1], step), ref(1e-3, b[0], b[1], step); math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("betas %v, step %d: alpha %g, want %g", b, step, got, want)
			}
		}
		for _, step := range []int64{last * 3, 1 << 24, 1e9} {
			if got, want := (&powSkip{}).adamAlpha(0.05, b[0], b[1], step), ref(0.05, b[0], b[1], step); math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("betas %v, step %d: alpha %g, want %g", b, step, got, want)
			}
		}
	}
}
