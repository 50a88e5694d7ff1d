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

// BenchmarkSgemmPartialPanel times products whose rows end in a partial
// panel (a Dense on a batch of 4, 8 or 20 samples; 256 rows are 21 panels
// and 4 rows on AVX-512), on one thread, with each kernel's partial-tile
// kernels (parts=on) and with the whole tile for every panel (parts=off),
// side by side.
func BenchmarkSgemmPartialPanel(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range []struct{ m, n, k int }{{4, 1024, 1024}, {8, 64, 1920}, {8, 512, 512}, {20, 256, 256}, {256, 50, 1920}} {
		a, bm, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
		for _, kr := range kernels {
			if len(kr.parts) == 0 {
				continue
			}
			for _, on := range []string{"off", "on"} {
				b.Run(fmt.Sprintf("%s/%dx%dx%d/parts=%s", kr.name, s.m, s.n, s.k, on), func(b *testing.B) {
					defer Use(kr.name)()
					if on == "off" {
						defer func(p []partKernel) { kr.parts = p }(kr.parts)
						kr.parts = nil
					}
					for b.Loop() {
						SgemmOut(false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n, Output{Serial: true})
					}
					b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkSgemmOwnPack times products split by rows over 2 threads whose
// op(B) is small (W3's Dense(50) forward, input-gradient and kernel-gradient
// products; a 512³ product; W4's shape at a sixth of its rows), with each
// thread packing all of op(B) for itself (own) and with one pack shared,
// packed a block at a time by all threads in rounds of their own (shared),
// side by side.
func BenchmarkSgemmOwnPack(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, s := range []struct {
		m, n, k int
		tA, tB  bool
	}{{256, 50, 1920, false, false}, {256, 1920, 50, false, true}, {1920, 50, 256, true, false}, {512, 512, 512, false, false}, {2742, 256, 768, false, false}} {
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		a, bm, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), make([]float32, s.m*s.n)
		for _, own := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%dx%d/transA=%v/transB=%v/own=%v", s.m, s.n, s.k, s.tA, s.tB, own), func(b *testing.B) {
				defer SetThreads(0)
				SetThreads(2)
				if !own {
					defer func(v int) { ownPackMax = v }(ownPackMax)
					ownPackMax = 0
				}
				for b.Loop() {
					SgemmOut(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n, Output{})
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
