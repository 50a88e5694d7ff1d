//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// fmaPeakLoop returns the widest FMA loop this CPU runs and the flops of
// one of its passes (accumulators × lanes × 2).
func fmaPeakLoop() (func(iters int), float64) {
	switch {
	case cpu.X86.HasAVX512F:
		return func(n int) { fmaPeakAVX512(n, 0.9999999, 1e-7) }, 24 * 16 * 2
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return func(n int) { fmaPeakAVX2(n, 0.9999999, 1e-7) }, 12 * 8 * 2
	}
	return nil, 0
}
