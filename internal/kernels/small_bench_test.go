package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemmSmall times the small products of Dense layers and short
// sequences, where packing and call overhead matter most.
func BenchmarkSgemmSmall(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, s := range []struct{ m, n, k int }{{8, 8, 8}, {32, 10, 64}, {32, 64, 128}, {64, 64, 64}, {128, 128, 128}, {32, 512, 128}} {
		a, bm, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
		for _, name := range Impls() {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", name, s.m, s.n, s.k), func(b *testing.B) {
				defer Use(name)()
				for b.Loop() {
					Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
