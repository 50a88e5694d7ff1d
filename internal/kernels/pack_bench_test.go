package kernels

import "testing"

func BenchmarkPackA(b *testing.B) {
	const m, k, lda = 240, 256, 256
	a := make([]float32, m*lda+k)
	g := &gemmArgs{a: a, lda: lda, alpha: 1, m: m, k: k}
	dst := make([]float32, m*k)
	scratch := make([]float32, kernels[0].mr*k)
	for b.Loop() {
		packA(kernels[0], dst, scratch, g, 0, m, 0, k)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(m*k), "ns/elem")
}
