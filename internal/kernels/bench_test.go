package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemm times the square shapes and the Conv1D shape of the W4
// workload (batch 32 × length 512 = 8192 output steps, 256 -> 256
// channels, kernel 3: k = 768 with overlapping rows, lda = 256), per
// implementation and thread count, and reports GFLOP/s. Select with e.g.
//
//	go test -run NONE -bench 'Sgemm/avx512/conv' ./internal/kernels
func BenchmarkSgemm(b *testing.B) {
	type shape struct {
		name    string
		m, n, k int
		lda     int
	}
	shapes := []shape{
		{"sq256", 256, 256, 256, 256},
		{"sq512", 512, 512, 512, 512},
		{"sq1024", 1024, 1024, 1024, 1024},
		{"sq2048", 2048, 2048, 2048, 2048},
		{"conv8192x256x768", 8192, 256, 768, 256},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, name := range Impls() {
		for _, s := range shapes {
			for _, nt := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", name, s.name, nt), func(b *testing.B) {
					if name == "generic" && s.m*s.n*s.k > 1<<28 {
						b.Skip("too slow")
					}
					defer Use(name)()
					defer SetThreads(0)
					SetThreads(nt)
					a := randSlice(rng, (s.m-1)*s.lda+s.k)
					bm := randSlice(rng, s.k*s.n)
					c := make([]float32, s.m*s.n)
					b.ResetTimer()
					for b.Loop() {
						Sgemm(false, false, s.m, s.n, s.k, 1, a, s.lda, bm, s.n, 0, c, s.n)
					}
					flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
