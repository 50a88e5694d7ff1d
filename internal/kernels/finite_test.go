package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAllFinite puts a NaN, +Inf or -Inf at each position of slices of
// every length up to 70 and past a few chunks (vector body and tail, first
// and last chunk), among finite values as large as float32 goes, tiny
// subnormals and negative zeros, which must all count as finite.
func TestAllFinite(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(31, 32))
		specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
		finite := []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Copysign(0, -1)), 0, 1e30}
		lengths := append(append([]int(nil), vecLengths...), finiteChunk-1, finiteChunk, finiteChunk+33, 3*finiteChunk+5)
		for _, n := range lengths {
			x := randSlice(rng, n)
			for i := range x {
				if rng.IntN(4) == 0 {
					x[i] = finite[rng.IntN(len(finite))]
				}
			}
			if !AllFinite(x) {
				t.Fatalf("n=%d: finite values reported as not finite", n)
			}
			positions := []int{}
			if n <= 70 {
				for i := 0; i < n; i++ {
					positions = append(positions, i)
				}
			} else {
				positions = []int{0, 31, 32, n / 2, finiteChunk - 1, finiteChunk, n - 33, n - 1}
			}
			for _, i := range positions {
				if i < 0 || i >= n {
					continue
				}
				for _, s := range specials {
					old := x[i]
					x[i] = s
					if AllFinite(x) {
						t.Fatalf("n=%d: %v at %d not found", n, s, i)
					}
					x[i] = old
				}
			}
		}
	})
}
