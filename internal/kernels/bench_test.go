package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkSgemm times the square shapes and the Conv1D shape of the W4
// workload (batch 32 × length 512 = 8192 output steps, 256 -> 256
// channels, kernel 3: k = 768 with overlapping rows, lda = 256), per
// implementation and thread count, and reports GFLOP/s by wall clock and
// GFLOP per second of process CPU time (GFLOP/cpu-s). On a machine shared
// with other work the second core is often taken, which lowers the
// wall-clock figure for two threads but not the CPU-time one; the latter
// shows what splitting the work costs. Select with e.g.
//
//	go test -run NONE -bench 'Sgemm/avx512/conv' ./internal/kernels
func BenchmarkSgemm(b *testing.B) {
	type shape struct {
		name           string
		transA, transB bool
		m, n, k        int
		lda, ldb       int
	}
	shapes := []shape{
		{"sq256", false, false, 256, 256, 256, 256, 256},
		{"sq512", false, false, 512, 512, 512, 512, 512},
		{"sq1024", false, false, 1024, 1024, 1024, 1024, 1024},
		{"sq2048", false, false, 2048, 2048, 2048, 2048, 2048},
		// OpenBLAS's anchor shape (../shared/bench/reference/peak/sgemm.c):
		// an im2col Conv1D, plain A with lda = k.
		{"gemm8192x128x384", false, false, 8192, 128, 384, 384, 128},
		// Forward: Y (8192×256) = windows of X (lda 256, k 768) · W (768×256).
		{"conv8192x256x768", false, false, 8192, 256, 768, 256, 256},
		// Backward to the input windows: dXcols (8192×768) = dY · Wᵀ.
		{"convdX8192x768x256", false, true, 8192, 768, 256, 256, 256},
		// Backward to the kernel: dW (768×256) = windowsᵀ · dY, k = 8192.
		{"convdW768x256x8192", true, false, 768, 256, 8192, 256, 256},
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
					rowsA, colsA := s.m, s.k
					if s.transA {
						rowsA, colsA = s.k, s.m
					}
					rowsB, colsB := s.k, s.n
					if s.transB {
						rowsB, colsB = s.n, s.k
					}
					a := randSlice(rng, (rowsA-1)*s.lda+colsA)
					bm := randSlice(rng, (rowsB-1)*s.ldb+colsB)
					c := make([]float32, s.m*s.n)
					Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, s.lda, bm, s.ldb, 0, c, s.n)
					runtime.GC() // no background marking during the timed loop
					cpu0 := processCPU()
					b.ResetTimer()
					for b.Loop() {
						Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, s.lda, bm, s.ldb, 0, c, s.n)
					}
					flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
					b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					if cpu := processCPU() - cpu0; cpu > 0 {
						b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
					}
				})
			}
		}
	}
}
