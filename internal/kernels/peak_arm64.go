//go:build !purego

package kernels

// fmaPeakLoop returns the NEON FMA loop, the flops of one of its passes
// (24 accumulators × 4 lanes × 2) and its name.
func fmaPeakLoop() (func(iters int), float64, string) {
	return func(n int) { fmaPeakNEON(n, 0.9999999, 1e-7) }, 24 * 4 * 2, "neon"
}

// fmaPeakNEON runs iters passes of 24 independent vector FMAs and returns
// a value that depends on all of them (so none is dead code).
//
//go:noescape
func fmaPeakNEON(iters int, b float32, c float32) float32
