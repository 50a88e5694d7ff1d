//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// fmaPeakLoop returns the widest FMA loop this CPU runs, the flops of one
// of its passes (accumulators × lanes × 2) and its name; on a CPU without
// AVX2 the generic kernel runs, and so does the plain-Go loop.
func fmaPeakLoop() (func(iters int), float64, string) {
	switch {
	case cpu.X86.HasAVX512F:
		return func(n int) { fmaPeakAVX512(n, 0.9999999, 1e-7) }, 24 * 16 * 2, "avx512"
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return func(n int) { fmaPeakAVX2(n, 0.9999999, 1e-7) }, 12 * 8 * 2, "avx2"
	}
	return goPeakLoop()
}
