package kernels

import (
	"fmt"
	"testing"
)

func BenchmarkMicroKernel(b *testing.B) {
	for _, kr := range kernels {
		for _, kc := range []int{128, 256, 384} {
			b.Run(fmt.Sprintf("%s/kc=%d", kr.name, kc), func(b *testing.B) {
				a := make([]float32, kc*kr.mr)
				bb := make([]float32, kc*kr.nr)
				c := make([]float32, kr.mr*kr.nr)
				for b.Loop() {
					kr.fn(kc, a, bb, c, kr.nr, true)
				}
				flops := 2 * float64(kr.mr*kr.nr*kc)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
